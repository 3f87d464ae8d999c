"""Our dossiers in the national public-service portal's field names (Cổng DVC quốc gia)."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from counter_app.atomic import write_text
from counter_app.db.models import Dossier
from counter_app.domain import Permission, ResultDelivery
from counter_app.errors import UserError
from counter_app.export.schema import validate

if TYPE_CHECKING:
    from counter_app.auth import UserInfo

SCHEMA_FILE = Path(__file__).with_name("dvcqg.schema.json")


class ExportError(UserError, ValueError):
    """The export cannot be produced; str(exc) is Vietnamese."""


def portal_time(value: datetime | None) -> str:
    """yyyyMMddHHmmss in Vietnam time (our datetimes already are naive local time)."""
    return value.strftime("%Y%m%d%H%M%S") if value is not None else ""


def load_schema() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return data


def portal_record(d: Dossier, agency_name: str) -> dict[str, Any]:
    """One dossier in the portal's vocabulary."""
    a = d.applicant_snapshot
    return {
        "MaHoSo": d.code,
        "MaTTHC": d.procedure.code,
        "TenTTHC": d.procedure.name,
        "MaLinhVuc": d.procedure.sector_code or "",
        "TenLinhVuc": d.procedure.sector,
        "KenhThucHien": d.channel,
        "ChuHoSo": d.applicant_name,
        "SoGiayToChuHoSo": str(a.get("id_number") or ""),
        "LoaiDoiTuong": int(a.get("kind") or 1),
        "SoDienThoai": str(a.get("phone") or ""),
        "Email": str(a.get("email") or ""),
        "TrichYeuHoSo": d.summary or d.procedure.name,
        "NgayTiepNhan": portal_time(d.received_at),
        "NgayHenTra": portal_time(d.appointment_at),
        "TrangThaiHoSo": d.status,
        "NgayTra": portal_time(d.handed_back_at),
        "HinhThuc": 1 if d.result_delivery == ResultDelivery.POST.value else 0,
        "DonViXuLy": agency_name,
        "GhiChu": d.notes,
        "TaiLieuNop": [
            {
                "MaGiayTo": p.code,
                "TenGiayTo": p.name,
                "SoBanChinh": p.originals,
                "SoBanSao": p.copies,
            }
            for p in d.papers
            if p.submitted
        ],
        "DanhSachLePhi": (
            [{"TenPhiLePhi": "Phí, lệ phí giải quyết thủ tục", "MucPhi": d.fee}] if d.fee else []
        ),
    }


def build_export(services: Any, day_from: date, day_to: date, *, by: UserInfo) -> dict[str, Any]:
    """Dossiers received from `day_from` to `day_to` (inclusive), validated against the schema.

    It carries every applicant's full ID number: admins only.
    """
    by.require(Permission.EXPORT_PERSONAL_DATA)
    if day_to < day_from:
        raise ExportError("Ngày kết thúc phải sau ngày bắt đầu.")
    centre = services.centre_config()
    start = datetime.combine(day_from, time.min)
    end = datetime.combine(day_to + timedelta(days=1), time.min)
    with services.db.read() as s:
        rows = s.scalars(
            select(Dossier)
            .where(Dossier.received_at >= start, Dossier.received_at < end)
            .options(selectinload(Dossier.procedure), selectinload(Dossier.papers))
            .order_by(Dossier.received_at, Dossier.id)
        ).all()
        records = [portal_record(d, centre.agency_name) for d in rows]
    document = {
        "PhienBan": 1,
        "MaDonVi": centre.agency_identifier,
        "TuNgay": day_from.strftime("%Y%m%d"),
        "DenNgay": day_to.strftime("%Y%m%d"),
        "SoLuong": len(records),
        "DanhSachHoSo": records,
    }
    errors = validate(document, load_schema())
    if errors:
        raise ExportError("Dữ liệu xuất không đúng lược đồ: " + "; ".join(errors[:10]))
    return document


def write_export(services: Any, day_from: date, day_to: date, out: Path, *, by: UserInfo) -> int:
    """Write the export file atomically; returns the number of dossiers."""
    document = build_export(services, day_from, day_to, by=by)
    write_text(out, json.dumps(document, ensure_ascii=False, indent=2))
    return int(document["SoLuong"])
