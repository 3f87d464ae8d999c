"""`bench --growth`: the core figures at two sizes and their ratios; search ordering is kept."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from counter_app.auth import system_actor
from counter_app.intake import ApplicantDraft, DossierDraft


def test_growth_prints_both_sizes_and_ratios() -> None:
    sizes = ["--small-rows", "300", "--rows", "600"]
    done = subprocess.run(
        [sys.executable, "-m", "counter_app", "bench", "--growth", *sizes, "--json"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report["small"]["rows"] == 300 and report["large"]["rows"] == 600
    for key in ("search_ms_p95", "lookup_ms_p95", "search_raw_fts_ms_p95"):
        assert report["ratios"][key] > 0
        assert report["ratios"][key] == report["large"][key] / report["small"][key]
    assert report["large"]["search_vs_raw_fts"] > 0


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
