"""What the window shows about sync: the status-bar summary and each dossier's badge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from counter_app.db.engine import Database
from counter_app.db.models import Dossier, DossierEvent, OutboxEntry
from counter_app.sync import state as st
from counter_app.sync.engine import queue_counts
from counter_app.sync.files import rejected_file_count, rejected_files
from counter_app.sync.protocol import CODE_TAKEN_TEXT
from counter_app.sync.transport import plain_http_warning

# Worst first: a badge shows the state that most needs the clerk's attention.
_SEVERITY = ("conflict", "rejected", "retry", "sending", "pending", "synced")

BADGE_TEXT = {
    "none": "Chưa có dữ liệu đồng bộ.",
    "pending": "Đang chờ gửi lên máy chủ tỉnh.",
    "sending": "Đang gửi lên máy chủ tỉnh.",
    "retry": "Chưa gửi được, sẽ thử lại",
    "synced": "Đã đồng bộ với máy chủ tỉnh.",
    "rejected": "Máy chủ tỉnh từ chối",
    "conflict": "Xung đột với dữ liệu trên máy chủ tỉnh",
}


#: What the clerk does about a dossier the server refused: the printed receipt is not on the
#: server, and when its code is another dossier's, the citizen's QR opens someone else's record.
CALL_BACK = (
    "Biên nhận đã in cho công dân không có trên máy chủ tỉnh: gọi lại công dân, báo quản trị "
    "để cấp lại biên nhận đúng (xem hồ sơ: `counter-app lookup MÃ`)."
)
CODE_TAKEN_ADVICE = (
    "Mã này đã thuộc hồ sơ của công dân khác (hai máy cấp trùng mã): mã QR trên biên nhận của công "
    "dân mở hồ sơ của người khác. " + CALL_BACK
)


@dataclass(frozen=True)
class RejectedDossier:
    """A dossier whose record the server refused for good: an alarm naming code and citizen."""

    code: str
    uuid: str
    applicant: str  # masked, as on every list a screen or a log may show
    reason: str
    rejected_at: datetime

    @property
    def code_taken(self) -> bool:
        return CODE_TAKEN_TEXT in self.reason

    @property
    def advice(self) -> str:
        return CODE_TAKEN_ADVICE if self.code_taken else CALL_BACK

    @property
    def message(self) -> str:
        return f"Hồ sơ {self.code} ({self.applicant}) bị máy chủ tỉnh từ chối: {self.reason}"

    def to_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "uuid": self.uuid,
            "applicant": self.applicant,
            "reason": self.reason,
            "code_taken": self.code_taken,
            "rejected_at": self.rejected_at.isoformat(),
            "advice": self.advice,
        }


def rejected_dossiers(db: Database) -> list[RejectedDossier]:
    """Every dossier with a record the server refused for good (its newest), oldest first."""
    from counter_app.identity import mask_name

    newest = (
        select(OutboxEntry.entity_uuid, func.max(OutboxEntry.id).label("id"))
        .where(OutboxEntry.entity == "dossier", OutboxEntry.state == "rejected")
        .group_by(OutboxEntry.entity_uuid)
        .subquery()
    )
    with db.read() as s:
        rows = s.execute(
            select(
                Dossier.code,
                Dossier.uuid,
                Dossier.applicant_name,
                OutboxEntry.last_error,
                OutboxEntry.updated_at,
            )
            .join(newest, newest.c.entity_uuid == Dossier.uuid)
            .join(OutboxEntry, OutboxEntry.id == newest.c.id)
            .order_by(OutboxEntry.updated_at, Dossier.code)
        ).all()
    return [
        RejectedDossier(code, uuid, mask_name(name or ""), error or "", at)
        for code, uuid, name, error, at in rows
    ]


@dataclass(frozen=True)
class SyncStatus:
    """One snapshot for the status bar; every text is Vietnamese."""

    configured: bool
    online: bool | None
    pending: int
    rejected: int
    conflicts: int
    last_success: datetime | None
    last_error: str
    paused: str
    warning: str
    #: The server binds this token to another installation: no code is issued (issuing.py).
    token_elsewhere: str = ""
    rejected_dossiers: tuple[RejectedDossier, ...] = ()

    @property
    def has_pending(self) -> bool:
        return self.pending > 0


def sync_status(services: Any) -> SyncStatus:
    """Read the queue and the engine's last outcome from the database (cheap: a few queries)."""
    counts = queue_counts(services.db)
    values = st.read_values(services.db)
    sync = services.settings.sync
    online = values.get(st.ONLINE)
    last = values.get(st.LAST_SUCCESS) or ""
    try:
        last_success = datetime.fromisoformat(last) if last else None
    except ValueError:
        last_success = None
    return SyncStatus(
        configured=bool(sync.server_url and sync.token),
        online=None if online is None else online == "1",
        pending=counts.waiting,
        # Files refused for good wait for the clerk exactly like rejected records.
        rejected=counts.rejected + rejected_file_count(services.db),
        conflicts=counts.conflict,
        last_success=last_success,
        last_error=values.get(st.LAST_ERROR, ""),
        paused=values.get(st.PAUSED, ""),
        warning=plain_http_warning(sync.server_url) if sync.server_url else "",
        token_elsewhere=values.get(st.TOKEN_ELSEWHERE, ""),
        rejected_dossiers=tuple(rejected_dossiers(services.db)),
    )


def sync_badge(services: Any, dossier_uuid: str) -> tuple[str, str]:
    """(state, Vietnamese message) for one dossier: its own rows and its events' rows."""
    with services.db.read() as s:
        event_uuids = select(DossierEvent.uuid).join(Dossier).where(Dossier.uuid == dossier_uuid)
        rows = s.execute(
            select(OutboxEntry.entity, OutboxEntry.state, OutboxEntry.last_error).where(
                ((OutboxEntry.entity == "dossier") & (OutboxEntry.entity_uuid == dossier_uuid))
                | ((OutboxEntry.entity == "event") & OutboxEntry.entity_uuid.in_(event_uuids))
            )
        ).all()
        ref = s.scalar(select(Dossier.provincial_ref).where(Dossier.uuid == dossier_uuid))
    refused = [f for f in rejected_files(services.db) if f.uuid == dossier_uuid]
    if refused and all(r.state not in ("conflict", "rejected") for r in rows):
        # A file refused for good needs the clerk as much as a refused record does.
        f = refused[0]
        return "rejected", f"Máy chủ tỉnh từ chối tệp «{f.name}» (giấy tờ {f.paper}): {f.reason}"
    if not rows:
        return "none", BADGE_TEXT["none"]
    # Among equally bad rows the dossier's own first: when the server refuses a dossier, its
    # intake event is refused too ("no such dossier"), and the clerk needs the dossier's reason.
    worst = min(
        rows,
        key=lambda r: (
            _SEVERITY.index(r.state) if r.state in _SEVERITY else 0,
            r.entity != "dossier",
        ),
    )
    state = str(worst.state)
    message = BADGE_TEXT.get(state, state)
    if state in ("retry", "rejected", "conflict") and worst.last_error:
        message = f"{message}: {worst.last_error}"
    elif state in ("retry", "rejected", "conflict"):
        message += "."
    if state == "synced" and ref:
        message = f"Đã đồng bộ với máy chủ tỉnh (số tham chiếu {ref})."
    return state, message


#: How many refused records `rejected_records` lists (the count is in the sync report).
REJECTED_LIST_MAX = 100


def rejected_records(services: Any, limit: int = REJECTED_LIST_MAX) -> list[dict[str, Any]]:
    """The records the server refused for good, oldest first, each with its dossier's code and
    the server's Vietnamese reason (what `sync` prints, beside the dossier's badge)."""
    with services.db.read() as s:
        rows = s.execute(
            select(
                OutboxEntry.entity,
                OutboxEntry.entity_uuid,
                OutboxEntry.version,
                OutboxEntry.payload,
                OutboxEntry.last_error,
            )
            .where(OutboxEntry.state == "rejected")
            .order_by(OutboxEntry.id)
            .limit(limit)
        ).all()
    out = []
    for r in rows:
        payload = r.payload if isinstance(r.payload, dict) else {}
        code = payload.get("code") if r.entity == "dossier" else payload.get("dossier_code")
        out.append(
            {
                "entity": r.entity,
                "uuid": r.entity_uuid,
                "version": r.version,
                "code": code if isinstance(code, str) else None,
                "message": r.last_error,
            }
        )
    return out
