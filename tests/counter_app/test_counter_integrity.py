"""A printed code is never reissued, a confirmed dossier never lost (issue 9, points 1–3):
real SQLite files, real processes, a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from counter_app.auth import system_actor
from counter_app.backup import create_backup, restore_backup
from counter_app.db.lock import DatabaseBusyError, ExclusiveHold, SharedHold
from counter_app.intake import ApplicantDraft, DossierDraft
from counter_app.issuing import ClockError, CounterIdentityError, CounterNotChosenError
from counter_app.services import CounterServices
from counter_app.settings import Settings, SyncSettings
from tests.conftest import FixedClock, choose_counter, make_services
from tests.helpers.counter_server import CounterBinding, counter_server

ROOT = Path(__file__).resolve().parents[2]


def draft(i: int, name: str = "Trần Thị Thuỷ") -> DossierDraft:
    return DossierDraft(
        procedure_code="2.000908",
        applicant=ApplicantDraft(name=name, id_number=f"0221{90000000 + i:08d}"),
    )


def codes_in(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT code FROM dossier ORDER BY id")]
    finally:
        conn.close()


class Cli:
    """The command line in its own process, on its own app home."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.env = dict(os.environ, COUNTER_APP_HOME=str(home), PYTHONPATH=str(ROOT))
        self.db = home / "data" / "counter.sqlite3"

    def cmd(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "counter_app", *args]

    def __call__(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            self.cmd(*args),
            env=self.env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=300,
            check=False,
        )
        if ok:
            assert result.returncode == 0, result.stderr
        return result

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.cmd(*args),
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )


def batch_file(path: Path, count: int, start: int = 0) -> Path:
    lines = [
        json.dumps(
            {
                "procedure": "1.001193",
                "applicant": {"name": "Lê Văn Tám", "id_number": f"0220{80000000 + start + i:08d}"},
            },
            ensure_ascii=False,
        )
        for i in range(count)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    home = tmp_path / "cli-home"
    runner = Cli(home)
    runner("init", "--counter", "1")
    return runner


# ------------------------------------------------------------------------ point 3: the lock


def test_shared_holds_coexist_and_exclude_the_exclusive_one(tmp_path: Path) -> None:
    db_file = tmp_path / "counter.sqlite3"
    db_file.touch()
    code = (
        "import sys, time; from pathlib import Path; from counter_app.db.lock import SharedHold;"
        "h = SharedHold(Path(sys.argv[1]), what='cửa sổ phần mềm quầy'); print('held', flush=True);"
        "time.sleep(60)"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(db_file)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with SharedHold(db_file):  # a second writer in this process is welcome
            pass
        with pytest.raises(DatabaseBusyError) as caught:
            ExclusiveHold(db_file, action="khôi phục CSDL")
        message = str(caught.value)
        assert "cửa sổ phần mềm quầy" in message and str(holder.pid) in message
    finally:
        holder.kill()
        holder.communicate()
    # The holder died without releasing: its lock went with it, its leftovers are cleared.
    with (
        ExclusiveHold(db_file, action="khôi phục CSDL"),
        pytest.raises(DatabaseBusyError, match="đang được khôi phục"),
    ):
        SharedHold(db_file, wait_s=0.2)
    assert list((tmp_path / "counter.sqlite3.holders").glob("*.lock")) == []


def test_restore_is_refused_while_a_batch_intake_writes(cli: Cli, tmp_path: Path) -> None:
    cli("intake", "--batch", str(batch_file(tmp_path / "first.jsonl", 3)))
    backup = tmp_path / "backup.sqlite3"
    cli("backup", "--out", str(backup))
    batch = cli.popen(
        "intake", "--batch", str(batch_file(tmp_path / "big.jsonl", 150, 100)), "--json"
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
    assert len(results) == 150 and all(r["ok"] for r in results)
    # Every dossier the batch reported is in the database the counter uses.
    on_disk = set(codes_in(cli.db))
    assert {r["code"] for r in results} <= on_disk and len(on_disk) == 153
    # Once the batch is done, the restore goes through.
    done = cli("restore", str(backup), "--force", "--json")
    assert len(json.loads(done.stdout)["issued_after_backup"]) == 150


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


# ------------------------------------------------------------------------ point 2: sequence


def test_backup_receive_restore_receive_never_reuses_a_code(services: Any, tmp_path: Path) -> None:
    first = [services.intake.receive(draft(i), clerk=system_actor()).code for i in range(5)]
    backup = create_backup(services.db, backup_dir=tmp_path, by=system_actor())
    later = [services.intake.receive(draft(10 + i), clerk=system_actor()).code for i in range(5)]
    assert later[0].endswith("-0006") and later[-1].endswith("-0010")

    result = restore_backup(services, backup, force=True, by=system_actor())
    assert [d.code for d in result.lost] == later  # told which dossiers the backup lacks
    assert not any(d.synced for d in result.lost)
    assert all("*" in d.applicant for d in result.lost)  # masked for the screen

    again = services.intake.receive(draft(20), clerk=system_actor()).code
    assert again not in first + later and again.endswith("-0011")


def test_a_database_swapped_behind_the_counters_back_still_never_reuses(
    tmp_path: Path, clock: FixedClock, app_home: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'counter.sqlite3'}"
    services = make_services(url, clock)
    [services.intake.receive(draft(i), clerk=system_actor()) for i in range(2)]
    backup = create_backup(services.db, backup_dir=tmp_path / "bk", by=system_actor())
    issued = [services.intake.receive(draft(10 + i), clerk=system_actor()).code for i in range(3)]
    services.close()
    # Someone copies the old backup over the file by hand (no `restore`).
    db_file = tmp_path / "counter.sqlite3"
    for suffix in ("-wal", "-shm"):
        Path(str(db_file) + suffix).unlink(missing_ok=True)
    db_file.write_bytes(backup.read_bytes())

    reopened = make_services(url, clock)
    try:
        report = reopened.start()
        assert report.sequences_raised == 1
        code = reopened.intake.receive(draft(30), clerk=system_actor()).code
        assert code not in issued and code.endswith("-0006")
    finally:
        reopened.close()


def test_the_servers_high_water_mark_lifts_the_sequence(
    tmp_path: Path, clock: FixedClock, app_home: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'counter.sqlite3'}"
    base = make_services(url, clock)
    unit = base.intake.unit_identifier()
    base.close()
    binding = CounterBinding(unit=unit, server_time=clock.now, high_water={"2026-11-27": 41})
    with counter_server({"tok-1": binding}) as server:
        settings = replace(
            Settings.load(db_url=url),
            counter_no=1,
            sync=SyncSettings(server_url=server.url, token="tok-1"),
        )
        services = CounterServices(settings, clock=clock)
        try:
            report = services.start()
            assert report.server_unit == unit and report.server_error == ""
            assert (
                services.intake.receive(draft(1), clerk=system_actor()).code
                == f"{unit}-261127-0042"
            )
        finally:
            services.close()
        assert any(r.startswith("/api/v1/counter") for r in server.requests)


# ------------------------------------------------------------------------ point 1: identity


def test_two_counters_left_at_the_defaults_cannot_both_issue_a_code(tmp_path: Path) -> None:
    outcomes = []
    for name in ("pc-a", "pc-b"):
        runner = Cli(tmp_path / name)
        init = runner("init", "--json")  # no terminal: never waits for an answer
        assert json.loads(init.stdout)["counter_no"] is None
        assert "counter-app init --counter N" in init.stderr
        refused = runner(
            "intake",
            "--procedure",
            "1.001193",
            "--name",
            "Nguyễn Văn An",
            "--id-number",
            "022090001234",
            ok=False,
        )
        outcomes.append(refused)
    for refused in outcomes:
        assert refused.returncode != 0 and refused.stdout == ""
        assert "chưa được đặt số quầy" in refused.stderr
        assert "counter-app config set counter_no N" in refused.stderr
        assert "Traceback" not in refused.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_init_at_a_terminal_asks_for_the_counter(tmp_path: Path) -> None:
    import pty

    runner = Cli(tmp_path / "tty")
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.environ.update(runner.env)
        os.execv(sys.executable, runner.cmd("init", "--no-catalog"))
    out = b""
    deadline = time.monotonic() + 60
    while b"(1" not in out and time.monotonic() < deadline:
        out += os.read(fd, 1024)
    # The counter number, then an empty answer to the lookup address asked next.
    os.write(fd, b"7\n\n")
    while True:
        try:
            chunk = os.read(fd, 1024)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, out.decode()
    assert "Số quầy của máy này" in out.decode()
    assert Settings.load(env={"COUNTER_APP_HOME": str(runner.home)}).counter_no == 7


def test_a_second_pc_claiming_a_unit_the_server_binds_elsewhere_is_refused(
    tmp_path: Path, clock: FixedClock, app_home: Path
) -> None:
    url_a = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    url_b = f"sqlite:///{tmp_path / 'b.sqlite3'}"
    probe = make_services(url_a, clock)
    unit_1 = probe.intake.unit_identifier()
    probe.close()
    bindings = {
        "tok-a": CounterBinding(unit=unit_1, server_time=clock.now),
        "tok-b": CounterBinding(unit=unit_1.replace(".Q01", ".Q02"), server_time=clock.now),
    }
    with counter_server(bindings) as server:
        made = []
        for url, token in ((url_a, "tok-a"), (url_b, "tok-b")):
            base = make_services(url, clock)  # both PCs typed counter 1
            base.close()
            settings = replace(
                Settings.load(db_url=url),
                counter_no=1,
                sync=SyncSettings(server_url=server.url, token=token),
            )
            services = CounterServices(settings, clock=clock)
            services.start()
            made.append(services)
        a, b = made
        try:
            assert a.intake.receive(draft(1), clerk=system_actor()).code.endswith("Q01-261127-0001")
            with pytest.raises(CounterIdentityError) as caught:
                b.intake.receive(draft(2), clerk=system_actor())
            assert ".Q02" in str(caught.value) and "counter_no" in str(caught.value)
            assert codes_in(tmp_path / "b.sqlite3") == []
        finally:
            a.close()
            b.close()


def test_intake_refused_in_core_until_the_counter_is_chosen(
    sqlite_url: str, clock: FixedClock, app_home: Path
) -> None:
    services = make_services(sqlite_url, clock, counter_no=0)
    try:
        with pytest.raises(CounterNotChosenError, match="counter-app init --counter N"):
            services.intake.receive(draft(1), clerk=system_actor())
    finally:
        services.close()


# ------------------------------------------------------------------------ point 4: clocks


def test_a_clock_behind_the_newest_receipt_stops_codes_until_confirmed(
    services: Any, clock: FixedClock
) -> None:
    services.guard.clock_confirmed = False  # the fixture confirms it for time-travelling tests
    services.intake.receive(draft(1), clerk=system_actor())
    clock.now = clock.now - timedelta(hours=3)  # the PC's battery died: the clock went back
    with pytest.raises(ClockError, match="chậm hơn hồ sơ mới nhất"):
        services.intake.receive(draft(2), clerk=system_actor())
    assert "chậm hơn" in services.guard.clock_problem()
    services.guard.confirm_clock()
    assert services.intake.receive(draft(3), clerk=system_actor()).code.endswith("-0002")


def test_a_clock_far_from_the_servers_stops_codes(
    tmp_path: Path, clock: FixedClock, app_home: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'counter.sqlite3'}"
    base = make_services(url, clock)
    unit = base.intake.unit_identifier()
    base.close()
    skewed = CounterBinding(unit=unit, server_time=clock.now + timedelta(hours=2))
    with counter_server({"t": skewed}) as server:
        settings = replace(
            Settings.load(db_url=url),
            counter_no=1,
            sync=SyncSettings(server_url=server.url, token="t"),
        )
        services = CounterServices(settings, clock=clock)
        try:
            report = services.start()
            assert "lệch 2 giờ" in report.clock_problem
            with pytest.raises(ClockError, match="giờ máy chủ tỉnh"):
                services.intake.receive(draft(1), clerk=system_actor())
        finally:
            services.close()


def test_received_times_out_of_bounds_are_refused_naming_the_field(cli: Cli) -> None:
    now = datetime.now()
    for received, words in (
        ("1926-12-02T09:00", "trước năm 2000"),
        ((now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"), "tương lai"),
        ((now - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M"), "ghi lùi tối đa 3 ngày làm việc"),
    ):
        result = cli(
            "intake",
            "--procedure",
            "1.001193",
            "--name",
            "Nguyễn Văn An",
            "--id-number",
            "022090001234",
            "--received",
            received,
            ok=False,
        )
        assert result.returncode != 0
        assert "Thời điểm tiếp nhận" in result.stderr and words in result.stderr
        assert "Traceback" not in result.stderr and "IntegrityError" not in result.stderr
    # Later intakes that day still work (the 1926 one took no code).
    ok = cli(
        "intake",
        "--procedure",
        "1.001193",
        "--name",
        "Nguyễn Văn An",
        "--id-number",
        "022090001234",
        "--json",
    )
    assert json.loads(ok.stdout)["code"].endswith("-0001")


def test_choose_counter_helper_writes_settings(tmp_path: Path) -> None:
    choose_counter(tmp_path, 4)
    assert Settings.load(env={"COUNTER_APP_HOME": str(tmp_path)}).counter_no == 4


# ------------------------------------------------------------------------ point 5: damage


def _flip_bytes(path: Path) -> None:
    """Damage a copy of a real database the way a failing disk does: page headers garbled."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size, pages = (
        conn.execute("PRAGMA page_size").fetchone()[0],
        conn.execute("PRAGMA page_count").fetchone()[0],
    )
    conn.close()
    data = bytearray(path.read_bytes())
    for page in range(2, pages, 3):
        for k in range(8):
            data[(page - 1) * page_size + k] ^= 0xFF
    path.write_bytes(bytes(data))


def test_a_damaged_database_is_detected_never_written_and_restorable(
    cli: Cli, tmp_path: Path
) -> None:
    import hashlib

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
    _flip_bytes(copy)
    for suffix in ("-wal", "-shm"):
        Path(str(cli.db) + suffix).unlink(missing_ok=True)
    cli.db.write_bytes(copy.read_bytes())
    before = hashlib.sha256(cli.db.read_bytes()).hexdigest()

    for args in (
        (
            "intake",
            "--procedure",
            "1.001193",
            "--name",
            "Lê Văn Tám",
            "--id-number",
            "022080001299",
        ),
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


def test_a_migration_is_refused_while_another_process_holds_the_database(
    tmp_path: Path, clock: FixedClock, app_home: Path
) -> None:
    from counter_app.db.engine import Database
    from counter_app.db.migrate import current_revision, head_revision, upgrade

    db_file = tmp_path / "old.sqlite3"
    old = Database(f"sqlite:///{db_file}")
    upgrade(old, backup_dir=tmp_path / "bk", to="0003")  # an install one version behind
    old.dispose()
    code = (
        "import sys, time; from pathlib import Path; from counter_app.db.lock import SharedHold;"
        "h = SharedHold(Path(sys.argv[1]), what='lệnh counter-app intake'); print('held', flush=True);"
        "time.sleep(60)"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(db_file)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    settings = replace(Settings.load(db_url=f"sqlite:///{db_file}"), counter_no=1)
    services = CounterServices(settings, clock=clock)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(DatabaseBusyError, match="Không thể nâng cấp CSDL"):
            services.start()
        assert current_revision(services.db) == "0003"  # untouched
    finally:
        holder.kill()
        holder.communicate()
    services.start()
    assert current_revision(services.db) == head_revision()
    services.close()


def test_the_counter_number_has_no_default_and_only_1_to_99(tmp_path: Path) -> None:
    from counter_app.settings import set_value

    settings = Settings.load(env={"COUNTER_APP_HOME": str(tmp_path)})
    assert settings.counter_no == 0 and not settings.counter_chosen
    for bad in ("0", "100", "-3"):
        with pytest.raises(ValueError, match="từ 1 đến 99"):
            set_value(settings, "counter_no", bad)
    set_value(settings, "counter_no", "12")
    again = Settings.load(env={"COUNTER_APP_HOME": str(tmp_path)})
    assert again.counter_no == 12 and again.counter_chosen
    assert (tmp_path / "config" / "settings.toml").stat().st_mode & 0o077 == 0
