"""Small persistent sync state (cursor, last success, last error, pause) and the sender lease."""

from __future__ import annotations

import os
import socket
import time
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from counter_app.db.engine import Database
from counter_app.db.models import SyncState

CURSOR = "pull_cursor"
LAST_SUCCESS = "last_success_at"
LAST_ERROR = "last_error"
ONLINE = "online"
PAUSED = "paused"
PAUSED_TOKEN = "paused_token"
#: The server's word that this token is bound to another installation ('' once it serves us).
TOKEN_ELSEWHERE = "token_elsewhere"
LEASE = "push_lease"


def get_value(s: Session, key: str, default: str = "") -> str:
    row = s.get(SyncState, key)
    return row.value if row is not None else default


def set_value(s: Session, key: str, value: str) -> None:
    s.merge(SyncState(key=key, value=value))


def read_values(db: Database) -> dict[str, str]:
    with db.read() as s:
        return {r.key: r.value for r in s.scalars(select(SyncState))}


def _ensure_row(s: Session, key: str) -> None:
    dialect = s.get_bind().dialect.name
    ins: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    s.execute(ins(SyncState).values(key=key, value="").on_conflict_do_nothing())


class Lease:
    """One sender per database, across threads and processes.

    The row holds "<expiry ms, zero-padded>|<owner>"; a conditional UPDATE claims it only when it is
    free, expired, or already ours, so two claimers can never both succeed. Zero-padding makes the
    string comparison a numeric one.
    """

    def __init__(self, db: Database, owner: str, seconds: float) -> None:
        self.db = db
        self.owner = owner
        self.seconds = seconds

    def claim(self) -> bool:
        """Take or renew the lease; False while another live sender holds it."""
        with self.db.write() as s:
            return self.claim_in(s)

    def claim_in(self, s: Session) -> bool:
        """`claim` inside the caller's write transaction (saves a commit per batch)."""
        now_ms = int(time.time() * 1000)
        value = f"{now_ms + int(self.seconds * 1000):015d}|{self.owner}"
        _ensure_row(s, LEASE)
        result: Any = s.execute(
            update(SyncState)
            .where(SyncState.key == LEASE)
            .where((SyncState.value < f"{now_ms:015d}") | (SyncState.value.like(f"%|{self.owner}")))
            .values(value=value)
            .execution_options(synchronize_session=False)
        )
        if int(result.rowcount) == 1:
            return True
        held = get_value(s, LEASE)
        if not _holder_is_dead(held):
            return False
        # The holder was a process on this machine that no longer exists (killed, crashed):
        # take over now instead of waiting for expiry; the WHERE keeps this race-free.
        result = s.execute(
            update(SyncState)
            .where(SyncState.key == LEASE, SyncState.value == held)
            .values(value=value)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount) == 1

    def release(self) -> None:
        with self.db.write() as s:
            s.execute(
                update(SyncState)
                .where(SyncState.key == LEASE)
                .where(SyncState.value.like(f"%|{self.owner}"))
                .values(value="")
                .execution_options(synchronize_session=False)
            )


def owner_id(token: str) -> str:
    """A lease owner name that says which process on which machine holds it."""
    return f"{socket.gethostname()}:{os.getpid()}:{token}"


def _holder_is_dead(value: str) -> bool:
    _, _, owner = value.partition("|")
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit() or os.name == "nt":
        return False  # another machine, or no safe liveness probe here: wait for expiry
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
