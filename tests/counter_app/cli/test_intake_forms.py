"""`intake --refuse` (Mẫu 03), papers and their counts, the ID check — as a new user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import zxingcpp

from tests.counter_app.receipts.support import decode, page_texts, rasterise
from tests.helpers.cli import Cli, intake_args


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    return Cli.ready(tmp_path_factory.mktemp("cli-forms"), backdate=True)


def _last_sequence(cli: Cli) -> str:
    """The code the next intake gets, by receiving one (codes have no gaps)."""
    out = cli.json(
        "intake", "--procedure", "1.001193", "--name", "Lê Văn Tám", "--id-number", "022080001236"
    )
    assert isinstance(out, dict)
    return str(out["code"])


def test_refuse_prints_form_03_receives_nothing_and_uses_no_code(cli: Cli, tmp_path: Path) -> None:
    before = _last_sequence(cli)
    out = tmp_path / "tu-choi.pdf"
    result = cli(
        "intake",
        "--procedure",
        "1.001612",
        "--name",
        "Phạm Thị Hoa",
        "--address",
        "Phường Hồng Gai, tỉnh Quảng Ninh",
        "--refuse",
        "Ngành nghề đăng ký thuộc danh mục cấm kinh doanh.",
        "--out",
        str(out),
    )
    assert result.returncode == 0
    assert "không cấp mã hồ sơ" in result.stdout
    texts = page_texts(out.read_bytes())
    assert len(texts) == 2
    for text in texts:
        assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text
        assert "Tiếp nhận hồ sơ của: Phạm Thị Hoa" in text
        assert "1. Ngành nghề đăng ký thuộc danh mục cấm kinh doanh." in text
        assert "Mã hồ sơ" not in text
    for page in rasterise(out.read_bytes(), 203):
        assert decode(page, zxingcpp.BarcodeFormat.Code128) == []
    after = _last_sequence(cli)
    assert int(after[-4:]) == int(before[-4:]) + 1, "the refusal used a dossier code"
    lookup = cli("lookup", after[:-4] + f"{int(after[-4:]) + 1:04d}", ok=False)
    assert lookup.returncode != 0


def test_refuse_needs_an_output_file(cli: Cli) -> None:
    result = cli("intake", "--procedure", "1.001612", "--name", "A", "--refuse", "x", ok=False)
    assert result.returncode != 0 and "--out" in result.stderr


def test_papers_omitted_receives_the_required_papers_only(cli: Cli, tmp_path: Path) -> None:
    out = cli.json(
        *intake_args("Trần Thị Thuỷ", "022190001235"),
    )
    assert isinstance(out, dict)
    pdf = tmp_path / "r.pdf"
    cli("receipt", str(out["code"]), "--out", str(pdf))
    text = page_texts(pdf.read_bytes())[0]
    assert "Tờ khai đăng ký khai sinh" in text
    assert "Biên bản về việc trẻ bị bỏ rơi" not in text


def test_paper_counts_and_fee(cli: Cli, tmp_path: Path) -> None:
    out = cli.json(
        *intake_args("Nguyễn Văn An", "022085012345", procedure="2.000815"),
        "--birth-date",
        "15/03/1985",
        "--paper",
        "BS:copies=3,pages=5",
    )
    assert isinstance(out, dict)
    pdf = tmp_path / "r.pdf"
    cli("receipt", str(out["code"]), "--out", str(pdf))
    text = page_texts(pdf.read_bytes())[0]
    assert "Phí, lệ phí: 21.000 đồng (03 bản × 05 trang)" in text


def test_bad_paper_option_names_it(cli: Cli) -> None:
    result = cli(
        *intake_args("A B", "022085012345", procedure="2.000815"),
        "--paper",
        "BS:copies=ba",
        ok=False,
    )
    assert result.returncode != 0 and "--paper" in result.stderr


def test_birth_date_against_id_number_is_refused_naming_the_field(cli: Cli) -> None:
    result = cli(
        *intake_args("Nguyễn Văn An", "022085012345"),
        "--birth-date",
        "15/03/1990",
        ok=False,
    )
    assert result.returncode != 0
    assert "Ngày sinh:" in result.stderr and "1985" in result.stderr


def test_batch_line_with_paper_counts(cli: Cli, tmp_path: Path) -> None:
    line = {
        "procedure": "2.000815",
        "applicant": {"name": "Đỗ Văn Bình", "id_number": "022086012346"},
        "papers": ["BC", {"code": "BS", "copies": 2, "pages": 3}],
    }
    path = tmp_path / "b.jsonl"
    path.write_text(json.dumps(line, ensure_ascii=False), encoding="utf-8")
    (entry,) = cli.json("intake", "--batch", str(path))  # type: ignore[misc]
    assert entry["ok"], entry
    pdf = tmp_path / "r.pdf"
    cli("receipt", entry["code"], "--out", str(pdf))
    assert "Phí, lệ phí: 10.000 đồng (02 bản × 03 trang)" in page_texts(pdf.read_bytes())[0]
