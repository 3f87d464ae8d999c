"""`dossier extend|stop|supplement|handback|control-slip`: what happens to a received dossier."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

from counter_app.calendar import estimate_json, estimate_warning
from counter_app.cli import EXIT_INVALID, EXIT_OK, CliError, Context, print_json
from counter_app.cli._values import parse_local_datetime, write_output


def register(sub: Any) -> None:
    p = sub.add_parser("dossier", help="gia hạn, dừng, yêu cầu bổ sung, trả kết quả một hồ sơ")
    dsub = p.add_subparsers(dest="dossier_command", required=True)

    ext = dsub.add_parser("extend", help="gia hạn, in văn bản xin lỗi (Mẫu 04)")
    ext.add_argument("code")
    how = ext.add_mutually_exclusive_group(required=True)
    how.add_argument("--extra-working-days", type=int, metavar="N")
    how.add_argument("--new-appointment", metavar="ISO", help="ví dụ 2026-12-10T16:00")
    ext.add_argument("--reason", required=True, help="lý do chậm trả kết quả")
    ext.add_argument("--out", type=Path, metavar="F.pdf")
    ext.add_argument("--json", action="store_true")
    ext.set_defaults(handler=cmd_extend)

    stop = dsub.add_parser("stop", help="dừng giải quyết (trạng thái 8), in thông báo (Mẫu 05)")
    stop.add_argument("code")
    stop.add_argument("--reason", required=True)
    stop.add_argument("--out", type=Path, metavar="F.pdf")
    stop.add_argument("--json", action="store_true")
    stop.set_defaults(handler=cmd_stop)

    sup = dsub.add_parser("supplement", help="yêu cầu bổ sung (trạng thái 5), in Mẫu 02")
    sup.add_argument("code")
    sup.add_argument("--papers", required=True, metavar="CODE,…", help="mã giấy tờ cần bổ sung")
    sup.add_argument("--reason", required=True)
    sup.add_argument("--out", type=Path, metavar="F.pdf")
    sup.add_argument("--json", action="store_true")
    sup.set_defaults(handler=cmd_supplement)

    back = dsub.add_parser("handback", help="trả kết quả cho công dân (trạng thái 10)")
    back.add_argument("code")
    back.add_argument("--note", default="")
    back.add_argument(
        "--force", action="store_true", help="trả dù quầy chưa nhận được trạng thái «đã xử lý xong»"
    )
    back.add_argument("--json", action="store_true")
    back.set_defaults(handler=cmd_handback)

    ctl = dsub.add_parser("control-slip", help="phiếu kiểm soát quá trình giải quyết (Mẫu 06)")
    ctl.add_argument("code")
    ctl.add_argument("--out", type=Path, metavar="F.pdf", required=True)
    ctl.set_defaults(handler=cmd_control_slip)


def _status(row: Any) -> dict[str, Any]:
    """The JSON every action prints about the dossier it moved."""
    return {"code": row.code, "status": int(row.status), "status_label": row.status.label}


def _say_status(row: Any, tail: str = "") -> None:
    print(f"Hồ sơ {row.code}: {row.status.label} ({int(row.status)}){tail}.")


def _new_appointment(text: str) -> date | datetime:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        try:
            return date.fromisoformat(text.strip())
        except ValueError:
            pass
    return parse_local_datetime(text, "--new-appointment")


def cmd_extend(ctx: Context) -> int:
    args = ctx.args
    services = ctx.services()
    current = services.dossiers.lookup(args.code, by=ctx.actor())
    if current is None:
        raise CliError(f"Không tìm thấy hồ sơ mã {args.code.strip()}.", 3)
    change = services.dossiers.extend(
        args.code,
        by=ctx.actor(),
        reason=args.reason,
        extra_working_days=args.extra_working_days,
        new_appointment=(_new_appointment(args.new_appointment) if args.new_appointment else None),
    )
    if args.out:
        write_output(args.out, services.receipts.apology_pdf(current.code, by=ctx.actor()))
    data = {
        "code": current.code,
        "appointment": change.new.isoformat(),
        "previous_appointment": change.previous.isoformat(),
        **estimate_json(change.estimated_years),
    }
    if args.json:
        print_json(data)
    else:
        print(
            f"Hồ sơ {current.code}: hẹn trả mới {change.new:%H:%M %d/%m/%Y} "
            f"(trước: {change.previous:%H:%M %d/%m/%Y})."
        )
        if change.estimated_years:
            print(estimate_warning(change.estimated_years))
        if args.out:
            print(f"Đã ghi văn bản xin lỗi (Mẫu 04): {args.out}")
    return EXIT_OK


def cmd_stop(ctx: Context) -> int:
    args = ctx.args
    services = ctx.services()
    row = services.dossiers.stop(args.code, by=ctx.actor(), reason=args.reason)
    if args.out:
        write_output(args.out, services.receipts.stop_notice_pdf(row.code, by=ctx.actor()))
    if args.json:
        print_json(_status(row))
    else:
        _say_status(row)
        if args.out:
            print(f"Đã ghi thông báo dừng giải quyết (Mẫu 05): {args.out}")
    return EXIT_OK


def cmd_supplement(ctx: Context) -> int:
    args = ctx.args
    services = ctx.services()
    papers = [c for c in args.papers.split(",") if c.strip()]
    slip = services.dossiers.request_supplement(
        args.code, by=ctx.actor(), paper_codes=papers, reason=args.reason
    )
    if args.out:
        write_output(args.out, services.receipts.slip_pdf(slip.uuid, by=ctx.actor()))
    row = services.dossiers.lookup(args.code, by=ctx.actor())
    assert row is not None
    data = {**_status(row), "papers": list(slip.items), "slip_uuid": slip.uuid}
    if args.json:
        print_json(data)
    else:
        _say_status(row, f": {', '.join(slip.items)}")
        if args.out:
            print(f"Đã ghi phiếu yêu cầu bổ sung (Mẫu 02): {args.out}")
    return EXIT_OK


def cmd_handback(ctx: Context) -> int:
    args = ctx.args
    row = ctx.services().dossiers.hand_back(
        args.code, clerk=ctx.actor(), note=args.note, force=args.force
    )
    if args.json:
        print_json(_status(row))
    else:
        _say_status(row)
    return EXIT_OK


def cmd_control_slip(ctx: Context) -> int:
    args = ctx.args
    if args.out.suffix.lower() != ".pdf":
        raise CliError("--out: phiếu kiểm soát được ghi ra tệp .pdf.", EXIT_INVALID)
    pdf = ctx.services().receipts.control_slip_pdf(args.code, by=ctx.actor())
    write_output(args.out, pdf)
    print(f"Đã ghi phiếu kiểm soát quá trình giải quyết hồ sơ (Mẫu 06): {args.out}")
    return EXIT_OK
