"""The 80 mm thermal slip: 72 mm of ink, one page as tall as its content, a scannable QR."""

from __future__ import annotations

import itertools
from datetime import datetime

import pytest
import zxingcpp
from PIL import Image

from counter_app.dossier_codes import extract_code
from counter_app.receipts import Layout, render_receipt, slip_qr_content

from .support import (
    APPLICANT,
    CODE,
    MM,
    URL,
    decode,
    decode_bands,
    ink_columns,
    ink_rows,
    many_papers,
    overlapping,
    page_sizes,
    page_texts,
    rasterise,
    receipt,
    text_boxes,
)

SHORT_CODE = "H49.22-261127-0001"


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render_receipt(receipt(), Layout.SLIP80)


@pytest.fixture(scope="module", params=[203, 300])
def image(request: pytest.FixtureRequest, pdf: bytes) -> Image.Image:
    (page,) = rasterise(pdf, request.param)
    return page


def test_one_page_80_mm_wide(pdf: bytes) -> None:
    ((width, height),) = page_sizes(pdf)
    assert width == pytest.approx(80 * MM, abs=0.2)  # 80 mm in whole 203-dpi dots
    assert 120 * MM < height < 400 * MM


def test_ink_stays_within_the_72_mm_printable_width(image: Image.Image) -> None:
    px_per_mm = image.width / 80
    left, right = ink_columns(image)
    assert left >= 4 * px_per_mm - 1
    assert right <= 76 * px_per_mm + 1


def test_height_is_fitted_to_the_content(image: Image.Image) -> None:
    px_per_mm = image.height / (page_sizes(render_receipt(receipt(), Layout.SLIP80))[0][1] / MM)
    top, bottom = ink_rows(image)
    assert top <= 5 * px_per_mm
    blank_below = (image.height - 1 - bottom) / px_per_mm
    assert 6 <= blank_below <= 10  # the cutter margin, not a tail of empty paper


def test_qr_holds_the_lookup_url_whose_last_segment_is_the_code(image: Image.Image) -> None:
    assert slip_qr_content(receipt()) == URL
    (text,) = decode_bands(image, zxingcpp.BarcodeFormat.QRCode)
    assert text == URL
    assert decode(image, zxingcpp.BarcodeFormat.QRCode) == [URL]  # also in the whole slip
    assert extract_code(text) == CODE


def test_standard_code_gets_no_code128_it_would_not_fit(image: Image.Image) -> None:
    assert decode_bands(image, zxingcpp.BarcodeFormat.Code128) == []


def test_qr_holds_the_url_when_a_scanner_can_find_the_code_in_it() -> None:
    data = receipt(lookup_url=f"https://dvc.example.vn/tra-cuu?ma={CODE}")
    assert slip_qr_content(data) == data.lookup_url


def test_qr_holds_the_bare_code_when_the_url_does_not_carry_it() -> None:
    data = receipt(lookup_url="https://dvc.example.vn/tra-cuu")
    assert slip_qr_content(data) == CODE
    for dpi in (203, 300):
        (page,) = rasterise(render_receipt(data, Layout.SLIP80), dpi)
        assert decode_bands(page, zxingcpp.BarcodeFormat.QRCode) == [CODE]


def test_short_code_also_gets_a_code128() -> None:
    data = receipt(dossier_code=SHORT_CODE, lookup_url=f"https://dvc.example.vn/t/{SHORT_CODE}")
    pdf = render_receipt(data, Layout.SLIP80)
    for dpi in (203, 300):
        (page,) = rasterise(pdf, dpi)
        assert decode_bands(page, zxingcpp.BarcodeFormat.Code128) == [SHORT_CODE]
        left, right = ink_columns(page)
        assert left >= 4 * page.width / 80 - 1 and right <= 76 * page.width / 80 + 1


def test_wording(pdf: bytes) -> None:
    (text,) = page_texts(pdf)
    for expected in (
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "Mã hồ sơ",
        CODE,
        APPLICANT,
        "Quét mã để tra cứu tình trạng hồ sơ",
        "Hẹn trả kết quả: 10 giờ 00 phút, ngày 02 tháng 12 năm 2026",
        "Phí, lệ phí: 50.000 đồng",
        "Trần Văn Hùng",
        "Quảng Ninh, ngày 27 tháng 11 năm 2026",
    ):
        assert expected in text, expected
    assert "BẢN IN LẠI" not in text


def test_no_text_overlaps(pdf: bytes) -> None:
    (boxes,) = text_boxes(pdf)
    assert overlapping(boxes) == []


def test_reprint_is_marked() -> None:
    data = receipt(reprint=True, reprinted_at=datetime(2026, 11, 28, 9, 30))
    (text,) = page_texts(render_receipt(data, Layout.SLIP80))
    assert "BẢN IN LẠI — in lúc 09:30 28/11/2026" in text


def test_thirty_papers_make_a_longer_single_page(pdf: bytes) -> None:
    papers = many_papers(30)
    long_pdf = render_receipt(receipt(papers=papers), Layout.SLIP80)
    ((width, height),) = page_sizes(long_pdf)
    assert width == pytest.approx(80 * MM, abs=0.2)  # 80 mm in whole 203-dpi dots
    assert height > page_sizes(pdf)[0][1] + 200 * MM
    (text,) = page_texts(long_pdf)
    assert all(paper.name in text for paper in papers)
    (boxes,) = text_boxes(long_pdf)
    assert overlapping(boxes) == []
    (page,) = rasterise(long_pdf, 203)
    assert decode_bands(page, zxingcpp.BarcodeFormat.QRCode) == [URL]


def _one_bit(image: Image.Image) -> Image.Image:
    """What a 1-bit thermal printer makes of the page: every pixel black or white."""
    return image.point(lambda v: 0 if v < 128 else 255).convert("1").convert("L")


def test_long_code_gets_a_code128_along_the_roll_at_203_dpi_one_bit(pdf: bytes) -> None:
    (page,) = rasterise(pdf, 203)
    bw = _one_bit(page)
    # Along the roll: zxing-cpp must turn the image to find it; unturned it sees none.
    assert decode(bw, zxingcpp.BarcodeFormat.Code128) == [CODE]
    unturned = zxingcpp.read_barcodes(bw, formats=zxingcpp.BarcodeFormat.Code128, try_rotate=False)
    assert unturned == []
    assert decode(bw, zxingcpp.BarcodeFormat.QRCode) == [URL]
    left, right = ink_columns(page)
    assert left >= 4 * page.width / 80 - 1 and right <= 76 * page.width / 80 + 1


def test_code128_bars_are_whole_two_dot_modules(pdf: bytes) -> None:
    (page,) = rasterise(pdf, 203)
    # The bars run down the right edge; a column through them crosses every bar and space.
    x = page.width - round(6 * page.width / 80)
    column = [page.getpixel((x, y)) for y in range(page.height)]
    start = next(y for y, v in enumerate(column) if v < 128)
    runs: list[tuple[bool, int]] = []
    for is_dark, group in itertools.groupby(v < 128 for v in column[start:]):
        length = len(list(group))
        if not is_dark and length >= 20:  # the quiet zone after the stop pattern
            break
        runs.append((is_dark, length))
    bar_runs = [length for _, length in runs]
    assert sum(is_dark for is_dark, _ in runs) > 50
    assert all(run % 2 == 0 for run in bar_runs), bar_runs
    grey = [v for v in column[start : start + sum(bar_runs)] if 0 < v < 255]
    assert grey == [], "bar edges fall between pixels"
