"""Digitised papers at intake, on a real SQLite file: files saved with the dossier in one
transaction, the catalog's must-digitise papers (a reason when the scanner is down, seen by the
supervisor until the scan is attached), and the server's file limit heard from a real server on
127.0.0.1 before anything is saved."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from counter_app.attachments import AttachmentError, StagedFile
from counter_app.auth import UserInfo
from counter_app.db.models import AuditEntry, Dossier, DossierFile
from counter_app.domain import Channel, Role
from counter_app.file_limit import mb, server_limit
from counter_app.intake import ApplicantDraft, DossierDraft, ValidationError
from counter_app.settings import SyncSettings
from tests.helpers.ref_server import ref_server
from tests.helpers.samples import noisy_png, pdf_bytes

CLERK = UserInfo(None, "canbo", "Trần Thị Bình", Role.CLERK)
LAND = "1.013831"  # DDK, HD, GCN must be digitised in the bundled catalog


@pytest.fixture
def land(services: Any) -> Any:
    services.catalog.load_file()  # the bundled catalog, with its "digitise" flags
    return services


def draft(**kw: Any) -> DossierDraft:
    return DossierDraft(
        procedure_code=kw.pop("procedure", LAND),
        applicant=ApplicantDraft(name="Phạm Thị Lan", id_number="022090001234"),
        **kw,
    )


def stage_all(services: Any) -> list[StagedFile]:
    info = services.catalog.get(LAND)
    names = {p.code: p.name for p in info.papers}
    return [
        services.attachments.stage(code, names[code], pdf_bytes(n, code), f"{code.lower()}.pdf")
        for code, n in (("DDK", 2), ("HD", 3), ("GCN", 1))
    ]


def count(services: Any, model: Any) -> int:
    with services.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_the_catalog_marks_papers_to_digitise(land: Any) -> None:
    info = land.catalog.get(LAND)
    assert [p.code for p in info.digitised_papers] == ["DDK", "HD", "GCN"]
    assert not land.catalog.get("1.001193").digitised_papers  # civil status: entered, not scanned


def test_staged_files_are_saved_with_the_dossier(land: Any) -> None:
    staged = stage_all(land)
    received = land.intake.receive(draft(files=staged), clerk=CLERK)
    files = land.attachments.files(received.code)
    assert sorted((f.paper, f.name, f.pages) for f in files) == [
        ("DDK", "ddk.pdf", 2),
        ("GCN", "gcn.pdf", 1),
        ("HD", "hd.pdf", 3),
    ]
    assert {f.digitised_by for f in files} == {"Trần Thị Bình"}
    assert land.attachments.undigitised(received.code, by=CLERK) == []
    # The bytes are in the store, read back hash-checked.
    data = land.attachments.content(received.code, staged[1].sha256)
    assert hashlib.sha256(data).hexdigest() == staged[1].sha256 and len(data) == staged[1].size
    with land.db.read() as s:
        detail = s.scalars(
            select(AuditEntry.detail).where(AuditEntry.action == "dossier.receive")
        ).one()
    assert len(detail["files"]) == 3


def test_a_must_digitise_paper_without_a_file_needs_a_reason(land: Any) -> None:
    staged = stage_all(land)[:1]  # only DDK scanned; HD and GCN handed in on paper
    with pytest.raises(ValidationError) as caught:
        land.intake.receive(draft(files=staged), clerk=CLERK)
    assert caught.value.fields == ("undigitised_reason",)
    message = str(caught.value)
    assert message.startswith("Lý do chưa số hóa: ")
    assert "«HD — " in message and "«GCN — " in message and "DDK" not in message
    assert count(land, Dossier) == 0 and count(land, DossierFile) == 0

    received = land.intake.receive(
        draft(files=staged, undigitised_reason="Máy quét hỏng"), clerk=CLERK
    )
    (todo,) = land.attachments.undigitised(by=CLERK)
    assert todo.code == received.code and todo.reason == "Máy quét hỏng"
    assert [c for c, _ in todo.papers] == ["HD", "GCN"]
    # The code was not used up by the refused save.
    assert received.code.endswith("-0001")

    # Scanned later (the scanner is back): the dossier drops off the supervisor's list.
    land.attachments.attach_checked(
        received.code,
        "HD",
        [(land.attachments.check(pdf_bytes(1), "hd.pdf", "HD"), pdf_bytes(1))],
        by=CLERK,
    )
    (todo,) = land.attachments.undigitised(by=CLERK)
    assert [c for c, _ in todo.papers] == ["GCN"]


def test_the_rule_is_for_walk_ins_and_papers_handed_in(land: Any) -> None:
    # Not handed in: nothing to scan (the missing-paper rule speaks instead).
    received = land.intake.receive(
        draft(papers=[], missing_reason="Bổ sung sau", files=()), clerk=CLERK
    )
    assert land.attachments.undigitised(received.code, by=CLERK) == []
    # An online dossier arrives digital.
    online = land.intake.receive(
        replace(draft(), channel=Channel.ONLINE, uuid="1b4e28ba-2fa1-11d2-883f-0016d3cca427"),
        clerk=CLERK,
    )
    assert online.code


def test_a_file_on_a_paper_not_ticked_is_refused(land: Any) -> None:
    staged = stage_all(land)
    with pytest.raises(ValidationError) as caught:
        land.intake.receive(
            draft(papers=["DDK", "GCN"], files=staged, missing_reason="Thiếu hợp đồng"),
            clerk=CLERK,
        )
    assert "«HD — " in str(caught.value) and "«hd.pdf»" in str(caught.value)
    assert count(land, Dossier) == 0


def test_a_staged_file_gone_from_the_store_is_named_and_nothing_saved(land: Any) -> None:
    staged = stage_all(land)
    unit = land.intake.unit_identifier()
    land.attachments.store.path(unit, staged[2].sha256).unlink()
    with pytest.raises(ValidationError) as caught:
        land.intake.receive(draft(files=staged), clerk=CLERK)
    assert caught.value.fields == ("files",)
    assert "«GCN — " in str(caught.value) and "«gcn.pdf»" in str(caught.value)
    assert count(land, Dossier) == 0 and count(land, DossierFile) == 0


def test_corrupt_files_are_refused_when_staged_naming_paper_and_file(land: Any) -> None:
    with pytest.raises(AttachmentError) as caught:
        land.attachments.stage("HD", "Hợp đồng", b"%PDF-1.7\nbroken", "hop-dong.pdf")
    assert str(caught.value).startswith("Giấy tờ «HD — Hợp đồng»: Tệp «hop-dong.pdf»")
    with pytest.raises(AttachmentError):
        land.attachments.stage("HD", "Hợp đồng", b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "a.png")


def test_the_servers_file_limit_is_heard_and_enforced_before_intake(
    land: Any, tmp_path: Path
) -> None:
    big = noisy_png(900, 700)  # ~1.8 MB
    assert 1024 * 1024 < len(big) < 20 * 1024 * 1024
    info = land.catalog.get(LAND)
    ddk = next(p for p in info.papers if p.code == "DDK")
    # Staged while the counter knew only its own 20 MB ceiling.
    early = land.attachments.stage("DDK", ddk.name, big, "ban-do.png")

    unit = land.intake.unit_identifier()
    with ref_server(tmp_path, max_file_bytes=1024 * 1024, unit=unit) as server:
        land.settings = replace(
            land.settings,
            sync=SyncSettings(
                server_url=server.url, token=server.token, connect_timeout_s=2, read_timeout_s=5
            ),
        )
        land.start()  # the counter asks GET /api/v1/counter at start
    assert server_limit(land.db) == 1024 * 1024
    limit = land.attachments.limit()
    assert limit.from_server and limit.text == "1 MB"

    # Now a new scan of that size is refused at once, naming paper, file and the limit in MB...
    with pytest.raises(AttachmentError) as caught:
        land.attachments.stage("DDK", ddk.name, big, "ban-do-2.png")
    message = str(caught.value)
    assert message.startswith(f"Giấy tờ «DDK — {ddk.name[:30]}")
    assert f"dung lượng {mb(len(big))}, vượt giới hạn 1 MB một tệp của máy chủ tỉnh" in message
    # ...and the one staged before is refused at save, before any code is issued.
    rest = stage_all(land)[1:]
    with pytest.raises(ValidationError) as saved:
        land.intake.receive(draft(files=[early, *rest]), clerk=CLERK)
    assert saved.value.fields == ("files",)
    assert "«ban-do.png»" in str(saved.value) and "1 MB" in str(saved.value)
    assert count(land, Dossier) == 0

    # The server is offline now: the counter keeps the limit it last heard.
    assert land.attachments.limit().max_bytes == 1024 * 1024
