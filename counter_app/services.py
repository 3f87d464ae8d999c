"""The composition root: one object that wires settings, database and services together.

The window, the command line, the tests and the benchmark all start from `CounterServices`.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time as _time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from counter_app.attachments import AttachmentService, FileStore
from counter_app.auth import AuthService
from counter_app.calendar import WorkingCalendar
from counter_app.catalog import CatalogService
from counter_app.centre import CentreConfig, CentreService, unit_identifier
from counter_app.code_ledger import CodeLedger, Rollback, issued_in, merge, raise_sequences
from counter_app.db.engine import Database
from counter_app.db.lock import ExclusiveHold, SharedHold
from counter_app.db.migrate import UpgradeResult, current_revision, head_revision, upgrade
from counter_app.domain import local_now
from counter_app.dossier_codes import register_key
from counter_app.dossiers import DossierService
from counter_app.file_limit import remember_server_limit
from counter_app.intake import IntakeService
from counter_app.issuing import IssuingGuard
from counter_app.online import OnlineService
from counter_app.printing import ReceiptService
from counter_app.settings import Settings

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from counter_app.sync.transport import HttpTransport

# Other counters on a shared database may change the calendar; re-read it this often.
_CENTRE_TTL_S = 60.0


@dataclass(frozen=True)
class StartReport:
    """What `start` found: schema upgrade, code counters raised, the server's word."""

    upgrade: UpgradeResult
    sequences_raised: int
    server_unit: str | None
    server_error: str
    clock_problem: str
    #: Codes issued and printed that this database lacks (data put back from an old copy).
    lost_codes: tuple[str, ...] = ()
    #: The Vietnamese warning naming them ('' when nothing was rolled back).
    code_warning: str = ""


@dataclass(frozen=True)
class InitResult:
    upgrade: UpgradeResult
    procedures_added: int
    procedures_updated: int
    calendar_days_added: int = 0


class CounterServices:
    """Every core service for one database, sharing one clock and one cached calendar."""

    def __init__(
        self,
        settings: Settings,
        *,
        db: Database | None = None,
        clock: Callable[[], datetime] = local_now,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.db = db or Database(settings.database_url)
        self.auth = AuthService(self.db, clock=clock)
        self.centre = CentreService(self.db)
        self.catalog = CatalogService(self.db)
        self._centre_cache: tuple[float, CentreConfig, WorkingCalendar] | None = None
        self.ledger: CodeLedger | None = (
            CodeLedger.for_database(self.db.file, settings.paths.code_mark_dirs)
            if self.db.file is not None
            else None
        )
        #: What the last `raise_code_sequences` found rolled back (None: nothing).
        self.code_rollback: Rollback | None = None
        self.guard = IssuingGuard(lambda: self.settings, self.db, clock=clock, unit=self._unit)
        self.attachments = AttachmentService(
            self.db,
            FileStore(settings.paths.files_dir),
            max_bytes=settings.max_file_mb * 1024 * 1024,
            clock=clock,
            unit=self._unit,
        )
        self.intake = IntakeService(
            self.db,
            self.catalog,
            centre=self.centre_config,
            calendar=self.calendar,
            counter_no=settings.counter_no,
            code_scope=settings.code_scope,
            clock=clock,
            guard=self.guard.require,
            ledger=self.ledger,
            backdate_working_days=settings.backdate_working_days,
            attachments=self.attachments,
        )
        self.dossiers = DossierService(
            self.db, counter_no=settings.counter_no, clock=clock, calendar=self.calendar
        )
        self.receipts = ReceiptService(self.db, settings, self.centre_config, clock=clock)
        self.online = OnlineService(self, transport=self.server_transport, clock=clock)
        self._transport: HttpTransport | None = None

    def server_transport(self) -> HttpTransport | None:
        """One HTTP connection to the provincial server, or None when none is configured."""
        sync = self.settings.sync
        if not (sync.server_url and sync.token):
            return None
        if self._transport is None:
            from counter_app.sync.transport import HttpTransport

            self._transport = HttpTransport(
                sync.server_url,
                sync.token,
                connect_timeout_s=sync.connect_timeout_s,
                read_timeout_s=sync.read_timeout_s,
                ca_bundle=sync.ca_bundle,
                install_id=sync.install_id,
            )
        return self._transport

    def migrate(self, *, locked: bool = False) -> UpgradeResult:
        """Create or upgrade the schema (an older SQLite file is backed up first).

        A real upgrade rewrites the file, so it takes the database exclusively (refused while the
        window or another command uses it) unless the caller already holds it (`locked`); the code
        counters are then raised to everything ever issued.
        """
        if self.db.file is None or locked or current_revision(self.db) == head_revision():
            result = upgrade(self.db, backup_dir=self.settings.paths.backup_dir)
        else:
            with ExclusiveHold(self.db.file, action="nâng cấp CSDL", ignore=self.db.writer_hold):
                result = upgrade(self.db, backup_dir=self.settings.paths.backup_dir)
        if result.from_revision != result.to_revision:
            self.raise_code_sequences()
        if result.backup is not None:
            self._backup_files_of(result.backup)
        return result

    def _backup_files_of(self, backup: Path) -> None:
        """The files the pre-migration backup references join the backups' files folder (best
        effort: the migration is done; `doctor` and `backup --verify` show what is missing)."""
        from counter_app.attachment_backup import backup_attachments, backup_files_root

        paths = self.settings.paths
        try:
            backup_attachments(backup, paths.files_dir, backup_files_root(backup, paths.backup_dir))
        except (OSError, sqlite3.Error) as exc:
            log.error("could not copy the files of %s: %s", backup, exc)

    def hold(self, what: str | None = None) -> None:
        """Take this program's shared hold on the database file (window, writing commands):
        `restore` and migrations elsewhere are refused until `close`."""
        if self.db.file is not None and self.db.writer_hold is None:
            self.db.writer_hold = SharedHold(self.db.file, what=what)
            # A restore killed mid-copy leaves its temporary copy; none can be running now.
            from counter_app.atomic import TEMP_PREFIX

            for leftover in self.db.file.parent.glob(f"{TEMP_PREFIX}{self.db.file.name}.*"):
                with contextlib.suppress(OSError):
                    leftover.unlink()

    def raise_code_sequences(self, *, server: bool = False, scan_database: bool = True) -> int:
        """Lift the code counters above every number this counter ever issued: the ledger and
        its copies, the database's own codes, and the server's high-water mark when `server`.
        A database behind the ledger (data put back from an old copy) is `code_rollback`.

        Without `scan_database` (every start) only the database's counters are read, and its
        dossiers are scanned only when the ledger knows of higher numbers: a rollback is then
        named from the codes themselves, while a normal start does not read every dossier."""
        hw: dict[tuple[str, date], int] = {}
        if server:
            info = self.guard.check_server()
            if info is not None:
                # The server's file limit, for intake, `attach` and `scan` until the next contact.
                remember_server_limit(self.db, info.max_file_bytes)
                hw = {(info.unit, day): n for day, n in info.high_water.items()}
                # The register books' entries too (dossier_codes.register_key).
                hw.update(
                    {register_key(info.unit, m): n for m, n in info.register_high_water.items()}
                )
        with self.db.write() as s:
            highest = issued_in(s, scan_codes=scan_database)
            if not scan_database and self.ledger is not None and self._ledger_ahead(highest):
                highest = issued_in(s)
            if self.ledger is not None:
                try:
                    highest, rollback = self.ledger.reconcile(highest, now=self.clock())
                    if rollback is not None:
                        self.code_rollback = rollback
                except sqlite3.Error as exc:  # the database's own counters still hold; say so
                    log.error("code ledger %s unreadable: %s", self.ledger.path, exc)
                if hw:
                    try:
                        self.ledger.record((u, d, n) for (u, d), n in hw.items())
                    except sqlite3.Error as exc:
                        log.error("code ledger %s not updated: %s", self.ledger.path, exc)
            return raise_sequences(s, merge(highest, hw))

    def _ledger_ahead(self, counters: dict[tuple[str, date], int]) -> bool:
        """Whether the ledger or a copy holds a number above the database's counters."""
        assert self.ledger is not None
        try:
            marks = self.ledger.all()
        except sqlite3.Error:
            return True  # unreadable: reconcile says so; scan the codes to be safe
        return any(n > counters.get(key, 0) for key, n in marks.items())

    def start(self, *, what: str | None = None, check_server: bool = True) -> StartReport:
        """Open the database for work (window and commands): schema up to date, the shared
        hold, code counters above everything ever issued, the server's unit and clock checked."""
        from counter_app.backup import check_health

        check_health(self.settings, self.db)
        upgraded = self.migrate()
        self.hold(what)
        raised = self.raise_code_sequences(server=check_server, scan_database=False)
        rollback = self.code_rollback
        return StartReport(
            upgrade=upgraded,
            sequences_raised=raised,
            server_unit=self.guard.server.unit if self.guard.server else None,
            server_error=self.guard.server_error,
            clock_problem=self.guard.clock_problem(),
            lost_codes=rollback.lost if rollback else (),
            code_warning=rollback.message() if rollback else "",
        )

    def init(self, *, load_catalog: bool = True) -> InitResult:
        """`counter-app init`: schema to head and the bundled catalog loaded; safe to repeat."""
        from counter_app.backup import check_health

        check_health(self.settings, self.db)
        result = self.migrate()
        self.hold("lệnh counter-app init")
        self.raise_code_sequences()
        added = updated = 0
        if load_catalog:
            added, updated = self.catalog.load_file()
        days = self.load_bundled_calendar()
        return InitResult(result, added, updated, days)

    def load_bundled_calendar(self) -> int:
        """The announcements shipped in resources/calendar/, without overwriting any day set here
        (by an admin or the server's feed); returns the days added."""
        from counter_app.auth import system_actor
        from counter_app.official_calendar import bundled_calendars

        actor = system_actor()  # the program itself, named as the OS user in the audit log
        added = sum(
            self.centre.load_official(calendar, by=actor, replace=False)
            for calendar in bundled_calendars()
        )
        if added:
            self.reload_centre()
        return added

    def _unit(self) -> str:
        return unit_identifier(
            self.centre_config(), self.settings.counter_no, self.settings.code_scope
        )

    def _centre(self) -> tuple[CentreConfig, WorkingCalendar]:
        now = _time.monotonic()
        if self._centre_cache is None or now - self._centre_cache[0] > _CENTRE_TTL_S:
            self._centre_cache = (now, self.centre.load(), self.centre.calendar())
        return self._centre_cache[1], self._centre_cache[2]

    def centre_config(self) -> CentreConfig:
        return self._centre()[0]

    def calendar(self) -> WorkingCalendar:
        return self._centre()[1]

    def reload_centre(self) -> None:
        """Forget cached centre settings and calendar (after an admin changed them)."""
        self._centre_cache = None

    def close(self) -> None:
        if self.ledger is not None:
            self.ledger.close()
        self.db.release_hold()
        if self._transport is not None:
            self._transport.close()
        self.db.dispose()
