"""Intake details: papers handed in with their copies and pages, fees from catalog rules, the ID
number's birth year against the date of birth, required papers by default."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pytest
from sqlalchemy import select

from counter_app.auth import system_actor
from counter_app.catalog import FeeRule, FeeTier, PaperCount, parse_catalog, parse_fee_rule
from counter_app.db.models import Dossier
from counter_app.identity import InvalidValue, check_birth_date_against_id
from counter_app.intake import ApplicantDraft, DossierDraft, ValidationError
from tests.counter_app.receipts.support import page_texts

GOOD = ApplicantDraft(name="Nguyễn Văn An", id_number="022085012345")

# Thông tư 226/2016/TT-BTC: 2.000 đ/trang, from the third page 1.000 đ/trang, ≤ 200.000 đ a copy.
CERTIFIED_COPY = FeeRule(
    per="page",
    papers=("BS",),
    tiers=(FeeTier(1, 2000), FeeTier(3, 1000)),
    max_per_copy=200_000,
)


@pytest.mark.parametrize(
    ("pages", "per_copy"),
    [
        (0, 2000),
        (1, 2000),
        (2, 4000),
        (3, 5000),
        (5, 7000),
        (100, 102_000),
        (198, 200_000),
        (199, 200_000),
        (500, 200_000),
    ],
)
def test_certified_copy_page_rates_and_cap(pages: int, per_copy: int) -> None:
    assert CERTIFIED_COPY.per_copy(pages) == per_copy


def test_per_copy_rule_ignores_pages() -> None:
    rule = FeeRule(per="copy", papers=("TK",), amount=8000)
    assert rule.per_copy(0) == rule.per_copy(40) == 8000


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"per": "word", "papers": ["BS"]}, "per"),
        ({"per": "page", "papers": []}, "papers"),
        ({"per": "page", "papers": ["BS"], "tiers": [{"from_page": 2, "amount": 1}]}, "trang 1"),
        (
            {
                "per": "page",
                "papers": ["BS"],
                "tiers": [{"from_page": 1, "amount": 2}, {"from_page": 1, "amount": 1}],
            },
            "tăng dần",
        ),
        ({"per": "copy", "papers": ["BS"], "amount": -1}, "âm"),
    ],
)
def test_bad_rules_are_refused(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_fee_rule(data)


def test_rule_naming_an_unknown_paper_is_refused() -> None:
    procedure = {
        "code": "9.999999",
        "name": "Thử",
        "processing": {"amount": 1, "unit": "working_days"},
        "papers": [{"code": "BC", "name": "Bản chính"}],
        "fee": 1000,
        "fee_rule": {"per": "copy", "papers": ["BS"], "amount": 1000},
    }
    with pytest.raises(ValueError, match="BS"):
        parse_catalog({"procedures": [procedure]})


def test_rule_round_trips_through_json() -> None:
    assert parse_fee_rule(CERTIFIED_COPY.to_json()) == CERTIFIED_COPY


@pytest.fixture
def real(services: Any) -> Any:
    """The services with the bundled catalog (its certified-copy rule) loaded."""
    services.catalog.load_file()
    return services


@dataclass(frozen=True)
class Saved:
    """What the database holds for a received dossier."""

    code: str
    fee: int
    papers: dict[str, tuple[bool, int, int, int]]  # code → submitted, originals, copies, pages


def _saved(services: Any, code: str) -> Saved:
    with services.db.read() as s:
        dossier = s.scalar(select(Dossier).where(Dossier.code == code))
        assert dossier is not None
        papers = {p.code: (p.submitted, p.originals, p.copies, p.pages) for p in dossier.papers}
        return Saved(dossier.code, dossier.fee, papers)


def _receive(services: Any, procedure: str = "2.000815", **changes: Any) -> Saved:
    base = DossierDraft(procedure_code=procedure, applicant=GOOD)
    return _saved(
        services, services.intake.receive(replace(base, **changes), clerk=system_actor()).code
    )


def test_certified_copies_fee_from_copies_and_pages(real: Any) -> None:
    dossier = _receive(real, paper_counts={"BS": {"copies": 3, "pages": 5}})
    assert dossier.fee == 3 * (2 * 2000 + 3 * 1000)
    assert dossier.papers == {"BC": (True, 1, 0, 0), "BS": (True, 0, 3, 5)}
    text = page_texts(real.receipts.receipt_pdf(dossier.code, by=system_actor()))[0]
    assert "Phí, lệ phí: 21.000 đồng (03 bản × 05 trang)" in text
    assert "(05 trang)" in text


def test_certified_copy_fee_is_capped_per_copy(real: Any) -> None:
    dossier = _receive(real, paper_counts={"BS": {"copies": 2, "pages": 400}})
    assert dossier.fee == 2 * 200_000


def test_uncounted_certified_copy_is_one_page_one_copy(real: Any) -> None:
    assert _receive(real).fee == 2000


def test_flat_fee_without_a_rule(services: Any) -> None:
    dossier = _receive(services, "2.000908", paper_counts={"CCCD": {"copies": 4}})
    assert dossier.fee == 100_000
    assert dossier.papers["CCCD"] == (True, 0, 4, 0)


@pytest.mark.parametrize(
    "counts",
    [
        {"BS": {"copies": -1}},
        {"BS": {"pages": 10_000}},
        {"BS": {"copies": "ba"}},
        {"BS": {"sheets": 2}},
        {"XX": {"copies": 1}},
    ],
)
def test_bad_counts_are_refused_naming_the_papers_field(real: Any, counts: Any) -> None:
    with pytest.raises(ValidationError) as info:
        _receive(real, paper_counts=counts)
    assert info.value.fields == ("papers",)
    assert str(info.value).startswith("Thành phần hồ sơ: ")


def test_papers_omitted_means_the_required_ones_only(services: Any) -> None:
    dossier = _receive(services, "1.001193")
    assert {code: p[0] for code, p in dossier.papers.items()} == {
        "TK": True,
        "GCS": True,
        "UQ": False,
    }
    assert dossier.papers["UQ"] == (False, 0, 0, 0)
    everything = _receive(services, "1.001193", papers="all")
    assert all(p[0] for p in everything.papers.values())


def test_counting_an_optional_paper_hands_it_in(services: Any) -> None:
    dossier = _receive(services, "1.001193", paper_counts={"UQ": {"originals": 1}})
    assert dossier.papers["UQ"] == (True, 1, 0, 0)


def test_birth_year_must_match_the_id_number(services: Any) -> None:
    wrong = replace(GOOD, birth_date="15/03/1990")
    with pytest.raises(ValidationError) as info:
        services.intake.receive(
            DossierDraft(procedure_code="1.001193", applicant=wrong), clerk=system_actor()
        )
    assert info.value.fields == ("applicant.birth_date",)
    message = str(info.value)
    assert message.startswith("Ngày sinh: ")
    assert "1990" in message and "1985" in message and "022085012345" in message
    right = replace(GOOD, birth_date="15/03/1985")
    assert services.intake.receive(
        DossierDraft(procedure_code="1.001193", applicant=right), clerk=system_actor()
    )


@pytest.mark.parametrize(
    ("number", "born", "ok"),
    [
        ("022085012345", "1985-03-15", True),
        ("022185012345", "1985-03-15", True),  # 1: a woman born in the 1900s
        ("022285012345", "1985-03-15", False),  # 2: born in the 2000s, so 2085 — no
        ("001205012345", "2005-01-01", True),
        ("001305012345", "2005-01-01", True),
        ("001005012345", "2005-01-01", False),  # 0: 1905
        ("022090012345", "1991-01-01", False),
    ],
)
def test_century_digit_and_year_digits(number: str, born: str, ok: bool) -> None:
    from datetime import date

    today = date(2026, 12, 1)
    if ok:
        check_birth_date_against_id(number, date.fromisoformat(born), today=today)
    else:
        with pytest.raises(InvalidValue, match=r"không khớp|ở tương lai"):
            check_birth_date_against_id(number, date.fromisoformat(born), today=today)


def test_paper_count_defaults() -> None:
    assert PaperCount(1, 0) == PaperCount(1, 0, 0)
