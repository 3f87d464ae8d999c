"""An online paper larger than the transport's 8 MiB reply ceiling comes down from a real server
on 127.0.0.1 in parts: resumed after a cut, hash-checked, and never larger than the server's limit."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from counter_app.file_limit import remember_server_limit
from counter_app.online import OnlineDossierError
from counter_app.server import online as server_online
from counter_app.server.files import ServerFiles
from counter_app.sync.protocol import MAX_RESPONSE_BYTES
from tests.conftest import make_services
from tests.counter_app.sync.harness import RefServer, engine_for, start_server


def big_png() -> bytes:
    """A real image of ~9.3 MB (noise does not compress)."""
    buf = io.BytesIO()
    Image.frombytes("RGB", (1800, 1800), os.urandom(1800 * 1800 * 3)).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def srv(tmp_path: Path) -> Iterator[RefServer]:
    server = start_server(
        f"sqlite:///{tmp_path / 'server.sqlite3'}",
        files=ServerFiles(tmp_path / "srv-files", max_file_bytes=20 * 1024 * 1024),
    )
    yield server
    server.stop()
    server.store.close()


# The harness's cut aborts a 4 MiB reply inside waitress, which then leaves the temporary file
# buffering that reply for the garbage collector: waitress's leak, not the counter's.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_an_online_paper_over_8_mib_comes_down_in_parts_and_resumes_after_a_cut(  # type: ignore[no-untyped-def]
    tmp_path, clock, app_home, srv
) -> None:
    data = big_png()
    assert len(data) > MAX_RESPONSE_BYTES
    files = srv.app.app.files
    assert files is not None
    filed = server_online.submit(
        srv.store.db,
        files,
        {
            "procedure": "1.001193",
            "applicant": {"name": "Phạm Thị Lan", "id_number": "022190001234"},
            "papers": [{"paper": "TK", "name": "ban-ve.png"}],
        },
        {"0": data},
    )
    services = make_services(f"sqlite:///{tmp_path / 'counter.sqlite3'}", clock)
    engine = engine_for(services, srv)
    try:
        assert not engine.run_once(manual=True).error
        [item] = services.online.list()
        assert item.uuid == filed["uuid"]
        sha = item.files[0]["sha256"]
        assert sha == hashlib.sha256(data).hexdigest() and item.files[0]["size"] == len(data)
        path = f"/online/{item.uuid}/files/{sha}"

        # The first part arrives, the connection drops in the middle of the second.
        srv.app.add(path, "pass")
        srv.app.add(path, "lose")
        with pytest.raises(OnlineDossierError) as cut:
            services.online.paper(item.uuid, sha)
        assert str(cut.value).startswith("Chưa tải xong tệp từ máy chủ")
        assert srv.app.requests[f"/api/v1{path}"] == 2
        # Asked again: it resumes after the first part (2 more requests, not 3).
        got = services.online.paper(item.uuid, sha)
        assert got == data
        assert srv.app.requests[f"/api/v1{path}"] == 4
        # Kept in the cache: viewing it again asks nothing.
        assert services.online.paper(item.uuid, sha) == data
        assert srv.app.requests[f"/api/v1{path}"] == 4
        leftovers = [p.name for p in (services.settings.paths.files_dir).rglob("*.download")]
        assert leftovers == []

        # A counter told a smaller limit by its server refuses a paper over it, asking nothing.
        (services.settings.paths.files_dir / "online" / sha[:2] / sha).unlink()
        remember_server_limit(services.db, 8 * 1024 * 1024)
        with pytest.raises(OnlineDossierError) as over:
            services.online.paper(item.uuid, sha)
        assert "vượt giới hạn 8 MB một tệp" in str(over.value)
        assert srv.app.requests[f"/api/v1{path}"] == 4
    finally:
        engine.close()
        services.close()
