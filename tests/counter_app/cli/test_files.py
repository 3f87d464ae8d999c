"""`attach`, `scan` and the files in `lookup --json`, as a user runs them."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from reportlab.pdfgen import canvas

from tests.helpers.cli import Cli, intake_args


@pytest.fixture(scope="module")
def received(tmp_path_factory: pytest.TempPathFactory) -> tuple[Cli, str]:
    cli = Cli(tmp_path_factory.mktemp("files-home"))
    cli("init", "--counter", "1")
    cli("config", "set", "backdate_working_days", "3650")
    out = cli.json(
        *intake_args("Lê Thị Hoa", "022090001234"),
        "--received",
        "2026-11-27T09:00",
    )
    assert isinstance(out, dict)
    return cli, str(out["code"])


def test_attach_then_lookup_lists_the_file(received: tuple[Cli, str], tmp_path: Path) -> None:
    cli, code = received
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for _ in range(2):
        c.drawString(72, 720, "Tờ khai")
        c.showPage()
    c.save()
    pdf = tmp_path / "to-khai.pdf"
    pdf.write_bytes(buf.getvalue())
    attached = cli.json("attach", code, "--paper", "TK", str(pdf))
    assert isinstance(attached, list) and attached[0]["pages"] == 2
    found = cli.json("lookup", code)
    assert isinstance(found, dict)
    assert found["files"] == [
        {"paper": "TK", "name": "to-khai.pdf", "pages": 2, "sha256": attached[0]["sha256"]}
    ]


def test_a_corrupt_file_gets_a_vietnamese_error_not_a_traceback(
    received: tuple[Cli, str], tmp_path: Path
) -> None:
    cli, code = received
    bad = tmp_path / "hong.pdf"
    bad.write_bytes(b"%PDF-1.4 broken")
    result = cli("attach", code, "--paper", "TK", str(bad), ok=False)
    assert result.returncode != 0
    assert "hong.pdf" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.skipif(shutil.which("scanimage") is None, reason="sane-utils not installed")
def test_scan_from_the_sane_test_device(received: tuple[Cli, str]) -> None:
    cli, code = received
    out = cli.json("scan", code, "--paper", "GCS", "--device", "test", "--resolution", "75")
    assert isinstance(out, list) and out[0]["paper"] == "GCS" and out[0]["pages"] == 1
    listed = json.loads(cli("lookup", code, "--json").stdout)["files"]
    assert {f["paper"] for f in listed} >= {"GCS"}
