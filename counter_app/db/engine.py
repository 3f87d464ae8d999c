"""Engine and session factory: SQLite tuned for a counter PC, or any SQLAlchemy URL."""

from __future__ import annotations

import errno
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool, StaticPool

from counter_app.errors import UserError
from counter_app.thread_guard import check_thread

if TYPE_CHECKING:
    from counter_app.db.lock import SharedHold


class DatabaseError(UserError, RuntimeError):
    """The database cannot be opened or used; the message is Vietnamese, for the user."""


class ReadOnlyError(RuntimeError):
    """A write inside `Database.reads_only()`: a bug in the caller (a warm-up must not write)."""


class DatabaseDiskError(DatabaseError):
    """SQLite could not write: the disk is full, read-only or failing; names the folder."""


def operational_message(exc: OperationalError, file: Path | None) -> str | None:
    """Vietnamese for SQLite's disk-level failures, naming the database folder; else None."""
    from counter_app.atomic import disk_message, free_bytes

    text = str(exc.orig).lower()
    folder = file.parent if file is not None else Path(".")
    if "disk is full" in text or "disk full" in text:
        code = errno.ENOSPC
    elif "readonly" in text or "read-only" in text:
        code = errno.EROFS
    elif "disk i/o error" in text:
        # SQLite reports a full disk as an I/O error when it cannot even create its -shm file.
        free = free_bytes(folder)
        code = errno.ENOSPC if free is not None and free < 1024 * 1024 else errno.EIO
    elif "unable to open database file" in text:
        # SQLite says this when it cannot create its journal, -wal or -shm file beside the
        # database (a read-only or full folder), or the file is not there: find out which.
        reason = _unwritable(folder)
        if reason is None:
            return (
                f"Không mở được tệp CSDL {file} (SQLite: {exc.orig}); hãy kiểm tra tệp còn đó "
                "và thư mục chứa nó có quyền ghi."
            )
        code = reason
    elif "malformed" in text or "not a database" in text:
        return (
            f"Tệp CSDL {file} bị hỏng ({exc.orig}); thao tác vừa rồi không được ghi. "
            "Hãy đóng phần mềm và chạy `counter-app doctor` để biết lệnh khôi phục."
        )
    else:
        return None
    return disk_message(OSError(code, os.strerror(code)), folder)


def _unwritable(folder: Path) -> int | None:
    """The errno that keeps SQLite from writing in `folder` (read-only, no permission, full),
    or None if the folder looks writable."""
    from counter_app.atomic import free_bytes

    statvfs = getattr(os, "statvfs", None)
    if statvfs is not None:
        try:
            if statvfs(folder).f_flag & getattr(os, "ST_RDONLY", 1):
                return errno.EROFS
        except OSError:
            pass
    if folder.is_dir() and not os.access(folder, os.W_OK):
        return errno.EACCES
    free = free_bytes(folder)
    if free is not None and free < 64 * 1024:
        return errno.ENOSPC
    return None


def sqlite_file(url: URL) -> Path | None:
    """The file behind a SQLite URL, or None for memory/other databases."""
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def _create_private_file(path: Path) -> None:
    """Create an empty database file readable by this user only (personal data lives in it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    os.close(fd)


class Database:
    """One database: `write()` for transactions that change data, `read()` for queries."""

    def __init__(self, url: str | URL, *, echo: bool = False) -> None:
        self.url = make_url(url)
        self.file = sqlite_file(self.url)
        # This program's hold on the file (counter_app.db.lock); restore/migrations respect it.
        self.writer_hold: SharedHold | None = None
        kwargs: dict[str, Any] = {"echo": echo, "future": True}
        # Bound values are names and ID numbers: keep them out of errors and so out of the log.
        kwargs["hide_parameters"] = True
        if self.is_sqlite:
            if self.file is not None:
                _create_private_file(self.file)
            kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
            if self.file is None:
                # One shared in-memory connection, else each checkout would see an empty db.
                kwargs["poolclass"] = StaticPool
        elif self.is_postgres:
            kwargs["pool_pre_ping"] = True
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.is_sqlite:
            _tune_sqlite(self.engine)
        self._write = sessionmaker(self.engine, expire_on_commit=False)
        read_engine = (
            self.engine.execution_options(sqlite_begin="DEFERRED")
            if self.is_sqlite
            else self.engine
        )
        self._read = sessionmaker(read_engine, expire_on_commit=False)
        self._reads_only = threading.local()

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def is_postgres(self) -> bool:
        return self.url.get_backend_name() == "postgresql"

    @property
    def display_url(self) -> str:
        """The URL without a password, for logs and `doctor`."""
        return self.url.render_as_string(hide_password=True)

    @contextmanager
    def reads_only(self) -> Iterator[None]:
        """On this thread, while inside: `write()` refuses and every `read()` transaction is
        read-only in the database itself (SQLite's query_only, PostgreSQL's READ ONLY), so that
        code run here (the window's warm-up) cannot change anything, not even by mistake."""
        before = getattr(self._reads_only, "on", False)
        self._reads_only.on = True
        try:
            yield
        finally:
            self._reads_only.on = before

    def _refuses_writes(self) -> bool:
        return bool(getattr(self._reads_only, "on", False))

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that commits on success and rolls back on any exception."""
        check_thread()
        if self._refuses_writes():
            raise ReadOnlyError("Database.write() inside reads_only()")
        try:
            with self._write() as session, session.begin():
                yield session
        except OperationalError as exc:
            problem = self.disk_problem(exc)
            if problem is None:
                raise
            raise problem from exc

    def disk_problem(self, exc: OperationalError) -> DatabaseError | None:
        """A Vietnamese error naming the folder when SQLite says the disk is full, read-only or
        failing, or the file is damaged; None for other failures."""
        message = operational_message(exc, self.file)
        return DatabaseDiskError(message) if message else None

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work; never takes the SQLite write lock."""
        check_thread()
        with self._read() as session:
            if self._refuses_writes():
                with self._query_only(session):
                    yield session
                return
            try:
                yield session
            finally:
                session.rollback()

    @contextmanager
    def _query_only(self, session: Session) -> Iterator[None]:
        """A read transaction the database itself keeps from writing."""
        from sqlalchemy import text

        if not self.is_sqlite:
            session.execute(text("SET TRANSACTION READ ONLY"))  # ends with the transaction
            try:
                yield
            finally:
                session.rollback()
            return
        # SQLite's switch belongs to the connection, which goes back to the pool: always turned
        # off again, and a connection where that fails is dropped rather than reused by a write.
        connection = session.connection()
        connection.exec_driver_sql("PRAGMA query_only = ON")
        try:
            yield
        finally:
            try:
                connection.exec_driver_sql("PRAGMA query_only = OFF")
            except Exception:
                connection.invalidate()
                raise
            finally:
                session.rollback()

    def dispose(self) -> None:
        self.engine.dispose()

    def release_hold(self) -> None:
        if self.writer_hold is not None:
            self.writer_hold.release()
            self.writer_hold = None


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # We issue BEGIN ourselves (below); pysqlite's implicit transactions get in the way.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        # A printed receipt means the dossier is on disk, even if the power goes next.
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()
        # The pair index's triggers (migration 0012) compute their tokens with this function: a
        # connection without it cannot write a dossier, rather than leave the index behind.
        from counter_app.search import PAIRS_FUNCTION, word_pairs

        dbapi_conn.create_function(PAIRS_FUNCTION, 1, word_pairs, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the lock up front: a deferred transaction that upgrades to a write can fail
        # with SQLITE_BUSY without waiting, which would lose a dossier code allocation race.
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")


def null_pool_engine(url: str) -> Engine:
    """An engine without pooling, for one-off maintenance (migrations, backups)."""
    return create_engine(url, poolclass=NullPool, hide_parameters=True)
