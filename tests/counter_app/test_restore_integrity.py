"""A restore killed at any moment, a damaged database (issue 9, points 3 and 5): the old or the
new database whole, never written while damaged, and the exact command that puts a good one back.
Real processes on real SQLite files."""

from __future__ import annotations

import hashlib
import json
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from tests.helpers.cli import Cli, batch_file, codes_in, flip_bytes, intake_args


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli.ready(tmp_path / "cli-home")


def _filler(path: Path, megabytes: int) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE IF NOT EXISTS filler (b BLOB)")
    for _ in range(megabytes):
        conn.execute("INSERT INTO filler VALUES (randomblob(1048576))")
    conn.commit()
    conn.close()


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_sigkill_during_restore_leaves_old_or_new_database_whole(cli: Cli, tmp_path: Path) -> None:
    cli("intake", "--batch", str(batch_file(tmp_path / "a.jsonl", 2)))
    backup = tmp_path / "backup.sqlite3"
    cli("backup", "--out", str(backup))
    _filler(backup, 32)  # a restore that takes long enough to be interrupted in the middle
    cli("intake", "--batch", str(batch_file(tmp_path / "b.jsonl", 3, 10)))
    old = set(codes_in(cli.db))
    new = set(codes_in(backup))
    assert len(old) == 5 and len(new) == 2
    pristine = tmp_path / "pristine.sqlite3"
    cli("backup", "--out", str(pristine))

    started = time.monotonic()
    cli("restore", str(backup), "--force")
    whole = time.monotonic() - started
    outcomes = []
    for i in range(12):
        # Back to the old database, then a restore killed at a different moment each time.
        for suffix in ("", "-wal", "-shm"):
            Path(str(cli.db) + suffix).unlink(missing_ok=True)
        pristine_copy = sqlite3.connect(pristine)
        target = sqlite3.connect(cli.db)
        pristine_copy.backup(target)
        target.close()
        pristine_copy.close()
        proc = cli.popen("restore", str(backup), "--force")
        time.sleep(whole * (i + 1) / 13)
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        conn = sqlite3.connect(cli.db)
        try:
            assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
            found = {r[0] for r in conn.execute("SELECT code FROM dossier")}
        finally:
            conn.close()
        assert found in (old, new)
        outcomes.append("new" if found == new else "old")
    # The next command still works on whatever is there, and never reuses a printed code.
    out = cli("intake", "--batch", str(batch_file(tmp_path / "c.jsonl", 1, 50)), "--json")
    code = json.loads(out.stdout)[0]["code"]
    assert code not in old | new and code.endswith("-0006")
    # The next command cleared the temporary copy a killed restore leaves behind.
    assert list(cli.db.parent.glob(".tmp-*")) == []
    print("outcomes", outcomes)


def test_a_damaged_database_is_detected_never_written_and_restorable(
    cli: Cli, tmp_path: Path
) -> None:
    cli("intake", "--batch", str(batch_file(tmp_path / "a.jsonl", 20)))
    good = json.loads(cli("backup", "--json").stdout)["file"]
    cli("intake", "--batch", str(batch_file(tmp_path / "b.jsonl", 5, 100)))
    issued = set(codes_in(cli.db))
    cli("doctor", "--no-printers")  # healthy: exit 0
    copy = tmp_path / "copy.sqlite3"
    conn, out = sqlite3.connect(cli.db), sqlite3.connect(copy)
    conn.backup(out)
    conn.close()
    out.close()
    flip_bytes(copy)
    for suffix in ("-wal", "-shm"):
        Path(str(cli.db) + suffix).unlink(missing_ok=True)
    cli.db.write_bytes(copy.read_bytes())
    before = hashlib.sha256(cli.db.read_bytes()).hexdigest()

    for args in (
        (*intake_args("Lê Văn Tám", "022080001299"),),
        ("lookup", sorted(issued)[0]),
        ("init",),
        ("intake", "--batch", str(batch_file(tmp_path / "c.jsonl", 2, 200))),
    ):
        result = cli(*args, ok=False)
        assert result.returncode != 0, args
        assert "bị hỏng" in result.stderr and f'counter-app restore "{good}"' in result.stderr
        assert "Traceback" not in result.stderr and "sqlalchemy" not in result.stderr.lower()
    assert hashlib.sha256(cli.db.read_bytes()).hexdigest() == before  # never written

    doctor = cli("doctor", "--no-printers", ok=False)
    assert doctor.returncode != 0
    assert f'counter-app restore "{good}"' in doctor.stdout

    restored = cli("restore", good, "--json")
    data = json.loads(restored.stdout)
    kept = Path(data["damaged_database_kept_at"])
    assert kept.exists() and hashlib.sha256(kept.read_bytes()).hexdigest() == before
    check = sqlite3.connect(cli.db)
    assert check.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    check.close()
    out_json = cli("intake", "--batch", str(batch_file(tmp_path / "d.jsonl", 1, 300)), "--json")
    code = json.loads(out_json.stdout)[0]["code"]
    assert code not in issued and code.endswith("-0026")
