"""HTTP for the client: timeouts, TLS, size limits; errors sorted by what the engine does next."""

from __future__ import annotations

import json
import logging
import time
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests

from counter_app.sync.protocol import (
    API_PREFIX,
    INSTALL_HEADER,
    MAX_RESPONSE_BYTES,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    TOKEN_ELSEWHERE,
)

log = logging.getLogger(__name__)

MAX_RETRY_AFTER_S = 3600.0
_LOOPBACK = {"localhost", "127.0.0.1", "::1"}


class TransportError(Exception):
    """Base of everything the transport raises; str(exc) is Vietnamese, for the status bar."""


class TransientError(TransportError):
    """Worth retrying later: network down, timeout, 5xx, 429, a garbled or oversized reply."""

    def __init__(self, message: str, *, retry_after: float | None = None, shrink: bool = False):
        super().__init__(message)
        self.retry_after = retry_after
        # The reply was too big or cut: ask for less next time.
        self.shrink = shrink


class AuthError(TransportError):
    """401/403: the token is wrong or revoked; the whole queue pauses until someone fixes it."""


class TokenElsewhereError(AuthError):
    """409 token_in_use_elsewhere: the server binds this token to another installation. The queue
    pauses like for a revoked token, and no dossier code may be issued (issuing.IssuingGuard)."""


#: What the clerk does when the server says the token is another PC's (the server's message
#: before it names the token, the two installations and the admin's command).
ELSEWHERE_ADVICE = (
    "Máy này ngừng cấp mã hồ sơ để không trùng mã với máy kia; khi quản trị đã chuyển mã truy "
    "cập sang máy này, bấm đồng bộ lại (hoặc chạy `counter-app sync`). Nếu máy này không thay "
    "cho máy cũ: tiếp nhận ở máy kia, hoặc xin mã truy cập và số quầy riêng cho máy này."
)


def elsewhere_message(server_message: str) -> str:
    return f"{server_message.rstrip()} {ELSEWHERE_ADVICE}".strip()


def raise_if_elsewhere(status: int, parsed: Any) -> None:
    """Raise TokenElsewhereError for the server's 409 token_in_use_elsewhere reply."""
    if status == 409 and _server_code(parsed) == TOKEN_ELSEWHERE:
        raise TokenElsewhereError(elsewhere_message(_server_message(parsed)))


def install_headers(install_id: str) -> dict[str, str]:
    """The installation header, when this PC has an id (see settings.install_id)."""
    return {INSTALL_HEADER: install_id} if install_id else {}


class RequestRejected(TransportError):
    """Any other 4xx: this request will never succeed as sent."""

    def __init__(self, status: int, message: str, code: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code

    @property
    def about_records(self) -> bool:
        """True when the refusal is about what was sent (so one record can be singled out),
        False when it is about the server or the setup (wrong URL, other protocol version)."""
        return self.status in (400, 409, 413, 422) and self.code not in (
            "protocol",
            "length_required",
            "method",
            "not_found",
        )


class InsecureServerUrl(TransportError):
    """A plain http:// address to another machine, refused unless sync.allow_insecure_http."""


def is_plain_remote(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "http" and (parts.hostname or "") not in _LOOPBACK


def plain_http_warning(url: str) -> str:
    """A Vietnamese warning when tokens and personal data would cross a network unencrypted."""
    parts = urlsplit(url)
    if parts.scheme == "http" and (parts.hostname or "") not in _LOOPBACK:
        return (
            "Cảnh báo: kết nối máy chủ không mã hóa (http). Hãy dùng https để bảo vệ "
            "dữ liệu cá nhân và mã truy cập."
        )
    return ""


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date), capped; None if absent."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER_S)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, min(when.timestamp() - time.time(), MAX_RETRY_AFTER_S))


class HttpTransport:
    """One counter's connection to the server: bearer token, explicit timeouts, TLS verified."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        connect_timeout_s: float,
        read_timeout_s: float,
        ca_bundle: str = "",
        session: requests.Session | None = None,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        allow_insecure_http: bool = False,
        install_id: str = "",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.install_id = install_id
        self.timeout = (connect_timeout_s, read_timeout_s)
        self.session = session or requests.Session()
        # Verification is always on; a CA bundle only adds a private certificate authority.
        # Passed with every request: a session-level value would lose to REQUESTS_CA_BUNDLE.
        self.verify: bool | str = ca_bundle or True
        self.session.verify = self.verify
        self.max_response_bytes = max_response_bytes
        self.warning = plain_http_warning(self.base_url)
        self.refusal = ""
        if self.warning and not allow_insecure_http:
            # The token and applicants' data would cross the network in clear text.
            self.refusal = (
                f"Từ chối kết nối máy chủ {self.base_url}: không mã hóa (http). Dùng địa chỉ "
                "https, hoặc đặt sync.allow_insecure_http = true nếu mạng này được phép."
            )
            log.warning("refusing plain http sync server: %s", self.base_url)
        elif self.warning:
            log.warning("sync server uses plain http: %s", self.base_url)

    def close(self) -> None:
        self.session.close()

    def post(self, path: str, body: dict[str, Any]) -> Any:
        data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        return self._request("POST", path, data=data)

    def post_raw(self, path: str, data: bytes) -> Any:
        """POST an already encoded JSON body."""
        return self._request("POST", path, data=data)

    def get(self, path: str, params: dict[str, Any]) -> Any:
        return self._request("GET", path, params=params)

    def put_bytes(self, path: str, data: bytes, headers: dict[str, str]) -> Any:
        """PUT raw bytes (a file chunk) with extra headers; the reply is JSON as usual."""
        return self._request(
            "PUT",
            path,
            data=data,
            extra_headers={**headers, "Content-Type": "application/octet-stream"},
        )

    def get_bytes(self, path: str) -> bytes:
        """GET a file's bytes (not JSON); errors are judged like any other reply."""
        return bytes(self._request("GET", path, raw=True))

    def _request(
        self,
        method: str,
        path: str,
        extra_headers: dict[str, str] | None = None,
        raw: bool = False,
        **kwargs: Any,
    ) -> Any:
        if self.refusal:
            raise InsecureServerUrl(self.refusal)
        headers = {
            "Authorization": f"Bearer {self.token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
            PROTOCOL_HEADER: str(PROTOCOL_VERSION),
            **install_headers(self.install_id),
            **(extra_headers or {}),
        }
        url = f"{self.base_url}{API_PREFIX}{path}"
        try:
            with self.session.request(
                method,
                url,
                headers=headers,
                timeout=self.timeout,
                stream=True,
                verify=self.verify,
                **kwargs,
            ) as response:
                body = self._read(response)
                status = response.status_code
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
        except requests.exceptions.SSLError as exc:
            raise TransientError(f"Lỗi chứng chỉ TLS của máy chủ: {exc}") from exc
        except requests.exceptions.ConnectTimeout as exc:
            raise TransientError("Không kết nối được máy chủ (hết thời gian chờ).") from exc
        except requests.exceptions.ReadTimeout as exc:
            raise TransientError("Máy chủ trả lời quá chậm (hết thời gian chờ).") from exc
        except requests.exceptions.ConnectionError as exc:
            raise TransientError("Không kết nối được máy chủ (mất mạng hoặc máy chủ tắt).") from exc
        except requests.exceptions.RequestException as exc:
            raise TransientError(f"Lỗi kết nối máy chủ: {type(exc).__name__}.") from exc
        if raw and 200 <= status < 300:
            return body
        return self._judge(status, body, retry_after)

    def _read(self, response: requests.Response) -> bytes:
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(65536):
            size += len(chunk)
            if size > self.max_response_bytes:
                raise TransientError("Phản hồi của máy chủ quá lớn.", shrink=True)
            chunks.append(chunk)
        return b"".join(chunks)

    def _judge(self, status: int, body: bytes, retry_after: float | None) -> Any:
        parsed: Any = None
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = None
        message = _server_message(parsed)
        raise_if_elsewhere(status, parsed)
        if status in (401, 403):
            raise AuthError(
                "Máy chủ từ chối mã truy cập của quầy"
                + (f": {message}" if message else "")
                + ". Kiểm tra thiết lập sync.token."
            )
        if status == 429 or status >= 500:
            raise TransientError(
                f"Máy chủ tạm thời không nhận (mã {status}).", retry_after=retry_after
            )
        if 400 <= status < 500:
            raise RequestRejected(
                status,
                message or f"Máy chủ từ chối yêu cầu (mã {status}).",
                _server_code(parsed),
            )
        if not 200 <= status < 300:
            raise TransientError(f"Phản hồi bất thường của máy chủ (mã {status}).")
        if not isinstance(parsed, dict) or parsed.get("protocol") != PROTOCOL_VERSION:
            raise TransientError("Phản hồi của máy chủ không đúng định dạng.", shrink=True)
        return parsed


def _server_message(parsed: Any) -> str:
    if isinstance(parsed, dict) and isinstance(parsed.get("error"), dict):
        return str(parsed["error"].get("message", ""))[:500]
    return ""


def _server_code(parsed: Any) -> str:
    if isinstance(parsed, dict) and isinstance(parsed.get("error"), dict):
        return str(parsed["error"].get("code", ""))[:50]
    return ""
