"""`export`: our records in other systems' formats."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from counter_app.cli import EXIT_INVALID, EXIT_OK, CliError, Context, print_json
from counter_app.cli._values import parse_day
from counter_app.domain import Permission


def register(sub: Any) -> None:
    p = sub.add_parser("export", help="xuất dữ liệu cho hệ thống khác")
    esub = p.add_subparsers(dest="export_command", required=True)
    d = esub.add_parser("dvcqg", help="hồ sơ theo tên trường của Cổng Dịch vụ công quốc gia")
    d.add_argument("--from", dest="day_from", required=True, metavar="DATE")
    d.add_argument("--to", dest="day_to", required=True, metavar="DATE")
    d.add_argument("--out", required=True, type=Path, metavar="FILE.json")
    d.add_argument("--json", action="store_true")
    d.set_defaults(handler=cmd_dvcqg)


def cmd_dvcqg(ctx: Context) -> int:
    from counter_app.export.dvcqg import ExportError, write_export

    day_from, day_to = parse_day(ctx.args.day_from), parse_day(ctx.args.day_to)
    try:
        by = ctx.actor(Permission.EXPORT_PERSONAL_DATA)
        count = write_export(ctx.services(), day_from, day_to, ctx.args.out, by=by)
    except ExportError as exc:
        raise CliError(str(exc), EXIT_INVALID) from exc
    if ctx.args.json:
        print_json({"dossiers": count, "file": str(ctx.args.out)})
    else:
        print(f"Đã xuất {count} hồ sơ ({day_from:%d/%m/%Y}–{day_to:%d/%m/%Y}) vào {ctx.args.out}")
    return EXIT_OK
