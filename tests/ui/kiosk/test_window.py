"""The kiosk window, offscreen: scan → answer, junk, back to idle, rating, leaving with the PIN."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from shiboken6 import isValid
from sqlalchemy import select

from counter_app.db.models import OutboxEntry, Rating
from counter_app.kiosk import BURST_LIMIT, MESSAGES, Outcome
from counter_app.ratings import RatingScore
from tests.counter_app.reports.seed import seed
from tests.ui.conftest import type_text
from ui.kiosk.window import IDLE_TEXT, KioskWindow

PIN = "2468"


@pytest.fixture
def seeded(services, clock):  # type: ignore[no-untyped-def]
    return seed(services, clock)


@pytest.fixture
def make_kiosk(qtbot, services, ops) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    made: list[KioskWindow] = []

    def make(**kw: Any) -> KioskWindow:
        window = KioskWindow(services, ops=ops, admin_pin=PIN, **kw)
        qtbot.addWidget(window)
        window.resize(1280, 800)
        window.show()
        qtbot.waitExposed(window)
        made.append(window)
        return window

    yield make
    for window in made:
        qtbot.waitUntil(lambda: ops.pending == 0, timeout=10_000)
        if isValid(window):  # a test that left the kiosk may have seen it deleted already
            window.leave()


def scan(qtbot, window: KioskWindow, text: str) -> None:  # type: ignore[no-untyped-def]
    """Type like a keyboard-wedge scanner: the characters, then Enter."""
    window.scan_input.setFocus()
    if text.isascii():
        qtbot.keyClicks(window.scan_input, text)
    else:
        type_text(qtbot, window.scan_input, text)
    qtbot.keyClick(window.scan_input, Qt.Key.Key_Return)


def wait_page(qtbot, window: KioskWindow, page: str) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: window.page == page, timeout=10_000)


def visible_text(window: KioskWindow) -> str:
    return "\n".join(label.text() for label in window.findChildren(QLabel) if label.isVisible())


def test_idle_screen_invites_a_scan(make_kiosk) -> None:  # type: ignore[no-untyped-def]
    window = make_kiosk()
    assert window.page == "idle"
    assert window.idle_label.text() == IDLE_TEXT
    assert window.idle_label.isVisible()


def test_scan_shows_the_public_answer(qtbot, make_kiosk, seeded) -> None:  # type: ignore[no-untyped-def]
    window = make_kiosk()
    code = seeded.codes[2]
    with qtbot.waitSignal(window.answer_did_show, timeout=10_000) as blocker:
        scan(qtbot, window, f"https://dichvucong.example.gov.vn/tra-cuu/{code}")
    assert blocker.args[0].outcome is Outcome.FOUND
    wait_page(qtbot, window, "answer")
    assert window.fields["code"].text() == code
    assert window.fields["applicant"].text() == "Nguyễn V** Đ**"
    assert window.fields["procedure"].text() == "Đăng ký thành lập hộ kinh doanh"
    assert window.fields["appointment"].text().endswith("/2026")
    assert "Mang theo" in window.fields["what_to_bring"].text()
    assert not window.rate_button.isVisible()  # not handed back yet
    shown = visible_text(window)
    for secret in ("Nguyễn Văn Đức", "022090000002", "0912345678", "Nguyễn Văn An"):
        assert secret not in shown


@pytest.mark.parametrize(
    "junk",
    ["hello", "000.00.00.H49.Q01-2611", "x" * 700, "'; DROP TABLE dossier; --", "Nguyễn Văn Đức"],
)
def test_junk_scans_get_a_calm_message(qtbot, make_kiosk, seeded, junk) -> None:  # type: ignore[no-untyped-def]
    window = make_kiosk()
    scan(qtbot, window, junk)
    wait_page(qtbot, window, "message")
    assert window.message_label.text() == MESSAGES[Outcome.INVALID]
    assert seeded.codes[0] not in visible_text(window)


def test_unknown_code_is_not_found(qtbot, make_kiosk, seeded) -> None:  # type: ignore[no-untyped-def]
    window = make_kiosk()
    scan(qtbot, window, "000.00.00.H49.Q01-261127-9999")
    wait_page(qtbot, window, "message")
    assert window.message_label.text() == MESSAGES[Outcome.NOT_FOUND]


def test_rapid_scans_are_slowed_down_calmly(qtbot, make_kiosk, seeded) -> None:  # type: ignore[no-untyped-def]
    window = make_kiosk()
    outcomes = []
    window.answer_did_show.connect(lambda a: outcomes.append(a.outcome))
    for i in range(BURST_LIMIT + 2):
        code = (
            seeded.codes[i % len(seeded.codes)] if i % 2 else f"000.00.00.H49.Q01-261127-{9000 + i}"
        )
        scan(qtbot, window, code)
        qtbot.waitUntil(lambda n=i: len(outcomes) == n + 1, timeout=10_000)
    assert outcomes[-1] is Outcome.TOO_FAST
    assert window.message_label.text() == MESSAGES[Outcome.TOO_FAST]


def test_scans_while_busy_answer_the_last(qtbot, make_kiosk, seeded) -> None:  # type: ignore[no-untyped-def]
    window = make_kiosk()
    for code in seeded.codes[:4]:
        window.submit_scan(code)
    qtbot.waitUntil(
        lambda: window.page == "answer" and window.fields["code"].text() == seeded.codes[3],
        timeout=10_000,
    )


def test_back_to_idle_after_the_timeout(qtbot, make_kiosk, seeded) -> None:  # type: ignore[no-untyped-def]
    window = make_kiosk(idle_s=0.4)
    scan(qtbot, window, seeded.codes[0])
    wait_page(qtbot, window, "answer")
    assert window.fields["code"].text() == seeded.codes[0]
    wait_page(qtbot, window, "idle")
    assert all(not label.text() for label in window.fields.values())
    scan(qtbot, window, "junk")
    wait_page(qtbot, window, "message")
    wait_page(qtbot, window, "idle")


def test_rating_after_hand_back(qtbot, make_kiosk, services, seeded) -> None:  # type: ignore[no-untyped-def]
    code = seeded.codes[4]
    services.dossiers.hand_back(code, clerk=seeded.clerks["an"], force=True)
    window = make_kiosk()
    scan(qtbot, window, code)
    wait_page(qtbot, window, "answer")
    assert window.rate_button.isVisible()
    assert not window.fields["collect_at"].isVisible()
    qtbot.mouseClick(window.rate_button, Qt.MouseButton.LeftButton)
    wait_page(qtbot, window, "rating")
    assert not window.send_button.isEnabled()
    qtbot.mouseClick(window.score_buttons[RatingScore.SATISFIED], Qt.MouseButton.LeftButton)
    assert window.send_button.isEnabled()
    window.comment_edit.setFocus()
    type_text(qtbot, window.comment_edit, "Hướng dẫn tận tình")
    with qtbot.waitSignal(window.rating_did_save, timeout=10_000):
        qtbot.mouseClick(window.send_button, Qt.MouseButton.LeftButton)
    wait_page(qtbot, window, "thanks")
    with services.db.read() as s:
        rating = s.scalars(select(Rating).order_by(Rating.id.desc())).first()
        assert rating is not None
        assert (rating.score, rating.comment) == (2, "Hướng dẫn tận tình")
        outbox = s.scalar(select(OutboxEntry).where(OutboxEntry.entity_uuid == rating.uuid))
        assert outbox is not None and outbox.entity == "rating"
    # Rated once: the same receipt scanned again offers no second rating.
    scan(qtbot, window, code)
    qtbot.waitUntil(lambda: window.page == "answer", timeout=10_000)
    assert not window.rate_button.isVisible()


def test_rating_can_be_skipped(qtbot, make_kiosk, services, seeded) -> None:  # type: ignore[no-untyped-def]
    code = seeded.codes[3]
    services.dossiers.hand_back(code, clerk=seeded.clerks["an"], force=True)
    window = make_kiosk()
    scan(qtbot, window, code)
    wait_page(qtbot, window, "answer")
    window.show_rating()
    window.choose_score(RatingScore.VERY_SATISFIED)
    window.go_idle()
    assert window.page == "idle"
    with services.db.read() as s:
        assert len(s.scalars(select(Rating)).all()) == 1  # only the seed's


def test_leaving_needs_the_admin_pin(qtbot, make_kiosk) -> None:  # type: ignore[no-untyped-def]
    window = make_kiosk()
    window.close()
    assert window.isVisible()
    window.ask_pin()
    dialog = window.pin_dialog
    assert dialog is not None
    dialog.edit.setText("0000")
    dialog.accept()
    assert window.isVisible()
    assert window.message_label.text() == "Mã PIN không đúng."
    window.ask_pin()
    dialog = window.pin_dialog
    assert dialog is not None
    for digit in PIN:
        dialog._press(digit)
    dialog.accept()
    assert not window.isVisible()


def test_too_many_wrong_pins_lock_the_exit(make_kiosk) -> None:  # type: ignore[no-untyped-def]
    window = make_kiosk()
    for _ in range(5):
        assert not window.check_pin("1111")
    assert not window.check_pin(PIN)
    window.ask_pin()
    assert window.pin_dialog is None
    assert "Tạm khoá" in window.message_label.text()


def test_markup_from_the_server_is_shown_as_typed(qtbot, make_kiosk, services, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A procedure name holding HTML, fetched from the real reference server, stays plain text."""
    from dataclasses import replace

    from counter_app.kiosk import KioskService
    from counter_app.verification import lookup_url
    from tests.counter_app.server.tenancy_support import UNIT_A, Client, dossier, item
    from tests.counter_app.sync.harness import start_server

    server = start_server(f"sqlite:///{tmp_path / 'server.sqlite3'}", UNIT_A)
    try:
        html = "<b>Đậm</b> <a href='https://example.com'>bấm</a><img src='x'>"
        payload = dossier(UNIT_A, 42, procedure_name=html)
        assert Client(server.url, server.token).push(item("dossier", payload))[0]["status"] == (
            "accepted"
        )
        settings = replace(
            services.settings, sync=replace(services.settings.sync, server_url=server.url)
        )
        window = make_kiosk(kiosk=KioskService(services.dossiers, settings))
        url = lookup_url(settings.lookup_base_url, payload["code"], payload["uuid"])
        with qtbot.waitSignal(window.answer_did_show, timeout=10_000) as blocker:
            scan(qtbot, window, url)
        assert blocker.args[0].outcome is Outcome.FOUND
        wait_page(qtbot, window, "answer")
        assert window.fields["procedure"].text() == html
        for label in window.findChildren(QLabel):
            assert label.textFormat() == Qt.TextFormat.PlainText, label.objectName()
    finally:
        server.stop()
        server.store.close()
