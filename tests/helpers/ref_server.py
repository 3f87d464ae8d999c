"""The reference provincial server on 127.0.0.1, on its own SQLite file, for every test that
syncs, uploads or downloads against it (the `server` fixture in tests/conftest.py is one)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from counter_app.server.files import ServerFiles
from tests.counter_app.sync.harness import UNIT, RefServer, start_server


@contextmanager
def ref_server(
    tmp_path: Path, *, files: bool = False, max_file_bytes: int | None = None, unit: str = UNIT
) -> Iterator[RefServer]:
    """A server whose token is bound to `unit`, stopped and closed on exit. `files` gives it a
    files store in `tmp_path/server-files` (`max_file_bytes` None: the store's default limit)."""
    store = None
    if files or max_file_bytes is not None:
        limit = {} if max_file_bytes is None else {"max_file_bytes": max_file_bytes}
        store = ServerFiles(tmp_path / "server-files", **limit)
    srv = start_server(f"sqlite:///{tmp_path / 'server.sqlite3'}", unit=unit, files=store)
    try:
        yield srv
    finally:
        srv.stop()
        srv.store.close()
