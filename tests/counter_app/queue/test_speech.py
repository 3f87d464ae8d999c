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
from counter_app.queue.speech import Voice, call_sentence, choose_engine, find_espeak, render_wav


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


AN = Voice("winrt", "Microsoft An", "vi_VN")
ENGLISH = [
    Voice("sapi", "Microsoft David Desktop", "en_US"),
    Voice("sapi", "Microsoft Zira Desktop", "en_US"),
    Voice("winrt", "Microsoft Anna", "en_US"),
]


def test_windows_speaks_with_microsoft_an_through_qt_even_with_espeak_installed() -> None:
    voices = [*ENGLISH, Voice("sapi", "Microsoft An", "vi_VN"), AN, Voice("winrt", "HN", "vi-VN")]
    choice = choose_engine(voices, espeak=r"C:\eSpeak NG\espeak-ng.exe", platform="win32")
    assert (choice.kind, choice.engine, choice.voice) == ("qt", "winrt", "Microsoft An")
    assert choice.note == "Đọc số bằng giọng Microsoft An (winrt)."


def test_windows_prefers_an_over_a_better_engine_and_never_takes_anna_for_an() -> None:
    voices = [
        Voice("winrt", "Microsoft Anna", "vi_VN"),
        Voice("sapi", "Microsoft An Desktop", "vi"),
    ]
    choice = choose_engine(voices, espeak=None, platform="win32")
    assert (choice.engine, choice.voice) == ("sapi", "Microsoft An Desktop")
    # Any other Vietnamese voice is still better than none (winrt before sapi).
    other = [Voice("sapi", "Giọng Hà Nội", "vi_VN"), Voice("winrt", "Giọng Sài Gòn", "vi_VN")]
    assert choose_engine(other, espeak=None, platform="win32").voice == "Giọng Sài Gòn"


def test_windows_without_a_vietnamese_voice_falls_back_to_espeak_then_to_none() -> None:
    choice = choose_engine(ENGLISH, espeak=r"C:\eSpeak NG\espeak-ng.exe", platform="win32")
    assert (choice.kind, choice.program) == ("espeak-ng", r"C:\eSpeak NG\espeak-ng.exe")
    none = choose_engine(ENGLISH, espeak=None, platform="win32")
    assert none.kind == "none"
    assert "giọng nói tiếng Việt của Windows" in none.note and "espeak-ng" in none.note


def test_elsewhere_espeak_comes_first_and_qt_only_without_it() -> None:
    assert choose_engine([AN], espeak="/usr/bin/espeak-ng", platform="linux").kind == "espeak-ng"
    assert choose_engine([AN], espeak=None, platform="linux").voice == "Microsoft An"
    assert choose_engine([], espeak=None, platform="linux").note.endswith("(cài espeak-ng).")
