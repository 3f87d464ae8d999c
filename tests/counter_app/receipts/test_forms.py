"""Mẫu 02 (supplement request) and the refusal slip."""

from __future__ import annotations

import unicodedata
from dataclasses import fields

import pytest
import zxingcpp

from counter_app.receipts import (
    MissingPaper,
    RefusalData,
    render_refusal,
    render_supplement_request,
)

from .support import (
    APPLICANT,
    CODE,
    decode,
    nfd,
    overlapping,
    page_sizes,
    page_texts,
    rasterise,
    refusal,
    supplement,
    text_boxes,
)

SUPPLEMENT_TITLE = "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ"
REFUSAL_TITLE = "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ"


def test_supplement_request_two_copies_with_papers_and_reasons() -> None:
    pdf = render_supplement_request(supplement())
    texts = page_texts(pdf)
    assert len(texts) == 2
    assert "Liên 1: Giao người nộp hồ sơ" in texts[0]
    assert "Liên 2: Lưu tại Bộ phận tiếp nhận và trả kết quả" in texts[1]
    for text in texts:
        for expected in (
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            SUPPLEMENT_TITLE,
            f"Mã hồ sơ: {CODE}",
            f"Hồ sơ của: {APPLICANT}",
            "Quảng Ninh, ngày 27 tháng 11 năm 2026",
            "Nội dung yêu cầu giải quyết: Cấp giấy chứng nhận đăng ký hộ kinh doanh",
            "Yêu cầu hoàn thiện hồ sơ gồm những nội dung sau:",
            "1. Bản sao Căn cước công dân của chủ hộ: Bản sao không rõ số định danh",
            "2. Giấy đề nghị đăng ký hộ kinh doanh: Thiếu chữ ký của chủ hộ",
            "liên hệ với Quầy số 3, số điện thoại 0203 3888 999 để được hướng dẫn./.",
            "NGƯỜI HƯỚNG DẪN",
            "(Ký và ghi rõ họ tên)",
            "Trần Văn Hùng",
        ):
            assert expected in text, expected
        # Mẫu 02 is signed by the clerk who gives the guidance alone.
        assert "NGƯỜI NỘP HỒ SƠ" not in text
    for page in rasterise(pdf, 203):
        assert decode(page, zxingcpp.BarcodeFormat.Code128) == [CODE]
    for boxes in text_boxes(pdf):
        assert overlapping(boxes) == []


def test_supplement_request_with_a_general_reason_and_no_code() -> None:
    data = supplement(
        dossier_code="",
        missing_papers=(MissingPaper("Tờ khai"), MissingPaper("Bản sao giấy khai sinh")),
        general_reason="Hồ sơ chưa đủ thành phần theo quy định.",
    )
    pdf = render_supplement_request(data, copies=1)
    (text,) = page_texts(pdf)
    assert "Mã hồ sơ" not in text
    assert "sau: 1. Tờ khai 2. Bản sao giấy khai sinh" in text
    assert "Lý do: Hồ sơ chưa đủ thành phần theo quy định." in text
    (page,) = rasterise(pdf, 203)
    assert decode(page, zxingcpp.BarcodeFormat.Code128) == []


def test_many_missing_papers_flow_to_more_pages() -> None:
    papers = tuple(
        MissingPaper(f"Giấy tờ số {i} " + "cần bổ sung bản chính để đối chiếu " * 3, "Thiếu")
        for i in range(1, 41)
    )
    pdf = render_supplement_request(supplement(missing_papers=papers))
    texts = page_texts(pdf)
    assert len(texts) > 2 and len(texts) % 2 == 0
    assert all(paper.name.strip() in " ".join(texts) for paper in papers)
    for boxes in text_boxes(pdf):
        assert overlapping(boxes) == []


def test_refusal_lists_numbered_reasons() -> None:
    pdf = render_refusal(refusal())
    texts = page_texts(pdf)
    assert len(texts) == 2
    for text in texts:
        for expected in (
            REFUSAL_TITLE,
            "Bộ phận tiếp nhận và trả kết quả: TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG TỈNH",
            f"Tiếp nhận hồ sơ của: {APPLICANT}",
            "Nội dung yêu cầu giải quyết: Cấp giấy chứng nhận đăng ký hộ kinh doanh",
            "Qua nghiên cứu, đối chiếu với các quy định hiện hành, Bộ phận tiếp nhận và trả kết "
            "quả từ chối tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau:",
            "Xin thông báo để Ông/Bà được biết và thực hiện./.",
            "1. Thủ tục không thuộc thẩm quyền giải quyết của cơ quan.",
            "2. Ngành nghề đăng ký thuộc danh mục ngành nghề cấm đầu tư kinh doanh.",
            "NGƯỜI TIẾP NHẬN HỒ SƠ",
            "(Ký và ghi rõ họ tên)",
        ):
            assert expected in text, expected
        assert "NGƯỜI NỘP HỒ SƠ" not in text
    for page in rasterise(pdf, 203):  # no code was used: nothing to scan
        assert decode(page, zxingcpp.BarcodeFormat.Code128) == []
    for boxes in text_boxes(pdf):
        assert overlapping(boxes) == []
    assert all(size == pytest.approx((595.2756, 841.8898), abs=0.01) for size in page_sizes(pdf))


def test_refusal_with_a_code_has_its_barcode_and_nfd_comes_out_nfc() -> None:
    data = refusal(dossier_code=CODE)
    decomposed = RefusalData(
        **{f.name: _nfd_value(getattr(data, f.name)) for f in fields(RefusalData)}
    )
    pdf = render_refusal(decomposed, copies=1)
    (text,) = page_texts(pdf)
    assert APPLICANT in text and "1. Thủ tục không thuộc thẩm quyền" in text
    assert unicodedata.is_normalized("NFC", text)
    (page,) = rasterise(pdf, 300)
    assert decode(page, zxingcpp.BarcodeFormat.Code128) == [CODE]


def _nfd_value(value: object) -> object:
    if isinstance(value, str):
        return nfd(value)
    if isinstance(value, tuple):
        return tuple(nfd(v) if isinstance(v, str) else v for v in value)
    return value


@pytest.mark.parametrize("copies", [0, 3])
def test_copies_must_be_one_or_two(copies: int) -> None:
    with pytest.raises(ValueError, match="copies"):
        render_refusal(refusal(), copies=copies)
