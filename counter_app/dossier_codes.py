"""Dossier codes: how they are written and how one is found in what a scanner typed.

Pure functions, shared by intake (writing), receipts (what the QR holds), the kiosk and the window
(reading scans).
"""

from __future__ import annotations

import re
from datetime import date

# A dossier code, also when a scanner prefixes it with the lookup URL or adds spaces.
CODE_PATTERN = re.compile(r"([0-9A-Z]+(?:\.[0-9A-Z]+)*-\d{6}-\d{4})")
MAX_SCAN_LENGTH = 512


def format_code(unit: str, day: date, number: int) -> str:
    """`<receiving unit>-<YYMMDD>-<NNNN>` (Thông tư 01/2018/TT-VPCP, Article 19)."""
    return f"{unit}-{day:%y%m%d}-{number:04d}"


def extract_code(scanned: str) -> str | None:
    """The dossier code inside a scan (bare code, or a lookup URL ending in it); None if absent."""
    if not scanned or len(scanned) > MAX_SCAN_LENGTH:
        return None
    matches = CODE_PATTERN.findall(scanned.strip().upper())
    return matches[-1] if matches else None
