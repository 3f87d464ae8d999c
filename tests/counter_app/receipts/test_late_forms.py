"""Mẫu 04, 05 and 06: real PDFs, rasterised, their barcode decoded and their key text read back."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest
import zxingcpp

from counter_app.printing import timeliness
from counter_app.receipts.late_forms import (
    ApologyData,
    ControlSlipData,
    HandOffRow,
    LetterParty,
    StopNoticeData,
    render_apology,
    render_control_slip,
    render_stop_notice,
)
from tests.counter_app.receipts.support import (
    AGENCY,
    APPLICANT,
    CODE,
    decode,
    nfd,
    page_sizes,
    page_texts,
    rasterise,
)

PARTY = LetterParty(
    agency_name="UBND TỈNH QUẢNG NINH\nTRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG TỈNH QUẢNG NINH",
    place="Quảng Ninh",
    issued_at=datetime(2026, 12, 1, 10, 30),
    dossier_code=CODE,
    applicant_name=APPLICANT,
    applicant_address="Số 12, tổ 3, khu 5, phường Hồng Gai, tỉnh Quảng Ninh",
    applicant_phone="0912345678",
    procedure_code="1.001612",
    procedure_name="Cấp giấy chứng nhận đăng ký hộ kinh doanh",
    received_at=datetime(2026, 11, 27, 8, 5),
)
A4 = (595.28, 841.89)


def _one_a4_page_with_code(pdf: bytes) -> str:
    assert [tuple(round(x, 2) for x in size) for size in page_sizes(pdf)] == [A4]
    (image,) = rasterise(pdf, 200)
    assert decode(image, zxingcpp.BarcodeFormat.Code128) == [CODE]
    (text,) = page_texts(pdf)
    return text


def test_mau_04_apology_and_new_appointment() -> None:
    pdf = render_apology(
        ApologyData(
            party=PARTY,
            previous_appointment=datetime(2026, 12, 2, 10, 0),
            new_appointment=datetime(2026, 12, 4, 10, 0),
            reason=nfd("Cần lấy ý kiến của Phòng Tài chính - Kế hoạch về ngành nghề kinh doanh"),
        )
    )
    text = _one_a4_page_with_code(pdf)
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Quảng Ninh, ngày 01 tháng 12 năm 2026",
        "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT",
        f"Mã hồ sơ: {CODE}",
        f"Kính gửi: Ông/Bà {APPLICANT}",
        "Ngày 27 tháng 11 năm 2026, Trung tâm phục vụ hành chính công tỉnh Quảng Ninh tiếp nhận",
        "đã hẹn: 10 giờ 00 phút, ngày 02 tháng 12 năm 2026",
        "Lý do: Cần lấy ý kiến của Phòng Tài chính - Kế hoạch về ngành nghề kinh doanh.",
        "xin lỗi Ông/Bà",
        "sẽ được trả cho Ông/Bà vào: 10 giờ 00 phút, ngày 04 tháng 12 năm 2026",
        "Nơi nhận:",
        "THỦ TRƯỞNG CƠ QUAN",
    ):
        assert expected in text, expected


def test_mau_05_stop_notice() -> None:
    pdf = render_stop_notice(
        StopNoticeData(
            party=PARTY,
            appointment=datetime(2026, 12, 2, 10, 0),
            stopped_at=datetime(2026, 12, 1, 10, 30),
            reason="Người nộp hồ sơ có văn bản đề nghị dừng giải quyết.",
        )
    )
    text = _one_a4_page_with_code(pdf)
    for expected in (
        "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ",
        f"Kính gửi: Ông/Bà {APPLICANT}",
        "hẹn trả kết quả: 10 giờ 00 phút, ngày 02 tháng 12 năm 2026",
        "dừng giải quyết hồ sơ nêu trên kể từ 10 giờ 30 phút, ngày 01 tháng 12 năm 2026",
        "Lý do dừng giải quyết: Người nộp hồ sơ có văn bản đề nghị dừng giải quyết.",
        "THỦ TRƯỞNG CƠ QUAN",
    ):
        assert expected in text, expected
    assert "giải quyết.." not in text


CONTROL = ControlSlipData(
    agency_name=AGENCY,
    place="Quảng Ninh",
    printed_at=datetime(2026, 12, 7, 9, 0),
    dossier_code=CODE,
    applicant_name=APPLICANT,
    procedure_code="1.001612",
    procedure_name="Cấp giấy chứng nhận đăng ký hộ kinh doanh",
    received_at=datetime(2026, 11, 27, 8, 5),
    appointment_at=datetime(2026, 12, 4, 10, 0),
    original_appointment_at=datetime(2026, 12, 2, 10, 0),
    processing_unit="Phòng Tài chính - Kế hoạch",
    hand_offs=(
        HandOffRow(
            "Bộ phận tiếp nhận và trả kết quả",
            "Phòng Tài chính - Kế hoạch",
            datetime(2026, 11, 27, 14, 0),
            "Trước hạn",
        ),
        HandOffRow(
            "Phòng Tài chính - Kế hoạch",
            "Bộ phận tiếp nhận và trả kết quả",
            datetime(2026, 12, 4, 9, 0),
            "Đúng hạn",
            "Người thực hiện: Lê Văn Bình",
        ),
    ),
    appointment_notes=("Gia hạn ngày 01/12/2026: hẹn trả 10:00 02/12/2026 → 10:00 04/12/2026.",),
)


def test_mau_06_control_slip_lists_each_hand_over() -> None:
    text = _one_a4_page_with_code(render_control_slip(CONTROL))
    for expected in (
        "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
        f"(Kèm theo hồ sơ của: {APPLICANT})",
        "Ngày hẹn trả kết quả: 10 giờ 00 phút, ngày 02 tháng 12 năm 2026",
        "Ngày hẹn trả sau gia hạn: 10 giờ 00 phút, ngày 04 tháng 12 năm 2026",
        "Cơ quan (bộ phận) giải quyết hồ sơ: Phòng Tài chính - Kế hoạch",
        "TÊN CƠ QUAN, BỘ PHẬN",
        "KẾT QUẢ GIẢI QUYẾT HỒ SƠ",
        "1. Giao: Bộ phận tiếp nhận và trả kết quả Nhận: Phòng Tài chính - Kế hoạch",
        "14 giờ 00 phút, ngày 27 tháng 11 năm 2026",
        "Trước hạn",
        "2. Giao: Phòng Tài chính - Kế hoạch Nhận: Bộ phận tiếp nhận và trả kết quả",
        "Đúng hạn",
        "Người thực hiện: Lê Văn Bình",
        "3. Giao: Bộ phận tiếp nhận và trả kết quả Nhận: …",  # room for the next, by hand
        "Gia hạn ngày 01/12/2026",
    ):
        assert expected in text, expected


def test_a_long_history_flows_onto_a_page_that_repeats_the_code() -> None:
    rows = tuple(
        HandOffRow(f"Đơn vị {i}", f"Đơn vị {i + 1}", datetime(2026, 11, 27 + i % 3, 9), "Quá hạn")
        for i in range(14)
    )
    pdf = render_control_slip(replace(CONTROL, hand_offs=rows))
    texts = page_texts(pdf)
    assert len(texts) >= 2
    assert f"{CODE} (tiếp theo)" in texts[1]
    assert "TÊN CƠ QUAN, BỘ PHẬN" in texts[1]  # the table header is repeated
    assert "14. Giao: Đơn vị 13" in " ".join(texts)


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (datetime(2026, 12, 1, 16, 0), "Trước hạn"),
        (datetime(2026, 12, 2, 8, 0), "Đúng hạn"),
        (datetime(2026, 12, 2, 10, 0), "Đúng hạn"),
        (datetime(2026, 12, 2, 10, 1), "Quá hạn"),
    ],
)
def test_timeliness_against_the_appointment(at: datetime, expected: str) -> None:
    assert timeliness(at, datetime(2026, 12, 2, 10, 0)) == expected
