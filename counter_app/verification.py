"""The receipt's verification value: proof that whoever looks a dossier up holds its receipt.

The value is an HMAC of the dossier code keyed by the dossier's UUID. The counter knows the UUID
(it made it) and so does the provincial server (it arrives with the pushed dossier), so both can
compute and check the value offline, with no shared secret to distribute; the UUID itself is never
shown to the public, so a scraper that walks sequential codes cannot produce values.

The receipt's QR carries `<lookup_base_url><code>?v=<value>`; the value is also printed under the
QR so a citizen can type it at `/tra-cuu`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import parse_qs, quote, urlsplit

#: Length of the printed value: 8 base32 characters = 40 bits, far beyond what rate limiting lets
#: anyone try, short enough to type.
VALUE_LENGTH = 8
QUERY_KEY = "v"
_ALPHABET = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def verification_value(dossier_uuid: str, code: str) -> str:
    """The 8-character value printed with a dossier's code (upper-case base32)."""
    digest = hmac.new(
        dossier_uuid.strip().lower().encode(), code.strip().upper().encode(), hashlib.sha256
    ).digest()
    return base64.b32encode(digest).decode()[:VALUE_LENGTH]


def normalize_value(value: str) -> str:
    """What a citizen typed, as compared: case and separators do not matter."""
    return "".join(ch for ch in value.upper() if ch.isalnum())


def check_value(dossier_uuid: str, code: str, value: str | None) -> bool:
    """True when `value` is this dossier's verification value (constant-time compare)."""
    if not value:
        return False
    given = normalize_value(value)
    if len(given) != VALUE_LENGTH or not set(given) <= _ALPHABET:
        return False
    return hmac.compare_digest(given, verification_value(dossier_uuid, code))


def lookup_url(base_url: str, code: str, dossier_uuid: str) -> str:
    """The address a receipt's QR holds: the citizen's page with the verification value."""
    value = verification_value(dossier_uuid, code)
    return f"{base_url}{quote(code.strip().upper(), safe='.-')}?{QUERY_KEY}={value}"


def split_scan(text: str) -> tuple[str, str | None]:
    """A scanned QR or typed text → (code text, verification value or None).

    Accepts the receipt's URL (`…/tra-cuu/CODE?v=VALUE`), a bare code, or `CODE?v=VALUE`.
    The code part is returned as found; the caller validates it.
    """
    raw = text.strip()
    if "?" not in raw and "/" not in raw:
        return raw, None
    parts = urlsplit(raw)
    path = parts.path if parts.scheme or parts.netloc or raw.startswith("/") else raw.split("?")[0]
    code = path.rstrip("/").rsplit("/", 1)[-1]
    values = parse_qs(parts.query).get(QUERY_KEY)
    return code, (values[0] if values else None)
