"""The server's calendar feed updates the counter's official calendar, references included."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

from counter_app.calendar import ProcessingUnit
from tests.counter_app.sync.harness import RefServer, engine_for

ROOT = Path(__file__).resolve().parents[3]


def test_a_published_year_reaches_the_counter_with_its_references(
    services: Any, server: RefServer, tmp_path: Path
) -> None:
    doc = {
        "format": "counter-app-calendar/1",
        "year": 2027,
        "days": [
            {"day": "2027-10-09", "kind": "work", "note": "Làm bù", "reference": "Văn bản 9/VPCP"},
            {"day": "2027-10-15", "kind": "off", "note": "Nghỉ bù", "reference": "Văn bản 9/VPCP"},
        ],
    }
    path = tmp_path / "2027.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    # The provincial admin publishes the file with the server's own command, on its database.
    result = subprocess.run(
        [sys.executable, "-m", "counter_app", "server", "calendar", "load", str(path),
         "--db", server.store.db.url.render_as_string(hide_password=False)],
        cwd=ROOT, capture_output=True, text=True, encoding="utf-8", timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Đã công bố 2 ngày của năm 2027" in result.stdout
    received = datetime(2027, 10, 8, 9)
    assert services.calendar().due(received, 1, ProcessingUnit.WORKING_DAYS).day == 11
    assert services.calendar().estimated_years(received, received) == (2027,)
    report = engine_for(services, server).run_once()
    assert report.pulled == 3  # two days, then the year announced as a whole
    days = {d.day: d for d in services.centre.year_days(2027)}
    assert days[date(2027, 10, 9)].working and days[date(2027, 10, 9)].source == "official"
    assert days[date(2027, 10, 15)].reference == "Văn bản 9/VPCP"
    # The sync engine told the services to re-read the calendar: the make-up day counts now.
    assert services.calendar().due(received, 1, ProcessingUnit.WORKING_DAYS) == datetime(
        2027, 10, 9, 9
    )
    # The feed's year is official now: no estimate left, the file's days replace the guesses.
    assert services.calendar().estimated_years(received, received) == ()
    assert services.calendar().is_working_day(date(2027, 2, 8))  # guessed Tết, not in this file
    assert all(d.source != "estimate" for d in days.values())
