"""`intake`, `lookup` and `receipt`: receive dossiers and find them again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from counter_app.cli import EXIT_INVALID, EXIT_OK, CliError, Context, print_json, user_message
from counter_app.cli._values import parse_local_datetime, write_output
from counter_app.domain import ApplicantKind, SlipKind
from counter_app.identity import InvalidValue, mask_name
from counter_app.intake import (
    COUNT_KEYS,
    ApplicantDraft,
    DossierDraft,
    ReceivedDossier,
    ValidationError,
)
from counter_app.receipts import Layout


def register(sub: Any) -> None:
    p = sub.add_parser("intake", help="tiếp nhận hồ sơ")
    p.add_argument("--procedure", metavar="CODE", help="mã thủ tục (mã TTHC)")
    p.add_argument("--name", help="họ và tên người nộp / tên tổ chức")
    p.add_argument("--id-number", metavar="ID", help="số định danh, CMND, hộ chiếu hoặc mã số DN")
    p.add_argument("--kind", type=int, default=1, choices=[1, 2, 3, 4], help="loại đối tượng")
    p.add_argument("--birth-date", metavar="dd/mm/yyyy", default="")
    p.add_argument("--phone", default="")
    p.add_argument("--email", default="")
    p.add_argument("--address", default="")
    p.add_argument(
        "--papers",
        default=None,
        help="mã giấy tờ đã nộp: TK,GCS; all: cả giấy tờ «nếu có» (mặc định: giấy tờ bắt buộc)",
    )
    p.add_argument(
        "--paper",
        action="append",
        default=[],
        metavar="CODE:copies=N,pages=N",
        help="số bản chính (originals), bản sao (copies), số trang (pages) của một giấy tờ đã nộp",
    )
    p.add_argument(
        "--refuse",
        metavar="REASON",
        help="từ chối tiếp nhận: in Phiếu từ chối (Mẫu 03) ra --out, không tiếp nhận, không cấp mã",
    )
    p.add_argument("--out", type=Path, metavar="FILE.pdf", help="tệp PDF của phiếu từ chối")
    p.add_argument("--missing-reason", default="", help="lý do nếu thiếu giấy tờ bắt buộc")
    p.add_argument("--received", metavar="ISO", help="thời điểm tiếp nhận (mặc định: bây giờ)")
    p.add_argument("--batch", metavar="FILE.jsonl", type=Path, help="mỗi dòng một hồ sơ")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_intake)

    r = sub.add_parser("receipt", help="in giấy tiếp nhận hồ sơ và hẹn trả kết quả ra PDF")
    r.add_argument("code")
    r.add_argument("--out", required=True, type=Path, metavar="FILE.pdf")
    r.add_argument("--layout", choices=[x.value for x in Layout], default=Layout.A4.value)
    r.add_argument("--reprint", action="store_true", help="bản in lại (ghi rõ trên giấy)")
    r.set_defaults(handler=cmd_receipt)

    lk = sub.add_parser("lookup", help="tra cứu hồ sơ theo mã")
    lk.add_argument("code")
    lk.add_argument("--json", action="store_true")
    lk.set_defaults(handler=cmd_lookup)


def _result_json(r: ReceivedDossier) -> dict[str, Any]:
    return {
        "code": r.code,
        "uuid": r.uuid,
        "appointment": r.appointment.isoformat(),
        "status": int(r.status),
        "received_at": r.received_at.isoformat(),
    }


def _papers(value: Any) -> tuple[Any, dict[str, dict[str, int]]]:
    """Papers as given on the command line or in a batch line, and the counts given with them.

    A batch line's list may hold codes or {"code", "originals", "copies", "pages"} objects.
    """
    if value is None or value == "required":
        return "required", {}
    if value == "all":
        return "all", {}
    if isinstance(value, str):
        return [c for c in value.split(",") if c.strip()], {}
    if isinstance(value, list):
        codes: list[str] = []
        counts: dict[str, dict[str, int]] = {}
        for item in value:
            if isinstance(item, dict):
                code = str(item.get("code") or "")
                counts[code] = {k: v for k, v in item.items() if k != "code"}
                codes.append(code)
            else:
                codes.append(str(item))
        return codes, counts
    raise ValueError('papers phải là "all" hoặc danh sách mã giấy tờ')


def _paper_option(text: str) -> tuple[str, dict[str, int]]:
    """`--paper BS:copies=3,pages=5` → ("BS", {"copies": 3, "pages": 5})."""
    code, _, rest = text.partition(":")
    counts: dict[str, int] = {}
    for part in (p for p in rest.split(",") if p.strip()):
        key, _, value = part.partition("=")
        if key.strip() not in COUNT_KEYS or not value.strip().isdigit():
            raise CliError(
                f"--paper «{text}»: viết MÃ:copies=N,pages=N,originals=N (số nguyên không âm).",
                EXIT_INVALID,
            )
        counts[key.strip()] = int(value)
    if not code.strip():
        raise CliError(f"--paper «{text}»: thiếu mã giấy tờ.", EXIT_INVALID)
    return code.strip().upper(), counts


def cmd_intake(ctx: Context) -> int:
    args = ctx.args
    services = ctx.services()
    if args.batch:
        return _intake_batch(ctx, args.batch)
    missing = [
        opt
        for opt, value in (
            ("--procedure", args.procedure),
            ("--name", args.name),
            ("--id-number", args.id_number),
        )
        if not value
    ]
    if args.refuse is not None:
        missing = [m for m in missing if m != "--id-number"]
        if not args.out:
            missing.append("--out")
    if missing:
        raise CliError(f"Thiếu tham số bắt buộc: {', '.join(missing)}.", 2)
    if args.refuse is not None:
        return _refuse(ctx)
    papers, counts = _papers(args.papers)
    counts.update(_paper_option(text) for text in args.paper)
    draft = DossierDraft(
        procedure_code=args.procedure,
        applicant=ApplicantDraft(
            name=args.name,
            id_number=args.id_number,
            kind=ApplicantKind(args.kind),
            birth_date=args.birth_date or None,
            phone=args.phone,
            email=args.email,
            address=args.address,
        ),
        papers=papers,
        paper_counts=counts,
        missing_reason=args.missing_reason,
        received_at=parse_local_datetime(args.received, "--received") if args.received else None,
    )
    result = services.intake.receive(draft)
    if args.json:
        print_json(_result_json(result))
    else:
        print(f"Mã hồ sơ: {result.code}")
        print(f"Hẹn trả kết quả: {result.appointment:%H:%M %d/%m/%Y}")
    return EXIT_OK


def _draft_from_json(line: dict[str, Any]) -> DossierDraft:
    applicant = line.get("applicant") or {}
    if not isinstance(applicant, dict):
        raise ValueError("applicant phải là một đối tượng JSON")
    received = line.get("received_at")
    papers, counts = _papers(line.get("papers"))
    return DossierDraft(
        procedure_code=str(line.get("procedure") or ""),
        applicant=ApplicantDraft(
            name=str(applicant.get("name") or ""),
            id_number=str(applicant.get("id_number") or ""),
            kind=ApplicantKind(int(applicant.get("kind") or 1)),
            birth_date=applicant.get("birth_date") or None,
            phone=str(applicant.get("phone") or ""),
            email=str(applicant.get("email") or ""),
            address=str(applicant.get("address") or ""),
        ),
        papers=papers,
        paper_counts=counts,
        missing_reason=str(line.get("missing_reason") or ""),
        received_at=parse_local_datetime(str(received), "received_at") if received else None,
    )


def _refuse(ctx: Context) -> int:
    """Mẫu 03 for a dossier turned away at the counter: a slip is recorded, nothing is received."""
    args = ctx.args
    services = ctx.services()
    applicant = {
        "name": args.name,
        "id_number": args.id_number or "",
        "phone": args.phone,
        "email": args.email,
        "address": args.address,
    }
    try:
        slip = services.dossiers.issue_slip(
            SlipKind.REFUSAL,
            procedure_code=args.procedure.strip(),
            applicant=applicant,
            items=[],
            reason=args.refuse,
            clerk=ctx.actor(),
        )
    except (ValueError, InvalidValue) as exc:
        raise CliError(user_message(exc) or str(exc), EXIT_INVALID) from exc
    write_output(args.out, services.receipts.slip_pdf(slip.uuid))
    if args.json:
        print_json({"refused": True, "slip": slip.uuid, "out": str(args.out)})
    else:
        print(f"Đã từ chối tiếp nhận, không cấp mã hồ sơ. Phiếu từ chối: {args.out}")
    return EXIT_OK


def _intake_batch(ctx: Context, path: Path) -> int:
    services = ctx.services()
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except OSError as exc:
        raise CliError(f"Không đọc được tệp {path}: {exc.strerror}") from exc
    results: list[dict[str, Any]] = []
    failed = 0
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        entry: dict[str, Any] = {"line": number}
        try:
            data = json.loads(raw)
            if not isinstance(data, dict):
                raise ValueError("mỗi dòng phải là một đối tượng JSON")
            entry.update(_result_json(services.intake.receive(_draft_from_json(data))))
            entry["ok"] = True
        except ValidationError as exc:
            entry.update(ok=False, error=str(exc), fields=list(exc.fields))
        except (ValueError, TypeError) as exc:
            message = user_message(exc) or f"Dòng {number} không hợp lệ: {exc}"
            entry.update(ok=False, error=message, fields=[])
        except CliError as exc:
            entry.update(ok=False, error=str(exc), fields=[])
        if not entry["ok"]:
            failed += 1
        results.append(entry)
    if ctx.args.json:
        print_json(results)
    else:
        for entry in results:
            if entry["ok"]:
                print(f"{entry['line']}: {entry['code']} hẹn {entry['appointment']}")
            else:
                print(f"{entry['line']}: LỖI {entry['error']}")
    if failed:
        import sys

        sys.stderr.write(f"{failed}/{len(results)} dòng không được tiếp nhận.\n")
    return EXIT_OK


def cmd_lookup(ctx: Context) -> int:
    row = ctx.services().dossiers.lookup(ctx.args.code)
    if row is None:
        raise CliError(f"Không tìm thấy hồ sơ mã {ctx.args.code.strip()}.", 3)
    data = {
        "code": row.code,
        "status": int(row.status),
        "status_label": row.status.label,
        "procedure": {"code": row.procedure_code, "name": row.procedure_name},
        "procedure_code": row.procedure_code,
        "procedure_name": row.procedure_name,
        "received_at": row.received_at.isoformat(),
        "appointment": row.appointment_at.isoformat(),
        "applicant": mask_name(row.applicant_name),
    }
    if ctx.args.json:
        print_json(data)
    else:
        print(f"Mã hồ sơ: {row.code}")
        print(f"Thủ tục: {row.procedure_name} ({row.procedure_code})")
        print(f"Người nộp: {data['applicant']}")
        print(f"Trạng thái: {row.status.label} ({int(row.status)})")
        print(f"Hẹn trả: {row.appointment_at:%H:%M %d/%m/%Y}")
    return EXIT_OK


def cmd_receipt(ctx: Context) -> int:
    args = ctx.args
    services = ctx.services()
    pdf = services.receipts.receipt_pdf(args.code, Layout(args.layout), reprint=args.reprint)
    write_output(args.out, pdf)
    print(f"Đã ghi {args.out} ({len(pdf) // 1024} KB)")
    return EXIT_OK
