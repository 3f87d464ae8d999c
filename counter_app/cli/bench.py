"""`bench`: measure intake, printing, lookup and search on a database with years of history."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from counter_app.cli import EXIT_OK, Context, print_json


def register(sub: Any) -> None:
    p = sub.add_parser("bench", help="đo hiệu năng trên CSDL tạm chứa nhiều năm hồ sơ")
    p.add_argument(
        "--rows", type=int, default=1_000_000, help="số hồ sơ giả lập (mặc định 1.000.000)"
    )
    p.add_argument("--only", nargs="+", metavar="SECTION", help="chỉ đo các phần này (core, ...)")
    p.add_argument("--keep", type=Path, metavar="DIR", help="giữ lại tệp CSDL đã điền")
    p.add_argument(
        "--cache",
        type=Path,
        metavar="DIR",
        help="dùng lại tệp CSDL đã điền cùng cỡ trong DIR (điền rồi lưu vào đó nếu chưa có)",
    )
    p.add_argument(
        "--growth",
        action="store_true",
        help="đo phần lõi ở --small-rows và --rows hồ sơ rồi in tỉ số (tìm kiếm có phẳng không)",
    )
    p.add_argument(
        "--small-rows", type=int, default=100_000, help="cỡ nhỏ cho --growth (mặc định 100.000)"
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_bench)


def cmd_bench(ctx: Context) -> int:
    from counter_app.bench import TARGETS, run_bench

    def progress(message: str) -> None:
        sys.stderr.write(message + "\n")
        sys.stderr.flush()

    if ctx.args.growth:
        return _growth(ctx, progress)
    results = run_bench(
        ctx.args.rows,
        only=ctx.args.only,
        keep=ctx.args.keep,
        cache=ctx.args.cache,
        progress=progress,
        extra=ctx.frontend.bench_sections if ctx.frontend is not None else None,
    )
    if ctx.args.json:
        print_json({k: round(v, 3) for k, v in results.items()})
        return EXIT_OK
    for key, value in results.items():
        target = TARGETS.get(key)
        note = ""
        if target:
            kind, limit = target
            ok = value <= limit if kind == "max" else value >= limit
            sign = "≤" if kind == "max" else "≥"
            note = f"  (mục tiêu {sign} {limit:g}: {'đạt' if ok else 'CHƯA ĐẠT'})"
        print(f"{key:<26} {value:>12.3f}{note}")
    return EXIT_OK


def _growth(ctx: Context, progress: Any) -> int:
    """The core figures at two sizes and large/small ratios (target: search ≤ 1.25×)."""
    from counter_app.bench import GROWTH_TARGETS, growth

    small, large = ctx.args.small_rows, ctx.args.rows
    report = growth(small, large, cache=ctx.args.cache, progress=progress)
    if ctx.args.json:
        print_json(report)
        return EXIT_OK
    print(f"{'':<26} {small:>12,} {large:>12,} {'tỉ số':>8}".replace(",", "."))
    for key, ratio in report["ratios"].items():
        a, b = report["small"][key], report["large"][key]
        target = GROWTH_TARGETS.get(key)
        note = (
            f"  (mục tiêu ≤ {target:g}: {'đạt' if ratio <= target else 'CHƯA ĐẠT'})"
            if target
            else ""
        )
        print(f"{key:<26} {a:>12.3f} {b:>12.3f} {ratio:>8.2f}{note}")
    for key in ("search_vs_raw_fts", "search_vs_raw_sql"):
        ratio = report["large"][key]
        verdict = "đạt" if ratio <= 1.5 else "CHƯA ĐẠT"
        print(f"{key + ' (lớn)':<26} {ratio:>8.2f}  (mục tiêu ≤ 1.5: {verdict})")
    # The app over the bare walk of its own index (ids only): its cost of building the rows.
    print(f"{'search_vs_raw_index (lớn)':<26} {report['large']['search_vs_raw_index']:>8.2f}")
    loads = [
        report[size][f"load_1m_{when}"]
        for size in ("small", "large")
        for when in ("before", "after")
    ]
    print("tải máy (1 phút) trước/sau mỗi cỡ: " + " / ".join(f"{v:.2f}" for v in loads))
    search_load = [report["large"].get(f"search_load_1m_{when}") for when in ("before", "after")]
    if None not in search_load:
        print(
            "tìm kiếm đo xen kẽ trên cả hai cỡ, tải trước/sau: "
            + " / ".join(f"{v:.2f}" for v in search_load)
        )
    return EXIT_OK
