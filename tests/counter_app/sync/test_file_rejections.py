"""A file the server refuses for good is set aside (not resent every cycle); transient errors retry."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from counter_app.auth import UserInfo
from counter_app.cli import main
from counter_app.db.models import DossierFile, FileRejection, OutboxEntry
from counter_app.domain import Role
from counter_app.settings import ENV_SERVER_TOKEN, ENV_SERVER_URL
from counter_app.sync.files import rejected_file_count, rejected_files
from counter_app.sync.status import sync_badge, sync_status
from tests.counter_app.sync.harness import RefServer, engine_for, receive, uuid_of
from tests.counter_app.sync.test_files import scan_pdf, server_copy
from tests.helpers.ref_server import ref_server

CLERK = UserInfo(None, "canbo", "Trần Thị Bình", Role.CLERK)


@pytest.fixture
def file_server(tmp_path: Path) -> Iterator[RefServer]:
    with ref_server(tmp_path, max_file_bytes=1024 * 1024) as srv:
        yield srv


def file_requests(srv: RefServer, sha: str) -> int:
    return sum(n for p, n in srv.app.requests.items() if p.endswith(f"/files/{sha}"))


def test_a_file_refused_for_good_is_set_aside_and_the_rest_syncs(
    services: Any, file_server: RefServer, tmp_path: Path
) -> None:
    [code] = receive(services, 1)
    big = scan_pdf(tmp_path, "qua-lon.pdf", 1_300_000, 1)
    small = scan_pdf(tmp_path, "nho.pdf", 200_000, 2)
    [big_file] = services.attachments.attach(code, "GDN", [big], by=CLERK)
    [small_file] = services.attachments.attach(code, "CCCD", [small], by=CLERK)
    engine = engine_for(services, file_server)
    report = engine.run_once(manual=True)
    assert report.error == ""
    assert (report.files_uploaded, report.rejected) == (1, 1)
    assert server_copy(file_server, small_file.sha256) == small.read_bytes()
    [aside] = rejected_files(services.db)
    assert (aside.dossier, aside.paper, aside.name, aside.status) == (
        code,
        "GDN",
        "qua-lon.pdf",
        413,
    )
    assert "vượt giới hạn" in aside.reason
    with services.db.read() as s:
        states = {(e.entity, e.state) for e in s.scalars(select(OutboxEntry))}
    # The dossier, its event and the small file's record all reached the server.
    assert states == {("dossier", "synced"), ("event", "synced"), ("file", "synced")}
    assert sync_status(services).rejected == 1
    state, message = sync_badge(services, uuid_of(services, code))
    assert state == "rejected" and "qua-lon.pdf" in message and "vượt giới hạn" in message

    asked = file_requests(file_server, big_file.sha256)
    for _ in range(3):
        again = engine.run_once(manual=True)
        assert again.error == "" and again.rejected == 0
    assert file_requests(file_server, big_file.sha256) == asked  # never asked again

    # Once the server allows larger files, the clerk sends it again explicitly.
    files = file_server.app.app.files
    assert files is not None
    files.max_file_bytes = 4 * 1024 * 1024
    assert engine.requeue() == 1
    done = engine.run_once(manual=True)
    assert (done.files_uploaded, done.rejected) == (1, 0)
    assert server_copy(file_server, big_file.sha256) == big.read_bytes()
    assert rejected_file_count(services.db) == 0
    engine.close()


def test_transient_file_errors_are_retried_not_set_aside(
    services: Any, file_server: RefServer, tmp_path: Path
) -> None:
    [code] = receive(services, 1)
    path = scan_pdf(tmp_path, "trang.pdf", 300_000, 3)
    [attached] = services.attachments.attach(code, "GDN", [path], by=CLERK)
    file_server.app.add(attached.sha256, "status:503", times=2)
    file_server.app.add(attached.sha256, "status:429:0")
    engine = engine_for(services, file_server)
    first = engine.run_once(manual=True)
    assert "Chưa tải được tệp số hóa lên" in first.error and first.rejected == 0
    with services.db.read() as s:
        assert s.scalar(select(FileRejection)) is None
    # An automatic cycle right after waits (backoff: the base is 0.01 s, so set it long here);
    # manual ones go on until the file is through.
    engine.backoff_base_s = engine.backoff_cap_s = 60.0
    engine._upload_not_before = 0.0
    file_server.app.add(attached.sha256, "status:503")
    asked = file_requests(file_server, attached.sha256)
    assert "Chưa tải được" in engine.run_once(manual=True).error
    assert engine.run_once(manual=False).files_uploaded == 0
    assert file_requests(file_server, attached.sha256) == asked + 1
    engine.backoff_base_s, engine.backoff_cap_s = 0.01, 0.1
    total = engine.run_until_done(max_seconds=20)
    assert total.error == "" and file_server.app.pending_faults() == 0
    assert server_copy(file_server, attached.sha256) == path.read_bytes()
    assert rejected_files(services.db) == []
    engine.close()


def test_a_damaged_local_copy_is_set_aside_with_its_dossier_and_paper(
    services: Any, file_server: RefServer, tmp_path: Path
) -> None:
    [code] = receive(services, 1)
    path = scan_pdf(tmp_path, "hong.pdf", 100_000, 4)
    [attached] = services.attachments.attach(code, "GDN", [path], by=CLERK)
    unit = services.intake.unit_identifier()
    stored = services.attachments.store.path(unit, attached.sha256)
    data = bytearray(stored.read_bytes())
    data[5000] ^= 0xFF
    stored.write_bytes(bytes(data))
    engine = engine_for(services, file_server)
    report = engine.run_once(manual=True)
    assert report.rejected == 1 and report.error == ""
    [aside] = rejected_files(services.db)
    assert (aside.status, aside.code, aside.dossier, aside.paper) == (0, "corrupt", code, "GDN")
    assert file_requests(file_server, attached.sha256) == 0  # nothing damaged was sent
    # Repaired (the original put back), then sent on request.
    stored.write_bytes(path.read_bytes())
    assert engine.requeue() == 1
    assert engine.run_once(manual=True).files_uploaded == 1
    assert hashlib.sha256(server_copy(file_server, attached.sha256)).hexdigest() == attached.sha256
    engine.close()


def test_sync_json_lists_rejected_files_and_retry_rejected_sends_again(
    services: Any,
    file_server: RefServer,
    tmp_path: Path,
    sqlite_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    [code] = receive(services, 1)
    big = scan_pdf(tmp_path, "qua-lon.pdf", 1_300_000, 5)
    [big_file] = services.attachments.attach(code, "GDN", [big], by=CLERK)
    monkeypatch.setenv(ENV_SERVER_URL, file_server.url)
    monkeypatch.setenv(ENV_SERVER_TOKEN, file_server.token)
    assert main(["--db", sqlite_url, "sync", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["rejected"] == 1
    [entry] = data["rejected_files"]
    assert (entry["dossier"], entry["paper"], entry["sha256"]) == (code, "GDN", big_file.sha256)
    assert "vượt giới hạn" in entry["reason"]
    asked = file_requests(file_server, big_file.sha256)
    assert main(["--db", sqlite_url, "sync", "--json"]) == 0
    assert file_requests(file_server, big_file.sha256) == asked
    capsys.readouterr()
    assert main(["--db", sqlite_url, "sync", "--retry-rejected"]) == 0
    out = capsys.readouterr().out
    assert "Đã đưa 1 bản ghi và tệp bị từ chối" in out and "qua-lon.pdf" in out
    assert file_requests(file_server, big_file.sha256) > asked  # tried again, refused again
    with services.db.read() as s:
        assert s.scalar(select(DossierFile.uploaded_at)) is None


def test_a_revoked_token_during_upload_pauses_sync_instead_of_crashing(
    services: Any, file_server: RefServer, tmp_path: Path
) -> None:
    [code] = receive(services, 1)
    path = scan_pdf(tmp_path, "trang.pdf", 100_000, 6)
    services.attachments.attach(code, "GDN", [path], by=CLERK)
    engine = engine_for(services, file_server)
    file_server.store.revoke_token("Quầy 1")
    report = engine.run_once(manual=True)
    assert report.paused and "mã truy cập" in report.error
    assert rejected_files(services.db) == []  # the file is not at fault
    engine.close()
