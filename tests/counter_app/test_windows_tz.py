"""The core runs where there is no system time-zone database (Windows): `tzdata` provides it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import SMALL_CATALOG

# Run in a child: zoneinfo reads PYTHONTZPATH once, at import.
_PROGRAM = r"""
import json, sys, zoneinfo
from dataclasses import replace
from datetime import datetime

assert zoneinfo.TZPATH == (sys.argv[1],), zoneinfo.TZPATH
from counter_app.domain import TIMEZONE, local_now
from counter_app.auth import system_actor
from counter_app.intake import ApplicantDraft, DossierDraft
from counter_app.services import CounterServices
from counter_app.settings import Settings

settings = replace(Settings.load(db_url=sys.argv[2]), counter_no=1)
services = CounterServices(settings, clock=lambda: datetime(2026, 11, 27, 9, 0))
services.migrate()
from pathlib import Path
services.catalog.load_file(Path(sys.argv[3]))
actor = system_actor()
received = services.intake.receive(
    DossierDraft(
        procedure_code="2.000908",
        applicant=ApplicantDraft("Nguyễn Văn Đức", "022090001234", address="Hạ Long"),
    ),
    clerk=actor,
)
pdf = services.receipts.receipt_pdf(received.code, by=actor)
services.close()
print(json.dumps({
    "zone": getattr(TIMEZONE, "key", None),
    "offset_h": TIMEZONE.utcoffset(datetime(2026, 1, 1)).total_seconds() / 3600,
    "now_year": local_now().year,
    "code": received.code,
    "appointment": received.appointment.isoformat(),
    "pdf": pdf[:5].decode(),
}))
"""


def test_core_runs_without_a_system_timezone_database(tmp_path: Path) -> None:
    empty = tmp_path / "no-zoneinfo"
    empty.mkdir()
    env = {
        **os.environ,
        "PYTHONTZPATH": str(empty),
        "TZ": "Asia/Ho_Chi_Minh",  # a TZ the C library cannot resolve either
        "COUNTER_APP_HOME": str(tmp_path / "home"),
    }
    url = f"sqlite:///{tmp_path / 'counter.sqlite3'}"
    proc = subprocess.run(
        [sys.executable, "-c", _PROGRAM, str(empty), url, str(SMALL_CATALOG)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    # The real zone, served by the tzdata package, not the fixed-offset fallback.
    assert out["zone"] == "Asia/Ho_Chi_Minh"
    assert out["offset_h"] == 7
    assert out["code"].endswith("-261127-0001")
    assert out["appointment"].startswith("2026-")
    assert out["pdf"] == "%PDF-"


def test_fixed_offset_fallback_when_no_database_at_all(tmp_path: Path) -> None:
    """Even with tzdata gone too, importing the core gives Vietnam's wall time instead of a crash."""
    empty = tmp_path / "no-zoneinfo"
    empty.mkdir()
    blocker = tmp_path / "block"
    blocker.mkdir()
    (blocker / "tzdata.py").write_text("raise ImportError('tzdata hidden by the test')\n")
    program = (
        "from datetime import datetime\n"
        "from counter_app.domain import TIMEZONE, local_now\n"
        "assert not hasattr(TIMEZONE, 'key'), TIMEZONE\n"
        "print(TIMEZONE.utcoffset(datetime(2026, 6, 1)).total_seconds(), local_now().year)\n"
    )
    env = {
        **os.environ,
        "PYTHONTZPATH": str(empty),
        "PYTHONPATH": os.pathsep.join([str(blocker), str(Path(__file__).parents[2])]),
    }
    proc = subprocess.run(
        [sys.executable, "-c", program], env=env, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    offset, _year = proc.stdout.split()
    assert float(offset) == 7 * 3600
