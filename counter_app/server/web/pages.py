"""The citizen's page at `/tra-cuu/<code>?v=<value>`, its lookup form and its one stylesheet, as a
WSGI application that the server's app hands every path under `/tra-cuu` and `/static/`.

Plain HTML from Jinja2 templates (autoescaped), no JavaScript, no cookies: a phone that scanned the
receipt's QR gets the status, the steps, the appointment and where to collect, in Vietnamese.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.exc import OperationalError

from counter_app.db.engine import Database
from counter_app.dossier_codes import CODE_PATTERN, MAX_SCAN_LENGTH
from counter_app.identity import InvalidValue
from counter_app.ratings import RatingNotAllowed, RatingScore
from counter_app.server.ratelimit import RateLimiter
from counter_app.server.web.lookup import find_dossier
from counter_app.server.web.rating import NotVerified, parse_score, rate_on_web
from counter_app.verification import QUERY_KEY, check_value, normalize_value, split_scan

log = logging.getLogger("counter_app.server.web")

StartResponse = Callable[..., Any]
Environ = dict[str, Any]

PREFIX = "/tra-cuu"
STATIC_PREFIX = "/static/"
#: A citizen looks up a few papers, refreshes now and then: 30 at once, then one every 2 s.
DEFAULT_RATE = 0.5
DEFAULT_BURST = 30
_MAX_FORM_BYTES = 8 * 1024
_STATIC_MAX_AGE = 86_400
#: Rendered pages are reused this long: a status moves a few times in a dossier's life, a page is
#: asked for again and again (a family refreshing, a QR scanned twice). Ratings forget at once.
DEFAULT_CACHE_SECONDS = 2.0
_CACHE_ENTRIES = 10_000

_REASONS = {
    200: "200 OK",
    303: "303 See Other",
    304: "304 Not Modified",
    400: "400 Bad Request",
    403: "403 Forbidden",
    404: "404 Not Found",
    405: "405 Method Not Allowed",
    409: "409 Conflict",
    413: "413 Payload Too Large",
    429: "429 Too Many Requests",
    500: "500 Internal Server Error",
    503: "503 Service Unavailable",
}
_TITLES = {
    400: "Mã hồ sơ không hợp lệ",
    403: "Cần mã xác thực",
    404: "Không tìm thấy",
    405: "Không hỗ trợ thao tác này",
    409: "Không thể đánh giá",
    413: "Nội dung quá dài",
    429: "Vui lòng đợi giây lát",
    500: "Có lỗi xảy ra",
    503: "Hệ thống tạm thời bận",
}
_WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
# The page holds the verification value in its address: never send it to another site, never
# let it be framed; styles only from here, and no script at all.
_SECURITY_HEADERS = [
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'",
    ),
]


def vn_datetime(moment: datetime) -> str:
    """'14:00, Thứ Ba 15/12/2026': the time a citizen reads on the receipt, with the weekday."""
    return f"{moment:%H:%M}, {_WEEKDAYS[moment.weekday()]} {moment:%d/%m/%Y}"


def vn_date(moment: datetime) -> str:
    return f"{moment:%d/%m/%Y}"


@dataclass
class _Cached:
    """One dossier's rendered pages: without value, with the right one, with a wrong one."""

    expires: float
    uuid: str
    pages: dict[str, bytes]


@dataclass(frozen=True)
class _Static:
    body: bytes
    content_type: str
    etag: str


class _Reply(Exception):
    """A finished page to send instead of the normal one (errors, redirects)."""

    def __init__(self, status: int, message: str = "", *, location: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.location = location
        self.retry_after: int | None = None


# Beside this module, in the source tree, an installed package and the one-folder bundle alike.
_HERE = Path(__file__).resolve().parent


def _load_static() -> dict[str, _Static]:
    files: dict[str, _Static] = {}
    for entry in sorted((_HERE / "static").iterdir()):
        if entry.name.endswith(".css"):
            body = entry.read_bytes()
            digest = hashlib.sha256(body).hexdigest()[:16]
            files[entry.name] = _Static(body, "text/css; charset=utf-8", f'"{digest}"')
    return files


def clean_code(text: str) -> str | None:
    """A dossier code as typed or taken from the address, upper-cased; None unless well-formed."""
    code = text.strip().upper()
    if not code or len(code) > 64 or not CODE_PATTERN.fullmatch(code):
        return None
    return code


def page_url(code: str, value: str | None = None) -> str:
    url = f"{PREFIX}/{quote(code, safe='.-')}"
    return f"{url}?{urlencode({QUERY_KEY: value})}" if value else url


class WebApp:
    """Serves the citizen's pages; `limiter` throttles lookups per client address."""

    def __init__(
        self,
        db: Database,
        *,
        limiter: RateLimiter | None = None,
        cache_seconds: float = DEFAULT_CACHE_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.limiter = limiter or RateLimiter(DEFAULT_RATE, DEFAULT_BURST)
        self.cache_seconds = cache_seconds
        self._monotonic = monotonic
        self._cache: OrderedDict[str, _Cached] = OrderedDict()
        self._cache_lock = threading.Lock()
        self.static = _load_static()
        self.env = Environment(
            loader=FileSystemLoader(_HERE / "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["vn_datetime"] = vn_datetime
        self.env.filters["vn_date"] = vn_date
        self.env.globals["css_url"] = (
            f"{STATIC_PREFIX}tra-cuu.css?h={self.static['tra-cuu.css'].etag.strip(chr(34))}"
        )
        self.env.globals["scores"] = list(RatingScore)

    @staticmethod
    def handles(path: str) -> bool:
        """Whether `path` is one of this app's (the server's app dispatches on this)."""
        return path == PREFIX or path.startswith((f"{PREFIX}/", STATIC_PREFIX))

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        path = str(environ.get("PATH_INFO", ""))
        if path.startswith(STATIC_PREFIX):
            return self._static(environ, method, path, start_response)
        headers: list[tuple[str, str]] = []
        try:
            wait = self.limiter.check(str(environ.get("REMOTE_ADDR", "")))
            if wait is not None:
                reply = _Reply(
                    429, "Ông/bà tra cứu quá nhiều lần trong thời gian ngắn. Vui lòng thử lại sau."
                )
                reply.retry_after = max(1, math.ceil(wait))
                raise reply
            status, body = self._route(environ, method, path)
        except _Reply as reply:
            status = reply.status
            if reply.location:
                headers.append(("Location", reply.location))
                body = b""
            else:
                body = self._error_page(reply.status, reply.message)
            if reply.retry_after is not None:
                headers.append(("Retry-After", str(reply.retry_after)))
        except OperationalError:
            log.exception("database unavailable")
            status = 503
            body = self._error_page(503, "Vui lòng thử lại sau ít phút.")
            headers.append(("Retry-After", "5"))
        except Exception:
            log.exception("citizen page failed")
            status = 500
            body = self._error_page(500, "Vui lòng thử lại sau hoặc hỏi cán bộ tại quầy.")
        headers = [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(body))),
            # Status changes: always ask again; and the address may hold the value: keep nothing.
            ("Cache-Control", "no-store"),
            *_SECURITY_HEADERS,
            *headers,
        ]
        start_response(_REASONS[status], headers)
        log.info(
            '{"event": "page", "method": "%s", "status": %d, "ms": %.1f}',
            method,
            status,
            (time.perf_counter() - started) * 1000,
        )
        return [b""] if method == "HEAD" else [body]

    # -- routing -------------------------------------------------------------------------------

    def _route(self, environ: Environ, method: str, path: str) -> tuple[int, bytes]:
        query = str(environ.get("QUERY_STRING", ""))
        if path in (PREFIX, f"{PREFIX}/"):
            _allow(method, "GET", "HEAD")
            return self._form(query)
        rest = path[len(PREFIX) + 1 :]
        code_text, _, action = rest.partition("/")
        code = clean_code(code_text)
        if code is None:
            raise _Reply(
                400,
                "Mã hồ sơ không đúng định dạng. Mã hồ sơ có dạng <đơn vị>-<YYMMDD>-<NNNN>, "
                "ví dụ 000.00.00.H49-261127-0001, in trên giấy tiếp nhận.",
            )
        if action == "danh-gia":
            _allow(method, "POST")
            return self._rate(environ, code)
        if action:
            raise _Reply(404, "Không có trang này.")
        _allow(method, "GET", "HEAD")
        value = _first(parse_qs(query), QUERY_KEY)
        if code != code_text and not value:
            raise _Reply(303, location=page_url(code))
        cached = self._cached_page(code, value)
        return 200, cached if cached is not None else self._dossier_page(code, value)

    def _form(self, query: str) -> tuple[int, bytes]:
        args = parse_qs(query)
        typed = _first(args, "ma") or ""
        value = _first(args, QUERY_KEY)
        if not typed.strip():
            if "ma" in args:
                return 400, self._render(
                    "lookup.html", error="Mã hồ sơ: vui lòng nhập mã in trên giấy tiếp nhận."
                )
            return 200, self._render("lookup.html")
        if len(typed) > MAX_SCAN_LENGTH:
            typed = typed[:MAX_SCAN_LENGTH]
        # The whole QR text may be pasted into the field: take the code and value from it.
        code_text, scanned_value = split_scan(typed)
        code = clean_code(code_text)
        if code is None:
            return 400, self._render(
                "lookup.html",
                error="Mã hồ sơ: không đúng định dạng (ví dụ 000.00.00.H49-261127-0001).",
                typed=typed,
                value=value or "",
            )
        value = (value or "").strip() or scanned_value
        raise _Reply(303, location=page_url(code, normalize_value(value) if value else None))

    def _dossier_page(
        self,
        code: str,
        value: str | None,
        *,
        form_error: str = "",
        comment: str = "",
    ) -> bytes:
        found = find_dossier(self.db, code, value)
        if found is None:
            raise _Reply(
                404,
                f"Không tìm thấy hồ sơ mã {code}. Vui lòng kiểm tra lại mã trên giấy tiếp nhận; "
                "hồ sơ vừa nộp có thể cần vài phút để có trên hệ thống.",
            )
        body = self._render(
            "dossier.html",
            d=found.view,
            rated=found.rated,
            value=normalize_value(value) if value and found.view.verified else "",
            wrong_value=bool(value) and not found.view.verified,
            form_error=form_error,
            comment=comment,
            rate_url=f"{page_url(code)}/danh-gia",
        )
        if not form_error and not comment:
            self._remember(code, found.uuid, _page_kind(found.uuid, code, value), body)
        return body

    # -- the page cache ------------------------------------------------------------------------

    def _cached_page(self, code: str, value: str | None) -> bytes | None:
        if self.cache_seconds <= 0:
            return None
        with self._cache_lock:
            entry = self._cache.get(code)
            if entry is None:
                return None
            if entry.expires <= self._monotonic():
                del self._cache[code]
                return None
            self._cache.move_to_end(code)
            return entry.pages.get(_page_kind(entry.uuid, code, value))

    def _remember(self, code: str, uuid: str, kind: str, body: bytes) -> None:
        if self.cache_seconds <= 0:
            return
        now = self._monotonic()
        with self._cache_lock:
            entry = self._cache.get(code)
            if entry is None or entry.expires <= now:
                entry = self._cache[code] = _Cached(now + self.cache_seconds, uuid, {})
            entry.pages[kind] = body
            self._cache.move_to_end(code)
            while len(self._cache) > _CACHE_ENTRIES:
                self._cache.popitem(last=False)

    def forget(self, code: str) -> None:
        """Drop a dossier's cached pages (after it was rated here)."""
        with self._cache_lock:
            self._cache.pop(code, None)

    def _rate(self, environ: Environ, code: str) -> tuple[int, bytes]:
        form = _read_form(environ)
        value = _first(form, QUERY_KEY)
        comment = _first(form, "y_kien") or ""
        try:
            score = parse_score(_first(form, "diem") or "")
            rate_on_web(self.db, code, value, score, comment)
            self.forget(code)
        except NotVerified as exc:
            raise _Reply(403, str(exc)) from exc
        except RatingNotAllowed as exc:
            known = find_dossier(self.db, code, None) is not None
            raise _Reply(409 if known else 404, str(exc)) from exc
        except InvalidValue as exc:
            # A mistake in the form: the same page again, with the message beside the form.
            return 400, self._dossier_page(code, value, form_error=str(exc), comment=comment)
        raise _Reply(303, location=f"{page_url(code, normalize_value(value or ''))}#danh-gia")

    # -- output --------------------------------------------------------------------------------

    def _render(self, template: str, **context: Any) -> bytes:
        return self.env.get_template(template).render(**context).encode()

    def _error_page(self, status: int, message: str) -> bytes:
        return self._render(
            "error.html", status=status, title=_TITLES.get(status, "Lỗi"), message=message
        )

    def _static(
        self, environ: Environ, method: str, path: str, start_response: StartResponse
    ) -> Iterable[bytes]:
        found = self.static.get(path[len(STATIC_PREFIX) :])
        if found is None or method not in ("GET", "HEAD"):
            body = self._error_page(404, "Không có tệp này.")
            start_response(
                _REASONS[404],
                [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))],
            )
            return [body]
        headers = [
            ("ETag", found.etag),
            ("Cache-Control", f"public, max-age={_STATIC_MAX_AGE}"),
            ("X-Content-Type-Options", "nosniff"),
        ]
        if found.etag in str(environ.get("HTTP_IF_NONE_MATCH", "")):
            start_response(_REASONS[304], headers)
            return [b""]
        start_response(
            _REASONS[200],
            [
                ("Content-Type", found.content_type),
                ("Content-Length", str(len(found.body))),
                *headers,
            ],
        )
        return [b""] if method == "HEAD" else [found.body]


def _page_kind(uuid: str, code: str, value: str | None) -> str:
    if not value:
        return "anonymous"
    return "verified" if check_value(uuid, code, value) else "wrong"


def _allow(method: str, *allowed: str) -> None:
    if method not in allowed:
        raise _Reply(405, "Trang này không hỗ trợ thao tác đó.")


def _first(args: dict[str, list[str]], key: str) -> str | None:
    values = args.get(key)
    return values[0] if values else None


def _read_form(environ: Environ) -> dict[str, list[str]]:
    length_text = str(environ.get("CONTENT_LENGTH") or "0")
    length = int(length_text) if length_text.isdigit() else 0
    if length > _MAX_FORM_BYTES:
        raise _Reply(413, "Ý kiến quá dài: tối đa 500 ký tự.")
    raw = environ["wsgi.input"].read(length) if length else b""
    try:
        return parse_qs(raw.decode("utf-8"), max_num_fields=10)
    except (UnicodeDecodeError, ValueError) as exc:
        raise _Reply(400, "Nội dung biểu mẫu không hợp lệ.") from exc
