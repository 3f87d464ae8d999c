"""Uploading digitised papers: chunked, resumable, each file exactly once.

For every stored file the server has not confirmed, the uploader asks how much arrived, sends the
rest in chunks at explicit offsets, and only when the server reports the whole file (its hash
checked there) marks the local rows uploaded and queues their metadata records in the outbox, in
one transaction. So a cut at any point resumes where the server stopped; the bytes are never sent
twice once confirmed; and the server never lists a paper whose bytes it does not hold.

A file the server refuses for good (too large, corrupt, hash mismatch, any other lasting 4xx) or
whose local copy is missing or damaged is recorded in `file_rejection` with the reason and skipped
from then on, so it is not sent again every cycle while the dossier's other records still sync;
`requeue_files` (sync --retry-rejected, the window's "send again") deletes the record. Transient
errors (5xx, 429, a cut) propagate to the engine, which retries with backoff from the offset the
server reports.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, inspect, select

from counter_app.attachments import AttachmentError, FileStore
from counter_app.db.engine import Database
from counter_app.db.models import Dossier, DossierFile, FileRejection
from counter_app.domain import local_now
from counter_app.outbox import enqueue
from counter_app.sync.transport import HttpTransport, RequestRejected, TransientError

CHUNK_BYTES = 1024 * 1024

#: Refusals about the server or its address, not about the file: never recorded against a file.
_SETUP_CODES = frozenset({"protocol", "length_required", "method", "not_found"})
#: `FileRejection.status` of a file whose local copy is missing or damaged.
LOCAL = 0


@dataclass
class UploadReport:
    files: int = 0
    bytes_sent: int = 0
    rejected: int = 0  # files refused for good during this run


@dataclass(frozen=True)
class RejectedFile:
    """A file not sent because it was refused for good, with the dossier and paper it belongs to."""

    sha256: str
    dossier: str
    paper: str
    name: str
    status: int
    code: str
    reason: str
    rejected_at: datetime
    uuid: str = ""  # the dossier's

    def to_json(self) -> dict[str, object]:
        return {
            "sha256": self.sha256,
            "dossier": self.dossier,
            "paper": self.paper,
            "name": self.name,
            "status": self.status,
            "code": self.code,
            "reason": self.reason,
            "rejected_at": self.rejected_at.isoformat(),
        }

    @property
    def message(self) -> str:
        return f"Hồ sơ {self.dossier}, giấy tờ {self.paper}, tệp «{self.name}»: {self.reason}"


def lasting(exc: RequestRejected) -> bool:
    """True when resending the same bytes can never succeed (so the file is set aside)."""
    return exc.status != 404 and exc.code not in _SETUP_CODES and exc.code != "offset"


def _has_table(db: Database) -> bool:
    with db.engine.connect() as conn:
        return inspect(conn).has_table(FileRejection.__tablename__)


def file_payload(f: DossierFile, dossier: Dossier) -> dict[str, Any]:
    return {
        "uuid": f.uuid,
        "dossier_uuid": dossier.uuid,
        "dossier_code": dossier.code,
        "paper": f.paper_code,
        "name": f.name,
        "mime": f.mime,
        "pages": f.pages,
        "size": f.size,
        "sha256": f.sha256,
        "digitised_by": f.digitised_by,
        "digitised_at": f.digitised_at.isoformat(),
    }


def pending_files(db: Database) -> list[tuple[str, str, int]]:
    """(unit, sha256, size) of every stored file the server has not confirmed yet and has not
    refused for good."""
    with db.read() as s:
        rows = s.execute(
            select(Dossier.unit_identifier, DossierFile.sha256, DossierFile.size)
            .join(Dossier, Dossier.id == DossierFile.dossier_id)
            .where(
                DossierFile.uploaded_at.is_(None),
                DossierFile.sha256.not_in(select(FileRejection.sha256)),
            )
            .distinct()
            .order_by(DossierFile.sha256)
        ).all()
    return [(r[0], r[1], int(r[2])) for r in rows]


def rejected_files(db: Database) -> list[RejectedFile]:
    """Every file set aside, once per dossier and paper it is attached to, oldest first."""
    if not _has_table(db):
        return []
    with db.read() as s:
        rows = s.execute(
            select(
                FileRejection, Dossier.code, DossierFile.paper_code, DossierFile.name, Dossier.uuid
            )
            .join(DossierFile, DossierFile.sha256 == FileRejection.sha256)
            .join(Dossier, Dossier.id == DossierFile.dossier_id)
            .where(DossierFile.uploaded_at.is_(None))
            .order_by(FileRejection.rejected_at, Dossier.code, DossierFile.paper_code)
        ).all()
        return [
            RejectedFile(
                r.sha256, code, paper, name, r.status, r.code, r.reason, r.rejected_at, uuid
            )
            for r, code, paper, name, uuid in rows
        ]


def rejected_file_count(db: Database) -> int:
    """Files (by hash) set aside and still not on the server: the status bar's share."""
    if not _has_table(db):
        return 0
    with db.read() as s:
        waiting = select(DossierFile.sha256).where(DossierFile.uploaded_at.is_(None))
        return int(
            s.scalar(
                select(func.count())
                .select_from(FileRejection)
                .where(FileRejection.sha256.in_(waiting))
            )
            or 0
        )


def requeue_files(db: Database, shas: set[str] | None = None) -> int:
    """Try set-aside files again at the next cycle (all, or those in `shas`); returns how many."""
    with db.write() as s:
        stmt = delete(FileRejection)
        if shas is not None:
            stmt = stmt.where(FileRejection.sha256.in_(shas))
        result: Any = s.execute(stmt.execution_options(synchronize_session=False))
        return int(result.rowcount)


class FileUploader:
    """Sends pending files through `transport`; raises the transport's errors to the engine."""

    def __init__(
        self,
        db: Database,
        store: FileStore,
        transport: HttpTransport,
        *,
        chunk_bytes: int = CHUNK_BYTES,
        clock: Callable[[], datetime] = local_now,
    ) -> None:
        self.db = db
        self.store = store
        self.transport = transport
        self.chunk_bytes = chunk_bytes
        self.clock = clock

    def upload_pending(self, report: UploadReport | None = None) -> UploadReport:
        """Send every pending file; one refused for good is set aside and the others go on.
        Transient errors and a refused token are raised (the engine retries or pauses); what
        was done before is in `report` when the caller passes one."""
        report = report if report is not None else UploadReport()
        for unit, sha, _size in pending_files(self.db):
            try:
                report.bytes_sent += self.upload(unit, sha)
            except RequestRejected as exc:
                if not lasting(exc):
                    raise
                self._reject(unit, sha, exc.status, exc.code or "rejected", str(exc))
                report.rejected += 1
                continue
            except LocalFileError as exc:
                self._reject(unit, sha, LOCAL, exc.code, str(exc))
                report.rejected += 1
                continue
            self._confirm(sha)
            report.files += 1
        return report

    def upload(self, unit: str, sha: str) -> int:
        """Send what the server lacks of one file; returns the bytes sent."""
        data = self._local(unit, sha)  # checks the local copy against its hash first
        path = f"/files/{sha}"
        offset = self._received(path)
        sent = 0
        restarts = 0
        while offset is not None and offset < len(data):
            chunk = data[offset : offset + self.chunk_bytes]
            try:
                reply = self.transport.put_bytes(
                    path,
                    chunk,
                    {"Upload-Offset": str(offset), "Upload-Length": str(len(data))},
                )
            except RequestRejected as exc:
                # Another attempt (a cut after the server wrote) moved the offset: ask again.
                if exc.code in ("offset", "hash_mismatch") and restarts < 3:
                    restarts += 1
                    offset = self._received(path)
                    continue
                if exc.code == "offset":  # another sender keeps moving it: try again later
                    raise TransientError(str(exc)) from exc
                raise
            sent += len(chunk)
            if reply.get("complete") is True:
                return sent
            offset = _int(reply.get("received"))
        if offset is None:
            return sent
        raise TransientError("Máy chủ chưa xác nhận đủ nội dung tệp.")

    def _local(self, unit: str, sha: str) -> bytes:
        try:
            return self.store.read(unit, sha)
        except FileNotFoundError as exc:
            raise LocalFileError(
                "missing",
                "Tệp không còn trong kho tệp của máy này; hãy khôi phục từ bản sao lưu "
                "(counter-app restore) hoặc đính kèm lại.",
            ) from exc
        except AttachmentError as exc:
            raise LocalFileError(
                "corrupt", f"{exc} Hãy khôi phục từ bản sao lưu hoặc đính kèm lại."
            ) from exc
        except OSError as exc:
            raise LocalFileError(
                "unreadable", f"Không đọc được tệp trong kho của máy này: {exc.strerror or exc}."
            ) from exc

    def _reject(self, unit: str, sha: str, status: int, code: str, reason: str) -> None:
        now = self.clock()
        with self.db.write() as s:
            row = s.get(FileRejection, sha)
            if row is None:
                s.add(
                    FileRejection(
                        sha256=sha,
                        unit=unit,
                        status=status,
                        code=code[:50],
                        reason=reason,
                        rejected_at=now,
                    )
                )
            else:
                row.status, row.code, row.reason, row.rejected_at = status, code[:50], reason, now

    def _received(self, path: str) -> int | None:
        """Bytes the server holds, or None when it has the whole file."""
        status = self.transport.get(path, {})
        if status.get("complete") is True:
            return None
        return _int(status.get("received"))

    def _confirm(self, sha: str) -> None:
        now = self.clock()
        with self.db.write() as s:
            rows = s.execute(
                select(DossierFile, Dossier)
                .join(Dossier, Dossier.id == DossierFile.dossier_id)
                .where(DossierFile.sha256 == sha, DossierFile.uploaded_at.is_(None))
            ).all()
            for f, dossier in rows:
                f.uploaded_at = now
                enqueue(s, "file", f.uuid, file_payload(f, dossier))


class LocalFileError(Exception):
    """The local copy of a file is missing or does not match its hash; `code` says which."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _int(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise TransientError("Phản hồi của máy chủ về tệp không hợp lệ.", shrink=False)


def download(transport: HttpTransport, sha: str, size: int) -> bytes:
    """A file of this counter's unit back from the server (a restored PC), in parts small enough
    for the reply ceiling; checked against its hash. Raises the transport's errors."""
    return download_parts(transport, f"/files/{sha}/content", sha, size)


def download_parts(
    transport: HttpTransport, path: str, sha: str, size: int, part: Path | None = None
) -> bytes:
    """`size` bytes of `path` asked `?offset=N&length=M` part by part (each under the transport's
    reply ceiling, so a file of any size the server accepts comes down), checked against `sha`.
    With `part`, what has arrived is kept in that file, so a download cut off resumes where it
    stopped; it is removed once the whole file is in (or fails its hash)."""
    have = bytearray()
    if part is not None:
        with contextlib.suppress(FileNotFoundError):
            have += part.read_bytes()
        if len(have) > size:  # not a prefix of this file: start again
            have.clear()
            part.unlink(missing_ok=True)
        part.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(part.open("ab")) if part is not None else None
        while len(have) < size:
            want = min(CHUNK_BYTES * 4, size - len(have))
            chunk = transport.get_bytes(f"{path}?offset={len(have)}&length={want}")[:want]
            if not chunk:
                break
            have += chunk
            if out is not None:
                out.write(chunk)
                out.flush()
    if part is not None:
        part.unlink(missing_ok=True)  # whole or wrong, it is of no use any more
    data = bytes(have)
    if len(data) != size or hashlib.sha256(data).hexdigest() != sha:
        raise TransientError("Tệp tải về từ máy chủ không khớp mã băm.")
    return data
