"""Years without an announcement of days off: the law's own days stay "law", the guessed Tết and
2/9 days are estimates and every appointment counted over such a year says so; a loaded file
(here a test fixture for 2027) replaces the estimates; 24/11 is not off unless a file says so."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

from counter_app.auth import system_actor
from counter_app.calendar import (
    LAW_COMPENSATION_REFERENCE,
    LAW_REFERENCE,
    DayKind,
    DaySource,
    WorkingCalendar,
    _not_in_force,
)
from counter_app.domain import local_now
from counter_app.intake import ApplicantDraft, DossierDraft
from counter_app.official_calendar import read_calendar_file
from tests.conftest import FIXTURES
from tests.helpers.cli import Cli

OFFICIAL_2027 = FIXTURES / "calendar_2027.json"  # a made-up announcement, for tests only


def test_the_law_fixes_its_days_by_itself() -> None:
    cal = WorkingCalendar()
    for day in (date(2027, 1, 1), date(2027, 4, 16), date(2027, 4, 30), date(2027, 9, 2)):
        base = cal.base_holiday(day)
        assert base is not None and base.source is DaySource.LAW and base.reference == LAW_REFERENCE
        assert not cal.is_estimate(day) and not cal.is_working_day(day)
    # 30/4/2027 is a Friday: off by law, no substitute; 1/5/2027 a Saturday → Monday 3/5.
    assert cal.is_working_day(date(2027, 4, 29))
    sub = cal.base_holiday(date(2027, 5, 3))
    assert sub is not None and sub.source is DaySource.LAW
    # 2/9/2029 is a Sunday: Điều 111 khoản 3 gives Monday 3/9 off, whatever the announcement.
    sub = cal.base_holiday(date(2029, 9, 3))
    assert sub is not None and (sub.source, sub.reference) == (
        DaySource.LAW,
        LAW_COMPENSATION_REFERENCE,
    )
    assert sub.name == "Quốc khánh (nghỉ bù)"
    # 30/4/2028 is a Sunday and 1/5 is a holiday too: the substitute is Tuesday 2/5.
    sub = cal.base_holiday(date(2028, 5, 2))
    assert sub is not None and sub.source is DaySource.LAW
    # An announced year keeps the law's days (they are not estimates).
    assert WorkingCalendar(official_years=[2029]).base_holiday(date(2029, 9, 3)) == sub.__class__(
        "Quốc khánh (nghỉ bù)", DaySource.LAW, LAW_COMPENSATION_REFERENCE
    )


def test_tet_and_the_day_next_to_2_9_are_estimates_until_announced() -> None:
    guessed = WorkingCalendar()
    tet = [date(2027, 2, d) for d in range(4, 11)]
    assert all(guessed.is_estimate(d) for d in tet)
    assert not any(guessed.is_working_day(d) for d in tet)  # still counted off: Tết is not ignored
    assert guessed.is_estimate(date(2027, 9, 3))
    assert guessed.estimated_years(datetime(2026, 12, 28, 9), date(2027, 2, 15)) == (2026, 2027)
    announced = WorkingCalendar(official_years=[2026, 2027])
    assert announced.estimated_years(datetime(2026, 12, 28, 9), date(2027, 2, 15)) == ()
    # An announced year has no estimates: its file's days (exceptions) say which days are off.
    assert announced.base_holiday(date(2027, 2, 8)) is None
    assert announced.is_working_day(date(2027, 2, 8))


def test_24_11_is_not_a_day_off_by_default() -> None:
    cal = WorkingCalendar()
    for day in (date(2026, 11, 24), date(2027, 11, 24), date(2028, 11, 24)):
        assert cal.base_holiday(day) is None and cal.is_working_day(day)
    # 24/11/2029 is a Saturday: the package's Monday substitute is dropped too.
    assert cal.is_working_day(date(2029, 11, 26))
    # By date or by name, whatever the package calls it or where it puts it.
    assert _not_in_force(date(2031, 11, 24), "Ngày hội")
    assert _not_in_force(date(2031, 12, 1), "Ngày Văn hoá Việt Nam (nghỉ bù)")
    assert not _not_in_force(date(2028, 9, 4), "Quốc khánh (nghỉ bù)")


def test_intake_over_tet_2027_is_estimated_until_the_file_is_loaded(
    services: Any, clock: Any
) -> None:
    services.load_bundled_calendar()
    draft = DossierDraft(
        procedure_code="2.000908",  # 3 working days
        applicant=ApplicantDraft("Phạm Thị Hồng Nhung", "022190001111", phone="0912345678"),
    )
    inside = services.intake.receive(draft, clerk=system_actor())  # Friday 27/11/2026
    assert inside.appointment == datetime(2026, 12, 2, 9) and inside.estimated_years == ()
    assert inside.estimate_warning == ""
    clock.now = datetime(2027, 2, 3, 9, 0)  # the Wednesday before Tết Đinh Mùi
    over = services.intake.receive(draft, clerk=system_actor())
    # The guessed Tết is off (4–10/2): Thursday 11, Friday 12, Monday 15.
    assert over.appointment == datetime(2027, 2, 15, 9) and over.estimated_years == (2027,)
    assert "ước tính năm 2027" in over.estimate_warning
    preview = services.intake.preview("2.000908", datetime(2027, 2, 2, 9))  # Tuesday
    assert preview.at == datetime(2027, 2, 12, 9) and preview.estimated_years == (2027,)

    services.centre.load_official(read_calendar_file(OFFICIAL_2027), by=system_actor())
    services.reload_centre()
    # The file's Tết (6–14/2) replaces the guess: Thursday 4 and Friday 5 are working days.
    preview = services.intake.preview("2.000908", datetime(2027, 2, 2, 9))
    assert preview.at == datetime(2027, 2, 5, 9) and preview.estimated_years == ()
    days = {d.day: d for d in services.centre.year_days(2027)}
    assert all(d.source in ("official", "law") for d in days.values())
    assert date(2027, 2, 4) not in days and days[date(2027, 2, 12)].source == "official"


def _days(shown: Any) -> dict[str, dict[str, Any]]:
    return {d["day"]: d for d in shown["days"]}


def _json(cli: Cli, *args: str) -> Any:
    return cli.json(*args)


def test_cli_says_when_an_appointment_is_an_estimate(tmp_path: Path) -> None:
    cli = Cli.ready(tmp_path / "home", backdate=True)
    due = ("due-date", "--working-days", "1", "--received")
    # Wholly within 2026 (announced, shipped with the app): no warning; 24/11/2026 is worked.
    out = _json(cli, *due, "2026-11-23T09:00")
    assert out["appointment"] == "2026-11-24T09:00:00"
    assert (out["calendar_estimated"], out["estimated_years"]) == (False, [])
    assert cli(*due, "2026-11-23T09:00").stdout == "09:00 24/11/2026\n"
    # Over the guessed Tết 2027 (4–10/2): counted off, and said to be a guess.
    out = _json(cli, *due, "2027-02-03T09:00")
    assert out["appointment"] == "2027-02-11T09:00:00"
    assert (out["calendar_estimated"], out["estimated_years"]) == (True, [2027])
    lines = cli(*due, "2027-02-03T09:00").stdout.splitlines()
    assert lines == [
        "09:00 11/02/2027",
        "Lưu ý: ngày hẹn tính theo lịch nghỉ ước tính năm 2027 (chưa có thông báo chính thức), "
        "có thể thay đổi.",
    ]
    assert _json(cli, *due, "2027-11-23T09:00")["appointment"] == "2027-11-24T09:00:00"

    # Intake: the receipt's JSON and text say it too; within 2026 they do not.
    def intake(received: str, n: int, *extra: str) -> Any:
        return cli(
            "intake", "--procedure", "1.001699", "--name", "Phạm Thị Hồng Nhung",
            "--id-number", f"02219000{n:04d}", "--received", received, *extra,
        )  # fmt: skip

    late = json.loads(intake("2026-12-01T09:00", 1, "--json").stdout)  # 25 working days
    assert late["appointment"].startswith("2027-01-")
    assert (late["calendar_estimated"], late["estimated_years"]) == (True, [2027])
    assert "ước tính năm 2027" in intake("2026-12-01T09:30", 2).stdout
    early = json.loads(intake("2026-10-01T09:00", 3, "--json").stdout)
    assert early["appointment"].startswith("2026-11-")
    assert (early["calendar_estimated"], early["estimated_years"]) == (False, [])
    assert "ước tính" not in intake("2026-10-01T09:30", 4).stdout

    # calendar show: law (with its article), official (with its document), estimate (a note).
    shown = _json(cli, "calendar", "show", "--year", "2027")
    assert (shown["official"], shown["calendar_estimated"]) == (False, True)
    days = _days(shown)
    assert days["2027-02-08"]["source"] == "estimate" and days["2027-02-08"]["reference"] == ""
    assert "ước tính, chưa có thông báo chính thức năm 2027" in days["2027-02-08"]["note"]
    assert (days["2027-04-30"]["source"], days["2027-04-30"]["reference"]) == ("law", LAW_REFERENCE)
    assert days["2027-05-03"]["reference"] == LAW_COMPENSATION_REFERENCE
    assert "2027-11-24" not in days
    text = cli("calendar", "show", "--year", "2027").stdout
    assert "Chưa có lịch nghỉ chính thức năm 2027" in text
    assert "Thứ Hai 08/02/2027: Nghỉ. Mùng ba Tết Nguyên Đán (ước tính, " in text
    assert "Thứ Sáu 30/04/2027: Nghỉ. Ngày Chiến thắng — Bộ luật Lao động 2019, Điều 112" in text
    law_2029 = _days(_json(cli, "calendar", "show", "--year", "2029"))
    assert law_2029["2029-09-02"]["source"] == "law" and not law_2029["2029-09-02"]["working"]
    assert law_2029["2029-09-03"]["source"] == "law"  # the Sunday's substitute, by law
    assert law_2029["2029-09-04"]["source"] == "estimate"  # the adjacent day's, by guess
    assert "2029-11-26" not in law_2029
    official_2026 = _json(cli, "calendar", "show", "--year", "2026")
    assert official_2026["official"] and "2026-11-24" not in _days(official_2026)

    # doctor: this year and the next without an announcement.
    today = local_now().date()
    ahead = [y for y in (today.year, today.year + 1) if y > 2026]
    report = _json(cli, "doctor", "--no-printers")
    assert report["calendar"]["estimated_years"] == ahead
    assert report["calendar"]["official_years"] == [2025, 2026]
    doctor_text = cli("doctor", "--no-printers").stdout.lower()
    for year in ahead:
        assert f"chưa có lịch nghỉ chính thức năm {year}" in doctor_text

    # dossier extend into 2027: said too.
    code = late["code"]
    out = _json(
        cli, "dossier", "extend", code, "--extra-working-days", "45", "--reason", "Xác minh"
    )
    assert out["calendar_estimated"] and 2027 in out["estimated_years"]

    # The announcement arrives: the file's days replace the guesses, nothing is an estimate.
    loaded = _json(cli, "calendar", "load", str(OFFICIAL_2027))
    assert loaded == {"year": 2027, "days": 17, "now_working": []}  # it has Tết and 3/9
    out = _json(cli, *due, "2027-02-03T09:00")
    assert out["appointment"] == "2027-02-04T09:00:00"  # Tết 2027 starts on 6/2 in this file
    assert (out["calendar_estimated"], out["estimated_years"]) == (False, [])
    assert cli(*due, "2027-02-03T09:00").stdout == "09:00 04/02/2027\n"
    # 24/11/2027 is off because the loaded file says so.
    assert _json(cli, *due, "2027-11-23T09:00")["appointment"] == "2027-11-25T09:00:00"
    shown = _json(cli, "calendar", "show", "--year", "2027")
    assert (shown["official"], shown["calendar_estimated"]) == (True, False)
    days = _days(shown)
    assert {d["source"] for d in days.values()} == {"official"}
    assert "2027-02-04" not in days and days["2027-11-24"]["working"] is False
    assert "Chưa có lịch nghỉ" not in cli("calendar", "show", "--year", "2027").stdout
    assert 2027 not in _json(cli, "doctor", "--no-printers")["calendar"]["estimated_years"]
    again = json.loads(intake("2026-12-01T10:00", 5, "--json").stdout)
    assert (again["calendar_estimated"], again["estimated_years"]) == (False, [])


def test_a_database_from_before_keeps_its_announced_years(services: Any) -> None:
    from sqlalchemy import delete

    from counter_app.db.models import CentreSetting

    services.load_bundled_calendar()
    assert services.centre.official_years() == {2025, 2026}
    with services.db.write() as s:  # as a database written before the years were recorded
        s.execute(delete(CentreSetting).where(CentreSetting.key == "official_calendar_years"))
    # The years some announced day (with its document) was loaded for: the bundled files' years.
    assert services.centre.official_years() == {2025, 2026}
    services.centre.load_official(read_calendar_file(OFFICIAL_2027), by=system_actor())
    assert services.centre.official_years() == {2025, 2026, 2027}
    # A day set by hand (no document) does not make its year official.
    services.centre.set_exception(date(2028, 3, 6), DayKind.OFF, "Bão", by=system_actor())
    assert 2028 not in services.centre.official_years()
