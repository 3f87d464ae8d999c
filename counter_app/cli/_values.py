"""Dates and times as typed on the command line, with one Vietnamese error for each."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from counter_app.cli import EXIT_INVALID, CliError
from counter_app.domain import TIMEZONE
from counter_app.identity import InvalidValue, parse_date_vn


def parse_day(text: str) -> date:
    """A date as yyyy-mm-dd or dd/mm/yyyy."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return parse_date_vn(text)
    except InvalidValue as exc:
        raise CliError(
            f"Ngày «{text}» không hợp lệ (dd/mm/yyyy hoặc yyyy-mm-dd).", EXIT_INVALID
        ) from exc


def parse_local_datetime(text: str, field: str) -> datetime:
    """ISO 8601 local time; an offset is converted to Vietnam time. The error names the option."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise CliError(
            f"{field}: «{text}» không phải thời điểm ISO 8601 (ví dụ 2026-02-13T09:00).",
            EXIT_INVALID,
        ) from exc
    if value.tzinfo is not None:
        value = value.astimezone(TIMEZONE).replace(tzinfo=None)
    return value


def write_output(path: Path, data: bytes) -> None:
    """Write a produced file whole or not at all (a half-written PDF must not be printed)."""
    from counter_app.atomic import DiskError, write_bytes

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes(path, data)
    except DiskError:
        raise  # already says which folder is full or read-only
    except OSError as exc:
        raise CliError(f"Không ghi được tệp {path}: {exc.strerror}") from exc
