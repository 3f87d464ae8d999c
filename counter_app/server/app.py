"""The server's HTTP API as a plain WSGI application (served by waitress)."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from sqlalchemy.exc import OperationalError

from counter_app.domain import local_now
from counter_app.server import online
from counter_app.server.files import MAX_CHUNK_BYTES, FileStoreError, ServerFiles
from counter_app.server.store import CounterIdentity, ServerStore
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
JSON_TYPE = "application/json; charset=utf-8"
Environ = dict[str, Any]

_DOSSIER_PATH = re.compile(rf"^{API_PREFIX}/dossiers/([0-9A-Za-z.\-]{{1,64}})$")
_FILE_PATH = re.compile(rf"^{API_PREFIX}/files/([0-9a-f]{{64}})$")
_UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_ONLINE_PATH = re.compile(
    rf"^{API_PREFIX}/online/({_UUID})(?:/(claim|decision)|/files/([0-9a-f]{{64}}))?$"
)


@dataclass(frozen=True)
class RawReply:
    """A reply that is not JSON (a file's bytes)."""

    content_type: str
    data: bytes


_STATUS_TEXT = {
    200: "200 OK",
    400: "400 Bad Request",
    401: "401 Unauthorized",
    403: "403 Forbidden",
    404: "404 Not Found",
    405: "405 Method Not Allowed",
    409: "409 Conflict",
    411: "411 Length Required",
    413: "413 Payload Too Large",
    422: "422 Unprocessable Content",
    500: "500 Internal Server Error",
    503: "503 Service Unavailable",
}


class HttpError(Exception):
    def __init__(
        self, status: int, code: str, message: str, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra or {}


class ServerApp:
    """Routes requests to the store; every reply is JSON, every request one structured log line."""

    def __init__(
        self,
        store: ServerStore,
        *,
        max_request_bytes: int = MAX_REQUEST_BYTES,
        max_batch_items: int = MAX_BATCH_ITEMS,
        files: ServerFiles | None = None,
    ) -> None:
        self.store = store
        self.files = files
        store.files = files
        self.max_request_bytes = max_request_bytes
        self.max_batch_items = max_batch_items

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        method = str(environ.get("REQUEST_METHOD", "GET"))
        path = str(environ.get("PATH_INFO", ""))
        counter: CounterIdentity | None = None
        status = 500
        extra: dict[str, Any] = {}
        try:
            status, body, counter, extra = self._route(environ, method, path)
        except HttpError as exc:
            status, body = exc.status, {**error_body(exc.code, exc.message), **exc.extra}
        except online.OnlineError as exc:
            status, body = exc.status, error_body(exc.code, str(exc))
        except OperationalError:
            log.exception("database unavailable")
            status = 503
            body = error_body("unavailable", "Cơ sở dữ liệu máy chủ tạm thời không dùng được.")
        except Exception:
            log.exception("unexpected error")
            status, body = 500, error_body("internal", "Lỗi máy chủ.")
        raw = body.get("_raw") if isinstance(body, dict) else None
        if isinstance(raw, RawReply):
            data, content_type = raw.data, raw.content_type
        else:
            data, content_type = json.dumps(body, ensure_ascii=False).encode(), JSON_TYPE
        headers = [
            ("Content-Type", content_type),
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
            found = self.store.public(match.group(1).upper())
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
        if path == f"{API_PREFIX}/online":
            _require_method(method, "POST")
            counter = self._auth(environ)
            if counter.role != "portal":
                raise HttpError(
                    403, "forbidden", "Chỉ cổng dịch vụ công được nộp hồ sơ trực tuyến."
                )
            submitted = online.submit(self.store.db, self._online_files(), self._json_body(environ))
            return 200, {"protocol": PROTOCOL_VERSION, "online": submitted}, counter, {}
        match = _ONLINE_PATH.match(path)
        if match:
            counter = self._auth(environ)
            return self._online(environ, method, counter, *match.groups())
        match = _FILE_PATH.match(path)
        if match:
            counter = self._auth(environ)
            return self._file(environ, method, counter, match.group(1))
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

    def _file(
        self, environ: Environ, method: str, counter: CounterIdentity, sha256: str
    ) -> tuple[int, dict[str, Any], CounterIdentity | None, dict[str, Any]]:
        """GET: how much of a file has arrived; PUT: one chunk at `Upload-Offset`."""
        if self.files is None:
            raise HttpError(404, "not_found", "Máy chủ này không nhận tệp số hóa.")
        owner = counter.name
        try:
            if method == "GET":
                status = self.files.status(owner, sha256)
            else:
                _require_method(method, "PUT")
                offset = _header_int(environ, "HTTP_UPLOAD_OFFSET", "Upload-Offset")
                total = _header_int(environ, "HTTP_UPLOAD_LENGTH", "Upload-Length")
                length = _header_int(environ, "CONTENT_LENGTH", "Content-Length")
                if length > MAX_CHUNK_BYTES:
                    raise HttpError(413, "too_large", f"Mỗi phần tối đa {MAX_CHUNK_BYTES} byte.")
                chunk = environ["wsgi.input"].read(length)
                if len(chunk) != length:
                    raise HttpError(400, "short_body", "Phần tệp gửi lên bị thiếu byte.")
                status = self.files.append(owner, sha256, offset=offset, total=total, chunk=chunk)
        except FileStoreError as exc:
            extra = {} if exc.received is None else {"received": exc.received}
            raise HttpError(exc.status, exc.code, str(exc), extra) from exc
        except OSError as exc:
            raise HttpError(503, "unavailable", "Kho tệp của máy chủ tạm thời lỗi.") from exc
        reply = {"protocol": PROTOCOL_VERSION, **status.to_json()}
        return 200, reply, counter, {"file": sha256[:12], "received": status.received}

    def _online_files(self) -> ServerFiles:
        if self.files is None:
            raise HttpError(404, "not_found", "Máy chủ này không nhận hồ sơ trực tuyến.")
        return self.files

    def _online(
        self,
        environ: Environ,
        method: str,
        counter: CounterIdentity,
        uuid: str,
        action: str | None,
        sha: str | None,
    ) -> tuple[int, dict[str, Any], CounterIdentity | None, dict[str, Any]]:
        """Grant, decide, or read one online dossier (and its papers' bytes)."""
        db = self.store.db
        extra = {"online": uuid[:8]}
        if sha is not None:
            _require_method(method, "GET")
            if not online.paper_file(db, uuid, sha):
                raise HttpError(404, "not_found", "Hồ sơ trực tuyến không có tệp này.")
            data = self._online_files().read(online.ONLINE_OWNER, sha)
            return 200, {"_raw": RawReply("application/octet-stream", data)}, counter, extra
        if action is None:
            _require_method(method, "GET")
            found = online.public_status(db, uuid)
            if found is None:
                raise HttpError(404, "not_found", "Không có hồ sơ trực tuyến này.")
            return 200, {"protocol": PROTOCOL_VERSION, "online": found}, counter, extra
        _require_method(method, "POST")
        if counter.role != "counter":
            raise HttpError(403, "forbidden", "Chỉ quầy tiếp nhận được xử lý hồ sơ trực tuyến.")
        if action == "claim":
            grant = online.claim(db, counter, uuid)
            reply = {"protocol": PROTOCOL_VERSION, "granted": grant.granted, "holder": grant.holder}
            return 200, reply, counter, extra
        decided = online.decide(db, self._online_files(), counter, uuid, self._json_body(environ))
        return 200, {"protocol": PROTOCOL_VERSION, "online": decided}, counter, extra

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


def _header_int(environ: Environ, key: str, name: str) -> int:
    text = str(environ.get(key) or "")
    if not text.isdigit() or len(text) > 12:
        raise HttpError(400, "bad_header", f"Thiếu hoặc sai tiêu đề {name} (số byte).")
    return int(text)


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
