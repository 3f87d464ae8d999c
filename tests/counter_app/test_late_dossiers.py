"""Late and stopped dossiers: extend → the new appointment everywhere (lookup, kiosk, sync,
report), stop, supplement by paper codes, hand-back, and the control slip from the history."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from sqlalchemy import select

from counter_app.auth import system_actor
from counter_app.db.models import DossierEvent, OutboxEntry
from counter_app.domain import DossierStatus
from counter_app.dossiers import InvalidChange
from counter_app.intake import ApplicantDraft, DossierDraft
from counter_app.kiosk import KioskService
from counter_app.reports import Figure, Period, ReportService
from tests.conftest import make_services
from tests.counter_app.receipts.support import decode, page_texts, rasterise
from tests.counter_app.sync.harness import RefServer, engine_for
from tests.helpers.cli import Cli

NAME = "Phạm Thị Hồng Nhung"


def receive(services: Any, id_number: str = "022190001111") -> str:
    draft = DossierDraft(
        procedure_code="2.000908",
        applicant=ApplicantDraft(NAME, id_number, phone="0912345678", address="Cẩm Phả"),
    )
    return str(services.intake.receive(draft, clerk=system_actor()).code)


def kiosk(services: Any, server_url: str = "") -> KioskService:
    settings = replace(
        services.settings, sync=replace(services.settings.sync, server_url=server_url)
    )
    return KioskService(services.dossiers, settings, rate_limit=False)


@pytest.fixture(autouse=True)
def _server_keeps_the_tests_time(clock: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests travel in time with the counter's clock; the reference server (in this
    process) must see the same time, or it refuses records dated in its future."""
    from counter_app.server import claims

    monkeypatch.setattr(claims, "local_now", lambda: clock.now)


def test_extend_gives_the_new_appointment_everywhere(
    services: Any, clock: Any, server: RefServer, sqlite_url: str, app_home: Path
) -> None:
    code = receive(services)  # Friday 27/11/2026 09:00, 3 working days
    assert services.dossiers.lookup(code, by=system_actor()).appointment_at == datetime(
        2026, 12, 2, 9, 0
    )
    engine = engine_for(services, server)
    assert engine.run_once().pushed == 2
    reports = ReportService.for_services(services)
    clock.now = datetime(2026, 12, 3, 8, 0)  # a day late
    assert reports.report(Period.day(clock.now.date())).overdue == 1

    change = services.dossiers.extend(
        code, by=system_actor(), reason="Chờ ý kiến của Chi cục Thuế", extra_working_days=2
    )
    # Counted from now (the old date has passed): Thursday 08:00 + 2 working days → Monday.
    new = datetime(2026, 12, 7, 8, 0)
    assert (change.previous, change.new) == (datetime(2026, 12, 2, 9, 0), new)

    # Lookup (core and command line): the new date, the change with its reason.
    detail = services.dossiers.detail(code, by=system_actor())
    assert detail.row.appointment_at == new
    assert [(c.previous, c.new, c.reason) for c in detail.appointment_history] == [
        (datetime(2026, 12, 2, 9, 0), new, "Chờ ý kiến của Chi cục Thuế")
    ]
    cli = Cli(app_home)
    looked = json.loads(cli("--db", sqlite_url, "lookup", code, "--json").stdout)
    assert looked["appointment"] == "2026-12-07T08:00:00"
    assert looked["apology_issued"] is True
    assert [(h["previous"], h["new"], h["reason"], h["apology"]) for h in looked["appointment_history"]] == [
        ("2026-12-02T09:00:00", "2026-12-07T08:00:00", "Chờ ý kiến của Chi cục Thuế", True)
    ]  # fmt: skip

    # Kiosk: the new date, and that an apology was issued (no clerk name on the public face).
    answer = kiosk(services).scan(code)
    assert answer.dossier is not None and answer.dossier.appointment_at == new
    assert answer.dossier.apology_issued
    public = answer.dossier.to_json()
    assert public["appointment"] == "2026-12-07T08:00:00"
    assert public["appointment_changes"][0]["reason"] == "Chờ ý kiến của Chi cục Thuế"
    assert "actor" not in public["appointment_changes"][0]

    # Sync payloads: a new dossier version and an event per the appointment-change contract.
    with services.db.read() as s:
        entries = [
            (e.entity, e.version, e.payload)
            for e in s.scalars(
                select(OutboxEntry).where(OutboxEntry.state == "pending").order_by(OutboxEntry.id)
            )
        ]
        event = s.scalar(select(DossierEvent).where(DossierEvent.appointment_change.is_not(None)))
        assert event is not None
        event_uuid = event.uuid
    assert [(e[0], e[1]) for e in entries] == [("dossier", 2), ("event", 1)]
    assert entries[0][2]["appointment_at"] == "2026-12-07T08:00:00"
    payload = entries[1][2]
    assert payload["status"] == int(DossierStatus.RECEIVED)  # the status stays
    assert payload["appointment_change"] == {
        "previous": "2026-12-02T09:00:00",
        "new": "2026-12-07T08:00:00",
        "reason": "Chờ ý kiến của Chi cục Thuế",
        "apology": True,
    }
    assert {"uuid", "dossier_uuid", "dossier_code", "at", "actor", "note", "source"} <= set(payload)
    # … and they reach the real reference server.
    assert engine.run_once().pushed == 2
    assert server.store.dossier(code)["appointment_at"] == new
    assert server.store.public(code)["appointment"] == "2026-12-07T08:00:00"
    stored = server.store.record("event", event_uuid, 1)
    assert stored is not None and stored["appointment_change"]["new"] == "2026-12-07T08:00:00"
    # A kiosk at another counter asks the server and gets the new date too.
    other = make_services(f"sqlite:///{app_home / 'other.sqlite3'}", clock, counter_no=2)
    try:
        remote = kiosk(other, server.url).scan(code)
        assert remote.source == "server" and remote.dossier is not None
        assert remote.dossier.appointment_at == new
    finally:
        other.close()

    # Report: no longer overdue; due on the new day; overdue again once that has passed.
    assert reports.report(Period.day(clock.now.date())).overdue == 0
    clock.now = datetime(2026, 12, 7, 7, 30)
    day = reports.report(Period.day(clock.now.date()))
    assert (day.overdue, day.due_today) == (0, 1)
    assert list(
        reports.drill(Figure.DUE_TODAY, Period.day(clock.now.date()), by=system_actor()).codes
    ) == [code]
    clock.now = datetime(2026, 12, 7, 9, 0)
    assert reports.report(Period.day(clock.now.date())).overdue == 1


def test_extend_across_an_official_swap(services: Any, clock: Any) -> None:
    services.load_bundled_calendar()
    services.reload_centre()
    clock.now = datetime(2026, 8, 17, 9, 0)  # Monday; 3 working days → Thursday 20/08
    code = receive(services)
    change = services.dossiers.extend(
        code, by=system_actor(), reason="Chờ kết quả xác minh", extra_working_days=2
    )
    assert change.new == datetime(2026, 8, 22, 9, 0)  # the make-up Saturday counts
    change = services.dossiers.extend(
        code, by=system_actor(), reason="Chờ thêm", extra_working_days=6
    )
    # 24–28/08 are five; 29/08–02/09 are off (Monday 31/08 swapped); the sixth is 03/09.
    assert change.new == datetime(2026, 9, 3, 9, 0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"reason": "Chậm"}, "một trong hai"),
        (
            {"reason": "Chậm", "extra_working_days": 1, "new_appointment": date(2026, 12, 9)},
            "một trong hai",
        ),
        ({"reason": "  ", "extra_working_days": 1}, "Lý do chậm trả kết quả: không được để trống"),
        ({"reason": "Chậm", "extra_working_days": 0}, "Số ngày làm việc gia hạn: từ 1"),
        ({"reason": "Chậm", "new_appointment": date(2026, 12, 5)}, "không phải ngày làm việc"),
        (
            {"reason": "Chậm", "new_appointment": datetime(2026, 12, 1, 9)},
            "phải sau ngày hẹn hiện tại",
        ),
    ],
)
def test_extend_refuses_bad_input_in_vietnamese(
    services: Any, kwargs: dict[str, Any], message: str
) -> None:
    code = receive(services)
    with pytest.raises(InvalidChange, match=message):
        services.dossiers.extend(code, by=system_actor(), **kwargs)
    assert services.dossiers.detail(code, by=system_actor()).appointment_history == ()


def test_a_finished_dossier_is_not_extended(services: Any) -> None:
    code = receive(services)
    services.dossiers.hand_back(code, clerk=system_actor(), force=True)
    with pytest.raises(InvalidChange, match="chỉ hồ sơ đang giải quyết"):
        services.dossiers.extend(code, by=system_actor(), reason="Chậm", extra_working_days=1)


def test_control_slip_from_the_hand_over_history(
    services: Any, clock: Any, server: RefServer
) -> None:
    clock.now = datetime(2027, 3, 1, 9, 0)  # Monday; due Thursday 04/03 09:00
    code = receive(services)
    engine = engine_for(services, server)
    engine.run_once()
    server.store.advance(code, 4, actor="Phòng Tài chính - Kế hoạch")
    engine.run_once()
    clock.now = datetime(2027, 3, 3, 10, 0)
    services.dossiers.extend(
        code, by=system_actor(), reason="Chờ ý kiến thẩm định", extra_working_days=2
    )
    server.store.advance(code, 9, actor="Phòng Tài chính - Kế hoạch", note="Đã ký")
    engine.run_once()
    assert services.dossiers.lookup(code, by=system_actor()).status is DossierStatus.RESULT_READY
    clock.now = datetime(2027, 3, 8, 8, 30)  # the new appointment's day, before its hour
    services.dossiers.hand_back(code, clerk=system_actor())
    (text,) = page_texts(
        services.receipts.control_slip_pdf(code, by=system_actor())
    )  # closed: no blank rows
    for expected in (
        "Ngày hẹn trả kết quả: 09 giờ 00 phút, ngày 04 tháng 03 năm 2027",
        "Ngày hẹn trả sau gia hạn: 09 giờ 00 phút, ngày 08 tháng 03 năm 2027",
        "Cơ quan (bộ phận) giải quyết hồ sơ: Phòng Tài chính - Kế hoạch",
        "1. Giao: Bộ phận tiếp nhận và trả kết quả Nhận: Phòng Tài chính - Kế hoạch",
        "2. Giao: Phòng Tài chính - Kế hoạch Nhận: Bộ phận tiếp nhận và trả kết quả",
        f"3. Giao: Bộ phận tiếp nhận và trả kết quả Nhận: Người nộp hồ sơ {NAME} (nhận kết quả)",
        "08 giờ 30 phút, ngày 08 tháng 03 năm 2027",
        "Đúng hạn",  # the hand-back, within the extension
        "Trước hạn",  # the back office's steps, days before the appointment
        "Gia hạn ngày 03/03/2027",
        "Lý do: Chờ ý kiến thẩm định",
    ):
        assert expected in text, expected
    assert "4. Giao" not in text


def test_commands_extend_stop_supplement_handback(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "home")
    cli("init", "--counter", "1")
    cli("config", "set", "backdate_working_days", "3650")

    def intake(n: int) -> str:
        out = cli.json(
            "intake", "--procedure", "1.001731", "--name", NAME, "--id-number",
            f"02219000{n:04d}", "--received", "2026-12-01T09:00",
        )  # fmt: skip
        assert isinstance(out, dict)
        return str(out["code"])

    code = intake(1)
    pdf = tmp_path / "mau04.pdf"
    out = cli.json(
        "dossier", "extend", code, "--new-appointment", "2027-01-15T15:00",
        "--reason", "Cần xác minh tại UBND xã", "--out", str(pdf),
    )  # fmt: skip
    assert out == {
        "code": code,
        "appointment": "2027-01-15T15:00:00",
        "previous_appointment": "2026-12-04T09:00:00",
        "calendar_estimated": True,  # counted into 2027, whose days off are not announced yet
        "estimated_years": [2027],
    }
    (image,) = rasterise(pdf.read_bytes(), 200)
    assert decode(image, zxingcpp.BarcodeFormat.Code128) == [code]
    (text,) = page_texts(pdf.read_bytes())
    assert "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT" in text
    assert "Lý do: Cần xác minh tại UBND xã." in text
    assert "15 giờ 00 phút, ngày 15 tháng 01 năm 2027" in text
    bad = cli(
        "dossier", "extend", code, "--new-appointment", "2027-01-16", "--reason", "x", ok=False
    )
    assert bad.returncode != 0 and "16/01/2027 không phải ngày làm việc" in bad.stderr

    notice = tmp_path / "mau05.pdf"
    out = cli.json(
        "dossier", "stop", code, "--reason", "Người nộp đề nghị dừng", "--out", str(notice)
    )
    assert out == {"code": code, "status": 8, "status_label": "Dừng xử lý"}
    (text,) = page_texts(notice.read_bytes())
    assert "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ" in text and "Người nộp đề nghị dừng." in text
    again = cli("dossier", "supplement", code, "--papers", "TK", "--reason", "x", ok=False)
    assert "«Dừng xử lý»: không thể chuyển sang «Yêu cầu bổ sung giấy tờ»" in again.stderr

    second = intake(2)
    unknown = cli("dossier", "supplement", second, "--papers", "TK,XYZ", "--reason", "x", ok=False)
    assert "không có giấy tờ mã XYZ" in unknown.stderr
    slip = tmp_path / "mau02.pdf"
    out = cli.json(
        "dossier", "supplement", second, "--papers", "tk", "--reason",
        "Tờ khai thiếu chữ ký", "--out", str(slip),
    )  # fmt: skip
    assert isinstance(out, dict) and out["status"] == 5
    text, kept = page_texts(slip.read_bytes())  # the citizen's copy and the counter's
    assert "Liên 2" in kept
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text
    assert "Tờ khai đề nghị hỗ trợ chi phí mai táng" in text and "Tờ khai thiếu chữ ký" in text
    early = cli("dossier", "handback", second, ok=False)
    assert early.returncode != 0 and "chưa có kết quả để trả" in early.stderr
    out = cli.json("dossier", "handback", second, "--force")
    assert out == {"code": second, "status": 10, "status_label": "Đã trả kết quả"}

    control = tmp_path / "mau06.pdf"
    cli("dossier", "control-slip", second, "--out", str(control))
    (text,) = page_texts(control.read_bytes())
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text
    assert f"Nhận: Người nộp hồ sơ {NAME} (nhận kết quả)" in text


def test_extend_and_overdue_on_postgresql(pg_url: str, clock: Any, app_home: Path) -> None:
    """The same rules on the shared PostgreSQL database (JSON column, filters, history)."""
    services = make_services(pg_url, clock)
    try:
        code = receive(services)
        clock.now = datetime(2026, 12, 3, 8, 0)
        reports = ReportService.for_services(services)
        assert reports.report(Period.day(clock.now.date())).overdue == 1
        change = services.dossiers.extend(
            code, by=system_actor(), reason="Chờ xác minh", new_appointment=date(2026, 12, 9)
        )
        assert change.new == datetime(2026, 12, 9, 17, 0)  # a date alone: end of that day
        assert reports.report(Period.day(clock.now.date())).overdue == 0
        history = services.dossiers.detail(code, by=system_actor()).appointment_history
        assert [(c.previous, c.new) for c in history] == [(datetime(2026, 12, 2, 9, 0), change.new)]
        services.dossiers.stop(code, by=system_actor(), reason="Theo đề nghị")
        clock.now = datetime(2026, 12, 10, 8, 0)
        assert reports.report(Period.day(clock.now.date())).overdue == 0  # stopped: never late
        assert (
            "THÔNG BÁO DỪNG"
            in page_texts(services.receipts.stop_notice_pdf(code, by=system_actor()))[0]
        )
    finally:
        services.close()
