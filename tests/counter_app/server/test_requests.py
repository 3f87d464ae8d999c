"""Every request gets a clear answer: the core's text rules on pushed records, size limits, a
daily quota, and a JSON 4xx with a Vietnamese message for whatever is malformed — then a fuzz
test against the real running server: no 5xx, and it still serves afterwards."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from counter_app.outbox import canonical_json
from counter_app.server.ratelimit import RateLimiter
from tests.counter_app.server.tenancy_support import (
    UNIT_A,
    Client,
    Plain,
    dossier,
    event,
    item,
    serve,
)

_VIETNAMESE = set("ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹáàãéèíìóòõúùý")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Plain]:
    path: Path = tmp_path_factory.mktemp("srv") / "server.sqlite3"
    # The fuzz test sends many lookups: this server's limiter is generous; another test checks it.
    srv = serve(f"sqlite:///{path}", UNIT_A, lookup_limiter=RateLimiter(10_000, 10_000))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def a(server: Plain) -> Client:
    return Client(server.url, server.token)


def _raw(
    server: Plain,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any] | None, dict[str, str]]:
    """One request exactly as given (http.client does not tidy paths or headers)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=20)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for key, value in (headers or {}).items():
            conn.putheader(key, value)
        if body is not None and "Content-Length" not in (headers or {}):
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        response = conn.getresponse()
        data = response.read()
        parsed: dict[str, Any] | None
        try:
            parsed = json.loads(data)
        except ValueError:
            parsed = None
        return response.status, parsed, dict(response.getheaders())
    finally:
        conn.close()


def _assert_clear_4xx(status: int, body: dict[str, Any] | None) -> None:
    assert 400 <= status < 500, (status, body)
    assert body is not None and body["protocol"] == 1
    message = body["error"]["message"]
    assert set(message.lower()) & _VIETNAMESE, message


def _auth(server: Plain) -> dict[str, str]:
    return {"Authorization": f"Bearer {server.token}", "Content-Type": "application/json"}


def test_deep_nesting_and_garbage_bodies_get_a_json_400(server: Plain) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    for body in (deep, b'{"protocol": 1, "items": [' + deep + b"]}", b"\xff\xfe", b"{"):
        status, parsed, _ = _raw(server, "POST", "/api/v1/push", body, _auth(server))
        _assert_clear_4xx(status, parsed)


def test_query_values_and_paths(server: Plain) -> None:
    auth = _auth(server)
    for query in ("since=" + "9" * 40, "since=-1", "since=%F0%9F%98%80", "limit=0", "since=%D9%A3"):
        status, parsed, _ = _raw(server, "GET", f"/api/v1/changes?{query}", headers=auth)
        _assert_clear_4xx(status, parsed)
    status, parsed, _ = _raw(server, "GET", "/api/v1/counter?day=2026-13-45", headers=auth)
    _assert_clear_4xx(status, parsed)
    many = "&".join(f"k{i}=1" for i in range(50))
    _assert_clear_4xx(*_raw(server, "GET", f"/api/v1/changes?{many}", headers=auth)[:2])
    for path in ("/api/v1/dossiers/%ED%A0%80", "/api/v1/dossiers/" + "A" * 300, "/%00", "/x"):
        _assert_clear_4xx(*_raw(server, "GET", path)[:2])
    _assert_clear_4xx(*_raw(server, "DELETE", "/api/v1/push")[:2])
    _assert_clear_4xx(*_raw(server, "POST", "/api/v1/health", b"")[:2])


def test_headers(server: Plain) -> None:
    body = json.dumps({"protocol": 1, "items": []}).encode()
    for headers in (
        {"Authorization": "Bearer ctr_\u00e9\u00ff"},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer " + "x" * 5000},
        {**_auth(server), "X-Counter-Protocol": "99"},
        {**_auth(server), "Content-Length": "²"},
    ):
        status, parsed, _ = _raw(server, "POST", "/api/v1/push", body, headers)
        _assert_clear_4xx(status, parsed)


def test_pushed_text_follows_the_core_rules(a: Client, server: Plain) -> None:
    def verdict(**extra: Any) -> dict[str, Any]:
        [result] = a.push(item("dossier", dossier(UNIT_A, verdict.n, **extra)))  # type: ignore[attr-defined]
        verdict.n += 1  # type: ignore[attr-defined]
        return result

    verdict.n = 100  # type: ignore[attr-defined]
    refused = {
        "control": verdict(notes="a\x00b"),
        "bidi": verdict(notes="Nguyễn \u202eVăn"),
        "zero-width": verdict(procedure_name="Chứng\u200bthực"),
        "nfd": verdict(applicant={"name": "Nguye\u0302\u0303n Văn A"}),
        "long name": verdict(applicant={"name": "A" * 256}),
        "7 MiB notes": verdict(notes="x" * (7 * 1024 * 1024)),
    }
    for why, result in refused.items():
        assert result["status"] == "rejected", why
        assert set(result["message"].lower()) & _VIETNAMESE, why
    assert "notes" in refused["control"]["message"] and "name" in refused["long name"]["message"]
    # A clerk's line breaks and tabs are fine.
    assert verdict(notes="Dòng 1\nDòng 2\tcột")["status"] == "accepted"


def test_a_lone_surrogate_is_refused_not_a_500(server: Plain) -> None:
    payload = dossier(UNIT_A, 200)
    text = canonical_json(payload).replace("Trần Thị Thuỷ", "\\ud800")
    record = f'{{"entity": "dossier", "uuid": "{payload["uuid"]}", "version": 1, '
    record += f'"hash": "{"0" * 64}", "payload": {text}}}'
    raw = f'{{"protocol": 1, "items": [{record}]}}'.encode()
    status, parsed, _ = _raw(server, "POST", "/api/v1/push", raw, _auth(server))
    assert status == 200 and parsed is not None
    [result] = parsed["results"]
    assert result["status"] == "rejected" and "name" in result["message"]


def test_appointment_change_is_accepted_kept_and_checked(a: Client, server: Plain) -> None:
    d = dossier(UNIT_A, 300)
    a.push(item("dossier", d))
    change = {
        "previous": "2026-12-02T09:00:00",
        "new": "2026-12-09T09:00:00",
        "reason": "Cần xác minh thêm",
        "apology": True,
    }
    [ok] = a.push(item("event", event(d, 2, appointment_change=change)))
    assert ok["status"] == "accepted"
    [stored] = server.store.events_of(d["uuid"])
    assert stored["appointment_change"] == change
    bad = [
        {**change, "extra": 1},
        {**change, "new": "09/12/2026"},
        {**change, "reason": "x" * 1001},
        {**change, "apology": "có"},
    ]
    for value in bad:
        [result] = a.push(item("event", event(d, 2, appointment_change=value)))
        assert result["status"] == "rejected", value


def test_daily_quota_answers_429_with_retry_after(tmp_path: Path) -> None:
    srv = serve(f"sqlite:///{tmp_path / 'q.sqlite3'}", UNIT_A, daily_quota=3)
    try:
        client = Client(srv.url, srv.token)
        assert len(client.push(*(item("dossier", dossier(UNIT_A, n)) for n in (1, 2)))) == 2
        reply = client.push_raw(*(item("dossier", dossier(UNIT_A, n)) for n in (3, 4)))
        assert reply.status_code == 429
        assert int(reply.headers["Retry-After"]) >= 1
        _assert_clear_4xx(429, reply.json())
        assert "hạn mức" in reply.json()["error"]["message"]
        assert client.push(item("dossier", dossier(UNIT_A, 3)))[0]["status"] == "accepted"
    finally:
        srv.stop()


# -- the fuzz test -------------------------------------------------------------------------------

_PATHS = st.one_of(
    st.sampled_from(
        [
            "/api/v1/push",
            "/api/v1/changes",
            "/api/v1/counter",
            "/api/v1/records",
            "/api/v1/advance",
            "/api/v1/health",
            "/api/v1/dossiers/",
            f"/api/v1/dossiers/{UNIT_A}-261201-0001",
        ]
    ),
    st.text(max_size=80).map(lambda t: "/api/v1/" + quote(t, safe="/?=&")),
    st.text(max_size=40).map(lambda t: "/api/v1/dossiers/" + quote(t, safe="")),
)
_QUERY = st.dictionaries(
    st.sampled_from(["since", "limit", "after", "day", "v", "x"]),
    st.one_of(st.text(max_size=50), st.integers().map(str)),
    max_size=4,
)
_JSON = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False),
        st.text(max_size=30),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)
_RECORD = st.fixed_dictionaries(
    {
        "entity": st.sampled_from(["dossier", "event", "slip", "rating", "x"]),
        "uuid": st.one_of(st.uuids().map(str), st.text(max_size=40)),
        "version": st.one_of(st.integers(), st.text(max_size=5)),
        "hash": st.one_of(st.just("0" * 64), st.text(max_size=64)),
        "payload": st.one_of(
            _JSON,
            st.builds(
                lambda n, extra: {**dossier(UNIT_A, n), **extra},
                st.integers(1, 9999),
                st.dictionaries(st.sampled_from(["notes", "status", "code", "applicant"]), _JSON),
            ),
        ),
    }
)
_BODY = st.one_of(
    st.binary(max_size=200),
    _JSON.map(lambda v: json.dumps(v).encode()),
    st.lists(_RECORD, max_size=5).map(
        lambda items: json.dumps({"protocol": 1, "items": items}).encode()
    ),
)
_HEADER_VALUE = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_characters="\x7f"),
    max_size=60,
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"]),
    path=_PATHS,
    query=_QUERY,
    body=st.one_of(st.none(), _BODY),
    auth=st.one_of(st.none(), st.just("valid"), _HEADER_VALUE),
    protocol=st.one_of(st.none(), st.just("1"), _HEADER_VALUE),
)
def test_fuzz_no_5xx_and_still_serving(
    server: Plain,
    method: str,
    path: str,
    query: dict[str, str],
    body: bytes | None,
    auth: str | None,
    protocol: str | None,
) -> None:
    headers: dict[str, str] = {}
    if auth == "valid":
        headers["Authorization"] = f"Bearer {server.token}"
    elif auth is not None:
        headers["Authorization"] = auth
    if protocol is not None:
        headers["X-Counter-Protocol"] = protocol
    target = (
        path
        + ("&" if "?" in path else "?")
        + "&".join(f"{quote(k)}={quote(v)}" for k, v in query.items())
    )
    status, parsed, _ = _raw(server, method, target, body, headers)
    assert status < 500, (status, parsed)
    if method != "HEAD" and status >= 400:
        _assert_clear_4xx(status, parsed)
    health = _raw(server, "GET", "/api/v1/health")
    assert health[0] == 200
