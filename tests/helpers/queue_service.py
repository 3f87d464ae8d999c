"""The queue service for tests: a real store on a SQLite file behind the real HTTP stack."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from counter_app.queue.app import QueueApp
from counter_app.queue.client import QueueClient
from counter_app.queue.store import QueueStore
from counter_app.server.runner import RunningServer


@pytest.fixture
def queue_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'queue.sqlite3'}"


@pytest.fixture
def store(queue_url: str, clock: Any) -> Iterator[QueueStore]:
    s = QueueStore.open(queue_url, clock=clock)
    yield s
    s.close()


@dataclass
class Service:
    url: str
    store: QueueStore
    kiosk: QueueClient
    counter: QueueClient
    board: QueueClient


@pytest.fixture
def service(queue_url: str) -> Iterator[Service]:
    """The service in this process, on a thread (wall clock: HTTP tests do not move time)."""
    store = QueueStore.open(queue_url)
    server = RunningServer(QueueApp(store, threads=12), threads=12)
    clients = [
        QueueClient(server.url, store.create_token(name, role))
        for name, role in (("Ki-ốt 1", "kiosk"), ("Quầy 3", "counter"), ("Bảng 1", "board"))
    ]
    yield Service(server.url, store, *clients)
    for c in clients:
        c.close()
    server.stop()
    store.close()
