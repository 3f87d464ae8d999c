"""Dossier codes under concurrency and crashes: distinct, gapless, never half-written."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from counter_app.db.engine import Database
from counter_app.db.models import CodeSequence, Dossier, DossierEvent, DossierPaper, OutboxEntry
from tests.conftest import make_services

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 4
PER_WORKER = 25


def _start_worker(url: str, count: int, counter_no: int = 1) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen(
        [sys.executable, "-m", "tests.helpers.intake_worker", url, str(count), str(counter_no)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _run_workers(url: str, counter_nos: list[int]) -> list[str]:
    procs = [_start_worker(url, PER_WORKER, n) for n in counter_nos]
    codes: list[str] = []
    for p in procs:
        out, err = p.communicate(timeout=180)
        assert p.returncode == 0, err
        codes.extend(out.split())
    return codes


def _assert_gapless(codes: list[str]) -> None:
    assert len(codes) == len(set(codes)), "a code was issued twice"
    by_prefix: dict[str, list[int]] = {}
    for code in codes:
        prefix, number = code.rsplit("-", 1)
        by_prefix.setdefault(prefix, []).append(int(number))
    for numbers in by_prefix.values():
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), "gap in the codes"


def test_processes_sharing_one_sqlite_file(tmp_path: Path, app_home: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    make_services(url).close()
    codes = _run_workers(url, [1] * WORKERS)
    assert len(codes) == WORKERS * PER_WORKER
    _assert_gapless(codes)


@pytest.mark.postgres
def test_processes_sharing_one_postgres_database(pg_url: str, app_home: Path) -> None:
    make_services(pg_url).close()
    codes = _run_workers(pg_url, [1] * WORKERS)
    assert len(codes) == WORKERS * PER_WORKER
    _assert_gapless(codes)


def test_offline_counters_never_issue_the_same_code(tmp_path: Path, app_home: Path) -> None:
    # Two counters, each on its own SQLite file (offline), same centre, same day.
    first = f"sqlite:///{tmp_path / 'q1.sqlite3'}"
    second = f"sqlite:///{tmp_path / 'q2.sqlite3'}"
    make_services(first).close()
    make_services(second).close()
    codes = _run_workers(first, [1]) + _run_workers(second, [2])
    assert len(set(codes)) == len(codes) == 2 * PER_WORKER
    assert {c.rsplit("-", 2)[0] for c in codes} == {"000.00.00.H49.Q01", "000.00.00.H49.Q02"}
    _assert_gapless(codes)


def test_sigkill_mid_stream_leaves_an_intact_database(tmp_path: Path, app_home: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crash.sqlite3'}"
    make_services(url).close()
    proc = _start_worker(url, 100_000)
    assert proc.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + 60
    while len(seen) < 40 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line:
            seen.append(line.strip())
    proc.kill()  # SIGKILL on POSIX, TerminateProcess on Windows: no cleanup either way
    proc.communicate()  # reap it and close its pipes
    assert len(seen) >= 40

    db = Database(url)
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    with db.read() as s:
        codes = list(s.scalars(select(Dossier.code)))
        # Every code the worker reported as committed is there (it printed after commit).
        assert set(seen) <= set(codes)
        _assert_gapless(codes)
        n = len(codes)
        assert s.scalar(select(func.max(CodeSequence.last_value))) == n
        # No half-written dossier: each has its papers, its first event and its outbox rows.
        assert s.scalar(select(func.count(DossierPaper.id))) == 2 * n
        assert s.scalar(select(func.count(DossierEvent.id))) == n
        assert s.scalar(select(func.count(OutboxEntry.id))) == 2 * n
        fts = s.execute(text("SELECT count(*) FROM dossier_fts")).scalar()
        assert fts == n
    db.dispose()
