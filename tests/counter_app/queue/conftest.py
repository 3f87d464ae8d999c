"""Queue fixtures: a real store on a SQLite file, the real HTTP service on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.queue_service import Service, queue_url, service, store

__all__ = ["Service", "queue_url", "service", "store"]


class ServiceProcess:
    """`counter-app queue serve` as its own process, as it runs in a centre."""

    def __init__(self, db_url: str, home: Path) -> None:
        self.db_url, self.home = db_url, home
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""

    def start(self, port: int = 0) -> str:
        env = {**os.environ, "COUNTER_APP_HOME": str(self.home)}
        self.proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "counter_app", "queue", "serve"),
                *("--port", str(port), "--db", self.db_url, "--threads", "12"),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert "http://127.0.0.1:" in line, line
        self.url = line.strip().rsplit(" ", 1)[-1]
        return self.url

    def kill(self) -> None:
        """SIGKILL on POSIX, TerminateProcess on Windows: no chance to clean up."""
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(timeout=10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        if self.proc is not None and self.proc.stdout is not None and not self.proc.stdout.closed:
            self.proc.stdout.close()


@pytest.fixture
def service_process(queue_url: str, tmp_path: Path) -> Iterator[ServiceProcess]:
    p = ServiceProcess(queue_url, tmp_path / "svc-home")
    yield p
    p.stop()
