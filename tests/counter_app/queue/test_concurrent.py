"""Several kiosks issuing at the same moment, from separate processes: distinct, gap-free numbers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from counter_app.queue.store import QueueStore

ROOT = Path(__file__).resolve().parents[3]
PER_WORKER = 40


def _workers(args: list[list[str]]) -> list[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.helpers.queue_worker", *a],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for a in args
    ]
    numbers: list[str] = []
    for p in procs:
        out, err = p.communicate(timeout=180)
        assert p.returncode == 0, err
        numbers.extend(out.split())
    return numbers


def _assert_gapless(numbers: list[str], prefix: str, total: int) -> None:
    assert len(numbers) == len(set(numbers)), "a number was issued twice"
    assert sorted(numbers) == [f"{prefix}{i:03d}" for i in range(1, total + 1)]


def test_kiosks_through_the_service_get_distinct_gapless_numbers(
    service_process: Any, queue_url: str
) -> None:
    store = QueueStore.open(queue_url)
    tokens = [store.create_token(f"Ki-ốt {i}", "kiosk") for i in range(3)]
    store.close()
    url = service_process.start()
    numbers = _workers([["http", url, t, "A", str(PER_WORKER)] for t in tokens])
    _assert_gapless(numbers, "A", 3 * PER_WORKER)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_processes_on_one_database_never_share_a_number(
    backend: str, queue_url: str, request: pytest.FixtureRequest
) -> None:
    url = queue_url if backend == "sqlite" else request.getfixturevalue("pg_url")
    QueueStore.open(url).close()
    numbers = _workers([["store", url, "B", str(PER_WORKER)] for _ in range(3)])
    _assert_gapless(numbers, "B", 3 * PER_WORKER)
