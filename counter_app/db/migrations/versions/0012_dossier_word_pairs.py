"""pair index on the dossier search (FTS5), so a full name is found as fast in ten years

A search of several words ("hoang thanh son") asks every word as a prefix. On the word index
alone FTS5 intersects the words' doclists: when the full name has few matches, the walk runs
through the rarest word's doclist ("son": 2% of all dossiers) across the whole history, which grows
with the years (×3 from 100,000 to 1,000,000 dossiers). This table holds, for every two words of
a dossier, a token for each pair of their prefixes (up to 7 letters): the typed words' pair
tokens are few and rare, and their intersection is exactly the answer.

Contentless (content=''): the tokens are computed from dossier.search_text by the SQL function
`dossier_word_pairs` (counter_app.search.word_pairs, registered on every connection by
counter_app.db.engine), in the triggers and here. detail=none and columnsize=0: a search needs
only which dossiers hold a token. If word_pairs ever changes, a new migration must rebuild this
table: the delete trigger recomputes the old tokens to remove them.

At 1,000,000 dossiers: about 80 MB, built in roughly a minute and a half on a 2-core machine
(`migrate.upgrade` backs the file up first). PostgreSQL: nothing (LIKE on a trigram index).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 05:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLE = "dossier_word_pairs"  # counter_app.search.PAIRS_TABLE, frozen as of this revision
_FUNCTION = "dossier_word_pairs"  # counter_app.search.PAIRS_FUNCTION
_TRIGGERS = (
    f"CREATE TRIGGER {_TABLE}_ai AFTER INSERT ON dossier BEGIN "
    f"INSERT INTO {_TABLE}(rowid, pairs) VALUES (new.id, {_FUNCTION}(new.search_text)); END",
    f"CREATE TRIGGER {_TABLE}_ad AFTER DELETE ON dossier BEGIN "
    f"INSERT INTO {_TABLE}({_TABLE}, rowid, pairs) "
    f"VALUES ('delete', old.id, {_FUNCTION}(old.search_text)); END",
    f"CREATE TRIGGER {_TABLE}_au AFTER UPDATE OF search_text ON dossier BEGIN "
    f"INSERT INTO {_TABLE}({_TABLE}, rowid, pairs) "
    f"VALUES ('delete', old.id, {_FUNCTION}(old.search_text)); "
    f"INSERT INTO {_TABLE}(rowid, pairs) VALUES (new.id, {_FUNCTION}(new.search_text)); END",
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    from counter_app.search import word_pairs

    # The app's connections have the function already; a connection made by hand may not.
    raw = bind.connection.dbapi_connection
    if raw is not None:
        raw.create_function(_FUNCTION, 1, word_pairs, deterministic=True)
    op.execute(
        f"CREATE VIRTUAL TABLE {_TABLE} USING fts5("
        "pairs, content='', detail='none', columnsize=0, tokenize='ascii')"
    )
    # Merge segments two at a time, as the word index does: every query reads each segment.
    op.execute(f"INSERT INTO {_TABLE}({_TABLE}, rank) VALUES ('automerge', 2)")
    op.execute(
        f"INSERT INTO {_TABLE}(rowid, pairs) SELECT id, {_FUNCTION}(search_text) FROM dossier"
    )
    op.execute(f"INSERT INTO {_TABLE}({_TABLE}) VALUES ('optimize')")
    for trigger_sql in _TRIGGERS:
        op.execute(trigger_sql)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for suffix in ("ai", "ad", "au"):
        op.execute(f"DROP TRIGGER IF EXISTS {_TABLE}_{suffix}")
    op.execute(f"DROP TABLE IF EXISTS {_TABLE}")
