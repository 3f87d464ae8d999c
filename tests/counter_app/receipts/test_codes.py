"""Code128 and QR drawing: whole printer dots, pixel-exact at 203 dpi, decodable at 203 and 300."""

from __future__ import annotations

import io

import barcode
import pytest
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from reportlab.pdfgen.canvas import Canvas

from counter_app.dossier_codes import extract_code
from counter_app.receipts import code128_modules
from counter_app.receipts.codes import (
    DOT,
    MIN_BAR_DOTS,
    QR_QUIET_MODULES,
    QUIET_MODULES,
    DotPath,
    code128_path,
    code128_width,
    qr_for,
    qr_matrix,
    qr_module_dots,
)

from .support import CODE, URL, decode, rasterise

STOP = "1100011101011"


def _page_with(path: DotPath, x_dots: int, y_dots: int) -> bytes:
    """A page a whole number of dots in size (so 203-dpi pixels are dots) holding one symbol."""
    # A hair under whole dots: pdfium rounds the bitmap size up and then stretches the page to it.
    width = (path.width_dots + 2 * x_dots - 0.01) * DOT
    height = (path.height_dots + 2 * y_dots - 0.01) * DOT
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(width, height))
    canvas.translate(0, height)  # the top-down convention of the receipts' layout engine
    # A position off the dot grid: drawing snaps it.
    path.draw(canvas, x_dots * DOT + 0.3 * DOT, y_dots * DOT - 0.4 * DOT)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def test_code128_modules_is_python_barcodes_pattern() -> None:
    modules = code128_modules(CODE)
    assert modules == barcode.get_barcode_class("code128")(CODE).build()[0]
    assert set(modules) == {"0", "1"}
    assert modules.endswith(STOP)
    assert len(modules) == 288  # NOTES.md: too wide for the 72 mm slip at 2 dots a module


@pytest.mark.parametrize("bad", ["", "Mã hồ sơ", "a\tb"])
def test_code128_refuses_what_it_cannot_encode(bad: str) -> None:
    with pytest.raises(ValueError, match="Code128"):
        code128_modules(bad)


def test_code128_width_counts_quiet_zones_in_whole_dots() -> None:
    modules = code128_modules(CODE)
    assert code128_width(modules) == pytest.approx((288 + 2 * QUIET_MODULES) * 2 * DOT)
    path = code128_path(modules, 9 * 72 / 25.4)
    assert path.width_dots == (288 + 2 * QUIET_MODULES) * MIN_BAR_DOTS
    assert path.width == pytest.approx(code128_width(modules))


def _crisp(value: int) -> bool:
    """Black or white, give or take float rounding (a half-covered pixel would be ~128)."""
    return value <= 8 or value >= 247


def _row_modules(image: Image.Image, y: int, start: int, count: int, size: int) -> str:
    return "".join(
        "1" if image.getpixel((start + i * size + size // 2, y)) < 128 else "0"
        for i in range(count)
    )


def test_code128_is_pixel_exact_at_203_dpi() -> None:
    modules = code128_modules(CODE)
    path = code128_path(modules, 8 * 72 / 25.4)
    image = rasterise(_page_with(path, 5, 5), 203)[0]
    assert image.size == (path.width_dots + 10, path.height_dots + 10)
    row = 5 + path.height_dots // 2
    values = [image.getpixel((x, row)) for x in range(image.width)]
    assert all(_crisp(v) for v in values), "bar edges fall on dot boundaries: no grey pixels"
    left = 5 + QUIET_MODULES * MIN_BAR_DOTS
    assert _row_modules(image, row, left, len(modules), MIN_BAR_DOTS) == modules
    assert decode(image, zxingcpp.BarcodeFormat.Code128) == [CODE]


def test_qr_is_pixel_exact_at_203_dpi() -> None:
    matrix = qr_matrix(URL)
    dots = 3
    qr = qr_for(URL, (len(matrix) + 2 * QR_QUIET_MODULES) * dots * DOT)
    assert qr.width_dots == (len(matrix) + 2 * QR_QUIET_MODULES) * dots
    image = rasterise(_page_with(qr, 4, 4), 203)[0]
    origin = 4 + QR_QUIET_MODULES * dots
    for r, row in enumerate(matrix):
        expected = "".join("1" if bit else "0" for bit in row)
        assert _row_modules(image, origin + r * dots + 1, origin, len(row), dots) == expected
    assert all(_crisp(value) for _, value in image.getcolors(256) or [])
    assert decode(image, zxingcpp.BarcodeFormat.QRCode) == [URL]


def test_qr_module_is_whole_dots_within_target() -> None:
    matrix = qr_matrix(URL)
    target = 26 * 72 / 25.4
    dots = qr_module_dots(len(matrix), target)
    assert (len(matrix) + 2 * QR_QUIET_MODULES) * dots * DOT <= target
    assert (len(matrix) + 2 * QR_QUIET_MODULES) * (dots + 1) * DOT > target
    assert qr_module_dots(len(matrix), 1.0) == MIN_BAR_DOTS


CODES = st.builds(
    "{}-{:02d}{:02d}{:02d}-{:04d}".format,
    st.sampled_from(["000.00.00.H49", "H49.22", "000.00.22.H49", "G12.3.45"]),
    st.integers(20, 99),
    st.integers(1, 12),
    st.integers(1, 28),
    st.integers(0, 9999),
)


@settings(max_examples=25, deadline=None)
@given(CODES, st.sampled_from([203, 300]))
def test_any_dossier_code_round_trips_through_code128(code: str, dpi: int) -> None:
    path = code128_path(code128_modules(code), 8 * 72 / 25.4)
    image = rasterise(_page_with(path, 3, 3), dpi)[0]
    assert decode(image, zxingcpp.BarcodeFormat.Code128) == [code]


@settings(max_examples=25, deadline=None)
@given(CODES, st.sampled_from([203, 300]))
def test_any_lookup_url_round_trips_through_qr(code: str, dpi: int) -> None:
    url = f"https://dvc.example.vn/tra-cuu/{code}"
    image = rasterise(_page_with(qr_for(url, 25 * 72 / 25.4), 2, 2), dpi)[0]
    (text,) = decode(image, zxingcpp.BarcodeFormat.QRCode)
    assert text == url
    assert extract_code(text) == code


@pytest.mark.parametrize(
    ("scanned", "code"),
    [
        (CODE, CODE),
        (f"  {CODE}\r\n", CODE),
        (URL, CODE),
        (URL + "/", CODE),
        (URL + "?lang=vi#top", CODE),
        ("https://dvc.example.vn/tra-cuu/H49.22-261127-0001", "H49.22-261127-0001"),
        ("https://dvc.example.vn/a%20b/000.00.00.H49-261127-0001", CODE),
        ("https://dvc.example.vn/", None),
    ],
)
def test_code_from_scan(scanned: str, code: str | None) -> None:
    assert extract_code(scanned) == code
