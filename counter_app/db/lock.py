"""One writer family at a time on a SQLite file: shared holds for writers, exclusive for restore.

The window and every command that opens the database take a *shared* hold: any number of them may
write together (SQLite serialises their transactions). `restore` and schema migrations replace or
rewrite the file under everyone's feet, so they take the lock *exclusively* and refuse while anyone
else holds it, and nobody new gets in until they are done.

Built on `filelock` (fcntl/flock on POSIX, msvcrt on Windows; no Qt): the gate `<db>.lock` is held
by the exclusive owner for its whole run and by a shared holder only while it registers; each shared
holder then keeps an exclusive lock on its own file in `<db>.holders/`. The exclusive owner tries
each holder file: one it can lock belongs to a process that died (the OS released its lock) and is
removed; one it cannot lock is a live holder, named in the refusal.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import uuid
from pathlib import Path
from types import TracebackType

from filelock import FileLock, Timeout

from counter_app.atomic import as_disk_error
from counter_app.errors import UserError

log = logging.getLogger(__name__)

#: How long a writer waits for a restore/migration in progress before giving up.
SHARED_WAIT_S = 15.0


class DatabaseBusyError(UserError):
    """Another program holds the database the way this one needs it; Vietnamese message."""


def _gate_path(db_file: Path) -> Path:
    return db_file.with_name(db_file.name + ".lock")


def holders_dir(db_file: Path) -> Path:
    return db_file.with_name(db_file.name + ".holders")


def _describe(info: dict[str, object]) -> str:
    what = str(info.get("what") or "một chương trình khác")
    pid = info.get("pid")
    return f"{what} (tiến trình {pid})" if pid else what


def _read_info(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _what() -> str:
    argv = [os.path.basename(sys.argv[0] if sys.argv else "counter-app"), *sys.argv[1:3]]
    return " ".join(a for a in argv if a)


class SharedHold:
    """A writer's hold on the database; release it (or use `with`) when the program ends."""

    def __init__(self, db_file: Path, *, what: str | None = None, wait_s: float = SHARED_WAIT_S):
        self.db_file = Path(db_file)
        folder = holders_dir(self.db_file)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise as_disk_error(exc, folder) from exc
        name = f"{os.getpid()}-{uuid.uuid4().hex[:8]}.lock"
        self._path = folder / name
        self._lock = FileLock(self._path, thread_local=False)
        self._info = self._path.with_suffix(".json")
        gate = FileLock(_gate_path(self.db_file), thread_local=False)
        try:
            gate.acquire(timeout=wait_s)
        except Timeout as exc:
            raise DatabaseBusyError(
                f"CSDL {self.db_file} đang được khôi phục hoặc nâng cấp bởi chương trình khác; "
                "hãy đợi xong rồi thử lại."
            ) from exc
        try:
            self._lock.acquire(timeout=0)
            self._info.write_text(
                json.dumps({"pid": os.getpid(), "what": what or _what()}, ensure_ascii=False),
                encoding="utf-8",
            )
        except OSError as exc:  # a full or read-only disk: say so, and leave no holder behind
            self.release()
            for path in (self._info, self._path):
                with contextlib.suppress(OSError):
                    path.unlink(missing_ok=True)
            raise as_disk_error(exc, folder) from exc
        finally:
            gate.release()

    def release(self) -> None:
        if not self._lock.is_locked:
            return
        self._lock.release()
        for path in (self._info, self._path):
            with contextlib.suppress(OSError):  # Windows: another process is probing it now
                path.unlink(missing_ok=True)

    def __enter__(self) -> SharedHold:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


class ExclusiveHold:
    """The database for this program alone (restore, migration); refuses if anyone holds it."""

    def __init__(self, db_file: Path, *, action: str, ignore: SharedHold | None = None) -> None:
        self.db_file = Path(db_file)
        self._gate = FileLock(_gate_path(self.db_file), thread_local=False)
        try:
            self._gate.acquire(timeout=0)
        except Timeout as exc:
            raise DatabaseBusyError(
                f"Không thể {action}: một chương trình khác đang khôi phục hoặc nâng cấp CSDL "
                f"{self.db_file}."
            ) from exc
        try:
            busy = self._live_holders(ignore)
        except BaseException:
            self._gate.release()
            raise
        if busy:
            self._gate.release()
            names = "; ".join(busy)
            raise DatabaseBusyError(
                f"Không thể {action} khi CSDL đang được dùng bởi: {names}. "
                "Hãy đóng cửa sổ phần mềm quầy và đợi các lệnh đang chạy (ví dụ intake --batch) "
                "kết thúc, rồi thử lại."
            )

    def _live_holders(self, ignore: SharedHold | None) -> list[str]:
        folder = holders_dir(self.db_file)
        if not folder.is_dir():
            return []
        busy: list[str] = []
        for path in sorted(folder.glob("*.lock")):
            if ignore is not None and path == ignore._path:
                continue
            probe = FileLock(path, thread_local=False)
            try:
                probe.acquire(timeout=0)
            except Timeout:
                busy.append(_describe(_read_info(path)))
                continue
            # Its owner died without releasing: the OS freed the lock; clear the leftovers.
            probe.release()
            for leftover in (path.with_suffix(".json"), path):
                with contextlib.suppress(OSError):
                    leftover.unlink(missing_ok=True)
        return busy

    def release(self) -> None:
        if self._gate.is_locked:
            self._gate.release()

    def __enter__(self) -> ExclusiveHold:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
