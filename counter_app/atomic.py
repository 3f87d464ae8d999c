"""The one way the app writes a file: a temporary file beside it, fsync, then an atomic rename.

A reader (or a crash, a full disk, a pulled plug) sees the old file or the new one, never half of
one; the temporary file is removed on any failure; the file is readable by this user only (it may
hold personal data). A full or read-only disk becomes a Vietnamese `DiskError` naming the folder.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from counter_app.errors import UserError

PRIVATE_MODE = 0o600
TEMP_PREFIX = ".tmp-"


class DiskError(UserError, OSError):
    """A file could not be written because of the disk; the message names the folder."""


def disk_message(exc: OSError, folder: Path) -> str:
    """A Vietnamese sentence for an OSError of the disk, naming the folder and what to do."""
    code = exc.errno
    if code == errno.ENOSPC or code == getattr(errno, "EDQUOT", -1):
        return (
            f"Ổ đĩa chứa thư mục {folder} đã đầy. Hãy giải phóng dung lượng (xoá tệp không cần, "
            "chép bản sao lưu cũ sang nơi khác) rồi thử lại; dữ liệu đã lưu không bị mất."
        )
    if code == errno.EROFS:
        return (
            f"Thư mục {folder} nằm trên ổ đĩa chỉ đọc; hãy chọn thư mục khác hoặc gỡ chế độ "
            "chỉ đọc."
        )
    if code in (errno.EACCES, errno.EPERM):
        return f"Không có quyền ghi vào thư mục {folder}."
    return f"Không ghi được vào thư mục {folder}: {exc.strerror or exc}."


def as_disk_error(exc: OSError, folder: Path) -> DiskError:
    err = DiskError(disk_message(exc, folder))
    err.errno = exc.errno
    return err


def _fsync_dir(folder: Path) -> None:
    # POSIX: the rename is durable only once the folder is synced. Windows cannot open a folder
    # for fsync (and NTFS journals the rename), so there is nothing to do there.
    if os.name == "nt":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def atomic_path(target: Path, *, mode: int = PRIVATE_MODE) -> Iterator[Path]:
    """A temporary path beside `target` for a writer that needs a file name (SQLite, zip,
    pg_dump); on success it is fsynced and renamed over `target`, on failure removed."""
    target = Path(target)
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=folder, prefix=TEMP_PREFIX + target.name + ".")
        os.close(fd)
    except OSError as exc:
        raise as_disk_error(exc, folder) from exc
    tmp = Path(name)
    try:
        _chmod(tmp, mode)
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        _fsync_dir(folder)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, DiskError):
            raise
        raise as_disk_error(exc, folder) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def atomic_open(target: Path, *, mode: int = PRIVATE_MODE) -> Iterator[IO[bytes]]:
    """A binary file handle whose content replaces `target` atomically when the block ends."""
    with atomic_path(target, mode=mode) as tmp:
        try:
            with open(tmp, "wb") as fh:
                yield fh
                fh.flush()
        except OSError as exc:
            raise as_disk_error(exc, tmp.parent) from exc


def write_bytes(target: Path, data: bytes, *, mode: int = PRIVATE_MODE) -> Path:
    """Replace `target` with `data` atomically; returns `target`."""
    with atomic_open(target, mode=mode) as fh:
        fh.write(data)
    return Path(target)


def write_text(target: Path, text: str, *, mode: int = PRIVATE_MODE) -> Path:
    """Replace `target` with UTF-8 `text` atomically; returns `target`."""
    return write_bytes(target, text.encode("utf-8"), mode=mode)


def write_with(target: Path, writer: Callable[[Path], object], *, mode: int = PRIVATE_MODE) -> Path:
    """Let `writer(tmp_path)` produce the file under a temporary name, then rename it in place."""
    with atomic_path(target, mode=mode) as tmp:
        writer(tmp)
    return Path(target)


def copy_file(source: Path, target: Path, *, mode: int = PRIVATE_MODE) -> Path:
    """Copy `source` over `target` atomically (no half-copied target after a crash)."""
    with atomic_open(target, mode=mode) as fh, open(source, "rb") as src:
        shutil.copyfileobj(src, fh, 1 << 20)
    return Path(target)


def _chmod(path: Path, mode: int) -> None:
    # On Windows chmod only toggles read-only; the per-user profile folders already keep other
    # users out, so there is nothing more to do there.
    if os.name != "nt":
        os.chmod(path, mode)


def free_bytes(folder: Path) -> int | None:
    """Free space on the disk holding `folder` (its nearest existing parent); None if unknown."""
    probe = Path(folder)
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    try:
        return shutil.disk_usage(probe).free
    except OSError:
        return None
