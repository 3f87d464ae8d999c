"""Codes stop while the counter is not who it says or the clock is wrong (issue 9, points 1 and 4):
the counter number, the unit the server binds, the clock against the newest receipt and the
server's, received times out of bounds. Real processes, a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from counter_app.auth import system_actor
from counter_app.issuing import ClockError, CounterIdentityError, CounterNotChosenError
from counter_app.settings import Settings
from tests.conftest import FixedClock, choose_counter, make_services
from tests.helpers.cli import Cli, codes_in, draft, intake_args
from tests.helpers.counter_server import CounterBinding, counter_server, services_on, unit_on


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli.ready(tmp_path / "cli-home")


# -- the counter's identity ----------------------------------------------------------------------


def test_two_counters_left_at_the_defaults_cannot_both_issue_a_code(tmp_path: Path) -> None:
    outcomes = []
    for name in ("pc-a", "pc-b"):
        runner = Cli(tmp_path / name)
        init = runner("init", "--json")  # no terminal: never waits for an answer
        assert json.loads(init.stdout)["counter_no"] is None
        assert "counter-app init --counter N" in init.stderr
        refused = runner(
            *intake_args(),
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
            services = services_on(url, server, token, clock)
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


def test_choose_counter_helper_writes_settings(tmp_path: Path) -> None:
    choose_counter(tmp_path, 4)
    assert Settings.load(env={"COUNTER_APP_HOME": str(tmp_path)}).counter_no == 4


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


# -- the clock ---------------------------------------------------------------------------------


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
    unit = unit_on(url, clock)
    skewed = CounterBinding(unit=unit, server_time=clock.now + timedelta(hours=2))
    with counter_server({"t": skewed}) as server:
        services = services_on(url, server, "t", clock)
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
            *intake_args(),
            "--received",
            received,
            ok=False,
        )
        assert result.returncode != 0
        assert "Thời điểm tiếp nhận" in result.stderr and words in result.stderr
        assert "Traceback" not in result.stderr and "IntegrityError" not in result.stderr
    # Later intakes that day still work (the 1926 one took no code).
    ok = cli(
        *intake_args(),
        "--json",
    )
    assert json.loads(ok.stdout)["code"].endswith("-0001")
