"""The call announcement rendered by espeak-ng's Vietnamese voice is speech, not silence."""

from __future__ import annotations

import array
import math
import os
import shutil
import subprocess
import wave
from pathlib import Path

import pytest

from counter_app.queue.domain import QueueError
from counter_app.queue.speech import call_sentence, find_espeak, render_wav


def test_sentence_is_the_configured_vietnamese_one() -> None:
    assert call_sentence("A023", 3) == "Mời công dân có số thứ tự A 23 đến quầy số 3"
    assert call_sentence("B007", 12, "Xin mời số {number} tới quầy {counter}") == (
        "Xin mời số B 7 tới quầy 12"
    )
    with pytest.raises(QueueError, match=r"queue\.sentence"):
        call_sentence("A001", 1, "Mời {so}")


@pytest.mark.skipif(
    find_espeak() is None and not os.environ.get("CI"), reason="espeak-ng not installed"
)
def test_call_renders_to_a_wav_that_is_speech(tmp_path: Path) -> None:
    out = render_wav(call_sentence("A023", 3), tmp_path / "call.wav")
    with wave.open(str(out)) as w:
        frames = w.readframes(w.getnframes())
        duration = w.getnframes() / w.getframerate()
        assert w.getsampwidth() == 2
    samples = array.array("h", frames)
    rms = math.sqrt(sum(s * s for s in samples) / len(samples)) / 32768
    assert duration > 1.0
    assert rms > 0.02, "the file is (nearly) silent"
    # Speech has pauses between words: a good share of 20 ms windows are quiet, most are not.
    rate = len(samples) / duration
    window = int(rate * 0.02)
    loud = [
        max(abs(s) for s in samples[i : i + window]) > 3000
        for i in range(0, len(samples) - window, window)
    ]
    assert 0.3 < sum(loud) / len(loud) < 0.98
    if shutil.which("sox"):
        stat = subprocess.run(
            ["sox", str(out), "-n", "stat"], capture_output=True, text=True, check=True
        )
        length = next(
            float(line.split(":")[1]) for line in stat.stderr.splitlines() if "Length" in line
        )
        assert abs(length - duration) < 0.05
