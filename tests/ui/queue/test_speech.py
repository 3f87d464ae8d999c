"""The board's Qt text-to-speech path on a real Qt engine: Qt's "mock" engine (shipped with
PySide6) stands in for Windows' SAPI/WinRT, which cannot run here; its voice is passed as if it
were Vietnamese so that the whole path — enumerate, choose, set the voice, speak — runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from counter_app.queue.speech import Voice
from ui.queue.speech import QT_RATE, Speaker, qt_voices

QtTTS = pytest.importorskip("PySide6.QtTextToSpeech").QTextToSpeech
needs_mock = pytest.mark.skipif(
    "mock" not in QtTTS.availableEngines(), reason="Qt's mock text-to-speech engine is absent"
)


@needs_mock
# An engine that cannot start on this machine (speechd without its daemon) is skipped, loudly.
@pytest.mark.qt_log_ignore("Error loading text-to-speech plug-in")
def test_qt_voices_lists_every_engines_voices(qapp: Any) -> None:
    voices = qt_voices()
    mock = [v for v in voices if v.engine == "mock"]
    assert {"Anne", "Bob"} <= {v.name for v in mock}
    assert all(v.locale and not v.vietnamese for v in mock)  # the mock speaks no Vietnamese


@needs_mock
def test_board_speaks_through_the_chosen_qt_voice(qtbot: Any) -> None:
    speaker = Speaker(
        "Mời công dân có số thứ tự {number} đến quầy số {counter}",
        voices=[Voice("mock", "Anne", "vi_VN")],
        platform="win32",
    )
    assert speaker.engine == "qt" and speaker.choice.voice == "Anne"
    tts = speaker._tts
    assert tts.voice().name() == "Anne"
    assert tts.rate() == pytest.approx(QT_RATE) and QT_RATE < 0  # slower, for a noisy hall
    words: list[str] = []
    tts.sayingWord.connect(lambda word, *_: words.append(word))
    with qtbot.waitSignal(speaker.did_speak, timeout=5000) as spoken:
        speaker.announce("A023", 3)
    assert spoken.args == ["Mời công dân có số thứ tự A 23 đến quầy số 3"]
    qtbot.waitUntil(lambda: tts.state() == QtTTS.State.Speaking, timeout=5000)
    qtbot.waitUntil(lambda: tts.state() == QtTTS.State.Ready, timeout=20_000)
    assert "23" in words and words[-1] == "3"  # the number and the counter, to the end
    speaker.shutdown()


def test_no_voice_at_all_says_so_and_the_board_goes_on(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a PC without espeak-ng
    monkeypatch.setenv("PROGRAMFILES", str(tmp_path))
    speaker = Speaker("Mời số {number} đến quầy {counter}", voices=[], platform="win32")
    assert speaker.engine == "none"
    with qtbot.waitSignal(speaker.did_fail, timeout=2000) as failed:
        speaker.announce("B007", 2)
    assert "không có giọng đọc tiếng Việt" in failed.args[0]
    speaker.shutdown()
