"""Citizen's page benchmark: `/tra-cuu/<code>?v=…` under 50 concurrent clients on the reference
server (127.0.0.1), against the same server's `/api/v1/health` under the same load in the same run.

The page is measured as served (with the server's 2-second page cache) and, in the same rounds,
with the cache off (`web_page_uncached_*`): every request then reads the database and renders.

The server runs in its own process (as in `sync`); the clients are threads of this one, each with
its own keep-alive connection, all started together. Health and page rounds alternate so that
both see the same machine; the ratio is what the page costs over the bare HTTP round trip.
"""

from __future__ import annotations

import contextlib
import gc
import http.client
import logging
import threading
import time
import uuid as uuidlib
from datetime import datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from counter_app.bench import percentile
from counter_app.bench.child import ChildServer
from counter_app.outbox import content_hash
from counter_app.sync.protocol import PushItem
from counter_app.verification import lookup_url

#: Works on a database and server of its own: no need to fill the bench's file first.
NEEDS_FILL = False
CLIENTS = 50
REQUESTS_PER_CLIENT = 20
ROUNDS = 3
DOSSIERS = 200
UNIT = "000.00.00.H49.Q09"


def run(ctx: Any) -> dict[str, float]:
    """`web_page_ms_p95`, `web_health_ms_p95` and `web_page_ratio` (target ≤ 3)."""
    base = Path(ctx.tmp_dir) / "web-bench"
    base.mkdir(parents=True, exist_ok=True)
    dossiers = _dossiers()
    server = _ServerProcess(f"sqlite:///{base / 'server.sqlite3'}", dossiers)
    try:
        parts = urlsplit(server.url)
        host, port = parts.hostname or "127.0.0.1", int(parts.port or 80)
        pages = [
            urlsplit(lookup_url("/tra-cuu/", code, uuid))
            for uuid, code in dossiers[: DOSSIERS // 2]
        ]
        page_paths = [f"{p.path}?{p.query}" for p in pages]
        health_paths = ["/api/v1/health"]
        _load(host, port, page_paths[:CLIENTS], 1)  # warm-up: templates, connections
        page: list[float] = []
        uncached: list[float] = []
        health: list[float] = []
        for _ in range(ROUNDS):
            health += _load(host, port, health_paths, REQUESTS_PER_CLIENT)
            server.set_cache(True)
            page += _load(host, port, page_paths, REQUESTS_PER_CLIENT)
            # The same page read from the database and rendered every time: what the cache saves.
            server.set_cache(False)
            uncached += _load(host, port, page_paths, REQUESTS_PER_CLIENT)
        size = _size(host, port, page_paths[0])
        page_p95, health_p95 = percentile(page, 95), percentile(health, 95)
        uncached_p95 = percentile(uncached, 95)
        return {
            "web_page_ms_p95": page_p95,
            "web_page_ms_p50": percentile(page, 50),
            "web_health_ms_p95": health_p95,
            "web_health_ms_p50": percentile(health, 50),
            "web_page_ratio": page_p95 / health_p95 if health_p95 else float("nan"),
            "web_page_uncached_ms_p95": uncached_p95,
            "web_page_uncached_ratio": uncached_p95 / health_p95 if health_p95 else float("nan"),
            "web_page_bytes": float(size),
        }
    finally:
        server.stop()


def _dossiers() -> list[tuple[str, str]]:
    day = datetime(2026, 11, 27)
    return [(str(uuidlib.uuid4()), f"{UNIT}-{day:%y%m%d}-{n:04d}") for n in range(1, DOSSIERS + 1)]


def _load(host: str, port: int, paths: list[str], per_client: int) -> list[float]:
    """Each of CLIENTS threads sends `per_client` GETs back to back; the latencies in ms."""
    barrier = threading.Barrier(CLIENTS)
    results: list[list[float]] = [[] for _ in range(CLIENTS)]
    errors: list[str] = []

    def client(index: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=60)
        try:
            conn.connect()
            barrier.wait()
            for n in range(per_client):
                path = paths[(index * per_client + n) % len(paths)]
                started = time.perf_counter()
                conn.request("GET", path)
                reply = conn.getresponse()
                reply.read()
                results[index].append((time.perf_counter() - started) * 1000)
                if reply.status != 200:
                    errors.append(f"{path}: HTTP {reply.status}")
        except Exception as exc:  # reported below: a benchmark that failed has no figure
            errors.append(repr(exc))
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.abort()
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"web benchmark requests failed: {errors[:3]}")
    return [ms for per in results for ms in per]


def _size(host: str, port: int, path: str) -> int:
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        conn.request("GET", path)
        return len(conn.getresponse().read())
    finally:
        conn.close()


class _ServerProcess(ChildServer):
    """The reference server in a child process, its store filled with the benchmark's dossiers."""

    def __init__(self, db_url: str, dossiers: list[tuple[str, str]]) -> None:
        self.url: str = self._start(_serve, lambda child: (db_url, dossiers, child))

    def set_cache(self, on: bool) -> None:
        self._conn.send("cache" if on else "nocache")
        self._conn.recv()


def _items(dossiers: list[tuple[str, str]]) -> list[PushItem]:
    """What a counter pushes for each dossier: the dossier, its intake event, and for every
    fourth one a moved appointment (so the pages show the history a real page has)."""
    received = datetime(2026, 11, 27, 9, 0)
    due = received + timedelta(days=5)
    items: list[PushItem] = []
    for n, (uuid, code) in enumerate(dossiers):
        dossier = {
            "uuid": uuid,
            "code": code,
            "procedure_code": "2.000908",
            "procedure_name": "Đăng ký thành lập hộ kinh doanh",
            "applicant": {"name": "Nguyễn Văn Bình", "id_number": f"0220{85000000 + n:08d}"},
            "status": 2,
            "received_at": received.isoformat(),
            "appointment_at": due.isoformat(),
            "result_delivery": "counter",
        }
        events = [{"status": 2, "at": received.isoformat()}]
        if n % 4 == 0:
            events.append(
                {
                    "status": 2,
                    "at": (received + timedelta(days=4)).isoformat(),
                    "appointment_change": {
                        "previous": due.isoformat(),
                        "new": (due + timedelta(days=3)).isoformat(),
                        "reason": "Cần xác minh thêm thông tin tại địa phương",
                        "apology": True,
                    },
                }
            )
        items.append(PushItem("dossier", uuid, 1, content_hash(dossier), dossier))
        for e in events:
            event_uuid = str(uuidlib.uuid4())
            event: dict[str, Any] = {
                "uuid": event_uuid,
                "dossier_uuid": uuid,
                "dossier_code": code,
                "actor": "Cán bộ tiếp nhận",
                "note": "",
                "source": "counter",
                **e,
            }
            items.append(PushItem("event", event_uuid, 1, content_hash(event), event))
    return items


def _serve(db_url: str, dossiers: list[tuple[str, str]], conn: Connection) -> None:
    """The child: fill the store, serve until told to stop."""
    from counter_app.server.app import ServerApp
    from counter_app.server.ratelimit import RateLimiter
    from counter_app.server.runner import RunningServer
    from counter_app.server.store import ServerStore
    from counter_app.server.web.pages import DEFAULT_CACHE_SECONDS

    # waitress warns at every queued request: 50 clients on 4 threads queue by design here.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    store = ServerStore.open(db_url)
    counter = store.authenticate(store.create_token("bench", UNIT))
    assert counter is not None
    store.push(counter, _items(dossiers))
    for _, code in dossiers[::2]:
        store.advance(code, 4)  # processing: a timeline of two steps
    app = ServerApp(store)
    # 50 clients share one address here: the per-address limit would measure itself.
    app.web.limiter = RateLimiter(1e9, 10**9)
    server = RunningServer(app, threads=4)
    gc.collect()
    gc.freeze()
    try:
        conn.send(server.url)
        while (command := conn.recv()) != "stop":
            # "cache": the server's default page cache; "nocache": every page from the database.
            app.web.cache_seconds = DEFAULT_CACHE_SECONDS if command == "cache" else 0.0
            if command == "nocache":
                app.web._cache.clear()
            conn.send("ok")
    except EOFError:
        pass
    finally:
        server.stop()
        store.close()
