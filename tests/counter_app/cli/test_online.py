"""`server submit-online` and `online list/accept/refuse` as a user runs them, against a real server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from reportlab.pdfgen import canvas

from counter_app.server.files import ServerFiles
from tests.counter_app.sync.harness import RefServer, start_server
from tests.helpers.cli import Cli


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[Cli, RefServer, str, Path]]:
    server_db = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    files = tmp_path / "server-files"
    srv = start_server(server_db, files=ServerFiles(files))
    cli = Cli(tmp_path / "home")
    cli("init", "--counter", "1", "--json")
    cli("config", "set", "sync.server_url", srv.url)
    cli("config", "set", "sync.token", srv.token)
    yield cli, srv, server_db, files
    srv.stop()
    srv.store.close()


def write_submission(folder: Path) -> Path:
    folder.mkdir()
    c = canvas.Canvas(str(folder / "to-khai.pdf"))
    c.drawString(72, 720, "Tờ khai đăng ký khai sinh")
    c.showPage()
    c.save()
    doc = {
        "procedure": "1.001193",
        "applicant": {"name": "Đỗ Thị Mai", "id_number": "022190004321", "phone": "0987654321"},
        "papers": [{"paper": "TK", "file": "to-khai.pdf"}],
    }
    path = folder / "ho-so.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def test_submit_list_accept(setup: tuple[Cli, RefServer, str, Path], tmp_path: Path) -> None:
    cli, _srv, server_db, files = setup
    sub = write_submission(tmp_path / "portal")
    filed = cli.json("server", "submit-online", str(sub), "--db", server_db, "--files", str(files))
    assert isinstance(filed, dict) and filed["papers"][0]["pages"] == 1
    listed = cli.json("online", "list")
    assert isinstance(listed, list)
    assert [(i["uuid"], i["procedure"]) for i in listed] == [(filed["uuid"], "1.001193")]
    assert listed[0]["files"][0]["sha256"] == filed["papers"][0]["sha256"]
    accepted = cli.json("online", "accept", filed["uuid"])
    assert isinstance(accepted, dict)
    assert accepted["status"] == 2 and accepted["uuid"] == filed["uuid"]
    assert accepted["code"].startswith("000.00.00.H49.Q01-") and accepted["appointment"]
    found = cli.json("lookup", accepted["code"])
    assert isinstance(found, dict) and [f["paper"] for f in found["files"]] == ["TK"]
    assert cli.json("online", "list") == []


def test_bad_submission_and_unknown_uuid_get_vietnamese_errors(
    setup: tuple[Cli, RefServer, str, Path], tmp_path: Path
) -> None:
    cli, _srv, server_db, files = setup
    bad = tmp_path / "bad.json"
    bad.write_text('{"procedure": "1.001193", "applicant": {"name": "", "id_number": "1"}}')
    result = cli(
        "server", "submit-online", str(bad), "--db", server_db, "--files", str(files), ok=False
    )
    assert result.returncode != 0 and "Người nộp" in result.stderr
    assert "Traceback" not in result.stderr
    result = cli(
        "online", "refuse", "00000000-0000-4000-8000-000000000000", "--reason", "x", ok=False
    )
    assert result.returncode != 0 and "Không có hồ sơ trực tuyến" in result.stderr
