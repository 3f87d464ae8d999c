"""Serving the app with waitress: in the foreground (CLI) or on a thread (tests, benchmark)."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

from waitress.channel import HTTPChannel
from waitress.server import create_server
from waitress.task import ErrorTask

from counter_app.sync.protocol import (
    MAX_REQUEST_BYTES,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    error_body,
)

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


_HTTP_ERRORS = {
    400: "Yêu cầu HTTP không hợp lệ (dòng yêu cầu, tiêu đề hoặc độ dài nội dung).",
    413: "Yêu cầu quá lớn.",
    431: "Tiêu đề HTTP quá lớn.",
}


class _JsonErrorTask(ErrorTask):  # type: ignore[misc]
    """Waitress's own replies to unparseable HTTP, as JSON with a Vietnamese message like the
    app's (its default is English plain text)."""

    def execute(self) -> None:
        error = self.request.error
        code = int(error.code)
        message = _HTTP_ERRORS.get(code, "Yêu cầu HTTP không được chấp nhận.")
        body = json.dumps(error_body("bad_http", message), ensure_ascii=False).encode()
        self.status = f"{code} {error.reason}"
        self.response_headers.extend(
            [
                ("Content-Type", "application/json; charset=utf-8"),
                (PROTOCOL_HEADER, str(PROTOCOL_VERSION)),
            ]
        )
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class _JsonChannel(HTTPChannel):  # type: ignore[misc]
    error_task_class = _JsonErrorTask


def make_server(
    app: WsgiApp, *, host: str, port: int, threads: int = 4, trusted_proxy: str | None = None
) -> Any:
    """The waitress server with the protocol's limits: one place for `server run` and tests.

    Behind a reverse proxy (`trusted_proxy`), the client address for rate limiting comes from
    the proxy's X-Forwarded-For; from anyone else that header is dropped.
    """
    proxy: dict[str, Any] = {}
    if trusted_proxy:
        proxy = {
            "trusted_proxy": trusted_proxy,
            "trusted_proxy_count": 1,
            "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"},
        }
    server = create_server(
        app,
        **proxy,
        host=host,
        port=port,
        threads=threads,
        max_request_body_size=MAX_REQUEST_BYTES,
        channel_timeout=30,
        clear_untrusted_proxy_headers=True,
        # Push bodies are large; read them in big chunks rather than 8 KiB at a time.
        recv_bytes=262144,
        # Seconds, and waitress takes an int: 0.05 became 0, a loop that never slept (a third
        # of a core and the GIL, idle). Replies never wait for it (a finished task wakes the
        # loop through its trigger); only RunningServer.stop would, and it wakes the loop too.
        asyncore_loop_timeout=1,
    )
    server.channel_class = _JsonChannel
    return server


def serve_in_foreground(server: Any, what: str, host: str, close: Callable[[], None]) -> None:
    """`server run` / `queue serve`: say where `what` listens, serve until Ctrl+C, then `close`."""
    print(f"{what} đang chạy tại http://{host}:{server.effective_port}", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        close()


class RunningServer:
    """A waitress server on its own thread; `url` is its base address, `stop()` ends it."""

    def __init__(
        self,
        app: WsgiApp,
        host: str = "127.0.0.1",
        port: int = 0,
        threads: int = 4,
        trusted_proxy: str | None = None,
    ):
        self._server: Any = make_server(
            app, host=host, port=port, threads=threads, trusted_proxy=trusted_proxy
        )
        self.host = host
        self.port = int(self._server.effective_port)
        self._thread = threading.Thread(target=self._run, name="server", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        # stop() closes sockets under the loop's feet; whatever it raises then is expected.
        with contextlib.suppress(Exception):
            self._server.run()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        """Finish requests in flight, then close every socket; the loop ends when none is left.

        The sockets are closed on the loop's own thread (asyncore is not thread-safe), woken
        through waitress's trigger, so the loop ends at once rather than after its timeout.
        """
        self._server.task_dispatcher.shutdown(cancel_pending=True, timeout=5)

        def close_all() -> None:
            for dispatcher in list(self._server._map.values()):
                dispatcher.close()

        if self._thread.is_alive():
            self._server.trigger.pull_trigger(close_all)
            self._thread.join(timeout=5)
        if self._thread.is_alive() or self._server._map:  # the loop died or did not wake
            close_all()
            self._thread.join(timeout=5)


def configure_logging() -> None:
    """One JSON object per line on stderr: easy to ship to any log collector."""

    class _Json(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            msg = record.getMessage()
            data: dict[str, Any] = {
                "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
                "level": record.levelname.lower(),
                "logger": record.name,
            }
            try:
                parsed = json.loads(msg)
                data.update(parsed if isinstance(parsed, dict) else {"msg": parsed})
            except ValueError:
                data["msg"] = msg
            if record.exc_info:
                data["exc"] = self.formatException(record.exc_info)
            return json.dumps(data, ensure_ascii=False)

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Json())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
