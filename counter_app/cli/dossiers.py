"""`intake`, `lookup` and `receipt`: receive dossiers and find them again."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from counter_app.attachments import StagedFile
from counter_app.calendar import estimate_json, estimate_warning
from counter_app.cli import (
    EXIT_ERROR,
    EXIT_INVALID,
    EXIT_OK,
    CliError,
    Context,
    print_json,
    user_message,
)
from counter_app.cli._values import parse_local_datetime, write_output
from counter_app.domain import ApplicantKind, SlipKind
from counter_app.identity import InvalidValue, mask_name
from counter_app.intake import (
    COUNT_KEYS,
    FIELD_LABELS,
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
    p.add_argument(
        "--file",
        action="append",
        default=[],
        metavar="PAPER_CODE=FILE",
        help="bản số hóa (PDF, ảnh) của một giấy tờ đã nộp; lặp lại cho nhiều tệp",
    )
    p.add_argument(
        "--undigitised-reason",
        default="",
        metavar="TEXT",
        help="lý do khi giấy tờ phải số hóa chưa có bản quét (ví dụ: máy quét hỏng)",
    )
    p.add_argument("--received", metavar="ISO", help="thời điểm tiếp nhận (mặc định: bây giờ)")
    p.add_argument("--batch", metavar="FILE.jsonl", type=Path, help="mỗi dòng một hồ sơ")
    p.add_argument(
        "--confirm-clock",
        action="store_true",
        help="xác nhận giờ máy là đúng khi phần mềm báo đồng hồ lệch",
    )
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--jsonl",
        action="store_true",
        help="với --batch: in mỗi dòng kết quả (JSON) ngay khi hồ sơ đã được ghi",
    )
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
        **estimate_json(r.estimated_years),
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


def _file_option(text: str) -> tuple[str, Path]:
    """`--file TK=scan.pdf` → ("TK", Path("scan.pdf"))."""
    code, sep, path = text.partition("=")
    if not sep or not code.strip() or not path.strip():
        raise CliError(f"--file «{text}»: viết MÃ_GIẤY_TỜ=ĐƯỜNG_DẪN_TỆP.", EXIT_INVALID)
    return code.strip().upper(), Path(path.strip())


def _stage(services: Any, procedure_code: str, paper: str, path: Path) -> StagedFile:
    """Check the file and store its bytes for the dossier about to be received."""
    info = services.catalog.get(procedure_code or "")
    names = {p.code: p.name for p in info.papers} if info is not None else {}
    staged: StagedFile = services.attachments.stage_path(paper, names.get(paper, ""), path)
    return staged


def cmd_intake(ctx: Context) -> int:
    args = ctx.args
    services = ctx.services()
    if args.confirm_clock:
        services.guard.confirm_clock()
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
    files = [_stage(services, args.procedure, *_file_option(text)) for text in args.file]
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
        files=files,
        undigitised_reason=args.undigitised_reason,
    )
    result = services.intake.receive(draft, clerk=ctx.actor())
    if args.json:
        print_json(_result_json(result))
    else:
        print(f"Mã hồ sơ: {result.code}")
        print(f"Hẹn trả kết quả: {result.appointment:%H:%M %d/%m/%Y}")
        if result.estimate_warning:
            print(result.estimate_warning)
    return EXIT_OK


#: A batch line longer than this is refused before it is decoded or parsed.
MAX_LINE_BYTES = 64 * 1024
_LINE_LABEL = "Dòng"


class LineError(ValueError):
    """One batch line cannot become a draft; `field` names where (a FIELD_LABELS key)."""

    def __init__(self, field: str, message: str) -> None:
        sentence = message[:1].upper() + message[1:]
        super().__init__(sentence if field == "line" else f"{FIELD_LABELS[field]}: {sentence}")
        self.field = field


def _text(data: dict[str, Any], key: str, field: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise LineError(field, f"phải là chuỗi ký tự, không phải {_json_type(value)}.")
    return value


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "số"
    if isinstance(value, list):
        return "danh sách"
    if isinstance(value, dict):
        return "đối tượng"
    return type(value).__name__


def _draft_from_json(line: dict[str, Any]) -> DossierDraft:
    """A draft from one parsed batch line, every field type-checked (never `str()` of junk)."""
    applicant = line.get("applicant")
    if applicant is None:
        applicant = {}
    if not isinstance(applicant, dict):
        raise LineError("applicant", "phải là một đối tượng JSON {…} (name, id_number, …).")
    kind = applicant.get("kind", 1)
    if kind is None:
        kind = 1
    if isinstance(kind, bool) or not isinstance(kind, int) or kind not in (1, 2, 3, 4):
        raise LineError("applicant.kind", "phải là số 1, 2, 3 hoặc 4.")
    try:
        papers, counts = _papers(line.get("papers"))
    except ValueError as exc:
        raise LineError(
            "papers", 'phải là "all", "required" hoặc danh sách mã giấy tờ (chuỗi hoặc đối tượng).'
        ) from exc
    received = _text(line, "received_at", "received_at")
    birth = _text(applicant, "birth_date", "applicant.birth_date")
    return DossierDraft(
        procedure_code=_text(line, "procedure", "procedure"),
        applicant=ApplicantDraft(
            name=_text(applicant, "name", "applicant.name"),
            id_number=_text(applicant, "id_number", "applicant.id_number"),
            kind=ApplicantKind(kind),
            birth_date=birth or None,
            phone=_text(applicant, "phone", "applicant.phone"),
            email=_text(applicant, "email", "applicant.email"),
            address=_text(applicant, "address", "applicant.address"),
        ),
        papers=papers,
        paper_counts=counts,
        missing_reason=_text(line, "missing_reason", "missing_reason"),
        undigitised_reason=_text(line, "undigitised_reason", "undigitised_reason"),
        received_at=_received(received) if received else None,
        ref=_text(line, "ref", "ref"),
    )


def _received(value: str) -> Any:
    if len(value) > 40:
        raise LineError("received_at", "không phải thời điểm ISO (ví dụ 2026-02-13T09:00).")
    try:
        return parse_local_datetime(value, "received_at")
    except CliError as exc:
        raise LineError("received_at", str(exc)) from exc


def _parse_line(raw: bytes) -> dict[str, Any]:
    """One line of the batch file as a JSON object; LineError (Vietnamese) for anything else."""
    if len(raw) > MAX_LINE_BYTES:
        raise LineError("line", f"dài quá {MAX_LINE_BYTES // 1024} KB ({len(raw)} byte).")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LineError(
            "line", f"không phải văn bản UTF-8 hợp lệ (byte lỗi ở vị trí {exc.start + 1})."
        ) from exc
    try:
        data = json.loads(text)
    except RecursionError as exc:
        raise LineError("line", "JSON lồng nhau quá sâu.") from exc
    except ValueError as exc:
        raise LineError("line", f"không phải JSON hợp lệ ({exc.args[0][:80]}).") from exc
    if not isinstance(data, dict):
        raise LineError("line", f"phải là một đối tượng JSON {{…}}, không phải {_json_type(data)}.")
    return data


def _batch_lines(path: Path) -> Any:
    """(line number, raw bytes) of each non-blank line; the file is read as bytes so one bad line
    cannot stop the others."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CliError(f"Không đọc được tệp {path}: {exc.strerror}") from exc
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.strip():
            yield number, line.rstrip(b"\r")


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
    write_output(args.out, services.receipts.slip_pdf(slip.uuid, by=ctx.actor()))
    if args.json:
        print_json({"refused": True, "slip": slip.uuid, "out": str(args.out)})
    else:
        print(f"Đã từ chối tiếp nhận, không cấp mã hồ sơ. Phiếu từ chối: {args.out}")
    return EXIT_OK


def _intake_batch(ctx: Context, path: Path) -> int:
    services = ctx.services()
    jsonl = bool(getattr(ctx.args, "jsonl", False))
    results: list[dict[str, Any]] = []
    failed = 0
    for number, raw in _batch_lines(path):
        entry: dict[str, Any] = {"line": number}
        try:
            received = services.intake.receive(
                _draft_from_json(_parse_line(raw)), clerk=ctx.actor()
            )
            entry.update(_result_json(received))
            entry["ok"] = True
            if received.existing:
                entry["existing"] = True
        except ValidationError as exc:
            entry.update(ok=False, error=str(exc), fields=list(exc.fields))
        except LineError as exc:
            fields = [] if exc.field == "line" else [exc.field]
            entry.update(ok=False, error=f"{_LINE_LABEL} {number}: {exc}", fields=fields)
        except (ValueError, TypeError) as exc:
            message = user_message(exc) or f"Dòng {number} không hợp lệ: {exc}"
            entry.update(ok=False, error=message, fields=[])
        except CliError as exc:
            entry.update(ok=False, error=str(exc), fields=[])
        if not entry["ok"]:
            failed += 1
        results.append(entry)
        if jsonl:
            # As soon as it is committed: after a kill or a full disk the operator knows which
            # lines were received (and re-running with refs receives nothing twice).
            sys.stdout.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")
            sys.stdout.flush()
    if not jsonl and ctx.args.json:
        print_json(results)
    elif not jsonl:
        for entry in results:
            if entry["ok"]:
                again = " (đã tiếp nhận trước đó)" if entry.get("existing") else ""
                print(f"{entry['line']}: {entry['code']} hẹn {entry['appointment']}{again}")
                if entry.get("calendar_estimated"):
                    print(f"  {estimate_warning(entry['estimated_years'])}")
            else:
                print(f"{entry['line']}: LỖI {entry['error']}")
    if failed:
        sys.stderr.write(f"{failed}/{len(results)} dòng không được tiếp nhận.\n")
        return EXIT_ERROR
    return EXIT_OK


def cmd_lookup(ctx: Context) -> int:
    detail = ctx.services().dossiers.detail(ctx.args.code, by=ctx.actor())
    if detail is None:
        raise CliError(f"Không tìm thấy hồ sơ mã {ctx.args.code.strip()}.", 3)
    row = detail.row
    history = detail.appointment_history
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
        "appointment_history": [c.to_json() for c in history],
        "apology_issued": any(c.apology for c in history),
        "papers": [p.to_json() for p in detail.papers],
        "files": [
            {"paper": f.paper, "name": f.name, "pages": f.pages, "sha256": f.sha256}
            for f in ctx.services().attachments.files(row.code)
        ],
        "undigitised": [
            u.to_json() for u in ctx.services().attachments.undigitised(row.code, by=ctx.actor())
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
        for p in detail.papers:
            print(f"  {p.name}: {p.handed_in_label}")
        for c in history:
            print(
                f"  Gia hạn {c.at:%d/%m/%Y}: {c.previous:%H:%M %d/%m/%Y} → "
                f"{c.new:%H:%M %d/%m/%Y}. Lý do: {c.reason}"
                + (" (đã có văn bản xin lỗi)" if c.apology else "")
            )
    return EXIT_OK


def cmd_receipt(ctx: Context) -> int:
    args = ctx.args
    services = ctx.services()
    pdf = services.receipts.receipt_pdf(
        args.code, Layout(args.layout), reprint=args.reprint, by=ctx.actor()
    )
    write_output(args.out, pdf)
    print(f"Đã ghi {args.out} ({len(pdf) // 1024} KB)")
    return EXIT_OK
