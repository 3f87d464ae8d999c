"""How large one digitised file may be: the counter's own ceiling, lowered by the server's word.

The provincial server refuses a file over its limit (`413 file_too_large`) long after the citizen
has left; so the server states its limit in `GET /api/v1/counter` and the counter remembers the
last value it heard (in the database, so every process on it and the next start know it). Intake,
`attach` and `scan` then refuse an oversize file while the paper is still on the desk.
"""

from __future__ import annotations

from dataclasses import dataclass

from counter_app.db.engine import Database
from counter_app.sync import state as st

#: sync_state key holding the server's last stated limit in bytes ("" when it stated none).
SERVER_LIMIT_KEY = "server_max_file_bytes"


@dataclass(frozen=True)
class FileLimit:
    """The limit in force and whether it is the server's (the message says whose it is)."""

    max_bytes: int
    from_server: bool

    @property
    def text(self) -> str:
        return mb(self.max_bytes)

    @property
    def whose(self) -> str:
        return "của máy chủ tỉnh" if self.from_server else "của quầy"


def mb(size: int) -> str:
    """A size in MB as Vietnamese write it: "20 MB", "2,5 MB" (under 1 MB in KB: "300 KB")."""
    unit, value = ("MB", size / (1024 * 1024)) if size >= 1024 * 1024 else ("KB", size / 1024)
    text = f"{value:.0f}" if abs(value - round(value)) < 0.05 else f"{value:.1f}"
    return text.replace(".", ",") + " " + unit


def remember_server_limit(db: Database, max_bytes: int | None) -> None:
    """Keep what the server said (None: it accepts no files or did not say)."""
    value = str(max_bytes) if max_bytes is not None and max_bytes > 0 else ""
    with db.write() as s:
        if st.get_value(s, SERVER_LIMIT_KEY, "\0") != value:
            st.set_value(s, SERVER_LIMIT_KEY, value)


def server_limit(db: Database) -> int | None:
    """The server's limit as last heard, or None."""
    with db.read() as s:
        value = st.get_value(s, SERVER_LIMIT_KEY)
    return int(value) if value.isdigit() and int(value) > 0 else None


def effective_limit(own_max_bytes: int, server_max_bytes: int | None) -> FileLimit:
    if server_max_bytes is not None and server_max_bytes < own_max_bytes:
        return FileLimit(server_max_bytes, True)
    return FileLimit(own_max_bytes, False)
