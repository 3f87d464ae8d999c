"""The reference server over real HTTP: auth, limits, idempotency, public lookup, CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import requests

from counter_app.auth import system_actor
from counter_app.outbox import content_hash
from counter_app.sync.protocol import PushItem
from counter_app.verification import verification_value
from tests.counter_app.sync.harness import (
    RefServer,
    engine_for,
    receive,
)

ROOT = Path(__file__).resolve().parents[3]


def _auth(server: RefServer) -> dict[str, str]:
    return {"Authorization": f"Bearer {server.token}"}


def _item(n: int, notes: str = "") -> dict[str, Any]:
    payload = {"uuid": f"22222222-2222-4222-8222-{n:012d}", "kind": "supplement", "n": notes}
    return PushItem("slip", payload["uuid"], 1, content_hash(payload), payload).to_json()


def test_push_is_idempotent_and_detects_conflicts(server: RefServer) -> None:
    url = f"{server.url}/api/v1/push"
    body = {"protocol": 1, "items": [_item(1), _item(2)]}
    first = requests.post(url, json=body, headers=_auth(server), timeout=5).json()
    assert [r["status"] for r in first["results"]] == ["accepted", "accepted"]
    again = requests.post(url, json=body, headers=_auth(server), timeout=5).json()
    assert [r["status"] for r in again["results"]] == ["duplicate", "duplicate"]
    changed = {"protocol": 1, "items": [_item(1, "khác"), _item(3)]}
    third = requests.post(url, json=changed, headers=_auth(server), timeout=5).json()
    assert [r["status"] for r in third["results"]] == ["conflict", "accepted"]
    assert server.store.stats()["records"] == 3


def test_auth_and_limits(server: RefServer) -> None:
    url = f"{server.url}/api/v1/push"
    body = {"protocol": 1, "items": [_item(1)]}
    assert requests.post(url, json=body, timeout=5).status_code == 401
    bad = {"Authorization": "Bearer ctr_nope"}
    reply = requests.post(url, json=body, headers=bad, timeout=5)
    assert reply.status_code == 401 and reply.json()["error"]["code"] == "unauthorized"
    assert requests.get(f"{server.url}/api/v1/changes", timeout=5).status_code == 401
    garbage = requests.post(url, data=b"{not json", headers=_auth(server), timeout=5)
    assert garbage.status_code == 400
    old = requests.post(url, json={"protocol": 99, "items": []}, headers=_auth(server), timeout=5)
    assert old.status_code == 400 and old.json()["error"]["code"] == "protocol"
    big = requests.post(url, data=b" " * (9 * 1024 * 1024), headers=_auth(server), timeout=10)
    assert big.status_code == 413
    wrong = {"protocol": 1, "items": [{**_item(1), "hash": "0" * 64}]}
    reply = requests.post(url, json=wrong, headers=_auth(server), timeout=5).json()
    assert reply["results"][0]["status"] == "rejected"
    page = requests.get(
        f"{server.url}/api/v1/changes", params={"limit": 5000}, headers=_auth(server), timeout=5
    )
    assert page.status_code == 400


def test_public_lookup_shows_nothing_personal(services: Any, server: RefServer) -> None:
    codes = receive(services, 1)
    engine_for(services, server).run_once()
    server.store.advance(codes[0], 9)
    reply = requests.get(f"{server.url}/api/v1/dossiers/{codes[0]}", timeout=5)
    assert reply.status_code == 200
    dossier = reply.json()["dossier"]
    assert dossier["status"] == 9 and dossier["result_ready"] is True
    # Without the receipt's verification value no part of the name is shown.
    assert dossier["applicant"] == "" and dossier["verified"] is False
    detail = services.dossiers.detail(codes[0], by=system_actor())
    value = verification_value(detail.uuid, codes[0])
    reply = requests.get(f"{server.url}/api/v1/dossiers/{codes[0]}?v={value}", timeout=5)
    dossier = reply.json()["dossier"]
    assert dossier["applicant"] == "Trần T** T**" and dossier["verified"] is True
    text = reply.text
    assert "022190000000" not in text and "Thuỷ" not in text
    assert set(dossier) == {
        "code", "procedure", "applicant", "status", "status_label", "status_text",
        "appointment", "result_ready", "collect_at", "what_to_bring", "verified", "timeline",
        "appointment_changes", "apology_issued",
    }  # fmt: skip
    assert [s["status"] for s in dossier["timeline"]] == [2, 9]
    missing = requests.get(f"{server.url}/api/v1/dossiers/H49-261127-9999", timeout=5)
    assert missing.status_code == 404


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


def test_cli_token_stats_advance_calendar_catalog(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 's.sqlite3'}"
    created = _cli(
        "server",
        "token",
        "create",
        "Quầy 2",
        "--unit",
        "000.00.00.H49.Q02",
        "--db",
        db,
        home=tmp_path,
    )
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("ctr_")
    stats = _cli("server", "stats", "--db", db, "--json", home=tmp_path)
    assert json.loads(stats.stdout) == {
        "dossiers": 0, "events": 0, "records": 0, "changes": 0, "counters": 1,
    }  # fmt: skip
    missing = _cli(
        "server", "advance", "H49-261127-0001", "--status", "4", "--db", db, home=tmp_path
    )
    assert missing.returncode != 0 and "Không có hồ sơ" in missing.stderr
    cal = _cli("server", "calendar", "set", "31/12/2026", "off", "--db", db, home=tmp_path)
    assert cal.returncode == 0, cal.stderr
    catalog = ROOT / "tests" / "fixtures" / "catalog_small.json"
    loaded = _cli("server", "catalog", "load", str(catalog), "--db", db, home=tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    stats = _cli("server", "stats", "--db", db, "--json", home=tmp_path)
    assert json.loads(stats.stdout)["changes"] == 2
