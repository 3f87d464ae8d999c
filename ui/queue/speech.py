"""Speaking the board's calls: espeak-ng's Vietnamese voice rendered to a WAV, played by Qt.

On Windows, Qt's text-to-speech (SAPI/WinRT) is used when it offers a Vietnamese voice;
otherwise, and everywhere else, espeak-ng renders each sentence to a WAV (on a worker thread)
that QSoundEffect plays. Announcements play one after another, never over each other.
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

from counter_app.queue.speech import SpeechUnavailable, call_sentence, render_wav
from ui.ops import Ops

log = logging.getLogger(__name__)

Player = Callable[[Path, Callable[[], None]], None]


def _qt_vietnamese_tts() -> Any:
    """Qt's engine with a Vietnamese voice (Windows only), or None."""
    if sys.platform != "win32":
        return None
    try:
        from PySide6.QtCore import QLocale
        from PySide6.QtTextToSpeech import QTextToSpeech
    except ImportError:
        return None
    tts = QTextToSpeech()
    for locale in tts.availableLocales():
        if locale.language() == QLocale.Language.Vietnamese:
            tts.setLocale(locale)
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
    """Announces calls in order. Signals: `did_render(str text, str wav_path)`,
    `did_fail(str message)` (no voice: the board still shows the numbers)."""

    did_render = Signal(str, str)
    did_fail = Signal(str)

    def __init__(
        self,
        sentence: str,
        *,
        player: Player | None = None,
        out_dir: Path | None = None,
        use_qt_tts: bool = True,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.sentence = sentence
        self._tts = _qt_vietnamese_tts() if use_qt_tts else None
        self._player = player
        self._dir = out_dir or Path(tempfile.mkdtemp(prefix="queue-speech-"))
        self._ops = Ops(self)
        self._counter = itertools.count(1)
        self._pending: deque[Path] = deque()
        self._playing = False

    @property
    def engine(self) -> str:
        return "qt" if self._tts is not None else "espeak-ng"

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
