"""Fill a throwaway SQLite database with years of realistic dossier history, fast.

Rows go in through the DB-API's executemany rather than the intake service: a million intakes one
by one would take an hour, and the benchmark measures the service on top of the filled history.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from counter_app.bench import names
from counter_app.calendar import WorkingCalendar
from counter_app.catalog import info_from_row
from counter_app.centre import unit_identifier
from counter_app.db.models import Procedure
from counter_app.domain import DossierStatus
from counter_app.dossier_codes import format_code
from counter_app.search import dossier_search_text
from counter_app.services import CounterServices

COUNTERS = 6
CHUNK = 20_000
#: Bump when the filled data changes: `bench --cache` reuses files of the same version only.
FILL_VERSION = 2


@dataclass(frozen=True)
class FillResult:
    rows: int
    seconds: float
    sample_codes: list[str]
    sample_names: list[str]


def _dt(value: datetime) -> str:
    # SQLAlchemy's SQLite DateTime text format; comparisons are textual, so it must match exactly.
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def _working_days(calendar: WorkingCalendar, end: date, years: int) -> list[date]:
    start = end - timedelta(days=365 * years)
    days = []
    d = start
    while d <= end:
        if calendar.is_working_day(d):
            days.append(d)
        d += timedelta(days=1)
    return days


def _status(rng: random.Random, appointment: datetime, now: datetime) -> DossierStatus:
    age = (now - appointment).days
    if age > 30:
        roll = rng.random()
        if roll < 0.93:
            return DossierStatus.RETURNED
        if roll < 0.97:
            return DossierStatus.RESULT_READY
        return rng.choice(
            [DossierStatus.WITHDRAWN, DossierStatus.STOPPED, DossierStatus.PROCESSING]
        )
    return rng.choice(
        [
            DossierStatus.RECEIVED,
            DossierStatus.PROCESSING,
            DossierStatus.PROCESSING,
            DossierStatus.SUPPLEMENT_REQUESTED,
            DossierStatus.RESULT_READY,
            DossierStatus.RETURNED,
        ]
    )


def fill(
    services: CounterServices, rows: int, *, years: int = 5, seed: int = 20261127
) -> FillResult:
    """Insert `rows` dossiers spread over `years` of working days up to today."""
    import time as _time

    rng = random.Random(seed)
    calendar = services.calendar()
    centre = services.centre_config()
    now = services.clock()
    with services.db.read() as s:
        procedures = [info_from_row(p) for p in s.scalars(select(Procedure))]
        ids = {p.code: p.id for p in s.scalars(select(Procedure))}
    if not procedures:
        raise RuntimeError("Danh mục thủ tục trống: chạy `counter-app init` trước.")
    days = _working_days(calendar, now.date() - timedelta(days=1), years)
    per_day, extra = divmod(rows, len(days))
    units = [unit_identifier(centre, n, "counter") for n in range(1, COUNTERS + 1)]
    weights = [1.0 / (i + 1) for i in range(len(procedures))]  # a few procedures dominate
    used_ids: set[str] = set()
    sample_codes: list[str] = []
    sample_names: list[str] = []
    started = _time.perf_counter()
    raw = services.db.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("PRAGMA synchronous=OFF")  # throwaway data: durability buys nothing here
        cur.execute("BEGIN")
        dossier_id = applicant_id = 0
        batch: dict[str, list[tuple[object, ...]]] = {"d": [], "a": [], "p": [], "e": []}
        sequences: dict[tuple[str, date], int] = {}

        def flush() -> None:
            cur.executemany(_APPLICANT_SQL, batch["a"])
            cur.executemany(_DOSSIER_SQL, batch["d"])
            cur.executemany(_PAPER_SQL, batch["p"])
            cur.executemany(_EVENT_SQL, batch["e"])
            for pending in batch.values():
                pending.clear()

        for day_index, day in enumerate(days):
            count = per_day + (1 if day_index < extra else 0)
            sessions = calendar.sessions_on(day)
            for _ in range(count):
                start, end = rng.choice(sessions)
                received = start + timedelta(
                    seconds=rng.randint(0, int((end - start).total_seconds()) - 1)
                )
                counter = rng.randint(1, COUNTERS)
                unit = units[counter - 1]
                seq = sequences.get((unit, day), 0) + 1
                sequences[(unit, day)] = seq
                code = format_code(unit, day, seq)
                procedure = rng.choices(procedures, weights)[0]
                appointment = calendar.due(
                    received,
                    procedure.processing_amount,
                    procedure.processing_unit,
                    procedure.cutoff,
                )
                status = _status(rng, appointment, now)
                name, female = names.person(rng)
                id_number = names.citizen_id(rng, female, applicant_id)
                while id_number in used_ids:
                    id_number = names.citizen_id(rng, female, rng.randint(0, 999_999))
                used_ids.add(id_number)
                phone = names.phone(rng)
                address = names.address(rng)
                applicant_id += 1
                dossier_id += 1
                snapshot = json.dumps(
                    {
                        "kind": 1,
                        "id_kind": "cccd",
                        "id_number": id_number,
                        "name": name,
                        "birth_date": None,
                        "phone": phone,
                        "email": "",
                        "address": address,
                    },
                    ensure_ascii=False,
                )
                handed = (
                    _dt(appointment + timedelta(days=rng.randint(0, 5)))
                    if status is DossierStatus.RETURNED
                    else None
                )
                batch["a"].append(
                    (applicant_id, 1, "cccd", id_number, name, phone, "", address, _dt(received))
                )
                batch["d"].append(
                    (
                        dossier_id,
                        str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                        code,
                        unit,
                        ids[procedure.code],
                        applicant_id,
                        name,
                        snapshot,
                        1,
                        int(status),
                        _dt(received),
                        _dt(appointment),
                        counter,
                        f"Cán bộ quầy {counter}",
                        procedure.fee,
                        handed,
                        dossier_search_text(name, id_number, code, phone),
                        _dt(received),
                    )
                )
                for position, paper in enumerate(procedure.papers):
                    batch["p"].append(
                        (
                            dossier_id,
                            paper.code,
                            paper.name,
                            paper.originals,
                            paper.copies,
                            paper.required,
                            position,
                        )
                    )
                batch["e"].append(
                    (
                        str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                        dossier_id,
                        2,
                        _dt(received),
                    )
                )
                if status is not DossierStatus.RECEIVED:
                    batch["e"].append(
                        (
                            str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                            dossier_id,
                            int(status),
                            _dt(max(received, min(appointment, now))),
                        )
                    )
                if rng.random() < 2000 / max(rows, 1):
                    sample_codes.append(code)
                    sample_names.append(name)
                if len(batch["d"]) >= CHUNK:
                    flush()
        flush()
        cur.executemany(
            "INSERT INTO code_sequence (unit_identifier, day, last_value) VALUES (?, ?, ?)",
            [(u, d.isoformat(), n) for (u, d), n in sequences.items()],
        )
        cur.execute("COMMIT")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("ANALYZE")
        cur.close()
    finally:
        raw.close()
    return FillResult(rows, _time.perf_counter() - started, sample_codes, sample_names)


_APPLICANT_SQL = (
    "INSERT INTO applicant (id, kind, id_kind, id_number, name, phone, email, address, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_DOSSIER_SQL = (
    "INSERT INTO dossier (id, uuid, code, unit_identifier, procedure_id, applicant_id,"
    " applicant_name, applicant_snapshot, channel, status, received_at, appointment_at,"
    " counter_no, clerk_name, fee, dossier_sets, summary, notes, missing_papers_reason,"
    " result_delivery, delivery_address, handed_back_at, version, search_text, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
    " 1, '', '', '', 'counter', '', ?, 1, ?, ?)"
)
_PAPER_SQL = (
    "INSERT INTO dossier_paper"
    " (dossier_id, code, name, originals, copies, submitted, required, position)"
    " VALUES (?, ?, ?, ?, ?, 1, ?, ?)"
)
_EVENT_SQL = (
    "INSERT INTO dossier_event (uuid, dossier_id, status, at, actor, note, source)"
    " VALUES (?, ?, ?, ?, '', '', 'counter')"
)
