"""Throwaway folders (a demo's or a probe's home, a scan's output), removed when done, on Windows.

`tempfile.mkdtemp` leaves its folder behind for ever: each caller removes it with `remove_tree`
when its work ends. On Windows a file still open (a database another object still holds, an
antivirus scan, a player finishing a sound) cannot be deleted and a read-only file refuses
deletion: read-only files are made writable and removed, locked ones are retried briefly and
then left (the folder is in the temporary directory, which Windows cleans in time).
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def _make_writable_and_retry(top: Path) -> Callable[[Callable[..., Any], str, Any], None]:
    """rmtree's error handler: a read-only file (Windows refuses to delete one) or a file in a
    read-only folder is made writable, with its folder when that is inside `top` (never above
    it: the temporary directory itself is not ours), and removed once more; what still fails is
    left for the caller's retry."""

    def retry(func: Callable[..., Any], path: str, _exc: Any) -> None:
        try:
            parent = Path(path).parent
            if parent == top or top in parent.parents:
                os.chmod(parent, stat.S_IRWXU)
            os.chmod(path, stat.S_IRWXU)
            func(path)
        except OSError:
            pass

    return retry


def remove_tree(path: Path, *, attempts: int = 5, delay_s: float = 0.1) -> bool:
    """Remove `path` and everything in it; True when it is gone (or never existed).

    Never raises: a folder that cannot be removed yet is logged and left."""
    for attempt in range(attempts):
        if not os.path.lexists(path):
            return True
        retry = _make_writable_and_retry(Path(path))
        if sys.version_info >= (3, 12):
            shutil.rmtree(path, onexc=retry)
        else:
            shutil.rmtree(path, onerror=retry)
        if not os.path.lexists(path):
            return True
        if attempt + 1 < attempts:
            time.sleep(delay_s)
    log.warning("Không xóa được thư mục tạm %s (tệp còn đang mở?)", path)
    return False


@contextmanager
def temporary_folder(prefix: str) -> Iterator[Path]:
    """A fresh folder in the system's temporary directory, removed on the way out."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        remove_tree(path)
