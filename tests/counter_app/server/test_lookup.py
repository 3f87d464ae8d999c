"""The public lookup cannot be scraped: per-address rate limiting (429 + Retry-After), and no part
of the name without the receipt's verification value."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from counter_app.server.ratelimit import RateLimiter
from counter_app.verification import verification_value
from tests.counter_app.server.tenancy_support import (
    UNIT_A,
    Client,
    Plain,
    dossier,
    event,
    item,
    serve,
)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Plain]:
    srv = serve(
        f"sqlite:///{tmp_path / 'server.sqlite3'}",
        UNIT_A,
        lookup_limiter=RateLimiter(rate=0.5, burst=10),
        trusted_proxy="127.0.0.1",
    )
    yield srv
    srv.stop()


def _lookup(server: Plain, code: str, client: str = "", **params: str) -> requests.Response:
    headers = {"X-Forwarded-For": client} if client else {}
    return requests.get(
        f"{server.url}/api/v1/dossiers/{code}", params=params, headers=headers, timeout=5
    )


def test_walking_sequential_codes_is_throttled_per_address(server: Plain) -> None:
    a = Client(server.url, server.token)
    a.push(*(item("dossier", dossier(UNIT_A, n)) for n in range(1, 21)))
    started = time.perf_counter()
    replies = [_lookup(server, f"{UNIT_A}-261201-{n:04d}", "203.0.113.7") for n in range(1, 21)]
    assert time.perf_counter() - started < 10  # all answered at once: none of them waited
    statuses = [r.status_code for r in replies]
    assert statuses[:10] == [200] * 10
    assert set(statuses[10:]) == {429}
    refused = replies[10]
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["error"]["message"].startswith("Tra cứu quá nhanh")
    # Another citizen (another address behind the same proxy) is not affected.
    assert _lookup(server, f"{UNIT_A}-261201-0001", "198.51.100.2").status_code == 200
    # Unknown codes count too: probing for codes that exist is throttled the same way.
    for _ in range(12):
        last = _lookup(server, f"{UNIT_A}-261201-9999", "192.0.2.9")
    assert last.status_code == 429


def test_name_only_with_the_verification_value(server: Plain) -> None:
    a = Client(server.url, server.token)
    d = dossier(UNIT_A, 1)
    a.push(item("dossier", d))
    change = {"previous": d["appointment_at"], "new": "2026-12-09T09:00:00",
              "reason": "Cần xác minh", "apology": True}  # fmt: skip
    a.push(item("event", event(d, 2, appointment_change=change)))
    bare = _lookup(server, d["code"]).json()["dossier"]
    assert bare["verified"] is False
    # The one public projection (counter_app/public.py): no part of the name without the value.
    assert bare["applicant"] == ""
    assert bare["status"] == 2 and bare["appointment"] == "2026-12-02T09:00:00"
    assert [(c["previous"], c["new"], c["apology"]) for c in bare["appointment_changes"]] == [
        (change["previous"], change["new"], True)
    ]
    assert "Thuỷ" not in str(bare) and "T**" not in str(bare)
    wrong = _lookup(server, d["code"], v="AAAAAAAA").json()["dossier"]
    assert wrong["verified"] is False and wrong["applicant"] == ""
    value = verification_value(d["uuid"], d["code"])
    good = _lookup(server, d["code"], v=value.lower()).json()["dossier"]
    assert good["verified"] is True
    assert good["applicant"] == "Trần T** T**"
    assert good["procedure"] == "Chứng thực bản sao từ bản chính"
    assert good["appointment_changes"][0]["reason"] == "Cần xác minh"
    # A value for another dossier's code does not open this one.
    other = dossier(UNIT_A, 2)
    a.push(item("dossier", other))
    assert _lookup(server, other["code"], v=value).json()["dossier"]["applicant"] == ""
