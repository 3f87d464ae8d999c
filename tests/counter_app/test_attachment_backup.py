"""Backups carry the digitised files; restore brings every file back, hash-identical; doctor and
`backup --verify` find missing or damaged files and name the dossier and paper."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from counter_app.attachment_backup import FILES_DIR_NAME
from counter_app.auth import UserInfo
from counter_app.backup import backup_with_files, restore_backup, verify_backup
from counter_app.backup_daily import auto_backup_if_due
from counter_app.cli import main
from counter_app.doctor import collect, problems
from counter_app.domain import Role
from counter_app.server.files import _owner_dir
from tests.counter_app.sync.harness import RefServer, engine_for, receive
from tests.counter_app.sync.test_files import scan_pdf
from tests.helpers.ref_server import ref_server

CLERK = UserInfo(None, "canbo", "Trần Thị Bình", Role.CLERK)
ADMIN = UserInfo(None, "quantri", "Quản trị", Role.ADMIN)


def attach_three(services: Any, tmp_path: Path) -> tuple[str, dict[str, bytes]]:
    [code] = receive(services, 1)
    paths = [scan_pdf(tmp_path, f"trang-{n}.pdf", 150_000, n) for n in range(3)]
    services.attachments.attach(code, "GDN", paths[:2], by=CLERK)
    services.attachments.attach(code, "CCCD", paths[2:], by=CLERK)
    contents = {hashlib.sha256(p.read_bytes()).hexdigest(): p.read_bytes() for p in paths}
    return code, contents


def live_path(services: Any, sha: str) -> Path:
    return services.attachments.store.path(services.intake.unit_identifier(), sha)  # type: ignore[no-any-return]


def test_backup_then_files_lost_then_restore_is_hash_identical(
    services: Any, sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, contents = attach_three(services, tmp_path)
    assert main(["--db", sqlite_url, "backup", "--json"]) == 0
    made = json.loads(capsys.readouterr().out)
    assert made["files"]["referenced"] == 3 and made["files"]["copied"] == 3
    assert made["files"]["problems"] == []
    # A second backup copies nothing again: the files are immutable and named by hash.
    assert main(["--db", sqlite_url, "backup", "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert (again["files"]["referenced"], again["files"]["copied"]) == (3, 0)

    shutil.rmtree(services.settings.paths.files_dir)  # the PC lost its files folder
    report = collect(services.settings, probe_printers=False)
    assert len(report["files"]["problems"]) == 3
    assert any(f"hồ sơ {code}, giấy tờ GDN" in line for line in problems(report))

    assert main(["--db", sqlite_url, "restore", made["file"], "--force", "--json"]) == 0
    restored = json.loads(capsys.readouterr().out)
    assert restored["files"]["from_backup"] == 3 and restored["files"]["missing"] == []
    for sha, data in contents.items():
        assert live_path(services, sha).read_bytes() == data
    report = collect(services.settings, probe_printers=False, verify_files=True)
    assert report["files"]["checked"] == 3 and report["files"]["problems"] == []
    # And the restored database still lists them on the dossier.
    assert {f.sha256 for f in services.attachments.files(code)} == set(contents)


def test_a_backup_on_a_usb_stick_carries_its_files_beside_it(services: Any, tmp_path: Path) -> None:
    _code, contents = attach_three(services, tmp_path)
    out = tmp_path / "usb" / "quay1.sqlite3"
    paths = services.settings.paths
    target, copied = backup_with_files(
        services.db, backup_dir=paths.backup_dir, files_dir=paths.files_dir, out=out, by=ADMIN
    )
    assert copied is not None and copied.folder == out.parent / FILES_DIR_NAME
    for sha, data in contents.items():
        stored = out.parent / FILES_DIR_NAME / services.intake.unit_identifier() / sha[:2] / sha
        assert stored.read_bytes() == data
    assert verify_backup(target, paths.backup_dir).ok


def test_the_daily_backup_carries_the_files_too(services: Any, tmp_path: Path) -> None:
    _code, contents = attach_three(services, tmp_path)
    made = auto_backup_if_due(services, by=ADMIN)
    assert made is not None
    check = verify_backup(made, services.settings.paths.backup_dir)
    assert check.ok and check.files == len(contents)
    assert check.files_folder == services.settings.paths.backup_dir / FILES_DIR_NAME


def test_a_corrupt_file_in_the_store_is_found_and_named(
    services: Any, sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, contents = attach_three(services, tmp_path)
    sha = next(iter(contents))
    stored = live_path(services, sha)
    data = bytearray(stored.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit, same size: only the hash tells
    stored.write_bytes(bytes(data))

    # The exit status is about the database itself, which is sound.
    assert main(["--db", sqlite_url, "doctor", "--no-printers", "--verify-files", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    [problem] = report["files"]["problems"]
    assert (problem["dossier"], problem["problem"], problem["sha256"]) == (code, "corrupt", sha)
    assert problem["paper"] in ("GDN", "CCCD") and "bị hỏng" in problem["message"]
    assert report["ok"] is False

    # A backup does not copy the damaged file and says which paper it is.
    assert main(["--db", sqlite_url, "backup"]) == 1
    err = capsys.readouterr().err
    assert f"hồ sơ {code}, giấy tờ {problem['paper']}" in err
    # Its check says the same until the file is whole again.
    backup = sorted(services.settings.paths.backup_dir.glob("*-manual-*.sqlite3"))[-1]
    assert main(["--db", sqlite_url, "backup", "--verify", str(backup)]) == 1
    assert "không có trong kho" in capsys.readouterr().out


def test_backup_verify_finds_a_damaged_copy_in_the_backup(services: Any, tmp_path: Path) -> None:
    _code, contents = attach_three(services, tmp_path)
    paths = services.settings.paths
    target, _ = backup_with_files(
        services.db, backup_dir=paths.backup_dir, files_dir=paths.files_dir, by=ADMIN
    )
    sha = sorted(contents)[0]
    copy = paths.backup_dir / FILES_DIR_NAME / services.intake.unit_identifier() / sha[:2] / sha
    copy.write_bytes(b"x" + copy.read_bytes()[1:])
    check = verify_backup(target, paths.backup_dir)
    assert not check.ok and [p.kind for p in check.problems] == ["corrupt"]
    # The next backup notices nothing (same size, immutable files), but a restore checks hashes:
    # with the live copy gone too, the damaged backup copy is not taken for the paper.
    live_path(services, sha).unlink()
    result = restore_backup(services, target, by=ADMIN, force=True)
    assert result.files is not None
    assert [p.ref.sha256 for p in result.files.problems] == [sha]
    assert not live_path(services, sha).exists()


# ---------------------------------------------------------------------------------- server


@pytest.fixture
def file_server(tmp_path: Path) -> Iterator[RefServer]:
    with ref_server(tmp_path, files=True) as srv:
        yield srv


def test_a_restore_without_the_files_folder_gets_them_from_the_server(
    services: Any, file_server: RefServer, tmp_path: Path
) -> None:
    _code, contents = attach_three(services, tmp_path)
    engine = engine_for(services, file_server)
    assert engine.run_until_done(max_seconds=30).files_uploaded == 3
    engine.close()
    paths = services.settings.paths
    target, _ = backup_with_files(
        services.db, backup_dir=paths.backup_dir, files_dir=paths.files_dir, by=ADMIN
    )
    # Only the database file reached the new PC: no backup files folder, no live files.
    shutil.rmtree(paths.backup_dir / FILES_DIR_NAME)
    shutil.rmtree(paths.files_dir)
    before = sum(n for p, n in file_server.app.requests.items() if p.endswith("/content"))
    result = restore_backup(services, target, by=ADMIN)
    assert result.files is not None
    assert (result.files.from_server, result.files.problems) == (3, [])
    for sha, data in contents.items():
        assert live_path(services, sha).read_bytes() == data
    after = sum(n for p, n in file_server.app.requests.items() if p.endswith("/content"))
    assert after - before == 3


def test_a_counter_never_reads_another_units_files(
    services: Any, file_server: RefServer, tmp_path: Path
) -> None:
    _code, contents = attach_three(services, tmp_path)
    engine = engine_for(services, file_server)
    assert engine.run_until_done(max_seconds=30).files_uploaded == 3
    engine.close()
    sha = next(iter(contents))
    other = file_server.store.create_token("Quầy 9", "000.00.00.H49.Q09")
    url = f"{file_server.url}/api/v1/files/{sha}/content"

    def get(token: str, **params: Any) -> requests.Response:
        return requests.get(url, params=params, headers={"Authorization": f"Bearer {token}"})

    mine = get(file_server.token)
    assert mine.status_code == 200 and mine.content == contents[sha]
    part = get(file_server.token, offset=100, length=50)
    assert part.content == contents[sha][100:150]
    refused = get(other)
    assert refused.status_code == 404 and refused.content != contents[sha]
    assert get("not-a-token").status_code == 401


def test_the_backup_before_a_migration_carries_the_files(services: Any, tmp_path: Path) -> None:
    from counter_app.db.migrate import downgrade

    _code, contents = attach_three(services, tmp_path)
    downgrade(services.db, "0007")  # an install from before files were backed up
    result = services.migrate()
    assert result.backup is not None and result.from_revision == "0007"
    check = verify_backup(result.backup, services.settings.paths.backup_dir)
    assert check.ok and check.files == len(contents)


def test_a_rebuilt_pc_gets_the_file_rows_and_their_bytes_from_the_server(
    services: Any, file_server: RefServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import choose_counter, make_services

    code, contents = attach_three(services, tmp_path)
    engine = engine_for(services, file_server)
    assert engine.run_until_done(max_seconds=30).files_uploaded == 3
    engine.close()
    home = tmp_path / "replacement-home"  # a new PC: its own files folder, empty
    choose_counter(home)
    monkeypatch.setenv("COUNTER_APP_HOME", str(home))
    fresh = make_services(f"sqlite:///{tmp_path / 'replacement.sqlite3'}", services.clock)
    try:
        rebuilt = engine_for(fresh, file_server)
        report = rebuilt.rebuild(fresh.intake.unit_identifier())
        assert (report.files, report.files_missing) == (3, [])
        listed = {(f.paper, f.sha256) for f in fresh.attachments.files(code)}
        assert listed == {(f.paper, f.sha256) for f in services.attachments.files(code)}
        for sha, data in contents.items():
            assert fresh.attachments.content(code, sha) == data
        # Nothing to send again: the server already has the bytes and the records.
        assert rebuilt.run_once(manual=True).files_uploaded == 0
        assert rebuilt.run_once(manual=True).pushed == 0
        rebuilt.close()
    finally:
        fresh.close()


def test_server_backup_carries_its_files_folder(
    services: Any,
    file_server: RefServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _code, contents = attach_three(services, tmp_path)
    engine = engine_for(services, file_server)
    assert engine.run_until_done(max_seconds=30).files_uploaded == 3
    engine.close()
    args = [
        "server",
        "backup",
        "--db",
        f"sqlite:///{tmp_path / 'server.sqlite3'}",
        "--files",
        str(tmp_path / "server-files"),
        "--out",
        str(tmp_path / "server-backup"),
        "--json",
    ]
    assert main(args) == 0
    made = json.loads(capsys.readouterr().out)
    assert (made["files"]["files"], made["files"]["copied"], made["files"]["damaged"]) == (3, 3, [])
    for sha, data in contents.items():
        owner = _owner_dir("Quầy 1")  # the server's folder for the counter's token name
        copy = tmp_path / "server-backup" / FILES_DIR_NAME / owner / sha[:2] / sha
        assert copy.read_bytes() == data
    import sqlite3

    conn = sqlite3.connect(made["database"])
    try:
        assert conn.execute("SELECT count(*) FROM record WHERE entity = 'file'").fetchone() == (3,)
    finally:
        conn.close()
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)["files"]["copied"] == 0  # incremental
