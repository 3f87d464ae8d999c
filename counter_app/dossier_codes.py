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


# -- the register "Sổ theo dõi hồ sơ" (Mẫu 07) --------------------------------------------------
#
# Each dossier gets one entry when it is received: a book per receiving unit (the code's unit, so
# offline counters never share a book) and calendar month of receipt, and a running number in it
# from 1. The receipt's "Quyển số … Số thứ tự …" and the register's STT both print this entry.
# The number is bumped in `code_sequence` under the key below, so the code ledger, `restore`,
# migrations and `sync --rebuild` protect it exactly as they protect the codes (code_ledger.py).

#: Suffix of the `code_sequence` unit that counts a book's entries; "#" is never in a unit.
REGISTER_KEY_SUFFIX = "#SO"


def register_month(day: date) -> date:
    """The book a dossier received on `day` goes into: the first day of its month."""
    return day.replace(day=1)


def register_key(unit: str, day: date) -> tuple[str, date]:
    """The `code_sequence` row (unit, day) counting the entries of the book of `unit` and `day`."""
    return f"{unit}{REGISTER_KEY_SUFFIX}", register_month(day)


def register_book(unit: str, month: date) -> str:
    """The book's name as printed: "12/2026", with the counter when codes are per counter
    ("12/2026-Q01"), since each offline counter keeps its own numbering."""
    label = f"{month:%m/%Y}"
    last = unit.rsplit(".", 1)[-1]
    if re.fullmatch(r"Q\d+", last):
        label += f"-{last}"
    return label
