"""Disk full and read-only (issue 9, point 6): one atomic-write helper, Vietnamese messages naming
the folder, no partial files. ENOSPC on a real small tmpfs where the machine allows mounting one."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from counter_app.atomic import DiskError, copy_file, write_bytes, write_text
from tests.helpers.cli import Cli, batch_file, codes_in, intake_args

ROOT = Path(__file__).resolve().parents[2]


def _try_mount(folder: Path, size: str) -> str | None:
    """Mount a tmpfs of `size` on `folder`; the reason it cannot be done, or None."""
    if sys.platform != "linux":
        return "tmpfs mounts are a Linux facility"
    if os.geteuid() != 0:
        return "mounting a tmpfs needs root (run the tests as root or in a container)"
    if shutil.which("mount") is None:
        return "no mount command"
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        return f"mount refused: {proc.stderr.strip()}"
    return None


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 4 MB file system (tmpfs) that fills up."""
    folder = tmp_path / "small"
    folder.mkdir()
    reason = _try_mount(folder, "4m")
    if reason is not None:
        pytest.skip(f"no small file system to fill: {reason}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _fill(folder: Path, leave: int = 0) -> Path:
    """Fill the disk holding `folder` up to `leave` bytes free."""
    junk = folder / "junk.bin"
    with open(junk, "wb") as fh:
        chunk = b"\0" * 65536
        try:
            while shutil.disk_usage(folder).free > leave + len(chunk):
                fh.write(chunk)
                fh.flush()
            fh.write(b"\0" * max(0, shutil.disk_usage(folder).free - leave))
            fh.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return junk


def test_atomic_write_to_a_full_disk_leaves_nothing_and_names_the_folder(
    small_disk: Path,
) -> None:
    target = small_disk / "export" / "report.xlsx"
    write_text(target, "bản cũ")
    _fill(small_disk, leave=64 * 1024)
    with pytest.raises(DiskError) as caught:
        write_bytes(target, b"x" * (1024 * 1024))
    assert str(small_disk / "export") in str(caught.value) and "đầy" in str(caught.value)
    assert target.read_text(encoding="utf-8") == "bản cũ"  # the old file is whole
    assert sorted(p.name for p in (small_disk / "export").iterdir()) == ["report.xlsx"]


def test_files_are_private_and_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "a" / "settings.toml"
    write_text(target, "x = 1\n")
    assert target.stat().st_mode & 0o077 == 0
    copy = copy_file(target, tmp_path / "b.toml")
    assert copy.read_text(encoding="utf-8") == "x = 1\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp-")] == []


def test_read_only_folder_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    reason = _try_mount(folder, "1m")
    if reason is not None:
        pytest.skip(f"no read-only file system: {reason}")
    try:
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        with pytest.raises(DiskError) as caught:
            write_text(folder / "x.json", "{}")
        assert str(folder) in str(caught.value) and "chỉ đọc" in str(caught.value)
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_backup_to_a_full_disk_leaves_no_partial_file(tmp_path: Path, small_disk: Path) -> None:
    cli = Cli(tmp_path / "home")
    cli("init", "--counter", "1")  # the bundled catalog: a database of about 1 MB
    _fill(small_disk, leave=128 * 1024)
    result = cli("backup", "--out", str(small_disk / "usb" / "quay1.sqlite3"), ok=False)
    assert result.returncode != 0
    assert "đầy" in result.stderr and str(small_disk / "usb") in result.stderr
    assert "Traceback" not in result.stderr
    assert list((small_disk / "usb").iterdir()) == []  # no .part, no .tmp, no 0-byte file


def test_intake_on_a_full_disk_says_so_in_vietnamese_and_loses_nothing(
    tmp_path: Path, small_disk: Path
) -> None:
    env_home = tmp_path / "home"
    cli = Cli(env_home)
    cli.env["COUNTER_APP_DB"] = f"sqlite:///{small_disk / 'counter.sqlite3'}"
    cli.db = small_disk / "counter.sqlite3"
    cli("init", "--counter", "1")
    cli("intake", "--batch", str(batch_file(tmp_path / "a.jsonl", 3)))
    junk = _fill(small_disk)
    result = cli(
        *intake_args("Lê Văn Tám", "022080009999"),
        "--address",
        "x" * 400,
        ok=False,
    )
    assert result.returncode != 0
    assert "đầy" in result.stderr and str(small_disk) in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "disk is full" not in result.stderr
    junk.unlink()
    assert len(codes_in(cli.db)) == 3  # what was saved is still there
    again = cli("intake", "--batch", str(batch_file(tmp_path / "b.jsonl", 1, 50)), "--json")
    assert json.loads(again.stdout)[0]["code"].endswith("-0004")


def test_doctor_shows_free_space_and_warns_before_the_disk_is_full(small_disk: Path) -> None:
    from counter_app.doctor import collect, problems, render_text
    from counter_app.settings import Settings

    settings = Settings.load(env={"COUNTER_APP_HOME": str(small_disk / "home")})
    report = collect(settings, probe_printers=False)
    data = report["disk"]["folders"]["data"]
    assert data["folder"] == str(settings.paths.data_dir) and data["free_bytes"] > 0
    # 4 MB is already below the early-warning floor (500 MB): every folder on it is named.
    warnings = [p for p in problems(report) if p.startswith("Ổ đĩa sắp đầy")]
    assert any(str(settings.paths.data_dir) in w for w in warnings)
    assert "Dung lượng trống (data" in render_text(report)


def test_a_home_on_a_read_only_disk_is_named_without_tracebacks(tmp_path: Path) -> None:
    """The whole app home (database, holders, logs) on a disk remounted read-only: a read and a
    write each say in Vietnamese which folder is read-only, once, with no Python traceback."""
    folder = tmp_path / "ro"
    folder.mkdir()
    reason = _try_mount(folder, "20m")
    if reason is not None:
        pytest.skip(f"no read-only file system: {reason}")
    try:
        cli = Cli.ready(folder / "home")
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        for args in (("lookup", "000.00.00.H49.Q01-261202-0001"), intake_args("Lê Văn Tám")):
            result = cli(*args, ok=False)
            assert result.returncode != 0
            assert f"Thư mục {folder / 'home' / 'data'} nằm trên ổ đĩa chỉ đọc" in result.stderr
            assert "Traceback" not in result.stderr and "Logging error" not in result.stderr
            assert "unable to open" not in result.stderr
            assert result.stderr.count("không ghi được nhật ký") <= 1, result.stderr
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_full_disk_at_the_writers_hold_is_named_and_leaves_no_holder(small_disk: Path) -> None:
    """So full that not even the writer's hold record fits: a Vietnamese DiskError naming the
    holders' folder (not a raw OSError), and no half-written holder left behind."""
    from counter_app.db.lock import SharedHold, holders_dir

    db_file = small_disk / "counter.sqlite3"
    db_file.write_bytes(b"")
    with SharedHold(db_file):  # the folder exists, as after any earlier start
        pass
    junk = _fill(small_disk)
    with pytest.raises(DiskError) as caught:
        SharedHold(db_file, what="intake")
    assert "đầy" in str(caught.value) and str(holders_dir(db_file)) in str(caught.value)
    assert list(holders_dir(db_file).iterdir()) == []
    junk.unlink()
    with SharedHold(db_file):  # room again: the hold works
        assert len(list(holders_dir(db_file).iterdir())) == 2
