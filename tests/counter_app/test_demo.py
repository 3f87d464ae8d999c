"""The demo database: catalog, demo accounts that sign in, dossiers written by the core."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from counter_app.auth import system_actor
from counter_app.demo import DEMO_USERS, build_demo
from counter_app.domain import DossierStatus, Role
from counter_app.services import CounterServices
from counter_app.settings import Settings

# Who the tests act as: the command line's system actor (an admin).
ACTOR = system_actor()


def test_build_demo(sqlite_url: str, app_home: Path, clock: Any) -> None:
    services = CounterServices(Settings.load(db_url=sqlite_url), clock=clock)
    try:
        info = build_demo(services)
        assert len(services.catalog.all()) > 30
        assert services.centre.load().configured
        for username, _, password, role in DEMO_USERS:
            user = services.auth.authenticate(username, password)
            assert user is not None and user.role is role
        assert {r for _, _, r in info.users} == set(Role)
        assert len(info.dossier_codes) == 12
        rows = services.dossiers.search(limit=100, by=ACTOR)
        assert len(rows) == 12
        assert (
            services.dossiers.lookup(info.dossier_codes[0], by=ACTOR).status
            is DossierStatus.RETURNED
        )
        statuses = {r.status for r in rows}
        assert DossierStatus.SUPPLEMENT_REQUESTED in statuses
        assert all(r.received_at <= clock() for r in rows)
        assert services.dossiers.list_day(clock().date(), by=ACTOR)  # some dossiers are today's
    finally:
        services.close()
