"""Shared fixtures: a private app home, real SQLite files, and a real throwaway PostgreSQL server."""

from __future__ import annotations

import os

# Before any Qt import: without a display, Qt must render offscreen (NOTES.md).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
SMALL_CATALOG = FIXTURES / "catalog_small.json"

# No test may touch the real user's data: everything lives under one temporary home, made when
# this file is imported (each pytest process, each xdist worker) and removed by
# `pytest_unconfigure` below.
_SESSION_HOME = Path(tempfile.mkdtemp(prefix="counter-app-tests-"))
os.environ["COUNTER_APP_HOME"] = str(_SESSION_HOME)
for _var in (
    "COUNTER_APP_DB",
    "COUNTER_APP_SERVER_URL",
    "COUNTER_APP_SERVER_TOKEN",
    "COUNTER_APP_QUEUE_URL",
    "COUNTER_APP_QUEUE_TOKEN",
):
    os.environ.pop(_var, None)
# libcups (under Qt's print support) talks only to the tests' own CUPS daemon (the `cups_server`
# fixture), never to this machine's printers; set before any Qt import, as libcups reads it once
# per thread. Without that daemon every printer list is empty.
_CUPS_SOCKET = _SESSION_HOME / "cups.sock"
os.environ["CUPS_SERVER"] = str(_CUPS_SOCKET)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the session's home once the run is over: unconfigure comes after the session's
    fixtures are torn down (the private cupsd, whose socket is in this home, and PostgreSQL
    are stopped by then), also after a failure or Ctrl+C."""
    import logging

    from counter_app.tempdirs import remove_tree

    root = logging.getLogger()  # a log file still open there would stop Windows deleting it
    for handler in list(root.handlers):
        name = getattr(handler, "baseFilename", None)
        if name and Path(name).is_relative_to(_SESSION_HOME):
            root.removeHandler(handler)
            handler.close()
    remove_tree(_SESSION_HOME)


def choose_counter(home: Path, counter_no: int = 1) -> Path:
    """Write `counter_no` into the settings file of an app home: the counter number has no
    default (a real install chooses it at setup), so every test home chooses one."""
    config = home / "config" / "settings.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f"counter_no = {counter_no}\n", encoding="utf-8")
    return config


choose_counter(_SESSION_HOME)


class FixedClock:
    """A clock tests can set and move; passed into services instead of the wall clock."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def app_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("COUNTER_APP_HOME", str(home))
    choose_counter(home)
    return home


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'counter.sqlite3'}"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 27, 9, 0))


def _find_pg_bin() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    return None


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A real PostgreSQL server: $COUNTER_APP_TEST_PG_URL, or a throwaway cluster started here."""
    given = os.environ.get("COUNTER_APP_TEST_PG_URL")
    if given:
        yield given
        return
    bindir = _find_pg_bin()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is required in CI but no server binaries were found")
        pytest.skip("PostgreSQL server binaries not installed")
    base = Path(tempfile.mkdtemp(prefix="counter-pg-"))
    data, sock = base / "data", base / "sock"
    data.mkdir()
    sock.mkdir()
    as_user: list[str] = []
    if getattr(os, "geteuid", lambda: -1)() == 0:  # initdb refuses root; Windows has no euid
        shutil.chown(base, "postgres")
        shutil.chown(data, "postgres")
        shutil.chown(sock, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    port = 54000 + os.getpid() % 1000
    subprocess.run(
        [
            *as_user,
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            *as_user,
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-w",
            "-l",
            str(base / "log"),
            "-o",
            f"-k {sock} -p {port} -c listen_addresses='' -c fsync=off -c max_connections=100",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://postgres@/postgres?host={sock}&port={port}"
    finally:
        subprocess.run(
            [*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
        )
        from counter_app.tempdirs import remove_tree

        remove_tree(base)


@pytest.fixture(scope="session")
def cups_server() -> Iterator[Any]:
    """A real CUPS daemon with an A4 and an 80 mm cups-pdf queue (tests/helpers/cups.py).

    Skips where it cannot run (not root, packages missing) unless $COUNTER_APP_REQUIRE_CUPS=1
    (CI), where that is a failure.
    """
    from tests.helpers import cups

    try:
        server = cups.start(_CUPS_SOCKET)
    except cups.CupsUnavailable as exc:
        if os.environ.get(cups.ENV_REQUIRE) == "1":
            pytest.fail(f"CUPS is required ({cups.ENV_REQUIRE}=1) but did not start: {exc}")
        pytest.skip(f"no CUPS daemon for the print tests: {exc}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(pg_server).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def make_services(url: str, clock: FixedClock | None = None, *, counter_no: int = 1):  # type: ignore[no-untyped-def]
    """CounterServices on `url`, migrated, with the small test catalog loaded."""
    from dataclasses import replace

    from counter_app.services import CounterServices
    from counter_app.settings import Settings

    settings = replace(Settings.load(db_url=url), counter_no=counter_no)
    services = CounterServices(settings, clock=clock) if clock else CounterServices(settings)
    if clock is not None:
        # Tests travel back in time with FixedClock to build history; the guard that stops codes
        # when the wall clock goes back is tested on its own (tests/counter_app/test_issuing.py).
        services.guard.confirm_clock()
    services.migrate()
    services.catalog.load_file(SMALL_CATALOG)
    return services


@pytest.fixture
def services(sqlite_url: str, clock: FixedClock, app_home: Path):  # type: ignore[no-untyped-def]
    s = make_services(sqlite_url, clock)
    yield s
    s.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Any]:
    """The reference provincial server on 127.0.0.1 (a `RefServer`), its token bound to the
    receiving unit of counter 1 of the default centre."""
    from tests.helpers.ref_server import ref_server

    with ref_server(tmp_path) as srv:
        yield srv
