"""The procedure catalog: procedures and their required papers, loaded from resources/ or sync."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from counter_app.calendar import ProcessingUnit
from counter_app.db.engine import Database
from counter_app.db.models import Procedure, ProcedurePaper
from counter_app.domain import local_now
from counter_app.errors import UserError
from counter_app.identity import fold, normalize_text
from counter_app.resources import resource_path

PAPER_CODE = re.compile(r"^[A-Z0-9_]{1,12}$")


class CatalogError(UserError, ValueError):
    """A catalog file is malformed; str(exc) says where, in Vietnamese."""


@dataclass(frozen=True)
class PaperSpec:
    """A paper the procedure requires."""

    code: str
    name: str
    originals: int
    copies: int
    required: bool
    # Must be scanned when handed in at the counter (Nghị định 118/2025); optional in the data.
    digitise: bool = False


@dataclass(frozen=True)
class FeeTier:
    """From page `from_page` on (1-based), each page costs `amount` đồng."""

    from_page: int
    amount: int


@dataclass(frozen=True)
class FeeRule:
    """A fee that depends on the papers' copies and pages, as the catalog states it.

    `per` is "page" (tiers of per-page amounts, at most `max_per_copy` a copy) or "copy"
    (`amount` a copy). Only the papers named in `papers` count; the rule lives in the catalog
    data, so a new fee circular changes procedures.json, not code.
    """

    per: str
    papers: tuple[str, ...]
    tiers: tuple[FeeTier, ...] = ()
    amount: int = 0
    max_per_copy: int | None = None
    source: str = ""

    def per_copy(self, pages: int) -> int:
        """What one copy of a paper of `pages` pages costs."""
        if self.per == "copy":
            return self.amount
        total = 0
        for page in range(1, max(1, pages) + 1):
            total += next((t.amount for t in reversed(self.tiers) if page >= t.from_page), 0)
        return min(total, self.max_per_copy) if self.max_per_copy is not None else total

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"per": self.per, "papers": list(self.papers)}
        if self.tiers:
            data["tiers"] = [{"from_page": t.from_page, "amount": t.amount} for t in self.tiers]
        if self.per == "copy":
            data["amount"] = self.amount
        if self.max_per_copy is not None:
            data["max_per_copy"] = self.max_per_copy
        if self.source:
            data["source"] = self.source
        return data


def parse_fee_rule(data: Any) -> FeeRule | None:
    """A `fee_rule` object of procedures.json (or the database's copy); None when absent."""
    if data in (None, {}):
        return None
    if not isinstance(data, Mapping):
        raise ValueError("fee_rule phải là một đối tượng")
    per = str(data.get("per", ""))
    if per not in ("page", "copy"):
        raise ValueError(f"fee_rule.per «{per}» không hợp lệ (page hoặc copy)")
    papers = tuple(str(code) for code in data.get("papers", ()))
    if not papers:
        raise ValueError("fee_rule.papers trống")
    tiers = tuple(FeeTier(int(t["from_page"]), int(t["amount"])) for t in data.get("tiers", ()))
    if per == "page" and (not tiers or tiers[0].from_page != 1):
        raise ValueError("fee_rule.tiers phải bắt đầu từ trang 1")
    if any(b.from_page <= a.from_page for a, b in itertools.pairwise(tiers)):
        raise ValueError("fee_rule.tiers phải tăng dần theo from_page")
    cap = data.get("max_per_copy")
    amounts = [t.amount for t in tiers] + [int(data.get("amount", 0)), int(cap or 0)]
    if any(a < 0 for a in amounts):
        raise ValueError("fee_rule có số tiền âm")
    return FeeRule(
        per=per,
        papers=papers,
        tiers=tiers,
        amount=int(data.get("amount", 0)),
        max_per_copy=int(cap) if cap is not None else None,
        source=normalize_text(str(data.get("source", ""))),
    )


@dataclass(frozen=True)
class PaperCount:
    """How many originals and copies of one paper were handed in, and its pages (0: unknown)."""

    originals: int
    copies: int
    pages: int = 0


#: "Phí, lệ phí" of a procedure that is really free (its catalog note says so, or says nothing).
FREE = "Không thu phí"


def vnd(amount: int) -> str:
    """'50.000 đồng'."""
    return f"{amount:,} đồng".replace(",", ".")


def zero_fee_text(fee_note: str) -> str:
    """What the receipt says for a catalog fee of 0, read from the procedure's `fee_note`.

    A fee of 0 means "nothing collected at the counter", not always "free": the amount may be
    the province's (HĐND/UBND tỉnh) or paid when the result is handed back. The rule, in order:
    no note, or a note opening with "Không thu" → «Không thu phí»; a note saying the fee is paid
    "khi trả kết quả" → «Thu khi trả kết quả»; a note naming HĐND/UBND → «Theo mức HĐND tỉnh quy
    định» (opening with "Miễn": «Miễn lệ phí; trường hợp khác theo mức …»; "không thu khi tiếp
    nhận" is kept); a note opening with "Miễn" → «Miễn lệ phí»; any other note → «Không thu khi
    tiếp nhận», which is true without claiming the procedure is free.
    """
    note = " ".join(fee_note.split()).casefold()
    if not note or note.startswith("không thu"):
        return FREE
    if "khi trả kết quả" in note:
        return "Thu khi trả kết quả"
    exempt = note.startswith("miễn")
    who = [body for body in ("HĐND", "UBND") if body.casefold() in note]
    if who:
        rate = f"theo mức {'/'.join(who)} tỉnh quy định"
        text = f"Miễn lệ phí; trường hợp khác {rate}" if exempt else rate[0].upper() + rate[1:]
        if "không thu khi tiếp nhận" in note:
            text += "; không thu khi tiếp nhận"
        return text
    if exempt:
        return "Miễn lệ phí"
    return "Không thu khi tiếp nhận"


def fee_line(fee: int, fee_note: str = "", detail: str = "") -> str:
    """ "Phí, lệ phí" as printed and shown: the amount (with how a rule computed it), or for 0
    what the catalog's note says (`zero_fee_text`). One rule for the receipts and the form."""
    if fee == 0:
        return zero_fee_text(fee_note)
    text = vnd(fee)
    return f"{text} ({detail.strip()})" if detail.strip() else text


@dataclass(frozen=True)
class Fee:
    """A dossier's fee and, when a rule computed it, how ("03 bản × 05 trang")."""

    amount: int
    detail: str = ""


@dataclass(frozen=True)
class ProcedureInfo:
    """A procedure as the intake form, receipts and reports see it."""

    code: str
    name: str
    sector: str
    sector_code: str | None
    level: str
    processing_amount: float
    processing_unit: ProcessingUnit
    cutoff: time | None
    fee: int
    fee_note: str
    result: str
    papers: tuple[PaperSpec, ...]
    verified: bool = False
    source_note: str = ""
    fee_rule: FeeRule | None = None

    def fee_for(self, counts: Mapping[str, PaperCount]) -> Fee:
        """The fee for papers handed in with these counts (by paper code).

        Without a rule the catalog's flat fee. With one, each counted paper's copies at the
        rule's price for its pages (an unrecorded page count counts as one page).
        """
        rule = self.fee_rule
        if rule is None:
            return Fee(self.fee)
        total = 0
        parts: list[str] = []
        for code in rule.papers:
            count = counts.get(code)
            if count is None or count.copies <= 0:
                continue
            total += count.copies * rule.per_copy(count.pages)
            part = f"{count.copies:02d} bản"
            if rule.per == "page":
                part += f" × {max(1, count.pages):02d} trang"
            parts.append(part)
        return Fee(total, "; ".join(parts))

    @property
    def processing_text(self) -> str:
        """ "03 ngày làm việc", "04 giờ làm việc", "Trong ngày" — as printed on receipts."""
        amount = self.processing_amount
        if amount == 0:
            return "Trong ngày"
        number = f"{int(amount):02d}" if float(amount).is_integer() else f"{amount:g}"
        return f"{number} {self.processing_unit.label}"

    @property
    def required_papers(self) -> tuple[PaperSpec, ...]:
        return tuple(p for p in self.papers if p.required)

    @property
    def digitised_papers(self) -> tuple[PaperSpec, ...]:
        """The papers the counter must scan when they are handed in."""
        return tuple(p for p in self.papers if p.digitise)


def default_catalog_file() -> Path:
    return resource_path("catalog", "procedures.json")


def parse_catalog(data: Mapping[str, Any]) -> list[ProcedureInfo]:
    """Validate a catalog document (the procedures.json schema) into ProcedureInfo values."""
    items = data.get("procedures")
    if not isinstance(items, list):
        raise CatalogError("Tệp danh mục thiếu mục «procedures».")
    result: list[ProcedureInfo] = []
    seen: set[str] = set()
    for index, item in enumerate(items, start=1):
        try:
            info = _parse_procedure(item)
        except (KeyError, TypeError, ValueError) as exc:
            raise CatalogError(f"Thủ tục thứ {index} trong danh mục không hợp lệ: {exc}") from exc
        if info.code in seen:
            raise CatalogError(f"Mã thủ tục {info.code} xuất hiện hai lần trong danh mục.")
        seen.add(info.code)
        result.append(info)
    return result


def _fee(item: Mapping[str, Any]) -> int:
    """The catalog's flat fee; required: a missing one used to print «Không thu phí»."""
    name = f"{item.get('code', '?')} «{item.get('name', '')}»"
    if "fee" not in item:
        raise ValueError(
            f"thủ tục {name} thiếu mức phí, lệ phí (khóa «fee»): ghi số đồng thu khi tiếp nhận, "
            "hoặc 0 kèm «fee_note» nói rõ miễn phí, thu khi trả kết quả hay theo mức HĐND tỉnh"
        )
    fee = item["fee"]
    if isinstance(fee, bool) or not isinstance(fee, int) or fee < 0:
        raise ValueError(f"thủ tục {name}: mức phí «fee» phải là số đồng nguyên không âm")
    return fee


def _parse_procedure(item: Mapping[str, Any]) -> ProcedureInfo:
    processing = item["processing"]
    cutoff_text = item.get("cutoff")
    cutoff = time.fromisoformat(cutoff_text) if cutoff_text else None
    papers = []
    for p in item["papers"]:
        code = str(p["code"])
        if not PAPER_CODE.match(code):
            raise ValueError(f"mã giấy tờ «{code}» không hợp lệ")
        papers.append(
            PaperSpec(
                code=code,
                name=normalize_text(str(p["name"])),
                originals=int(p.get("originals", 1)),
                copies=int(p.get("copies", 0)),
                required=bool(p.get("required", True)),
                digitise=_flag(p, "digitise"),
            )
        )
    amount = float(processing["amount"])
    if amount < 0:
        raise ValueError("thời hạn giải quyết âm")
    return ProcedureInfo(
        code=normalize_text(str(item["code"])),
        name=normalize_text(str(item["name"])),
        sector=normalize_text(str(item.get("sector", ""))),
        sector_code=item.get("sector_code") or None,
        level=str(item.get("level", "province")),
        processing_amount=amount,
        processing_unit=ProcessingUnit(processing["unit"]),
        cutoff=cutoff,
        fee=_fee(item),
        fee_note=normalize_text(str(item.get("fee_note", ""))),
        result=normalize_text(str(item.get("result", ""))),
        papers=tuple(papers),
        verified=bool(item.get("verified", False)),
        source_note=normalize_text(str(item.get("source_note", ""))),
        fee_rule=_checked_rule(item.get("fee_rule"), {p.code for p in papers}),
    )


def _flag(paper: Mapping[str, Any], key: str) -> bool:
    value = paper.get(key, False)
    if not isinstance(value, bool):  # "false" as a string would read as true
        raise ValueError(f"giấy tờ {paper.get('code')}: «{key}» phải là true hoặc false")
    return value


def _checked_rule(data: Any, paper_codes: set[str]) -> FeeRule | None:
    rule = parse_fee_rule(data)
    if rule is not None and (unknown := [c for c in rule.papers if c not in paper_codes]):
        raise ValueError(f"fee_rule nhắc mã giấy tờ không có: {', '.join(unknown)}")
    return rule


def info_from_row(row: Procedure) -> ProcedureInfo:
    return ProcedureInfo(
        code=row.code,
        name=row.name,
        sector=row.sector,
        sector_code=row.sector_code,
        level=row.level,
        processing_amount=float(row.processing_amount),
        processing_unit=ProcessingUnit(row.processing_unit),
        cutoff=time.fromisoformat(row.cutoff) if row.cutoff else None,
        fee=row.fee,
        fee_note=row.fee_note,
        result=row.result,
        papers=tuple(
            PaperSpec(p.code, p.name, p.originals, p.copies, p.required, p.digitise)
            for p in row.papers
        ),
        verified=row.verified,
        source_note=row.source_note,
        fee_rule=parse_fee_rule(row.fee_rule),
    )


def upsert_procedures(s: Session, procedures: Iterable[ProcedureInfo]) -> tuple[int, int]:
    """Insert new procedures and update known ones by code, in the caller's transaction.

    Papers are matched by code so dossiers keep pointing at meaningful rows. Returns
    (added, updated).
    """
    added = updated = 0
    existing = {
        p.code: p for p in s.scalars(select(Procedure).options(selectinload(Procedure.papers)))
    }
    now = local_now()
    for info in procedures:
        row = existing.get(info.code)
        if row is None:
            row = Procedure(code=info.code, updated_at=now)
            s.add(row)
            added += 1
        else:
            updated += 1
        row.name = info.name
        row.name_folded = fold(f"{info.code} {info.name}")
        row.sector = info.sector
        row.sector_code = info.sector_code
        row.level = info.level
        row.processing_amount = info.processing_amount
        row.processing_unit = info.processing_unit.value
        row.cutoff = info.cutoff.strftime("%H:%M") if info.cutoff else None
        row.fee = info.fee
        row.fee_note = info.fee_note
        row.result = info.result
        row.verified = info.verified
        row.source_note = info.source_note
        row.fee_rule = info.fee_rule.to_json() if info.fee_rule else None
        row.active = True
        row.updated_at = now
        by_code = {p.code: p for p in row.papers}
        new_papers = []
        for position, spec in enumerate(info.papers):
            paper = by_code.get(spec.code) or ProcedurePaper(code=spec.code)
            paper.name = spec.name
            paper.originals = spec.originals
            paper.copies = spec.copies
            paper.required = spec.required
            paper.digitise = spec.digitise
            paper.position = position
            new_papers.append(paper)
        row.papers = new_papers
    return added, updated


class CatalogService:
    """Procedures for the intake form; cached, since the catalog changes only on load or sync."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._cache: dict[str, ProcedureInfo] | None = None

    def load_file(self, path: Path | None = None) -> tuple[int, int]:
        """Load a catalog JSON file into the database; safe to repeat. Returns (added, updated)."""
        path = path or default_catalog_file()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise CatalogError(f"Không đọc được tệp danh mục {path}: {exc}") from exc
        procedures = parse_catalog(data)
        with self._db.write() as s:
            counts = upsert_procedures(s, procedures)
        self.invalidate()
        return counts

    def invalidate(self) -> None:
        """The catalog changed: reload it now, on the thread that changed it (a load or a sync
        pull, never the window's), and swap the new list in whole; readers in the meantime keep
        the old one, so the type-ahead never waits for the database."""
        self._cache = self._read()

    def _read(self) -> dict[str, ProcedureInfo]:
        with self._db.read() as s:
            rows = s.scalars(
                select(Procedure)
                .where(Procedure.active.is_(True))
                .options(selectinload(Procedure.papers))
                .order_by(Procedure.sector, Procedure.name)
            )
            return {r.code: info_from_row(r) for r in rows}

    def _all(self) -> dict[str, ProcedureInfo]:
        cache = self._cache
        if cache is None:
            cache = self._cache = self._read()
        return cache

    def all(self) -> list[ProcedureInfo]:
        return list(self._all().values())

    def get(self, code: str) -> ProcedureInfo | None:
        return self._all().get(code.strip())

    def find(self, text: str, limit: int = 20) -> list[ProcedureInfo]:
        """Type-ahead by code or by name without diacritics; every word must match.

        Best first: a code that starts with what was typed, then names that start with the
        phrase, then names holding it as a whole phrase, then the rest; shorter names first
        within each group ("khai sinh" → "Đăng ký khai sinh" before "Cấp bản sao … khai sinh").
        """
        words = fold(text).split()
        if not words:
            return self.all()[:limit]
        phrase = " ".join(words)
        hits: list[tuple[int, int, ProcedureInfo]] = []
        for info in self._all().values():
            name = fold(info.name)
            haystack = f"{fold(info.code)} {name} {fold(info.sector)}"
            if not all(w in haystack for w in words):
                continue
            if info.code.startswith(text.strip()):
                rank = 0
            elif name.startswith(phrase):
                rank = 1
            elif f" {phrase}" in f" {name}":
                rank = 2
            else:
                rank = 3
            hits.append((rank, len(info.name), info))
        hits.sort(key=lambda h: (h[0], h[1]))
        return [info for _, _, info in hits[:limit]]
