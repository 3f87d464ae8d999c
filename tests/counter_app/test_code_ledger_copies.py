"""A printed dossier code belongs to one citizen for good, even when the whole data folder is put
back from a copy (probe F1): the code ledger keeps copies outside the data folder, the highest
mark wins, and the codes lost with the rollback are named (start, log, `doctor`).

Real command line in its own process (tests/helpers/cli.py), real files copied and deleted the
way a clerk, a USB stick or Windows "Previous Versions" does it.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import date
from pathlib import Path

from counter_app.code_ledger import (
    MARKS_DIR_NAME,
    CodeLedger,
    copy_paths,
    is_register_key,
    ledger_path,
)
from tests.helpers.cli import Cli, codes_in, intake_args

PROCEDURE = "1.004873"


def _intake(cli: Cli, n: int) -> tuple[str, str]:
    """The n-th citizen's intake: (code, what the command said on stderr)."""
    args = intake_args(name="Mai Văn Một", id_number=f"0220900012{n:02d}", procedure=PROCEDURE)
    result = cli(*args, "--json")
    return str(json.loads(result.stdout)["code"]), result.stderr


def _copies(home: Path) -> list[Path]:
    return sorted(
        p
        for folder in (home / "config", home / "backups")
        for p in (folder / MARKS_DIR_NAME).glob("*.codemarks")
    )


def _marks(path: Path) -> dict[str, int]:
    """A ledger file's dossier-code marks per unit (register books ride along: left out)."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT unit, day, last_value FROM issued")
        return {u: n for u, _d, n in rows if not is_register_key(u)}
    finally:
        conn.close()


def _put_back(copy: Path, target: Path) -> None:
    shutil.rmtree(target)
    shutil.copytree(copy, target)


def test_data_folder_put_back_continues_after_the_last_printed_code_and_names_the_lost(
    tmp_path: Path,
) -> None:
    """The reviewer's scenario exactly: intake 1, copy the data folder, intake 2 and 3, put the
    copy back, intake → -0004, with a warning naming -0002 and -0003."""
    home = tmp_path / "home"
    cli = Cli.ready(home)
    data = home / "data"
    first, said = _intake(cli, 1)
    assert first.endswith("-0001") and "Cảnh báo" not in said
    shutil.copytree(data, tmp_path / "snapshot")
    printed = [first] + [_intake(cli, n)[0] for n in (2, 3)]
    _put_back(tmp_path / "snapshot", data)

    # `doctor` only looks, and already says so before anything starts.
    report = cli.json("doctor", "--no-printers")
    assert isinstance(report, dict)
    assert report["code_marks"]["lost_codes"] == printed[1:]
    doctor_text = cli("doctor", "--no-printers").stdout
    assert printed[1] in doctor_text and printed[2] in doctor_text
    assert "bị đặt lại về một bản cũ" in doctor_text

    after, warning = _intake(cli, 4)
    assert after.endswith("-0004") and after not in printed
    assert printed[1] in warning and printed[2] in warning
    assert printed[0] not in warning and after not in warning
    assert "không bao giờ được cấp lại" in warning
    log = (home / "logs" / "counter-app.log").read_text(encoding="utf-8")
    assert printed[1] in log and printed[2] in log  # and in the log, for the technician

    # Said once at the start that found it; `doctor` keeps naming the citizens to find.
    again, said = _intake(cli, 5)
    assert again.endswith("-0005") and "Cảnh báo" not in said
    report = cli.json("doctor", "--no-printers")
    assert isinstance(report, dict)
    assert report["code_marks"]["lost_codes"] == printed[1:]
    assert codes_in(cli.db) == [printed[0], after, again]


def test_database_copied_over_and_ledger_deleted_still_never_reuses(tmp_path: Path) -> None:
    home = tmp_path / "home"
    cli = Cli.ready(home)
    first, _ = _intake(cli, 1)
    shutil.copy2(cli.db, tmp_path / "old.sqlite3")
    later = [_intake(cli, n)[0] for n in (2, 3)]
    ledger = ledger_path(cli.db)
    for path in (cli.db, ledger):
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    shutil.copy2(tmp_path / "old.sqlite3", cli.db)

    after, warning = _intake(cli, 4)
    assert after.endswith("-0004") and after not in [first, *later]
    assert later[0] in warning and later[1] in warning
    assert _marks(ledger) == {first.rsplit("-", 2)[0]: 4}  # the ledger rebuilt from the copies


def test_config_copy_deleted_the_ledger_alone_still_holds(tmp_path: Path) -> None:
    home = tmp_path / "home"
    cli = Cli.ready(home)
    first, _ = _intake(cli, 1)
    shutil.copy2(cli.db, tmp_path / "old.sqlite3")
    second, _ = _intake(cli, 2)
    assert len(_copies(home)) == 2
    shutil.rmtree(home / "config" / MARKS_DIR_NAME)
    shutil.rmtree(home / "backups" / MARKS_DIR_NAME)
    for suffix in ("-wal", "-shm"):
        Path(str(cli.db) + suffix).unlink(missing_ok=True)
    shutil.copy2(tmp_path / "old.sqlite3", cli.db)  # the database put back, the ledger kept

    after, warning = _intake(cli, 3)
    assert after.endswith("-0003")
    assert second in warning and first not in warning
    copies = _copies(home)
    assert len(copies) == 2  # written again, up to the ledger
    assert all(_marks(p) == {first.rsplit("-", 2)[0]: 3} for p in copies)


def test_fresh_install_starts_at_0001_and_writes_every_copy(tmp_path: Path) -> None:
    home = tmp_path / "home"
    cli = Cli.ready(home)
    assert [_marks(p) for p in _copies(home)] == [{}, {}]  # nothing issued yet: no marks
    code, said = _intake(cli, 1)
    assert code.endswith("-0001") and said == ""
    copies = _copies(home)
    assert len(copies) == 2
    assert all(_marks(p) == {code.rsplit("-", 2)[0]: 1} for p in copies)
    report = cli.json("doctor", "--no-printers")
    assert isinstance(report, dict)
    assert report["code_marks"]["lost_codes"] == [] and report["code_marks"]["errors"] == []


def test_copies_never_lower_a_counter(tmp_path: Path) -> None:
    """A copy put back from an older state (the config folder restored, say) is behind: it lowers
    nothing, is brought up, and as the database holds every code nothing is called lost."""
    home = tmp_path / "home"
    cli = Cli.ready(home)
    first, _ = _intake(cli, 1)
    shutil.copytree(home / "config" / MARKS_DIR_NAME, tmp_path / "old-marks")
    later = [_intake(cli, n)[0] for n in (2, 3)]
    _put_back(tmp_path / "old-marks", home / "config" / MARKS_DIR_NAME)
    unit = first.rsplit("-", 2)[0]
    assert [_marks(p)[unit] for p in _copies(home)] == [3, 1]  # backups, config

    after, warning = _intake(cli, 4)
    assert after.endswith("-0004") and after not in [first, *later]
    assert "Cảnh báo" not in warning
    assert all(_marks(p) == {unit: 4} for p in _copies(home))
    assert _marks(ledger_path(cli.db)) == {unit: 4}


def test_copies_go_only_where_a_copy_of_the_data_folder_does_not_reach(tmp_path: Path) -> None:
    """Windows: the config folder is the data folder and the backups are inside it; only the
    roaming profile and the folder beside the data folder keep copies there."""
    data = tmp_path / "Local" / "ttphvhcc" / "counter-app"
    roaming = tmp_path / "Roaming" / "ttphvhcc" / "counter-app"
    beside = data.with_name("counter-app-codes")
    db = data / "counter.sqlite3"
    found = copy_paths(db, [data, roaming, beside, data / "backups", tmp_path])
    assert [p.parent.parent for p in found] == [roaming, beside]
    # Named after the database's path: another database on this PC never shares them.
    other = copy_paths(tmp_path / "elsewhere" / "counter.sqlite3", [roaming])
    assert other[0].parent == found[0].parent and other[0].name != found[0].name


def test_a_copy_that_cannot_be_written_is_logged_and_the_others_hold(tmp_path: Path) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where a folder should be", encoding="utf-8")
    db = tmp_path / "data" / "counter.sqlite3"
    db.parent.mkdir()
    ledger = CodeLedger.for_database(db, [tmp_path / "config", blocked])
    day = date(2026, 12, 2)
    try:
        ledger.record([("000.00.00.H49.Q01", day, 7)])
        ledger.record([("000.00.00.H49.Q01", day, 5)])  # never lowers
        assert ledger.all() == {("000.00.00.H49.Q01", day): 7}
    finally:
        ledger.close()
    assert _marks(ledger.copies[0]) == {"000.00.00.H49.Q01": 7}
