"""One process restores or migrates, or any number write (issue 9, point 3): the holds on the
database file between real processes, and the commands they refuse."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest

from counter_app.db.lock import DatabaseBusyError, ExclusiveHold, SharedHold
from counter_app.services import CounterServices
from counter_app.settings import Settings
from tests.conftest import FixedClock
from tests.helpers.cli import ROOT, Cli, batch_file, codes_in


@contextmanager
def held_by_another_process(db_file: Path, what: str) -> Iterator[int]:
    """A real second process holding a shared hold on `db_file` (as a command does); its pid."""
    code = (
        "import sys, time; from pathlib import Path; from counter_app.db.lock import SharedHold;"
        "h = SharedHold(Path(sys.argv[1]), what=sys.argv[2]); print('held', flush=True);"
        "time.sleep(60)"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(db_file), what],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield holder.pid
    finally:
        holder.kill()
        holder.communicate()


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli.ready(tmp_path / "cli-home")


def test_shared_holds_coexist_and_exclude_the_exclusive_one(tmp_path: Path) -> None:
    db_file = tmp_path / "counter.sqlite3"
    db_file.touch()
    with held_by_another_process(db_file, "cửa sổ phần mềm quầy") as pid:
        with SharedHold(db_file):  # a second writer in this process is welcome
            pass
        with pytest.raises(DatabaseBusyError) as caught:
            ExclusiveHold(db_file, action="khôi phục CSDL")
        message = str(caught.value)
        assert "cửa sổ phần mềm quầy" in message and str(pid) in message
    # The holder died without releasing: its lock went with it, its leftovers are cleared.
    with (
        ExclusiveHold(db_file, action="khôi phục CSDL"),
        pytest.raises(DatabaseBusyError, match="đang được khôi phục"),
    ):
        SharedHold(db_file, wait_s=0.2)
    assert list((tmp_path / "counter.sqlite3.holders").glob("*.lock")) == []


#: Long enough that the batch is still writing when `restore` has started (about 100 dossiers a
#: second on a quiet 2-core machine; 150 once finished first).
BATCH_LINES = 600


def test_restore_is_refused_while_a_batch_intake_writes(cli: Cli, tmp_path: Path) -> None:
    cli("intake", "--batch", str(batch_file(tmp_path / "first.jsonl", 3)))
    backup = tmp_path / "backup.sqlite3"
    cli("backup", "--out", str(backup))
    batch = cli.popen(
        "intake", "--batch", str(batch_file(tmp_path / "big.jsonl", BATCH_LINES, 100)), "--json"
    )
    try:
        deadline = time.monotonic() + 60
        while len(codes_in(cli.db)) < 5:  # the batch is writing
            assert batch.poll() is None, batch.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        refused = cli("restore", str(backup), "--force", ok=False)
        assert batch.poll() is None, "the batch ended before the restore was tried"
    finally:
        out, err = batch.communicate(timeout=300)
    assert refused.returncode != 0
    assert "Không thể khôi phục CSDL khi CSDL đang được dùng bởi" in refused.stderr
    assert "intake" in refused.stderr and "Traceback" not in refused.stderr
    assert batch.returncode == 0, err
    results = json.loads(out)
    assert len(results) == BATCH_LINES and all(r["ok"] for r in results)
    # Every dossier the batch reported is in the database the counter uses.
    on_disk = set(codes_in(cli.db))
    assert {r["code"] for r in results} <= on_disk and len(on_disk) == BATCH_LINES + 3
    # Once the batch is done, the restore goes through.
    done = cli("restore", str(backup), "--force", "--json")
    assert len(json.loads(done.stdout)["issued_after_backup"]) == BATCH_LINES


def test_a_migration_is_refused_while_another_process_holds_the_database(
    tmp_path: Path, clock: FixedClock, app_home: Path
) -> None:
    from counter_app.db.engine import Database
    from counter_app.db.migrate import current_revision, head_revision, upgrade

    db_file = tmp_path / "old.sqlite3"
    old = Database(f"sqlite:///{db_file}")
    upgrade(old, backup_dir=tmp_path / "bk", to="0003")  # an install one version behind
    old.dispose()
    settings = replace(Settings.load(db_url=f"sqlite:///{db_file}"), counter_no=1)
    services = CounterServices(settings, clock=clock)
    with held_by_another_process(db_file, "lệnh counter-app intake"):
        with pytest.raises(DatabaseBusyError, match="Không thể nâng cấp CSDL"):
            services.start()
        assert current_revision(services.db) == "0003"  # untouched
    services.start()
    assert current_revision(services.db) == head_revision()
    services.close()
