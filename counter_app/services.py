"""The composition root: one object that wires settings, database and services together.

The window, the command line, the tests and the benchmark all start from `CounterServices`.
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from counter_app.attachments import AttachmentService, FileStore
from counter_app.auth import AuthService
from counter_app.calendar import WorkingCalendar
from counter_app.catalog import CatalogService
from counter_app.centre import CentreConfig, CentreService
from counter_app.db.engine import Database
from counter_app.db.migrate import UpgradeResult, upgrade
from counter_app.domain import local_now
from counter_app.dossiers import DossierService
from counter_app.intake import IntakeService
from counter_app.online import OnlineService
from counter_app.printing import ReceiptService
from counter_app.settings import Settings

if TYPE_CHECKING:
    from counter_app.sync.transport import HttpTransport

# Other counters on a shared database may change the calendar; re-read it this often.
_CENTRE_TTL_S = 60.0


@dataclass(frozen=True)
class InitResult:
    upgrade: UpgradeResult
    procedures_added: int
    procedures_updated: int


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
        self.auth = AuthService(self.db)
        self.centre = CentreService(self.db)
        self.catalog = CatalogService(self.db)
        self._centre_cache: tuple[float, CentreConfig, WorkingCalendar] | None = None
        self.intake = IntakeService(
            self.db,
            self.catalog,
            centre=self.centre_config,
            calendar=self.calendar,
            counter_no=settings.counter_no,
            code_scope=settings.code_scope,
            clock=clock,
        )
        self.dossiers = DossierService(self.db, counter_no=settings.counter_no, clock=clock)
        self.receipts = ReceiptService(self.db, settings, self.centre_config, clock=clock)
        self.attachments = AttachmentService(
            self.db,
            FileStore(settings.paths.files_dir),
            max_bytes=settings.max_file_mb * 1024 * 1024,
            clock=clock,
        )
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
            )
        return self._transport

    def migrate(self) -> UpgradeResult:
        """Create or upgrade the schema (an older SQLite file is backed up first)."""
        return upgrade(self.db, backup_dir=self.settings.paths.backup_dir)

    def init(self, *, load_catalog: bool = True) -> InitResult:
        """`counter-app init`: schema to head and the bundled catalog loaded; safe to repeat."""
        result = self.migrate()
        added = updated = 0
        if load_catalog:
            added, updated = self.catalog.load_file()
        return InitResult(result, added, updated)

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
        if self._transport is not None:
            self._transport.close()
        self.db.dispose()
