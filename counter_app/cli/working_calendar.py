"""`calendar show` and `calendar load`: the official days off and make-up days this centre uses."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from counter_app.calendar import WEEKDAY_NAMES_VI, estimate_json, unannounced_estimates
from counter_app.cli import EXIT_OK, CliError, Context, print_json
from counter_app.official_calendar import read_calendar_file


def register(sub: Any) -> None:
    p = sub.add_parser("calendar", help="lịch nghỉ lễ, ngày làm bù của trung tâm")
    csub = p.add_subparsers(dest="calendar_command", required=True)
    show = csub.add_parser("show", help="các ngày nghỉ, ngày làm bù của một năm")
    show.add_argument("--year", type=int, required=True, metavar="Y")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=cmd_calendar_show)
    load = csub.add_parser("load", help="nạp lịch của một năm từ tệp JSON (quản trị)")
    load.add_argument("file", type=Path, metavar="FILE")
    load.add_argument("--json", action="store_true")
    load.set_defaults(handler=cmd_calendar_load)


def cmd_calendar_show(ctx: Context) -> int:
    year = ctx.args.year
    if not 2000 <= year <= 2100:
        raise CliError("--year: hãy nhập một năm từ 2000 đến 2100.", 2)
    centre = ctx.services().centre
    days = centre.year_days(year)
    official = year in centre.official_years()
    if ctx.args.json:
        print_json(
            {
                "year": year,
                "official": official,
                **estimate_json([] if official else [year]),
                "days": [d.to_json() for d in days],
            }
        )
        return EXIT_OK
    print(f"Lịch nghỉ lễ, ngày làm bù năm {year}:")
    if not official:
        print(
            f"Chưa có lịch nghỉ chính thức năm {year}: ngày nghỉ Tết Nguyên đán và ngày nghỉ liền "
            "kề 2/9 dưới đây là ước tính; khi có thông báo, quản trị viên nạp bằng "
            "`counter-app calendar load TỆP`."
        )
    for d in days:
        what = "Làm việc (làm bù)" if d.working else "Nghỉ"
        reference = f" — {d.reference}" if d.reference else ""
        origin = _ORIGIN.get(d.source, "")
        print(
            f"{WEEKDAY_NAMES_VI[d.day.weekday()]} {d.day:%d/%m/%Y}: {what}. "
            f"{d.note}{reference}{origin}"
        )
    return EXIT_OK


# Where each listed day comes from, as `calendar show` says it (the JSON's "source").
_ORIGIN = {
    "law": " [theo luật]",
    "official": " [thông báo chính thức]",
    "local": " [trung tâm tự đặt]",
    "estimate": " [ước tính]",
}


def cmd_calendar_load(ctx: Context) -> int:
    calendar = read_calendar_file(ctx.args.file)  # the whole file is checked before any write
    services = ctx.services()
    written = services.centre.load_official(calendar, by=ctx.actor())
    services.reload_centre()
    left_out = unannounced_estimates(calendar.year, (d.day for d in calendar.days))
    if ctx.args.json:
        print_json(
            {
                "year": calendar.year,
                "days": written,
                "now_working": [d.isoformat() for d in left_out],
            }
        )
    else:
        print(f"Đã nạp {written} ngày nghỉ, ngày làm bù của năm {calendar.year}.")
        if left_out:
            print(left_out_warning(calendar.year, left_out))
    return EXIT_OK


def left_out_warning(year: int, left_out: list[date]) -> str:
    """The warning `calendar load` and `server calendar load` print for a partial file."""
    named = ", ".join(f"{d:%d/%m}" for d in left_out)
    return (
        f"Lưu ý: tệp không có ngày nào gần các ngày {named}/{year} mà lịch ước tính coi là ngày "
        f"nghỉ (Tết Nguyên đán, ngày liền kề 2/9); từ nay lịch năm {year} theo đúng tệp này nên "
        "các ngày đó là ngày làm việc. Nếu thông báo có các ngày nghỉ đó, hãy thêm vào tệp rồi "
        "nạp lại."
    )
