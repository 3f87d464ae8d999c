"""Rotating log files that IT staff can send, with personal data taken out of every record."""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
import re
import sys
from pathlib import Path
from typing import Any

from counter_app.settings import Settings

LOG_FILE_NAME = "counter-app.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 9
_FORMAT = "%(asctime)s %(levelname)-7s %(process)d %(name)s: %(message)s"

# Order matters: emails first (they may contain digits), then the long number shapes.
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "<email>"),
    # Vietnamese phone numbers: 0xx or +84/84 followed by 8-10 digits, spaces/dots/dashes allowed.
    (re.compile(r"(?<![\w.])(?:\+84|84|0)(?:[ .\-]?\d){8,10}(?![\w])"), "<phone>"),
    # Personal identification number (12 digits) and the old identity card number (9 digits).
    (re.compile(r"(?<!\d)\d{12}(?!\d)"), "<id>"),
    (re.compile(r"(?<!\d)\d{9}(?!\d)"), "<id>"),
    # Passports: Vietnamese ones are one letter and seven digits (B/C/K/N + 7); foreign ones
    # vary, so whatever follows the word "passport"/"hộ chiếu" goes too.
    (
        re.compile(
            r"(?i)\b(passport|hộ chiếu)(\s*(?:số|no\.?|number)?\s*[:=#]?\s*)[A-Z0-9]{6,12}\b"
        ),
        r"\1\2<id>",
    ),
    (re.compile(r"(?i)(?<![\w.-])[A-Z]{1,2}\d{7,8}(?![\w-])"), "<id>"),
)

# Names in the fields that hold them (key=value, key: value, "key": "value"), any spelling.
_NAME_FIELD = re.compile(
    r"(?i)(\b(?:applicant_name|full_name|clerk_name|name|ten|ho_ten|họ và tên|họ tên|người nộp"
    r"|tên người nộp|người nhận)[\"']?\s*[:=]\s*)([\"']?)([^\"'\n,;)}\]|]{1,120})"
)
# Names in running text: a common Vietnamese family name followed by capitalised given names.
_SURNAMES = re.findall(
    r"\S+",
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đào Đoàn Đinh Lâm "
    "Mai Trịnh Trương Hà Lưu Cao Tạ Tô Quách Lương Chu Thái Kiều Nông Triệu Vương Châu Văn "
    # as typed without diacritics
    "Nguyen Tran Le Pham Hoang Huynh Vu Vo Dang Bui Do Ho Ngo Duong Ly Dao Doan Dinh Lam "
    "Trinh Truong Ha Luu Quach Luong Thai Kieu Nong Trieu Vuong Chau",
)
_FAMILY_NAME = re.compile(
    r"(?<![^\W\d_])(?:" + "|".join(sorted(set(_SURNAMES), key=len, reverse=True)) + r")"
    r"(?:[ \t]+[^\W\d_][^\W\d_*]*\**){1,5}(?![^\W\d_])"
)


def _name_field(match: re.Match[str]) -> str:
    key, quote, value = match.groups()
    if value.strip().startswith("<") or not value.strip():
        return match.group(0)  # already a placeholder, or empty
    tail = value[len(value.rstrip()) :]
    return f"{key}{quote}<name>{tail}"


def _family_name(match: re.Match[str]) -> str:
    words = match.group(0).split()
    given = 0
    for word in words[1:]:
        if not word[0].isupper():
            break
        given += 1
    if given == 0:
        return match.group(0)  # "Do not ...", "Hà Nội" stays if followed by lowercase
    rest = match.group(0).split(maxsplit=given + 1)[given + 1 :]
    return "<name>" + (" " + rest[0] if rest else "")


def redact(text: str) -> str:
    """`text` with ID numbers, phones, passports, emails and people's names replaced."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    text = _NAME_FIELD.sub(_name_field, text)
    return _FAMILY_NAME.sub(_family_name, text)


class RedactingFilter(logging.Filter):
    """Rewrites each record's message, arguments and traceback text without personal data."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a bad format string must not hide the record
            message = f"{record.msg!r} {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class _CounterAppHandler(logging.handlers.RotatingFileHandler):
    """Marks our handler so repeated `setup_logging` calls do not add a second one.

    Its files are readable by this user only (redaction is a net, not a guarantee). Windows has
    no mode bits: there the per-user log folder under the profile is what keeps others out.
    """

    _disk_warned = False

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging's name)
        """A log the disk cannot take (full, read-only) is dropped and said once, in Vietnamese:
        Python's default prints a traceback per record on stderr, burying the real message."""
        exc = sys.exc_info()[1]
        if not isinstance(exc, OSError):
            super().handleError(record)
            return
        if not self._disk_warned:
            from counter_app.atomic import disk_message

            _CounterAppHandler._disk_warned = True
            folder = Path(self.baseFilename).parent
            with contextlib.suppress(Exception):
                sys.stderr.write(f"Cảnh báo: không ghi được nhật ký. {disk_message(exc, folder)}\n")

    def _open(self) -> Any:
        if os.name != "nt":
            fd = os.open(self.baseFilename, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600)
            os.close(fd)
            os.chmod(self.baseFilename, 0o600)  # a file made by an older version
        return super()._open()


def log_file(settings: Settings) -> Path:
    return settings.paths.log_dir / LOG_FILE_NAME


def setup_logging(settings: Settings, *, level: int = logging.INFO, console: bool = False) -> Path:
    """Send the root logger to rotating files in the log dir, redacted; returns the file."""
    path = log_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler, _CounterAppHandler) and Path(handler.baseFilename) == path:
            return path
    handler = _CounterAppHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8", delay=True
    )
    handler.setFormatter(logging.Formatter(_FORMAT))
    # On the handler, not the logger: logger filters do not see records from child loggers.
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
    if console:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(logging.Formatter(_FORMAT))
        stream.addFilter(RedactingFilter())
        root.addHandler(stream)
    if root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)
    logging.captureWarnings(True)
    return path


def log_files(settings: Settings) -> list[Path]:
    """The current log file and its rotated predecessors, newest first."""
    folder = settings.paths.log_dir
    if not folder.is_dir():
        return []
    files = [p for p in folder.glob(f"{LOG_FILE_NAME}*") if p.is_file()]
    return sorted(files, key=lambda p: p.stat().st_mtime, reverse=True)
