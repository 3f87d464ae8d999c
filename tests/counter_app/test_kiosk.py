"""The kiosk service: local first, then the provincial server's public lookup; calm on junk."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from counter_app.auth import system_actor
from counter_app.domain import DossierStatus
from counter_app.kiosk import (
    BURST_LIMIT,
    MESSAGES,
    SERVER_UNREACHABLE,
    KioskService,
    Outcome,
    public_from_json,
)
from counter_app.verification import lookup_url
from tests.counter_app.reports.seed import seed

REMOTE = "000.00.00.H49.Q07-261120-0042"


class Tick:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


class FakeProvince(BaseHTTPRequestHandler):
    """A real HTTP server on 127.0.0.1 answering like the provincial public lookup."""

    mode = "ok"
    hits: list[str] = []  # noqa: RUF012 - shared with the test on purpose

    def do_GET(self) -> None:
        FakeProvince.hits.append(self.path)
        if self.mode == "error":
            self._send(500, b"oops")
            return
        if self.mode == "junk":
            self._send(200, b"<html>not json</html>")
            return
        if self.path != f"/api/v1/dossiers/{REMOTE}":
            self._send(404, b'{"error": "not found"}')
            return
        body = {
            "code": REMOTE,
            "procedure": "Cấp giấy phép xây dựng",
            "applicant": "Trần T** H**",
            "status": 9,
            "status_label": "Đã xử lý xong",
            "status_text": DossierStatus.RESULT_READY.citizen_text,
            "appointment": "2026-11-25T16:00:00",
            "result_ready": True,
            "collect_at": "Tại Bộ phận tiếp nhận và trả kết quả, quầy số 7",
            "what_to_bring": "Giấy tiếp nhận",
        }
        self._send(200, json.dumps(body, ensure_ascii=False).encode())

    def _send(self, code: int, body: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def province() -> Iterator[str]:
    FakeProvince.mode = "ok"
    FakeProvince.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeProvince)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def kiosk(services: Any, server_url: str = "", **kw: Any) -> KioskService:
    settings = replace(
        services.settings, sync=replace(services.settings.sync, server_url=server_url)
    )
    return KioskService(services.dossiers, settings, **kw)


def test_local_scan_shows_public_view_only(services, clock) -> None:  # type: ignore[no-untyped-def]
    seeded = seed(services, clock)
    answer = kiosk(services).scan(f"https://dichvucong.example.gov.vn/tra-cuu/{seeded.codes[2]}\n")
    assert answer.found and answer.source == "local"
    d = answer.dossier
    assert d is not None
    assert d.code == seeded.codes[2]
    assert d.masked_name == "Nguyễn V** Đ**"
    assert d.status is DossierStatus.RECEIVED
    text = json.dumps(d.to_json(), ensure_ascii=False)
    assert "Đức" not in text and "022090" not in text and "0912345678" not in text


@pytest.mark.parametrize(
    "scan",
    [
        "",
        "   ",
        "hello",
        "000.00.00.H49",
        "000.00.00.H49.Q01-2611",
        "'; DROP TABLE dossier; --",
        "x" * 100_000,
        "0" * 513,
        "\x00\x1b[2J",
        "022090001234|123456789|Nguyễn Văn A|01011990|Nam",
    ],
)
def test_junk_and_partial_scans_are_calm(services, scan) -> None:  # type: ignore[no-untyped-def]
    answer = kiosk(services).scan(scan)
    assert answer.outcome is Outcome.INVALID and answer.dossier is None
    assert answer.message == MESSAGES[Outcome.INVALID]


def test_unknown_code_without_server(services) -> None:  # type: ignore[no-untyped-def]
    answer = kiosk(services).scan("000.00.00.H49.Q01-261127-9999")
    assert answer.outcome is Outcome.NOT_FOUND and answer.message == MESSAGES[Outcome.NOT_FOUND]


def test_burst_of_distinct_scans_is_slowed_down(services) -> None:  # type: ignore[no-untyped-def]
    tick = Tick()
    service = kiosk(services, monotonic=tick)
    outcomes = []
    for i in range(BURST_LIMIT + 3):
        tick.t += 0.2
        outcomes.append(service.scan(f"000.00.00.H49.Q01-261127-{i:04d}").outcome)
    assert outcomes[:BURST_LIMIT] == [Outcome.NOT_FOUND] * BURST_LIMIT
    assert outcomes[BURST_LIMIT:] == [Outcome.TOO_FAST] * 3
    tick.t += 31
    assert service.scan("000.00.00.H49.Q01-261127-0100").outcome is Outcome.NOT_FOUND


def test_same_code_held_under_scanner_is_one_lookup(services, clock) -> None:  # type: ignore[no-untyped-def]
    seeded = seed(services, clock)
    tick = Tick()
    service = kiosk(services, monotonic=tick)
    answers = []
    for _ in range(50):
        tick.t += 0.05
        answers.append(service.scan(seeded.codes[0]))
    assert all(a.found for a in answers)
    assert answers[0] is answers[-1]


def test_server_lookup_when_not_local(services, province) -> None:  # type: ignore[no-untyped-def]
    answer = kiosk(services, province).scan(REMOTE.lower())
    assert answer.found and answer.source == "server"
    assert answer.dossier is not None and answer.dossier.result_ready
    assert answer.dossier.masked_name == "Trần T** H**"
    assert FakeProvince.hits == [f"/api/v1/dossiers/{REMOTE}"]
    missing = kiosk(services, province).scan("000.00.00.H49.Q07-261120-0043")
    assert missing.outcome is Outcome.NOT_FOUND and missing.message == MESSAGES[Outcome.NOT_FOUND]


def test_local_answer_never_asks_the_server(services, clock, province) -> None:  # type: ignore[no-untyped-def]
    seeded = seed(services, clock)
    assert kiosk(services, province).scan(seeded.codes[0]).source == "local"
    assert FakeProvince.hits == []


@pytest.mark.parametrize("mode", ["error", "junk"])
def test_server_faults_are_calm(services, province, mode) -> None:  # type: ignore[no-untyped-def]
    FakeProvince.mode = mode
    answer = kiosk(services, province).scan(REMOTE)
    assert answer.outcome is Outcome.NOT_FOUND and answer.message == SERVER_UNREACHABLE


def test_unreachable_server_is_calm(services) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    answer = kiosk(services, f"http://127.0.0.1:{port}").scan(REMOTE)
    assert answer.outcome is Outcome.NOT_FOUND and answer.message == SERVER_UNREACHABLE


def test_server_json_must_match_the_code() -> None:
    good = {
        "code": REMOTE,
        "procedure": "X",
        "applicant": "A**",
        "status": 4,
        "appointment": "2026-11-25T16:00:00+07:00",
    }
    parsed = public_from_json(good, REMOTE)
    assert parsed is not None and parsed.appointment_at.tzinfo is None
    assert parsed.status_text == DossierStatus.PROCESSING.citizen_text
    assert public_from_json({**good, "code": "OTHER-261120-0001"}, REMOTE) is None
    assert public_from_json({**good, "status": 42}, REMOTE) is None
    assert public_from_json({**good, "appointment": "soon"}, REMOTE) is None
    assert public_from_json([good], REMOTE) is None


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=700))
def test_any_text_gets_an_answer(services, scan) -> None:  # type: ignore[no-untyped-def]
    answer = kiosk(services, rate_limit=False).scan(scan)
    assert answer.outcome in (Outcome.INVALID, Outcome.NOT_FOUND)
    assert answer.dossier is None and answer.message


def test_kiosk_asks_the_real_reference_server(services, clock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Counter 1 syncs a dossier; a kiosk on another, empty database finds it through the server."""
    from tests.conftest import make_services
    from tests.counter_app.sync.harness import engine_for, receive, start_server

    server = start_server(f"sqlite:///{tmp_path / 'server.sqlite3'}")
    elsewhere = make_services(f"sqlite:///{tmp_path / 'kiosk.sqlite3'}", clock, counter_no=5)
    try:
        codes = receive(services, 2)
        engine_for(services, server).run_once()
        server.store.advance(codes[0], 9)
        service = kiosk(elsewhere, server.url, rate_limit=False)
        # A typed code: status and appointment, no part of the name.
        answer = service.scan(codes[0])
        assert answer.found and answer.source == "server"
        assert answer.dossier is not None and answer.dossier.result_ready
        assert answer.dossier.code == codes[0]
        # A bare code gives no part of the name; the receipt's QR (with its value) does.
        assert answer.dossier.masked_name == ""
        uuid = services.dossiers.detail(codes[0], by=system_actor()).uuid
        qr = lookup_url("https://dichvucong.example.gov.vn/tra-cuu/", codes[0], uuid)
        with_value = kiosk(elsewhere, server.url).scan(qr)
        assert with_value.dossier is not None and "*" in with_value.dossier.masked_name
        missing = service.scan(codes[0].replace(codes[0][-4:], "9999"))
        assert missing.outcome is Outcome.NOT_FOUND
    finally:
        elsewhere.close()
        server.stop()
        server.store.close()
