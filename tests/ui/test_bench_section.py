"""The window section of `counter-app bench` runs its Qt probe in a subprocess and reads it."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from ui import bench_section as ui


@pytest.mark.slow
def test_ui_bench_reports_figures(tmp_path: Path, services: Any, sqlite_url: str) -> None:
    ctx = SimpleNamespace(settings=services.settings, db_url=sqlite_url, tmp_dir=tmp_path)
    result = ui.run(ctx)
    assert set(result) >= {"startup_s", "intake_ui_stall_ms_max"}
    assert all(isinstance(v, float) and v > 0 for v in result.values())


def test_probe_failure_is_reported(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="bench_probe"):
        ui._probe(["stall", "--dir", str(tmp_path), "--rounds", "x"], tmp_path / "home")
