"""The A4 receipt (Mẫu 01): two copies, decodable codes, the required wording, clean layout."""

from __future__ import annotations

import unicodedata
from dataclasses import fields
from datetime import datetime

import pytest
import zxingcpp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from counter_app.receipts import Layout, ReceiptData, ReceiptPaper, render_receipt

from .support import (
    APPLICANT,
    CODE,
    URL,
    decode,
    ink_columns,
    many_papers,
    nfd,
    overlapping,
    page_sizes,
    page_texts,
    rasterise,
    receipt,
    text_boxes,
)

A4_POINTS = (595.2756, 841.8898)
TITLE = "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"
COPY_1 = "Liên 1: Giao người nộp hồ sơ"
COPY_2 = "Liên 2: Lưu hồ sơ"


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render_receipt(receipt())


@pytest.fixture(scope="module")
def texts(pdf: bytes) -> list[str]:
    return page_texts(pdf)


@pytest.fixture(scope="module", params=[203, 300])
def pages(request: pytest.FixtureRequest, pdf: bytes) -> list[Image.Image]:
    return rasterise(pdf, request.param)


def test_two_a4_pages_one_per_copy(pdf: bytes, texts: list[str]) -> None:
    assert len(page_sizes(pdf)) == 2
    for width, height in page_sizes(pdf):
        assert (width, height) == pytest.approx(A4_POINTS, abs=0.01)
    assert COPY_1 in texts[0] and COPY_2 not in texts[0]
    assert COPY_2 in texts[1] and COPY_1 not in texts[1]


def test_default_layout_is_a4(pdf: bytes) -> None:
    assert page_texts(render_receipt(receipt(), Layout.A4)) == page_texts(pdf)
    assert page_sizes(render_receipt(receipt(), Layout("a4"))) == page_sizes(pdf)


def test_both_pages_carry_a_code128_of_the_code(pages: list[Image.Image]) -> None:
    for page in pages:
        assert decode(page, zxingcpp.BarcodeFormat.Code128) == [CODE]


def test_both_pages_carry_a_qr_of_the_lookup_url(pages: list[Image.Image]) -> None:
    for page in pages:
        assert decode(page, zxingcpp.BarcodeFormat.QRCode) == [URL]


def test_required_wording(texts: list[str]) -> None:
    for text in texts:
        for expected in (
            "UBND TỈNH QUẢNG NINH",
            "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG TỈNH",
            "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ",
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "Quảng Ninh, ngày 27 tháng 11 năm 2026",
            TITLE,
            f"Mã hồ sơ: {CODE}",
            f"Tiếp nhận hồ sơ của: {APPLICANT}",
            "022301004567",
            "Địa chỉ: Số 12, tổ 3, khu 5, phường Hồng Gai, tỉnh Quảng Ninh",
            "Số điện thoại: 0912 345 678",
            "Email: thuy.nguyen@example.vn",
            "Nội dung yêu cầu giải quyết: Cấp giấy chứng nhận đăng ký hộ kinh doanh",
            "1. Thành phần hồ sơ nộp gồm:",
            "STT Tên giấy tờ Bản chính Bản sao",
            "1 Giấy đề nghị đăng ký hộ kinh doanh 1 0",
            "2 Bản sao Căn cước công dân của chủ hộ kinh doanh 0 1",
            "2. Số lượng hồ sơ: 01 (bộ)",
            "3. Thời gian giải quyết hồ sơ theo quy định: 03 ngày làm việc",
            "4. Thời gian nhận hồ sơ: 08 giờ 05 phút, ngày 27 tháng 11 năm 2026",
            "5. Thời gian trả kết quả giải quyết hồ sơ: 10 giờ 00 phút, ngày 02 tháng 12 năm 2026",
            "6. Đăng ký nhận kết quả tại: Tại Bộ phận tiếp nhận và trả kết quả, quầy số 3",
            "Phí, lệ phí: 50.000 đồng",
            "Vào Sổ theo dõi hồ sơ, Quyển số: 05, Số thứ tự: 123",
            "Quét mã để tra cứu tình trạng hồ sơ",
            URL,
            "NGƯỜI NỘP HỒ SƠ",
            "NGƯỜI TIẾP NHẬN HỒ SƠ",
            "(Ký và ghi rõ họ tên)",
            "Trần Văn Hùng",
        ):
            assert expected in text, expected
        assert "BẢN IN LẠI" not in text


def test_no_text_overlaps_and_only_bundled_fonts(pdf: bytes) -> None:
    for boxes in text_boxes(pdf):
        assert boxes
        assert overlapping(boxes) == []


def test_ink_stays_within_the_margins(pages: list[Image.Image]) -> None:
    for page in pages:
        dots_per_mm = page.width / 210
        left, right = ink_columns(page)
        assert left >= (20 - 0.5) * dots_per_mm
        assert right <= (210 - 12 + 0.5) * dots_per_mm


def test_reprint_says_so_on_every_copy() -> None:
    pdf = render_receipt(receipt(reprint=True, reprinted_at=datetime(2026, 11, 28, 9, 30)))
    for text in page_texts(pdf):
        assert "BẢN IN LẠI — in lúc 09:30 28/11/2026" in text
    undated = render_receipt(receipt(reprint=True))
    assert all("BẢN IN LẠI" in text for text in page_texts(undated))


def test_free_procedure_and_blank_register() -> None:
    pdf = render_receipt(receipt(fee=0, register_book=None, register_seq=None))
    text = page_texts(pdf)[0]
    assert "Phí, lệ phí: Không thu phí" in text
    assert "Vào Sổ theo dõi hồ sơ, Quyển số: ……, Số thứ tự: ……" in text


def test_empty_optional_fields_are_left_out() -> None:
    data = receipt(
        applicant_id_number="",
        applicant_address="",
        applicant_phone="",
        applicant_email="",
        notes="",
        papers=(),
    )
    text = page_texts(render_receipt(data))[0]
    assert "Địa chỉ:" not in text and "Email:" not in text and "Số điện thoại:" not in text
    assert "(Không có giấy tờ kèm theo)" in text


def test_decomposed_input_comes_out_composed() -> None:
    data = receipt()
    decomposed = ReceiptData(
        **{
            f.name: nfd(value) if isinstance(value := getattr(data, f.name), str) else value
            for f in fields(ReceiptData)
        }
    )
    assert decomposed.applicant_name != APPLICANT
    texts = page_texts(render_receipt(decomposed))
    for text in texts:
        assert APPLICANT in text
        assert unicodedata.is_normalized("NFC", text)
        assert not any(unicodedata.combining(ch) for ch in text)


def test_thirty_papers_flow_onto_more_pages() -> None:
    papers = many_papers(30)
    long_address = "Thôn Đồng Tâm, xã Quảng Tân, huyện Đầm Hà (cũ), nay là xã Đầm Hà, " * 4
    pdf = render_receipt(receipt(papers=papers, applicant_address=long_address.strip()))
    texts = page_texts(pdf)
    assert len(texts) > 2 and len(texts) % 2 == 0
    per_copy = len(texts) // 2
    for copy, label in enumerate((COPY_1, COPY_2)):
        copy_texts = texts[copy * per_copy : (copy + 1) * per_copy]
        joined = " ".join(copy_texts)
        for paper in papers:
            assert paper.name in joined
        assert all(label in text for text in copy_texts)
        assert all(f"Trang {n}/{per_copy}" in t for n, t in enumerate(copy_texts, start=1))
        assert all("(tiếp theo)" in text for text in copy_texts[1:])
        # The table header repeats on every page the table reaches; signatures close the copy.
        assert "NGƯỜI TIẾP NHẬN HỒ SƠ" in copy_texts[-1]
        assert not any("NGƯỜI TIẾP NHẬN HỒ SƠ" in text for text in copy_texts[:-1])
    images = rasterise(pdf, 203)
    assert decode(images[0], zxingcpp.BarcodeFormat.Code128) == [CODE]
    assert decode(images[per_copy], zxingcpp.BarcodeFormat.Code128) == [CODE]
    for boxes in text_boxes(pdf):
        assert overlapping(boxes) == []
    for image in images:
        left, right = ink_columns(image)
        assert left >= 19.5 * image.width / 210 and right <= 198.5 * image.width / 210
        # Between the content (ends 18 mm above the bottom) and the footer (10 mm): nothing.
        assert _darkest(image, 14, 17.5) >= 200, "content spills into the bottom margin"
        assert _darkest(image, 8, 13) < 128, "footer missing"


def _darkest(image: Image.Image, from_mm: float, to_mm: float) -> int:
    """Darkest grey level in a full-width band measured in mm up from the page's bottom edge."""
    px = image.height / 297
    band = image.crop(
        (0, int(image.height - to_mm * px), image.width, int(image.height - from_mm * px))
    )
    low, _ = band.getextrema()
    return int(low)


def test_long_code_moves_the_barcode_under_the_header() -> None:
    code = "000.00.00.H49.22.01.AB-261127-0001-XYZ"
    url = f"https://dvc.example.vn/t/{code}"
    pdf = render_receipt(receipt(dossier_code=code, lookup_url=url))
    for page in rasterise(pdf, 203):
        assert decode(page, zxingcpp.BarcodeFormat.Code128) == [code]
        assert decode(page, zxingcpp.BarcodeFormat.QRCode) == [url]
    for boxes in text_boxes(pdf):
        assert overlapping(boxes) == []


VIETNAMESE = st.lists(
    st.sampled_from(
        list("aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂĐÊÔƠƯ áàảãạấầẩẫậếềểễệốồổỗộớờởỡợứừửữựýỳỷỹỵ")
        + list("0123456789,.-/()")
        + ["\n", "  ", "Nguyễn ", "QUẢNG NINH ", "https://dvc.example.vn/" + "x" * 60]
    ),
    max_size=120,
).map("".join)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=VIETNAMESE,
    address=VIETNAMESE,
    procedure=VIETNAMESE,
    agency=VIETNAMESE,
    papers=st.lists(st.tuples(VIETNAMESE, st.integers(0, 9), st.integers(0, 9)), max_size=20),
    notes=VIETNAMESE,
)
def test_any_input_lays_out_without_overlaps(
    name: str,
    address: str,
    procedure: str,
    agency: str,
    papers: list[tuple[str, int, int]],
    notes: str,
) -> None:
    data = receipt(
        applicant_name=name,
        applicant_address=address,
        procedure_name=procedure,
        agency_name=agency,
        papers=tuple(ReceiptPaper(*paper) for paper in papers),
        notes=notes,
    )
    for layout in Layout:
        pdf = render_receipt(data, layout)
        for boxes in text_boxes(pdf):
            assert overlapping(boxes) == []
        texts = page_texts(pdf)
        assert all(unicodedata.is_normalized("NFC", text) for text in texts)
    assert len(page_texts(render_receipt(data))) % 2 == 0


def _longest_catalog_papers(count: int) -> tuple[ReceiptPaper, ...]:
    """The catalog's `count` longest paper names: the worst a real dossier can print."""
    import json

    from counter_app.catalog import default_catalog_file

    catalog = json.loads(default_catalog_file().read_text(encoding="utf-8"))
    names = {paper["name"] for item in catalog["procedures"] for paper in item["papers"]}
    longest = sorted(names, key=len, reverse=True)[:count]
    return tuple(ReceiptPaper(name, 1, 2, pages=3) for name in longest)


@pytest.mark.parametrize("count", range(1, 11))
def test_one_sheet_per_copy_for_up_to_ten_papers(count: int) -> None:
    papers = _longest_catalog_papers(count)
    pdf = render_receipt(receipt(papers=papers, notes="Bản sao đã đối chiếu với bản chính."))
    texts = page_texts(pdf)
    assert len(texts) == 2, f"{count} papers take {len(texts) // 2} sheets a copy"
    for text, label in zip(texts, (COPY_1, COPY_2), strict=True):
        assert label in text and "Trang 1/1" in text
        assert all(f"{paper.name} (03 trang)" in text for paper in papers)
        assert "NGƯỜI NỘP HỒ SƠ" in text and "NGƯỜI TIẾP NHẬN HỒ SƠ" in text
    for boxes in text_boxes(pdf):
        assert overlapping(boxes) == []
    for page in rasterise(pdf, 203):
        assert decode(page, zxingcpp.BarcodeFormat.Code128) == [CODE]
        assert decode(page, zxingcpp.BarcodeFormat.QRCode) == [URL]
        assert _darkest(page, 14, 17.5) >= 200, "content spills into the bottom margin"


def test_continuation_pages_repeat_the_code() -> None:
    pdf = render_receipt(receipt(papers=_longest_catalog_papers(10) + many_papers(8)))
    texts = page_texts(pdf)
    per_copy = len(texts) // 2
    assert per_copy >= 2
    for text in texts[1:per_copy] + texts[per_copy + 1 :]:
        assert f"{TITLE} — Mã hồ sơ: {CODE} (tiếp theo)" in text


def test_creation_date_is_the_real_one() -> None:
    import io

    from pypdf import PdfReader

    before = datetime.now().astimezone()
    pdf = render_receipt(receipt())
    created = PdfReader(io.BytesIO(pdf)).metadata.creation_date
    assert created is not None
    assert abs((created - before).total_seconds()) < 120
