"""The queue service for tests: a real store on a SQLite file behind the real HTTP stack."""

from __future__ import annotations

import socket
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


def free_port() -> int:
    """A port on 127.0.0.1 nothing listens on now (for a service started later, or never)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Hall:
    """The centre's queue service on a fixed port, which a test can stop and start again (the
    windows must carry on while it is away); `clock` None: the wall clock."""

    def __init__(self, db_url: str, clock: Any = None) -> None:
        self.store = QueueStore.open(db_url, clock=clock) if clock else QueueStore.open(db_url)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server: RunningServer | None = None

    def start(self) -> None:
        self.server = RunningServer(QueueApp(self.store, threads=8), port=self.port, threads=8)

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
