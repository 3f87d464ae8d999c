"""The client every kiosk, counter and board uses to reach the queue service over HTTP."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any, cast

import requests

from counter_app.errors import UserError
from counter_app.queue.app import MAX_WAIT_S, PREFIX
from counter_app.settings import QueueSettings
from counter_app.sync.transport import plain_http_warning

ENV_URL = "COUNTER_APP_QUEUE_URL"
ENV_TOKEN = "COUNTER_APP_QUEUE_TOKEN"


class QueueClientError(UserError):
    """The service refused the request; str(exc) is its Vietnamese message."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


class QueueUnavailable(QueueClientError):
    """The service cannot be reached (network down, service stopped, database down)."""


class QueueClient:
    """One device's connection: bearer token, explicit timeouts, one `requests` session."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        connect_timeout_s: float = 3.0,
        read_timeout_s: float = 10.0,
    ) -> None:
        if not base_url.strip():
            raise QueueClientError(
                "Chưa đặt địa chỉ hệ thống xếp hàng (--server, COUNTER_APP_QUEUE_URL hoặc "
                "thiết lập queue.server_url)."
            )
        self.base_url = base_url.strip().rstrip("/")
        self.token = token.strip()
        self.timeout = (connect_timeout_s, read_timeout_s)
        self.session = requests.Session()
        # The service is on the centre's own network: no system proxy applies, and skipping
        # requests' per-request proxy/netrc look-ups saves ~20 ms a call (measured here).
        self.session.trust_env = False
        self.warning = plain_http_warning(self.base_url)

    def close(self) -> None:
        self.session.close()

    # -- calls ---------------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        return self._request("GET", "/health")

    def areas(self) -> list[dict[str, Any]]:
        return list(self._request("GET", "/areas")["areas"])

    def config(self) -> dict[str, Any]:
        return self._request("GET", "/config")

    def issue(self, area: str, *, priority: bool = False, category: str = "") -> dict[str, Any]:
        body = {"area": area, "priority": priority, "category": category}
        return self._request("POST", "/tickets", body)

    def call_next(self, counter: int) -> dict[str, Any] | None:
        ticket = self._request("POST", f"/counters/{int(counter)}/call", {})["ticket"]
        return dict(ticket) if ticket else None

    def done(self, number: str) -> dict[str, Any]:
        return self._ticket(number, "done")

    def skip(self, number: str) -> dict[str, Any]:
        return self._ticket(number, "skip")

    def recall(self, number: str) -> dict[str, Any]:
        return self._ticket(number, "recall")

    def serve(
        self, number: str, dossier_code: str = "", procedure_code: str = ""
    ) -> dict[str, Any]:
        body = {"dossier_code": dossier_code, "procedure_code": procedure_code}
        return self._ticket(number, "serve", body)

    def transfer(self, number: str, area: str) -> dict[str, Any]:
        return self._ticket(number, "transfer", {"area": area})

    def status(self) -> dict[str, Any]:
        return self._request("GET", "/status")

    def stats(self, start: date, end: date) -> dict[str, Any]:
        return self._request(
            "GET", "/stats", params={"from": start.isoformat(), "to": end.isoformat()}
        )

    def events(self, since: int, wait_s: float = 20.0) -> dict[str, Any]:
        """Long poll: returns as soon as an event after `since` exists, or after `wait_s`."""
        wait_s = min(wait_s, MAX_WAIT_S)
        return self._request(
            "GET",
            "/events",
            params={"since": since, "timeout": wait_s},
            read_timeout=wait_s + self.timeout[1],
        )

    def public_url(self, number: str) -> str:
        """The page the ticket's QR opens: where this ticket stands now."""
        return f"{self.base_url}/luot/{number}"

    # -- plumbing ------------------------------------------------------------------------------

    def _ticket(
        self, number: str, action: str, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        clean = number.strip().upper()
        if not clean.isalnum():
            raise QueueClientError(f"Số thứ tự «{number}» không hợp lệ.")
        return dict(self._request("POST", f"/tickets/{clean}/{action}", body or {})["ticket"])

    def _request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        params: dict[str, Any] | None = None,
        read_timeout: float | None = None,
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        timeout = (self.timeout[0], read_timeout or self.timeout[1])
        try:
            response = self.session.request(
                method,
                f"{self.base_url}{PREFIX}{path}",
                data=data,
                params=params,
                headers=headers,
                timeout=timeout,
            )
        except requests.exceptions.RequestException as exc:
            raise QueueUnavailable(
                "Không kết nối được hệ thống xếp hàng (mất mạng hoặc dịch vụ đang tắt)."
            ) from exc
        try:
            parsed = response.json()
        except ValueError:
            parsed = None
        if response.status_code >= 500 or response.status_code == 429:
            raise QueueUnavailable(
                _message(parsed)
                or f"Hệ thống xếp hàng tạm thời không nhận (mã {response.status_code}).",
                response.status_code,
            )
        if response.status_code >= 400:
            raise QueueClientError(
                _message(parsed) or f"Hệ thống xếp hàng từ chối (mã {response.status_code}).",
                response.status_code,
            )
        if not isinstance(parsed, dict):
            raise QueueUnavailable("Phản hồi của hệ thống xếp hàng không đúng định dạng.")
        return cast(dict[str, Any], parsed)


def _message(parsed: Any) -> str:
    if isinstance(parsed, dict) and isinstance(parsed.get("error"), dict):
        return str(parsed["error"].get("message", ""))[:500]
    return ""


def queue_figures(
    settings: QueueSettings,
    start: date,
    end: date,
    *,
    procedure_name: Callable[[str], str | None] | None = None,
    read_timeout_s: float = 10.0,
) -> dict[str, Any]:
    """The queue's figures for `report` and the dashboard: the stats (each `by_procedure` entry
    named from the counter's catalog by `procedure_name`), or {"error": …} when the service is
    not set or cannot be reached (the report of dossiers must not fail because the queue does)."""
    try:
        client = QueueClient(settings.server_url, settings.token, read_timeout_s=read_timeout_s)
    except QueueClientError as exc:
        return {"error": str(exc)}
    try:
        stats = client.stats(start, end)
    except QueueClientError as exc:
        return {"error": str(exc)}
    finally:
        client.close()
    if procedure_name is not None:
        for entry in stats.get("by_procedure", []):
            entry["name"] = procedure_name(str(entry["procedure"])) or ""
    return stats
