"""The server's file store: digitised papers uploaded in chunks that resume after a cut.

A file is named by its SHA-256 and kept once per owning counter, outside the database:
`root/<owner>/<aa>/<sha256>`. An upload appends chunks at an explicit offset to
`<sha256>.part`; a client that lost its connection asks how much arrived (`status`) and goes on
from there. When the last byte arrives the whole file is hashed: only a file whose hash matches
its name becomes visible, so a corrupted or truncated transfer can never be taken for the paper.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: One chunk per request at most; the client sends 1 MiB.
MAX_CHUNK_BYTES = 4 * 1024 * 1024
DEFAULT_MAX_FILE_BYTES = 20 * 1024 * 1024
_HEX = frozenset("0123456789abcdef")


class FileStoreError(ValueError):
    """An upload the server refuses; `code` is the protocol's error code."""

    def __init__(self, status: int, code: str, message: str, received: int | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.received = received


@dataclass(frozen=True)
class FileStatus:
    sha256: str
    received: int
    complete: bool

    def to_json(self) -> dict[str, object]:
        return {"sha256": self.sha256, "received": self.received, "complete": self.complete}


def valid_sha256(text: str) -> bool:
    return len(text) == 64 and set(text) <= _HEX


def _owner_dir(owner: str) -> str:
    # Owners are counter names or unit identifiers: keep only what is safe in a path.
    safe = "".join(c for c in owner if c.isascii() and (c.isalnum() or c in "._-"))
    if not safe or safe.startswith("."):
        raise FileStoreError(400, "bad_owner", "Tên quầy không dùng được làm thư mục tệp.")
    return safe


class ServerFiles:
    """Chunked, resumable, hash-checked uploads into a content-addressed folder."""

    def __init__(self, root: Path, *, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> None:
        self.root = root
        self.max_file_bytes = max_file_bytes
        self._lock = threading.Lock()

    def _paths(self, owner: str, sha256: str) -> tuple[Path, Path]:
        if not valid_sha256(sha256):
            raise FileStoreError(400, "bad_hash", "Mã băm SHA-256 của tệp không hợp lệ.")
        folder = self.root / _owner_dir(owner) / sha256[:2]
        return folder / sha256, folder / f"{sha256}.part"

    def status(self, owner: str, sha256: str) -> FileStatus:
        final, part = self._paths(owner, sha256)
        if final.exists():
            return FileStatus(sha256, final.stat().st_size, True)
        return FileStatus(sha256, part.stat().st_size if part.exists() else 0, False)

    def complete(self, owner: str, sha256: str) -> bool:
        return valid_sha256(sha256) and self._paths(owner, sha256)[0].exists()

    def append(
        self, owner: str, sha256: str, *, offset: int, total: int, chunk: bytes
    ) -> FileStatus:
        """Write `chunk` at `offset` of a `total`-byte file; the last chunk checks the hash."""
        if not 0 < total <= self.max_file_bytes:
            raise FileStoreError(
                413,
                "file_too_large",
                f"Tệp {total} byte vượt giới hạn {self.max_file_bytes} byte của máy chủ.",
            )
        if len(chunk) > MAX_CHUNK_BYTES:
            raise FileStoreError(413, "too_large", f"Mỗi phần tối đa {MAX_CHUNK_BYTES} byte.")
        final, part = self._paths(owner, sha256)
        with self._lock:
            if final.exists():
                return FileStatus(sha256, final.stat().st_size, True)
            have = part.stat().st_size if part.exists() else 0
            if offset != have:
                raise FileStoreError(
                    409,
                    "offset",
                    f"Máy chủ đã có {have} byte của tệp, không phải {offset}.",
                    received=have,
                )
            if offset + len(chunk) > total:
                raise FileStoreError(400, "bad_range", "Phần gửi vượt quá độ dài tệp đã khai.")
            part.parent.mkdir(parents=True, exist_ok=True)
            with part.open("ab") as fh:
                fh.write(chunk)
                fh.flush()
                os.fsync(fh.fileno())
            have += len(chunk)
            if have < total:
                return FileStatus(sha256, have, False)
            digest = hashlib.sha256()
            with part.open("rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
            if digest.hexdigest() != sha256:
                part.unlink(missing_ok=True)
                raise FileStoreError(
                    422, "hash_mismatch", "Tệp nhận được không khớp mã băm: cần gửi lại từ đầu."
                )
            os.replace(part, final)
            return FileStatus(sha256, total, True)

    def read(self, owner: str, sha256: str) -> bytes:
        final, _ = self._paths(owner, sha256)
        return final.read_bytes()


# -- download: a counter getting its unit's files back (a restored or replaced PC) -------------

#: One download reply at most: below the client's reply ceiling, whatever the file's size.
MAX_DOWNLOAD_BYTES = MAX_CHUNK_BYTES


def unit_file_owners(db: Any, unit: str, sha256: str) -> list[str]:
    """The counters (file owners) whose records of `unit` list a file with this hash.

    This is the unit check of a download: a counter reads a file only if a file record of its
    own unit references it, so one unit can never read another's papers by guessing a hash.
    """
    from sqlalchemy import select

    from counter_app.server.schema import counter_t, record_t

    if not valid_sha256(sha256):
        return []
    with db.read() as s:
        rows = s.execute(
            select(counter_t.c.name)
            .join(record_t, record_t.c.counter_id == counter_t.c.id)
            .where(
                record_t.c.entity == "file",
                record_t.c.unit == unit,
                # Payloads are stored as canonical JSON (sorted keys, no spaces).
                record_t.c.payload.contains(f'"sha256":"{sha256}"', autoescape=True),
            )
            .distinct()
        ).all()
    return [str(r[0]) for r in rows]


def read_range(
    files: ServerFiles, owners: list[str], sha256: str, offset: int, length: int
) -> bytes:
    """Up to `length` bytes of a whole file from the first owner holding it, from `offset`."""
    for owner in owners:
        final, _ = files._paths(owner, sha256)
        if not final.exists():
            continue
        with final.open("rb") as fh:
            fh.seek(offset)
            return fh.read(max(0, min(length, MAX_DOWNLOAD_BYTES)))
    raise FileStoreError(404, "not_found", "Máy chủ không có tệp này của đơn vị.")


# -- backup: the server's files folder beside its database backup ------------------------------


@dataclass
class FilesBackup:
    """What copying the server's files folder did; `damaged` lists files failing their hash."""

    folder: Path
    files: int = 0
    copied: int = 0
    bytes_copied: int = 0
    damaged: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "folder": str(self.folder),
            "files": self.files,
            "copied": self.copied,
            "bytes_copied": self.bytes_copied,
            "damaged": self.damaged,
        }


def backup_store(root: Path, target: Path) -> FilesBackup:
    """Copy every whole file under `root` (owner/aa/sha256) to the same place under `target`,
    each checked against its name on the way; files already there with the same size are
    skipped (immutable, named by hash), half-uploaded `.part` files are not backed up."""
    from counter_app.atomic import write_bytes

    report = FilesBackup(target)
    if not root.is_dir():
        return report
    for path in sorted(root.glob("*/*/*")):
        if not valid_sha256(path.name) or not path.is_file():
            continue
        report.files += 1
        copy = target / path.relative_to(root)
        try:
            if copy.stat().st_size == path.stat().st_size:
                continue
        except FileNotFoundError:
            pass
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != path.name:
            report.damaged.append(str(path.relative_to(root)))
            continue
        write_bytes(copy, data)
        report.copied += 1
        report.bytes_copied += len(data)
    return report
