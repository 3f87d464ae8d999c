"""The board's announcement: the Vietnamese sentence for a call, and which engine speaks it.

espeak-ng runs offline and has a Vietnamese voice on Debian and in its Windows installer
("C:\\Program Files\\eSpeak NG"), but is rarely installed on a Windows board PC. Windows has
its own Vietnamese voice, "Microsoft An" (the Vietnamese speech pack, seen by Qt's "winrt"
engine; by "sapi" only when registered for SAPI 5). `choose_engine` decides from the voices Qt
reports (a plain function, so the decision is tested here without Windows): on Windows a
Vietnamese Qt voice first, "Microsoft An" before others, then espeak-ng; elsewhere espeak-ng
first (its WAV is what the tests check), then a Vietnamese Qt voice.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Voice:
    """A voice an engine of Qt's text-to-speech offers: engine name, voice name, locale."""

    engine: str
    name: str
    locale: str  # Qt's QLocale.name(): "vi_VN"

    @property
    def vietnamese(self) -> bool:
        return re.split(r"[_-]", self.locale, maxsplit=1)[0].lower() == "vi"


@dataclass(frozen=True)
class SpeechChoice:
    """What speaks the calls: `kind` "qt" (engine + voice), "espeak-ng" (program) or "none"."""

    kind: str
    engine: str = ""
    voice: str = ""
    program: str = ""
    note: str = ""  # Vietnamese, for the board's log and status


#: Windows' Vietnamese voice; "Microsoft An" but not "Microsoft Anna" (an English voice).
_WINDOWS_VOICE = re.compile(r"^microsoft an\b", re.IGNORECASE)
#: Qt's Windows engines, best first: winrt sees the OneCore voices "Microsoft An" is one of.
_ENGINE_ORDER = ("winrt", "sapi")


def choose_engine(
    voices: Sequence[Voice], *, espeak: str | None, platform: str = sys.platform
) -> SpeechChoice:
    """The engine and voice the board speaks with, from what this PC has."""
    vietnamese = [v for v in voices if v.vietnamese]

    def rank(v: Voice) -> tuple[int, int]:
        engine = _ENGINE_ORDER.index(v.engine) if v.engine in _ENGINE_ORDER else len(_ENGINE_ORDER)
        return (0 if _WINDOWS_VOICE.match(v.name) else 1, engine)

    best = min(vietnamese, key=rank) if vietnamese else None
    qt = (
        SpeechChoice(
            "qt", best.engine, best.name, note=f"Đọc số bằng giọng {best.name} ({best.engine})."
        )
        if best is not None
        else None
    )
    program = (
        SpeechChoice("espeak-ng", program=espeak, note="Đọc số bằng espeak-ng (giọng tiếng Việt).")
        if espeak
        else None
    )
    order = (qt, program) if platform == "win32" else (program, qt)
    for choice in order:
        if choice is not None:
            return choice
    hint = (
        "cài gói giọng nói tiếng Việt của Windows (Cài đặt → Thời gian và ngôn ngữ → Giọng nói) "
        "hoặc espeak-ng"
        if platform == "win32"
        else "cài espeak-ng"
    )
    return SpeechChoice(
        "none", note=f"Máy này không có giọng đọc tiếng Việt nên bảng chỉ hiện số ({hint})."
    )
