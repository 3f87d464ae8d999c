"""Hand-made push records and a small HTTP client for tests of the server's rules."""

from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass
from typing import Any

import requests

from counter_app.outbox import content_hash
from counter_app.server.app import ServerApp
from counter_app.server.runner import RunningServer
from counter_app.server.store import ServerStore
from counter_app.sync.protocol import PushItem

UNIT_A = "000.00.00.H49.Q01"
UNIT_B = "000.00.00.H49.Q02"


def new_uuid() -> str:
    return str(uuidlib.uuid4())


def dossier(unit: str, number: int, uuid: str | None = None, **extra: Any) -> dict[str, Any]:
    """A dossier payload as a counter of `unit` sends it (the fields the server reads)."""
    payload: dict[str, Any] = {
        "uuid": uuid or new_uuid(),
        "code": f"{unit}-261201-{number:04d}",
        "unit_identifier": unit,
        "procedure_code": "2.000908",
        "procedure_name": "Chứng thực bản sao từ bản chính",
        "applicant": {"name": "Trần Thị Thuỷ", "id_number": "022190000001"},
        "status": 2,
        "received_at": "2026-12-01T09:00:00",
        "appointment_at": "2026-12-02T09:00:00",
        "notes": "",
        "result_delivery": "counter",
        "version": 1,
    }
    payload.update(extra)
    return payload


def event(dossier_payload: dict[str, Any], status: int, **extra: Any) -> dict[str, Any]:
    payload = {
        "uuid": new_uuid(),
        "dossier_uuid": dossier_payload["uuid"],
        "dossier_code": dossier_payload["code"],
        "status": status,
        "at": "2026-12-01T10:00:00",
        "actor": "Cán bộ",
        "note": "",
        "source": "counter",
    }
    payload.update(extra)
    return payload


def item(entity: str, payload: dict[str, Any], version: int = 1) -> dict[str, Any]:
    return PushItem(entity, payload["uuid"], version, content_hash(payload), payload).to_json()


@dataclass
class Plain:
    """The real app on 127.0.0.1:0 with nothing in between (no test harness wrapper)."""

    store: ServerStore
    app: ServerApp
    running: RunningServer
    token: str

    @property
    def port(self) -> int:
        return self.running.port

    @property
    def url(self) -> str:
        return self.running.url

    def stop(self) -> None:
        self.running.stop()
        self.store.close()


def serve(db_url: str, unit: str = UNIT_A, **kwargs: Any) -> Plain:
    store = ServerStore.open(db_url, daily_quota=kwargs.pop("daily_quota", 50_000))
    token = store.create_token("Quầy 1", unit)
    proxy = kwargs.pop("trusted_proxy", None)
    app = ServerApp(store, **kwargs)
    return Plain(store, app, RunningServer(app, trusted_proxy=proxy), token)


@dataclass
class Client:
    """One token's view of a running server."""

    url: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "X-Counter-Protocol": "1"}

    def push_raw(self, *items: dict[str, Any]) -> requests.Response:
        body = {"protocol": 1, "items": list(items)}
        return requests.post(f"{self.url}/api/v1/push", json=body, headers=self.headers, timeout=10)

    def push(self, *items: dict[str, Any]) -> list[dict[str, Any]]:
        reply = self.push_raw(*items)
        assert reply.status_code == 200, reply.text
        return list(reply.json()["results"])

    def changes(self, since: int = 0) -> list[dict[str, Any]]:
        reply = requests.get(
            f"{self.url}/api/v1/changes",
            params={"since": since, "limit": 1000},
            headers=self.headers,
            timeout=10,
        )
        assert reply.status_code == 200, reply.text
        return list(reply.json()["changes"])

    def get(self, path: str, **params: Any) -> requests.Response:
        return requests.get(
            f"{self.url}/api/v1{path}", params=params, headers=self.headers, timeout=10
        )

    def advance(self, code: str, status: int, note: str = "") -> requests.Response:
        return requests.post(
            f"{self.url}/api/v1/advance",
            json={"code": code, "status": status, "note": note},
            headers=self.headers,
            timeout=10,
        )
