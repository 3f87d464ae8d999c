"""Digitised files to the real server: chunked, resumed after cuts, hash-identical, exactly once."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from counter_app.auth import UserInfo
from counter_app.db.models import DossierFile, OutboxEntry
from counter_app.domain import Role
from counter_app.sync.files import FileUploader, rejected_files
from tests.counter_app.sync.harness import RefServer, engine_for, receive
from tests.helpers.ref_server import ref_server

CLERK = UserInfo(None, "canbo", "Trần Thị Bình", Role.CLERK)


@pytest.fixture
def file_server(tmp_path: Path) -> Iterator[RefServer]:
    with ref_server(tmp_path, max_file_bytes=2 * 1024 * 1024) as srv:
        yield srv


def scan_pdf(tmp_path: Path, name: str, size: int, seed: int) -> Path:
    """A real PDF padded with incompressible bytes to about `size` (a scan-like payload)."""
    import io

    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 720, name)
    c.showPage()
    c.save()
    noise = random.Random(seed).randbytes(max(0, size - len(buf.getvalue())))
    path = tmp_path / name
    path.write_bytes(buf.getvalue() + b"\n%" + noise.hex().encode()[: len(noise)])
    return path


def server_copy(srv: RefServer, sha: str) -> bytes:
    files = srv.app.app.files
    assert files is not None
    return files.read("Quầy 1", sha)


def test_files_reach_the_server_once_and_their_records_follow(  # type: ignore[no-untyped-def]
    services, file_server, tmp_path
) -> None:
    [code] = receive(services, 1)
    paths = [scan_pdf(tmp_path, f"trang-{n}.pdf", 300_000, n) for n in range(3)]
    services.attachments.attach(code, "GDN", paths[:2], by=CLERK)
    services.attachments.attach(code, "CCCD", paths[2:], by=CLERK)
    engine = engine_for(services, file_server)
    report = engine.run_until_done(max_seconds=30)
    assert report.files_uploaded == 3 and not report.error
    for path in paths:
        data = path.read_bytes()
        assert server_copy(file_server, hashlib.sha256(data).hexdigest()) == data
    with services.db.read() as s:
        assert all(f.uploaded_at is not None for f in s.scalars(select(DossierFile)))
        states = {(e.entity, e.state) for e in s.scalars(select(OutboxEntry)) if e.entity == "file"}
    assert states == {("file", "synced")}
    stored = [file_server.store.record("file", f.uuid, 1) for f in services.attachments.files(code)]
    assert all(r is not None for r in stored)
    puts_before = sum(n for p, n in file_server.app.requests.items() if "/files/" in p)
    again = engine.run_until_done(max_seconds=10)
    assert again.files_uploaded == 0
    assert sum(n for p, n in file_server.app.requests.items() if "/files/" in p) == puts_before
    engine.close()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_an_upload_cut_at_random_points_resumes_hash_identical(  # type: ignore[no-untyped-def]
    services, file_server, tmp_path, seed
) -> None:
    [code] = receive(services, 1)
    path = scan_pdf(tmp_path, "dai.pdf", 900_000, seed)
    [attached] = services.attachments.attach(code, "GDN", [path], by=CLERK)
    rng = random.Random(seed)
    # Cut replies after the server wrote a chunk ("lose") and refuse others before writing.
    for _ in range(rng.randint(2, 5)):
        file_server.app.add(attached.sha256, rng.choice(["lose", "status:503"]))
    engine = engine_for(services, file_server)
    # Small chunks so the cuts land inside the file.
    uploader = FileUploader(services.db, engine.files, engine.transport, chunk_bytes=64 * 1024)  # type: ignore[arg-type]
    sent = 0
    for _attempt in range(20):
        try:
            sent += uploader.upload_pending().bytes_sent
            break
        except Exception:
            continue
    assert file_server.app.pending_faults() == 0
    data = path.read_bytes()
    assert server_copy(file_server, attached.sha256) == data
    part = list((tmp_path / "server-files").rglob("*.part"))
    assert part == []  # nothing half-written left behind
    engine.close()


def test_a_file_over_the_servers_limit_is_refused_and_kept(  # type: ignore[no-untyped-def]
    services, file_server, tmp_path
) -> None:
    [code] = receive(services, 1)
    path = scan_pdf(tmp_path, "qua-lon.pdf", 2_500_000, 9)
    services.attachments.attach(code, "GDN", [path], by=CLERK)
    engine = engine_for(services, file_server)
    report = engine.run_once(manual=True)
    # Refused for good: set aside with the server's reason, not an error of the whole cycle.
    assert report.rejected == 1 and report.error == ""
    [aside] = rejected_files(services.db)
    assert "vượt giới hạn" in aside.reason
    assert [f.name for f in services.attachments.files(code)] == ["qua-lon.pdf"]  # kept locally
    with services.db.read() as s:
        assert s.scalar(select(DossierFile.uploaded_at)) is None
    engine.close()
