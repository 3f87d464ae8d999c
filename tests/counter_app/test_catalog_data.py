"""The shipped procedure catalog (resources/catalog/procedures.json): structure and invariants."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from datetime import datetime, time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from counter_app.calendar import ProcessingUnit, WorkingCalendar
from counter_app.catalog import PAPER_CODE, default_catalog_file, parse_catalog

# National procedure codes look like 1.001193 / 2.000815 / 3.000333.
TTHC_CODE = re.compile(r"^[1-9]\.\d{6}$")
VERSION = re.compile(r"^\d{4}\.\d{1,2}\.\d+$")
LEVELS = {"commune", "district", "province"}
UNITS = {u.value for u in ProcessingUnit}
PROCEDURE_KEYS = {
    "code",
    "name",
    "sector",
    "sector_code",
    "level",
    "processing",
    "cutoff",
    "fee",
    "fee_note",
    "result",
    "papers",
    "verified",
    "source_note",
}
PAPER_KEYS = {"code", "name", "originals", "copies", "required"}
OPTIONAL_PAPER_KEYS = {"digitise"}  # true when the counter must scan the paper at intake


def _load() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(default_catalog_file().read_text(encoding="utf-8"))
    return data


DOC = _load()
PROCEDURES: list[dict[str, Any]] = DOC["procedures"]
IDS = [p["code"] for p in PROCEDURES]


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)


def test_top_level_shape() -> None:
    assert set(DOC) == {"catalog_version", "source_note", "procedures"}
    assert VERSION.match(DOC["catalog_version"])
    assert len(DOC["source_note"]) > 100
    assert len(PROCEDURES) >= 30


def test_every_string_is_nfc_and_trimmed() -> None:
    for text in _strings(DOC):
        assert unicodedata.normalize("NFC", text) == text, text
        assert text == text.strip(), repr(text)
        assert "  " not in text, repr(text)


def test_codes_are_unique_national_codes() -> None:
    assert len(set(IDS)) == len(IDS)
    for code in IDS:
        assert TTHC_CODE.match(code), code


def test_birth_registration_is_the_reference_entry() -> None:
    birth = next(p for p in PROCEDURES if p["code"] == "1.001193")
    assert birth["name"] == "Đăng ký khai sinh"
    assert birth["sector"] == "Hộ tịch"
    assert birth["cutoff"] == "15:00"


def test_catalog_spans_many_sectors() -> None:
    sectors = {p["sector"] for p in PROCEDURES}
    assert len(sectors) >= 8
    for needed in ("Hộ tịch", "Chứng thực", "Đăng ký, quản lý cư trú", "Đất đai"):
        assert needed in sectors


@pytest.mark.parametrize("proc", PROCEDURES, ids=IDS)
def test_procedure_fields(proc: dict[str, Any]) -> None:
    assert PROCEDURE_KEYS <= set(proc) <= PROCEDURE_KEYS | {"fee_rule"}
    for key in ("name", "sector", "result", "source_note"):
        assert isinstance(proc[key], str) and proc[key], key
    assert proc["sector_code"] is None or isinstance(proc["sector_code"], str)
    assert proc["level"] in LEVELS
    assert isinstance(proc["verified"], bool)
    # An unverified figure must say why in its own note, not only in SOURCES.md.
    assert len(proc["source_note"]) >= 40
    if "fee_rule" in proc:  # a rule parses, names this procedure's papers and says its source
        from counter_app.catalog import parse_catalog

        (info,) = parse_catalog({"procedures": [proc]})
        assert info.fee_rule is not None and info.fee_rule.source


@pytest.mark.parametrize("proc", PROCEDURES, ids=IDS)
def test_processing_time_and_cutoff(proc: dict[str, Any]) -> None:
    processing = proc["processing"]
    assert set(processing) == {"amount", "unit"}
    amount, unit = processing["amount"], processing["unit"]
    assert unit in UNITS
    assert isinstance(amount, int | float) and not isinstance(amount, bool)
    assert 0 <= amount <= 60
    if unit != ProcessingUnit.WORKING_HOURS:
        assert float(amount).is_integer(), "days must be whole"
    if amount == 0:
        # "Trong ngày" only makes sense with the afternoon cut-off that pushes to the next day.
        assert unit == ProcessingUnit.WORKING_DAYS
        assert proc["cutoff"] is not None
    cutoff = proc["cutoff"]
    if cutoff is not None:
        assert re.fullmatch(r"\d{2}:\d{2}", cutoff)
        assert time(11, 0) <= time.fromisoformat(cutoff) <= time(17, 0)


@pytest.mark.parametrize("proc", PROCEDURES, ids=IDS)
def test_fee(proc: dict[str, Any]) -> None:
    fee = proc["fee"]
    assert isinstance(fee, int) and not isinstance(fee, bool)
    assert 0 <= fee <= 5_000_000
    assert fee % 1000 == 0, "VND amounts at the counter are whole thousands"
    assert isinstance(proc["fee_note"], str)
    if fee > 0:
        assert proc["fee_note"], "a non-zero fee says what it is based on"


@pytest.mark.parametrize("proc", PROCEDURES, ids=IDS)
def test_papers(proc: dict[str, Any]) -> None:
    papers = proc["papers"]
    assert 2 <= len(papers) <= 8
    codes = [p["code"] for p in papers]
    assert len(set(codes)) == len(codes)
    assert any(p["required"] for p in papers)
    for paper in papers:
        assert PAPER_KEYS <= set(paper) <= PAPER_KEYS | OPTIONAL_PAPER_KEYS
        assert paper.get("digitise", False) in (True, False)
        assert PAPER_CODE.match(paper["code"]), paper["code"]
        assert paper["name"]
        for key in ("originals", "copies"):
            assert isinstance(paper[key], int) and not isinstance(paper[key], bool)
            assert 0 <= paper[key] <= 5
        assert paper["originals"] + paper["copies"] >= 1
        assert isinstance(paper["required"], bool)


def test_unverified_entries_are_flagged_in_their_notes() -> None:
    verified = [p for p in PROCEDURES if p["verified"]]
    unverified = [p for p in PROCEDURES if not p["verified"]]
    assert verified and unverified
    hedges = ("chưa", "ước tính", "giả định", "cần đối chiếu")
    for proc in unverified:
        note = proc["source_note"].lower()
        assert any(w in note for w in hedges), proc["code"]


def test_the_loader_accepts_the_file() -> None:
    infos = parse_catalog(DOC)
    assert [i.code for i in infos] == IDS
    same_day = [i for i in infos if i.processing_amount == 0]
    assert same_day and all(i.processing_text == "Trong ngày" for i in same_day)
    for info in infos:
        assert info.required_papers


_CALENDAR = WorkingCalendar()


@settings(max_examples=200, deadline=None)
@given(
    proc=st.sampled_from(PROCEDURES),
    received=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31)),
)
def test_every_procedure_yields_an_appointment_after_receipt(
    proc: dict[str, Any], received: datetime
) -> None:
    processing = proc["processing"]
    cutoff = time.fromisoformat(proc["cutoff"]) if proc["cutoff"] else None
    due = _CALENDAR.due(
        received, float(processing["amount"]), ProcessingUnit(processing["unit"]), cutoff
    )
    assert due >= received


def test_type_ahead_puts_the_plain_procedure_first(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from counter_app.catalog import CatalogService
    from counter_app.db.engine import Database
    from counter_app.db.migrate import upgrade

    db = Database(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    upgrade(db, backup_dir=tmp_path)
    catalog = CatalogService(db)
    catalog.load_file()
    assert catalog.find("khai sinh")[0].name == "Đăng ký khai sinh"
    assert catalog.find("1.001193")[0].code == "1.001193"
    assert catalog.find("dang ky ket hon")[0].name.startswith("Đăng ký kết hôn")
    db.dispose()
