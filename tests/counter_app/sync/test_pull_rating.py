"""A rating from the server's feed (given on the citizen's page) lands in the counter's ratings."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from counter_app.db.models import AuditEntry, Dossier, OutboxEntry, Rating
from counter_app.ratings import apply_server_rating
from tests.counter_app.sync.harness import receive

RATING_UUID = "44444444-4444-4444-8444-000000000001"


def _data(dossier_uuid: str, **changes: Any) -> dict[str, Any]:
    data = {
        "uuid": RATING_UUID,
        "dossier_uuid": dossier_uuid,
        "code": "x",
        "score": 2,
        "comment": "Tốt\u200b lắm",
        "at": "2026-12-02T08:00:00",
        "source": "web",
    }
    return {**data, **changes}


def test_applied_once_not_queued_and_audited(services: Any) -> None:
    code = receive(services, 1)[0]
    with services.db.write() as s:
        d = s.scalar(select(Dossier).where(Dossier.code == code))
        assert apply_server_rating(s, _data(d.uuid)) == 1
        assert apply_server_rating(s, _data(d.uuid)) == 0  # the same change again
        other = _data(d.uuid, uuid="44444444-4444-4444-8444-000000000002", score=1)
        assert apply_server_rating(s, other) == 0  # one rating per dossier
    with services.db.read() as s:
        rows = s.execute(select(Rating.uuid, Rating.score, Rating.comment)).all()
        assert [tuple(r) for r in rows] == [(RATING_UUID, 2, "Tốt lắm")]
        assert s.scalar(select(OutboxEntry.id).where(OutboxEntry.entity == "rating")) is None
        assert s.scalar(select(AuditEntry.id).where(AuditEntry.action == "rating.add"))


@pytest.mark.parametrize(
    "changes",
    [
        {"score": 4},
        {"score": "rất tốt"},
        {"at": "hôm nay"},
        {"uuid": ""},
        {"dossier_uuid": "55555555-5555-4555-8555-000000000000"},
        {"comment": None, "score": None},
    ],
)
def test_junk_is_skipped(services: Any, changes: dict[str, Any]) -> None:
    code = receive(services, 1)[0]
    with services.db.write() as s:
        d = s.scalar(select(Dossier).where(Dossier.code == code))
        assert apply_server_rating(s, {**_data(d.uuid), **changes}) == 0
    with services.db.read() as s:
        assert s.scalar(select(Rating.id)) is None
