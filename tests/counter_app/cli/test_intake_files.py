"""`intake --file`, `--undigitised-reason`, `undigitised`, and `attach`/`scan` refusing files over
the limit a real server on 127.0.0.1 stated, as a user runs them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.helpers.cli import Cli
from tests.helpers.ref_server import ref_server
from tests.helpers.samples import noisy_png, pdf_file

LAND = "1.013831"  # DDK, HD, GCN must be digitised in the bundled catalog
APPLICANT = ("--name", "Phạm Thị Lan", "--id-number", "022090001234")


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    return Cli.ready(tmp_path_factory.mktemp("intake-files-home"))


def test_intake_follows_the_digitise_rule(cli: Cli, tmp_path: Path) -> None:
    refused = cli("intake", "--procedure", LAND, *APPLICANT, ok=False)
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert "Lý do chưa số hóa" in refused.stderr and "«DDK — " in refused.stderr

    ddk, hd = pdf_file(tmp_path / "don.pdf", 2), pdf_file(tmp_path / "hop-dong.pdf", 3)
    out = cli.json(
        "intake",
        "--procedure",
        LAND,
        *APPLICANT,
        "--file",
        f"DDK={ddk}",
        "--file",
        f"hd={hd}",
        "--undigitised-reason",
        "Máy quét hỏng",
    )
    assert isinstance(out, dict)
    code = str(out["code"])
    found = cli.json("lookup", code)
    assert isinstance(found, dict)
    assert sorted((f["paper"], f["name"], f["pages"]) for f in found["files"]) == [
        ("DDK", "don.pdf", 2),
        ("HD", "hop-dong.pdf", 3),
    ]
    (todo,) = found["undigitised"]
    assert [p["code"] for p in todo["papers"]] == ["GCN"] and todo["reason"] == "Máy quét hỏng"
    listed = cli.json("undigitised")
    assert isinstance(listed, list) and [u["code"] for u in listed] == [code]

    # A corrupt file: named with its paper, nothing received.
    bad = tmp_path / "hong.pdf"
    bad.write_bytes(b"%PDF-1.4 broken")
    before = cli.json("undigitised")
    failed = cli("intake", "--procedure", LAND, *APPLICANT, "--file", f"GCN={bad}", ok=False)
    assert "«GCN — " in failed.stderr and "«hong.pdf»" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert cli.json("undigitised") == before

    # A batch follows the same rule, line by line.
    batch = tmp_path / "lo.jsonl"
    line = {"procedure": LAND, "applicant": {"name": "Lê Văn An", "id_number": "022090005678"}}
    batch.write_text(
        json.dumps(line, ensure_ascii=False)
        + "\n"
        + json.dumps({**line, "undigitised_reason": "Máy quét hỏng"}, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    lines = cli("intake", "--batch", str(batch), "--json", ok=False)
    first, second = json.loads(lines.stdout)
    assert first["ok"] is False and first["fields"] == ["undigitised_reason"]
    assert second["ok"] is True
    assert [u["code"] for u in cli.json("undigitised")] == [second["code"], code]

    # The scanner is back: attaching GCN takes the dossier off the list.
    cli("attach", code, "--paper", "GCN", str(pdf_file(tmp_path / "gcn.pdf", 1)))
    assert [u["code"] for u in cli.json("undigitised")] == [second["code"]]


def test_attach_and_scan_refuse_files_over_the_servers_limit(cli: Cli, tmp_path: Path) -> None:
    out = cli.json(
        "intake", "--procedure", LAND, *APPLICANT, "--undigitised-reason", "Mất điện máy quét"
    )
    assert isinstance(out, dict)
    code = str(out["code"])
    unit = code.rsplit("-", 2)[0]
    with ref_server(tmp_path, max_file_bytes=1024 * 1024, unit=unit) as server:
        try:
            cli.env.update(COUNTER_APP_SERVER_URL=server.url, COUNTER_APP_SERVER_TOKEN=server.token)
            big = tmp_path / "ban-do.png"
            big.write_bytes(noisy_png(900, 700))
            refused = cli("attach", code, "--paper", "DDK", str(big), ok=False)
            assert "Traceback" not in refused.stderr
            assert "«DDK — " in refused.stderr and "«ban-do.png»" in refused.stderr
            assert "vượt giới hạn 1 MB một tệp của máy chủ tỉnh" in refused.stderr
            small = cli.json(
                "attach", code, "--paper", "DDK", str(pdf_file(tmp_path / "ddk.pdf", 1))
            )
            assert isinstance(small, list) and small[0]["paper"] == "DDK"

            if shutil.which("scanimage") is not None:
                # a 600-dpi scan of the test device is ~4 KB
                server.app.app.files.max_file_bytes = 1024
                scanned = cli(
                    "scan",
                    code,
                    "--paper",
                    "HD",
                    "--device",
                    "test",
                    "--resolution",
                    "600",
                    ok=False,
                )
                assert "«HD — " in scanned.stderr, scanned.stderr
                assert "vượt giới hạn 1 KB một tệp của máy chủ tỉnh" in scanned.stderr
        finally:
            for key in ("COUNTER_APP_SERVER_URL", "COUNTER_APP_SERVER_TOKEN"):
                cli.env.pop(key, None)
    # Offline now: the counter still refuses by the limit it last heard.
    offline = cli("attach", code, "--paper", "GCN", str(big), ok=False)
    assert "của máy chủ tỉnh" in offline.stderr
