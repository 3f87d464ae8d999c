"""`report`: the supervisor's intake figures as JSON, XLSX or PDF, and the register as PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from counter_app.cli import EXIT_INVALID, EXIT_OK, CliError, Context, print_json
from counter_app.cli._values import parse_day, write_output
from counter_app.domain import Permission


def register(sub: Any) -> None:
    p = sub.add_parser("report", help="báo cáo tình hình tiếp nhận hồ sơ (JSON, XLSX, PDF)")
    p.add_argument("--from", dest="day_from", required=True, metavar="DATE", help="từ ngày")
    p.add_argument("--to", dest="day_to", metavar="DATE", help="đến ngày (mặc định: = --from)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="in số liệu dạng JSON")
    out.add_argument("--xlsx", metavar="FILE", type=Path, help="ghi báo cáo ra tệp Excel")
    out.add_argument("--pdf", metavar="FILE", type=Path, help="ghi báo cáo ra tệp PDF")
    out.add_argument(
        "--out",
        metavar="F.xlsx|F.pdf",
        type=Path,
        help="ghi báo cáo (kèm số liệu hàng đợi) ra tệp Excel hoặc PDF theo đuôi tệp",
    )
    out.add_argument(
        "--register-pdf", metavar="FILE", type=Path, help="ghi Sổ theo dõi hồ sơ ra tệp PDF"
    )
    p.set_defaults(handler=cmd_report)

    r = sub.add_parser(
        "register", help="Sổ theo dõi hồ sơ (Mẫu số 07) của một kỳ, ra PDF hoặc XLSX"
    )
    r.add_argument("--from", dest="day_from", required=True, metavar="DATE", help="từ ngày")
    r.add_argument("--to", dest="day_to", metavar="DATE", help="đến ngày (mặc định: = --from)")
    r.add_argument(
        "--out", required=True, type=Path, metavar="F.pdf|F.xlsx", help="tệp PDF hoặc Excel"
    )
    r.add_argument("--json", action="store_true")
    r.set_defaults(handler=cmd_register)


def _period(args: Any) -> Any:
    from counter_app.reports import Period

    start = parse_day(args.day_from)
    end = parse_day(args.day_to) if args.day_to else start
    try:
        return Period(start, end)
    except ValueError as exc:
        raise CliError(str(exc), EXIT_INVALID) from exc


def cmd_register(ctx: Context) -> int:
    """The register for a period; PDF or XLSX by the file's extension."""
    from counter_app.reports import Letterhead, ReportService

    args = ctx.args
    suffix = args.out.suffix.lower()
    if suffix not in (".pdf", ".xlsx"):
        raise CliError(f"--out: tệp phải có đuôi .pdf hoặc .xlsx (đang là «{args.out.name}»).", 2)
    period = _period(args)
    services = ctx.services()
    reports = ReportService.for_services(services)
    head = Letterhead.of(services)
    lines = reports.register(period, by=ctx.actor(Permission.VIEW_DASHBOARD))
    if suffix == ".pdf":
        from counter_app.reports.pdf import render_register_pdf

        _write(args.out, render_register_pdf(lines, period, reports.scope, head))
    else:
        from counter_app.reports.xlsx import write_register_xlsx

        write_register_xlsx(lines, period, reports.scope, args.out, head)
    if args.json:
        print_json(
            {
                "from": period.start.isoformat(),
                "to": period.end.isoformat(),
                "dossiers": len(lines),
                "out": str(args.out),
            }
        )
    else:
        print(f"Đã ghi Sổ theo dõi hồ sơ ({len(lines)} hồ sơ): {args.out}")
    return EXIT_OK


def cmd_report(ctx: Context) -> int:
    from counter_app.reports import Letterhead, ReportService

    args = ctx.args
    period = _period(args)
    services = ctx.services()
    reports = ReportService.for_services(services)
    head = Letterhead.of(services)
    if args.register_pdf:
        from counter_app.reports.pdf import render_register_pdf

        lines = reports.register(period, by=ctx.actor(Permission.VIEW_DASHBOARD))
        _write(args.register_pdf, render_register_pdf(lines, period, reports.scope, head))
        print(f"Đã ghi Sổ theo dõi hồ sơ ({len(lines)} hồ sơ): {args.register_pdf}")
        return EXIT_OK
    target = args.out or args.xlsx or args.pdf
    if target is not None:
        return _export(services, reports, period, target, args)
    report = reports.report(period)
    if args.json:
        data = report.to_json()
        if services.settings.queue.server_url:
            data["queue"] = _queue(services, period).as_json()
        print_json(data)
    else:
        print(f"Báo cáo tiếp nhận hồ sơ {period.label} — {report.scope.label}")
        from counter_app.reports import summary_rows

        for _, label, value in summary_rows(report):
            print(f"  {label}: {value}")
        if services.settings.queue.server_url:
            _print_queue(_queue(services, period))
    return EXIT_OK


def _export(services: Any, reports: Any, period: Any, target: Path, args: Any) -> int:
    """XLSX or PDF through the core's one export (the dashboard's buttons use it too)."""
    from counter_app.reports.export import ExportFormatError, export_kind, export_report

    try:
        kind = export_kind(target)
    except ExportFormatError as exc:
        raise CliError(f"--out: {exc}", EXIT_INVALID) from exc
    wanted = "xlsx" if args.xlsx else "pdf" if args.pdf else kind
    if kind != wanted:
        option = "--xlsx" if args.xlsx else "--pdf"
        raise CliError(
            f"{option}: tệp phải có đuôi .{wanted} (đang là «{target.name}»).", EXIT_INVALID
        )
    try:
        _, queue = export_report(services, reports, period, target)
    except OSError as exc:
        from counter_app.atomic import DiskError

        if isinstance(exc, DiskError):
            raise
        raise CliError(f"Không ghi được tệp {target}: {exc.strerror}") from exc
    print(f"Đã ghi báo cáo {'Excel' if kind == 'xlsx' else 'PDF'}: {target}")
    if not queue.ok:
        print(f"Lưu ý: {queue.problem}")
    return EXIT_OK


def _write(path: Path, data: bytes) -> None:
    write_output(path, data)


def _queue(services: Any, period: Any) -> Any:
    from counter_app.reports.queue import fetch_queue_figures

    return fetch_queue_figures(services, period.start, period.end, read_timeout_s=10.0)


def _print_queue(figures: Any) -> None:
    from counter_app.queue.stats import summary_lines

    if not figures.ok:
        print(f"Hàng đợi: {figures.problem}")
        return
    print("Hàng đợi (thời gian tính theo phút:giây):")
    for _, label, text in summary_lines(figures.stats):
        print(f"  {label}: {text}")
