"""The command line as outside acceptance checks use it: real processes, JSON on stdout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers.cli import Cli, intake_args


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    return Cli.ready(tmp_path_factory.mktemp("cli-home"), backdate=True)


def test_init_is_safe_to_repeat(cli: Cli) -> None:
    data = cli.json("init")
    assert isinstance(data, dict)
    assert data["procedures"] >= 30
    assert data["procedures_added"] == 0


def test_intake_then_lookup(cli: Cli) -> None:
    out = cli.json(
        *intake_args("nguyễn văn  đức", "022090001234"),
        "--phone",
        "0912 345 678",
        "--received",
        "2026-11-27T09:00",
    )
    assert isinstance(out, dict)
    assert set(out) >= {"code", "uuid", "appointment", "status"}
    assert out["status"] == 2
    assert out["code"].startswith("000.00.00.H49.Q01-261127-")
    # Same-day procedure received before the 15:00 cut-off: the result is due that afternoon.
    assert out["appointment"].startswith("2026-11-27T")
    found = cli.json("lookup", out["code"])
    assert isinstance(found, dict)
    assert found["code"] == out["code"]
    assert found["status"] == 2
    assert found["applicant"] == "Nguyễn V** Đ**"
    assert "022090001234" not in json.dumps(found)


def test_intake_error_is_vietnamese_and_non_zero(cli: Cli) -> None:
    result = cli(
        *intake_args("X", "123"),
        "--json",
        ok=False,
    )
    assert result.returncode != 0
    assert "Số giấy tờ tùy thân" in result.stderr
    assert result.stdout == ""


def test_batch_keeps_going_past_a_bad_line(cli: Cli, tmp_path: Path) -> None:
    lines = [
        {
            "procedure": "1.001193",
            "applicant": {"name": "Trần Thị Thuỷ", "id_number": "022190001235"},
            "papers": "all",
        },
        {"procedure": "1.001193", "applicant": {"name": "", "id_number": "1"}},
        "not json",
        {
            "procedure": "1.001193",
            "applicant": {"name": "Lê Văn Tám", "id_number": "022080001236"},
            "received_at": "2026-11-26T16:00",
        },
    ]
    path = tmp_path / "batch.jsonl"
    path.write_text(
        "\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines),
        encoding="utf-8",
    )
    result = cli("intake", "--batch", str(path), "--json", ok=False)
    assert result.returncode == 1  # some lines failed; the JSON still lists every line
    out = json.loads(result.stdout)
    assert isinstance(out, list)
    assert [bool(e.get("code")) for e in out] == [True, False, False, True]
    assert "Họ và tên người nộp" in out[1]["error"]
    assert out[3]["appointment"].startswith("2026-11-27T")  # after the cut-off: next working day


def test_due_date(cli: Cli) -> None:
    # Friday before Tết 2026 (off 14–22/2): three working days are 23, 24, 25 February.
    out = cli.json("due-date", "--received", "2026-02-13T09:00", "--working-days", "3")
    assert out == {
        "received": "2026-02-13T09:00:00",
        "appointment": "2026-02-25T09:00:00",
        "calendar_estimated": False,  # 2026's announcement ships with the app
        "estimated_years": [],
    }


@pytest.mark.parametrize(
    ("option", "amount", "said"),
    [
        ("--working-days", "0.5", "phải là số nguyên"),
        ("--working-days", "1e9", "quá dài"),
        ("--working-days", "inf", "số không âm"),
        ("--working-days", "nan", "số không âm"),
        ("--calendar-days", "100000", "tối đa 3650 ngày"),
        ("--working-hours", "-1", "không được âm"),
    ],
)
def test_due_date_refuses_amounts_it_cannot_count(
    cli: Cli, option: str, amount: str, said: str
) -> None:
    """Each a Vietnamese message and exit 2, never a traceback (probe F16)."""
    result = cli("due-date", "--received", "2026-11-30T09:00", option, amount, ok=False)
    assert result.returncode == 2 and said in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_catalog_json(cli: Cli) -> None:
    out = cli.json("catalog")
    assert isinstance(out, list)
    codes = {p["code"] for p in out}
    assert "1.001193" in codes
    assert all(p["papers"] for p in out)


def test_lookup_unknown_code(cli: Cli) -> None:
    result = cli("lookup", "000.00.00.H49-200101-0001", ok=False)
    assert result.returncode != 0
    assert "Không tìm thấy" in result.stderr


def test_lookup_says_which_papers_were_required(cli: Cli) -> None:
    # Đăng ký khai sinh: TK, GCS, GTTT required; UQ, CTCT, BBBR optional.
    out = cli.json(
        *intake_args("Phạm Thị Mai", "022190001239"),
        "--papers",
        "TK,GTTT,UQ",
        "--missing-reason",
        "Giấy chứng sinh nộp sau",
    )
    found = cli.json("lookup", out["code"])
    papers = {p["code"]: p for p in found["papers"]}
    assert list(papers) == ["TK", "GCS", "GTTT", "UQ", "CTCT", "BBBR"]
    assert {c: (p["submitted"], p["required"]) for c, p in papers.items()} == {
        "TK": (True, True),
        "GCS": (False, True),
        "GTTT": (True, True),
        "UQ": (True, False),
        "CTCT": (False, False),
        "BBBR": (False, False),
    }
    assert set(papers["TK"]) == {
        "code",
        "name",
        "originals",
        "copies",
        "pages",
        "submitted",
        "required",
    }
    assert {"code", "status", "files", "undigitised"} <= set(found)  # existing keys kept
    lines = cli("lookup", out["code"]).stdout.splitlines()
    said = {n: next(x for x in lines if x.strip().startswith(n)) for n in ("Giấy", "Văn", "Biên")}
    assert said["Giấy"].endswith(": Thiếu")  # Giấy chứng sinh
    assert said["Văn"].endswith(": Có")  # the optional power of attorney, handed in
    assert said["Biên"].endswith(": Không nộp (không bắt buộc)")
