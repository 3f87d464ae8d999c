"""`intake`, `lookup` and `receipt`: receive dossiers and find them again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from counter_app.cli import EXIT_OK, CliError, Context, print_json, user_message
from counter_app.cli._values import parse_local_datetime
from counter_app.domain import ApplicantKind
from counter_app.identity import mask_name
from counter_app.intake import ApplicantDraft, DossierDraft, ReceivedDossier, ValidationError
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
    p.add_argument("--papers", default="all", help="all hoặc danh sách mã giấy tờ: TK,GCS")
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


def _papers(value: Any) -> Any:
    if value in (None, "all"):
        return "all"
    if isinstance(value, str):
        return [c for c in value.split(",") if c.strip()]
    if isinstance(value, list):
        return [str(c) for c in value]
    raise ValueError('papers phải là "all" hoặc danh sách mã giấy tờ')


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
    if missing:
        raise CliError(f"Thiếu tham số bắt buộc: {', '.join(missing)}.", 2)
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
        papers=_papers(args.papers),
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
        papers=_papers(line.get("papers", "all")),
        missing_reason=str(line.get("missing_reason") or ""),
        received_at=parse_local_datetime(str(received), "received_at") if received else None,
    )


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
        "files": [
            {"paper": f.paper, "name": f.name, "pages": f.pages, "sha256": f.sha256}
            for f in ctx.services().attachments.files(row.code)
        ],
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
    try:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        tmp = args.out.with_name(args.out.name + ".part")
        tmp.write_bytes(pdf)
        tmp.replace(args.out)
    except OSError as exc:
        raise CliError(f"Không ghi được tệp {args.out}: {exc.strerror}") from exc
    print(f"Đã ghi {args.out} ({len(pdf) // 1024} KB)")
    return EXIT_OK
