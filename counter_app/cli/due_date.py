"""`due-date`: the appointment the working calendar gives for a receipt time."""

from __future__ import annotations

from typing import Any

from counter_app.calendar import ProcessingUnit, estimate_json, estimate_warning
from counter_app.cli import EXIT_OK, CliError, Context, print_json
from counter_app.cli._values import parse_local_datetime


def register(sub: Any) -> None:
    p = sub.add_parser("due-date", help="tính ngày hẹn trả kết quả")
    p.add_argument("--received", required=True, metavar="ISO", help="thời điểm tiếp nhận")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--working-days", type=float, metavar="N")
    group.add_argument("--working-hours", type=float, metavar="N")
    group.add_argument("--calendar-days", type=float, metavar="N")
    group.add_argument("--procedure", metavar="CODE", help="thời hạn theo thủ tục")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_due_date)


def cmd_due_date(ctx: Context) -> int:
    args = ctx.args
    received = parse_local_datetime(args.received, "--received")
    services = ctx.services()
    if args.procedure:
        procedure = services.catalog.get(args.procedure)
        if procedure is None:
            raise CliError(f"Thủ tục hành chính: không có thủ tục mã «{args.procedure}».", 2)
        appointment = services.intake.appointment_for(procedure, received)
    else:
        unit, amount = next(
            (unit, amount)
            for unit, amount in (
                (ProcessingUnit.WORKING_DAYS, args.working_days),
                (ProcessingUnit.WORKING_HOURS, args.working_hours),
                (ProcessingUnit.CALENDAR_DAYS, args.calendar_days),
            )
            if amount is not None
        )
        if amount < 0:
            raise CliError("Thời hạn giải quyết không được âm.", 2)
        appointment = services.calendar().due(received, amount, unit)
    years = services.calendar().estimated_years(received, appointment)
    if args.json:
        print_json(
            {
                "received": received.isoformat(),
                "appointment": appointment.isoformat(),
                **estimate_json(years),
            }
        )
    else:
        print(appointment.strftime("%H:%M %d/%m/%Y"))
        if years:
            print(estimate_warning(years))
    return EXIT_OK
