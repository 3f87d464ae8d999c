"""`counter-app doctor`: versions, paths, database health, pending sync, printers, fonts."""

from __future__ import annotations

import json
import sqlite3
import sys
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from counter_app.auth import system_actor
from counter_app.cli import main
from counter_app.db.migrate import head_revision
from counter_app.doctor import collect, printers, render_text
from counter_app.intake import ApplicantDraft, DossierDraft
from counter_app.logs import setup_logging
from counter_app.settings import Settings


def _receive(services: Any) -> str:
    draft = DossierDraft(
        procedure_code="2.000908",
        applicant=ApplicantDraft(name="Đỗ Minh Châu", id_number="079203004567"),
    )
    return str(services.intake.receive(draft, clerk=system_actor()).code)


def test_report_on_a_healthy_database(services: Any, sqlite_url: str) -> None:
    _receive(services)
    report = collect(Settings.load(db_url=sqlite_url), probe_printers=False)
    db = report["database"]
    assert db["integrity"] == "ok"
    assert db["revision"] == db["head_revision"] == head_revision()
    assert db["up_to_date"] is True
    assert db["dossiers"] == 1
    assert db["pending_sync"] >= 1 and set(db["pending_sync_by_state"]) == {"pending"}
    assert report["fonts"]["ok"] and "NotoSans-Regular.ttf" in report["fonts"]["found"]
    assert report["versions"]["python"] and report["versions"]["sqlalchemy"]
    assert report["paths"]["log_dir"].endswith("logs")
    json.dumps(report)  # JSON-able as is
    text = render_text(report)
    assert "kiểm tra toàn vẹn: ok" in text and "chưa đồng bộ: " in text


def test_cli_json_and_exit_code(
    services: Any, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", sqlite_url, "doctor", "--json", "--no-printers"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["database"]["integrity"] == "ok"


def test_a_damaged_database_is_reported_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "broken.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA page_size=1024")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, x TEXT)")
    conn.execute("CREATE INDEX ix_t_x ON t (x)")
    conn.executemany("INSERT INTO t (x) VALUES (?)", [(f"dòng {i:05d}" * 5,) for i in range(2000)])
    conn.commit()
    conn.close()
    # Overwrite a few pages in the middle of the file with garbage.
    data = bytearray(path.read_bytes())
    for offset in range(20 * 1024, 40 * 1024):
        data[offset] = 0x5A
    path.write_bytes(bytes(data))

    report = collect(Settings.load(db_url=f"sqlite:///{path}"), probe_printers=False)
    assert report["database"]["integrity"] != "ok"
    assert report["ok"] is False
    assert main(["--db", f"sqlite:///{path}", "doctor", "--no-printers"]) != 0
    assert "Kết luận: có vấn đề" in capsys.readouterr().out


def test_missing_database_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "absent.sqlite3"
    report = collect(Settings.load(db_url=f"sqlite:///{path}"), probe_printers=False)
    assert report["database"]["exists"] is False
    assert not path.exists()


def test_without_a_front_end_the_os_lists_the_printers() -> None:
    # The core alone (python -m counter_app) cannot ask Qt; the window's probe is tested in
    # tests/ui/test_entry.py. On a machine without printers the list is just empty.
    result = printers()
    assert result["source"] in ("lpstat", "powershell", None)
    assert isinstance(result["printers"], list)
    assert "không có giao diện" in result["errors"][0]


def test_a_probe_that_fails_falls_back_to_the_os() -> None:
    broken = [sys.executable, "-c", "import sys; sys.stderr.write('hỏng'); sys.exit(3)"]
    result = printers(broken)
    assert result["source"] in ("lpstat", "powershell", None)
    assert result["errors"][0] == "giao diện: mã thoát 3: hỏng"


@pytest.mark.postgres
def test_report_on_postgres(pg_url: str, app_home: Path) -> None:
    from tests.conftest import make_services

    services = make_services(pg_url)
    try:
        _receive(services)
    finally:
        services.close()
    report = collect(Settings.load(db_url=pg_url), probe_printers=False)
    assert report["database"]["backend"] == "postgresql"
    assert report["database"]["integrity"] == "ok"
    assert report["database"]["dossiers"] == 1


def test_zip_for_support_holds_report_and_redacted_logs(
    services: Any, sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import logging

    settings = replace(Settings.load(db_url=sqlite_url))
    setup_logging(settings)
    try:
        logging.getLogger("counter_app.test").warning("máy in lỗi khi in cho 001190012345")
        for handler in logging.getLogger().handlers:
            handler.flush()
        target = tmp_path / "gui-ky-thuat.zip"
        assert main(["--db", sqlite_url, "doctor", "--no-printers", "--zip", str(target)]) == 0
    finally:
        root = logging.getLogger()
        for handler in root.handlers[:]:
            if type(handler).__name__ == "_CounterAppHandler":
                root.removeHandler(handler)
                handler.close()
        logging.captureWarnings(False)
    assert "Đã gói báo cáo" in capsys.readouterr().out
    with zipfile.ZipFile(target) as zf:
        names = zf.namelist()
        assert "doctor.json" in names
        logs = [n for n in names if n.startswith("logs/")]
        assert logs
        content = zf.read(logs[0]).decode("utf-8")
    assert "máy in lỗi khi in cho <id>" in content and "001190012345" not in content
