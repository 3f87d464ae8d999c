"""Digitised papers: files attached to a dossier's papers, kept once each by their SHA-256.

Nghị định 118/2025 has the counter digitise the papers of dossiers received in person. A file is
checked (a PDF or an image that really opens, its pages counted) before anything is stored; its
bytes go into a content-addressed store outside the database (a folder per receiving unit, named
by hash, so the same scan attached twice is stored once), and its metadata (paper, pages, size,
hash, who digitised it and when) into the database in one transaction. The bytes are written
first: a crash between the two leaves an unreferenced file, never a row without its file.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import tempfile
import uuid as uuidlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from counter_app.audit import audit
from counter_app.auth import UserInfo
from counter_app.db.engine import Database
from counter_app.db.models import Dossier, DossierFile, DossierPaper, ProcedurePaper
from counter_app.domain import Channel, Permission, local_now
from counter_app.errors import UserError
from counter_app.file_limit import FileLimit, effective_limit, mb, server_limit
from counter_app.identity import InvalidValue, normalize_text
from counter_app.outbox import dossier_payload, enqueue

#: The default ceiling for one file; a province's server may allow less (then sync refuses it).
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
#: A scanned paper has a few pages; more than this is a mistake or an attack (decompression bomb).
MAX_PAGES = 500
_MAX_IMAGE_PIXELS = 80_000_000  # ~A3 at 600 dpi in colour; larger is refused, not decoded


class AttachmentError(UserError):
    """A file could not be attached; the message names the file and says why."""


@dataclass(frozen=True)
class FileCheck:
    """What inspecting a file found: its kind, pages and hash."""

    name: str
    mime: str
    pages: int
    size: int
    sha256: str


@dataclass(frozen=True)
class AttachedFile:
    """A file as `lookup` and the detail dialog list it."""

    uuid: str
    paper: str
    name: str
    mime: str
    pages: int
    size: int
    sha256: str
    digitised_by: str
    digitised_at: datetime

    def to_json(self) -> dict[str, object]:
        return {
            "uuid": self.uuid,
            "paper": self.paper,
            "name": self.name,
            "mime": self.mime,
            "pages": self.pages,
            "size": self.size,
            "sha256": self.sha256,
            "digitised_by": self.digitised_by,
            "digitised_at": self.digitised_at.isoformat(),
        }


def _pdf_pages(data: bytes, name: str) -> int:
    import pypdfium2

    try:
        pdf = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        raise AttachmentError(
            f"Tệp «{name}» không phải PDF đọc được (tệp hỏng hoặc có mật khẩu)."
        ) from exc
    try:
        pages = len(pdf)
        if pages:
            pdf[0].close()  # the first page must load, not only the cross-reference table
    except pypdfium2.PdfiumError as exc:
        raise AttachmentError(f"Tệp «{name}»: trang đầu của PDF bị hỏng.") from exc
    finally:
        pdf.close()
    return pages


def _image_pages(data: bytes, name: str) -> tuple[str, int]:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = (image.format or "").upper()
            width, height = image.size
            if width * height > _MAX_IMAGE_PIXELS:
                raise AttachmentError(
                    f"Tệp «{name}»: ảnh quá lớn ({width}×{height} điểm ảnh); "
                    "hãy quét ở độ phân giải thấp hơn (200–300 dpi)."
                )
            pages = int(getattr(image, "n_frames", 1))
            for frame in range(min(pages, MAX_PAGES)):
                image.seek(frame)
                image.load()  # a truncated scan fails here, not when the back office opens it
    except AttachmentError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        raise AttachmentError(
            f"Tệp «{name}» không phải ảnh hoặc PDF đọc được (tệp hỏng hoặc sai định dạng)."
        ) from exc
    mime = {"JPEG": "image/jpeg", "PNG": "image/png", "TIFF": "image/tiff"}.get(kind)
    if mime is None:
        raise AttachmentError(
            f"Tệp «{name}»: định dạng {kind or 'không rõ'} không được nhận; "
            "chỉ nhận PDF, JPEG, PNG hoặc TIFF."
        )
    return mime, pages


def inspect_file(data: bytes, name: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> FileCheck:
    """Check that `data` is a PDF or image that opens; count its pages; hash it."""
    if len(data) > max_bytes:
        raise AttachmentError(
            f"Tệp «{name}» dung lượng {len(data) / 1048576:.1f} MB, vượt giới hạn "
            f"{max_bytes / 1048576:.0f} MB cho một tệp. Hãy quét ở độ phân giải thấp hơn "
            "hoặc tách thành nhiều tệp."
        )
    if not data:
        raise AttachmentError(f"Tệp «{name}» rỗng.")
    if data[:5] == b"%PDF-":
        mime, pages = "application/pdf", _pdf_pages(data, name)
    else:
        mime, pages = _image_pages(data, name)
    if not 1 <= pages <= MAX_PAGES:
        raise AttachmentError(f"Tệp «{name}» có {pages} trang; cần từ 1 đến {MAX_PAGES} trang.")
    return FileCheck(name, mime, pages, len(data), hashlib.sha256(data).hexdigest())


@dataclass(frozen=True)
class StagedFile:
    """A checked file for one paper of a dossier not saved yet; its bytes are in the store.

    The intake form keeps these in its draft (so a crash loses no scan) and `receive` records
    them with the dossier in one transaction.
    """

    paper: str
    name: str
    mime: str
    pages: int
    size: int
    sha256: str

    def to_json(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: object) -> StagedFile | None:
        """A draft's entry, or None when it is not one (an old or damaged draft)."""
        if not isinstance(data, dict):
            return None
        try:
            staged = cls(
                str(data["paper"]),
                str(data["name"]),
                str(data["mime"]),
                int(data["pages"]),
                int(data["size"]),
                str(data["sha256"]),
            )
        except (KeyError, TypeError, ValueError):
            return None
        return staged if len(staged.sha256) == 64 else None


def paper_label(code: str, name: str) -> str:
    """How messages name a paper: «TK — Tờ khai …» (long names cut)."""
    short = name if len(name) <= 60 else name[:57].rstrip() + "…"
    return f"«{code} — {short}»" if short else f"«{code}»"


@dataclass(frozen=True)
class Undigitised:
    """A received dossier whose must-digitise papers have no file yet, and the clerk's reason."""

    code: str
    received_at: datetime
    clerk: str
    papers: tuple[tuple[str, str], ...]  # (code, name)
    reason: str

    def to_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "received_at": self.received_at.isoformat(),
            "clerk": self.clerk,
            "papers": [{"code": c, "name": n} for c, n in self.papers],
            "reason": self.reason,
        }


class FileStore:
    """Files by hash under `root/<unit>/<first two hex digits>/<sha256>`; each written once."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, unit: str, sha256: str) -> Path:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / _safe_unit(unit) / sha256[:2] / sha256

    def put(self, unit: str, data: bytes, sha256: str) -> Path:
        """Store `data` (whose hash the caller computed) unless it is there already, whole."""
        target = self.path(unit, sha256)
        if target.exists() and target.stat().st_size == len(data):
            # Chosen again: the daily sweep of unsaved staged files counts its grace from now.
            with contextlib.suppress(OSError):
                os.utime(target)
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target

    def read(self, unit: str, sha256: str) -> bytes:
        data = self.path(unit, sha256).read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise AttachmentError(f"Tệp {sha256[:12]}… trong kho đã bị thay đổi hoặc hỏng.")
        return data


def _safe_unit(unit: str) -> str:
    # Unit identifiers are dot-separated groups of digits and capitals (QĐ 20/2020); anything
    # else would be a path trick.
    if not unit or not all(c.isascii() and (c.isalnum() or c == ".") for c in unit):
        raise ValueError(f"bad unit identifier {unit!r}")
    return unit


class AttachmentService:
    """Attach digitised papers to received dossiers and list them."""

    def __init__(
        self,
        db: Database,
        store: FileStore,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        clock: Callable[[], datetime] = local_now,
        unit: Callable[[], str] | None = None,
    ) -> None:
        self._db = db
        self._store = store
        self._max_bytes = max_bytes  # this counter's own ceiling (settings.max_file_mb)
        self._clock = clock
        self._unit = unit

    @property
    def store(self) -> FileStore:
        return self._store

    def limit(self) -> FileLimit:
        """The size limit in force: ours, or the server's as last heard when it is lower."""
        return effective_limit(self._max_bytes, server_limit(self._db))

    def check(
        self, data: bytes, name: str, paper: str, *, limit: FileLimit | None = None
    ) -> FileCheck:
        """`inspect_file` with the limit in force; every message names the paper and the file."""
        limit = limit or self.limit()
        if len(data) > limit.max_bytes:
            raise AttachmentError(
                f"Giấy tờ {paper}: tệp «{name}» dung lượng {mb(len(data))}, vượt giới hạn "
                f"{limit.text} một tệp {limit.whose}. Hãy quét ở độ phân giải thấp hơn "
                "hoặc tách thành nhiều tệp."
            )
        try:
            return inspect_file(data, name, max_bytes=limit.max_bytes)
        except AttachmentError as exc:
            raise AttachmentError(f"Giấy tờ {paper}: {exc}") from exc

    def read_path(self, path: Path) -> bytes:
        try:
            return path.read_bytes()
        except FileNotFoundError as exc:
            raise AttachmentError(f"Không tìm thấy tệp «{path}».") from exc
        except IsADirectoryError as exc:
            raise AttachmentError(f"«{path}» là thư mục, không phải tệp.") from exc
        except OSError as exc:
            raise AttachmentError(f"Không đọc được tệp «{path}»: {exc.strerror}.") from exc

    # -- before the dossier exists (the intake form, `intake --file`) ---------------------------

    def stage(self, paper_code: str, paper_name: str, data: bytes, name: str) -> StagedFile:
        """Check a file for a paper of a dossier being typed and put its bytes in the store;
        the dossier's save records it (`record_staged`). Raises AttachmentError naming both."""
        if self._unit is None:
            raise RuntimeError("AttachmentService without a unit cannot stage files")
        check = self.check(data, name, paper_label(paper_code, paper_name))
        self._store.put(self._unit(), data, check.sha256)
        return StagedFile(paper_code, check.name, check.mime, check.pages, check.size, check.sha256)

    def stage_path(self, paper_code: str, paper_name: str, path: Path) -> StagedFile:
        return self.stage(paper_code, paper_name, self.read_path(path), _display_name(path))

    def staged_content(self, f: StagedFile) -> bytes:
        """A staged file's bytes (for the form's page viewer), checked against its hash."""
        if self._unit is None:
            raise RuntimeError("AttachmentService without a unit has no staged files")
        try:
            return self._store.read(self._unit(), f.sha256)
        except OSError as exc:
            raise AttachmentError(f"Tệp «{f.name}» không còn trong kho tệp của quầy.") from exc

    def staged_problem(self, f: StagedFile, unit: str, label: str, limit: FileLimit) -> str:
        """Why a staged file cannot be saved now ('' when it can): gone from the store, or
        larger than the limit heard from the server since it was staged."""
        if f.size > limit.max_bytes:
            return (
                f"Giấy tờ {label}: tệp «{f.name}» dung lượng {mb(f.size)}, vượt giới hạn "
                f"{limit.text} một tệp {limit.whose}; hãy gỡ tệp và quét lại ở độ phân giải thấp "
                "hơn hoặc tách thành nhiều tệp."
            )
        try:
            stored = self._store.path(unit, f.sha256)
            ok = stored.is_file() and stored.stat().st_size == f.size
        except (ValueError, OSError):
            ok = False
        if not ok:
            return (
                f"Giấy tờ {label}: tệp «{f.name}» không còn trong kho tệp của quầy; "
                "hãy gỡ tệp rồi quét hoặc chọn lại."
            )
        return ""

    def record_staged(
        self, s: Session, dossier: Dossier, files: Sequence[StagedFile], *, by: UserInfo
    ) -> list[AttachedFile]:
        """Rows for staged files, in the caller's (the intake's) transaction."""
        now = self._clock().replace(microsecond=0)
        seen: set[tuple[str, str]] = set()
        rows = []
        for f in files:
            if (f.paper, f.sha256) in seen:  # the same scan chosen twice for one paper
                continue
            seen.add((f.paper, f.sha256))
            row = _file_row(dossier.id, f.paper, f, by, now)
            s.add(row)
            rows.append(row)
        s.flush()
        return [_attached(r) for r in rows]

    def attach(
        self, code: str, paper_code: str, files: Sequence[Path], *, by: UserInfo
    ) -> list[AttachedFile]:
        """Check every file first, then store and record them all; any bad file attaches none."""
        by.require(Permission.RECEIVE)
        if not files:
            raise AttachmentError("Chưa chọn tệp nào để đính kèm.")
        label = self.paper_label(code, paper_code)
        limit = self.limit()
        loaded: list[tuple[FileCheck, bytes]] = []
        for path in files:
            data = self.read_path(path)
            loaded.append((self.check(data, _display_name(path), label, limit=limit), data))
        return self.attach_checked(code, paper_code, loaded, by=by)

    def paper_label(self, code: str, paper_code: str) -> str:
        """«TK — Tờ khai …» of a received dossier's paper (AttachmentError when there is none)."""
        with self._db.read() as s:
            _, paper = self._dossier_and_paper(s, code, paper_code.strip().upper())
            return paper_label(paper.code, paper.name)

    def attach_checked(
        self,
        code: str,
        paper_code: str,
        loaded: Sequence[tuple[FileCheck, bytes]],
        *,
        by: UserInfo,
    ) -> list[AttachedFile]:
        by.require(Permission.RECEIVE)
        paper = paper_code.strip().upper()
        with self._db.read() as s:
            dossier, _ = self._dossier_and_paper(s, code, paper)
            unit = dossier.unit_identifier
        for check, data in loaded:
            self._store.put(unit, data, check.sha256)
        now = self._clock().replace(microsecond=0)
        with self._db.write() as s:
            dossier, _ = self._dossier_and_paper(s, code, paper)
            existing = {
                f.sha256: f
                for f in s.scalars(
                    select(DossierFile).where(
                        DossierFile.dossier_id == dossier.id, DossierFile.paper_code == paper
                    )
                )
            }
            out: list[DossierFile] = []
            for check, _data in loaded:
                row = existing.get(check.sha256)
                if row is None:
                    row = _file_row(dossier.id, paper, check, by, now)
                    s.add(row)
                    existing[check.sha256] = row
                out.append(row)
            s.flush()
            audit(
                s,
                by,
                "dossier.attach",
                "dossier",
                dossier.code,
                {"paper": paper, "files": [r.sha256[:12] for r in out]},
            )
            _clear_undigitised_reason(s, dossier, now)
            return [_attached(r) for r in out]

    def files(self, code: str) -> list[AttachedFile]:
        """The files of a dossier, paper by paper, in the order they were attached."""
        with self._db.read() as s:
            rows = s.scalars(
                select(DossierFile)
                .join(Dossier, Dossier.id == DossierFile.dossier_id)
                .where(Dossier.code == code.strip().upper())
                .order_by(DossierFile.paper_code, DossierFile.id)
            )
            return [_attached(r) for r in rows]

    def undigitised(
        self, code: str | None = None, *, by: UserInfo, limit: int = 500
    ) -> list[Undigitised]:
        """Dossiers saved without the files of papers the catalog says must be digitised (the
        supervisor's list; one dossier with `code`). A paper drops off once a file is attached."""
        by.require(Permission.VIEW_DOSSIERS)
        with self._db.read() as s:
            query = _undigitised_query().order_by(
                Dossier.received_at.desc(), Dossier.id.desc(), DossierPaper.position
            )
            if code is not None:
                query = query.where(Dossier.code == code.strip().upper())
            found: dict[int, Undigitised] = {}
            for dossier, paper in s.execute(query).all():
                item = found.get(dossier.id)
                if item is None:
                    if len(found) >= limit:
                        break
                    item = Undigitised(
                        dossier.code,
                        dossier.received_at,
                        dossier.clerk_name,
                        (),
                        dossier.undigitised_reason,
                    )
                found[dossier.id] = Undigitised(
                    item.code,
                    item.received_at,
                    item.clerk,
                    (*item.papers, (paper.code, paper.name)),
                    item.reason,
                )
            return list(found.values())

    def content(self, code: str, sha256: str) -> bytes:
        """A stored file's bytes, checked against its hash (for the viewer and the upload)."""
        with self._db.read() as s:
            dossier = s.scalar(select(Dossier).where(Dossier.code == code.strip().upper()))
            if dossier is None:
                raise AttachmentError(f"Không tìm thấy hồ sơ mã {code.strip()}.")
            unit = dossier.unit_identifier
        return self._store.read(unit, sha256)

    @staticmethod
    def _dossier_and_paper(s: Session, code: str, paper: str) -> tuple[Dossier, DossierPaper]:
        dossier = s.scalar(select(Dossier).where(Dossier.code == code.strip().upper()))
        if dossier is None:
            raise AttachmentError(f"Không tìm thấy hồ sơ mã {code.strip()}.")
        papers = {p.code: p for p in dossier.papers}
        if paper not in papers:
            raise AttachmentError(
                f"Giấy tờ: hồ sơ {dossier.code} không có giấy tờ mã «{paper}» "
                f"(các mã: {', '.join(sorted(papers))})."
            )
        return dossier, papers[paper]


def _file_row(
    dossier_id: int, paper: str, f: FileCheck | StagedFile, by: UserInfo, now: datetime
) -> DossierFile:
    """The row recording a checked file for a paper: who digitised it and when."""
    return DossierFile(
        uuid=str(uuidlib.uuid4()),
        dossier_id=dossier_id,
        paper_code=paper,
        name=f.name,
        mime=f.mime,
        pages=f.pages,
        size=f.size,
        sha256=f.sha256,
        digitised_by=by.full_name,
        digitised_at=now,
    )


def _undigitised_query() -> Select[Dossier, DossierPaper]:
    """(dossier, paper) of walk-in dossiers' submitted must-digitise papers without a file."""
    has_file = (
        select(DossierFile.id)
        .where(
            DossierFile.dossier_id == DossierPaper.dossier_id,
            DossierFile.paper_code == DossierPaper.code,
        )
        .exists()
    )
    return (
        select(Dossier, DossierPaper)
        .join(DossierPaper, DossierPaper.dossier_id == Dossier.id)
        .join(
            ProcedurePaper,
            (ProcedurePaper.procedure_id == Dossier.procedure_id)
            & (ProcedurePaper.code == DossierPaper.code),
        )
        .where(
            ProcedurePaper.digitise.is_(True),
            DossierPaper.submitted.is_(True),
            Dossier.channel == int(Channel.IN_PERSON),
            ~has_file,
        )
    )


def _clear_undigitised_reason(s: Session, dossier: Dossier, now: datetime) -> None:
    """Once the last missing scan is in, the reason no longer holds: clear it here and send the
    dossier again (a new version) so the server clears it too."""
    if not dossier.undigitised_reason:
        return
    if s.execute(_undigitised_query().where(Dossier.id == dossier.id).limit(1)).first():
        return
    dossier.undigitised_reason = ""
    dossier.version += 1
    dossier.updated_at = now
    s.flush()
    enqueue(s, "dossier", dossier.uuid, dossier_payload(dossier), version=dossier.version)


def _display_name(path: Path) -> str:
    try:
        return normalize_text(path.name, max_length=255) or "tệp"
    except InvalidValue:
        return "tệp"


def _attached(r: DossierFile) -> AttachedFile:
    return AttachedFile(
        r.uuid,
        r.paper_code,
        r.name,
        r.mime,
        r.pages,
        r.size,
        r.sha256,
        r.digitised_by,
        r.digitised_at,
    )
