"""Queue benchmark: a simulated day of a large centre through the real service on 127.0.0.1.

650 citizens (DOMAIN.md: Quảng Ninh's centre, ~650 dossiers a working day) take tickets at
4 kiosks over a compressed day, 12 counters call and serve them, 2 boards follow by the long-poll
push channel. The service runs in its own process (`counter-app queue serve`), as in a centre.
Figures: `queue_call_to_board_ms_p95` (a call's request sent until a board's client has the
event), `queue_tickets_per_s` (4 kiosks issuing flat out), `queue_day_wall_s`.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from counter_app.queue.client import QueueClient
from counter_app.queue.store import QueueStore

NEEDS_FILL = False

CITIZENS = 650
KIOSKS = 4
COUNTERS = 12
BOARDS = 2
# A working day compressed ~500 times: 8 h of arrivals in 60 s (11 tickets a second, about
# 500 times a real centre's rate), service times shrunk alike.
DAY_S = 60.0
SERVICE_S = (0.4, 1.4)
IDLE_S = 0.5  # a free clerk presses "next" again after a moment
NO_SHOW = 0.03
PRIORITY = 0.1
RUSH_PER_KIOSK = 100
AREA_WEIGHTS = {"A": 30, "B": 25, "C": 15, "D": 15, "E": 15}


def _percentile(samples: list[float], q: float) -> float:
    from counter_app.bench import percentile

    return percentile(samples, q)


class _Service:
    """`counter-app queue serve` in a child process."""

    def __init__(self, db_url: str, home: Path) -> None:
        env = {**os.environ, "COUNTER_APP_HOME": str(home)}
        self.proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "counter_app", "queue", "serve"),
                *("--port", "0", "--db", db_url, "--threads", "32"),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if "http://" not in line:
            self.stop()
            raise RuntimeError(f"queue service did not start: {line!r}")
        self.url = line.strip().rsplit(" ", 1)[-1]

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def run(ctx: Any) -> dict[str, float]:
    base = Path(ctx.tmp_dir) / "queue-bench"
    base.mkdir(parents=True, exist_ok=True)
    db_url = f"sqlite:///{base / 'queue.sqlite3'}"
    store = QueueStore.open(db_url)
    kiosk_tokens = [store.create_token(f"Ki-ốt {i + 1}", "kiosk") for i in range(KIOSKS)]
    counter_token = store.create_token("Các quầy", "counter")
    board_tokens = [store.create_token(f"Bảng {i + 1}", "board") for i in range(BOARDS)]
    areas = {a.area: a.counters for a in store.areas()}
    store.close()
    service = _Service(db_url, base)
    try:
        return _simulate(service.url, kiosk_tokens, counter_token, board_tokens, areas)
    finally:
        service.stop()


def _simulate(
    url: str,
    kiosk_tokens: list[str],
    counter_token: str,
    board_tokens: list[str],
    areas: dict[str, tuple[int, ...]],
) -> dict[str, float]:
    rng = random.Random(12)
    names = list(AREA_WEIGHTS)
    arrivals = sorted(rng.uniform(0, DAY_S) for _ in range(CITIZENS))
    plan = [
        (
            t,
            rng.choices(names, weights=[AREA_WEIGHTS[n] for n in names])[0],
            rng.random() < PRIORITY,
        )
        for t in arrivals
    ]
    lock = threading.Lock()
    sent: dict[str, float] = {}  # number → when its call request was sent
    heard_at: dict[tuple[int, str], float] = {}  # (board, number) → when the board had it
    issue_ms: list[float] = []
    issued: list[str] = []
    finished = threading.Event()
    kiosks_done = threading.Event()
    start = time.perf_counter()

    def kiosk(index: int) -> None:
        client = QueueClient(url, kiosk_tokens[index])
        for t, area, priority in plan[index::KIOSKS]:
            delay = start + t - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            began = time.perf_counter()
            number = client.issue(area, priority=priority)["number"]
            with lock:
                issue_ms.append((time.perf_counter() - began) * 1000)
                issued.append(number)
        client.close()

    def counter(no: int) -> None:
        client = QueueClient(url, counter_token)
        crng = random.Random(no)
        while True:
            began = time.perf_counter()
            ticket = client.call_next(no)
            if ticket is not None:
                with lock:
                    sent[ticket["number"]] = began
            if ticket is None:
                if kiosks_done.is_set():
                    break
                time.sleep(IDLE_S)
                continue
            time.sleep(crng.uniform(*SERVICE_S))
            if crng.random() < NO_SHOW:
                client.skip(ticket["number"])
            else:
                client.done(ticket["number"])
        client.close()

    def board(index: int) -> None:
        client = QueueClient(url, board_tokens[index])
        since = int(client.status()["seq"])
        while not finished.is_set():
            reply = client.events(since, wait_s=2)
            now = time.perf_counter()
            for e in reply["events"]:
                if e["kind"] == "call":
                    with lock:
                        heard_at[(index, e["number"])] = now
            since = int(reply["next"])
        client.close()

    boards = [threading.Thread(target=board, args=(i,)) for i in range(BOARDS)]
    for b in boards:
        b.start()
    time.sleep(0.3)
    start = time.perf_counter()
    kiosks = [threading.Thread(target=kiosk, args=(i,)) for i in range(KIOSKS)]
    counter_nos = sorted({c for cs in areas.values() for c in cs})[:COUNTERS]
    counters = [threading.Thread(target=counter, args=(n,)) for n in counter_nos]
    for t in kiosks + counters:
        t.start()
    for t in kiosks:
        t.join()
    kiosks_done.set()
    for t in counters:
        t.join()
    day_s = time.perf_counter() - start
    time.sleep(0.3)
    finished.set()
    for b in boards:
        b.join(timeout=10)
    heard = [(at - sent[number]) * 1000 for (_b, number), at in heard_at.items()]
    if len(set(issued)) != CITIZENS:
        raise RuntimeError("queue benchmark: ticket numbers were not distinct")

    rush_ms: list[float] = []

    def rush(index: int) -> None:
        client = QueueClient(url, kiosk_tokens[index])
        for _ in range(RUSH_PER_KIOSK):
            began = time.perf_counter()
            client.issue("E")
            with lock:
                rush_ms.append((time.perf_counter() - began) * 1000)
        client.close()

    rushers = [threading.Thread(target=rush, args=(i,)) for i in range(KIOSKS)]
    rush_start = time.perf_counter()
    for t in rushers:
        t.start()
    for t in rushers:
        t.join()
    rush_s = time.perf_counter() - rush_start
    return {
        "queue_call_to_board_ms_p50": _percentile(heard, 50),
        "queue_call_to_board_ms_p95": _percentile(heard, 95),
        "queue_board_deliveries": float(len(heard)),
        "queue_issue_ms_p95": _percentile(issue_ms, 95),
        "queue_tickets_per_s": KIOSKS * RUSH_PER_KIOSK / rush_s,
        "queue_day_wall_s": day_s,
    }
