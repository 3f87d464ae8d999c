"""The board's announcement: the Vietnamese sentence for a call, rendered to a WAV by espeak-ng.

espeak-ng runs offline and has a Vietnamese voice on Debian and in its Windows installer
("C:\\Program Files\\eSpeak NG"). On Windows the board first tries Qt's text-to-speech (SAPI/WinRT)
if it offers a Vietnamese voice, and falls back to this module when espeak-ng is installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from counter_app.queue.domain import DEFAULT_SENTENCE, QueueError, spoken_number

VOICE = "vi"
# Slightly slower than espeak's default 175 words a minute: a hall is noisy and echoes.
WORDS_PER_MINUTE = 150


class SpeechUnavailable(QueueError):
    """No speech engine is installed; the board shows calls without a voice."""


def call_sentence(number: str, counter: int, template: str = DEFAULT_SENTENCE) -> str:
    """ "Mời công dân có số thứ tự A 12 đến quầy số 3": the number as it should be spoken."""
    try:
        return template.format(number=spoken_number(number), counter=counter)
    except (KeyError, IndexError, ValueError) as exc:
        raise QueueError(
            "Câu thông báo (queue.sentence) chỉ được dùng {number} và {counter}."
        ) from exc


def find_espeak() -> str | None:
    """The espeak-ng program: on PATH, or where its Windows installer puts it."""
    found = shutil.which("espeak-ng")
    if found:
        return found
    if sys.platform == "win32":
        for base in (os.environ.get("PROGRAMFILES", ""), os.environ.get("PROGRAMFILES(X86)", "")):
            candidate = Path(base) / "eSpeak NG" / "espeak-ng.exe"
            if base and candidate.exists():
                return str(candidate)
    return None


def render_wav(text: str, out: Path, *, voice: str = VOICE) -> Path:
    """Speak `text` into a WAV file with espeak-ng; raises SpeechUnavailable without it."""
    program = find_espeak()
    if program is None:
        raise SpeechUnavailable(
            "Chưa cài espeak-ng nên bảng hiển thị không đọc được số (vẫn hiện số trên màn hình)."
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    # No console window flashes on the board PC under Windows.
    flags = int(getattr(subprocess, "CREATE_NO_WINDOW", 0))
    try:
        subprocess.run(
            [program, "-v", voice, "-s", str(WORDS_PER_MINUTE), "-w", str(out), "--", text],
            check=True,
            capture_output=True,
            timeout=30,
            creationflags=flags,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise SpeechUnavailable(f"espeak-ng không đọc được câu thông báo: {exc}") from exc
    return out
