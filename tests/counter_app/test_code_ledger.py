"""A printed code is never issued again (issue 9, point 2): after a restore, after a database
copied back by hand, and above the provincial server's high-water mark."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from counter_app.auth import system_actor
from counter_app.backup import create_backup, restore_backup
from tests.conftest import FixedClock, make_services
from tests.helpers.cli import draft
from tests.helpers.counter_server import CounterBinding, counter_server, services_on, unit_on


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
        # The day's code counter and the month's register book ("Sổ theo dõi hồ sơ").
        assert report.sequences_raised == 2
        received = reopened.intake.receive(draft(30), clerk=system_actor())
        assert received.code not in issued and received.code.endswith("-0006")
        assert received.register_no == 6  # entries 3–5 were printed on receipts too
    finally:
        reopened.close()


def test_the_servers_high_water_mark_lifts_the_sequence(
    tmp_path: Path, clock: FixedClock, app_home: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'counter.sqlite3'}"
    unit = unit_on(url, clock)
    binding = CounterBinding(unit=unit, server_time=clock.now, high_water={"2026-11-27": 41})
    with counter_server({"tok-1": binding}) as server:
        services = services_on(url, server, "tok-1", clock)
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
