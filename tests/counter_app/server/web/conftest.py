"""A real reference server on 127.0.0.1 with one counter's synced dossiers, for the citizen's page."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from counter_app.auth import system_actor
from counter_app.outbox import content_hash, dossier_payload
from counter_app.server.ratelimit import RateLimiter
from counter_app.sync.protocol import PushItem
from counter_app.verification import lookup_url, verification_value
from tests.counter_app.sync.harness import RefServer, engine_for, receive, start_server


@dataclass
class Site:
    """The server, the counter that syncs to it, and helpers to reach the citizen's page."""

    server: RefServer
    services: Any
    received: int = 0

    @property
    def url(self) -> str:
        return self.server.url

    def uuid(self, code: str) -> str:
        detail = self.services.dossiers.detail(code, by=system_actor())
        assert detail is not None
        return str(detail.uuid)

    def value(self, code: str) -> str:
        return verification_value(self.uuid(code), code)

    def qr(self, code: str) -> str:
        """The address a receipt's QR holds, on this server."""
        return lookup_url(f"{self.url}/tra-cuu/", code, self.uuid(code))

    def receive(self, count: int = 1) -> list[str]:
        """New dossiers received at the counter and pushed to the server."""
        codes = receive(self.services, count, start=self.received)
        self.received += count
        self.sync()
        return codes

    def sync(self) -> None:
        engine_for(self.services, self.server).run_once()

    def limit(self, rate: float, burst: int) -> None:
        self.server.app.app.web.limiter = RateLimiter(rate, burst)

    def push(self, items: list[PushItem]) -> list[dict[str, Any]]:
        reply = requests.post(
            f"{self.url}/api/v1/push",
            json={"protocol": 1, "items": [i.to_json() for i in items]},
            headers={"Authorization": f"Bearer {self.server.token}"},
            timeout=10,
        )
        assert reply.status_code == 200, reply.text
        return list(reply.json()["results"])

    def move_appointment(
        self, code: str, new: datetime, reason: str, apology: bool, *, at: datetime
    ) -> None:
        """What the counter pushes for a Mẫu 04 (the brief's contract): the dossier's next
        version with its new appointment, and an event carrying `appointment_change`."""
        with self.services.db.read() as s:
            from sqlalchemy import select

            from counter_app.db.models import Dossier

            d = s.scalar(select(Dossier).where(Dossier.code == code))
            assert d is not None
            payload = dossier_payload(d)
        # Versions and the appointment as the server has them (this helper, not the counter,
        # moved them before).
        stored = self.server.store.dossier(code)
        assert stored is not None
        previous, version = stored["appointment_at"], stored["version"] + 1
        payload = {**payload, "appointment_at": new.isoformat()}
        events = self.server.store.events_of(payload["uuid"])
        n = len(events) + 1
        event = {
            "uuid": f"33333333-3333-4333-8333-{abs(hash((code, n))) % 10**12:012d}",
            "dossier_uuid": payload["uuid"],
            "dossier_code": code,
            "status": stored["status"],
            "at": at.isoformat(),
            "actor": "Cán bộ tiếp nhận",
            "note": "",
            "source": "counter",
            "appointment_change": {
                "previous": previous.isoformat(),
                "new": new.isoformat(),
                "reason": reason,
                "apology": apology,
            },
        }
        results = self.push(
            [
                PushItem("dossier", payload["uuid"], version, content_hash(payload), payload),
                PushItem("event", event["uuid"], 1, content_hash(event), event),
            ]
        )
        assert [r["status"] for r in results] == ["accepted", "accepted"], results


@pytest.fixture
def site(services: Any, tmp_path: Path) -> Iterator[Site]:
    server = start_server(f"sqlite:///{tmp_path / 'server.sqlite3'}")
    found = Site(server, services)
    found.limit(1000, 1000)  # tests of the limit itself set their own
    # Tests move statuses and look at once; the cache has its own test.
    server.app.app.web.cache_seconds = 0
    yield found
    server.stop()
    server.store.close()
