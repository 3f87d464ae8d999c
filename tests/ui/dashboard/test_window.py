"""The supervisor's dashboard, offscreen: figures equal independent counts, drill-down, exports."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pypdf
import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt

from counter_app.auth import system_actor
from counter_app.domain import Role
from counter_app.intake import ApplicantDraft, DossierDraft
from counter_app.reports import Figure
from tests.conftest import make_services
from tests.counter_app.reports.expected import expected
from tests.counter_app.reports.seed import seed
from ui.dashboard.window import DashboardWindow

DAY = date(2026, 11, 27)


def number(tile: Any) -> int:
    return int(tile.value.text().replace(".", ""))


def table_counts(table: Any) -> dict[str, int]:
    return {table.key_at(r): table.count_at(r) for r in range(table.rowCount())}


@pytest.fixture
def open_dashboard(qtbot, ops) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    made: list[DashboardWindow] = []

    def open_(services: Any, **kw: Any) -> DashboardWindow:
        kw.setdefault("user", system_actor(Role.SUPERVISOR))
        window = DashboardWindow(services, None, ops=ops, **kw)
        qtbot.addWidget(window)
        with qtbot.waitSignal(window.report_did_load, timeout=15_000):
            window.show()
        made.append(window)
        return window

    yield open_
    for window in made:
        window.timer.stop()
    qtbot.waitUntil(lambda: ops.pending == 0, timeout=15_000)


def check_figures(window: DashboardWindow, want: dict[str, Any]) -> None:
    tiles = window.tiles
    assert number(tiles[Figure.TOTAL]) == want["total"]
    assert number(tiles[Figure.SUPPLEMENT]) == want["supplement_requests"]
    assert number(tiles[Figure.REFUSAL]) == want["refusals"]
    assert number(tiles[Figure.OVERDUE]) == want["overdue"]
    assert number(tiles[Figure.DUE_TODAY]) == want["due_today"]
    assert number(tiles[Figure.PENDING_SYNC]) == want["pending_sync"]
    assert number(tiles[Figure.RATINGS]) == want["ratings"]["total"]
    assert table_counts(window.tables[Figure.PROCEDURE]) == want["by_procedure"]
    assert table_counts(window.tables[Figure.SECTOR]) == want["by_sector"]
    assert table_counts(window.tables[Figure.COUNTER]) == want["by_counter"]
    assert table_counts(window.tables[Figure.CLERK]) == want["by_clerk"]
    assert {f"{h:02d}": n for h, n in window.chart.counts.items()} == want["by_hour"]


def test_figures_equal_independent_counts(services, clock, open_dashboard) -> None:  # type: ignore[no-untyped-def]
    seed(services, clock)
    window = open_dashboard(services)
    check_figures(window, expected(services, DAY, DAY, clock.now, counter_no=1))
    assert "Chỉ quầy số 1" in window.scope_banner.text()


def test_date_range(qtbot, services, clock, open_dashboard) -> None:  # type: ignore[no-untyped-def]
    seed(services, clock)
    window = open_dashboard(services)
    with qtbot.waitSignal(window.report_did_load, timeout=15_000):
        window.show_month()
    assert window.period.start == date(2026, 11, 1)
    check_figures(window, expected(services, date(2026, 11, 1), DAY, clock.now, counter_no=1))
    with qtbot.waitSignal(window.report_did_load, timeout=15_000):
        window.set_period(date(2026, 11, 20), date(2026, 11, 26))
    check_figures(
        window, expected(services, date(2026, 11, 20), date(2026, 11, 26), clock.now, counter_no=1)
    )
    assert sum(table_counts(window.tables[Figure.DAY]).values()) == 2


def test_drill_down_from_tiles_chart_and_tables(qtbot, services, clock, open_dashboard) -> None:  # type: ignore[no-untyped-def]
    seed(services, clock)
    window = open_dashboard(services)
    with qtbot.waitSignal(window.drill_did_open, timeout=15_000) as blocker:
        qtbot.mouseClick(window.tiles[Figure.TOTAL], Qt.MouseButton.LeftButton)
    dialog = blocker.args[0]
    assert dialog.model.rowCount() == number(window.tiles[Figure.TOTAL])
    dialog.close()
    table = window.tables[Figure.PROCEDURE]
    for row in range(table.rowCount()):
        with qtbot.waitSignal(window.drill_did_open, timeout=15_000) as blocker:
            table.row_activated.emit(table.key_at(row))
        assert blocker.args[0].model.rowCount() == table.count_at(row)
        blocker.args[0].close()
    with qtbot.waitSignal(window.drill_did_open, timeout=15_000) as blocker:
        window.chart.hour_clicked.emit(7)
    assert blocker.args[0].model.rowCount() == window.chart.counts[7] == 2
    blocker.args[0].close()
    for figure in (Figure.OVERDUE, Figure.SUPPLEMENT, Figure.REFUSAL, Figure.RATINGS):
        with qtbot.waitSignal(window.drill_did_open, timeout=15_000) as blocker:
            window.tiles[figure].tile_clicked.emit()
        assert blocker.args[0].model.rowCount() == number(window.tiles[figure])
        blocker.args[0].close()


def test_refreshes_on_its_own(qtbot, services, clock, open_dashboard) -> None:  # type: ignore[no-untyped-def]
    seeded = seed(services, clock)
    window = open_dashboard(services, refresh_ms=150)
    before = number(window.tiles[Figure.TOTAL])
    clock.now = datetime(2026, 11, 27, 16, 20)
    services.intake.receive(
        DossierDraft("2.000815", ApplicantDraft(name="Cao Văn Sơn", id_number="022090099999")),
        clerk=seeded.clerks["an"],
    )
    qtbot.waitUntil(lambda: number(window.tiles[Figure.TOTAL]) == before + 1, timeout=15_000)
    assert window.chart.counts[16] == 1


def test_exports_agree_with_the_screen(
    qtbot, services, clock, open_dashboard, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    seed(services, clock)
    window = open_dashboard(services)
    total = number(window.tiles[Figure.TOTAL])
    xlsx, pdf, register = tmp_path / "r.xlsx", tmp_path / "r.pdf", tmp_path / "so.pdf"
    for export, path in (
        (window.export_xlsx, xlsx),
        (window.export_pdf, pdf),
        (window.export_register, register),
    ):
        with qtbot.waitSignal(window.export_did_finish, timeout=30_000):
            export(path)
        assert path.exists()
    book = load_workbook(xlsx, read_only=True)
    summary = {r[0]: r[1] for r in book["Tổng hợp"].iter_rows(values_only=True) if r and r[0]}
    book.close()  # read-only workbooks keep the file open until closed
    assert summary["Tổng số hồ sơ tiếp nhận"] == total
    lines = [ln.strip() for p in pypdf.PdfReader(pdf).pages for ln in p.extract_text().splitlines()]
    assert lines[lines.index("Tổng số hồ sơ tiếp nhận") + 1] == str(total)
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(register).pages)
    assert "SỔ THEO DÕI HỒ SƠ" in text and f"Tổng số: {total} hồ sơ." in text


@pytest.mark.postgres
def test_shared_postgres_dashboard_sees_both_counters(  # type: ignore[no-untyped-def]
    qtbot, pg_url, clock, app_home, open_dashboard
) -> None:
    one = make_services(pg_url, clock, counter_no=1)
    two = make_services(pg_url, clock, counter_no=2)
    try:
        seed(one, clock)
        seeded_two = seed(two, clock, offset=100)
        window = open_dashboard(one, refresh_ms=150)
        assert table_counts(window.tables[Figure.COUNTER]) == {"1": 6, "2": 6}
        assert "Toàn trung tâm" in window.scope_banner.text()
        check_figures(window, expected(one, DAY, DAY, clock.now))
        # Counter 2 keeps writing; counter 1's dashboard sees it on its next refresh.
        clock.now = datetime(2026, 11, 27, 16, 30)
        two.intake.receive(
            DossierDraft("1.001193", ApplicantDraft(name="Lý Thị Mai", id_number="022190088888")),
            clerk=seeded_two.clerks["binh"],
        )
        qtbot.waitUntil(
            lambda: table_counts(window.tables[Figure.COUNTER]) == {"1": 6, "2": 7}, timeout=15_000
        )
        window.timer.stop()
        qtbot.waitUntil(lambda: not window._loading, timeout=15_000)
        with qtbot.waitSignal(window.report_did_load, timeout=15_000):
            window.refresh()
        check_figures(window, expected(one, DAY, DAY, clock.now))
    finally:
        qtbot.waitUntil(lambda: not window._loading, timeout=15_000)
        one.close()
        two.close()


def test_supervisor_opens_it_from_the_counter_window(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    from counter_app.domain import Role

    main = make_window(Role.SUPERVISOR)
    action = main.findChild(type(main.actions()[0]), "dashboardAction")
    assert action is not None and action.isEnabled()
    action.trigger()
    dashboard = main.dashboard
    assert isinstance(dashboard, DashboardWindow)
    assert dashboard.ops is main.ops  # the counter window's one worker
    qtbot.waitUntil(lambda: dashboard.report is not None, timeout=15_000)
    assert dashboard.report is not None and dashboard.report.total == 0
    dashboard.timer.stop()
    dashboard.close()
