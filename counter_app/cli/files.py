"""`attach` and `scan`: digitised papers of a received dossier."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from counter_app.attachments import AttachedFile, inspect_file
from counter_app.cli import EXIT_OK, Context, print_json


def register(sub: Any) -> None:
    a = sub.add_parser("attach", help="đính kèm bản số hóa (PDF, ảnh) của một giấy tờ")
    a.add_argument("code", help="mã hồ sơ")
    a.add_argument("--paper", required=True, metavar="PAPER_CODE", help="mã giấy tờ")
    a.add_argument("files", nargs="+", type=Path, metavar="FILE")
    a.add_argument("--json", action="store_true")
    a.set_defaults(handler=cmd_attach)

    s = sub.add_parser(
        "scan", help="quét một trang giấy tờ bằng máy quét (SANE; WIA trên Windows) và đính kèm"
    )
    s.add_argument("code", help="mã hồ sơ")
    s.add_argument("--paper", required=True, metavar="PAPER_CODE", help="mã giấy tờ")
    s.add_argument(
        "--device", metavar="NAME", help="tên máy quét SANE hoặc WIA (mặc định: máy đầu tiên)"
    )
    s.add_argument("--resolution", type=int, default=200, metavar="DPI")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=cmd_scan)


def _print(ctx: Context, files: list[AttachedFile]) -> None:
    if ctx.args.json:
        print_json([f.to_json() for f in files])
        return
    for f in files:
        print(f"{f.paper}: {f.name} — {f.pages} trang, {f.size // 1024} KB, SHA-256 {f.sha256}")


def cmd_attach(ctx: Context) -> int:
    args = ctx.args
    files = ctx.services().attachments.attach(args.code, args.paper, args.files, by=ctx.actor())
    _print(ctx, files)
    return EXIT_OK


def cmd_scan(ctx: Context) -> int:
    from counter_app.scanning import scan_page

    args = ctx.args
    services = ctx.services()
    data = scan_page(args.device, resolution=args.resolution)
    name = f"quet-{args.paper.strip().upper()}.png"
    check = inspect_file(data, name, max_bytes=services.settings.max_file_mb * 1024 * 1024)
    files = services.attachments.attach_checked(
        args.code, args.paper, [(check, data)], by=ctx.actor()
    )
    _print(ctx, files)
    return EXIT_OK
