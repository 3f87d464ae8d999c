"""Shared builders and PDF helpers for the receipts tests: real PDFs, rasterised and decoded."""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import pypdfium2 as pdfium
import zxingcpp
from PIL import Image
from pypdf import PdfReader, mult
from reportlab.pdfbase.pdfmetrics import stringWidth

from counter_app.receipts import (
    MissingPaper,
    ReceiptData,
    ReceiptPaper,
    RefusalData,
    SupplementRequestData,
    fonts,
)

MM = 72 / 25.4
CODE = "000.00.00.H49-261127-0001"
URL = f"https://dichvucong.quangninh.gov.vn/tra-cuu/{CODE}"
AGENCY = "UBND TỈNH QUẢNG NINH\nTRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG TỈNH"
APPLICANT = "Nguyễn Thị Thuỷ"


def receipt(**changes: Any) -> ReceiptData:
    """A realistic receipt; keyword arguments replace fields."""
    data = ReceiptData(
        agency_name=AGENCY,
        place="Quảng Ninh",
        dossier_code=CODE,
        received_at=datetime(2026, 11, 27, 8, 5),
        appointment_at=datetime(2026, 12, 2, 10, 0),
        applicant_name=APPLICANT,
        applicant_id_number="022301004567",
        applicant_address="Số 12, tổ 3, khu 5, phường Hồng Gai, tỉnh Quảng Ninh",
        applicant_phone="0912 345 678",
        applicant_email="thuy.nguyen@example.vn",
        procedure_code="1.001612",
        procedure_name="Cấp giấy chứng nhận đăng ký hộ kinh doanh",
        papers=(
            ReceiptPaper("Giấy đề nghị đăng ký hộ kinh doanh", 1, 0),
            ReceiptPaper("Bản sao Căn cước công dân của chủ hộ kinh doanh", 0, 1),
            ReceiptPaper(
                "Văn bản ủy quyền cho cá nhân có thẩm quyền thực hiện thủ tục đăng ký hộ "
                "kinh doanh (trường hợp ủy quyền)",
                1,
                0,
            ),
        ),
        processing_time_text="03 ngày làm việc",
        fee=50_000,
        result_delivery_text="Tại Bộ phận tiếp nhận và trả kết quả, quầy số 3",
        clerk_name="Trần Văn Hùng",
        counter_label="Quầy số 3",
        lookup_url=URL,
        register_book="05",
        register_seq=123,
    )
    return replace(data, **changes)


def many_papers(count: int) -> tuple[ReceiptPaper, ...]:
    """`count` papers with long, distinct names (two to four lines each in the table)."""
    filler = (
        "Bản sao có chứng thực giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và tài sản "
        "khác gắn liền với đất "
    )
    return tuple(
        ReceiptPaper(f"Giấy tờ thứ {i}: {filler * (1 + i % 3)}kèm bản vẽ số {i:03d}", i % 2, 1)
        for i in range(1, count + 1)
    )


def supplement(**changes: Any) -> SupplementRequestData:
    """A realistic Mẫu 02; keyword arguments replace fields."""
    data = SupplementRequestData(
        agency_name=AGENCY,
        place="Quảng Ninh",
        requested_at=datetime(2026, 11, 27, 9, 5),
        applicant_name=APPLICANT,
        applicant_id_number="022301004567",
        applicant_address="Phường Hồng Gai, tỉnh Quảng Ninh",
        applicant_phone="0912345678",
        procedure_code="1.001612",
        procedure_name="Cấp giấy chứng nhận đăng ký hộ kinh doanh",
        missing_papers=(
            MissingPaper("Bản sao Căn cước công dân của chủ hộ", "Bản sao không rõ số định danh"),
            MissingPaper("Giấy đề nghị đăng ký hộ kinh doanh", "Thiếu chữ ký của chủ hộ"),
        ),
        clerk_name="Trần Văn Hùng",
        counter_label="Quầy số 3",
        contact_phone="0203 3888 999",
        dossier_code=CODE,
    )
    return replace(data, **changes)


def refusal(**changes: Any) -> RefusalData:
    """A realistic refusal slip; keyword arguments replace fields."""
    data = RefusalData(
        agency_name=AGENCY,
        place="Quảng Ninh",
        refused_at=datetime(2026, 11, 27, 9, 5),
        applicant_name=APPLICANT,
        procedure_code="1.001612",
        procedure_name="Cấp giấy chứng nhận đăng ký hộ kinh doanh",
        reasons=(
            "Thủ tục không thuộc thẩm quyền giải quyết của cơ quan.",
            "Ngành nghề đăng ký thuộc danh mục ngành nghề cấm đầu tư kinh doanh.",
        ),
        clerk_name="Trần Văn Hùng",
        counter_label="Quầy số 3",
    )
    return replace(data, **changes)


def nfd(text: str) -> str:
    """Decomposed form: what some keyboards and copy-pastes produce."""
    return unicodedata.normalize("NFD", text)


def page_texts(pdf: bytes) -> list[str]:
    """Each page's extracted text with runs of whitespace collapsed to one space."""
    reader = PdfReader(io.BytesIO(pdf))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    """(width, height) in points of each page."""
    reader = PdfReader(io.BytesIO(pdf))
    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]


def rasterise(pdf: bytes, dpi: int) -> list[Image.Image]:
    """Every page as a greyscale image at `dpi`, composited on white."""
    document = pdfium.PdfDocument(pdf)
    images = []
    try:
        for index in range(len(document)):
            bitmap = document[index].render(scale=dpi / 72, fill_color=(255, 255, 255, 255))
            image = bitmap.to_pil()
            if image.mode in ("RGBA", "LA"):
                white = Image.new("RGBA", image.size, (255, 255, 255, 255))
                image = Image.alpha_composite(white, image.convert("RGBA"))
            images.append(image.convert("L"))
    finally:
        document.close()
    return images


def decode(image: Image.Image, fmt: zxingcpp.BarcodeFormat) -> list[str]:
    """Texts of the barcodes of one format zxing-cpp finds in the image."""
    return [result.text for result in zxingcpp.read_barcodes(image, formats=fmt)]


def ink_columns(image: Image.Image, threshold: int = 200) -> tuple[int, int]:
    """Leftmost and rightmost pixel column holding any ink."""
    box = image.point(lambda v: 255 if v < threshold else 0).getbbox()
    assert box is not None, "blank page"
    return box[0], box[2] - 1


def ink_rows(image: Image.Image, threshold: int = 200) -> tuple[int, int]:
    """Topmost and bottommost pixel row holding any ink."""
    box = image.point(lambda v: 255 if v < threshold else 0).getbbox()
    assert box is not None, "blank page"
    return box[1], box[3] - 1


# PostScript names of the bundled faces as they appear (after the subset tag) in the PDF.
_FACES = {
    "LiberationSerif": fonts.SERIF,
    "LiberationSerif-Bold": fonts.SERIF_BOLD,
    "LiberationSerif-Italic": fonts.SERIF_ITALIC,
    "LiberationSerif-BoldItalic": fonts.SERIF_BOLD_ITALIC,
    "NotoSans-Regular": fonts.SANS,
    "NotoSans-Bold": fonts.SANS_BOLD,
    "NotoSans-Italic": fonts.SANS_ITALIC,
}


@dataclass(frozen=True)
class TextBox:
    """Where one drawn string sits on the page (points, y up), from its font's real widths."""

    text: str
    font: str
    left: float
    right: float
    bottom: float
    top: float

    def overlaps(self, other: TextBox, slack: float = 0.5) -> bool:
        return (
            self.left + slack < other.right
            and other.left + slack < self.right
            and self.bottom + slack < other.top
            and other.bottom + slack < self.top
        )


def text_boxes(pdf: bytes) -> list[list[TextBox]]:
    """Every drawn string of every page with its box (accents above, descenders below)."""
    reader = PdfReader(io.BytesIO(pdf))
    pages: list[list[TextBox]] = []
    for page in reader.pages:
        boxes: list[TextBox] = []

        def visit(
            text: str, cm: list[float], tm: list[float], font: Any, size: float, into=boxes
        ) -> None:
            if not text.strip() or font is None:
                return
            base = str(font["/BaseFont"]).lstrip("/").split("+")[-1]
            assert base in _FACES, f"text drawn in an unbundled font: {base} ({text!r})"
            matrix = mult(tm, cm)
            x, y = matrix[4], matrix[5]
            scale = (matrix[0] ** 2 + matrix[1] ** 2) ** 0.5
            size_pt = size * scale
            width = stringWidth(text.strip("\n"), _FACES[base], size_pt)
            # Vietnamese capitals with stacked accents reach ~0.9 em; descenders ~0.2 em.
            into.append(
                TextBox(text.strip(), base, x, x + width, y - 0.2 * size_pt, y + 0.9 * size_pt)
            )

        page.extract_text(visitor_text=visit)
        pages.append(boxes)
    return pages


def overlapping(boxes: list[TextBox]) -> list[tuple[str, str]]:
    """Pairs of strings drawn over each other."""
    return [(a.text, b.text) for i, a in enumerate(boxes) for b in boxes[i + 1 :] if a.overlaps(b)]


def decode_bands(image: Image.Image, fmt: zxingcpp.BarcodeFormat, band: int = 800) -> list[str]:
    """Distinct barcode texts found scanning the image in overlapping horizontal bands.

    zxing-cpp misses a 2-dot Code128 in a whole 80 mm slip (a tall, narrow image: ~1900 px at
    203 dpi) that it reads in any band around it; a kiosk scanner also sees only a patch.
    """
    found: list[str] = []
    for top in range(0, max(1, image.height - band // 2), band // 2):
        for text in decode(image.crop((0, top, image.width, min(image.height, top + band))), fmt):
            if text not in found:
                found.append(text)
    return found
