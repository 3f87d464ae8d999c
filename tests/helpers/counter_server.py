"""A real HTTP server on 127.0.0.1 answering `GET /api/v1/counter` per the counter identity
contract (BRIEF: name, unit, centre, server_time, high_water), for the client-side tests until
the reference server's own endpoint is merged."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class CounterBinding:
    """What the server says about one token."""

    unit: str
    name: str = "quay"
    centre: str | None = None
    server_time: datetime | None = None  # None: the server's own clock
    high_water: dict[str, int] = field(default_factory=dict)


class _Handler(BaseHTTPRequestHandler):
    server: Any

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        self.server.requests.append(self.path)
        if parts.path != "/api/v1/counter":
            self._send(404, {"error": {"code": "not_found", "message": "không có"}})
            return
        header = self.headers.get("Authorization", "")
        token = header.partition(" ")[2]
        binding = self.server.bindings.get(token)
        if binding is None:
            self._send(401, {"error": {"code": "auth", "message": "mã truy cập sai"}})
            return
        high = dict(binding.high_water)
        day = parse_qs(parts.query).get("day")
        if day:
            high = {k: v for k, v in high.items() if k == day[0]}
        now = binding.server_time or datetime.now()
        self._send(
            200,
            {
                "name": binding.name,
                "unit": binding.unit,
                "centre": binding.centre,
                "server_time": now.isoformat(timespec="seconds"),
                "high_water": high,
            },
        )

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@contextmanager
def counter_server(bindings: dict[str, CounterBinding]) -> Iterator[Any]:
    """Serve `bindings` (token → binding) on 127.0.0.1:<free port>; yields the server
    (`.url`, `.requests`, `.bindings`)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.bindings = bindings  # type: ignore[attr-defined]
    server.requests = []  # type: ignore[attr-defined]
    server.url = f"http://127.0.0.1:{server.server_address[1]}"  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def services_on(url: str, server: Any, token: str, clock: Any) -> Any:
    """Counter 1's services on the database `url`, syncing with `server` under `token`."""
    from dataclasses import replace

    from counter_app.services import CounterServices
    from counter_app.settings import Settings, SyncSettings

    settings = replace(
        Settings.load(db_url=url),
        counter_no=1,
        sync=SyncSettings(server_url=server.url, token=token),
    )
    return CounterServices(settings, clock=clock)


def unit_on(url: str, clock: Any) -> str:
    """The receiving unit counter 1 issues codes for on the database `url` (creating it): what a
    server binds that counter's token to."""
    from tests.conftest import make_services

    services = make_services(url, clock)
    try:
        return str(services.intake.unit_identifier())
    finally:
        services.close()
