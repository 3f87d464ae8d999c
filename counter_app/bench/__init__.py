"""`counter-app bench`: fill a throwaway database, then measure what a counter feels.

Sections are modules of this package with `run(ctx) -> dict[str, float]`, and those a front end
adds (`counter_app.frontend.BenchSection`, e.g. the window's start-up and stall figures); `core`
runs first, the others (reports, sync, ...) after it in name order. Benchmarks are not tests:
nothing here asserts a time, it reports figures next to their targets.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from counter_app.atomic import write_text, write_with
from counter_app.errors import UserError
from counter_app.settings import Settings
from counter_app.tempdirs import remove_tree

if TYPE_CHECKING:
    from counter_app.bench.fill import FillResult
    from counter_app.frontend import BenchSection

#: Targets from the issues (2-core machine, SQLite, 1,000,000 rows); "max" means lower is better.
TARGETS: dict[str, tuple[str, float]] = {
    "intake_ms_p95": ("max", 15),
    "receipt_ms_p50": ("max", 30),
    "receipt_ratio": ("max", 1.3),
    "lookup_ms_p95": ("max", 2),
    "search_ms_p95": ("max", 30),
    "startup_s": ("max", 1.5),
    "intake_ui_stall_ms_max": ("max", 50),
    "sync_push_per_s": ("min", 2000),
    "sync_backlog_5000_s": ("max", 5),
    "report_day_ms": ("max", 50),
    "report_month_ms": ("max", 300),
    "kiosk_lookup_ms_p95": ("max", 20),
    "server_push_ratio": ("min", 0.3),
    "web_page_ratio": ("max", 3),
    "queue_call_to_board_ms_p95": ("max", 200),
    "files_upload_ratio": ("min", 0.5),
}

_NOT_SECTIONS = {"fill", "names", "core", "child"}  # helpers of the sections, not sections


@dataclass
class BenchContext:
    """What every section gets: the filled database's services and where to put its own files."""

    services: object
    settings: Settings
    db_url: str
    tmp_dir: Path
    rows: int
    sample_codes: list[str] = field(default_factory=list)
    sample_names: list[str] = field(default_factory=list)


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100) by nearest rank; enough for a benchmark report."""
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def timed_ms(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples)


def sections() -> list[str]:
    """The core's own sections (besides `core`), in the order they run."""
    names = [m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")]
    return sorted(n for n in names if n not in _NOT_SECTIONS)


def _section(name: str, extra: Mapping[str, BenchSection]) -> BenchSection | None:
    """A section by name: a front end's, else this package's module (imported only when used)."""
    from counter_app.frontend import BenchSection

    if name in extra:
        return extra[name]
    module = importlib.import_module(f"{__name__}.{name}")
    run = getattr(module, "run", None)
    return BenchSection(run, needs_fill=getattr(module, "NEEDS_FILL", True)) if run else None


def run_bench(
    rows: int,
    *,
    only: Sequence[str] | None = None,
    keep: Path | None = None,
    cache: Path | None = None,
    progress: Callable[[str], None] = lambda _msg: None,
    extra: Mapping[str, BenchSection] | None = None,
) -> dict[str, float]:
    """Run the benchmark on a fresh SQLite file and return the flat figures.

    `extra`: sections a front end adds, by name (`--only` takes their names too).
    With `cache`, the filled file is kept there and copied back on the next run of the same size,
    schema and fill (a million rows take minutes to fill on a 2-core machine).
    """
    from counter_app.bench import core

    extra = extra or {}
    available = sorted({*sections(), *extra})
    wanted = set(only) if only else None
    unknown = sorted((wanted or set()) - {"core", *available})
    if unknown:
        raise UserError(
            f"--only: không có phần đo {', '.join(unknown)}; các phần có: "
            + ", ".join(["core", *available])
            + " (phần đo cửa sổ chỉ có khi chạy bằng lệnh counter-app)."
        )
    # Sections that bring their own data (needs_fill False) skip the long fill.
    chosen = {n: _section(n, extra) for n in available if wanted is None or n in wanted}
    if (
        wanted is not None
        and "core" not in wanted
        and all(section is None or not section.needs_fill for section in chosen.values())
    ):
        rows = 0
    with _filled(rows, cache=cache, keep=keep, progress=progress) as (ctx, results):
        if wanted is None or "core" in wanted:
            progress("Đo tiếp nhận, in, tra cứu, tìm kiếm…")
            results.update(core.run(ctx))
        for name, section in chosen.items():
            if section is None:
                continue
            progress(f"Đo phần {name}…")
            results.update(section.run(ctx))
        return results


@contextmanager
def _filled(
    rows: int,
    *,
    cache: Path | None,
    progress: Callable[[str], None],
    keep: Path | None = None,
) -> Iterator[tuple[BenchContext, dict[str, float]]]:
    """A fresh SQLite file with `rows` dossiers (filled, or copied from `cache`), its services,
    and the first figures (rows, fill speed); removed afterwards (copied into `keep` first)."""
    from counter_app.bench.fill import fill
    from counter_app.services import CounterServices

    tmp_dir = Path(tempfile.mkdtemp(prefix="counter-bench-"))
    services: CounterServices | None = None
    try:
        db_file = tmp_dir / "bench.sqlite3"
        settings = replace(Settings.load(), db_url=f"sqlite:///{db_file}", counter_no=1)
        cached = _cached_fill(cache, rows)
        if cached is not None:
            progress(f"Dùng lại tệp đã điền {cached[0]}…")
            shutil.copyfile(cached[0], db_file)
        services = CounterServices(settings)
        progress("Tạo CSDL và nạp danh mục…")
        services.init()
        if cached is not None:
            filled = cached[1]
        else:
            progress(f"Điền {rows:,} hồ sơ…")
            filled = fill(services, rows)
            if cache is not None and rows:
                _store_fill(cache, db_file, filled)
        results: dict[str, float] = {
            "rows": float(rows),
            "fill_rows_per_s": rows / filled.seconds if filled.seconds else float("nan"),
        }
        ctx = BenchContext(
            services=services,
            settings=settings,
            db_url=settings.database_url,
            tmp_dir=tmp_dir,
            rows=rows,
            sample_codes=filled.sample_codes,
            sample_names=filled.sample_names,
        )
        yield ctx, results
        services.close()
        services = None
        if keep is not None:  # closed first: the copy is the whole database, WAL folded in
            keep.mkdir(parents=True, exist_ok=True)
            shutil.copy2(db_file, keep / db_file.name)
    finally:
        if services is not None:
            services.close()
        remove_tree(tmp_dir)


#: Growth from the small to the large database that a flat figure stays within.
GROWTH_TARGETS: dict[str, float] = {"search_ms_p95": 1.25, "lookup_ms_p95": 1.25}
_GROWTH_KEYS = (
    "intake_ms_p50",
    "intake_ms_p95",
    "receipt_ms_p50",
    "lookup_ms_p95",
    "search_ms_p50",
    "search_ms_p95",
    "search_cpu_ms_p95",
    "search_typed_ms_p95",
    "search_names_ms_p95",
    "search_today_ms_p95",
    "search_raw_fts_ms_p95",
    "search_raw_fts_cpu_ms_p95",
    "search_raw_sql_ms_p95",
    "search_raw_index_ms_p95",
)


def growth(
    small: int,
    large: int,
    *,
    cache: Path | None = None,
    progress: Callable[[str], None] = lambda _msg: None,
) -> dict[str, dict[str, float]]:
    """`bench --growth`: the core section at two sizes; ratios large/small per figure.

    Both files stay open and the search figures are taken on both at once, query by query
    (`core.search_figures`), so that a ratio compares the two sizes under the same load. Each
    size's figures carry the machine's load average before and after (`load_1m_*`): on a
    shared machine a ratio means something only next to the load it was measured under.
    """
    from counter_app.bench import core

    progress(f"Cỡ nhỏ: {small:,} hồ sơ")
    with _filled(small, cache=cache, progress=progress) as (ctx_a, a):
        progress(f"Cỡ lớn: {large:,} hồ sơ")
        with _filled(large, cache=cache, progress=progress) as (ctx_b, b):
            for ctx, figures, size in ((ctx_a, a, small), (ctx_b, b, large)):
                progress(f"Đo tiếp nhận, in, tra cứu ({size:,} hồ sơ)…")
                figures.update(_with_load(partial(core.run, ctx, search=False)))
            # Search on both files query by query: one load for both sides of each ratio.
            progress("Đo tìm kiếm trên cả hai cỡ, xen kẽ từng truy vấn…")
            before = load_average()
            searched = core.search_figures(
                [(ctx.services, ctx.sample_names or ["Nguyễn Văn An"]) for ctx in (ctx_a, ctx_b)]
            )
            after = load_average()
            for figures, found in zip((a, b), searched, strict=True):
                figures.update(found, search_load_1m_before=before, search_load_1m_after=after)
    ratios = {k: b[k] / a[k] if a.get(k) else float("nan") for k in _GROWTH_KEYS if k in a}
    return {"small": a, "large": b, "ratios": ratios}


def load_average() -> float:
    """The 1-minute load average (NaN where the OS has none, e.g. Windows)."""
    getloadavg = getattr(os, "getloadavg", None)
    if getloadavg is None:
        return float("nan")
    try:
        return float(getloadavg()[0])
    except OSError:
        return float("nan")


def _with_load(measure: Callable[[], dict[str, float]]) -> dict[str, float]:
    before = load_average()
    results = measure()
    return {**results, "load_1m_before": before, "load_1m_after": load_average()}


def _cache_name(rows: int) -> str:
    """Cached fills are valid for one size, schema head and fill version."""
    from counter_app.bench.fill import FILL_VERSION
    from counter_app.db.migrate import head_revision

    return f"bench-{rows}-r{head_revision()}-f{FILL_VERSION}"


def _cached_fill(cache: Path | None, rows: int) -> tuple[Path, FillResult] | None:
    """The cached file for this size, schema and fill, with its samples; None if absent."""
    from counter_app.bench.fill import FillResult

    if cache is None or not rows:
        return None
    path = cache / f"{_cache_name(rows)}.sqlite3"
    samples = path.with_suffix(".json")
    if not (path.exists() and samples.exists()):
        return None
    data = json.loads(samples.read_text(encoding="utf-8"))
    return path, FillResult(rows, 0.0, list(data["codes"]), list(data["names"]))


def _store_fill(cache: Path, db_file: Path, filled: FillResult) -> None:
    """Keep a consistent copy of the freshly filled file (SQLite's backup API) and its samples."""
    import sqlite3

    path = cache / f"{_cache_name(filled.rows)}.sqlite3"

    def copy(tmp: Path) -> None:
        src, dst = sqlite3.connect(db_file), sqlite3.connect(tmp)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()

    cache.mkdir(parents=True, exist_ok=True)
    write_with(path, copy)
    payload = {"codes": filled.sample_codes, "names": filled.sample_names}
    write_text(path.with_suffix(".json"), json.dumps(payload, ensure_ascii=False))
