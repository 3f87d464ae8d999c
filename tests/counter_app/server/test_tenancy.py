"""Tenancy over real HTTP: counters A and B and the back office × push, update, event, a code
outside the unit, squatting before the owner; tokens bound to one unit; the identity contract."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from counter_app.server.store import ServerError
from tests.counter_app.server.tenancy_support import (
    UNIT_A,
    UNIT_B,
    Client,
    dossier,
    event,
    item,
)
from tests.counter_app.sync.harness import RefServer, engine_for, receive
from tests.helpers.ref_server import ref_server

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RefServer]:
    with ref_server(tmp_path, unit=UNIT_A) as srv:
        yield srv


@pytest.fixture
def clients(server: RefServer) -> tuple[Client, Client, Client]:
    b = server.store.create_token("Quầy 2", UNIT_B, centre="000.00.00.H49")
    office = server.store.create_token("Phòng xử lý", role="back-office")
    return Client(server.url, server.token), Client(server.url, b), Client(server.url, office)


def _statuses(results: list[dict[str, Any]]) -> list[str]:
    return [r["status"] for r in results]


def _vietnamese(message: str) -> bool:
    return any(ch in message for ch in "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")


def test_b_cannot_update_or_move_a_dossier(
    server: RefServer, clients: tuple[Client, Client, Client]
) -> None:
    a, b, _office = clients
    mine = dossier(UNIT_A, 1)
    assert _statuses(a.push(item("dossier", mine))) == ["accepted"]
    # B: a version 2 of A's dossier with B's text.
    forged = {**mine, "notes": "Nội dung của B", "version": 2}
    [verdict] = b.push(item("dossier", forged, version=2))
    assert verdict["status"] == "rejected" and UNIT_A in verdict["message"]
    assert _vietnamese(verdict["message"])
    # B: an event handing A's dossier back.
    [verdict] = b.push(item("event", event(mine, 10)))
    assert verdict["status"] == "rejected" and _vietnamese(verdict["message"])
    # B: A's very record, changed (same key, other content): refused, not a "conflict".
    [verdict] = b.push(item("dossier", {**mine, "notes": "x"}))
    assert verdict["status"] == "rejected"
    assert server.store.dossier(mine["code"])["status"] == 2  # type: ignore[index]
    assert server.store.events_of(mine["uuid"]) == []
    assert a.changes() == [] and b.changes() == []
    # A itself may do all of it.
    assert _statuses(a.push(item("dossier", {**mine, "version": 2}, version=2))) == ["accepted"]
    assert _statuses(a.push(item("event", event(mine, 10)))) == ["accepted"]
    [change] = a.changes()
    assert change["data"]["status"] == 10 and b.changes() == []


def test_codes_outside_the_unit_and_squatting_are_refused(
    server: RefServer, clients: tuple[Client, Client, Client]
) -> None:
    a, b, _office = clients
    # B tries A's next codes before A pushes them.
    squat = [item("dossier", dossier(UNIT_A, n)) for n in (2, 3)]
    results = b.push(*squat)
    assert _statuses(results) == ["rejected", "rejected"]
    assert all(UNIT_B in r["message"] and _vietnamese(r["message"]) for r in results)
    # A code of no unit at all, and a payload whose unit field lies.
    bad = [
        item("dossier", dossier(UNIT_B, 1, code="H49-261201-0001")),
        item("dossier", dossier(UNIT_B, 2, unit_identifier=UNIT_A)),
        item("dossier", dossier(UNIT_B, 3, code=f"{UNIT_B}.X-261201-0003")),
    ]
    assert _statuses(b.push(*bad)) == ["rejected"] * 3
    # A's real dossiers with those codes are accepted, and the lookup shows A's content.
    real = [dossier(UNIT_A, n, procedure_name="Đăng ký khai sinh") for n in (2, 3)]
    assert _statuses(a.push(*(item("dossier", p) for p in real))) == ["accepted"] * 2
    for p in real:
        stored = server.store.dossier(p["code"])
        assert stored is not None and stored["uuid"] == p["uuid"] and stored["unit"] == UNIT_A
    assert server.store.stats()["dossiers"] == 2


def test_back_office_moves_dossiers_counters_cannot(
    server: RefServer, clients: tuple[Client, Client, Client]
) -> None:
    a, b, office = clients
    mine = dossier(UNIT_A, 1)
    a.push(item("dossier", mine))
    # A counter may not take the back office's statuses (processing, result ready…).
    [verdict] = a.push(item("event", event(mine, 9)))
    assert verdict["status"] == "rejected" and "bộ phận xử lý" in verdict["message"]
    # Nor push a new dossier that starts there.
    [verdict] = a.push(item("dossier", dossier(UNIT_A, 2, status=9)))
    assert verdict["status"] == "rejected" and "bộ phận xử lý" in verdict["message"]
    # Nor call the back-office endpoint; the back office may not push or pull.
    refused = a.advance(mine["code"], 9)
    assert refused.status_code == 403 and _vietnamese(refused.json()["error"]["message"])
    assert office.push_raw(item("dossier", dossier(UNIT_A, 5))).status_code == 403
    assert office.get("/changes").status_code == 403
    # The back office moves it on; only A's feed carries it; it is audited with who and when.
    moved = office.advance(mine["code"], 9, "Đã ký kết quả")
    assert moved.status_code == 200, moved.text
    [change] = a.changes()
    assert change["data"]["status"] == 9 and change["data"]["actor"] == "Phòng xử lý"
    assert b.changes() == []
    missing = office.advance(f"{UNIT_A}-261201-0099", 9)
    assert missing.status_code == 422 and "Không có hồ sơ" in missing.json()["error"]["message"]
    server.store.advance(mine["code"], 10, actor="os:admin")
    trail = [(e["actor"], e["action"], e["ref"]) for e in server.store.audit_log()]
    assert ("Phòng xử lý", "dossier.advance", mine["code"]) in trail
    assert ("os:admin", "dossier.advance", mine["code"]) in trail
    entry = next(e for e in server.store.audit_log() if e["action"] == "dossier.advance")
    assert entry["detail"] == {"from": 2, "to": 9, "event": change["data"]["event_uuid"]}
    assert entry["at"]


def test_a_counter_in_another_centre_is_refused_by_a_centre_bound_back_office(
    server: RefServer,
) -> None:
    other = server.store.create_token("Quầy HN", "000.00.00.H01.Q01")
    office = server.store.create_token("Xử lý QN", centre="000.00.00.H49", role="back-office")
    hn = dossier("000.00.00.H01.Q01", 1)
    Client(server.url, other).push(item("dossier", hn))
    reply = Client(server.url, office).advance(hn["code"], 4)
    assert reply.status_code == 422 and "000.00.00.H49" in reply.json()["error"]["message"]


def test_tokens_are_bound_to_one_unit(server: RefServer) -> None:
    store = server.store
    with pytest.raises(ServerError, match="đã có mã truy cập đang dùng"):
        store.create_token("Quầy 1 bis", UNIT_A)
    with pytest.raises(ServerError, match="gắn với một đơn vị"):
        store.create_token("Quầy không đơn vị")
    with pytest.raises(ServerError, match="không đổi được"):
        store.create_token("Quầy 1", UNIT_B)
    with pytest.raises(ServerError, match="không thuộc trung tâm"):
        store.create_token("Quầy lạ", "000.00.00.H01.Q01", centre="000.00.00.H49")
    with pytest.raises(ServerError, match="không đúng định dạng"):
        store.create_token("Quầy sai", "h49 q1")
    old = Client(server.url, server.token)
    assert old.get("/counter").status_code == 200
    # Revoked: 401 with a Vietnamese message; the unit is free for a replacement PC.
    store.revoke_token("Quầy 1")
    gone = old.get("/counter")
    assert gone.status_code == 401 and _vietnamese(gone.json()["error"]["message"])
    replacement = store.create_token("Quầy 1 mới", UNIT_A)
    assert Client(server.url, replacement).get("/counter").json()["unit"] == UNIT_A
    # Creating again for the same name rotates its token.
    rotated = store.create_token("Quầy 1 mới", UNIT_A)
    assert Client(server.url, replacement).get("/counter").status_code == 401
    assert Client(server.url, rotated).get("/counter").status_code == 200


def test_identity_contract_and_high_water(services: Any, server: RefServer) -> None:
    a = Client(server.url, server.token)
    codes = receive(services, 3)
    engine_for(services, server).run_once()
    a.push(item("dossier", dossier(UNIT_A, 7)))
    reply = a.get("/counter")
    assert reply.status_code == 200
    body = reply.json()
    day = services.clock().date().isoformat()
    assert {k: body[k] for k in ("name", "unit", "centre")} == {
        "name": "Quầy 1",
        "unit": UNIT_A,
        "centre": None,
    }
    assert body["high_water"] == {day: 3, "2026-12-01": 7}
    assert codes[-1].endswith("-0003")
    assert "T" in body["server_time"]
    only = a.get("/counter", day="2026-12-01").json()["high_water"]
    assert only == {"2026-12-01": 7}
    assert a.get("/counter", day="01/12/2026").status_code == 400
    assert Client(server.url, "ctr_unknown").get("/counter").status_code == 401


def _cli(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COUNTER_APP_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "counter_app", *args],
        env=env,
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_token_commands(tmp_path: Path) -> None:
    db = ["--db", f"sqlite:///{tmp_path / 's.sqlite3'}"]
    made = _cli("server", "token", "create", "Quầy 3", "--unit", "000.00.00.H49.Q03", *db,
                "--centre", "000.00.00.H49", home=tmp_path)  # fmt: skip
    assert made.returncode == 0, made.stderr
    second = _cli("server", "token", "create", "Quầy 3b", "--unit", "000.00.00.H49.Q03", *db,
                  home=tmp_path)  # fmt: skip
    assert second.returncode != 0 and "đã có mã truy cập đang dùng" in second.stderr
    office = _cli("server", "token", "create", "Xử lý", "--role", "back-office", *db,
                  home=tmp_path)  # fmt: skip
    assert office.returncode == 0, office.stderr
    revoked = _cli("server", "token", "revoke", "Quầy 3", *db, home=tmp_path)
    assert revoked.returncode == 0, revoked.stderr
    listed = _cli("server", "tokens", "--json", *db, home=tmp_path)
    tokens = {t["name"]: t for t in json.loads(listed.stdout)}
    assert tokens["Quầy 3"]["unit"] == "000.00.00.H49.Q03"
    assert tokens["Quầy 3"]["centre"] == "000.00.00.H49"
    assert tokens["Quầy 3"]["active"] is False and tokens["Quầy 3"]["revoked_at"]
    assert tokens["Xử lý"]["role"] == "back-office" and tokens["Xử lý"]["active"] is True
    assert "ctr_" not in listed.stdout
