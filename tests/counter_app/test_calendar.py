"""Working calendar and appointment dates, on real 2025/2026 Vietnamese holidays."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from counter_app.calendar import (
    DayKind,
    ProcessingUnit,
    TimeRange,
    WorkingCalendar,
    WorkingHours,
)

OFF, WORK = DayKind.OFF, DayKind.WORK
# Make-up working Saturdays ("làm bù") are not in the holidays package: the centre adds them.
MAKEUP_2025_2026 = {date(2025, 4, 26): WORK, date(2026, 8, 22): WORK}


def dt(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm)


@pytest.fixture
def cal() -> WorkingCalendar:
    return WorkingCalendar(exceptions=MAKEUP_2025_2026)


def saturday_morning_hours() -> WorkingHours:
    data = WorkingHours.default().to_dict()
    data["sat"] = [["07:30", "11:30"]]
    return WorkingHours.from_dict(data)


# --- units and kinds ------------------------------------------------------------------------------


def test_unit_labels_and_descriptions() -> None:
    assert ProcessingUnit.WORKING_DAYS.label == "ngày làm việc"
    assert ProcessingUnit.WORKING_HOURS.label == "giờ làm việc"
    assert ProcessingUnit.CALENDAR_DAYS.label == "ngày"
    assert ProcessingUnit("working_days") is ProcessingUnit.WORKING_DAYS
    assert ProcessingUnit.WORKING_DAYS.describe(3) == "3 ngày làm việc"
    assert ProcessingUnit.WORKING_DAYS.describe(0) == "trong ngày"
    assert ProcessingUnit.WORKING_HOURS.describe(1.5) == "1,5 giờ làm việc"
    assert DayKind("work") is WORK
    assert OFF.label == "Ngày nghỉ"


# --- WorkingHours ---------------------------------------------------------------------------------


def test_default_hours() -> None:
    hours = WorkingHours.default()
    monday = ((time(7, 30), time(11, 30)), (time(13, 30), time(17, 0)))
    assert all(hours.sessions[wd] == monday for wd in range(5))
    assert hours.sessions[5] == () and hours.sessions[6] == ()
    assert hours.makeup_sessions == monday
    assert hours.to_dict()["mon"] == [["07:30", "11:30"], ["13:30", "17:00"]]
    assert hours.to_dict()["sat"] == []


def test_hours_round_trip_through_json() -> None:
    hours = saturday_morning_hours()
    again = WorkingHours.from_dict(json.loads(json.dumps(hours.to_dict())))
    assert again == hours and hash(again) == hash(hours)
    assert again != WorkingHours.default()
    assert again.sessions[5] == ((time(7, 30), time(11, 30)),)


def test_hours_are_read_only() -> None:
    hours = WorkingHours.default()
    with pytest.raises(TypeError):
        hours.sessions[5] = ()  # type: ignore[index]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"mon": [["11:30", "07:30"]]}, "Thứ Hai: giờ bắt đầu 11:30 phải trước giờ kết thúc 07:30"),
        ({"tue": [["07:30", "07:30"]]}, "Thứ Ba: giờ bắt đầu"),
        ({"wed": [["13:30", "17:00"], ["07:30", "11:30"]]}, "Thứ Tư: buổi 07:30–11:30"),
        ({"thu": [["07:30", "12:00"], ["11:30", "17:00"]]}, "không chồng lên nhau"),
        ({"fri": [["7h30", "11:30"]]}, "Thứ Sáu: giờ “7h30” không hợp lệ"),
        ({"sat": [["07:30", "25:00"]]}, "Thứ Bảy: giờ “25:00” không hợp lệ"),
        ({"sun": [["07:30"]]}, "Chủ nhật: mỗi buổi gồm đúng hai giờ"),
        ({"sun": "07:30-11:30"}, "Chủ nhật: cần một danh sách"),
        ({"monday": []}, "khóa không hợp lệ"),
    ],
)
def test_hours_validation_speaks_vietnamese(data: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        WorkingHours.from_dict(data)


def test_hours_validation_on_direct_construction() -> None:
    with pytest.raises(ValueError, match="Thứ Hai"):
        WorkingHours({0: ((time(12), time(8)),)})
    with pytest.raises(ValueError, match="thứ trong tuần không hợp lệ"):
        WorkingHours({7: ()})
    touching = WorkingHours({0: ((time(7), time(12)), (time(12), time(17)))})
    assert touching.to_dict()["mon"] == [["07:00", "12:00"], ["12:00", "17:00"]]


def test_missing_weekday_is_closed_and_makeup_falls_back() -> None:
    hours = WorkingHours.from_dict({"tue": [["08:00", "11:00"]]})
    assert hours.sessions[0] == ()
    assert hours.makeup_sessions == ((time(8), time(11)),)


# --- working days ---------------------------------------------------------------------------------


def test_holidays_package_matches_the_official_2025_2026_schedules() -> None:
    """What holidays.VN returns (checked by printing it) is what the rules below rely on."""
    cal = WorkingCalendar()
    assert cal.holiday_name(date(2026, 4, 27)) == "Ngày Giỗ Tổ Hùng Vương (nghỉ bù)"
    assert cal.holiday_name(date(2026, 8, 31)) == "Ngày nghỉ (thay cho ngày 22/08/2026)"
    assert cal.holiday_name(date(2025, 5, 2)) == "Ngày nghỉ (thay cho ngày 26/04/2025)"
    assert cal.holiday_name(date(2026, 3, 2)) is None
    assert WorkingCalendar(use_public_holidays=False).holiday_name(date(2026, 9, 2)) is None


@pytest.mark.parametrize(
    "day",
    [
        # 2025 Tết 25/1–2/2, 30/4–4/5, National Day 30/8–2/9.
        *(date(2025, 1, 25) + timedelta(days=i) for i in range(9)),
        *(date(2025, 4, 30) + timedelta(days=i) for i in range(5)),
        *(date(2025, 8, 30) + timedelta(days=i) for i in range(4)),
        # 2026 Tết 14/2–22/2; Giỗ Tổ on Sunday 26/4, Monday 27/4 off; 30/4–1/5; 29/8–2/9.
        *(date(2026, 2, 14) + timedelta(days=i) for i in range(9)),
        date(2026, 4, 26),
        date(2026, 4, 27),
        date(2026, 4, 30),
        date(2026, 5, 1),
        *(date(2026, 8, 29) + timedelta(days=i) for i in range(5)),
        date(2026, 1, 1),
    ],
)
def test_days_off(cal: WorkingCalendar, day: date) -> None:
    assert not cal.is_working_day(day)
    assert cal.sessions_on(day) == ()


@pytest.mark.parametrize(
    "day",
    [
        date(2025, 1, 24),
        date(2025, 2, 3),
        date(2025, 4, 26),  # Saturday, make-up day
        date(2025, 4, 29),
        date(2026, 2, 13),
        date(2026, 2, 23),
        date(2026, 4, 28),
        date(2026, 4, 29),
        date(2026, 5, 4),
        date(2026, 8, 22),  # Saturday, make-up day
        date(2026, 9, 3),
    ],
)
def test_working_days(cal: WorkingCalendar, day: date) -> None:
    assert cal.is_working_day(day)


def test_makeup_saturday_uses_monday_sessions(cal: WorkingCalendar) -> None:
    assert cal.sessions_on(date(2026, 8, 22)) == (
        (dt(2026, 8, 22, 7, 30), dt(2026, 8, 22, 11, 30)),
        (dt(2026, 8, 22, 13, 30), dt(2026, 8, 22, 17)),
    )
    # Without the exceptions table the Saturday is an ordinary weekend day.
    assert not WorkingCalendar().is_working_day(date(2026, 8, 22))


def test_exceptions_override_everything() -> None:
    cal = WorkingCalendar(exceptions={date(2026, 3, 10): OFF, date(2026, 9, 2): WORK})
    assert not cal.is_working_day(date(2026, 3, 10))  # an ordinary Tuesday, made a day off
    assert cal.is_working_day(date(2026, 9, 2))  # National Day, made a working day
    assert cal.exceptions == {date(2026, 3, 10): OFF, date(2026, 9, 2): WORK}
    assert not WorkingCalendar(exceptions={date(2026, 3, 10): "off"}).is_working_day(  # type: ignore[dict-item]
        date(2026, 3, 10)
    )


def test_without_public_holidays() -> None:
    cal = WorkingCalendar(use_public_holidays=False)
    assert cal.is_working_day(date(2026, 2, 17))
    assert not cal.is_working_day(date(2026, 2, 14))


def test_saturday_morning_centre_sessions() -> None:
    cal = WorkingCalendar(saturday_morning_hours(), MAKEUP_2025_2026)
    assert cal.sessions_on(date(2026, 3, 7)) == ((dt(2026, 3, 7, 7, 30), dt(2026, 3, 7, 11, 30)),)
    # A make-up Saturday is a full working day even where Saturdays are half days.
    assert len(cal.sessions_on(date(2026, 8, 22))) == 2
    # Holidays falling on a Saturday close the Saturday session too.
    assert not cal.is_working_day(date(2025, 2, 1))


def test_nth_working_day_and_between(cal: WorkingCalendar) -> None:
    assert cal.next_working_day(date(2026, 2, 13)) == date(2026, 2, 23)
    assert cal.nth_working_day_after(date(2026, 2, 13), 0) == date(2026, 2, 13)
    assert cal.nth_working_day_after(date(2026, 4, 24), 3) == date(2026, 5, 4)
    assert cal.working_days_between(date(2026, 2, 13), date(2026, 2, 23)) == 1
    assert cal.working_days_between(date(2026, 2, 23), date(2026, 2, 13)) == -1
    assert cal.working_days_between(date(2026, 3, 2), date(2026, 3, 2)) == 0
    # Friday to the next Friday in an ordinary week: five working days late.
    assert cal.working_days_between(date(2026, 3, 6), date(2026, 3, 13)) == 5
    # 2026: 365 days, 104 weekend days, 12 weekday holidays, plus the make-up Saturday 22/8
    # (24/11 is not a day off: no text puts it in force, resources/calendar/SOURCES.md).
    assert cal.working_days_between(date(2025, 12, 31), date(2026, 12, 31)) == 365 - 104 - 12 + 1
    across = cal.working_days_between(date(2024, 12, 31), date(2026, 12, 31))
    assert across == sum(
        cal.is_working_day(date(2025, 1, 1) + timedelta(days=i)) for i in range(730)
    )


# --- instants -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (dt(2026, 3, 2, 9), dt(2026, 3, 2, 9)),  # inside: itself
        (dt(2026, 3, 2, 6), dt(2026, 3, 2, 7, 30)),  # before opening
        (dt(2026, 3, 2, 12), dt(2026, 3, 2, 13, 30)),  # lunch
        (dt(2026, 3, 2, 11, 30), dt(2026, 3, 2, 13, 30)),  # exactly at the morning's end
        (dt(2026, 3, 2, 17), dt(2026, 3, 3, 7, 30)),  # exactly at closing
        (dt(2026, 3, 6, 18), dt(2026, 3, 9, 7, 30)),  # Friday evening
        (dt(2026, 2, 13, 17, 30), dt(2026, 2, 23, 7, 30)),  # the eve of Tết
    ],
)
def test_next_opening(cal: WorkingCalendar, at: datetime, expected: datetime) -> None:
    assert cal.next_opening(at) == expected


def test_effective_start_with_cutoff(cal: WorkingCalendar) -> None:
    cutoff = time(15)
    assert cal.effective_start(dt(2026, 3, 2, 15), cutoff) == dt(2026, 3, 2, 15)
    assert cal.effective_start(dt(2026, 3, 2, 15, 30), cutoff) == dt(2026, 3, 3, 7, 30)
    # After closing it is the next opening, not one working day more.
    assert cal.effective_start(dt(2026, 3, 2, 18), cutoff) == dt(2026, 3, 3, 7, 30)
    assert cal.effective_start(dt(2026, 3, 7, 16), cutoff) == dt(2026, 3, 9, 7, 30)  # Saturday


def test_aware_datetimes_are_converted_to_vietnam_time(cal: WorkingCalendar) -> None:
    assert cal.next_opening(datetime(2026, 3, 2, 1, 0, tzinfo=UTC)) == dt(2026, 3, 2, 8)


# --- appointments: working days -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "n", "expected"),
    [
        (dt(2026, 3, 4, 10), 3, dt(2026, 3, 9, 10)),  # Wednesday + 3 → Monday, same clock
        (dt(2026, 3, 6, 18), 3, dt(2026, 3, 9 + 3, 7, 30)),  # Friday evening → Thursday 07:30
        (dt(2026, 3, 2, 12), 1, dt(2026, 3, 3, 13, 30)),  # lunch counts from 13:30
        (dt(2026, 2, 13, 10), 1, dt(2026, 2, 23, 10)),  # over Tết 2026
        (dt(2025, 1, 24, 10), 1, dt(2025, 2, 3, 10)),  # over Tết 2025
        (dt(2026, 4, 24, 9), 2, dt(2026, 4, 29, 9)),  # Giỗ Tổ: Monday 27/4 off
        (dt(2026, 4, 24, 9), 3, dt(2026, 5, 4, 9)),  # then 30/4–1/5 and the weekend
        (dt(2026, 8, 21, 14), 1, dt(2026, 8, 22, 14)),  # make-up Saturday counts
        (dt(2026, 8, 28, 10), 1, dt(2026, 9, 3, 10)),  # National Day 29/8–2/9
        (dt(2025, 4, 25, 10), 1, dt(2025, 4, 26, 10)),  # make-up Saturday 2025
        (dt(2025, 4, 25, 10), 4, dt(2025, 5, 5, 10)),  # then 30/4–4/5
        (dt(2026, 3, 2, 9), 0, dt(2026, 3, 2, 17)),  # "trong ngày"
        (dt(2026, 3, 2, 17, 30), 0, dt(2026, 3, 3, 17)),
    ],
)
def test_add_working_days(
    cal: WorkingCalendar, received: datetime, n: int, expected: datetime
) -> None:
    assert cal.add_working_days(received, n) == expected
    assert cal.due(received, n, ProcessingUnit.WORKING_DAYS) == expected


def test_makeup_day_missing_from_table_moves_the_date() -> None:
    assert WorkingCalendar().add_working_days(dt(2026, 8, 21, 14), 1) == dt(2026, 8, 24, 14)


def test_exceptions_table_for_a_bridge_day_and_its_makeup() -> None:
    """A bridge day off and its make-up Saturday, as the government announces them each year."""
    cal = WorkingCalendar(exceptions={date(2026, 1, 2): OFF, date(2026, 1, 10): WORK})
    assert cal.add_working_days(dt(2025, 12, 31, 10), 1) == dt(2026, 1, 5, 10)
    assert cal.add_working_days(dt(2026, 1, 9, 10), 1) == dt(2026, 1, 10, 10)


def test_clock_clamped_into_a_shorter_day() -> None:
    cal = WorkingCalendar(saturday_morning_hours(), MAKEUP_2025_2026)
    assert cal.add_working_days(dt(2026, 3, 6, 15), 1) == dt(2026, 3, 7, 11, 30)
    assert cal.add_working_days(dt(2026, 3, 6, 9), 1) == dt(2026, 3, 7, 9)
    assert cal.add_working_days(dt(2026, 3, 7, 10), 1) == dt(2026, 3, 9, 10)
    # On a make-up Saturday (full day) the clock is kept.
    assert cal.add_working_days(dt(2026, 8, 21, 15), 1) == dt(2026, 8, 22, 15)


def test_clock_in_the_target_days_lunch_goes_to_the_mornings_end() -> None:
    hours = WorkingHours.from_dict(
        {
            "mon": [["07:00", "11:30"], ["12:30", "17:00"]],
            "tue": [["07:30", "11:30"], ["13:30", "17:00"]],
            "wed": [["08:00", "17:00"]],
        }
    )
    cal = WorkingCalendar(hours)
    assert cal.add_working_days(dt(2026, 3, 2, 12, 45), 1) == dt(2026, 3, 3, 11, 30)
    assert cal.add_working_days(dt(2026, 3, 2, 7, 10), 1) == dt(2026, 3, 3, 7, 30)
    assert cal.add_working_days(dt(2026, 3, 2, 7, 10), 2) == dt(2026, 3, 4, 8)


def test_certified_copies_with_a_cutoff(cal: WorkingCalendar) -> None:
    """Same day, or next working day if received after 15:00."""
    cutoff = time(15)
    unit = ProcessingUnit.WORKING_DAYS
    assert cal.due(dt(2026, 3, 2, 14, 59), 0, unit, cutoff) == dt(2026, 3, 2, 17)
    assert cal.due(dt(2026, 3, 2, 15, 30), 0, unit, cutoff) == dt(2026, 3, 3, 17)
    assert cal.due(dt(2026, 3, 6, 15, 30), 0, unit, cutoff) == dt(2026, 3, 9, 17)
    assert cal.due(dt(2026, 2, 13, 15, 30), 0, unit, cutoff) == dt(2026, 2, 23, 17)
    assert cal.due(dt(2026, 3, 2, 15, 30), 2, unit, cutoff) == dt(2026, 3, 5, 7, 30)


# --- appointments: working hours and calendar days ------------------------------------------------


@pytest.mark.parametrize(
    ("received", "hours", "expected"),
    [
        (dt(2026, 3, 2, 9), 4, dt(2026, 3, 2, 15)),  # 2.5 h morning + 1.5 h afternoon
        (dt(2026, 3, 2, 16), 4, dt(2026, 3, 3, 10, 30)),
        (dt(2026, 3, 2, 7, 30), 4, dt(2026, 3, 2, 11, 30)),  # ends at the session end
        (dt(2026, 3, 2, 7, 30), 8, dt(2026, 3, 3, 8)),  # a day has 7.5 h
        (dt(2026, 3, 2, 12), 1, dt(2026, 3, 2, 14, 30)),
        (dt(2026, 3, 2, 9), 0, dt(2026, 3, 2, 9)),
        (dt(2026, 3, 2, 12), 0, dt(2026, 3, 2, 13, 30)),
        (dt(2026, 3, 6, 18), 0.5, dt(2026, 3, 9, 8)),
        (dt(2026, 2, 13, 16), 2, dt(2026, 2, 23, 8, 30)),  # over Tết
    ],
)
def test_add_working_hours(
    cal: WorkingCalendar, received: datetime, hours: float, expected: datetime
) -> None:
    assert cal.add_working_hours(received, hours) == expected
    assert cal.due(received, hours, ProcessingUnit.WORKING_HOURS) == expected


@pytest.mark.parametrize(
    ("received", "n", "expected"),
    [
        (dt(2026, 3, 2, 10), 7, dt(2026, 3, 9, 10)),
        (dt(2026, 2, 5, 10), 8, dt(2026, 2, 13, 10)),
        (dt(2026, 2, 5, 10), 11, dt(2026, 2, 23, 7, 30)),  # lands in Tết: next opening
        (dt(2026, 2, 5, 10), 15, dt(2026, 2, 23, 7, 30)),
        (dt(2026, 2, 5, 10), 18, dt(2026, 2, 23, 10)),
        (dt(2026, 3, 7, 10), 2, dt(2026, 3, 11, 7, 30)),  # Saturday: counts from Monday 07:30
        (dt(2026, 3, 2, 10), 0, dt(2026, 3, 2, 17)),
        (dt(2026, 8, 14, 16), 8, dt(2026, 8, 22, 16)),  # make-up Saturday is a working day
    ],
)
def test_add_calendar_days(
    cal: WorkingCalendar, received: datetime, n: int, expected: datetime
) -> None:
    assert cal.add_calendar_days(received, n) == expected
    assert cal.due(received, n, ProcessingUnit.CALENDAR_DAYS) == expected


def test_calendar_days_rolled_to_a_weekend_keep_later_receipts_later(cal: WorkingCalendar) -> None:
    thursday = cal.add_calendar_days(dt(2026, 3, 5, 16), 2)
    friday = cal.add_calendar_days(dt(2026, 3, 6, 8), 2)
    assert thursday == friday == dt(2026, 3, 9, 7, 30)


@pytest.mark.parametrize(
    ("amount", "unit", "message"),
    [
        (1.5, ProcessingUnit.WORKING_DAYS, "phải là số nguyên"),
        (2.5, ProcessingUnit.CALENDAR_DAYS, "phải là số nguyên"),
        (-1, ProcessingUnit.WORKING_HOURS, "không âm"),
        (float("nan"), ProcessingUnit.WORKING_DAYS, "không âm"),
        (float("inf"), ProcessingUnit.WORKING_HOURS, "không âm"),
    ],
)
def test_due_rejects_bad_amounts(
    cal: WorkingCalendar, amount: float, unit: ProcessingUnit, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        cal.due(dt(2026, 3, 2, 9), amount, unit)


def test_due_accepts_unit_strings_and_whole_floats(cal: WorkingCalendar) -> None:
    assert cal.due(dt(2026, 3, 4, 10), 3.0, "working_days") == dt(2026, 3, 9, 10)  # type: ignore[arg-type]


def test_negative_counts_are_refused(cal: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="không được âm"):
        cal.add_working_days(dt(2026, 3, 2, 9), -1)
    with pytest.raises(ValueError, match="không được âm"):
        cal.add_calendar_days(dt(2026, 3, 2, 9), -1)
    with pytest.raises(ValueError, match="không phải ngày làm việc"):
        cal.end_of_day(date(2026, 3, 7))


def test_a_calendar_without_working_days_fails_instead_of_looping() -> None:
    closed = WorkingCalendar(WorkingHours({}))
    with pytest.raises(ValueError, match="không có ngày làm việc nào"):
        closed.add_working_days(dt(2026, 3, 2, 9), 1)
    with pytest.raises(ValueError, match="kiểm tra giờ làm việc và bảng ngày nghỉ"):
        closed.next_opening(dt(2026, 3, 2, 9))
    # A make-up exception cannot open a centre that has no sessions at all.
    assert not WorkingCalendar(WorkingHours({}), {date(2026, 3, 2): WORK}).is_working_day(
        date(2026, 3, 2)
    )
    year_off = {date(2026, 3, 1) + timedelta(days=i): OFF for i in range(400)}
    with pytest.raises(ValueError, match="01/03/2026"):
        WorkingCalendar(exceptions=year_off).due(dt(2026, 3, 1, 9), 1, ProcessingUnit.WORKING_HOURS)


# --- properties -----------------------------------------------------------------------------------

CALENDARS = [
    WorkingCalendar(),
    WorkingCalendar(exceptions=MAKEUP_2025_2026),
    WorkingCalendar(saturday_morning_hours(), MAKEUP_2025_2026),
    WorkingCalendar(
        WorkingHours.from_dict(
            {
                "mon": [["07:00", "11:30"], ["13:00", "17:00"]],
                "tue": [["07:30", "11:30"], ["13:30", "17:00"]],
                "wed": [["08:00", "12:00"], ["12:30", "16:00"], ["18:00", "20:00"]],
                "thu": [["07:30", "11:30"], ["13:30", "17:00"]],
                "fri": [["07:30", "11:30"]],
                "sat": [["08:00", "10:00"]],
            }
        ),
        {date(2026, 1, 2): OFF, date(2026, 1, 10): WORK, date(2026, 3, 11): OFF},
    ),
    WorkingCalendar(use_public_holidays=False),
]


@st.composite
def generated_hours(draw: st.DrawFn) -> WorkingHours:
    """Any valid week with at least one session, boundaries on 5-minute steps."""
    days: dict[int, tuple[TimeRange, ...]] = {}
    for wd in range(7):
        marks = sorted(draw(st.sets(st.integers(0, 287), max_size=6)))
        pairs = list(zip(marks[::2], marks[1::2], strict=False))
        days[wd] = tuple((time(a // 12, a % 12 * 5), time(b // 12, b % 12 * 5)) for a, b in pairs)
    if not any(days.values()):
        days[0] = ((time(8), time(16)),)
    return WorkingHours(days)


@st.composite
def calendars(draw: st.DrawFn) -> WorkingCalendar:
    if draw(st.booleans()):
        return draw(st.sampled_from(CALENDARS))
    exceptions = draw(
        st.dictionaries(
            st.dates(date(2024, 1, 1), date(2028, 12, 31)), st.sampled_from(DayKind), max_size=20
        )
    )
    return WorkingCalendar(draw(generated_hours()), exceptions, draw(st.booleans()))


receipts = st.datetimes(datetime(2024, 1, 1), datetime(2028, 6, 30))
cutoffs = st.none() | st.times()
UNITS: dict[ProcessingUnit, st.SearchStrategy[float]] = {
    ProcessingUnit.WORKING_DAYS: st.integers(0, 30).map(float),
    ProcessingUnit.CALENDAR_DAYS: st.integers(0, 60).map(float),
    ProcessingUnit.WORKING_HOURS: st.floats(0, 120, allow_nan=False),
}


@st.composite
def unit_and_amount(draw: st.DrawFn) -> tuple[ProcessingUnit, float]:
    unit = draw(st.sampled_from(ProcessingUnit))
    return unit, draw(UNITS[unit])


def assert_in_working_time(cal: WorkingCalendar, at: datetime) -> None:
    assert cal.is_working_day(at.date())
    assert any(start <= at <= end for start, end in cal.sessions_on(at.date())), at


PROPERTY = settings(max_examples=200, deadline=None)


@PROPERTY
@given(calendars(), receipts, unit_and_amount(), cutoffs)
def test_appointment_is_in_working_time_and_not_before_receipt(
    cal: WorkingCalendar,
    received: datetime,
    unit_amount: tuple[ProcessingUnit, float],
    cutoff: time | None,
) -> None:
    unit, amount = unit_amount
    due = cal.due(received, amount, unit, cutoff)
    assert_in_working_time(cal, due)
    assert due >= cal.effective_start(received, cutoff) >= received
    assert_in_working_time(cal, cal.effective_start(received, cutoff))


@PROPERTY
@given(calendars(), receipts, receipts, unit_and_amount(), cutoffs)
def test_later_receipt_never_gets_an_earlier_appointment(
    cal: WorkingCalendar,
    first: datetime,
    second: datetime,
    unit_amount: tuple[ProcessingUnit, float],
    cutoff: time | None,
) -> None:
    unit, amount = unit_amount
    early, late = sorted((first, second))
    assert cal.due(early, amount, unit, cutoff) <= cal.due(late, amount, unit, cutoff)


@PROPERTY
@given(calendars(), receipts, st.sampled_from(ProcessingUnit), st.data(), cutoffs)
def test_larger_amount_never_gets_an_earlier_appointment(
    cal: WorkingCalendar,
    received: datetime,
    unit: ProcessingUnit,
    data: st.DataObject,
    cutoff: time | None,
) -> None:
    small, large = sorted((data.draw(UNITS[unit]), data.draw(UNITS[unit])))
    assert cal.due(received, small, unit, cutoff) <= cal.due(received, large, unit, cutoff)


@PROPERTY
@given(calendars(), receipts, st.integers(1, 30), cutoffs)
def test_working_days_count_back(
    cal: WorkingCalendar, received: datetime, n: int, cutoff: time | None
) -> None:
    start = cal.effective_start(received, cutoff)
    due = cal.add_working_days(received, n, cutoff)
    assert cal.working_days_between(start.date(), due.date()) == n
    assert cal.working_days_between(due.date(), start.date()) == -n


def open_time_between(cal: WorkingCalendar, start: datetime, end: datetime) -> timedelta:
    total = timedelta()
    day = start.date()
    while day <= end.date():
        for a, b in cal.sessions_on(day):
            total += max(timedelta(), min(b, end) - max(a, start))
        day += timedelta(days=1)
    return total


@PROPERTY
@given(calendars(), receipts, st.floats(0, 120, allow_nan=False), cutoffs)
def test_working_hours_add_up(
    cal: WorkingCalendar, received: datetime, hours: float, cutoff: time | None
) -> None:
    start = cal.effective_start(received, cutoff)
    due = cal.add_working_hours(received, hours, cutoff)
    assert abs(open_time_between(cal, start, due) - timedelta(hours=hours)) <= timedelta(
        microseconds=1
    )


@PROPERTY
@given(calendars(), receipts, st.integers(1, 60), cutoffs)
def test_calendar_days_end_on_the_first_working_day_from_the_target(
    cal: WorkingCalendar, received: datetime, n: int, cutoff: time | None
) -> None:
    target = cal.effective_start(received, cutoff).date() + timedelta(days=n)
    due = cal.add_calendar_days(received, n, cutoff)
    assert due.date() >= target
    days_off = [target + timedelta(days=i) for i in range((due.date() - target).days)]
    assert not any(cal.is_working_day(d) for d in days_off)
    if days_off:
        assert due == cal.sessions_on(due.date())[0][0]


@PROPERTY
@given(calendars(), st.dates(date(2024, 1, 1), date(2028, 12, 31)), st.integers(-400, 400))
def test_working_days_between_matches_a_day_by_day_count(
    cal: WorkingCalendar, start: date, offset: int
) -> None:
    end = start + timedelta(days=offset)
    low, high = min(start, end), max(start, end)
    count = sum(cal.is_working_day(low + timedelta(days=i + 1)) for i in range((high - low).days))
    assert cal.working_days_between(start, end) == (count if end >= start else -count)
