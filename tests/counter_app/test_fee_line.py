""" "Phí, lệ phí" on the receipt (probe F5): a catalog fee of 0 prints what its note says (the
province's rate, paid at hand-back, exempt), «Không thu phí» only for a free procedure; a
procedure without a fee is refused when the catalog is loaded."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import zxingcpp

from counter_app.auth import system_actor
from counter_app.catalog import (
    FREE,
    CatalogError,
    default_catalog_file,
    fee_line,
    parse_catalog,
    zero_fee_text,
)
from counter_app.intake import ApplicantDraft, DossierDraft
from counter_app.receipts import Layout
from counter_app.verification import split_scan
from tests.counter_app.receipts.support import decode, decode_bands, page_texts, rasterise

ACTOR = system_actor()
PROVINCE = "Theo mức HĐND tỉnh quy định"


@pytest.mark.parametrize(
    ("note", "printed"),
    [
        ("", FREE),
        ("Không thu phí, lệ phí.", FREE),
        ("Không thu lệ phí (Thông tư 75/2022/TT-BTC không có mức thu cho thủ tục này).", FREE),
        (
            "Cổng DVCQG ghi «Miễn phí» kèm ghi chú: mức lệ phí cụ thể do HĐND cấp tỉnh quyết "
            "định; miễn cho người thuộc gia đình có công với cách mạng.",
            PROVINCE,
        ),
        ("Lệ phí do HĐND cấp tỉnh quyết định — chưa đối chiếu mức thu.", PROVINCE),
        (
            "Phí thẩm định hồ sơ, lệ phí cấp Giấy chứng nhận do HĐND/UBND tỉnh quy định; nghĩa vụ "
            "tài chính nộp theo thông báo của cơ quan thuế — không thu khi tiếp nhận.",
            "Theo mức HĐND/UBND tỉnh quy định; không thu khi tiếp nhận",
        ),
        ("Lệ phí nộp khi trả kết quả, theo biểu phí của sở.", "Thu khi trả kết quả"),
        (
            "Miễn lệ phí đăng ký khai sinh đúng hạn (Luật Hộ tịch, Điều 11). Đăng ký quá hạn: "
            "lệ phí theo nghị quyết HĐND tỉnh.",
            "Miễn lệ phí; trường hợp khác theo mức HĐND tỉnh quy định",
        ),
        ("Miễn lệ phí đăng ký giám hộ (Luật Hộ tịch, Điều 11).", "Miễn lệ phí"),
        ("Chưa rõ, hỏi phòng Tư pháp.", "Không thu khi tiếp nhận"),
    ],
)
def test_a_zero_fee_prints_what_the_note_says(note: str, printed: str) -> None:
    assert zero_fee_text(note) == printed
    assert fee_line(0, note) == printed


def test_a_fee_prints_its_amount_whatever_the_note() -> None:
    assert fee_line(50_000, "Lệ phí do HĐND tỉnh quyết định") == "50.000 đồng"
    assert fee_line(16_000, "", "02 bản × 01 trang") == "16.000 đồng (02 bản × 01 trang)"


def test_the_bundled_catalog_words_every_zero_fee() -> None:
    data = json.loads(default_catalog_file().read_text(encoding="utf-8"))
    assert all("fee" in item for item in data["procedures"])
    lines = {p.code: fee_line(p.fee, p.fee_note) for p in parse_catalog(data)}
    assert lines["1.004873"] == PROVINCE
    assert lines["1.013949"] == "Theo mức HĐND/UBND tỉnh quy định; không thu khi tiếp nhận"
    assert lines["1.001699"] == FREE
    assert lines["1.004837"] == "Miễn lệ phí"
    assert lines["2.000635"] == "8.000 đồng"


def _catalog(**changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "code": "9.999001",
        "name": "Thủ tục thử",
        "processing": {"amount": 3, "unit": "working_days"},
        "fee": 0,
        "papers": [{"code": "P1", "name": "Tờ khai"}],
    }
    item.update(changes)
    return {"procedures": [{k: v for k, v in item.items() if v is not None}]}


def test_a_procedure_without_a_fee_is_refused_by_name() -> None:
    with pytest.raises(CatalogError) as caught:
        parse_catalog(_catalog(fee=None))
    message = str(caught.value)
    assert "9.999001" in message and "«Thủ tục thử»" in message
    assert "thiếu mức phí, lệ phí" in message


@pytest.mark.parametrize("bad", [-1, "1000", True, 1.5])
def test_a_fee_that_is_no_amount_is_refused(bad: object) -> None:
    with pytest.raises(CatalogError, match="phải là số đồng nguyên không âm"):
        parse_catalog(_catalog(fee=bad))


def test_loading_a_catalog_without_a_fee_keeps_the_old_one(services: Any, tmp_path: Path) -> None:
    before = {p.code for p in services.catalog.all()}
    path = tmp_path / "procedures.json"
    path.write_text(json.dumps(_catalog(fee=None), ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CatalogError, match=r"9\.999001"):
        services.catalog.load_file(path)
    assert {p.code for p in services.catalog.all()} == before


def _receive(services: Any, procedure: str, i: int) -> str:
    draft = DossierDraft(
        procedure_code=procedure,
        applicant=ApplicantDraft("Hoàng Văn Nam", f"0220900123{i:02d}", address="Hạ Long"),
        undigitised_reason="Máy quét đang hỏng",
    )
    return services.intake.receive(draft, clerk=ACTOR).code


def test_receipts_print_the_truthful_fee_and_still_decode(services: Any) -> None:
    services.catalog.load_file(default_catalog_file())
    province = _receive(services, "1.004873", 1)
    free = _receive(services, "1.001699", 2)
    for code, wanted in ((province, f"Phí, lệ phí: {PROVINCE}"), (free, f"Phí, lệ phí: {FREE}")):
        pdf = services.receipts.receipt_pdf(code, by=ACTOR)
        texts = page_texts(pdf)
        assert len(texts) == 2 and all(wanted in t for t in texts), texts[0]
        if code == province:
            assert all(FREE not in t for t in texts)
        for page in rasterise(pdf, 203):
            assert decode(page, zxingcpp.BarcodeFormat.Code128) == [code]
            assert len(decode(page, zxingcpp.BarcodeFormat.QRCode)) == 1
    slip = services.receipts.receipt_pdf(province, Layout.SLIP80, by=ACTOR)
    assert f"Phí, lệ phí: {PROVINCE}" in " ".join(page_texts(slip))
    [page] = rasterise(slip, 203)
    found = decode_bands(page, zxingcpp.BarcodeFormat.QRCode)
    assert any(split_scan(value)[0] == province for value in found)
