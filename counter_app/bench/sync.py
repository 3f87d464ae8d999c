"""Sync benchmark: push a 5,000-dossier backlog to the reference server on loopback."""

from __future__ import annotations

import gc
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import event

from counter_app.intake import ApplicantDraft, DossierDraft
from counter_app.server.app import ServerApp
from counter_app.server.runner import RunningServer
from counter_app.server.store import ServerStore
from counter_app.services import CounterServices
from counter_app.settings import Settings, SyncSettings
from counter_app.sync.engine import SyncEngine

BACKLOG = 5000


def run(ctx: Any) -> dict[str, float]:
    """`sync_push_per_s` and `sync_backlog_5000_s` on fresh SQLite databases on both sides."""
    base = Path(ctx.tmp_dir) / "sync-bench"
    base.mkdir(parents=True, exist_ok=True)
    settings: Settings = replace(ctx.settings, db_url=f"sqlite:///{base / 'counter.sqlite3'}")
    services = CounterServices(settings)
    store = ServerStore.open(f"sqlite:///{base / 'server.sqlite3'}")
    server = RunningServer(ServerApp(store), threads=4)
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
                )
            )
        event.remove(services.db.engine, "connect", _no_fsync)
        services.db.engine.dispose()
        raw = services.db.engine.raw_connection()  # outside any transaction
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")  # a settled file, as on a PC
        finally:
            raw.close()
        services.db.engine.dispose()
        sync = SyncSettings(
            server_url=server.url, token=store.create_token("bench"), batch_size=1000
        )
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
        if engine.counts().waiting or store.stats()["dossiers"] != BACKLOG:
            raise RuntimeError(f"sync benchmark did not clear the backlog: {report.error}")
        return {"sync_push_per_s": BACKLOG / elapsed, "sync_backlog_5000_s": elapsed}
    finally:
        gc.unfreeze()
        server.stop()
        store.close()
        services.close()


def _no_fsync(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.execute("PRAGMA synchronous=OFF")
