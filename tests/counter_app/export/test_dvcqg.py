"""National portal export: field names, date format, schema validation, CLI."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from counter_app.auth import system_actor
from counter_app.cli import main
from counter_app.export.dvcqg import ExportError, build_export, load_schema
from counter_app.export.schema import validate
from counter_app.intake import ApplicantDraft, DossierDraft
from tests.conftest import FixedClock

# Who the tests act as: the command line's system actor (an admin).
ACTOR = system_actor()


def _receive(services: Any, clock: FixedClock, when: datetime, n: int) -> str:
    clock.now = when
    draft = DossierDraft(
        procedure_code="2.000908",
        applicant=ApplicantDraft(
            name="Trần Thị Thuỷ", id_number=f"0221{90000000 + n:08d}", phone="0912345678"
        ),
        summary="Xin cấp phép",
    )
    return str(services.intake.receive(draft, clerk=ACTOR).code)


def test_export_maps_fields_and_validates(services: Any, clock: FixedClock) -> None:
    inside = _receive(services, clock, datetime(2026, 11, 26, 8, 5, 9), 1)
    _receive(services, clock, datetime(2026, 11, 20, 8, 0), 2)
    doc = build_export(services, date(2026, 11, 25), date(2026, 11, 27), by=ACTOR)
    assert doc["SoLuong"] == 1
    record = doc["DanhSachHoSo"][0]
    assert record["MaHoSo"] == inside
    assert record["MaTTHC"] == "2.000908"
    assert record["NgayTiepNhan"] == "20261126080509"
    assert len(record["NgayHenTra"]) == 14 and record["NgayTra"] == ""
    assert record["TrangThaiHoSo"] == 2 and record["KenhThucHien"] == 1
    assert record["SoGiayToChuHoSo"] == "022190000001"
    assert record["DanhSachLePhi"] == [
        {"TenPhiLePhi": "Phí, lệ phí giải quyết thủ tục", "MucPhi": 100000}
    ]
    assert {p["MaGiayTo"] for p in record["TaiLieuNop"]} == {"GDN", "CCCD"}
    assert validate(doc, load_schema()) == []
    with pytest.raises(ExportError):
        build_export(services, date(2026, 11, 27), date(2026, 11, 25), by=ACTOR)


def test_validator_reports_each_problem() -> None:
    schema = load_schema()
    assert validate({"PhienBan": 1}, schema)[0].startswith("$: thiếu trường")
    bad = {
        "PhienBan": 1,
        "MaDonVi": "h49",
        "TuNgay": "2026-11-01",
        "DenNgay": "20261130",
        "SoLuong": True,
        "DanhSachHoSo": [{"MaHoSo": "X", "Lạ": 1}],
    }
    errors = validate(bad, schema)
    joined = "\n".join(errors)
    assert "$.MaDonVi: không khớp mẫu" in joined
    assert "$.TuNgay" in joined and "$.SoLuong: cần kiểu integer" in joined
    assert "$.DanhSachHoSo[0]: trường lạ Lạ" in joined
    assert "$.DanhSachHoSo[0]: thiếu trường MaTTHC" in joined


def test_cli_writes_the_file(services: Any, clock: FixedClock, tmp_path: Path) -> None:
    _receive(services, clock, datetime(2026, 11, 26, 9, 0), 3)
    out = tmp_path / "dvcqg.json"
    url = str(services.db.url)
    code = main(["--db", url, "export", "dvcqg", "--from", "26/11/2026", "--to", "26/11/2026",
                 "--out", str(out)])  # fmt: skip
    assert code == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["SoLuong"] == 1 and validate(doc, load_schema()) == []
    assert main(["--db", url, "export", "dvcqg", "--from", "x", "--to", "y", "--out", "z"]) == 2
