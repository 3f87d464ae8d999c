"""Uploading digitised papers: chunked, resumable, each file exactly once.

For every stored file the server has not confirmed, the uploader asks how much arrived, sends the
rest in chunks at explicit offsets, and only when the server reports the whole file (its hash
checked there) marks the local rows uploaded and queues their metadata records in the outbox, in
one transaction. So a cut at any point resumes where the server stopped; the bytes are never sent
twice once confirmed; and the server never lists a paper whose bytes it does not hold.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from counter_app.attachments import FileStore
from counter_app.db.engine import Database
from counter_app.db.models import Dossier, DossierFile
from counter_app.domain import local_now
from counter_app.outbox import enqueue
from counter_app.sync.transport import HttpTransport, RequestRejected, TransientError

CHUNK_BYTES = 1024 * 1024


@dataclass
class UploadReport:
    files: int = 0
    bytes_sent: int = 0


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
    """(unit, sha256, size) of every stored file the server has not confirmed yet."""
    with db.read() as s:
        rows = s.execute(
            select(Dossier.unit_identifier, DossierFile.sha256, DossierFile.size)
            .join(Dossier, Dossier.id == DossierFile.dossier_id)
            .where(DossierFile.uploaded_at.is_(None))
            .distinct()
            .order_by(DossierFile.sha256)
        ).all()
    return [(r[0], r[1], int(r[2])) for r in rows]


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

    def upload_pending(self) -> UploadReport:
        report = UploadReport()
        for unit, sha, _size in pending_files(self.db):
            report.bytes_sent += self.upload(unit, sha)
            self._confirm(sha)
            report.files += 1
        return report

    def upload(self, unit: str, sha: str) -> int:
        """Send what the server lacks of one file; returns the bytes sent."""
        data = self.store.read(unit, sha)  # checks the local copy against its hash first
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
                raise
            sent += len(chunk)
            if reply.get("complete") is True:
                return sent
            offset = _int(reply.get("received"))
        if offset is None:
            return sent
        raise TransientError("Máy chủ chưa xác nhận đủ nội dung tệp.")

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


def _int(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise TransientError("Phản hồi của máy chủ về tệp không hợp lệ.", shrink=False)
