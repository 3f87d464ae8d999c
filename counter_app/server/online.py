"""Online dossiers on the server: what citizens filed on the portal, granted to one counter.

A portal (or `server submit-online`) files a dossier with its papers; every counter learns of it
through the change feed. A counter that opens it asks for it: the grant is one conditional UPDATE
(`claimed_by IS NULL`), so two counters asking at once can never both get it — the second is told
which counter has it. The granted counter then reports its decision: accepted (with the dossier
code it issued and the receipt for the citizen), a supplement request, or a refusal.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import uuid as uuidlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from counter_app.attachments import AttachmentError, inspect_file
from counter_app.db.engine import Database
from counter_app.domain import local_now
from counter_app.identity import (
    InvalidValue,
    guess_id_kind,
    normalize_id_number,
    normalize_person_name,
    normalize_phone,
    normalize_text,
)
from counter_app.server.feed import add_change
from counter_app.server.files import ServerFiles
from counter_app.server.schema import CounterIdentity, counter_t, online_t
from counter_app.sync.protocol import ONLINE_CLAIMED, ONLINE_DOSSIER

#: Files of online dossiers are owned by the portal side, not by a counter.
ONLINE_OWNER = "online"
RECEIPT_OWNER = "online-receipts"
DECISIONS = {"accept": 2, "refuse": 3, "supplement": 5}


class OnlineError(ValueError):
    """A request about online dossiers the server refuses (message in Vietnamese)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


@dataclass(frozen=True)
class Grant:
    granted: bool
    holder: str


def _applicant(raw: Any) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise OnlineError(400, "bad_request", "Thiếu thông tin người nộp (applicant).")
    try:
        name = normalize_person_name(str(raw.get("name", "")))
        id_text = str(raw.get("id_number", ""))
        kind = guess_id_kind(id_text)
        if kind is None:
            raise InvalidValue("số giấy tờ không đúng định dạng.")
        id_number = normalize_id_number(id_text, kind, today=local_now().date())
        phone = normalize_phone(str(raw["phone"])) if raw.get("phone") else ""
        address = normalize_text(str(raw.get("address", "")), max_length=500)
    except InvalidValue as exc:
        raise OnlineError(400, "bad_applicant", f"Người nộp: {exc}") from exc
    return {"name": name, "id_number": id_number, "phone": phone, "address": address}


def submit(
    db: Database, files: ServerFiles, document: Any, contents: dict[str, bytes] | None = None
) -> dict[str, Any]:
    """File an online dossier. Papers carry their bytes (`content_base64`) or come in `contents`
    keyed by the paper's position; each is checked like a counter's scan and stored by hash."""
    if not isinstance(document, dict):
        raise OnlineError(400, "bad_request", "Hồ sơ trực tuyến phải là một đối tượng JSON.")
    procedure = str(document.get("procedure", "")).strip()
    if not procedure or len(procedure) > 32:
        raise OnlineError(400, "bad_procedure", "Thiếu mã thủ tục (procedure).")
    applicant = _applicant(document.get("applicant"))
    raw_papers = document.get("papers", [])
    if not isinstance(raw_papers, list) or len(raw_papers) > 50:
        raise OnlineError(400, "bad_papers", "papers phải là danh sách (tối đa 50 giấy tờ).")
    papers: list[dict[str, Any]] = []
    for index, raw in enumerate(raw_papers):
        if not isinstance(raw, dict) or not isinstance(raw.get("paper"), str):
            raise OnlineError(400, "bad_papers", f"Giấy tờ thứ {index + 1}: thiếu mã giấy tờ.")
        data = (contents or {}).get(str(index))
        if data is None:
            try:
                data = base64.b64decode(str(raw.get("content_base64", "")), validate=True)
            except (binascii.Error, ValueError) as exc:
                raise OnlineError(
                    400, "bad_papers", f"Giấy tờ thứ {index + 1}: nội dung base64 không hợp lệ."
                ) from exc
        name = str(raw.get("name") or f"{raw['paper']}.pdf")[:255]
        try:
            check = inspect_file(data, name, max_bytes=files.max_file_bytes)
        except AttachmentError as exc:
            raise OnlineError(422, "bad_file", f"Giấy tờ thứ {index + 1}: {exc}") from exc
        _store_whole(files, ONLINE_OWNER, data, check.sha256)
        papers.append(
            {
                "paper": raw["paper"].strip().upper()[:12],
                "name": check.name,
                "mime": check.mime,
                "pages": check.pages,
                "size": check.size,
                "sha256": check.sha256,
            }
        )
    now = local_now().replace(microsecond=0)
    row = {
        "uuid": str(uuidlib.uuid4()),
        "procedure_code": procedure,
        "applicant": applicant,
        "papers": papers,
        "submitted_at": now,
        "status": 1,
    }
    with db.write() as s:
        s.execute(online_t.insert().values(**row))
        add_change(s, db, ONLINE_DOSSIER, None, feed_data(row))
    return feed_data(row)


def feed_data(row: Any) -> dict[str, Any]:
    get = row.get if isinstance(row, dict) else row._mapping.get
    submitted = get("submitted_at")
    return {
        "uuid": get("uuid"),
        "procedure": get("procedure_code"),
        "applicant": get("applicant"),
        "papers": get("papers"),
        "submitted_at": submitted.isoformat() if submitted is not None else "",
        "status": get("status"),
    }


def _store_whole(files: ServerFiles, owner: str, data: bytes, sha: str) -> None:
    if files.complete(owner, sha):
        return
    status = files.status(owner, sha)
    offset = status.received
    while offset < len(data):  # resumes a part left by an earlier, interrupted submission
        chunk = data[offset : offset + 4 * 1024 * 1024]
        offset = files.append(owner, sha, offset=offset, total=len(data), chunk=chunk).received


def claim(db: Database, counter: CounterIdentity, uuid: str) -> Grant:
    """Grant `uuid` to `counter` unless another counter has it; asking again is harmless."""
    now = local_now().replace(microsecond=0)
    with db.write() as s:
        result: Any = s.execute(
            update(online_t)
            .where(online_t.c.uuid == uuid, online_t.c.claimed_by.is_(None))
            .values(claimed_by=counter.id, claimed_at=now)
        )
        if result.rowcount == 1:
            add_change(s, db, ONLINE_CLAIMED, None, {"uuid": uuid, "counter": counter.name})
            return Grant(True, counter.name)
        row = s.execute(
            select(online_t.c.claimed_by, counter_t.c.name)
            .select_from(online_t.outerjoin(counter_t, counter_t.c.id == online_t.c.claimed_by))
            .where(online_t.c.uuid == uuid)
        ).first()
    if row is None:
        raise OnlineError(404, "not_found", "Không có hồ sơ trực tuyến này.")
    return Grant(row.claimed_by == counter.id, str(row.name or ""))


def decide(
    db: Database, files: ServerFiles, counter: CounterIdentity, uuid: str, body: Any
) -> dict[str, Any]:
    """Record the granted counter's decision; the same decision sent twice is one."""
    if not isinstance(body, dict) or body.get("decision") not in DECISIONS:
        raise OnlineError(400, "bad_request", "decision phải là accept, supplement hoặc refuse.")
    decision = str(body["decision"])
    try:
        reason = normalize_text(str(body.get("reason", "")), max_length=2000, multiline=True)
    except InvalidValue as exc:
        raise OnlineError(400, "bad_reason", f"Lý do: {exc}") from exc
    code = str(body.get("code", ""))[:64] if decision == "accept" else None
    if decision == "accept" and not code:
        raise OnlineError(400, "bad_request", "Tiếp nhận cần mã hồ sơ (code).")
    if decision != "accept" and not reason:
        raise OnlineError(400, "bad_reason", "Lý do: không được để trống.")
    record: dict[str, Any] = {
        "decision": decision,
        "reason": reason,
        "papers": [str(p)[:12] for p in body.get("papers", []) if isinstance(p, str)][:50],
        "appointment": str(body.get("appointment", ""))[:32],
        "at": local_now().replace(microsecond=0).isoformat(),
        "counter": counter.name,
    }
    receipt = body.get("receipt_base64")
    if isinstance(receipt, str) and receipt:
        try:
            pdf = base64.b64decode(receipt, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise OnlineError(400, "bad_receipt", "Giấy tiếp nhận không phải base64.") from exc
        if pdf[:5] != b"%PDF-":
            raise OnlineError(400, "bad_receipt", "Giấy tiếp nhận phải là tệp PDF.")
        sha = hashlib.sha256(pdf).hexdigest()
        _store_whole(files, RECEIPT_OWNER, pdf, sha)
        record["receipt_sha256"] = sha
    with db.write() as s:
        row = s.execute(select(online_t).where(online_t.c.uuid == uuid)).first()
        if row is None:
            raise OnlineError(404, "not_found", "Không có hồ sơ trực tuyến này.")
        if row.claimed_by != counter.id:
            raise OnlineError(
                409, "not_granted", "Hồ sơ trực tuyến này không được giao cho quầy của bạn."
            )
        previous = row.decision or {}
        if previous and previous.get("decision") != decision:
            raise OnlineError(409, "decided", "Hồ sơ trực tuyến này đã có quyết định khác.")
        if not previous:
            s.execute(
                update(online_t)
                .where(online_t.c.id == row.id)
                .values(status=DECISIONS[decision], dossier_code=code, decision=record)
            )
            previous = record
    return {"uuid": uuid, "status": DECISIONS[decision], **previous}


def public_status(db: Database, uuid: str) -> dict[str, Any] | None:
    """What the portal shows the citizen: status, code, decision (and receipt hash)."""
    with db.read() as s:
        row = s.execute(select(online_t).where(online_t.c.uuid == uuid)).first()
    if row is None:
        return None
    return {
        "uuid": row.uuid,
        "status": row.status,
        "code": row.dossier_code,
        "decision": row.decision,
    }


def paper_file(db: Database, uuid: str, sha: str, counter: CounterIdentity) -> bool:
    """True when `sha` is one of the papers of online dossier `uuid` and `counter` may read it:
    any counter while the dossier is on offer (to check it before claiming), then only the
    counter granted it and the back office: the citizen's papers are not every counter's."""
    with db.read() as s:
        row = s.execute(
            select(online_t.c.papers, online_t.c.claimed_by).where(online_t.c.uuid == uuid)
        ).first()
    if row is None:
        return False
    papers, holder = row
    if holder is not None and holder != counter.id and not counter.is_back_office:
        return False
    return isinstance(papers, list) and any(p.get("sha256") == sha for p in papers)
