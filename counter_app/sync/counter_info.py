"""Client side of `GET /api/v1/counter`: which unit the server binds this counter's token to, the
server's clock, and the highest dossier number it has seen per day for that unit (the contract in
docs/sync-protocol.md)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import requests

from counter_app.settings import SyncSettings
from counter_app.sync.protocol import API_PREFIX, PROTOCOL_HEADER, PROTOCOL_VERSION
from counter_app.sync.transport import (
    AuthError,
    TransientError,
    TransportError,
    install_headers,
    raise_if_elsewhere,
)

log = logging.getLogger(__name__)

COUNTER_PATH = "/counter"
_MAX_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class CounterInfo:
    """What the server says about this counter."""

    name: str
    unit: str
    centre: str | None
    server_time: datetime | None
    high_water: dict[date, int]
    # The largest file the server accepts (None: it accepts none, or an older server).
    max_file_bytes: int | None = None
    # The largest register entry per book month (first day) of the unit ({} from older servers).
    register_high_water: dict[date, int] = field(default_factory=dict)


def parse_counter_info(data: Any) -> CounterInfo:
    """Validate the reply; a malformed one is a TransientError (the server may be mid-upgrade)."""
    if not isinstance(data, dict) or not isinstance(data.get("unit"), str) or not data["unit"]:
        raise TransientError("Phản hồi /counter của máy chủ không đúng định dạng.")
    server_time: datetime | None = None
    raw_time = data.get("server_time")
    if isinstance(raw_time, str) and raw_time:
        try:
            server_time = datetime.fromisoformat(raw_time)
        except ValueError:
            server_time = None
        if server_time is not None and server_time.tzinfo is not None:
            from counter_app import domain

            server_time = server_time.astimezone(domain.TIMEZONE).replace(tzinfo=None)
    high = _by_day(data.get("high_water"))
    centre = data.get("centre")
    limit = data.get("max_file_bytes")
    if isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0:
        limit = None
    return CounterInfo(
        name=str(data.get("name") or ""),
        unit=data["unit"],
        centre=str(centre) if centre else None,
        server_time=server_time,
        high_water=high,
        max_file_bytes=limit,
        register_high_water=_by_day(data.get("register_high_water")),
    )


def _by_day(raw: Any) -> dict[date, int]:
    """{"YYYY-MM-DD": N} as dates and numbers; malformed entries are skipped."""
    out: dict[date, int] = {}
    if isinstance(raw, dict):
        for key, value in raw.items():
            try:
                out[date.fromisoformat(str(key))] = int(value)
            except (TypeError, ValueError):
                continue
    return out


def fetch_counter_info(
    sync: SyncSettings, *, day: date | None = None, session: requests.Session | None = None
) -> CounterInfo:
    """Ask the server; raises AuthError (401/403; TokenElsewhereError when the token is bound to
    another installation), TransientError (unreachable, 5xx, garbled) or
    TransportError (any other refusal)."""
    url = sync.server_url.rstrip("/") + API_PREFIX + COUNTER_PATH
    params = {"day": day.isoformat()} if day else None
    own = session is None
    http = session or requests.Session()
    http.verify = sync.ca_bundle or True
    headers = {
        "Authorization": f"Bearer {sync.token}",
        "Accept": "application/json",
        PROTOCOL_HEADER: str(PROTOCOL_VERSION),
        **install_headers(sync.install_id),
    }
    try:
        with http.get(
            url,
            params=params,
            headers=headers,
            timeout=(sync.connect_timeout_s, sync.read_timeout_s),
            stream=True,
        ) as response:
            body = response.raw.read(_MAX_BYTES + 1, decode_content=True)
            status = response.status_code
    except requests.exceptions.RequestException as exc:
        raise TransientError("Không kết nối được máy chủ tỉnh.") from exc
    finally:
        if own:
            http.close()
    if status == 409:
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        raise_if_elsewhere(status, parsed)
    if status in (401, 403):
        raise AuthError(
            "Máy chủ tỉnh không nhận mã truy cập (sync.token) của quầy này; hãy hỏi quản trị "
            "máy chủ cấp mã mới."
        )
    if status == 429 or status >= 500 or len(body) > _MAX_BYTES:
        raise TransientError(f"Máy chủ tỉnh tạm thời không trả lời (mã {status}).")
    if status != 200:
        raise TransportError(f"Máy chủ tỉnh từ chối yêu cầu /counter (mã {status}).")
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise TransientError("Phản hồi /counter của máy chủ không phải JSON.") from exc
    return parse_counter_info(data)
