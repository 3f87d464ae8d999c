"""The official calendar as data: shipped announcements, loading a new year, the server's feed,
and the appointment around every official swap of 2025–2026."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from counter_app.auth import system_actor
from counter_app.calendar import DayKind, WorkingCalendar
from counter_app.calendar import ProcessingUnit as U
from counter_app.official_calendar import (
    CalendarFileError,
    bundled_calendars,
    parse_calendar,
    read_calendar_file,
)
from tests.helpers.cli import Cli


def _bundled() -> dict[date, Any]:
    return {d.day: d for c in bundled_calendars() for d in c.days}


def test_shipped_files_cover_2025_and_2026_with_a_reference_for_every_day() -> None:
    calendars = bundled_calendars()
    assert [c.year for c in calendars] == [2025, 2026]
    days = _bundled()
    assert all(d.reference.strip() for d in days.values())
    # The swaps, each with its document.
    assert days[date(2026, 1, 2)].kind is DayKind.OFF
    assert days[date(2026, 1, 10)].kind is DayKind.WORK
    assert "12729/VPCP-KGVX" in days[date(2026, 1, 10)].reference
    assert days[date(2026, 1, 10)].confirmed
    assert days[date(2025, 4, 26)].kind is DayKind.WORK
    assert days[date(2025, 5, 2)].kind is DayKind.OFF
    assert days[date(2026, 8, 22)].kind is DayKind.WORK
    assert days[date(2026, 8, 31)].kind is DayKind.OFF
    assert days[date(2026, 4, 27)].kind is DayKind.OFF
    for d in (date(2025, 1, 25), date(2025, 2, 2), date(2026, 2, 14), date(2026, 2, 22)):
        assert days[d].kind is DayKind.OFF  # Tết, all nine days
    # What could not be confirmed says so in the data, not only in SOURCES.md.
    assert not days[date(2026, 8, 22)].confirmed
    assert date(2026, 11, 24) not in days


# (received, working days, expected appointment): every official swap of 2025 and 2026.
SWAPS = [
    # Tết Ất Tỵ 25/01–02/02/2025.
    (datetime(2025, 1, 24, 9), 1, datetime(2025, 2, 3, 9)),
    # Saturday 26/04/2025 worked for Friday 02/05/2025; 30/04–04/05 off.
    (datetime(2025, 4, 25, 9), 1, datetime(2025, 4, 26, 9)),
    (datetime(2025, 4, 24, 9), 3, datetime(2025, 4, 28, 9)),
    (datetime(2025, 4, 29, 9), 1, datetime(2025, 5, 5, 9)),
    (datetime(2025, 4, 29, 9), 2, datetime(2025, 5, 6, 9)),
    # Quốc khánh 2025: 01–02/09 off.
    (datetime(2025, 8, 29, 9), 1, datetime(2025, 9, 3, 9)),
    # New Year 2026: Thursday 01/01 – Sunday 04/01 off, Saturday 10/01 worked (12729/VPCP-KGVX).
    (datetime(2025, 12, 31, 9), 1, datetime(2026, 1, 5, 9)),
    (datetime(2025, 12, 31, 9), 2, datetime(2026, 1, 6, 9)),
    (datetime(2026, 1, 9, 9), 1, datetime(2026, 1, 10, 9)),
    (datetime(2026, 1, 8, 14), 2, datetime(2026, 1, 10, 14)),
    (datetime(2026, 1, 10, 8), 1, datetime(2026, 1, 12, 8)),  # received on the make-up day
    # Tết Bính Ngọ 14/02–22/02/2026.
    (datetime(2026, 2, 13, 9), 1, datetime(2026, 2, 23, 9)),
    # Giỗ Tổ on Sunday 26/04/2026: Monday 27/04 off; 30/04–01/05 off.
    (datetime(2026, 4, 24, 9), 1, datetime(2026, 4, 28, 9)),
    (datetime(2026, 4, 29, 9), 1, datetime(2026, 5, 4, 9)),
    # Saturday 22/08/2026 worked for Monday 31/08/2026; 29/08–02/09 off.
    (datetime(2026, 8, 21, 9), 1, datetime(2026, 8, 22, 9)),
    (datetime(2026, 8, 20, 9), 2, datetime(2026, 8, 22, 9)),
    (datetime(2026, 8, 28, 9), 1, datetime(2026, 9, 3, 9)),
]


@pytest.mark.parametrize(("received", "days", "expected"), SWAPS)
def test_appointment_around_every_official_swap(
    services: Any, received: datetime, days: int, expected: datetime
) -> None:
    assert services.load_bundled_calendar() > 0
    assert services.calendar().due(received, days, U.WORKING_DAYS) == expected


def test_without_the_shipped_days_the_swaps_were_wrong() -> None:
    """What the issue saw on main: the `holidays` base alone misses the make-up days."""
    base = WorkingCalendar()
    assert base.due(datetime(2026, 1, 9, 9), 1, U.WORKING_DAYS) == datetime(2026, 1, 12, 9)
    assert base.is_working_day(date(2026, 1, 2))
    assert not base.is_working_day(date(2026, 8, 22))


def test_init_loads_once_and_never_overwrites_a_local_day(services: Any) -> None:
    services.centre.set_exception(
        date(2026, 1, 10), DayKind.OFF, "Trung tâm nghỉ", by=system_actor()
    )
    added = services.load_bundled_calendar()
    assert added == len(_bundled()) - 1
    assert services.load_bundled_calendar() == 0  # safe to run twice
    days = {d.day: d for d in services.centre.year_days(2026)}
    assert days[date(2026, 1, 10)].kind is DayKind.OFF and days[date(2026, 1, 10)].source == "local"
    assert days[date(2026, 8, 22)].working and "Quốc khánh" in days[date(2026, 8, 22)].reference
    assert date(2026, 11, 24) not in days  # not in force: resources/calendar/SOURCES.md


def _file(tmp_path: Path, days: list[dict[str, Any]], year: int = 2027) -> Path:
    path = tmp_path / f"{year}.json"
    doc = {"format": "counter-app-calendar/1", "year": year, "days": days}
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


GOOD_2027 = [
    {"day": "2027-01-01", "kind": "off", "note": "Tết Dương lịch", "reference": "BLLĐ 2019"},
    {"day": "2027-10-09", "kind": "work", "note": "Làm bù", "reference": "Văn bản 1/VPCP-KGVX"},
]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"kind": "holiday"}, "dòng 13, trường «kind»"),
        ({"reference": ""}, "dòng 15, trường «reference»"),
        ({"day": "2026-10-09"}, "dòng 12, trường «day»: ngày 09/10/2026 không thuộc năm 2027"),
        ({"day": "09/10/2027"}, "dòng 12, trường «day»"),
        ({"day": "2027-01-01"}, "dòng 12, trường «day»: ngày 01/01/2027 đã có ở mục thứ 1"),
        ({"confirmed": "có"}, "dòng 16, trường «confirmed»"),
    ],
)
def test_a_bad_file_names_line_and_field(
    tmp_path: Path, change: dict[str, Any], expected: str
) -> None:
    path = _file(tmp_path, [GOOD_2027[0], {**GOOD_2027[1], **change}])
    with pytest.raises(CalendarFileError) as info:
        read_calendar_file(path)
    assert expected in str(info.value)
    assert str(info.value).startswith("Tệp 2027.json")


def test_broken_json_names_its_line() -> None:
    with pytest.raises(CalendarFileError, match="dòng 3: không phải JSON hợp lệ"):
        parse_calendar('{\n "year": 2027,\n "days": [,]\n}')
    with pytest.raises(CalendarFileError, match="trường «year»"):
        parse_calendar('{"year": "2027", "days": []}')


def test_admin_loads_a_new_year_from_the_command_line(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "home")
    cli("init")
    # A make-up Saturday of 2027: before loading, the next working day after Friday is Monday.
    args = ("due-date", "--received", "2027-10-08T09:00", "--working-days", "1", "--json")
    assert json.loads(cli(*args).stdout)["appointment"] == "2027-10-11T09:00:00"
    bad = _file(tmp_path, [GOOD_2027[0], {**GOOD_2027[1], "kind": "làm bù"}])
    result = cli("calendar", "load", str(bad), ok=False)
    assert result.returncode != 0
    assert "Tệp 2027.json, dòng 13, trường «kind»" in result.stderr
    shown = json.loads(cli("calendar", "show", "--year", "2027", "--json").stdout)
    assert [d["day"] for d in shown["days"] if d["source"] == "official"] == []  # nothing written
    good = _file(tmp_path, GOOD_2027)
    assert json.loads(cli("calendar", "load", str(good), "--json").stdout) == {
        "year": 2027,
        "days": 2,
        # The file is 2027's announcement now, and it has no Tết, no day next to 2/9: the
        # guessed ones become working days, and the admin is told which.
        "now_working": [
            "2027-02-04", "2027-02-05", "2027-02-08", "2027-02-09", "2027-02-10", "2027-09-03",
        ],
    }  # fmt: skip
    again = cli("calendar", "load", str(good)).stdout
    assert "Lưu ý: tệp không có ngày nào gần các ngày 04/02, 05/02, 08/02, 09/02, 10/02, " in again
    assert json.loads(cli(*args).stdout)["appointment"] == "2027-10-09T09:00:00"
    shown = json.loads(cli("calendar", "show", "--year", "2027", "--json").stdout)
    work = [d for d in shown["days"] if d["day"] == "2027-10-09"]
    assert work == [
        {
            "day": "2027-10-09",
            "kind": "work",
            "working": True,
            "note": "Làm bù",
            "reference": "Văn bản 1/VPCP-KGVX",
            "holiday": None,
            "source": "official",
        }
    ]
    text = cli("calendar", "show", "--year", "2026").stdout
    assert "Thứ Bảy 10/01/2026: Làm việc (làm bù)" in text
    assert "Văn bản 12729/VPCP-KGVX ngày 25/12/2025" in text
