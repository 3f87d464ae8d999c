"""Drafts of the intake form: saved atomically as JSON, restored tolerant of damage."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from counter_app.auth import system_actor
from counter_app.domain import ApplicantKind, ResultDelivery
from counter_app.drafts import DraftStore, IntakeDraftState


def test_round_trip_and_clear(tmp_path: Path) -> None:
    store = DraftStore(tmp_path, "CanBo")
    state = IntakeDraftState(
        procedure_code="2.000908",
        name="Nguyễn Thị Thuỷ",
        id_number="022190012345",
        birth_date="01/02/1990",
        phone="0912345678",
        papers=["GDN"],
        missing_reason="Thiếu",
        dossier_sets=2,
        result_delivery=ResultDelivery.POST.value,
        notes="dòng 1",
    )
    store.save(state)
    assert store.path.name == "intake-canbo.json"
    assert json.loads(store.path.read_text(encoding="utf-8"))["name"] == "Nguyễn Thị Thuỷ"
    assert store.load() == state
    store.clear()
    assert store.load() is None


def test_empty_form_removes_the_file(tmp_path: Path) -> None:
    store = DraftStore(tmp_path, "a")
    store.save(IntakeDraftState(name="A"))
    store.save(IntakeDraftState())
    assert not store.path.exists()


def test_damaged_file_is_ignored(tmp_path: Path) -> None:
    store = DraftStore(tmp_path, "a")
    store.path.parent.mkdir(parents=True)
    store.path.write_text("{not json", encoding="utf-8")
    assert store.load() is None
    store.path.write_text(
        json.dumps(
            {
                "name": 5,
                "phone": "0912",
                "applicant_kind": 99,
                "papers": [1, 2],
                "result_delivery": "fax",
            }
        )
    )
    loaded = store.load()
    assert loaded == IntakeDraftState(phone="0912")


def test_to_dossier_draft(tmp_path: Path) -> None:
    state = IntakeDraftState(
        procedure_code=" 1.001193 ",
        name="An",
        id_number="1",
        applicant_kind=int(ApplicantKind.CITIZEN),
        birth_date="",
    )
    draft = state.to_dossier_draft()
    assert draft.procedure_code == "1.001193"
    assert draft.papers == "required" and draft.applicant.birth_date is None
    assert IntakeDraftState(papers=["TK"]).to_dossier_draft().papers == ["TK"]


def test_draft_received_by_the_core(services: Any) -> None:
    state = IntakeDraftState(
        procedure_code="2.000908",
        name="nguyễn văn  đức",
        id_number="022090001234",
        phone="0912345678",
    )
    received = services.intake.receive(state.to_dossier_draft(), clerk=system_actor())
    assert received.applicant_name == "Nguyễn Văn Đức"


@settings(max_examples=200)
@given(
    name=st.text(max_size=40),
    phone=st.text(max_size=20),
    papers=st.none() | st.lists(st.text(max_size=5), max_size=4),
    sets=st.integers(min_value=1, max_value=99),
)
def test_any_state_survives_the_file(name: str, phone: str, papers: Any, sets: int) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        store = DraftStore(Path(tmp), "x")
        state = IntakeDraftState(name=name, phone=phone, papers=papers, dossier_sets=sets)
        store.save(state)
        assert store.load() == (None if state.is_empty() else state)


def test_attached_files_and_the_reason_survive_the_draft(tmp_path: Path) -> None:
    store = DraftStore(tmp_path, "canbo")
    staged = {
        "paper": "GDN",
        "name": "giấy đề nghị.pdf",
        "mime": "application/pdf",
        "pages": 2,
        "size": 2048,
        "sha256": "ab" * 32,
    }
    # Only files count as something to keep: a form with just a scan is not empty.
    state = IntakeDraftState(files=[staged], undigitised_reason="Máy quét hỏng")
    assert not state.is_empty()
    store.save(state)
    loaded = store.load()
    assert loaded == state
    (f,) = loaded.to_dossier_draft().files
    assert (f.paper, f.name, f.pages, f.sha256) == ("GDN", "giấy đề nghị.pdf", 2, "ab" * 32)
    assert loaded.to_dossier_draft().undigitised_reason == "Máy quét hỏng"
    # Damaged entries (hand-edited, older versions) are dropped, the rest kept.
    data = json.loads(store.path.read_text(encoding="utf-8"))
    data["files"] = [staged, {"paper": "X"}, "junk", {**staged, "sha256": "short"}]
    store.path.write_text(json.dumps(data), encoding="utf-8")
    again = store.load()
    assert again is not None and again.files == [staged]
