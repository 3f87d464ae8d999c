"""The register entry "Vào Sổ theo dõi hồ sơ, Quyển số … Số thứ tự …" (probe F3): one entry per
dossier, given at intake, unique in its book, printed the same on the receipt, its reprints and
the register (Mẫu 07), kept by `sync --rebuild`, never shared by two processes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, text

from counter_app.auth import system_actor
from counter_app.db.engine import Database
from counter_app.db.migrate import downgrade, upgrade
from counter_app.db.models import Dossier
from counter_app.dossier_codes import register_book
from counter_app.intake import ApplicantDraft, DossierDraft
from counter_app.reports import ReportService
from counter_app.reports.model import Period
from counter_app.reports.pdf import render_register_pdf
from counter_app.reports.xlsx import write_register_xlsx
from tests.conftest import FixedClock, make_services
from tests.counter_app.receipts.support import page_texts
from tests.counter_app.sync.harness import RefServer, engine_for

ROOT = Path(__file__).resolve().parents[2]
ACTOR = system_actor()
LINE = re.compile(r"Quyển số: (\S+), Số thứ tự: (\d+)")


def _draft(i: int) -> DossierDraft:
    return DossierDraft(
        procedure_code="2.000908",
        applicant=ApplicantDraft(name="Hoàng Văn Nam", id_number=f"0220900{i:05d}"),
    )


def _receive_on(services: Any, clock: FixedClock, days: list[datetime]) -> list[str]:
    codes = []
    for i, at in enumerate(days):
        clock.now = at
        codes.append(services.intake.receive(_draft(i), clerk=ACTOR).code)
    return codes


def _printed(services: Any, code: str, *, reprint: bool = False) -> tuple[str, int]:
    """The book and number as printed on the receipt PDF (both copies say the same)."""
    text_ = " ".join(page_texts(services.receipts.receipt_pdf(code, reprint=reprint, by=ACTOR)))
    found = set(LINE.findall(text_))
    assert len(found) == 1, found
    book, number = found.pop()
    return book, int(number)


DAYS = [
    datetime(2026, 11, 27, 9, 0),
    datetime(2026, 11, 30, 9, 0),
    datetime(2026, 11, 30, 9, 30),
    datetime(2026, 12, 1, 8, 0),
    datetime(2026, 12, 2, 8, 0),
    datetime(2026, 12, 2, 8, 30),
]


def test_two_days_of_one_month_get_different_numbers(services: Any, clock: FixedClock) -> None:
    codes = _receive_on(services, clock, DAYS)
    printed = [_printed(services, c) for c in codes]
    # Codes restart each day (…-0001), the book's numbers do not; a new month opens a new book.
    assert [c[-4:] for c in codes] == ["0001", "0001", "0002", "0001", "0001", "0002"]
    assert printed == [
        ("11/2026-Q01", 1),
        ("11/2026-Q01", 2),
        ("11/2026-Q01", 3),
        ("12/2026-Q01", 1),
        ("12/2026-Q01", 2),
        ("12/2026-Q01", 3),
    ]
    # A reprint (a day later) prints the same entry.
    clock.now = datetime(2026, 12, 3, 10, 0)
    assert _printed(services, codes[3], reprint=True) == ("12/2026-Q01", 1)


def test_the_register_prints_the_receipts_entry(
    services: Any, clock: FixedClock, tmp_path: Path
) -> None:
    codes = _receive_on(services, clock, DAYS)
    # A paper dossier of yesterday entered today: its book is yesterday's month, its number the
    # next of that book, so the register (book by book, number by number) still matches.
    clock.now = datetime(2026, 12, 1, 10, 0)
    late = services.intake.receive(
        DossierDraft(
            procedure_code="2.000908",
            applicant=ApplicantDraft(name="Lê Thị Hà", id_number="022190000077"),
            received_at=datetime(2026, 11, 30, 16, 0),
        ),
        clerk=ACTOR,
    )
    codes.append(late.code)
    receipts = {c: _printed(services, c) for c in codes}
    assert receipts[late.code] == ("11/2026-Q01", 4)

    reports = ReportService.for_services(services)
    period = Period(date(2026, 11, 27), date(2026, 12, 2))
    lines = reports.register(period, by=ACTOR)
    assert {line.code: (line.book, line.number) for line in lines} == receipts
    assert [(line.book, line.number) for line in lines] == sorted(
        receipts.values(), key=lambda e: (e[0][3:7], e[0][:2], e[1])
    )

    # The printed register (PDF and XLSX) shows the same STT beside each code, and its books.
    pdf_text = " ".join(page_texts(render_register_pdf(lines, period, reports.scope)))
    assert "Quyển số (theo tháng nhận hồ sơ): 11/2026-Q01, 12/2026-Q01" in pdf_text
    for code, (_, number) in receipts.items():
        unit, rest = code.split("-", 1)
        assert re.search(rf"\b{number} {re.escape(unit)}- ?{re.escape(rest)}", pdf_text), code
    out = write_register_xlsx(lines, period, reports.scope, tmp_path / "so.xlsx")
    ws = load_workbook(out).active
    assert ws is not None
    cells = {
        str(row[1]): str(row[0])
        for row in ws.iter_rows(values_only=True)
        if row[1] and str(row[1]) in receipts
    }
    assert cells == {code: str(number) for code, (_, number) in receipts.items()}


def test_rebuild_keeps_each_entry(
    services: Any, clock: FixedClock, server: RefServer, tmp_path: Path
) -> None:
    clock.now = datetime(2026, 11, 30, 9, 0)
    codes = _receive_on(services, clock, DAYS[1:5])
    engine = engine_for(services, server)
    assert engine.run_until_done(max_seconds=30).error == ""
    engine.close()
    before = {c: _printed(services, c) for c in codes}
    fresh = make_services(f"sqlite:///{tmp_path / 'replacement.sqlite3'}", clock)
    try:
        engine = engine_for(fresh, server)
        engine.rebuild(fresh.intake.unit_identifier())
        engine.close()
        assert {c: _printed(fresh, c) for c in codes} == before
        # The rebuilt PC carries on in the book: next number, not 1.
        nxt = fresh.intake.receive(_draft(50), clerk=ACTOR)
        assert _printed(fresh, nxt.code) == ("12/2026-Q01", 3)
    finally:
        fresh.close()


def test_rebuild_gives_entries_to_records_pushed_without_one(
    services: Any, clock: FixedClock, server: RefServer, tmp_path: Path
) -> None:
    codes = _receive_on(services, clock, DAYS[:3])
    engine = engine_for(services, server)
    assert engine.run_until_done(max_seconds=30).error == ""
    engine.close()
    # As a server that stored these records before the field existed holds them.
    with server.store.db.engine.begin() as conn:
        rows = conn.execute(text("SELECT id, payload FROM record")).fetchall()
        for rid, payload in rows:
            stripped = re.sub(r'"register_(month|no)":[^,}]*,?', "", payload)
            conn.execute(
                text("UPDATE record SET payload = :p WHERE id = :i"), {"p": stripped, "i": rid}
            )
    fresh = make_services(f"sqlite:///{tmp_path / 'replacement.sqlite3'}", clock)
    try:
        engine = engine_for(fresh, server)
        engine.rebuild(fresh.intake.unit_identifier())
        engine.close()
        assert [_printed(fresh, c) for c in codes] == [("11/2026-Q01", n) for n in (1, 2, 3)]
    finally:
        fresh.close()


def _worker(url: str, count: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.helpers.intake_worker", url, str(count), "1"],
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _check_two_processes(url: str) -> None:
    make_services(url).close()
    procs = [_worker(url, 20), _worker(url, 20)]
    for p in procs:
        _, err = p.communicate(timeout=180)
        assert p.returncode == 0, err
    db = Database(url)
    with db.read() as s:
        entries = s.execute(
            select(Dossier.unit_identifier, Dossier.register_month, Dossier.register_no)
        ).all()
    db.dispose()
    assert len(entries) == 40
    books: dict[tuple[str, date | None], list[int]] = {}
    for unit, month, number in entries:
        books.setdefault((unit, month), []).append(number)
    for numbers in books.values():  # unique and gapless in each book
        assert sorted(numbers) == list(range(1, len(numbers) + 1))


def test_two_processes_never_share_an_entry(tmp_path: Path, app_home: Path) -> None:
    _check_two_processes(f"sqlite:///{tmp_path / 'shared.sqlite3'}")


@pytest.mark.postgres
def test_two_processes_on_postgres_never_share_an_entry(pg_url: str, app_home: Path) -> None:
    _check_two_processes(pg_url)


def test_the_migration_numbers_existing_dossiers_in_order_of_receipt(
    tmp_path: Path, clock: FixedClock, app_home: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    services = make_services(url, clock)
    codes = _receive_on(services, clock, [DAYS[0], DAYS[3], DAYS[4]])
    # Entered after the 02/12 ones but received on 30/11: ids do not follow the times.
    late = services.intake.receive(
        DossierDraft(
            procedure_code="2.000908",
            applicant=ApplicantDraft(name="Lê Thị Hà", id_number="022190000077"),
            received_at=datetime(2026, 11, 30, 16, 0),
        ),
        clerk=ACTOR,
    ).code
    services.close()
    db = Database(url)
    downgrade(db, "0013")  # a database of before the entries existed
    with db.engine.connect() as conn:
        assert not conn.execute(
            text("SELECT count(*) FROM code_sequence WHERE unit_identifier LIKE '%#SO'")
        ).scalar()
    upgrade(db, backup_dir=tmp_path / "bk")
    with db.read() as s:
        got = {
            d.code: (register_book(d.unit_identifier, d.register_month), d.register_no)
            for d in s.scalars(select(Dossier))
            if d.register_month is not None
        }
    assert got == {
        codes[0]: ("11/2026-Q01", 1),
        late: ("11/2026-Q01", 2),
        codes[1]: ("12/2026-Q01", 1),
        codes[2]: ("12/2026-Q01", 2),
    }
    with db.engine.connect() as conn:
        counters = dict(
            conn.execute(
                text("SELECT day, last_value FROM code_sequence WHERE unit_identifier LIKE '%#SO'")
            ).fetchall()
        )
    assert counters == {"2026-11-01": 2, "2026-12-01": 2}
    db.dispose()
    # The next intake carries on in the book.
    again = make_services(url, clock)
    try:
        assert again.intake.receive(_draft(60), clerk=ACTOR).register_no == 3
    finally:
        again.close()
