"""The server's HTTP API as a plain WSGI application (served by waitress)."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from sqlalchemy.exc import OperationalError

from counter_app.domain import local_now
from counter_app.server.store import CounterIdentity, ServerStore
from counter_app.server.web.pages import WebApp
from counter_app.sync.protocol import (
    API_PREFIX,
    DEFAULT_PAGE,
    MAX_BATCH_ITEMS,
    MAX_PAGE,
    MAX_REQUEST_BYTES,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    ProtocolError,
    PushItem,
    error_body,
)

log = logging.getLogger("counter_app.server")

StartResponse = Callable[..., Any]
Environ = dict[str, Any]

_DOSSIER_PATH = re.compile(rf"^{API_PREFIX}/dossiers/([0-9A-Za-z.\-]{{1,64}})$")

_STATUS_TEXT = {
    200: "200 OK",
    400: "400 Bad Request",
    401: "401 Unauthorized",
    404: "404 Not Found",
    405: "405 Method Not Allowed",
    411: "411 Length Required",
    413: "413 Payload Too Large",
    500: "500 Internal Server Error",
    503: "503 Service Unavailable",
}


class HttpError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class ServerApp:
    """Routes requests to the store; every reply is JSON, every request one structured log line."""

    def __init__(
        self,
        store: ServerStore,
        *,
        max_request_bytes: int = MAX_REQUEST_BYTES,
        max_batch_items: int = MAX_BATCH_ITEMS,
    ) -> None:
        self.store = store
        self.max_request_bytes = max_request_bytes
        self.max_batch_items = max_batch_items
        # The citizen's HTML pages (/tra-cuu, /static/): their own errors, limits and headers.
        self.web = WebApp(store.db)

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        method = str(environ.get("REQUEST_METHOD", "GET"))
        path = str(environ.get("PATH_INFO", ""))
        if self.web.handles(path):
            return self.web(environ, start_response)
        counter: CounterIdentity | None = None
        status = 500
        extra: dict[str, Any] = {}
        try:
            status, body, counter, extra = self._route(environ, method, path)
        except HttpError as exc:
            status, body = exc.status, error_body(exc.code, exc.message)
        except OperationalError:
            log.exception("database unavailable")
            status = 503
            body = error_body("unavailable", "Cơ sở dữ liệu máy chủ tạm thời không dùng được.")
        except Exception:
            log.exception("unexpected error")
            status, body = 500, error_body("internal", "Lỗi máy chủ.")
        data = json.dumps(body, ensure_ascii=False).encode()
        headers = [
            ("Content-Type", "application/json; charset=utf-8"),
            ("Content-Length", str(len(data))),
            (PROTOCOL_HEADER, str(PROTOCOL_VERSION)),
        ]
        if status == 503:
            headers.append(("Retry-After", "5"))
        start_response(_STATUS_TEXT[status], headers)
        log.info(
            json.dumps(
                {
                    "event": "request",
                    "method": method,
                    "path": path if not path.startswith(f"{API_PREFIX}/dossiers/") else "lookup",
                    "status": status,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                    "counter": counter.name if counter else None,
                    **extra,
                },
                ensure_ascii=False,
            )
        )
        return [data]

    def _route(
        self, environ: Environ, method: str, path: str
    ) -> tuple[int, dict[str, Any], CounterIdentity | None, dict[str, Any]]:
        if path == f"{API_PREFIX}/health":
            return 200, {"protocol": PROTOCOL_VERSION, "status": "ok"}, None, {}
        match = _DOSSIER_PATH.match(path)
        if match:
            _require_method(method, "GET")
            value = parse_qs(str(environ.get("QUERY_STRING", ""))).get("v", [None])[0]
            found = self.store.public(match.group(1).upper(), value)
            if found is None:
                raise HttpError(404, "not_found", "Không tìm thấy hồ sơ.")
            return 200, {"protocol": PROTOCOL_VERSION, "dossier": found}, None, {}
        if path == f"{API_PREFIX}/push":
            _require_method(method, "POST")
            counter = self._auth(environ)
            body = self._json_body(environ)
            items = self._items(body)
            results = self.store.push(counter, items)
            reply = {
                "protocol": PROTOCOL_VERSION,
                "server_time": local_now().isoformat(),
                "results": [r.to_json() for r in results],
            }
            return 200, reply, counter, {"items": len(items)}
        if path == f"{API_PREFIX}/changes":
            _require_method(method, "GET")
            counter = self._auth(environ)
            since, limit = _page_args(str(environ.get("QUERY_STRING", "")))
            changes, nxt = self.store.changes(counter, since, limit)
            reply = {
                "protocol": PROTOCOL_VERSION,
                "changes": [c.to_json() for c in changes],
                "next": nxt,
                "more": len(changes) == limit,
            }
            return 200, reply, counter, {"since": since, "changes": len(changes)}
        raise HttpError(404, "not_found", "Không có địa chỉ này.")

    def _auth(self, environ: Environ) -> CounterIdentity:
        header = str(environ.get("HTTP_AUTHORIZATION", ""))
        scheme, _, token = header.partition(" ")
        counter = self.store.authenticate(token.strip()) if scheme.lower() == "bearer" else None
        if counter is None:
            raise HttpError(
                401, "unauthorized", "Mã truy cập của quầy không hợp lệ hoặc đã bị thu hồi."
            )
        return counter

    def _json_body(self, environ: Environ) -> Any:
        length_text = environ.get("CONTENT_LENGTH") or ""
        if not str(length_text).isdigit():
            raise HttpError(411, "length_required", "Thiếu Content-Length.")
        length = int(length_text)
        if length > self.max_request_bytes:
            raise HttpError(
                413, "too_large", f"Yêu cầu quá lớn (tối đa {self.max_request_bytes} byte)."
            )
        raw = environ["wsgi.input"].read(length)
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise HttpError(400, "bad_json", "Nội dung không phải JSON hợp lệ.") from exc

    def _items(self, body: Any) -> list[PushItem]:
        if not isinstance(body, dict) or body.get("protocol") != PROTOCOL_VERSION:
            raise HttpError(
                400, "protocol", f"Cần giao thức phiên bản {PROTOCOL_VERSION} (trường protocol)."
            )
        raw_items = body.get("items")
        if not isinstance(raw_items, list):
            raise HttpError(400, "bad_request", "Thiếu danh sách items.")
        if len(raw_items) > self.max_batch_items:
            raise HttpError(413, "too_many", f"Tối đa {self.max_batch_items} bản ghi mỗi lần gửi.")
        items: list[PushItem] = []
        seen: set[tuple[str, str, int]] = set()
        for index, raw in enumerate(raw_items):
            try:
                item = PushItem.from_json(raw)
            except ProtocolError as exc:
                raise HttpError(400, "bad_record", f"Bản ghi thứ {index + 1}: {exc}") from exc
            if item.key in seen:
                raise HttpError(400, "bad_record", f"Bản ghi thứ {index + 1} bị lặp trong lô.")
            seen.add(item.key)
            items.append(item)
        return items


def _require_method(method: str, allowed: str) -> None:
    if method != allowed:
        raise HttpError(405, "method", f"Chỉ nhận {allowed}.")


def _page_args(query: str) -> tuple[int, int]:
    args = parse_qs(query)
    try:
        since = int(args.get("since", ["0"])[0])
        limit = int(args.get("limit", [str(DEFAULT_PAGE)])[0])
    except ValueError as exc:
        raise HttpError(400, "bad_request", "since và limit phải là số nguyên.") from exc
    if since < 0 or not 1 <= limit <= MAX_PAGE:
        raise HttpError(400, "bad_request", f"since ≥ 0, limit từ 1 đến {MAX_PAGE}.")
    return since, limit
