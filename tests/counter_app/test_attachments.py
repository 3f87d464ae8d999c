"""Digitised papers: real PDFs and images checked, stored once by hash, listed with the dossier."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from counter_app.attachments import AttachmentError, inspect_file
from counter_app.auth import UserInfo
from counter_app.db.models import AuditEntry, DossierFile
from counter_app.domain import Role
from counter_app.intake import ApplicantDraft, DossierDraft
from tests.helpers.samples import pdf_bytes, png_bytes, tiff_bytes

CLERK = UserInfo(None, "canbo", "Trần Thị Bình", Role.CLERK)  # no account row needed


@pytest.fixture
def code(services) -> str:  # type: ignore[no-untyped-def]
    draft = DossierDraft(
        procedure_code="2.000908",
        applicant=ApplicantDraft(name="Nguyễn Văn Đức", id_number="022090001234"),
    )
    return str(services.intake.receive(draft, clerk=CLERK).code)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_pdf_and_image_pages_are_counted_and_hashed() -> None:
    pdf = pdf_bytes(3)
    check = inspect_file(pdf, "don.pdf")
    assert (check.mime, check.pages, check.size) == ("application/pdf", 3, len(pdf))
    assert check.sha256 == hashlib.sha256(pdf).hexdigest()
    assert inspect_file(png_bytes(), "a.png").pages == 1
    tiff = inspect_file(tiff_bytes(4), "b.tiff")
    assert (tiff.mime, tiff.pages) == ("image/tiff", 4)


def test_attach_stores_bytes_once_by_hash_and_lists_them(services, code, tmp_path) -> None:  # type: ignore[no-untyped-def]
    pdf = pdf_bytes(2)
    first = services.attachments.attach(
        code, "gdn", [write(tmp_path, "giấy đề nghị.pdf", pdf)], by=CLERK
    )
    again = services.attachments.attach(code, "GDN", [write(tmp_path, "lai.pdf", pdf)], by=CLERK)
    assert [f.uuid for f in again] == [f.uuid for f in first]  # the same file twice is one row
    sha = hashlib.sha256(pdf).hexdigest()
    unit = code.rsplit("-", 2)[0]
    stored = services.settings.paths.files_dir / unit / sha[:2] / sha
    assert stored.read_bytes() == pdf
    assert services.attachments.content(code, sha) == pdf
    services.attachments.attach(code, "CCCD", [write(tmp_path, "cccd.png", png_bytes())], by=CLERK)
    listed = services.attachments.files(code)
    assert [(f.paper, f.name, f.pages) for f in listed] == [
        ("CCCD", "cccd.png", 1),
        ("GDN", "giấy đề nghị.pdf", 2),
    ]
    assert listed[1].digitised_by == "Trần Thị Bình"
    with services.db.read() as s:
        assert s.scalar(select(func.count()).select_from(DossierFile)) == 2
        actions = s.scalars(select(AuditEntry.action)).all()
        assert actions.count("dossier.attach") == 3


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("hong.pdf", b"%PDF-1.7\n1 0 obj garbage\n%%EOF", "PDF"),
        ("cat-ngang.png", png_bytes("red")[:300], "hỏng"),
        ("van-ban.txt", "không phải ảnh".encode(), "không phải ảnh"),
        ("rong.pdf", b"", "rỗng"),
    ],
)
def test_a_corrupt_file_is_refused_by_name_and_nothing_else_is_lost(  # type: ignore[no-untyped-def]
    services, code, tmp_path, name, data, words
) -> None:
    good = write(tmp_path, "tot.pdf", pdf_bytes(1))
    services.attachments.attach(code, "GDN", [good], by=CLERK)
    with pytest.raises(AttachmentError) as exc:
        services.attachments.attach(
            code,
            "CCCD",
            [write(tmp_path, "khac.png", png_bytes()), write(tmp_path, name, data)],
            by=CLERK,
        )
    assert name in str(exc.value) and words in str(exc.value)
    # the whole call attached nothing; the earlier file is intact
    assert [(f.paper, f.name) for f in services.attachments.files(code)] == [("GDN", "tot.pdf")]


def test_a_file_over_the_limit_is_refused_before_anything_is_stored(  # type: ignore[no-untyped-def]
    services, code, tmp_path
) -> None:
    services.attachments._max_bytes = 100_000
    big = write(tmp_path, "to.png", Image.effect_noise((600, 600), 80).tobytes() + b"x")
    with pytest.raises(AttachmentError, match="vượt giới hạn"):
        services.attachments.attach(code, "GDN", [big], by=CLERK)
    assert not services.settings.paths.files_dir.exists() or not any(
        p.is_file() for p in services.settings.paths.files_dir.rglob("*")
    )


def test_unknown_dossier_or_paper_is_named(services, code, tmp_path) -> None:  # type: ignore[no-untyped-def]
    f = write(tmp_path, "a.pdf", pdf_bytes(1))
    with pytest.raises(AttachmentError, match="không có giấy tờ mã «XYZ»"):
        services.attachments.attach(code, "xyz", [f], by=CLERK)
    with pytest.raises(AttachmentError, match="Không tìm thấy hồ sơ"):
        services.attachments.attach("000.00.00.H49-261127-9999", "GDN", [f], by=CLERK)
    with pytest.raises(AttachmentError, match="Không tìm thấy tệp"):
        services.attachments.attach(code, "GDN", [tmp_path / "missing.pdf"], by=CLERK)


def test_a_tampered_stored_file_is_detected(services, code, tmp_path) -> None:  # type: ignore[no-untyped-def]
    pdf = pdf_bytes(1)
    services.attachments.attach(code, "GDN", [write(tmp_path, "a.pdf", pdf)], by=CLERK)
    sha = hashlib.sha256(pdf).hexdigest()
    stored = next(services.settings.paths.files_dir.rglob(sha))
    stored.write_bytes(pdf + b"tampered")
    with pytest.raises(AttachmentError, match="bị thay đổi"):
        services.attachments.content(code, sha)
