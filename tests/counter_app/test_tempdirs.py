"""Throwaway folders go away: `remove_tree` on awkward contents, and a pytest run that leaves no
session home behind (each pytest process made one in /tmp and kept it: 636 of them)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from counter_app.tempdirs import remove_tree, temporary_folder

ROOT = Path(__file__).resolve().parents[2]


def test_remove_tree_takes_read_only_files_and_folders(tmp_path: Path) -> None:
    top = tmp_path / "home"
    (top / "logs" / "deep").mkdir(parents=True)
    locked = top / "logs" / "deep" / "old.log"
    locked.write_text("nhật ký", encoding="utf-8")
    locked.chmod(stat.S_IREAD)  # Windows refuses to delete a read-only file
    (top / "logs").chmod(stat.S_IREAD | stat.S_IEXEC)  # and POSIX a file in a read-only folder
    assert remove_tree(top)
    assert not top.exists()


@pytest.mark.skipif(
    os.name == "nt" or os.geteuid() == 0,
    reason="POSIX permissions, which root ignores (Windows' read-only bit is tested above)",
)
def test_remove_tree_opens_a_read_only_folder(tmp_path: Path) -> None:
    top = tmp_path / "home"
    (top / "logs").mkdir(parents=True)
    (top / "logs" / "old.log").write_text("x", encoding="utf-8")
    (top / "logs").chmod(stat.S_IREAD | stat.S_IEXEC)
    with pytest.raises(PermissionError):
        (top / "logs" / "old.log").unlink()
    assert remove_tree(top) and not top.exists()
    assert tmp_path.stat().st_mode & stat.S_IWUSR  # the folder above was not touched


def test_remove_tree_of_nothing_is_done_and_never_raises(tmp_path: Path) -> None:
    assert remove_tree(tmp_path / "never-made")


def test_temporary_folder_is_removed_even_after_an_error() -> None:
    with pytest.raises(RuntimeError), temporary_folder("counter-test-") as folder:
        (folder / "a.sqlite3").write_bytes(b"x")
        raise RuntimeError("boom")
    assert not folder.exists()
    assert folder.parent == Path(tempfile.gettempdir())


def test_the_session_home_is_a_fresh_temporary_folder() -> None:
    # Run by the test below in a pytest of its own; trivially true here too.
    home = Path(os.environ["COUNTER_APP_HOME"])
    assert home.is_dir() and home.name.startswith("counter-app-tests-")
    assert home.parent == Path(tempfile.gettempdir())


def test_a_pytest_run_leaves_no_session_home_behind(tmp_path: Path) -> None:
    tmp = tmp_path / "tmp"  # the child's temporary directory: nothing else writes there
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp), "TEMP": str(tmp), "TMP": str(tmp)}
    env.pop("COUNTER_APP_HOME", None)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/counter_app/test_tempdirs.py",
            "-k",
            "session_home_is_a_fresh",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed" in proc.stdout
    assert sorted(p.name for p in tmp.iterdir() if p.name.startswith("counter-")) == []
