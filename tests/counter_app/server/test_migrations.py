"""The server schema's own alembic history: linear, reaches the models, upgrades old data, and
takes over a database `create_all` made before the history existed."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from counter_app.db.engine import Database
from counter_app.server.app import ServerApp
from counter_app.server.migrate import (
    VERSION_TABLE,
    alembic_config,
    current_revision,
    head_revision,
    upgrade,
)
from counter_app.server.runner import RunningServer
from counter_app.server.schema import metadata
from counter_app.server.store import ServerStore, hash_token


def revisions() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def test_single_linear_history_of_its_own() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1
    assert revisions()[0] == "s0001" and revisions()[-1] == head_revision()
    # Apart from the counter's history: no revision id in common.
    from counter_app.db.migrate import alembic_config as counter_config

    counter_ids = {
        r.revision for r in ScriptDirectory.from_config(counter_config()).walk_revisions()
    }
    assert not counter_ids & set(revisions())


def _drift(db: Database) -> list[object]:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        return list(compare_metadata(context, metadata))


def test_fresh_database_matches_the_tables_the_code_uses(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 's.sqlite3'}")
    assert upgrade(db) == (None, head_revision())
    assert current_revision(db) == head_revision()
    assert _drift(db) == []
    assert upgrade(db) == (head_revision(), head_revision())
    db.dispose()


@pytest.mark.postgres
def test_fresh_postgres_matches_too(pg_url: str) -> None:
    db = Database(pg_url)
    upgrade(db)
    assert _drift(db) == []
    db.dispose()


def _seed_first_revision(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO counter (id, name, token_hash, created_at) VALUES "
                "(1, 'Quầy 1', :h1, '2026-11-27 08:00:00'), (2, 'Quầy 2', :h2, '2026-11-27 08:00:00')"
            ),
            {"h1": hash_token("ctr_old1"), "h2": hash_token("ctr_old2")},
        )
        for i, (counter, code) in enumerate(
            [(1, "000.00.00.H49.Q01-261127-0001"), (1, "000.00.00.H49.Q01-261127-0002"),
             (2, "000.00.00.H49.Q02-261128-0005")], start=1,
        ):  # fmt: skip
            conn.execute(
                text(
                    "INSERT INTO dossier (uuid, code, counter_id, version, status, provincial_ref,"
                    " procedure_code, procedure_name, applicant_name, result_delivery,"
                    " appointment_at, updated_at) VALUES (:u, :c, :k, 1, 2, 'QN-1', '2.000908',"
                    " 'Chứng thực', 'Trần Thị Thuỷ', 'counter', '2026-11-28 09:00:00',"
                    " '2026-11-27 09:00:00')"
                ),
                {"u": f"00000000-0000-4000-8000-{i:012d}", "c": code, "k": counter},
            )
            conn.execute(
                text(
                    "INSERT INTO record (entity, uuid, version, content_hash, payload, counter_id,"
                    " received_at) VALUES ('dossier', :u, 1, :h, '{}', :k, '2026-11-27 09:00:00')"
                ),
                {"u": f"00000000-0000-4000-8000-{i:012d}", "h": "0" * 64, "k": counter},
            )
        conn.execute(
            text(
                "INSERT INTO change (kind, counter_id, data, created_at) VALUES "
                "('dossier_status', 2, '{}', '2026-11-27 10:00:00'),"
                " ('catalog', NULL, '{}', '2026-11-27 10:00:00')"
            )
        )
    engine.dispose()


def test_each_revision_upgrades_the_previous_one_keeping_data(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.sqlite3'}"
    db = Database(url)
    revs = revisions()
    upgrade(db, to=revs[0])
    _seed_first_revision(url)
    for target in revs[1:]:
        assert upgrade(db, to=target)[1] == target
    db.dispose()
    store = ServerStore.open(url)
    try:
        one = store.authenticate("ctr_old1")
        two = store.authenticate("ctr_old2")
        assert one is not None and one.unit == "000.00.00.H49.Q01"
        assert two is not None and two.unit == "000.00.00.H49.Q02"
        assert store.high_water("000.00.00.H49.Q01") == {"2026-11-27": 2}
        assert store.high_water("000.00.00.H49.Q02") == {"2026-11-28": 5}
        changes, _ = store.changes(two, 0, 10)
        assert [c.kind for c in changes] == ["dossier_status", "catalog"]
        assert [c.kind for c in store.changes(one, 0, 10)[0]] == ["catalog"]
        assert store.records(one, 0, 10)[0][0]["entity"] == "dossier"
        # Records pushed before tenancy keep the sender's unit: only that unit downloads them.
        assert [r["uuid"][-1] for r in store.records(two, 0, 10)[0]] == ["3"]
    finally:
        store.close()


def test_a_database_made_by_create_all_before_the_history_is_taken_over(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'legacy.sqlite3'}"
    db = Database(url)
    upgrade(db, to="s0001")
    with db.engine.begin() as conn:
        conn.execute(text(f"DROP TABLE {VERSION_TABLE}"))  # as create_all left it
    _seed_first_revision(url)
    assert current_revision(db) is None
    assert upgrade(db) == ("s0001", head_revision())
    assert "audit" in inspect(db.engine).get_table_names()
    db.dispose()


def test_a_second_old_token_of_one_unit_is_left_unbound_then_rebound(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.sqlite3'}"
    db = Database(url)
    upgrade(db, to="s0001")
    _seed_first_revision(url)
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO counter (id, name, token_hash, created_at) VALUES "
                "(3, 'Quầy cũ', :h, '2026-11-27 08:00:00')"
            ),
            {"h": hash_token("ctr_old3")},
        )
        conn.execute(
            text(
                "INSERT INTO dossier (uuid, code, counter_id, version, status, provincial_ref,"
                " procedure_code, procedure_name, applicant_name, result_delivery,"
                " appointment_at, updated_at) VALUES ('00000000-0000-4000-8000-000000000009',"
                " '000.00.00.H49.Q01-261127-0009', 3, 1, 2, 'QN-9', '2.000908', 'Chứng thực',"
                " 'A', 'counter', '2026-11-28 09:00:00', '2026-11-27 09:00:00')"
            )
        )
    upgrade(db)
    db.dispose()
    store = ServerStore.open(url)
    try:
        old = store.authenticate("ctr_old3")
        assert old is not None and old.unit is None  # Q01 already belongs to "Quầy 1"
        running = RunningServer(ServerApp(store))
        try:
            reply = requests.get(
                f"{running.url}/api/v1/changes",
                headers={"Authorization": "Bearer ctr_old3"},
                timeout=5,
            )
            assert reply.status_code == 403
            assert "chưa gắn với đơn vị" in reply.json()["error"]["message"]
        finally:
            running.stop()
        token = store.create_token("Quầy cũ", "000.00.00.H49.Q03")
        bound = store.authenticate(token)
        assert bound is not None and bound.unit == "000.00.00.H49.Q03"
    finally:
        store.close()
