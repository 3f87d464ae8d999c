"""The reference server with a files store, on 127.0.0.1, for the tests that upload, download or
limit digitised papers (sync, backup, online dossiers, intake)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from counter_app.server.files import ServerFiles
from tests.counter_app.sync.harness import UNIT, RefServer, start_server


@contextmanager
def serving_files(
    tmp_path: Path, *, max_file_bytes: int | None = None, unit: str = UNIT
) -> Iterator[RefServer]:
    """A server on its own SQLite file and files folder (`tmp_path/server-files`), stopped and
    closed on exit; `max_file_bytes` None keeps the store's default limit."""
    limit = {} if max_file_bytes is None else {"max_file_bytes": max_file_bytes}
    srv = start_server(
        f"sqlite:///{tmp_path / 'server.sqlite3'}",
        unit=unit,
        files=ServerFiles(tmp_path / "server-files", **limit),
    )
    try:
        yield srv
    finally:
        srv.stop()
        srv.store.close()
