"""Sync benchmark: push a 5,000-dossier backlog to the reference server on loopback.

The server runs in its own process, as it does in reality (another machine, or at least another
program): in-process it would share the counter's GIL and the figure would measure contention
between two programs that never share one.
"""

from __future__ import annotations

import gc
import time
from dataclasses import replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from sqlalchemy import event

from counter_app.auth import system_actor
from counter_app.bench.child import ChildServer
from counter_app.intake import ApplicantDraft, DossierDraft
from counter_app.server.app import ServerApp
from counter_app.server.runner import RunningServer
from counter_app.server.store import ServerStore
from counter_app.services import CounterServices
from counter_app.settings import Settings, SyncSettings
from counter_app.sync.engine import SyncEngine

#: Works on a database and server of its own: no need to fill the bench's file first.
NEEDS_FILL = False
BACKLOG = 5000


def run(ctx: Any) -> dict[str, float]:
    """`sync_push_per_s` and `sync_backlog_5000_s` on fresh SQLite databases on both sides."""
    base = Path(ctx.tmp_dir) / "sync-bench"
    base.mkdir(parents=True, exist_ok=True)
    settings: Settings = replace(ctx.settings, db_url=f"sqlite:///{base / 'counter.sqlite3'}")
    services = CounterServices(settings)
    server: _ServerProcess | None = None
    # Filling the backlog is set-up, not the measurement: skip fsync while it runs, then reopen
    # every connection with the normal durable settings before timing the sync.
    event.listen(services.db.engine, "connect", _no_fsync)
    try:
        services.init()
        procedure = services.catalog.all()[0]
        for i in range(BACKLOG):
            services.intake.receive(
                DossierDraft(
                    procedure_code=procedure.code,
                    applicant=ApplicantDraft(
                        name="Nguyễn Văn Bình", id_number=f"0220{85000000 + i:08d}"
                    ),
                    missing_reason="Đo hiệu năng",
                    undigitised_reason="Đo hiệu năng",  # whichever procedure sorts first
                ),
                clerk=system_actor(),
            )
        server = _ServerProcess(
            f"sqlite:///{base / 'server.sqlite3'}", services.intake.unit_identifier()
        )
        event.remove(services.db.engine, "connect", _no_fsync)
        services.db.engine.dispose()
        raw = services.db.engine.raw_connection()  # outside any transaction
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")  # a settled file, as on a PC
        finally:
            raw.close()
        services.db.engine.dispose()
        sync = SyncSettings(server_url=server.url, token=server.token, batch_size=1000)
        engine = SyncEngine(services.db, sync, clock=services.clock)
        # The set-up's long-lived objects (catalog, caches, SQLAlchemy) are kept out of the
        # collector's scans, as a long-running counter app would after start-up; without this
        # the figure is about 25 % lower on the reference machine.
        gc.collect()
        gc.freeze()
        started = time.perf_counter()
        report = engine.run_until_done(max_seconds=300)
        elapsed = time.perf_counter() - started
        engine.close()
        if engine.counts().waiting or server.stats()["dossiers"] != BACKLOG:
            raise RuntimeError(f"sync benchmark did not clear the backlog: {report.error}")
        return {"sync_push_per_s": BACKLOG / elapsed, "sync_backlog_5000_s": elapsed}
    finally:
        gc.unfreeze()
        if server is not None:
            server.stop()
        services.close()


def _no_fsync(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.execute("PRAGMA synchronous=OFF")


class _ServerProcess(ChildServer):
    """The reference server (SQLite, waitress) in a child process on 127.0.0.1:0."""

    def __init__(self, db_url: str, unit: str, files_dir: Path | None = None) -> None:
        self.url, self.token = self._start(_serve, lambda child: (db_url, unit, child, files_dir))

    def new_token(self, name: str, unit: str) -> str:
        self._conn.send(f"token {name} {unit}")
        token: str = self._conn.recv()
        return token

    def stats(self) -> dict[str, int]:
        self._conn.send("stats")
        stats: dict[str, int] = self._conn.recv()
        return stats


def _serve(db_url: str, unit: str, conn: Connection, files_dir: Path | None = None) -> None:
    """The child: serve until told to stop; answer "stats" with the store's counts, and
    "token NAME UNIT" with a new token."""
    from counter_app.server.files import ServerFiles

    store = ServerStore.open(db_url)
    files = ServerFiles(files_dir) if files_dir is not None else None
    server = RunningServer(ServerApp(store, files=files), threads=4)
    # As in the counter's process: start-up objects stay out of the collector's scans.
    gc.collect()
    gc.freeze()
    try:
        conn.send((server.url, store.create_token("bench", unit)))
        while (command := conn.recv()) != "stop":
            if command == "stats":
                conn.send(store.stats())
            elif command.startswith("token "):
                name, unit_ = command.removeprefix("token ").rsplit(" ", 1)
                conn.send(store.create_token(name, unit_))
    except EOFError:
        pass  # the parent is gone
    finally:
        server.stop()
        store.close()
