"""From a stored dossier to the printed receipt a scanner reads back."""

from __future__ import annotations

import zxingcpp
from sqlalchemy import select

from counter_app.auth import system_actor
from counter_app.db.models import AuditEntry, Dossier
from counter_app.domain import Role, SlipKind
from counter_app.intake import ApplicantDraft, DossierDraft
from counter_app.receipts import Layout
from counter_app.verification import check_value, lookup_url, split_scan
from tests.counter_app.receipts.support import decode, decode_bands, page_texts, rasterise

# Who the tests act as: the command line's system actor (an admin).
ACTOR = system_actor()


def _receive(services, clerk=ACTOR) -> str:  # type: ignore[no-untyped-def]
    draft = DossierDraft(
        procedure_code="2.000908",
        applicant=ApplicantDraft("Nguyễn Văn Đức", "022090001234", address="Hạ Long"),
    )
    return services.intake.receive(draft, clerk=clerk).code


def test_a4_receipt_of_a_stored_dossier_decodes(services) -> None:  # type: ignore[no-untyped-def]
    clerk = services.auth.create_user("hung", "Trần Văn Hùng", "matkhau123", Role.CLERK, by=ACTOR)
    code = _receive(services, clerk)
    pdf = services.receipts.receipt_pdf(code, by=ACTOR)
    pages = rasterise(pdf, 203)
    assert len(pages) == 2
    with services.db.read() as s:
        uuid = s.scalar(select(Dossier.uuid).where(Dossier.code == code))
    for page in pages:
        assert decode(page, zxingcpp.BarcodeFormat.Code128) == [code]
        [qr] = decode(page, zxingcpp.BarcodeFormat.QRCode)
        # The QR carries the verification value the server checks before showing the name.
        assert qr == lookup_url(services.settings.lookup_base_url, code, uuid)
        scanned_code, value = split_scan(qr)
        assert scanned_code == code and check_value(uuid, code, value)
    text = page_texts(pdf)[0]
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert "Nguyễn Văn Đức" in text and "Trần Văn Hùng" in text
    assert "100.000" in text
    assert "BẢN IN LẠI" not in text


def test_slip_reprint_is_marked_and_audited(services) -> None:  # type: ignore[no-untyped-def]
    code = _receive(services)
    pdf = services.receipts.receipt_pdf(code, Layout.SLIP80, reprint=True, by=ACTOR)
    assert "BẢN IN LẠI" in page_texts(pdf)[0]
    (page,) = rasterise(pdf, 203)
    found = decode_bands(page, zxingcpp.BarcodeFormat.QRCode)
    assert any(split_scan(value)[0] == code for value in found)
    with services.db.read() as s:
        actions = s.scalars(select(AuditEntry.action)).all()
    assert "receipt.reprint" in actions


def test_supplement_and_refusal_slips(services) -> None:  # type: ignore[no-untyped-def]
    applicant = {"name": "Nguyễn Văn Đức", "id_number": "022090001234"}
    supplement = services.dossiers.issue_slip(
        SlipKind.SUPPLEMENT,
        procedure_code="2.000908",
        applicant=applicant,
        items=["Bản sao giấy tờ pháp lý của cá nhân"],
        reason="",
        clerk=ACTOR,
    )
    text = page_texts(services.receipts.slip_pdf(supplement.uuid, by=ACTOR))[0]
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text
    assert "Bản sao giấy tờ pháp lý của cá nhân" in text
    refusal = services.dossiers.issue_slip(
        SlipKind.REFUSAL,
        procedure_code="2.000908",
        applicant=applicant,
        items=[],
        reason="Hồ sơ không thuộc thẩm quyền giải quyết",
        clerk=ACTOR,
    )
    text = page_texts(services.receipts.slip_pdf(refusal.uuid, by=ACTOR))[0]
    assert "TỪ CHỐI" in text
    assert "không thuộc thẩm quyền" in text
