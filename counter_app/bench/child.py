"""A server the benchmark runs in a child process, spoken to over a pipe.

spawn: a clean interpreter on every OS (the frozen bundle calls freeze_support()). The child
sends one first message when it serves (its URL, tokens...) and stops when told "stop".
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

START_TIMEOUT_S = 120


class ChildServer:
    _conn: Connection

    def _start(
        self, target: Callable[..., None], args: Callable[[Connection], tuple[Any, ...]]
    ) -> Any:
        """Start `target(*args(child_end))`; returns the child's first message."""
        mp = multiprocessing.get_context("spawn")
        self._conn, child = mp.Pipe()
        self._process = mp.Process(target=target, args=args(child), daemon=True)
        self._process.start()
        child.close()
        try:
            if not self._conn.poll(START_TIMEOUT_S):
                raise EOFError
            return self._conn.recv()
        except EOFError:
            self.stop()
            raise RuntimeError("the benchmark's server process did not start") from None

    def stop(self) -> None:
        with contextlib.suppress(OSError):  # already gone
            self._conn.send("stop")
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(timeout=5)
        self._conn.close()
