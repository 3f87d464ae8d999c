"""The citizen kiosk's one question: what does this scan say about my dossier?

Local database first; if the dossier is not here and a provincial server is configured, its
public lookup. Nothing but the public view (`PublicDossier`) ever leaves this module, junk never
raises, and a burst of scans is slowed down so nobody can walk through codes.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import quote

import requests

from counter_app.domain import TIMEZONE, DossierStatus
from counter_app.dossier_codes import MAX_SCAN_LENGTH, extract_code
from counter_app.dossiers import DossierService
from counter_app.identity import normalize_text
from counter_app.public import PublicDossier, lists_from_json
from counter_app.settings import Settings
from counter_app.verification import QUERY_KEY, VALUE_LENGTH, normalize_value, split_scan

log = logging.getLogger(__name__)

# Short: a citizen is standing in front of the screen.
SERVER_CONNECT_TIMEOUT_S = 1.5
SERVER_READ_TIMEOUT_S = 2.5
# A scanner often reads the same code twice; a repeat within this window is the same question.
REPEAT_WINDOW_S = 3.0
# At most this many distinct lookups in this many seconds (a person scans a few papers, not dozens).
BURST_LIMIT = 8
BURST_WINDOW_S = 30.0
_MAX_FIELD = 1000


class Outcome(StrEnum):
    FOUND = "found"
    NOT_FOUND = "not_found"
    INVALID = "invalid"
    TOO_FAST = "too_fast"


MESSAGES = {
    Outcome.NOT_FOUND: (
        "Không tìm thấy hồ sơ với mã này. Vui lòng kiểm tra lại giấy hẹn "
        "hoặc hỏi cán bộ tại quầy tiếp nhận."
    ),
    Outcome.INVALID: (
        "Không đọc được mã. Vui lòng đưa mã vạch hoặc mã QR trên giấy hẹn "
        "vào trước máy quét và giữ yên một chút."
    ),
    Outcome.TOO_FAST: "Vui lòng đợi giây lát rồi quét lại.",
}
SERVER_UNREACHABLE = (
    "Không tìm thấy hồ sơ tại quầy này và tạm thời chưa kết nối được hệ thống của tỉnh. "
    "Vui lòng hỏi cán bộ tại quầy tiếp nhận."
)


@dataclass(frozen=True)
class KioskAnswer:
    """What the kiosk shows for one scan: a public dossier, or a calm message."""

    outcome: Outcome
    dossier: PublicDossier | None = None
    message: str = ""
    source: str = ""  # "local" or "server" when found

    @property
    def found(self) -> bool:
        return self.outcome is Outcome.FOUND


def public_from_json(data: Any, code: str) -> PublicDossier | None:
    """A PublicDossier from the server's public lookup JSON; None unless it is well-formed.

    Accepts the public view itself or the server's envelope `{"dossier": {...}}`.
    """
    if isinstance(data, dict) and isinstance(data.get("dossier"), dict):
        data = data["dossier"]
    if not isinstance(data, dict):
        return None
    try:
        if str(data["code"]).strip().upper() != code:
            return None
        status = DossierStatus(int(data["status"]))
        appointment = datetime.fromisoformat(str(data["appointment"]))
        if appointment.tzinfo is not None:
            appointment = appointment.astimezone(TIMEZONE).replace(tzinfo=None)

        def text(key: str, default: str = "") -> str:
            value = data.get(key, default)
            return normalize_text(str(value if value is not None else default))[:_MAX_FIELD]

        timeline, changes = lists_from_json(data)
        return PublicDossier(
            code=code,
            procedure_name=text("procedure"),
            masked_name=text("applicant"),
            status=status,
            status_text=text("status_text", status.citizen_text) or status.citizen_text,
            appointment_at=appointment,
            result_ready=status is DossierStatus.RESULT_READY,
            collect_at=text("collect_at"),
            what_to_bring=text("what_to_bring"),
            timeline=timeline,
            appointment_changes=changes,
            verified=data.get("verified") is True,
        )
    except (KeyError, TypeError, ValueError):
        return None


class KioskService:
    """Answers scans: local lookup, then the provincial server's public lookup, with rate limits."""

    def __init__(
        self,
        dossiers: DossierService,
        settings: Settings,
        *,
        http: requests.Session | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        rate_limit: bool = True,
    ) -> None:
        self._dossiers = dossiers
        self._server_url = settings.sync.server_url.rstrip("/")
        self._verify: bool | str = settings.sync.ca_bundle or True
        self._http = http
        self._monotonic = monotonic
        self._rate_limit = rate_limit
        self._recent: deque[float] = deque()
        self._last: tuple[str, float, KioskAnswer] | None = None

    def scan(self, scanned: str) -> KioskAnswer:
        """The answer for one scan (or typed code). Never raises; never reveals more than public."""
        try:
            return self._scan(scanned)
        except Exception:  # a kiosk must stay calm whatever happens underneath
            log.exception("kiosk lookup failed")
            return KioskAnswer(Outcome.NOT_FOUND, message=MESSAGES[Outcome.NOT_FOUND])

    def _scan(self, scanned: str) -> KioskAnswer:
        if not isinstance(scanned, str) or len(scanned) > MAX_SCAN_LENGTH:
            return KioskAnswer(Outcome.INVALID, message=MESSAGES[Outcome.INVALID])
        code = extract_code(scanned)
        if code is None:
            return KioskAnswer(Outcome.INVALID, message=MESSAGES[Outcome.INVALID])
        now = self._monotonic()
        if (
            self._last is not None
            and self._last[0] == code
            and now - self._last[1] < REPEAT_WINDOW_S
        ):
            # The same paper held under the scanner: same answer, no new lookup, no penalty.
            return self._last[2]
        if self._rate_limit:
            while self._recent and now - self._recent[0] > BURST_WINDOW_S:
                self._recent.popleft()
            if len(self._recent) >= BURST_LIMIT:
                return KioskAnswer(Outcome.TOO_FAST, message=MESSAGES[Outcome.TOO_FAST])
            self._recent.append(now)
        # The receipt's QR carries the verification value: the server then shows the masked name.
        answer = self._lookup(code, split_scan(scanned)[1])
        self._last = (code, now, answer)
        return answer

    def _lookup(self, code: str, value: str | None = None) -> KioskAnswer:
        local = self._dossiers.public(code)
        if local is not None:
            return KioskAnswer(Outcome.FOUND, local, source="local")
        if not self._server_url:
            return KioskAnswer(Outcome.NOT_FOUND, message=MESSAGES[Outcome.NOT_FOUND])
        return self._ask_server(code, value)

    def _ask_server(self, code: str, value: str | None = None) -> KioskAnswer:
        """The server's public lookup; the receipt's verification value (from the QR) is passed
        along, without which the server shows no part of the name."""
        params = {QUERY_KEY: normalize_value(value)[:VALUE_LENGTH]} if value else None
        url = f"{self._server_url}/api/v1/dossiers/{quote(code, safe='')}"
        http = self._http or requests
        try:
            response = http.get(
                url,
                timeout=(SERVER_CONNECT_TIMEOUT_S, SERVER_READ_TIMEOUT_S),
                verify=self._verify,
                headers={"Accept": "application/json"},
                params=params,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            log.warning("provincial lookup unreachable: %s", type(exc).__name__)
            return KioskAnswer(Outcome.NOT_FOUND, message=SERVER_UNREACHABLE)
        if response.status_code == 404:
            return KioskAnswer(Outcome.NOT_FOUND, message=MESSAGES[Outcome.NOT_FOUND])
        if response.status_code != 200:
            log.warning("provincial lookup answered HTTP %s", response.status_code)
            return KioskAnswer(Outcome.NOT_FOUND, message=SERVER_UNREACHABLE)
        if len(response.content) > 64_000:
            return KioskAnswer(Outcome.NOT_FOUND, message=SERVER_UNREACHABLE)
        try:
            data = response.json()
        except ValueError:
            return KioskAnswer(Outcome.NOT_FOUND, message=SERVER_UNREACHABLE)
        dossier = public_from_json(data, code)
        if dossier is None:
            return KioskAnswer(Outcome.NOT_FOUND, message=SERVER_UNREACHABLE)
        return KioskAnswer(Outcome.FOUND, dossier, source="server")
