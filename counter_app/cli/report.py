"""`report`: the supervisor's intake figures as JSON, XLSX or PDF, and the register as PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from counter_app.cli import EXIT_INVALID, EXIT_OK, CliError, Context, print_json
from counter_app.cli._values import parse_day


def register(sub: Any) -> None:
    p = sub.add_parser("report", help="báo cáo tình hình tiếp nhận hồ sơ (JSON, XLSX, PDF)")
    p.add_argument("--from", dest="day_from", required=True, metavar="DATE", help="từ ngày")
    p.add_argument("--to", dest="day_to", metavar="DATE", help="đến ngày (mặc định: = --from)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="in số liệu dạng JSON")
    out.add_argument("--xlsx", metavar="FILE", type=Path, help="ghi báo cáo ra tệp Excel")
    out.add_argument("--pdf", metavar="FILE", type=Path, help="ghi báo cáo ra tệp PDF")
    out.add_argument(
        "--register-pdf", metavar="FILE", type=Path, help="ghi Sổ theo dõi hồ sơ ra tệp PDF"
    )
    p.set_defaults(handler=cmd_report)


def cmd_report(ctx: Context) -> int:
    from counter_app.reports import Letterhead, Period, ReportService

    args = ctx.args
    start = parse_day(args.day_from)
    end = parse_day(args.day_to) if args.day_to else start
    try:
        period = Period(start, end)
    except ValueError as exc:
        raise CliError(str(exc), EXIT_INVALID) from exc
    services = ctx.services()
    reports = ReportService.for_services(services)
    head = Letterhead.of(services)
    if args.register_pdf:
        from counter_app.reports.pdf import render_register_pdf

        lines = reports.register(period)
        _write(args.register_pdf, render_register_pdf(lines, period, reports.scope, head))
        print(f"Đã ghi Sổ theo dõi hồ sơ ({len(lines)} hồ sơ): {args.register_pdf}")
        return EXIT_OK
    report = reports.report(period)
    if args.xlsx:
        from counter_app.reports.xlsx import write_xlsx

        write_xlsx(report, args.xlsx, head)
        print(f"Đã ghi báo cáo Excel: {args.xlsx}")
    elif args.pdf:
        from counter_app.reports.pdf import render_report_pdf

        _write(args.pdf, render_report_pdf(report, head))
        print(f"Đã ghi báo cáo PDF: {args.pdf}")
    elif args.json:
        data = report.to_json()
        if services.settings.queue.server_url:
            from counter_app.queue.client import queue_figures

            data["queue"] = queue_figures(services.settings.queue, start, end)
        print_json(data)
    else:
        print(f"Báo cáo tiếp nhận hồ sơ {period.label} — {report.scope.label}")
        from counter_app.reports import summary_rows

        for _, label, value in summary_rows(report):
            print(f"  {label}: {value}")
    return EXIT_OK


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
