"""Speaking the board's calls: Qt's text-to-speech with a Vietnamese voice, or espeak-ng.

The engine is chosen by `counter_app.queue.speech.choose_engine` from the voices Qt lists here:
on Windows "Microsoft An" (or another Vietnamese voice) through Qt's engine, else espeak-ng,
which renders each sentence to a WAV (on a worker thread) that QSoundEffect plays, one after
another, never over each other.
"""

from __future__ import annotations

import itertools
import logging
import sys
import tempfile
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from counter_app.queue.speech import (
    SpeechChoice,
    SpeechUnavailable,
    Voice,
    call_sentence,
    choose_engine,
    find_espeak,
    render_wav,
)
from counter_app.tempdirs import remove_tree
from ui.ops import Ops

log = logging.getLogger(__name__)

Player = Callable[[Path, Callable[[], None]], None]
# A little slower than the engine's normal pace (-1…1), as espeak-ng's 150 words a minute: a
# hall is noisy and echoes.
QT_RATE = -0.15


def qt_voices() -> list[Voice]:
    """Every voice of every text-to-speech engine Qt has here (SAPI/WinRT on Windows)."""
    try:
        from PySide6.QtTextToSpeech import QTextToSpeech
    except ImportError:  # a Qt build without the module: espeak-ng only
        return []
    found: list[Voice] = []
    for engine in QTextToSpeech.availableEngines():
        tts = QTextToSpeech(engine)
        if tts.state() == QTextToSpeech.State.Error:
            log.info("text-to-speech engine %s: %s", engine, tts.errorString())
            continue
        for locale in tts.availableLocales():
            tts.setLocale(locale)
            found += [Voice(engine, v.name(), locale.name()) for v in tts.availableVoices()]
        tts.deleteLater()
    return found


def make_qt_tts(choice: SpeechChoice, parent: QObject | None = None) -> Any:
    """Qt's engine `choice.engine` speaking with the voice `choice.voice`, or None if gone."""
    from PySide6.QtTextToSpeech import QTextToSpeech

    tts = QTextToSpeech(choice.engine, parent)
    if tts.state() == QTextToSpeech.State.Error:
        return None
    for locale in tts.availableLocales():
        tts.setLocale(locale)
        for voice in tts.availableVoices():
            if voice.name() == choice.voice:
                tts.setVoice(voice)
                tts.setRate(QT_RATE)
                return tts
    return None


def sound_effect_player() -> Player:
    """Play a WAV with QSoundEffect and call `done` when it ends."""
    from PySide6.QtCore import QUrl
    from PySide6.QtMultimedia import QSoundEffect

    keep: list[Any] = []

    def play(path: Path, done: Callable[[], None]) -> None:
        effect = QSoundEffect()
        effect.setSource(QUrl.fromLocalFile(str(path)))

        def changed() -> None:
            if not effect.isPlaying() and effect.status() != QSoundEffect.Status.Loading:
                keep.remove(effect)
                done()

        effect.playingChanged.connect(changed)
        keep.append(effect)
        effect.play()

    return play


class Speaker(QObject):
    """Announces calls in order. Signals: `did_render(str text, str wav_path)` (espeak-ng),
    `did_speak(str text)` (handed to Qt's engine), `did_fail(str message)` (no voice: the board
    still shows the numbers)."""

    did_render = Signal(str, str)
    did_speak = Signal(str)
    did_fail = Signal(str)

    def __init__(
        self,
        sentence: str,
        *,
        player: Player | None = None,
        out_dir: Path | None = None,
        use_qt_tts: bool = True,
        voices: list[Voice] | None = None,
        platform: str = sys.platform,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.sentence = sentence
        if voices is None:
            voices = qt_voices() if use_qt_tts else []
        self.choice = choose_engine(voices, espeak=find_espeak(), platform=platform)
        self._tts = make_qt_tts(self.choice, self) if self.choice.kind == "qt" else None
        if self.choice.kind == "qt" and self._tts is None:  # the voice went away meanwhile
            self.choice = choose_engine([], espeak=find_espeak(), platform=platform)
        log.info("board speech: %s", self.choice.note)
        self._player = player
        # The WAV files of the calls; a folder of our own is removed at shutdown.
        self._own_dir = out_dir is None
        self._dir = out_dir or Path(tempfile.mkdtemp(prefix="queue-speech-"))
        self._ops = Ops(self)
        self._counter = itertools.count(1)
        self._pending: deque[Path] = deque()
        self._playing = False

    @property
    def engine(self) -> str:
        """ "qt", "espeak-ng" or "none"."""
        return self.choice.kind

    def announce(self, number: str, counter: int) -> None:
        try:
            text = call_sentence(number, counter, self.sentence)
        except SpeechUnavailable as exc:
            self.did_fail.emit(str(exc))
            return
        except Exception as exc:  # a bad sentence setting must not stop the board
            self.did_fail.emit(str(exc))
            return
        if self._tts is not None:
            self._tts.enqueue(text)
            self.did_speak.emit(text)
            return
        if self.choice.kind == "none":
            self.did_fail.emit(self.choice.note)
            return
        path = self._dir / f"call-{next(self._counter) % 50}.wav"

        def render() -> Path:
            return render_wav(text, path)

        def rendered(out: Path) -> None:
            self.did_render.emit(text, str(out))
            self._pending.append(out)
            self._play_next()

        def failed(exc: BaseException) -> None:
            log.warning("speech failed: %s", exc)
            self.did_fail.emit(str(exc))

        self._ops.op(render).success(rendered).failure(failed).run()

    def _play_next(self) -> None:
        if self._playing or not self._pending:
            return
        if self._player is None:
            try:
                self._player = sound_effect_player()
            except ImportError as exc:
                self.did_fail.emit(f"Không phát được âm thanh: {exc}")
                self._pending.clear()
                return
        self._playing = True
        path = self._pending.popleft()

        def done() -> None:
            self._playing = False
            self._play_next()

        self._player(path, done)

    def shutdown(self) -> None:
        self._ops.shutdown()
        if self._own_dir:
            remove_tree(self._dir)
