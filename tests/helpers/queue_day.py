"""A scripted day at the queue: citizens with known times, played over HTTP at those times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from counter_app.queue.client import QueueClient


@dataclass
class Step:
    """One citizen of the script: times in seconds after the day's start."""

    area: str
    issued: int
    called: int | None = None
    ended: int | None = None
    outcome: str = "waiting"  # done | skip | waiting
    counter: int | None = None
    procedures: tuple[str, ...] = ()


def play(
    script: list[Step], day: datetime, clock: Any, kiosk: QueueClient, counter: QueueClient
) -> dict[int, str]:
    """Issue, call, link dossiers and close every ticket of `script` at its time, over HTTP;
    returns each step's ticket number."""
    events: list[tuple[int, int, str]] = []
    for i, s in enumerate(script):
        events.append((s.issued, i, "issue"))
        if s.called is not None:
            events.append((s.called, i, "call"))
            if s.procedures:
                events.append((s.called + 5, i, "serve"))
        if s.ended is not None:
            events.append((s.ended, i, s.outcome))
    numbers: dict[int, str] = {}
    for offset, i, kind in sorted(events):
        clock.now = day + timedelta(seconds=offset)
        s = script[i]
        if kind == "issue":
            numbers[i] = kiosk.issue(s.area)["number"]
        elif kind == "call":
            assert s.counter is not None
            ticket = counter.call_next(s.counter)
            assert ticket is not None and ticket["number"] == numbers[i], (i, ticket)
        elif kind == "serve":
            for n, code in enumerate(s.procedures):
                counter.serve(numbers[i], f"D-{i}-{n}", code)
        elif kind == "done":
            counter.done(numbers[i])
        else:
            counter.skip(numbers[i])
    return numbers
