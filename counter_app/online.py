"""Online dossiers at the counter: check what citizens filed online, then accept, ask or refuse.

The server's feed brings each online dossier (status 1) to every counter; a clerk opens one, views
its papers and decides. A decision first asks the server for the dossier: only the counter the
server grants it to goes on, so two counters can never both accept one. The clerk's decision is
saved before anything is sent (`wanted`), so with the network down it waits and is carried out by
the next sync cycle; the list then tells the clerk how it went (granted, or taken by another
counter). Accepting receives the dossier like a walk-in one (a code of this counter's unit, the
appointment from the calendar, channel 2), attaches the online papers as its digitised files, and
sends the receipt back to the citizen through the server.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from counter_app.attachments import DEFAULT_MAX_BYTES, AttachmentError, FileStore, inspect_file
from counter_app.auth import UserInfo
from counter_app.db.engine import Database
from counter_app.db.models import OnlineDossier
from counter_app.domain import Channel, Permission, SlipKind, local_now
from counter_app.errors import UserError
from counter_app.file_limit import mb, server_limit
from counter_app.intake import ApplicantDraft, DossierDraft
from counter_app.sync.files import download_parts
from counter_app.sync.transport import HttpTransport, TransientError, TransportError

if TYPE_CHECKING:
    from counter_app.services import CounterServices

log = logging.getLogger(__name__)

OPEN_STATES = ("new", "claiming", "mine")
#: Where the bytes of online papers are cached on this counter (under the file store).
ONLINE_UNIT = "online"


class OnlineDossierError(UserError):
    """An online dossier cannot be handled as asked (message for the clerk)."""


@dataclass(frozen=True)
class OnlineItem:
    """One online dossier as the list shows it."""

    uuid: str
    procedure: str
    applicant: dict[str, Any]
    submitted_at: datetime
    files: list[dict[str, Any]]
    state: str
    holder: str
    message: str
    dossier_code: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "uuid": self.uuid,
            "procedure": self.procedure,
            "applicant": self.applicant,
            "submitted_at": self.submitted_at.isoformat(),
            "files": self.files,
            "state": self.state,
            "holder": self.holder,
            "message": self.message,
            "dossier_code": self.dossier_code,
        }


@dataclass(frozen=True)
class OnlineOutcome:
    """What a decision did: `done` when the server has it; else `message` says what waits."""

    uuid: str
    state: str
    done: bool
    message: str
    code: str | None = None
    appointment: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        status = {"accepted": 2, "supplement": 5, "refused": 3}.get(self.state, 1)
        return {
            "code": self.code,
            "uuid": self.uuid,
            "appointment": self.appointment.isoformat() if self.appointment else None,
            "status": status,
            "state": self.state,
            "done": self.done,
            "message": self.message,
        }


# -- the feed ------------------------------------------------------------------------------------


def apply_online_change(s: Session, data: dict[str, Any], now: datetime) -> int:
    """A new online dossier from the feed (kept once; a repeat changes nothing)."""
    uuid = str(data.get("uuid", ""))
    if len(uuid) != 36 or s.scalar(select(OnlineDossier.id).where(OnlineDossier.uuid == uuid)):
        return 0
    try:
        submitted = datetime.fromisoformat(str(data.get("submitted_at"))).replace(tzinfo=None)
    except ValueError:
        submitted = now
    applicant = data.get("applicant")
    papers = data.get("papers")
    s.add(
        OnlineDossier(
            uuid=uuid,
            procedure_code=str(data.get("procedure", ""))[:32],
            applicant=applicant if isinstance(applicant, dict) else {},
            papers=[p for p in papers if isinstance(p, dict)] if isinstance(papers, list) else [],
            submitted_at=submitted,
            state="new",
            holder="",
            wanted="",
            wanted_detail={},
            message="",
            updated_at=now,
        )
    )
    return 1


def apply_claimed_change(s: Session, data: dict[str, Any], now: datetime) -> int:
    """Another counter (or this one) was granted a dossier: it leaves the others' lists."""
    row = s.scalar(select(OnlineDossier).where(OnlineDossier.uuid == str(data.get("uuid", ""))))
    if row is None or row.state != "new":
        return 0  # this counter's own claim already moved its row on
    row.state = "taken"
    row.holder = str(data.get("counter", ""))[:100]
    row.message = f"Quầy «{row.holder}» đã nhận hồ sơ này."
    row.updated_at = now
    return 1


# -- the service ---------------------------------------------------------------------------------


class OnlineService:
    """Lists online dossiers and carries out the clerk's decisions through the server."""

    def __init__(
        self,
        services: CounterServices,
        *,
        transport: Callable[[], HttpTransport | None],
        clock: Callable[[], datetime] = local_now,
    ) -> None:
        self._services = services
        self._db: Database = services.db
        self._transport = transport
        self._clock = clock
        self._cache = FileStore(services.settings.paths.files_dir)

    def list(self, *, include_done: bool = False) -> list[OnlineItem]:
        """Online dossiers of the procedures this counter receives, oldest first."""
        known = {p.code for p in self._services.catalog.all()}
        with self._db.read() as s:
            query = select(OnlineDossier).order_by(OnlineDossier.submitted_at, OnlineDossier.id)
            if not include_done:
                query = query.where(OnlineDossier.state.in_(OPEN_STATES))
            return [_item(r) for r in s.scalars(query) if r.procedure_code in known]

    def count_open(self) -> int:
        return len(self.list())

    def get(self, uuid: str) -> OnlineItem:
        with self._db.read() as s:
            row = _row(s, uuid)
            return _item(row)

    def paper(self, uuid: str, sha256: str) -> bytes:
        """A paper's bytes (fetched from the server once, then from the local cache)."""
        item = self.get(uuid)
        if not any(p.get("sha256") == sha256 for p in item.files):
            raise OnlineDossierError("Hồ sơ trực tuyến không có tệp này.")
        try:
            return self._cache.read(ONLINE_UNIT, sha256)
        except FileNotFoundError:
            pass
        entry = next(p for p in item.files if p.get("sha256") == sha256)
        size = entry.get("size")
        # Never more than the server accepts for one file (its stated limit, else the default).
        limit = server_limit(self._db) or DEFAULT_MAX_BYTES
        if not isinstance(size, int) or isinstance(size, bool) or not 0 < size <= limit:
            raise OnlineDossierError(
                f"Tệp «{entry.get('name', '')}» của hồ sơ trực tuyến có dung lượng không hợp lệ "
                f"hoặc vượt giới hạn {mb(limit)} một tệp; hãy báo quản trị máy chủ tỉnh."
            )
        transport = self._need_transport()
        # In parts, kept beside the cache as they come: a cut connection resumes, not restarts.
        part = self._cache.path(ONLINE_UNIT, sha256).with_suffix(".download")
        try:
            data = download_parts(
                transport, f"/online/{uuid}/files/{sha256}", sha256, size, part=part
            )
        except TransientError as exc:
            if part.exists():
                raise OnlineDossierError(f"Chưa tải xong tệp từ máy chủ: {exc}") from exc
            raise OnlineDossierError(f"{exc} Hãy thử lại.") from exc
        except TransportError as exc:
            raise OnlineDossierError(f"Chưa tải được tệp từ máy chủ: {exc}") from exc
        self._cache.put(ONLINE_UNIT, data, sha256)
        return data

    # -- decisions -------------------------------------------------------------------------

    def accept(self, uuid: str, *, by: UserInfo) -> OnlineOutcome:
        by.require(Permission.RECEIVE)
        return self._decide(uuid, "accept", {}, by)

    def supplement(
        self, uuid: str, papers: Sequence[str], reason: str, *, by: UserInfo
    ) -> OnlineOutcome:
        by.require(Permission.ISSUE_SLIP)
        codes = [p.strip().upper() for p in papers if p.strip()]
        if not codes:
            raise OnlineDossierError("Giấy tờ cần bổ sung: hãy chọn ít nhất một giấy tờ.")
        if not reason.strip():
            raise OnlineDossierError("Lý do yêu cầu bổ sung: không được để trống.")
        return self._decide(uuid, "supplement", {"papers": codes, "reason": reason}, by)

    def refuse(self, uuid: str, reason: str, *, by: UserInfo) -> OnlineOutcome:
        by.require(Permission.ISSUE_SLIP)
        if not reason.strip():
            raise OnlineDossierError("Lý do từ chối: không được để trống.")
        return self._decide(uuid, "refuse", {"reason": reason}, by)

    def process_pending(self) -> int:
        """Carry out decisions that waited for the server (called by each sync cycle)."""
        with self._db.read() as s:
            waiting = list(
                s.execute(
                    select(OnlineDossier.uuid, OnlineDossier.wanted, OnlineDossier.wanted_detail)
                    .where(OnlineDossier.wanted != "")
                    .where(OnlineDossier.state.in_(("claiming", "mine")))
                ).all()
            )
        done = 0
        for uuid, wanted, detail in waiting:
            by = UserInfo(
                None, str(detail.get("by_user", "")), str(detail.get("by", "")), _role(detail)
            )
            try:
                if self._carry_out(uuid, wanted, detail, by).done:
                    done += 1
            except UserError as exc:
                self._note(uuid, message=str(exc))
        return done

    def _decide(
        self, uuid: str, wanted: str, detail: dict[str, Any], by: UserInfo
    ) -> OnlineOutcome:
        detail = {**detail, "by": by.full_name, "by_user": by.username, "role": by.role.value}
        with self._db.write() as s:
            row = _row(s, uuid)
            if row.state == "taken":
                raise OnlineDossierError(
                    f"Hồ sơ trực tuyến này đã được quầy «{row.holder}» nhận xử lý."
                )
            if row.state in ("accepted", "supplement", "refused"):
                raise OnlineDossierError("Hồ sơ trực tuyến này đã được xử lý.")
            if row.wanted and row.wanted != wanted:
                raise OnlineDossierError("Hồ sơ này đang chờ gửi một quyết định khác lên máy chủ.")
            row.wanted, row.wanted_detail = wanted, detail
            if row.state == "new":
                row.state = "claiming"
            row.updated_at = self._clock()
        return self._carry_out(uuid, wanted, detail, by)

    def _carry_out(
        self, uuid: str, wanted: str, detail: dict[str, Any], by: UserInfo
    ) -> OnlineOutcome:
        transport = self._transport()
        if transport is None:
            return self._waiting(uuid, "Quầy chưa cấu hình máy chủ đồng bộ: quyết định đang chờ.")
        state = self.get(uuid).state
        try:
            if state == "claiming":
                reply = transport.post(f"/online/{uuid}/claim", {})
                if reply.get("granted") is not True:
                    holder = str(reply.get("holder", ""))[:100]
                    message = f"Hồ sơ trực tuyến này đã được quầy «{holder}» nhận trước."
                    self._note(uuid, state="taken", holder=holder, wanted="", message=message)
                    return OnlineOutcome(uuid, "taken", False, message)
                self._note(uuid, state="mine", message="Máy chủ đã giao hồ sơ cho quầy này.")
            code, appointment, body = self._local_part(uuid, wanted, detail, by)
            transport.post(f"/online/{uuid}/decision", body)
        except TransportError as exc:
            log.info("online decision %s waits: %s", uuid[:8], exc)
            return self._waiting(uuid, f"Chưa gửi được lên máy chủ ({exc}); sẽ tự gửi lại.")
        final = {"accept": "accepted", "supplement": "supplement", "refuse": "refused"}[wanted]
        message = {
            "accepted": f"Đã tiếp nhận, mã hồ sơ {code}.",
            "supplement": "Đã gửi yêu cầu bổ sung cho công dân.",
            "refused": "Đã gửi phiếu từ chối cho công dân.",
        }[final]
        self._note(uuid, state=final, wanted="", message=message)
        return OnlineOutcome(uuid, final, True, message, code, appointment)

    def _local_part(
        self, uuid: str, wanted: str, detail: dict[str, Any], by: UserInfo
    ) -> tuple[str | None, datetime | None, dict[str, Any]]:
        """Do the counter's side once (receive, slip) and build the decision for the server."""
        item = self.get(uuid)
        if wanted != "accept":
            kind = SlipKind.SUPPLEMENT if wanted == "supplement" else SlipKind.REFUSAL
            if not detail.get("slip_uuid"):
                slip = self._services.dossiers.issue_slip(
                    kind,
                    procedure_code=item.procedure,
                    applicant=item.applicant,
                    items=[str(p) for p in detail.get("papers", [])],
                    reason=str(detail.get("reason", "")),
                    clerk=by,
                )
                self._remember(uuid, slip_uuid=slip.uuid)
            return (
                None,
                None,
                {
                    "decision": wanted,
                    "reason": str(detail.get("reason", "")),
                    "papers": list(detail.get("papers", [])),
                },
            )
        code = item.dossier_code
        if code is None:
            code = self._receive(item, by)
        row = self._services.dossiers.lookup(code, by=by)
        appointment = row.appointment_at if row is not None else None
        from counter_app.receipts import Layout

        pdf = self._services.receipts.receipt_pdf(code, Layout.A4, by=by)
        return (
            code,
            appointment,
            {
                "decision": "accept",
                "code": code,
                "appointment": appointment.isoformat() if appointment else "",
                "receipt_base64": base64.b64encode(pdf).decode(),
            },
        )

    def _receive(self, item: OnlineItem, by: UserInfo) -> str:
        a = item.applicant
        papers = sorted({str(p.get("paper", "")) for p in item.files if p.get("paper")})
        procedure = self._services.catalog.get(item.procedure)
        known = {p.code for p in procedure.papers} if procedure is not None else set()
        required = {p.code for p in procedure.required_papers} if procedure is not None else set()
        given = [p for p in papers if p in known]
        missing = required - set(given)
        draft = DossierDraft(
            procedure_code=item.procedure,
            applicant=ApplicantDraft(
                name=str(a.get("name", "")),
                id_number=str(a.get("id_number", "")),
                phone=str(a.get("phone", "")),
                address=str(a.get("address", "")),
            ),
            papers=given,
            missing_reason="Hồ sơ trực tuyến: cán bộ đã kiểm tra bản điện tử." if missing else "",
            channel=Channel.ONLINE,
            uuid=item.uuid,
        )
        received = self._services.intake.receive(draft, clerk=by)
        self._remember(item.uuid, dossier_code=received.code)
        for paper in item.files:
            if paper.get("paper") not in known:
                continue
            data = self.paper(item.uuid, str(paper["sha256"]))
            try:
                check = inspect_file(data, str(paper.get("name", "tep")))
                self._services.attachments.attach_checked(
                    received.code, str(paper["paper"]), [(check, data)], by=by
                )
            except AttachmentError as exc:
                log.warning("online paper not attached: %s", exc)
        return received.code

    # -- bookkeeping -----------------------------------------------------------------------

    def _need_transport(self) -> HttpTransport:
        transport = self._transport()
        if transport is None:
            raise OnlineDossierError("Quầy chưa cấu hình máy chủ đồng bộ (sync.server_url).")
        return transport

    def _waiting(self, uuid: str, message: str) -> OnlineOutcome:
        self._note(uuid, message=message)
        return OnlineOutcome(uuid, self.get(uuid).state, False, message)

    def _remember(self, uuid: str, **values: Any) -> None:
        with self._db.write() as s:
            row = _row(s, uuid)
            if "dossier_code" in values:
                row.dossier_code = values.pop("dossier_code")
            row.wanted_detail = {**row.wanted_detail, **values}
            row.updated_at = self._clock()

    def _note(self, uuid: str, **values: Any) -> None:
        with self._db.write() as s:
            row = _row(s, uuid)
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_at = self._clock()


def _role(detail: dict[str, Any]) -> Any:
    from counter_app.domain import Role

    try:
        return Role(str(detail.get("role", "clerk")))
    except ValueError:
        return Role.CLERK


def _row(s: Session, uuid: str) -> OnlineDossier:
    row = s.scalar(select(OnlineDossier).where(OnlineDossier.uuid == uuid.strip().lower()))
    if row is None:
        raise OnlineDossierError(f"Không có hồ sơ trực tuyến {uuid.strip()} trên quầy này.")
    return row


def _item(r: OnlineDossier) -> OnlineItem:
    return OnlineItem(
        r.uuid,
        r.procedure_code,
        dict(r.applicant),
        r.submitted_at,
        [dict(p) for p in r.papers],
        r.state,
        r.holder,
        r.message,
        r.dossier_code,
    )
