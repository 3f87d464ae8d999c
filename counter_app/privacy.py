"""Files holding personal data are readable by their user only.

POSIX: the process creates every file with mode 0600 and every folder with 0700 (umask 077), so
exports, registers, XLSX reports, receipt PDFs, backups, logs and SQLite's side files are private
whichever library writes them. Windows has no mode bits (umask only toggles read-only): there the
app's folders under the user's profile (platformdirs: %LOCALAPPDATA%), whose ACL admits only that
user and the administrators, are what keeps other users out; files the user saves elsewhere take
that folder's ACL.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

PRIVATE_UMASK = 0o077


@contextmanager
def private_files() -> Iterator[None]:
    """Create files and folders readable by this user only while the block runs (POSIX)."""
    if os.name == "nt":
        yield
        return
    previous = os.umask(PRIVATE_UMASK)
    try:
        yield
    finally:
        os.umask(previous)
