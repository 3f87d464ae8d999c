"""Fixtures for sync tests: a running reference server per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.counter_app.sync.harness import RefServer, start_server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RefServer]:
    srv = start_server(f"sqlite:///{tmp_path / 'server.sqlite3'}")
    yield srv
    srv.stop()
    srv.store.close()
