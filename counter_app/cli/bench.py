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
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_bench)


def cmd_bench(ctx: Context) -> int:
    from counter_app.bench import TARGETS, run_bench

    def progress(message: str) -> None:
        sys.stderr.write(message + "\n")
        sys.stderr.flush()

    results = run_bench(ctx.args.rows, only=ctx.args.only, keep=ctx.args.keep, progress=progress)
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
