"""The server's HTTP API as a plain WSGI application (served by waitress)."""

from __future__ import annotations

import json
import logging
import math
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

from sqlalchemy.exc import OperationalError

from counter_app.domain import local_now
from counter_app.server import online
from counter_app.server.files import (
    MAX_CHUNK_BYTES,
    MAX_DOWNLOAD_BYTES,
    FileStoreError,
    ServerFiles,
    read_range,
    unit_file_owners,
)
from counter_app.server.ratelimit import RateLimiter
from counter_app.server.schema import ROLE_BACK_OFFICE, ROLE_COUNTER, ROLE_PORTAL
from counter_app.server.store import CounterIdentity, QuotaExceeded, ServerError, ServerStore
from counter_app.server.web.pages import WebApp
from counter_app.sync.protocol import (
    API_PREFIX,
    DEFAULT_PAGE,
    MAX_BATCH_ITEMS,
    MAX_PAGE,
    MAX_REQUEST_BYTES,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    TOKEN_ELSEWHERE,
    UUID_RE,
    ProtocolError,
    PushItem,
    error_body,
)
from counter_app.verification import QUERY_KEY

log = logging.getLogger("counter_app.server")

StartResponse = Callable[..., Any]
JSON_TYPE = "application/json; charset=utf-8"
Environ = dict[str, Any]

_DOSSIER_PATH = re.compile(rf"^{API_PREFIX}/dossiers/([0-9A-Za-z.\-]{{1,64}})$")
_PUBLIC_PREFIX = f"{API_PREFIX}/dossiers/"
_UINT = re.compile(r"^[0-9]{1,18}$")
_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
#: Public lookups per address: a citizen checks a few papers; a scraper walking codes is slowed to
#: one every two seconds after a burst of ten.
LOOKUP_RATE = 0.5
LOOKUP_BURST = 10
_FILE_PATH = re.compile(rf"^{API_PREFIX}/files/([0-9a-f]{{64}})$")
_FILE_CONTENT_PATH = re.compile(rf"^{API_PREFIX}/files/([0-9a-f]{{64}})/content$")
_UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_ONLINE_PATH = re.compile(
    rf"^{API_PREFIX}/online/({_UUID})(?:/(claim|decision)|/files/([0-9a-f]{{64}}))?$"
)


@dataclass(frozen=True)
class RawReply:
    """A reply that is not JSON (a file's bytes)."""

    content_type: str
    data: bytes


class HttpError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        extra: dict[str, Any] | None = None,
        *,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after
        self.extra = extra or {}


class ServerApp:
    """Routes requests to the store; every reply is JSON, every request one structured log line."""

    def __init__(
        self,
        store: ServerStore,
        *,
        max_request_bytes: int = MAX_REQUEST_BYTES,
        max_batch_items: int = MAX_BATCH_ITEMS,
        lookup_limiter: RateLimiter | None = None,
        files: ServerFiles | None = None,
    ) -> None:
        self.store = store
        self.files = files
        store.files = files
        self.max_request_bytes = max_request_bytes
        self.max_batch_items = max_batch_items
        self.lookup_limiter = lookup_limiter or RateLimiter(LOOKUP_RATE, LOOKUP_BURST)
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
        retry_after: float | None = None
        try:
            status, body, counter, extra = self._route(environ, method, path)
        except HttpError as exc:
            status, body = exc.status, {**error_body(exc.code, exc.message), **exc.extra}
            retry_after = exc.retry_after
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
        content_type = JSON_TYPE
        if isinstance(raw, RawReply):
            data, content_type = raw.data, raw.content_type
        else:
            try:
                data = json.dumps(body, ensure_ascii=False).encode()
            except UnicodeEncodeError:  # a lone surrogate echoed from the request: escape it
                data = json.dumps(body).encode()
        headers = [
            ("Content-Type", content_type),
            ("Content-Length", str(len(data))),
            (PROTOCOL_HEADER, str(PROTOCOL_VERSION)),
        ]
        if status == 503:
            headers.append(("Retry-After", "5"))
        elif retry_after is not None:
            headers.append(("Retry-After", str(max(1, math.ceil(retry_after)))))
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        log.info(
            json.dumps(
                {
                    "event": "request",
                    "method": method,
                    "path": path[:200] if not path.startswith(_PUBLIC_PREFIX) else "lookup",
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
        protocol = environ.get("HTTP_X_COUNTER_PROTOCOL")
        if protocol is not None and str(protocol).strip() != str(PROTOCOL_VERSION):
            raise HttpError(
                400, "protocol", f"Máy chủ dùng giao thức phiên bản {PROTOCOL_VERSION}."
            )
        query = _query(str(environ.get("QUERY_STRING", "")))
        if path == f"{API_PREFIX}/health":
            _require_method(method, "GET")
            return 200, {"protocol": PROTOCOL_VERSION, "status": "ok"}, None, {}
        if path.startswith(_PUBLIC_PREFIX):
            _require_method(method, "GET")
            return self._lookup(environ, path, query)
        if path == f"{API_PREFIX}/push":
            _require_method(method, "POST")
            counter = self._auth(environ, ROLE_COUNTER)
            body = self._json_body(environ)
            items = self._items(body)
            try:
                results = self.store.push(counter, items)
            except QuotaExceeded as exc:
                raise HttpError(429, "quota", str(exc), retry_after=_seconds_to_midnight()) from exc
            except ServerError as exc:  # a token left without a unit by the tenancy migration
                raise HttpError(403, "forbidden", str(exc)) from exc
            reply = {
                "protocol": PROTOCOL_VERSION,
                "server_time": local_now().isoformat(),
                "results": [r.to_json() for r in results],
            }
            return 200, reply, counter, {"items": len(items)}
        if path == f"{API_PREFIX}/online":
            _require_method(method, "POST")
            counter = self._auth(environ, ROLE_PORTAL)
            submitted = online.submit(self.store.db, self._online_files(), self._json_body(environ))
            return 200, {"protocol": PROTOCOL_VERSION, "online": submitted}, counter, {}
        match = _ONLINE_PATH.match(path)
        if match:
            counter = self._auth(environ, ROLE_COUNTER)
            return self._online(environ, method, counter, query, *match.groups())
        match = _FILE_PATH.match(path)
        if match:
            counter = self._auth(environ, ROLE_COUNTER)
            return self._file(environ, method, counter, match.group(1))
        match = _FILE_CONTENT_PATH.match(path)
        if match:
            _require_method(method, "GET")
            counter = self._auth(environ, ROLE_COUNTER)
            return self._file_content(counter, match.group(1), query)
        if path == f"{API_PREFIX}/changes":
            _require_method(method, "GET")
            counter = self._auth(environ, ROLE_COUNTER)
            since = _uint(query, "since", 0)
            limit = _uint(query, "limit", DEFAULT_PAGE)
            if not 1 <= limit <= MAX_PAGE:
                raise HttpError(400, "bad_request", f"limit phải từ 1 đến {MAX_PAGE}.")
            changes, nxt = self.store.changes(counter, since, limit)
            reply = {
                "protocol": PROTOCOL_VERSION,
                "changes": [c.to_json() for c in changes],
                "next": nxt,
                "more": len(changes) == limit,
            }
            return 200, reply, counter, {"since": since, "changes": len(changes)}
        if path == f"{API_PREFIX}/counter":
            _require_method(method, "GET")
            counter = self._auth(environ, ROLE_COUNTER)
            day: date | None = None
            if "day" in query:
                day = _day(query["day"])
            info = self.store.counter_info(counter, day)
            if self.files is not None:  # so counters refuse an oversize scan before intake
                info["max_file_bytes"] = self.files.max_file_bytes
            return 200, {"protocol": PROTOCOL_VERSION, **info}, counter, {}
        if path == f"{API_PREFIX}/records":
            _require_method(method, "GET")
            counter = self._auth(environ, ROLE_COUNTER)
            after = _uint(query, "after", 0)
            limit = _uint(query, "limit", DEFAULT_PAGE)
            if not 1 <= limit <= MAX_PAGE:
                raise HttpError(400, "bad_request", f"limit phải từ 1 đến {MAX_PAGE}.")
            records, nxt = self.store.records(counter, after, limit)
            reply = {
                "protocol": PROTOCOL_VERSION,
                "records": records,
                "next": nxt,
                "more": len(records) == limit,
            }
            return 200, reply, counter, {"after": after, "records": len(records)}
        if path == f"{API_PREFIX}/advance":
            _require_method(method, "POST")
            counter = self._auth(environ, ROLE_BACK_OFFICE)
            body = self._json_body(environ)
            if not isinstance(body, dict):
                raise HttpError(400, "bad_request", "Nội dung phải là một đối tượng JSON.")
            code, status, note = body.get("code"), body.get("status"), body.get("note", "")
            if not isinstance(code, str) or not 1 <= len(code) <= 64:
                raise HttpError(400, "bad_request", "Thiếu trường code (mã hồ sơ).")
            if not isinstance(status, int) or isinstance(status, bool):
                raise HttpError(400, "bad_request", "Trường status phải là số 1–10.")
            if not isinstance(note, str):
                raise HttpError(400, "bad_request", "Trường note phải là văn bản.")
            try:
                seq = self.store.advance(code, status, note, by=counter)
            except ServerError as exc:
                raise HttpError(422, "refused", str(exc)) from exc
            return 200, {"protocol": PROTOCOL_VERSION, "seq": seq}, counter, {"code": code}
        raise HttpError(404, "not_found", "Không có địa chỉ này.")

    def _lookup(
        self, environ: Environ, path: str, query: dict[str, str]
    ) -> tuple[int, dict[str, Any], CounterIdentity | None, dict[str, Any]]:
        wait = self.lookup_limiter.check(str(environ.get("REMOTE_ADDR", "")))
        if wait is not None:
            raise HttpError(
                429,
                "too_many",
                "Tra cứu quá nhanh. Vui lòng đợi giây lát rồi thử lại.",
                retry_after=wait,
            )
        match = _DOSSIER_PATH.match(path)
        if not match:
            raise HttpError(400, "bad_code", "Mã hồ sơ không hợp lệ.")
        value = query.get(QUERY_KEY)
        found = self.store.public(match.group(1).upper(), value[:32] if value else None)
        if found is None:
            raise HttpError(404, "not_found", "Không tìm thấy hồ sơ.")
        return 200, {"protocol": PROTOCOL_VERSION, "dossier": found}, None, {}

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

    def _file_content(
        self, counter: CounterIdentity, sha256: str, query: dict[str, str]
    ) -> tuple[int, dict[str, Any], CounterIdentity | None, dict[str, Any]]:
        """GET ?offset=N&length=M: part of a file a record of the counter's unit lists (a
        restored counter getting its papers back); 404 for any other file."""
        if self.files is None or counter.unit is None:
            raise HttpError(404, "not_found", "Máy chủ này không giữ tệp số hóa.")
        owners = unit_file_owners(self.store.db, counter.unit, sha256)
        offset, data = _part(self.files, owners, sha256, query)
        extra = {"file": sha256[:12], "offset": offset, "bytes": len(data)}
        return 200, {"_raw": RawReply("application/octet-stream", data)}, counter, extra

    def _online_files(self) -> ServerFiles:
        if self.files is None:
            raise HttpError(404, "not_found", "Máy chủ này không nhận hồ sơ trực tuyến.")
        return self.files

    def _online(
        self,
        environ: Environ,
        method: str,
        counter: CounterIdentity,
        query: dict[str, str],
        uuid: str,
        action: str | None,
        sha: str | None,
    ) -> tuple[int, dict[str, Any], CounterIdentity | None, dict[str, Any]]:
        """Grant, decide, or read one online dossier (and its papers' bytes)."""
        db = self.store.db
        extra: dict[str, Any] = {"online": uuid[:8]}
        if sha is not None:
            _require_method(method, "GET")
            if not online.paper_file(db, uuid, sha, counter):
                raise HttpError(404, "not_found", "Hồ sơ trực tuyến không có tệp này.")
            files = self._online_files()
            if "offset" not in query and "length" not in query:  # a whole file (older counters)
                data = files.read(online.ONLINE_OWNER, sha)
            else:  # a part, as /files/<sha>/content serves them: large papers come in pieces
                offset, data = _part(files, [online.ONLINE_OWNER], sha, query)
                extra.update(offset=offset, bytes=len(data))
            return 200, {"_raw": RawReply("application/octet-stream", data)}, counter, extra
        if action is None:
            _require_method(method, "GET")
            found = online.public_status(db, uuid)
            if found is None:
                raise HttpError(404, "not_found", "Không có hồ sơ trực tuyến này.")
            return 200, {"protocol": PROTOCOL_VERSION, "online": found}, counter, extra
        _require_method(method, "POST")
        if action == "claim":
            grant = online.claim(db, counter, uuid)
            reply = {"protocol": PROTOCOL_VERSION, "granted": grant.granted, "holder": grant.holder}
            return 200, reply, counter, extra
        decided = online.decide(db, self._online_files(), counter, uuid, self._json_body(environ))
        return 200, {"protocol": PROTOCOL_VERSION, "online": decided}, counter, extra

    def _auth(self, environ: Environ, role: str) -> CounterIdentity:
        header = str(environ.get("HTTP_AUTHORIZATION", ""))
        scheme, _, token = header.partition(" ")
        counter = self.store.authenticate(token.strip()) if scheme.lower() == "bearer" else None
        if counter is None:
            raise HttpError(
                401, "unauthorized", "Mã truy cập của quầy không hợp lệ hoặc đã bị thu hồi."
            )
        if counter.role == ROLE_COUNTER and counter.unit is None:
            raise HttpError(
                403,
                "forbidden",
                f"Mã truy cập của quầy «{counter.name}» chưa gắn với đơn vị tiếp nhận; cấp lại "
                "bằng: counter-app server token create TÊN --unit ĐƠN_VỊ.",
            )
        if counter.role == ROLE_COUNTER:
            self._check_install(environ, counter)
        if counter.role != role:
            if role == ROLE_BACK_OFFICE:
                message = "Chỉ mã truy cập của bộ phận xử lý mới chuyển trạng thái hồ sơ."
            elif role == ROLE_PORTAL:
                message = "Chỉ cổng dịch vụ công được nộp hồ sơ trực tuyến."
            else:
                message = "Chỉ mã truy cập của quầy tiếp nhận dùng được việc này."
            raise HttpError(403, "forbidden", message)
        return counter

    def _check_install(self, environ: Environ, counter: CounterIdentity) -> None:
        """A counter token works from one installation (X-Counter-Install): the first seen binds
        it; any other, or none once bound, is refused (409) until `server token move`.

        A request without the header on a token never bound is served as before, so counters of
        older versions keep working until one that sends it binds the token."""
        sent = str(environ.get("HTTP_X_COUNTER_INSTALL", "")).strip().lower()
        if sent and not UUID_RE.match(sent):
            raise HttpError(400, "bad_header", "Tiêu đề X-Counter-Install phải là một UUID.")
        bound = self.store.bind_install(counter, sent) if sent else counter.install_id
        if bound is None:
            return
        log.warning(
            "token %s bound to install %s, refused from %s", counter.name, bound, sent or "-"
        )
        this_pc = sent or "(phiên bản cũ, không gửi mã cài đặt)"
        raise HttpError(
            409,
            TOKEN_ELSEWHERE,
            f"Mã truy cập của quầy «{counter.name}» (đơn vị {counter.unit}) đang được dùng trên "
            f"một máy khác (mã cài đặt {bound[:8]}…). Hai máy dùng chung một mã truy cập sẽ cấp "
            f"trùng mã hồ sơ, nên máy chủ tỉnh từ chối máy này (mã cài đặt {this_pc}). Nếu máy "
            "này thay cho máy cũ, quản trị máy chủ chạy: counter-app server token move "
            f'"{counter.name}" --to {sent or "MÃ_CÀI_ĐẶT"}.',
            {"install_id": sent, "counter": counter.name},
        )

    def _json_body(self, environ: Environ) -> Any:
        length_text = str(environ.get("CONTENT_LENGTH") or "").strip()
        if not _UINT.match(length_text):
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
        except RecursionError as exc:
            raise HttpError(400, "bad_json", "Nội dung JSON lồng nhau quá sâu.") from exc

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


def _query(text: str) -> dict[str, str]:
    """The query string's values (first of each); malformed or oversized → 400."""
    if len(text) > 2000:
        raise HttpError(400, "bad_request", "Chuỗi truy vấn quá dài.")
    try:
        args = parse_qs(text, max_num_fields=10)
    except ValueError as exc:
        raise HttpError(400, "bad_request", "Chuỗi truy vấn có quá nhiều tham số.") from exc
    return {k: v[0] for k, v in args.items()}


def _part(
    files: ServerFiles, owners: list[str], sha256: str, query: dict[str, str]
) -> tuple[int, bytes]:
    """(offset, bytes) of `?offset=N&length=M` of a whole file, at most MAX_DOWNLOAD_BYTES."""
    offset = _uint(query, "offset", 0)
    length = min(_uint(query, "length", MAX_DOWNLOAD_BYTES), MAX_DOWNLOAD_BYTES)
    try:
        return offset, read_range(files, owners, sha256, offset, length)
    except FileStoreError as exc:
        raise HttpError(exc.status, exc.code, str(exc)) from exc
    except OSError as exc:
        raise HttpError(503, "unavailable", "Kho tệp của máy chủ tạm thời lỗi.") from exc


def _uint(query: dict[str, str], key: str, default: int) -> int:
    value = query.get(key)
    if value is None:
        return default
    if not _UINT.match(value):
        raise HttpError(
            400, "bad_request", f"Tham số {key} phải là số nguyên không âm (≤ 18 chữ số)."
        )
    return int(value)


def _day(value: str) -> date:
    try:
        if not _DAY.match(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError as exc:
        raise HttpError(400, "bad_request", "Tham số day phải có dạng YYYY-MM-DD.") from exc


def _seconds_to_midnight() -> float:
    now = local_now()
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time())
    return (midnight - now.replace(tzinfo=None)).total_seconds()
