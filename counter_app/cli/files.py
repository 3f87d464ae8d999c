"""`attach` and `scan`: digitised papers of a received dossier."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from counter_app.attachments import AttachedFile
from counter_app.cli import EXIT_OK, Context, print_json
from counter_app.file_limit import mb


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

    u = sub.add_parser(
        "undigitised",
        help="hồ sơ đã lưu khi giấy tờ phải số hóa chưa có bản quét (kèm lý do), để quét bổ sung",
    )
    u.add_argument("--json", action="store_true")
    u.set_defaults(handler=cmd_undigitised)


def _print(ctx: Context, files: list[AttachedFile]) -> None:
    if ctx.args.json:
        print_json([f.to_json() for f in files])
        return
    for f in files:
        print(f"{f.paper}: {f.name} — {f.pages} trang, {mb(f.size)}, SHA-256 {f.sha256}")


def cmd_attach(ctx: Context) -> int:
    args = ctx.args
    files = ctx.services().attachments.attach(args.code, args.paper, args.files, by=ctx.actor())
    _print(ctx, files)
    return EXIT_OK


def cmd_scan(ctx: Context) -> int:
    from counter_app.scanning import scan_page

    args = ctx.args
    services = ctx.services()
    label = services.attachments.paper_label(args.code, args.paper)  # before the scanner runs
    data = scan_page(
        args.device or services.settings.scanner_device or None, resolution=args.resolution
    )
    name = f"quet-{args.paper.strip().upper()}.png"
    check = services.attachments.check(data, name, label)
    files = services.attachments.attach_checked(
        args.code, args.paper, [(check, data)], by=ctx.actor()
    )
    _print(ctx, files)
    return EXIT_OK


def cmd_undigitised(ctx: Context) -> int:
    """The supervisor's list: which dossiers still lack which scans, and why."""
    items = ctx.services().attachments.undigitised(by=ctx.actor())
    if ctx.args.json:
        print_json([u.to_json() for u in items])
        return EXIT_OK
    if not items:
        print("Không có hồ sơ nào thiếu bản số hóa bắt buộc.")
    for u in items:
        papers = ", ".join(code for code, _ in u.papers)
        print(
            f"{u.code}  {u.received_at:%d/%m/%Y %H:%M}  {u.clerk}  chưa số hóa: {papers}"
            f"  — lý do: {u.reason or '(không ghi)'}"
        )
    return EXIT_OK
