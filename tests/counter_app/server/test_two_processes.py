"""Production shape: two `counter-app server run` processes on one PostgreSQL, 20 counters pushing
200 dossiers each through both (with resends racing across the processes), the back office
moving dossiers through both while counters read their feeds through both: every record stored
exactly once, every feed complete, in order, and only the counter's own."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from counter_app.server.store import ServerStore
from tests.counter_app.server.tenancy_support import Client, dossier, event, item

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[3]
COUNTERS = 20
PER_COUNTER = 200
BATCH = 50
ADVANCED = 10  # per counter, by the back office


class ServerProcess:
    """`counter-app server run --port 0` in its own process; its address read from stdout."""

    def __init__(self, db_url: str, home: Path, log: Path) -> None:
        env = {**os.environ, "COUNTER_APP_HOME": str(home)}
        self._log = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "counter_app", "server", "run", "--db", db_url,
             "--port", "0", "--threads", "4", "--lookup-rate", "1000", "--lookup-burst", "1000"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=self._log, text=True,
        )  # fmt: skip
        lines: queue.Queue[str] = queue.Queue()
        assert self.process.stdout is not None
        stdout = self.process.stdout
        threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True).start()
        first = lines.get(timeout=60)
        assert "http://127.0.0.1:" in first, first
        self.url = first.strip().rsplit(" ", 1)[-1]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)
        if self.process.stdout is not None:
            self.process.stdout.close()
        self._log.close()


@pytest.fixture
def two(pg_url: str, tmp_path: Path) -> Iterator[tuple[ServerProcess, ServerProcess, ServerStore]]:
    store = ServerStore.open(pg_url)  # the schema once, as a deployment's upgrade step would
    started = [ServerProcess(pg_url, tmp_path, tmp_path / f"server{i}.log") for i in (1, 2)]
    yield started[0], started[1], store
    for s in started:
        s.stop()
    store.close()


def _unit(n: int) -> str:
    return f"000.00.00.H49.Q{n:02d}"


def test_two_processes_exactly_once_and_complete_feeds(
    two: tuple[ServerProcess, ServerProcess, ServerStore],
) -> None:
    one, other, store = two
    urls = [one.url, other.url]
    tokens = {n: store.create_token(f"Quầy {n}", _unit(n)) for n in range(1, COUNTERS + 1)}
    office = store.create_token("Bộ phận xử lý", role="back-office")
    payloads = {n: [dossier(_unit(n), i) for i in range(1, PER_COUNTER + 1)] for n in tokens}
    feeds: dict[int, list[dict[str, Any]]] = {n: [] for n in tokens}
    pushing_done = threading.Event()

    def push_counter(n: int) -> list[str]:
        verdicts: list[str] = []
        mine = payloads[n]
        for b, start in enumerate(range(0, PER_COUNTER, BATCH)):
            batch = [
                rec
                for d in mine[start : start + BATCH]
                for rec in (item("dossier", d), item("event", event(d, 5)))
            ]
            if b == 0:
                # A resend racing the original through the other process.
                with ThreadPoolExecutor(2) as pool:
                    replies = list(
                        pool.map(lambda url, b=batch: Client(url, tokens[n]).push(*b), urls)
                    )
                for first, second in zip(*replies, strict=True):
                    assert sorted([first["status"], second["status"]]) == [
                        "accepted",
                        "duplicate",
                    ]
                    verdicts.append("accepted")
            else:
                verdicts += [r["status"] for r in Client(urls[b % 2], tokens[n]).push(*batch)]
        return verdicts

    def read_feed(n: int) -> None:
        """Page the feed through both processes in turn while writes go on, then drain."""
        since, turn = 0, 0
        while True:
            finished = pushing_done.is_set()
            reply = requests.get(
                f"{urls[turn % 2]}/api/v1/changes",
                params={"since": since, "limit": 100},
                headers={"Authorization": f"Bearer {tokens[n]}"},
                timeout=30,
            )
            assert reply.status_code == 200, reply.text
            page = reply.json()
            feeds[n] += page["changes"]
            since, turn = page["next"], turn + 1
            if finished and not page["more"]:
                return
            if not page["changes"]:
                time.sleep(0.2)  # as a counter polls: not a busy loop

    def advance(n: int) -> None:
        for i, d in enumerate(payloads[n][:ADVANCED]):
            reply = requests.post(
                f"{urls[i % 2]}/api/v1/advance",
                json={"code": d["code"], "status": 9},
                headers={"Authorization": f"Bearer {office}"},
                timeout=30,
            )
            assert reply.status_code == 200, reply.text

    with ThreadPoolExecutor(COUNTERS) as readers:
        reading = [readers.submit(read_feed, n) for n in tokens]
        with ThreadPoolExecutor(COUNTERS) as writers:
            verdicts = list(writers.map(push_counter, tokens))
            list(writers.map(advance, tokens))
        pushing_done.set()
        for f in reading:
            f.result()

    assert all(v == ["accepted"] * (2 * PER_COUNTER) for v in verdicts)
    stats = store.stats()
    assert stats["dossiers"] == COUNTERS * PER_COUNTER
    assert stats["records"] == 2 * COUNTERS * PER_COUNTER
    for n, feed in feeds.items():
        seqs = [c["seq"] for c in feed]
        assert seqs == sorted(set(seqs)), f"counter {n}: feed out of order or repeated"
        codes = [c["data"]["code"] for c in feed]
        assert all(code.startswith(_unit(n) + "-") for code in codes)
        supplements = {c["data"]["code"] for c in feed if c["data"]["status"] == 5}
        ready = [c["data"]["code"] for c in feed if c["data"]["status"] == 9]
        assert supplements == {d["code"] for d in payloads[n]}, f"counter {n}: feed incomplete"
        assert ready == [d["code"] for d in payloads[n][:ADVANCED]]
        assert len(feed) == PER_COUNTER + ADVANCED
