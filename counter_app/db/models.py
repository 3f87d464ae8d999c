"""ORM models of the counter database (SQLAlchemy 2, typed).

All datetimes are naive local wall time of Asia/Ho_Chi_Minh: the appointment rules, the receipts and
the reports all speak in local time, and Vietnam has no daylight saving.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Stable constraint names so alembic migrations work the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class Procedure(Base):
    """An administrative procedure (thủ tục hành chính) from the catalog."""

    __tablename__ = "procedure"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    name_folded: Mapped[str] = mapped_column(String(500), default="")
    sector: Mapped[str] = mapped_column(String(200), default="")
    sector_code: Mapped[str | None] = mapped_column(String(32))
    level: Mapped[str] = mapped_column(String(16), default="province")
    processing_amount: Mapped[float] = mapped_column(Numeric(8, 2, asdecimal=False))
    processing_unit: Mapped[str] = mapped_column(String(16))
    cutoff: Mapped[str | None] = mapped_column(String(5))
    fee: Mapped[int] = mapped_column(Integer, default=0)
    fee_note: Mapped[str] = mapped_column(Text, default="")
    # A per-page or per-copy fee rule (catalog.FeeRule.to_json), or None for the flat `fee`.
    fee_rule: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    result: Mapped[str] = mapped_column(Text, default="")
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    source_note: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime)

    papers: Mapped[list[ProcedurePaper]] = relationship(
        back_populates="procedure",
        order_by="ProcedurePaper.position",
        cascade="all, delete-orphan",
    )


class ProcedurePaper(Base):
    """A paper the procedure requires (thành phần hồ sơ)."""

    __tablename__ = "procedure_paper"
    __table_args__ = (UniqueConstraint("procedure_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(Text)
    originals: Mapped[int] = mapped_column(Integer, default=1)
    copies: Mapped[int] = mapped_column(Integer, default=0)
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # The counter must scan this paper when it is handed in (Nghị định 118/2025).
    digitise: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    procedure: Mapped[Procedure] = relationship(back_populates="papers")


class Applicant(Base):
    """The person or organisation filing (chủ hồ sơ); one row per identity number."""

    __tablename__ = "applicant"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[int] = mapped_column(Integer, default=1)
    id_kind: Mapped[str] = mapped_column(String(16))
    id_number: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    birth_date: Mapped[date | None] = mapped_column(Date)
    phone: Mapped[str] = mapped_column(String(16), default="")
    email: Mapped[str] = mapped_column(String(255), default="")
    address: Mapped[str] = mapped_column(String(500), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class User(Base):
    """A person who signs in at a counter: clerk, supervisor or admin."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


#: FTS5 prefix-index lengths of `dossier_fts` (SQLite), created by migrations 0001/0008 outside the
#: ORM: every name-word prefix up to the longest Vietnamese syllable ("nghieng", 7 letters) is one
#: doclist, so a type-ahead search walks to the newest matches instead of merging every term.
DOSSIER_FTS_PREFIX = "1 2 3 4 5 6 7"
#: The second FTS5 table on SQLite, `dossier_word_pairs` (migration 0012, outside the ORM too):
#: pairs of word prefixes, so several words are answered by a few rare doclists
#: (counter_app.search.word_pairs).


class Dossier(Base):
    """A dossier (hồ sơ) received at a counter."""

    __tablename__ = "dossier"
    __table_args__ = (
        Index("ix_dossier_received_at", "received_at"),
        Index("ix_dossier_status_appointment_counter", "status", "appointment_at", "counter_no"),
        # The list filtered by status alone: newest first without walking the whole table.
        Index("ix_dossier_status_id", "status", "id"),
        Index("ix_dossier_applicant", "applicant_id"),
        # One entry per number in a book of "Sổ theo dõi hồ sơ" (dossier_codes.register_key).
        Index(
            "ux_dossier_register",
            "unit_identifier",
            "register_month",
            "register_no",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    unit_identifier: Mapped[str] = mapped_column(String(48))
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id"))
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicant.id"))
    # Snapshot of who filed: the applicant row follows the latest visit, a receipt must not.
    applicant_name: Mapped[str] = mapped_column(String(255))
    applicant_snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    channel: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    appointment_at: Mapped[datetime] = mapped_column(DateTime)
    counter_no: Mapped[int] = mapped_column(Integer)
    # The register entry given at intake: book = unit + month (first day), number within it.
    # None only for a record rebuilt from a server that never had it, until it is filled.
    register_month: Mapped[date | None] = mapped_column(Date, nullable=True)
    register_no: Mapped[int | None] = mapped_column(Integer, nullable=True)
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    clerk_name: Mapped[str] = mapped_column(String(255), default="")
    fee: Mapped[int] = mapped_column(Integer, default=0)
    dossier_sets: Mapped[int] = mapped_column(Integer, default=1)
    summary: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    missing_papers_reason: Mapped[str] = mapped_column(Text, default="")
    # Why papers the catalog says must be digitised were saved without a file (scanner down).
    undigitised_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    result_delivery: Mapped[str] = mapped_column(String(16), default="counter")
    delivery_address: Mapped[str] = mapped_column(String(500), default="")
    handed_back_at: Mapped[datetime | None] = mapped_column(DateTime)
    provincial_ref: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Folded "name id code phone" for diacritics-insensitive search (FTS5 `dossier_fts` on
    # SQLite, see DOSSIER_FTS_PREFIX; a trigram GIN index on PostgreSQL).
    search_text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime)

    procedure: Mapped[Procedure] = relationship()
    applicant: Mapped[Applicant] = relationship()
    papers: Mapped[list[DossierPaper]] = relationship(
        back_populates="dossier", order_by="DossierPaper.position", cascade="all, delete-orphan"
    )
    events: Mapped[list[DossierEvent]] = relationship(
        back_populates="dossier", order_by="DossierEvent.id", cascade="all, delete-orphan"
    )


class DossierPaper(Base):
    """A paper of the dossier's procedure: handed in, or not (missing only when required)."""

    __tablename__ = "dossier_paper"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(12), default="")
    name: Mapped[str] = mapped_column(Text)
    originals: Mapped[int] = mapped_column(Integer, default=0)
    copies: Mapped[int] = mapped_column(Integer, default=0)
    pages: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    submitted: Mapped[bool] = mapped_column(Boolean, default=True)
    # Required by the procedure on intake day (copied from the catalog then, never after): a
    # paper not handed in is «missing» only if it was required (migration 0013 fills old rows).
    required: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    position: Mapped[int] = mapped_column(Integer, default=0)

    dossier: Mapped[Dossier] = relationship(back_populates="papers")


class DossierEvent(Base):
    """One step of a dossier's status history."""

    __tablename__ = "dossier_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    actor: Mapped[str] = mapped_column(String(255), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    # "counter" for what happened here, "server" for what the back office did.
    source: Mapped[str] = mapped_column(String(16), default="counter")
    # Set when the event moved the appointment (Mẫu 04): {"previous", "new", "reason", "apology"}.
    appointment_change: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    dossier: Mapped[Dossier] = relationship(back_populates="events")


class Slip(Base):
    """A supplement-request (Mẫu 02) or refusal slip issued at the counter."""

    __tablename__ = "slip"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossier.id"))
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id"))
    applicant_name: Mapped[str] = mapped_column(String(255))
    applicant_snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    items: Mapped[list[Any]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    counter_no: Mapped[int] = mapped_column(Integer)
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    clerk_name: Mapped[str] = mapped_column(String(255), default="")


class Rating(Base):
    """A citizen's rating of the service after the result was handed back."""

    __tablename__ = "rating"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), index=True, unique=True)
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime, index=True)


class DossierFile(Base):
    """A digitised paper of a dossier: metadata here, the bytes in the file store by hash."""

    __tablename__ = "dossier_file"
    __table_args__ = (UniqueConstraint("dossier_id", "paper_code", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), index=True
    )
    paper_code: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(255))
    mime: Mapped[str] = mapped_column(String(64))
    pages: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    digitised_by: Mapped[str] = mapped_column(String(255))
    digitised_at: Mapped[datetime] = mapped_column(DateTime)
    # When the server confirmed it holds the whole file (then its metadata is queued for push).
    uploaded_at: Mapped[datetime | None] = mapped_column(DateTime)


class FileRejection(Base):
    """A digitised file the server refused for good (or the local copy is unreadable): not
    retried until someone asks (`sync --retry-rejected`); `reason` is Vietnamese."""

    __tablename__ = "file_rejection"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit: Mapped[str] = mapped_column(String(48))
    # The server's HTTP status (0: the local copy is missing or damaged) and error code.
    status: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(50))
    reason: Mapped[str] = mapped_column(Text)
    rejected_at: Mapped[datetime] = mapped_column(DateTime)


class OnlineDossier(Base):
    """A dossier a citizen filed online, as this counter learned of it from the server's feed.

    `state`: new (anyone may take it), claiming (asked for, no answer yet: offline), mine (the
    server granted it here), taken (another counter has it), accepted / supplement / refused (the
    decision reached the server). `wanted` is the clerk's decision while it is on its way.
    """

    __tablename__ = "online_dossier"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    procedure_code: Mapped[str] = mapped_column(String(32), index=True)
    applicant: Mapped[dict[str, Any]] = mapped_column(JSON)
    papers: Mapped[list[Any]] = mapped_column(JSON)
    submitted_at: Mapped[datetime] = mapped_column(DateTime)
    state: Mapped[str] = mapped_column(String(16), default="new", index=True)
    holder: Mapped[str] = mapped_column(String(100), default="")
    wanted: Mapped[str] = mapped_column(String(16), default="")
    wanted_detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    dossier_code: Mapped[str | None] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class AuditEntry(Base):
    """Who did what, when. Holds no personal data: ids and codes only."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    username: Mapped[str] = mapped_column(String(64), default="")
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32), default="")
    entity_ref: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class OutboxEntry(Base):
    """A change waiting to reach the provincial server; written in the change's own transaction."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_state_next", "state", "next_attempt_at"),
        # The sync key: badge lookups and the pull's unsent-change check (migration 0002).
        Index("ix_outbox_entity_key", "entity", "entity_uuid", "version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(16))
    entity_uuid: Mapped[str] = mapped_column(String(36), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    # pending, sending, synced, retry, rejected, conflict
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class CodeSequence(Base):
    """Last dossier number issued per receiving unit and day; bumped in the intake transaction."""

    __tablename__ = "code_sequence"

    unit_identifier: Mapped[str] = mapped_column(String(48), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer)


class IntakeRef(Base):
    """A caller's key for a draft ("ref" in a batch line): the same ref returns this dossier."""

    __tablename__ = "intake_ref"

    ref: Mapped[str] = mapped_column(String(200), primary_key=True)
    dossier_id: Mapped[int] = mapped_column(
        ForeignKey("dossier.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime)


class CentreSetting(Base):
    """Centre-wide settings shared by every counter on this database (key → JSON value)."""

    __tablename__ = "centre_setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON)


class CalendarException(Base):
    """An extra day off or a make-up working day (làm bù) announced by the government."""

    __tablename__ = "calendar_exception"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(String(255), default="")
    # The announcing document ("Văn bản 12729/VPCP-KGVX ngày 25/12/2025"); "" if set by hand.
    reference: Mapped[str] = mapped_column(String(255), default="", server_default="")


class SyncState(Base):
    """Small key/value state of the sync engine (pull cursor, last success, last error)."""

    __tablename__ = "sync_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")
