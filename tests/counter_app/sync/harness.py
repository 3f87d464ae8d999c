"""A real provincial server on 127.0.0.1:0 with switchable faults, and agreement checks."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import func, select

from counter_app.auth import system_actor
from counter_app.db.models import Dossier, DossierEvent, OutboxEntry
from counter_app.intake import ApplicantDraft, DossierDraft
from counter_app.server.app import ServerApp
from counter_app.server.files import ServerFiles
from counter_app.server.runner import RunningServer
from counter_app.server.store import ServerStore
from counter_app.settings import SyncSettings
from counter_app.sync.engine import SyncEngine

StartResponse = Callable[..., Any]


class FaultyApp:
    """Wraps the real app; each queued fault applies to the next request on its path."""

    def __init__(self, app: ServerApp) -> None:
        self.app = app
        self.faults: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self.pushed_keys: Counter[tuple[str, str, int]] = Counter()
        self.requests: Counter[str] = Counter()
        # Called after the real app committed a push, before the reply leaves (edit-while-sending).
        self.after_commit: list[Callable[[], None]] = []

    def add(self, path: str, fault: str, times: int = 1) -> None:
        with self.lock:
            self.faults.extend([(path, fault)] * times)

    def pending_faults(self) -> int:
        with self.lock:
            return len(self.faults)

    def _take(self, path: str) -> str:
        with self.lock:
            self.requests[path] += 1
            for i, (p, fault) in enumerate(self.faults):
                if path.endswith(p):
                    del self.faults[i]
                    return fault
        return ""

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        fault = self._take(path)
        if path.endswith("/push"):
            length = int(environ.get("CONTENT_LENGTH") or 0)
            raw = environ["wsgi.input"].read(length)
            environ["wsgi.input"] = _Body(raw)
            try:
                for item in json.loads(raw).get("items", []):
                    with self.lock:
                        self.pushed_keys[(item["entity"], item["uuid"], item["version"])] += 1
            except (ValueError, AttributeError, KeyError, TypeError, RecursionError):
                pass  # not a push the harness can count; the real app answers it
        if fault.startswith("status:"):
            # "status:503" or "status:429:2" (Retry-After 2 s): refused before anything is stored.
            parts = fault.split(":")
            headers = [("Content-Type", "application/json")]
            if len(parts) > 2:
                headers.append(("Retry-After", parts[2]))
            text = {401: "401 Unauthorized", 429: "429 Too Many Requests"}.get(
                int(parts[1]), f"{parts[1]} Error"
            )
            body = json.dumps({"protocol": 1, "error": {"code": "x", "message": "Lỗi thử"}})
            start_response(text, headers)
            return [body.encode()]
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            captured["status"], captured["headers"] = status, headers

        body_parts = list(self.app(environ, capture))  # the real work: committed from here on
        body_bytes = b"".join(body_parts)
        if path.endswith("/push"):
            while self.after_commit:
                self.after_commit.pop(0)()
        if fault == "lose":
            return self._cut(start_response, body_bytes)
        if fault.startswith("slow:"):
            time.sleep(float(fault.split(":")[1]))
        if fault == "garbage":
            start_response("200 OK", [("Content-Type", "application/json")])
            return [b"<html>proxy error</html>"]
        if fault == "huge":
            start_response("200 OK", [("Content-Type", "application/json")])
            return [b" " * (9 * 1024 * 1024)]
        start_response(captured["status"], captured["headers"])
        return [body_bytes]

    @staticmethod
    def _cut(start_response: StartResponse, body: bytes) -> Iterator[bytes]:
        """Promise the whole body, send half, then drop the connection."""
        start_response(
            "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        )
        yield body[: len(body) // 2]
        raise ConnectionAbortedError("fault: connection dropped mid-response")


class _Body:
    def __init__(self, raw: bytes) -> None:
        self.raw = raw

    def read(self, n: int = -1) -> bytes:
        data, self.raw = (self.raw, b"") if n < 0 else (self.raw[:n], self.raw[n:])
        return data


@dataclass
class RefServer:
    store: ServerStore
    app: FaultyApp
    token: str
    running: RunningServer | None = None
    port: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.running = RunningServer(self.app, port=self.port, threads=4)
        self.port = self.running.port

    def stop(self) -> None:
        if self.running is not None:
            self.running.stop()
            self.running = None


#: The receiving unit of counter 1 of the default centre: what the test counters issue.
UNIT = "000.00.00.H49.Q01"


def start_server(
    url: str, unit: str = UNIT, files: ServerFiles | None = None, **kwargs: Any
) -> RefServer:
    store = ServerStore.open(url, **kwargs)
    token = store.create_token("Quầy 1", unit)
    server = RefServer(store, FaultyApp(ServerApp(store, files=files)), token)
    server.start()
    return server


def engine_for(services: Any, server: RefServer, **kwargs: Any) -> SyncEngine:
    """An engine with short timeouts and backoff, as tests need."""
    sync = SyncSettings(
        server_url=server.url,
        token=kwargs.pop("token", server.token),
        connect_timeout_s=1.0,
        read_timeout_s=kwargs.pop("read_timeout_s", 2.0),
        batch_size=kwargs.pop("batch_size", 200),
        # No installation id unless a test asks for one (`install_id=`): the server then binds
        # no token, so tests can play several PCs on one token; test_token_binding plays one.
        install_id=kwargs.pop("install_id", ""),
    )
    services.settings = replace(services.settings, sync=sync)
    kwargs.setdefault("backoff_base_s", 0.01)
    kwargs.setdefault("backoff_cap_s", 0.1)
    return SyncEngine.for_services(services, **kwargs)


def receive(services: Any, count: int, start: int = 0) -> list[str]:
    codes = []
    for i in range(start, start + count):
        draft = DossierDraft(
            procedure_code="2.000908",
            applicant=ApplicantDraft(name="Trần Thị Thuỷ", id_number=f"0221{90000000 + i:08d}"),
        )
        codes.append(services.intake.receive(draft, clerk=system_actor()).code)
    return codes


def uuid_of(services: Any, code: str) -> str:
    with services.db.read() as s:
        return str(s.scalar(select(Dossier.uuid).where(Dossier.code == code)))


def assert_agree(services: Any, server: RefServer) -> None:
    """Server and counter hold exactly the same records: nothing lost, nothing twice."""
    store = server.store
    with services.db.read() as s:
        states = dict(
            s.execute(select(OutboxEntry.state, func.count()).group_by(OutboxEntry.state)).all()
        )
        outbox = s.execute(
            select(OutboxEntry.entity, OutboxEntry.entity_uuid, OutboxEntry.version)
        ).all()
        dossiers = {
            d.code: (d.uuid, d.status, d.provincial_ref) for d in s.scalars(select(Dossier))
        }
        events = {e.uuid for e in s.scalars(select(DossierEvent))}
    assert set(states) == {"synced"}, states
    assert len(outbox) == len(set(outbox))
    stats = store.stats()
    assert stats["records"] == len(outbox)
    assert stats["dossiers"] == len(dossiers)
    server_events: set[str] = set()
    for code, (uuid, status, ref) in dossiers.items():
        remote = store.dossier(code)
        assert remote is not None, code
        assert remote["uuid"] == uuid
        assert remote["status"] == status, (code, remote["status"], status)
        assert remote["provincial_ref"] == ref
        server_events |= {e["uuid"] for e in store.events_of(uuid)}
    assert server_events == events
    assert stats["events"] == len(events)
