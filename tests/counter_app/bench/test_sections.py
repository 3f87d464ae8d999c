"""`run_bench` runs the sections a front end adds next to its own, by the same `--only` names."""

from __future__ import annotations

from pathlib import Path

import pytest

from counter_app.bench import BenchContext, run_bench, sections
from counter_app.errors import UserError
from counter_app.frontend import BenchSection


def test_a_front_end_section_runs_on_the_bench_database(app_home: Path) -> None:
    seen: list[BenchContext] = []

    def window_figures(ctx: BenchContext) -> dict[str, float]:
        seen.append(ctx)
        # The section gets the bench's own (throwaway, initialised) database.
        assert ctx.services.catalog.all()  # type: ignore[attr-defined]
        return {"window_ms": 12.5}

    extra = {"window": BenchSection(window_figures, needs_fill=False)}
    results = run_bench(500, only=["window"], extra=extra)
    assert results["window_ms"] == 12.5
    # needs_fill=False and only that section: the long fill is skipped.
    assert results["rows"] == 0 and len(seen) == 1 and seen[0].rows == 0


def test_an_unknown_section_is_refused_before_any_work(app_home: Path) -> None:
    with pytest.raises(UserError) as info:
        run_bench(500, only=["core", "ui"])
    message = str(info.value)
    assert "không có phần đo ui" in message
    assert all(name in message for name in ["core", *sections()])
