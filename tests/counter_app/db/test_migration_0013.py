"""Migration 0013: each paper of an existing dossier learns whether it was required, from the
catalog where it still lists the paper, from the intake rule where it proves more, True otherwise;
the downgrade gives back exactly the rows it started from."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, Table, select

from counter_app.db.engine import Database
from counter_app.db.migrate import downgrade, upgrade

T0 = datetime(2026, 11, 20, 8, 30)

# Đăng ký khai sinh as this counter's catalog lists it now (paper OLD was dropped since).
CATALOG = [("TK", True), ("GCS", True), ("UQ", False)]
# (dossier, missing-papers reason, [(paper, submitted, required expected after 0013)])
DOSSIERS: list[tuple[int, str, list[tuple[str, bool, bool]]]] = [
    (
        1,
        "Giấy chứng sinh nộp sau",
        [
            ("TK", True, True),  # the catalog
            ("GCS", False, True),  # the catalog: really missing
            ("UQ", False, False),  # the catalog: optional, not missing
            ("OLD", False, True),  # no longer in the catalog: the cautious default
        ],
    ),
    (
        2,
        "",
        [
            ("TK", True, True),
            # No reason written, so intake found nothing required missing: GCS was optional on
            # intake day, whatever the catalog says now.
            ("GCS", False, False),
            ("OLD", True, True),
            ("OLD2", False, False),
        ],
    ),
]


def _table(db: Database, name: str) -> Table:
    metadata = MetaData()
    metadata.reflect(db.engine, only=[name])
    return metadata.tables[name]


def _seed(db: Database) -> None:
    meta = MetaData()
    meta.reflect(db.engine)
    t = meta.tables
    with db.engine.begin() as conn:
        conn.execute(
            t["procedure"].insert(),
            [
                {
                    "id": 1,
                    "code": "1.001193",
                    "name": "Đăng ký khai sinh",
                    "name_folded": "dang ky khai sinh",
                    "sector": "Hộ tịch",
                    "level": "commune",
                    "processing_amount": 0,
                    "processing_unit": "working_days",
                    "fee": 0,
                    "fee_note": "",
                    "result": "",
                    "verified": True,
                    "source_note": "",
                    "active": True,
                    "updated_at": T0,
                }
            ],
        )
        conn.execute(
            t["procedure_paper"].insert(),
            [
                {
                    "procedure_id": 1,
                    "code": code,
                    "name": f"Giấy {code}",
                    "originals": 1,
                    "copies": 0,
                    "required": required,
                    "position": i,
                }
                for i, (code, required) in enumerate(CATALOG)
            ],
        )
        for n, reason, papers in DOSSIERS:
            conn.execute(
                t["applicant"].insert(),
                [
                    {
                        "id": n,
                        "kind": 1,
                        "id_kind": "cccd",
                        "id_number": f"02219000000{n}",
                        "name": f"Người nộp {n}",
                        "phone": "",
                        "email": "",
                        "address": "",
                        "updated_at": T0,
                    }
                ],
            )
            conn.execute(
                t["dossier"].insert(),
                [
                    {
                        "id": n,
                        "uuid": f"00000000-0000-4000-8000-{n:012d}",
                        "code": f"H49-261120-{n:04d}",
                        "unit_identifier": "H49",
                        "procedure_id": 1,
                        "applicant_id": n,
                        "applicant_name": f"Người nộp {n}",
                        "applicant_snapshot": {"name": f"Người nộp {n}"},
                        "channel": 1,
                        "status": 2,
                        "received_at": T0,
                        "appointment_at": T0,
                        "counter_no": 1,
                        "clerk_name": "",
                        "fee": 0,
                        "dossier_sets": 1,
                        "summary": "",
                        "notes": "",
                        "missing_papers_reason": reason,
                        "result_delivery": "counter",
                        "delivery_address": "",
                        "version": 1,
                        "search_text": f"nguoi nop {n}",
                        "updated_at": T0,
                    }
                ],
            )
            conn.execute(
                t["dossier_paper"].insert(),
                [
                    {
                        "dossier_id": n,
                        "code": code,
                        "name": f"Giấy {code}",
                        "originals": 1,
                        "copies": 0,
                        "pages": 2,
                        "submitted": submitted,
                        "position": i,
                    }
                    for i, (code, submitted, _) in enumerate(papers)
                ],
            )


def _rows(db: Database, columns: list[str]) -> list[tuple[Any, ...]]:
    paper = _table(db, "dossier_paper")
    query = select(*(paper.c[c] for c in columns)).order_by(paper.c.id)
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(query)]


def _check(url: str, backup_dir: Path) -> None:
    db = Database(url)
    upgrade(db, backup_dir=backup_dir, to="0012")
    _seed(db)
    columns = [c.name for c in _table(db, "dossier_paper").columns]
    assert "required" not in columns
    before = _rows(db, columns)

    result = upgrade(db, backup_dir=backup_dir, to="0013")
    assert (result.from_revision, result.to_revision) == ("0012", "0013")
    expected = [
        (n, code, submitted, required)
        for n, _, papers in DOSSIERS
        for code, submitted, required in papers
    ]
    got = _rows(db, ["dossier_id", "code", "submitted", "required"])
    assert [(n, c, bool(s), bool(r)) for n, c, s, r in got] == expected
    assert _rows(db, columns) == before  # nothing else changed
    # A paper written later without the flag (raw SQL, an old tool) reads as required.
    paper = _table(db, "dossier_paper")
    with db.engine.begin() as conn:
        new = {"code": "NEW", "name": "Giấy mới", "originals": 1, "copies": 0, "submitted": False}
        conn.execute(paper.insert().values(dossier_id=1, position=9, **new))
        assert conn.execute(select(paper.c.required).where(paper.c.code == "NEW")).scalar()
        conn.execute(paper.delete().where(paper.c.code == "NEW"))

    downgrade(db, "0012")
    assert [c.name for c in _table(db, "dossier_paper").columns] == columns
    assert _rows(db, columns) == before
    if db.is_sqlite:
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    upgrade(db, backup_dir=backup_dir, to="0013")  # and up again, to the same answers
    got = _rows(db, ["dossier_id", "code", "submitted", "required"])
    assert [(n, c, bool(s), bool(r)) for n, c, s, r in got] == expected
    db.dispose()


def test_0013_fills_required_and_downgrades_sqlite(tmp_path: Path) -> None:
    _check(f"sqlite:///{tmp_path / 'c.sqlite3'}", tmp_path / "bk")


@pytest.mark.postgres
def test_0013_fills_required_and_downgrades_postgres(pg_url: str, tmp_path: Path) -> None:
    _check(pg_url, tmp_path / "bk")
