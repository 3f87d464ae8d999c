"""Rotating log files that IT staff can send, with personal data taken out of every record."""

from __future__ import annotations

import logging
import logging.handlers
import re
import sys
from pathlib import Path

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
    # Vietnamese passports: one letter and seven digits.
    (re.compile(r"\b[A-Z]\d{7}\b"), "<id>"),
)


def redact(text: str) -> str:
    """`text` with ID numbers, phone numbers, passports and emails replaced by placeholders."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


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
    """Marks our handler so repeated `setup_logging` calls do not add a second one."""


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
