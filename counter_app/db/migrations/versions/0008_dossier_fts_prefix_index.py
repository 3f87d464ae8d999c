"""prefix indexes on the dossier search (FTS5), so type-ahead walks to the newest few

Name search queries every word as a prefix ("ng", "nguyen van", "tran thi h"). Without a prefix
index FTS5 answers `"ng"*` by merging the doclists of every term starting with "ng" into memory
before it can return the newest match: the cost grows with the history (×4 for ×10 rows). With a
prefix index for each length up to 7 (the longest Vietnamese syllable, "nghieng"), a name-word
prefix is one doclist that FTS5 walks backwards from the newest rowid and stops after the limit.

The table is external-content (the text lives in dossier.search_text), so recreating it loses
nothing: 'rebuild' re-reads dossier, 'optimize' merges the result into one segment. Everything runs
in the migration's transaction (and `migrate.upgrade` backs the file up first). PostgreSQL keeps its
trigram index; nothing to do there.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 01:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TRIGGERS = (
    "CREATE TRIGGER dossier_fts_ai AFTER INSERT ON dossier BEGIN "
    "INSERT INTO dossier_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER dossier_fts_ad AFTER DELETE ON dossier BEGIN "
    "INSERT INTO dossier_fts(dossier_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER dossier_fts_au AFTER UPDATE OF search_text ON dossier BEGIN "
    "INSERT INTO dossier_fts(dossier_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO dossier_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
)


def _recreate(prefix: str | None) -> None:
    """Drop and rebuild dossier_fts (and its triggers) with the given prefix lengths."""
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in ("dossier_fts_ai", "dossier_fts_ad", "dossier_fts_au"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS dossier_fts")
    prefix_option = f", prefix='{prefix}'" if prefix else ""
    op.execute(
        "CREATE VIRTUAL TABLE dossier_fts USING fts5("
        "search_text, content='dossier', content_rowid='id', "
        f"tokenize='unicode61 remove_diacritics 2'{prefix_option})"
    )
    if prefix:
        # Merge segments two at a time (default 4): every query reads each segment, and on a
        # 300,000-row index built intake by intake this kept 9 segments instead of 12.
        op.execute("INSERT INTO dossier_fts(dossier_fts, rank) VALUES ('automerge', 2)")
    op.execute("INSERT INTO dossier_fts(dossier_fts) VALUES ('rebuild')")
    op.execute("INSERT INTO dossier_fts(dossier_fts) VALUES ('optimize')")
    for trigger_sql in _TRIGGERS:
        op.execute(trigger_sql)


def upgrade() -> None:
    # Keep in step with counter_app.db.models.DOSSIER_FTS_PREFIX (a test compares them).
    _recreate("1 2 3 4 5 6 7")


def downgrade() -> None:
    _recreate(None)
