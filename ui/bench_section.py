"""The `ui` section of `counter-app bench`: start-up time and the longest UI-thread stall.

The window is measured in a subprocess (`python -m ui.bench_probe`) on the offscreen platform, so
the bench process itself never loads Qt; this module starts it and reads the JSON it prints. The
entry point (`ui.entry`) adds it to the core's bench as a `BenchSection`.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from counter_app.bench import BenchContext

STARTUP_RUNS = 3
STALL_ROUNDS = 7  # saves measured; the worst and the median are reported
_TIMEOUT_S = 180


def _project_root() -> Path:
    return Path(__file__).resolve().parent.parent


def _probe(args: list[str], home: Path) -> dict[str, Any]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["COUNTER_APP_HOME"] = str(home)  # logs, drafts and settings of the probe stay in tmp
    root = str(_project_root())
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    t0 = time.time()
    proc = subprocess.run(
        [sys.executable, "-m", "ui.bench_probe", *args]
        if args[0] != "startup"
        else [sys.executable, "-m", "ui.bench_probe", "startup", "--t0", repr(t0), *args[1:]],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=_TIMEOUT_S,
        check=False,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(
            f"ui.bench_probe {args[0]} thất bại (mã {proc.returncode}): {proc.stderr[-2000:]}"
        )
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def run(ctx: BenchContext) -> dict[str, float]:
    """`startup_s` (median of 3, process start until the login dialog shows) and
    `intake_ui_stall_ms_max` (longest UI-thread stall over seven saves with receipt preview) and
    `intake_ui_stall_ms_p50` (the median over those saves of each save's longest stall)."""
    base = Path(ctx.tmp_dir) / "ui-bench"
    base.mkdir(parents=True, exist_ok=True)
    # The probe's throwaway home is a counter like any other: it must have a number to receive.
    from counter_app.settings import Settings, set_value

    set_value(Settings.load(env={"COUNTER_APP_HOME": str(base / "home")}), "counter_no", "1")
    runs = [
        _probe(["startup", "--db", str(ctx.db_url)], base / "home") for _ in range(STARTUP_RUNS)
    ]
    startups = [float(r["startup_s"]) for r in runs]
    stall = _probe(
        ["stall", "--dir", str(base), "--rounds", str(STALL_ROUNDS), "--load"], base / "home"
    )
    return {
        "startup_s": statistics.median(startups),
        "startup_s_max": max(startups),
        # The login dialog is usable at once; this is when the database is open behind it.
        "startup_db_ready_s": statistics.median(float(r["ready_s"]) for r in runs),
        "intake_ui_stall_ms_max": float(stall["intake_ui_stall_ms_max"]),
        "intake_ui_stall_ms_p50": float(stall["intake_ui_stall_ms_p50"]),
    }
