"""Rebuilding a counter from the provincial server: a replaced or restored PC gets back every
dossier, event, slip and rating of its unit, the back office's status changes, and the right
dossier-code sequence, so it carries on where the old one stopped.

Records arrive page by page in the order the server received them (a dossier before its events);
each page is applied in one local transaction, and what is already here (a restored backup) is
kept. Each record becomes a `synced` outbox row, so nothing is sent again and the next local change
of a dossier gets the next version. Then the change feed is read again from the start (applying it
is idempotent) and each day's sequence is raised to the server's high-water mark.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from counter_app.code_ledger import issued_in, raise_sequences
from counter_app.db.models import (
    Applicant,
    CodeSequence,
    Dossier,
    DossierEvent,
    DossierFile,
    DossierPaper,
    OutboxEntry,
    Procedure,
    Rating,
    Slip,
)
from counter_app.errors import UserError
from counter_app.identity import fold
from counter_app.intake import fill_register_entries
from counter_app.intake_papers import required_when_unrecorded
from counter_app.search import dossier_search_text
from counter_app.sync import pull
from counter_app.sync import state as st
from counter_app.sync.transport import TransportError

if TYPE_CHECKING:
    from counter_app.sync.engine import CycleReport, SyncEngine

PAGE = 500


class RebuildError(UserError):
    """The rebuild cannot go on; str(exc) is Vietnamese."""


@dataclass
class RebuildReport:
    """What a rebuild brought back (counts of records new to this database)."""

    unit: str = ""
    dossiers: int = 0
    events: int = 0
    slips: int = 0
    ratings: int = 0
    pulled: int = 0
    sequence: dict[str, int] = field(default_factory=dict)
    files: int = 0  # digitised files whose bytes came back from the server
    files_missing: list[str] = field(default_factory=list)  # Vietnamese, by dossier and paper

    def to_json(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "dossiers": self.dossiers,
            "events": self.events,
            "slips": self.slips,
            "ratings": self.ratings,
            "pulled": self.pulled,
            "sequence": self.sequence,
            "files": self.files,
            "files_missing": self.files_missing,
        }


def rebuild(eng: SyncEngine, unit: str, report_cycle: CycleReport) -> RebuildReport:
    """Download the unit's history into this database; `unit` is the one this PC issues codes
    for (it must be the token's)."""
    if eng.transport is None:
        raise RebuildError("Chưa cấu hình máy chủ đồng bộ (sync.server_url và sync.token).")
    try:
        info = eng.transport.get("/counter", {})
    except TransportError as exc:
        raise RebuildError(f"Không hỏi được máy chủ: {exc}") from exc
    server_unit = str(info.get("unit") or "")
    if server_unit != unit:
        raise RebuildError(
            f"Máy này cấp mã cho đơn vị {unit} nhưng mã truy cập thuộc đơn vị {server_unit}. "
            "Sửa counter_no/code_scope hoặc dùng đúng mã truy cập rồi chạy lại."
        )
    report = RebuildReport(unit=unit)
    after = 0
    while True:
        try:
            page = eng.transport.get("/records", {"after": after, "limit": PAGE})
        except TransportError as exc:
            raise RebuildError(f"Tải hồ sơ từ máy chủ bị gián đoạn: {exc} Chạy lại lệnh.") from exc
        records = page.get("records")
        nxt = page.get("next")
        if not isinstance(records, list) or not isinstance(nxt, int) or nxt < after:
            raise RebuildError("Máy chủ trả về trang hồ sơ không hợp lệ.")
        with eng.db.write() as s:
            _apply_records(s, records, report, eng.clock())
        after = nxt
        if not page.get("more"):
            break
    # The back office's changes: the whole feed again (applying it twice changes nothing).
    with eng.db.write() as s:
        st.set_value(s, st.CURSOR, "0")
    pull.pull(eng, report_cycle)
    report.pulled = report_cycle.pulled
    _download_files(eng, report)
    high_water = info.get("high_water")
    if isinstance(high_water, dict):
        with eng.db.write() as s:
            report.sequence = _raise_sequence(s, unit, high_water)
    with eng.db.write() as s:
        # Register books above every entry that came back, then entries for records without one.
        raise_sequences(s, issued_in(s))
        fill_register_entries(s)
    return report


def _apply_records(
    s: Session, records: list[dict[str, Any]], report: RebuildReport, now: datetime
) -> None:
    keys = [(str(r["entity"]), str(r["uuid"]), int(r["version"])) for r in records]
    have = {
        (e, u, v)
        for e, u, v in s.execute(
            select(OutboxEntry.entity, OutboxEntry.entity_uuid, OutboxEntry.version).where(
                tuple_(OutboxEntry.entity, OutboxEntry.entity_uuid, OutboxEntry.version).in_(keys)
            )
        ).all()
    }
    for record, key in zip(records, keys, strict=True):
        payload = record["payload"]
        entity = key[0]
        if entity == "dossier":
            report.dossiers += _dossier(s, payload, key[2], record.get("ref"), now)
        elif entity == "event":
            report.events += _event(s, payload)
        elif entity == "slip":
            report.slips += _slip(s, payload, now)
        elif entity == "rating":
            report.ratings += _rating(s, payload)
        elif entity == "file":
            _file(s, payload, now)
        if key not in have:
            s.add(
                OutboxEntry(
                    entity=entity,
                    entity_uuid=key[1],
                    version=key[2],
                    payload=payload,
                    content_hash=str(record["hash"]),
                    state="synced",
                    attempts=0,
                    next_attempt_at=None,
                    last_error="",
                    created_at=now,
                    updated_at=now,
                )
            )
        s.flush()


def _file(s: Session, p: dict[str, Any], now: datetime) -> None:
    """A digitised file's row (the server holds its bytes: it refuses the record otherwise)."""
    existing = s.scalar(select(DossierFile).where(DossierFile.uuid == p["uuid"]))
    if existing is not None:
        # A restored backup from before the upload: the server has it, so nothing to send.
        if existing.uploaded_at is None:
            existing.uploaded_at = now
        return
    dossier_id = s.scalar(select(Dossier.id).where(Dossier.uuid == p.get("dossier_uuid")))
    if dossier_id is None:
        return
    paper, sha = str(p.get("paper", "")), str(p.get("sha256", ""))
    same = select(DossierFile.id).where(
        DossierFile.dossier_id == dossier_id,
        DossierFile.paper_code == paper,
        DossierFile.sha256 == sha,
    )
    if s.scalar(same) is not None:
        return
    s.add(
        DossierFile(
            uuid=str(p["uuid"]),
            dossier_id=dossier_id,
            paper_code=paper,
            name=str(p.get("name", "")),
            mime=str(p.get("mime", "")),
            pages=int(p.get("pages", 1)),
            size=int(p.get("size", 0)),
            sha256=sha,
            digitised_by=str(p.get("digitised_by", "")),
            digitised_at=_dt(p.get("digitised_at")) or now,
            uploaded_at=now,
        )
    )


def _download_files(eng: SyncEngine, report: RebuildReport) -> None:
    """The bytes of every confirmed file this PC lacks, from the server (checked by hash)."""
    if eng.files is None or eng.transport is None:
        return
    from counter_app.sync.files import download

    with eng.db.read() as s:
        rows = s.execute(
            select(Dossier.unit_identifier, Dossier.code, DossierFile)
            .join(Dossier, Dossier.id == DossierFile.dossier_id)
            .where(DossierFile.uploaded_at.is_not(None))
            .order_by(DossierFile.sha256)
        ).all()
        wanted = [(u, c, f.paper_code, f.name, f.sha256, f.size) for u, c, f in rows]
    done: set[str] = set()
    for unit, code, paper, name, sha, size in wanted:
        if sha in done or _whole(eng.files.path(unit, sha), size):
            continue
        try:
            eng.files.put(unit, download(eng.transport, sha, size), sha)
        except TransportError as exc:
            report.files_missing.append(
                f"Hồ sơ {code}, giấy tờ {paper}, tệp «{name}»: chưa tải được ({exc})"
            )
            continue
        done.add(sha)
        report.files += 1


def _whole(path: Any, size: int) -> bool:
    try:
        return bool(path.stat().st_size == size)
    except FileNotFoundError:
        return False


def _register_entry(p: dict[str, Any]) -> dict[str, Any]:
    """The register entry the record carries; none for records pushed before it existed (they
    get one after the download, `fill_register_entries`), and a local one is then kept."""
    month, number = p.get("register_month"), p.get("register_no")
    if not isinstance(month, str) or not isinstance(number, int) or number < 1:
        return {}
    try:
        return {"register_month": date.fromisoformat(month), "register_no": number}
    except ValueError:
        return {}


def _dt(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    return datetime.fromisoformat(value).replace(tzinfo=None)


def _procedure(s: Session, p: dict[str, Any], now: datetime) -> Procedure:
    """The local catalog's procedure; one no longer in it is kept, inactive, by name."""
    code = str(p.get("procedure_code", ""))
    found = s.scalar(select(Procedure).where(Procedure.code == code))
    if found is not None:
        return found
    name = str(p.get("procedure_name", code))
    procedure = Procedure(
        code=code,
        name=name,
        name_folded=fold(name),
        sector=str(p.get("sector", "")),
        processing_amount=0,
        processing_unit="working_days",
        active=False,
        source_note="Khôi phục từ máy chủ tỉnh",
        updated_at=now,
    )
    s.add(procedure)
    s.flush()
    return procedure


def _applicant(s: Session, snap: dict[str, Any], now: datetime) -> Applicant:
    id_number = str(snap.get("id_number", ""))
    found = s.scalar(select(Applicant).where(Applicant.id_number == id_number))
    if found is not None:
        return found
    birth = snap.get("birth_date")
    applicant = Applicant(
        kind=int(snap.get("kind", 1)),
        id_kind=str(snap.get("id_kind", "cccd")),
        id_number=id_number,
        name=str(snap.get("name", "")),
        birth_date=date.fromisoformat(birth) if isinstance(birth, str) else None,
        phone=str(snap.get("phone", "")),
        email=str(snap.get("email", "")),
        address=str(snap.get("address", "")),
        updated_at=now,
    )
    s.add(applicant)
    s.flush()
    return applicant


def _dossier(s: Session, p: dict[str, Any], version: int, ref: Any, now: datetime) -> int:
    """Insert the dossier, or bring an older local copy to this version; 1 if it is new here."""
    d = s.scalar(select(Dossier).where(Dossier.uuid == p["uuid"]))
    if d is not None and d.version >= version:
        return 0
    snap = dict(p.get("applicant") or {})
    fields: dict[str, Any] = {
        "code": p["code"],
        "unit_identifier": p.get("unit_identifier") or p["code"].rsplit("-", 2)[0],
        "applicant_name": str(snap.get("name", "")),
        "applicant_snapshot": snap,
        "channel": int(p.get("channel", 1)),
        "received_at": _dt(p["received_at"]),
        "appointment_at": _dt(p["appointment_at"]),
        "counter_no": int(p.get("counter_no", 0)),
        **_register_entry(p),
        "clerk_name": str(p.get("clerk_name", "")),
        "fee": int(p.get("fee", 0)),
        "dossier_sets": int(p.get("dossier_sets", 1)),
        "summary": str(p.get("summary", "")),
        "notes": str(p.get("notes", "")),
        "missing_papers_reason": str(p.get("missing_papers_reason", "")),
        "undigitised_reason": str(p.get("undigitised_reason", "")),
        "result_delivery": str(p.get("result_delivery", "counter")),
        "delivery_address": str(p.get("delivery_address", "")),
        "handed_back_at": _dt(p.get("handed_back_at")),
        "version": version,
        "search_text": dossier_search_text(
            str(snap.get("name", "")),
            str(snap.get("id_number", "")),
            p["code"],
            str(snap.get("phone", "")),
        ),
        "updated_at": now,
    }
    if isinstance(ref, str) and ref:
        fields["provincial_ref"] = ref
    procedure = d.procedure if d is not None else _procedure(s, p, now)
    papers = _papers(p, {pp.code: pp.required for pp in procedure.papers})
    if d is None:
        d = Dossier(
            uuid=p["uuid"],
            procedure=procedure,
            applicant=_applicant(s, snap, now),
            # The status of intake; the feed read after the records brings the server's.
            status=int(p.get("status", 2)),
            **fields,
        )
        d.papers = papers
        s.add(d)
        return 1
    for key, value in fields.items():
        setattr(d, key, value)
    d.papers = papers
    return 0


def _papers(p: dict[str, Any], catalog: dict[str, bool]) -> list[DossierPaper]:
    """The dossier's papers as pushed; records pushed before `required` was sent get it by the
    rule migration 0013 applied to this counter's own rows."""
    reason = str(p.get("missing_papers_reason", ""))
    papers = []
    for i, paper in enumerate(p.get("papers") or []):
        code, submitted = str(paper.get("code", "")), bool(paper.get("submitted", True))
        required = paper.get("required")
        if not isinstance(required, bool):
            required = required_when_unrecorded(
                submitted=submitted, missing_reason=reason, in_catalog=catalog.get(code)
            )
        papers.append(
            DossierPaper(
                code=code,
                name=str(paper.get("name", "")),
                originals=int(paper.get("originals", 0)),
                copies=int(paper.get("copies", 0)),
                pages=int(paper.get("pages", 0)),
                submitted=submitted,
                required=required,
                position=i,
            )
        )
    return papers


def _dossier_id(s: Session, uuid: Any) -> int | None:
    return s.scalar(select(Dossier.id).where(Dossier.uuid == str(uuid)))


def _event(s: Session, p: dict[str, Any]) -> int:
    if s.scalar(select(DossierEvent.id).where(DossierEvent.uuid == p["uuid"])) is not None:
        return 0
    dossier_id = _dossier_id(s, p.get("dossier_uuid"))
    if dossier_id is None:
        return 0
    s.add(
        DossierEvent(
            uuid=p["uuid"],
            dossier_id=dossier_id,
            status=int(p["status"]),
            at=_dt(p["at"]),
            actor=str(p.get("actor", "")),
            note=str(p.get("note", "")),
            source=str(p.get("source", "counter")),
        )
    )
    return 1


def _slip(s: Session, p: dict[str, Any], now: datetime) -> int:
    if s.scalar(select(Slip.id).where(Slip.uuid == p["uuid"])) is not None:
        return 0
    snap = dict(p.get("applicant") or {})
    s.add(
        Slip(
            uuid=p["uuid"],
            kind=str(p.get("kind", "")),
            dossier_id=_dossier_id(s, p["dossier_uuid"]) if p.get("dossier_uuid") else None,
            procedure_id=_procedure(s, p, now).id,
            applicant_name=str(snap.get("name", "")),
            applicant_snapshot=snap,
            items=list(p.get("items") or []),
            reason=str(p.get("reason", "")),
            at=_dt(p["at"]),
            counter_no=int(p.get("counter_no", 0)),
            clerk_name=str(p.get("clerk_name", "")),
        )
    )
    return 1


def _rating(s: Session, p: dict[str, Any]) -> int:
    if s.scalar(select(Rating.id).where(Rating.uuid == p["uuid"])) is not None:
        return 0
    dossier_id = _dossier_id(s, p.get("dossier_uuid"))
    if dossier_id is None or s.scalar(select(Rating.id).where(Rating.dossier_id == dossier_id)):
        return 0
    s.add(
        Rating(
            uuid=p["uuid"],
            dossier_id=dossier_id,
            score=int(p["score"]),
            comment=str(p.get("comment", "")),
            at=_dt(p["at"]),
        )
    )
    return 1


def _raise_sequence(s: Session, unit: str, high_water: dict[str, Any]) -> dict[str, int]:
    """Each day's last issued number at least the server's: no code is ever issued twice."""
    out: dict[str, int] = {}
    for day_text, number in sorted(high_water.items()):
        try:
            day = date.fromisoformat(str(day_text))
            value = int(number)
        except (TypeError, ValueError):
            continue
        row = s.get(CodeSequence, (unit, day))
        if row is None:
            s.add(CodeSequence(unit_identifier=unit, day=day, last_value=value))
        elif row.last_value < value:
            row.last_value = value
        out[day.isoformat()] = max(value, row.last_value if row is not None else value)
    return out
