"""The queue service's HTTP API: a plain WSGI app served by the reference server's waitress stack.

Push channel: long polling. `GET /events?since=SEQ&timeout=S` answers at once when events after
SEQ exist, else waits on a condition the store signals after every commit, up to S seconds
(≤ 25, under waitress's 30 s channel timeout). Each waiting request holds one of waitress's
worker threads, so at most `threads - RESERVED_THREADS` requests may wait at once; beyond that a
poll answers empty at once with `retry_ms`, and the threads left keep serving kiosks and counters.
"""

from __future__ import annotations

import html
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any
from urllib.parse import parse_qs

from sqlalchemy.exc import OperationalError

from counter_app.domain import local_now
from counter_app.queue.domain import QueueError
from counter_app.queue.records import Device
from counter_app.queue.store import QueueStore
from counter_app.server.app import HttpError
from counter_app.sync.protocol import error_body

log = logging.getLogger("counter_app.queue")

PREFIX = "/api/queue/v1"
PROTOCOL = 1
MAX_BODY = 64 * 1024
MAX_WAIT_S = 25.0
RESERVED_THREADS = 6
DEFAULT_THREADS = 32

StartResponse = Callable[..., Any]
Environ = dict[str, Any]

_TICKET = re.compile(
    rf"^{PREFIX}/tickets/([A-Za-z]{{1,2}}\d{{1,6}})/(done|skip|recall|serve|transfer)$"
)
_CALL = re.compile(rf"^{PREFIX}/counters/(\d{{1,3}})/call$")
_PUBLIC = re.compile(rf"^{PREFIX}/public/tickets/([A-Za-z]{{1,2}}\d{{1,6}})$")
_PAGE = re.compile(r"^/luot/([A-Za-z]{1,2}\d{1,6})$")

_STATUS = {
    200: "200 OK",
    400: "400 Bad Request",
    401: "401 Unauthorized",
    403: "403 Forbidden",
    404: "404 Not Found",
    405: "405 Method Not Allowed",
    409: "409 Conflict",
    411: "411 Length Required",
    413: "413 Payload Too Large",
    500: "500 Internal Server Error",
    503: "503 Service Unavailable",
}


class EventBell:
    """Wakes long polls when the store commits a change; counts the waiting requests."""

    def __init__(self, max_waiters: int) -> None:
        self._cond = threading.Condition()
        self._generation = 0
        self.max_waiters = max_waiters
        self.waiting = 0

    def ring(self) -> None:
        with self._cond:
            self._generation += 1
            self._cond.notify_all()

    def generation(self) -> int:
        with self._cond:
            return self._generation

    def wait(self, seen: int, timeout: float) -> bool:
        """Wait until a ring after generation `seen`; False if no thread is free to wait."""
        with self._cond:
            if self._generation != seen:
                return True
            if self.waiting >= self.max_waiters:
                return False
            self.waiting += 1
            try:
                return self._cond.wait_for(lambda: self._generation != seen, timeout)
            finally:
                self.waiting -= 1


class QueueApp:
    """Routes requests to the store; JSON replies, one structured log line per request."""

    def __init__(self, store: QueueStore, *, threads: int = DEFAULT_THREADS) -> None:
        self.store = store
        self.bell = EventBell(max(1, threads - RESERVED_THREADS))
        store.on_change(self.bell.ring)

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        method = str(environ.get("REQUEST_METHOD", "GET"))
        path = str(environ.get("PATH_INFO", ""))
        device: Device | None = None
        content_type = "application/json; charset=utf-8"
        try:
            status, body, device = self._route(environ, method, path)
        except HttpError as exc:
            status, body = exc.status, error_body(exc.code, exc.message)
        except QueueError as exc:
            status, body = 409, error_body("refused", str(exc))
        except OperationalError:
            log.exception("queue database unavailable")
            status = 503
            body = error_body("unavailable", "CSDL hàng đợi tạm thời không dùng được.")
        except Exception:
            log.exception("unexpected error")
            status, body = 500, error_body("internal", "Lỗi máy chủ hàng đợi.")
        if isinstance(body, str):
            data = body.encode()
            content_type = "text/html; charset=utf-8"
        else:
            data = json.dumps(body, ensure_ascii=False).encode()
        start_response(
            _STATUS[status],
            [
                ("Content-Type", content_type),
                ("Content-Length", str(len(data))),
                ("Cache-Control", "no-store"),
            ],
        )
        if not path.endswith("/events"):
            log.info(
                json.dumps(
                    {
                        "event": "request",
                        "method": method,
                        "path": path,
                        "status": status,
                        "ms": round((time.perf_counter() - started) * 1000, 1),
                        "device": device.name if device else None,
                    },
                    ensure_ascii=False,
                )
            )
        return [data]

    def _route(self, environ: Environ, method: str, path: str) -> tuple[int, Any, Device | None]:
        store = self.store
        if path == f"{PREFIX}/health":
            return 200, {"protocol": PROTOCOL, "status": "ok", "server_time": _now()}, None
        match = _PUBLIC.match(path)
        if match:
            _method(method, "GET")
            found = store.position(match.group(1))
            if found is None:
                raise HttpError(404, "not_found", "Không có số thứ tự này hôm nay.")
            return 200, found, None
        match = _PAGE.match(path)
        if match:
            _method(method, "GET")
            return 200, _public_page(store.position(match.group(1)), match.group(1)), None
        device = self._auth(environ)
        if path == f"{PREFIX}/areas":
            _method(method, "GET")
            return 200, {"areas": [a.to_json() for a in store.areas()]}, device
        if path == f"{PREFIX}/config":
            _method(method, "GET")
            return 200, store.config(), device
        if path == f"{PREFIX}/status":
            _method(method, "GET")
            return 200, store.status(), device
        if path == f"{PREFIX}/stats":
            _method(method, "GET")
            args = parse_qs(str(environ.get("QUERY_STRING", "")))
            start = _day(args.get("from", [""])[0], "from")
            end = _day(args.get("to", [""])[0], "to") if args.get("to") else start
            return 200, store.stats(start, end), device
        if path == f"{PREFIX}/events":
            _method(method, "GET")
            return 200, self._events(environ), device
        if path == f"{PREFIX}/tickets":
            _method(method, "POST")
            _allow(device, "issue")
            body = _json(environ)
            issued = store.issue(
                str(body.get("area", "")),
                priority=bool(body.get("priority", False)),
                category=str(body.get("category", "") or ""),
                kiosk=device.name,
            )
            return 200, issued.to_json(), device
        match = _CALL.match(path)
        if match:
            _method(method, "POST")
            _allow(device, "serve")
            ticket = store.call_next(int(match.group(1)))
            return 200, {"ticket": ticket.to_json() if ticket else None}, device
        match = _TICKET.match(path)
        if match:
            _method(method, "POST")
            _allow(device, "serve")
            number, action = match.group(1), match.group(2)
            body = _json(environ)
            if action == "done":
                ticket = store.done(number)
            elif action == "skip":
                ticket = store.skip(number)
            elif action == "recall":
                ticket = store.recall(number)
            elif action == "serve":
                ticket = store.serve(
                    number,
                    str(body.get("dossier_code", "") or ""),
                    str(body.get("procedure_code", "") or ""),
                )
            else:
                ticket = store.transfer(number, str(body.get("area", "")))
            return 200, {"ticket": ticket.to_json()}, device
        raise HttpError(404, "not_found", "Không có địa chỉ này.")

    def _events(self, environ: Environ) -> dict[str, Any]:
        args = parse_qs(str(environ.get("QUERY_STRING", "")))
        try:
            since = int(args.get("since", ["0"])[0])
            timeout = min(float(args.get("timeout", ["0"])[0]), MAX_WAIT_S)
        except ValueError as exc:
            raise HttpError(400, "bad_request", "since và timeout phải là số.") from exc
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            seen = self.bell.generation()
            events = self.store.events(since)
            if events:
                return {"events": [e.to_json() for e in events], "next": events[-1].seq}
            left = deadline - time.monotonic()
            if left <= 0:
                return {"events": [], "next": since}
            if not self.bell.wait(seen, left):
                return {"events": [], "next": since, "retry_ms": 1000}

    def _auth(self, environ: Environ) -> Device:
        scheme, _, token = str(environ.get("HTTP_AUTHORIZATION", "")).partition(" ")
        device = self.store.authenticate(token.strip()) if scheme.lower() == "bearer" else None
        if device is None:
            raise HttpError(401, "unauthorized", "Mã truy cập của thiết bị không hợp lệ.")
        return device


def _allow(device: Device, action: str) -> None:
    if not device.may(action):
        raise HttpError(
            403, "forbidden", f"Thiết bị vai trò «{device.role}» không được làm việc này."
        )


def _method(method: str, allowed: str) -> None:
    if method != allowed:
        raise HttpError(405, "method", f"Chỉ nhận {allowed}.")


def _json(environ: Environ) -> dict[str, Any]:
    length_text = str(environ.get("CONTENT_LENGTH") or "0")
    if not length_text.isdigit():
        raise HttpError(411, "length_required", "Thiếu Content-Length.")
    length = int(length_text)
    if length > MAX_BODY:
        raise HttpError(413, "too_large", "Yêu cầu quá lớn.")
    if length == 0:
        return {}
    try:
        body = json.loads(environ["wsgi.input"].read(length))
    except (ValueError, UnicodeDecodeError) as exc:
        raise HttpError(400, "bad_json", "Nội dung không phải JSON hợp lệ.") from exc
    if not isinstance(body, dict):
        raise HttpError(400, "bad_json", "Nội dung phải là một đối tượng JSON.")
    return body


def _day(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise HttpError(400, "bad_request", f"Ngày {name} phải dạng YYYY-MM-DD.") from exc


def _now() -> str:
    return local_now().isoformat()


def _public_page(position: dict[str, Any] | None, number: str) -> str:
    """A tiny page a citizen's phone opens from the ticket's QR: where is my turn?"""
    if position is None:
        text = f"Hôm nay không có số {html.escape(number.upper())}."
    elif position["state"] == "waiting":
        text = (
            f"Số {position['number']}: đang chờ, còn {position['waiting_before']} người trước bạn."
        )
    elif position["counter"]:
        state = position["state_label"].lower()
        text = f"Số {position['number']}: {state} tại quầy số {position['counter']}."
    else:
        text = f"Số {position['number']}: {position['state_label'].lower()}."
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width">'
        '<meta http-equiv="refresh" content="30"><title>Lượt của bạn</title></head>'
        f'<body style="font-family:sans-serif;font-size:1.5em"><p>{html.escape(text)}</p>'
        "</body></html>"
    )
