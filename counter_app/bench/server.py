"""Server benchmark: 20 counters pushing at once to the reference server in its own process.

The database is PostgreSQL when COUNTER_APP_BENCH_PG_URL names one (a throwaway database is
created next to it and dropped after), else a SQLite file. Figures:

- `server_push_per_s`: records accepted per second with 20 counters pushing 100-record
  batches concurrently (idempotency claims, ownership and text checks, dossier rows, commits);
- `server_feed_lag_ms_p95`: a back-office change (POST /api/v1/advance) until a counter polling
  its feed sees it, measured while the counters push;
- `server_push_ratio`: that push rate over the rate of bare `executemany` inserts of the same
  rows into a table of the same shape in the same database, in the same run (target ≥ 0.3).
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import threading
import time
import uuid as uuidlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text, create_engine, text
from sqlalchemy.engine import make_url

from counter_app.bench import percentile
from counter_app.bench.child import ChildServer
from counter_app.domain import local_now
from counter_app.outbox import canonical_json, content_hash

#: Works on a database and server of its own: no need to fill the bench's file first.
NEEDS_FILL = False
ENV_PG = "COUNTER_APP_BENCH_PG_URL"
COUNTERS = 20
PER_COUNTER = 300
BATCH = 100
LAG_PROBES = 40


def run(ctx: Any) -> dict[str, float]:
    base = Path(ctx.tmp_dir) / "server-bench"
    base.mkdir(parents=True, exist_ok=True)
    with _database(base) as db_url:
        server = _ServerProcess(db_url)
        try:
            return _measure(server, db_url)
        finally:
            server.stop()


@contextlib.contextmanager
def _database(base: Path) -> Iterator[str]:
    given = os.environ.get(ENV_PG, "").strip()
    if not given:
        yield f"sqlite:///{base / 'server.sqlite3'}"
        return
    url = make_url(given)
    name = f"counter_bench_{uuidlib.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT", hide_parameters=True)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _unit(n: int) -> str:
    return f"000.00.00.H49.Q{n:02d}"


def _payload(unit: str, number: int) -> dict[str, Any]:
    """A dossier as a counter sends it (outbox.dossier_payload's keys)."""
    return {
        "uuid": str(uuidlib.uuid4()),
        "code": f"{unit}-261201-{number:04d}",
        "unit_identifier": unit,
        "procedure_code": "2.000908",
        "procedure_name": "Chứng thực bản sao từ bản chính các giấy tờ, văn bản",
        "sector": "Chứng thực",
        "applicant": {
            "kind": 1,
            "id_kind": "cccd",
            "id_number": f"0221900{number:05d}",
            "name": "Nguyễn Thị Thanh Thuỷ",
            "birth_date": "1990-05-17",
            "phone": "0912345678",
            "email": "",
            "address": "Số 12, tổ 3, khu 5, phường Hồng Gai, tỉnh Quảng Ninh",
        },
        "channel": 1,
        "status": 2,
        "received_at": "2026-12-01T09:00:00",
        "appointment_at": "2026-12-02T09:00:00",
        "counter_no": int(unit[-2:]),
        "clerk_name": "Phạm Thị Lan",
        "fee": 2000,
        "dossier_sets": 1,
        "summary": "",
        "notes": "Đo hiệu năng máy chủ",
        "missing_papers_reason": "",
        "result_delivery": "counter",
        "delivery_address": "",
        "handed_back_at": None,
        "papers": [
            {
                "code": "GT01",
                "name": "Bản chính giấy tờ cần chứng thực",
                "originals": 1,
                "copies": 0,
                "submitted": True,
                "required": True,
            },
            {
                "code": "GT02",
                "name": "Bản sao cần chứng thực",
                "originals": 0,
                "copies": 2,
                "submitted": True,
                "required": True,
            },
        ],
        "version": 1,
    }


def _body(payloads: list[dict[str, Any]]) -> bytes:
    items = [
        {
            "entity": "dossier",
            "uuid": p["uuid"],
            "version": 1,
            "hash": content_hash(p),
            "payload": p,
        }
        for p in payloads
    ]
    return json.dumps({"protocol": 1, "items": items}, ensure_ascii=False).encode()


def _measure(server: _ServerProcess, db_url: str) -> dict[str, float]:
    payloads = {
        n: [_payload(_unit(n), i) for i in range(1, PER_COUNTER + 1)] for n in server.tokens
    }
    bodies = {
        n: [_body(ps[i : i + BATCH]) for i in range(0, PER_COUNTER, BATCH)]
        for n, ps in payloads.items()
    }
    # Dossiers the back office will move during the run, pushed first (not timed).
    probe_unit = 1
    probes = [_payload(_unit(probe_unit), 9000 + i) for i in range(LAG_PROBES)]
    _post(server.url, server.tokens[probe_unit], "/push", _body(probes))
    stop = threading.Event()
    lags: list[float] = []
    lag_thread = threading.Thread(
        target=_probe_lag, args=(server, probe_unit, probes, lags, stop), daemon=True
    )
    started = time.perf_counter()
    lag_thread.start()
    with ThreadPoolExecutor(COUNTERS) as pool:
        accepted = sum(pool.map(lambda n: _push_all(server, n, bodies[n]), server.tokens))
    elapsed = time.perf_counter() - started
    stop.set()
    lag_thread.join(timeout=60)
    if accepted != COUNTERS * PER_COUNTER:
        raise RuntimeError(f"server benchmark: only {accepted} records accepted")
    push_rate = accepted / elapsed
    bare_rate = _bare_rate(db_url, [p for ps in payloads.values() for p in ps])
    return {
        "server_push_per_s": push_rate,
        "server_feed_lag_ms_p95": percentile(lags, 95) if lags else float("nan"),
        "server_push_ratio": push_rate / bare_rate,
        "server_bare_insert_per_s": bare_rate,
    }


def _post(url: str, token: str, path: str, body: bytes) -> Any:
    reply = requests.post(
        f"{url}/api/v1{path}",
        data=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        timeout=120,
    )
    reply.raise_for_status()
    return reply.json()


def _push_all(server: _ServerProcess, n: int, bodies: list[bytes]) -> int:
    accepted = 0
    with requests.Session() as http:
        for body in bodies:
            reply = http.post(
                f"{server.url}/api/v1/push",
                data=body,
                headers={"Authorization": f"Bearer {server.tokens[n]}"},
                timeout=120,
            )
            reply.raise_for_status()
            accepted += sum(r["status"] == "accepted" for r in reply.json()["results"])
    return accepted


def _probe_lag(
    server: _ServerProcess,
    unit_no: int,
    probes: list[dict[str, Any]],
    lags: list[float],
    stop: threading.Event,
) -> None:
    """Advance one probe dossier at a time; time until the counter's feed shows it."""
    token = server.tokens[unit_no]
    since = 0
    with requests.Session() as http:
        page = http.get(
            f"{server.url}/api/v1/changes",
            params={"since": 0, "limit": 1000},
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        ).json()
        since = page["next"]
        for probe in probes:
            if stop.is_set():
                return
            sent = time.perf_counter()
            _post(
                server.url,
                server.office,
                "/advance",
                json.dumps({"code": probe["code"], "status": 4}).encode(),
            )
            while True:
                page = http.get(
                    f"{server.url}/api/v1/changes",
                    params={"since": since, "limit": 1000},
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=60,
                ).json()
                since = page["next"]
                if any(c["data"].get("code") == probe["code"] for c in page["changes"]):
                    lags.append((time.perf_counter() - sent) * 1000)
                    break
                time.sleep(0.005)


def _bare_rate(db_url: str, payloads: list[dict[str, Any]]) -> float:
    """Records per second of plain executemany of the same rows, same batches, same database."""
    meta = MetaData()
    table = Table(
        "bench_bare_record",
        meta,
        Column("id", Integer, primary_key=True),
        Column("entity", String(16), nullable=False),
        Column("uuid", String(36), nullable=False),
        Column("version", Integer, nullable=False),
        Column("content_hash", String(64), nullable=False),
        Column("payload", Text, nullable=False),
        Column("counter_id", Integer, nullable=False),
        Column("received_at", DateTime, nullable=False),
        Column("unit", String(48), nullable=True),
    )
    from counter_app.db.engine import Database

    db = Database(db_url)  # the server's own engine settings (SQLite: WAL, synchronous=FULL)
    try:
        now = local_now()
        rows = [
            {
                "entity": "dossier",
                "uuid": p["uuid"],
                "version": 1,
                "content_hash": content_hash(p),
                "payload": canonical_json(p),
                "counter_id": int(p["counter_no"]),
                "received_at": now,
                "unit": p["unit_identifier"],
            }
            for p in payloads
        ]
        # The median of three runs: one short run is at the mercy of a shared machine's noise.
        rates = []
        for _ in range(3):
            meta.create_all(db.engine)
            started = time.perf_counter()
            for i in range(0, len(rows), BATCH):
                with db.write() as s:
                    s.execute(table.insert(), rows[i : i + BATCH])
            rates.append(len(rows) / (time.perf_counter() - started))
            meta.drop_all(db.engine)
    finally:
        db.dispose()
    return sorted(rates)[1]


class _ServerProcess(ChildServer):
    """The reference server in a child process on 127.0.0.1:0: 20 counters and a back office."""

    def __init__(self, db_url: str) -> None:
        self.url, tokens, self.office = self._start(_serve, lambda child: (db_url, child))
        self.tokens: dict[int, str] = dict(tokens)


def _serve(db_url: str, conn: Connection) -> None:
    from counter_app.server.app import ServerApp
    from counter_app.server.ratelimit import RateLimiter
    from counter_app.server.runner import RunningServer
    from counter_app.server.store import ServerStore

    store = ServerStore.open(db_url)
    tokens = [(n, store.create_token(f"Quầy {n}", _unit(n))) for n in range(1, COUNTERS + 1)]
    office = store.create_token("Bộ phận xử lý", role="back-office")
    app = ServerApp(store, lookup_limiter=RateLimiter(1000, 1000))
    server = RunningServer(app, threads=8)
    # As `server run` does: start-up objects stay out of the collector's scans.
    gc.collect()
    gc.freeze()
    try:
        conn.send((server.url, tokens, office))
        while conn.recv() != "stop":
            pass
    except EOFError:
        pass
    finally:
        server.stop()
        store.close()
