"""`bench --growth`: the core figures at two sizes and their ratios; search ordering is kept."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from counter_app.auth import system_actor
from counter_app.bench.fill import FILL_VERSION
from counter_app.db.migrate import head_revision
from counter_app.intake import ApplicantDraft, DossierDraft


def _bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "counter_app", "bench", *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_growth_prints_both_sizes_and_ratios_and_reuses_cached_fills(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    sizes = ["--small-rows", "300", "--rows", "600"]
    done = _bench("--growth", *sizes, "--cache", str(cache), "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report["small"]["rows"] == 300 and report["large"]["rows"] == 600
    for key in (
        "search_ms_p95",
        "search_cpu_ms_p95",
        "search_typed_ms_p95",
        "search_names_ms_p95",
        "search_today_ms_p95",
        "lookup_ms_p95",
        "search_raw_fts_ms_p95",
        "search_raw_sql_ms_p95",
    ):
        assert report["ratios"][key] > 0
        assert report["ratios"][key] == report["large"][key] / report["small"][key]
    for size in ("small", "large"):
        assert report[size]["search_vs_raw_fts"] > 0 and report[size]["search_vs_raw_sql"] > 0
        assert report[size]["search_samples"] >= 400  # warm-up aside, enough to take a p95
        assert "load_1m_before" in report[size] and "load_1m_after" in report[size]
    cached = sorted(p.name for p in cache.glob("*.sqlite3"))
    assert cached == [
        f"bench-300-r{head_revision()}-f{FILL_VERSION}.sqlite3",
        f"bench-600-r{head_revision()}-f{FILL_VERSION}.sqlite3",
    ]
    # The next run of a cached size copies the file instead of filling it again.
    again = _bench("--rows", "300", "--only", "core", "--cache", str(cache), "--json")
    assert again.returncode == 0, again.stderr[-2000:]
    assert "Dùng lại tệp đã điền" in again.stderr and "Điền 300" not in again.stderr
    assert json.loads(again.stdout)["rows"] == 300


def test_name_search_returns_the_newest_matches_first(services: Any) -> None:
    codes = []
    middles = ["An", "Bích", "Cúc", "Dung", "Hà", "Hoa", "Lan", "Mai", "Nga", "Oanh", "Quế", "Vy"]
    for i, middle in enumerate(middles):
        draft = DossierDraft(
            "2.000908", ApplicantDraft(f"Nguyễn {middle} Thuỷ", f"0221900123{i:02d}")
        )
        codes.append(services.intake.receive(draft, clerk=system_actor()).code)
    services.intake.receive(
        DossierDraft("2.000908", ApplicantDraft("Lê Văn Tám", "022190099999")), clerk=system_actor()
    )
    rows = services.dossiers.search("nguyen thuy", limit=5, by=system_actor())
    assert [r.code for r in rows] == list(reversed(codes))[:5]
    assert all("Thuỷ" in r.applicant_name for r in rows)
    assert services.dossiers.search("đức", limit=5, by=system_actor()) == []
