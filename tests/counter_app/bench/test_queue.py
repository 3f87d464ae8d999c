"""The queue section of `counter-app bench`: a (small) simulated day through the real service."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from counter_app.bench import queue


@pytest.mark.slow
def test_queue_bench_reports_its_figures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(queue, "CITIZENS", 60)
    monkeypatch.setattr(queue, "DAY_S", 1.0)
    monkeypatch.setattr(queue, "SERVICE_S", (0.01, 0.03))
    monkeypatch.setattr(queue, "RUSH_PER_KIOSK", 10)
    monkeypatch.setattr(queue, "IDLE_S", 0.05)
    result = queue.run(SimpleNamespace(tmp_dir=tmp_path))
    for key in ("queue_call_to_board_ms_p95", "queue_tickets_per_s", "queue_day_wall_s"):
        assert result[key] > 0, key
    # Every one of the 60 calls reached both boards through the push channel.
    assert result["queue_board_deliveries"] == 2 * 60
