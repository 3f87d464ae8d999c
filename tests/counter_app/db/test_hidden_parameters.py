"""SQL errors never carry the bound values (names, ID numbers) into messages or the log."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from counter_app.db.engine import Database, null_pool_engine

ROOT = Path(__file__).resolve().parents[3]
SECRET_NAME = "Nguyễn Thị Bí Mật"
SECRET_ID = "022190009999"


def test_an_error_message_does_not_contain_the_values(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    try:
        with db.write() as s:
            s.execute(text("CREATE TABLE person (id_number TEXT PRIMARY KEY, name TEXT)"))
        insert = text("INSERT INTO person VALUES (:id, :name)")
        with db.write() as s:
            s.execute(insert, {"id": SECRET_ID, "name": SECRET_NAME})
        with pytest.raises(IntegrityError) as caught, db.write() as s:
            s.execute(insert, {"id": SECRET_ID, "name": SECRET_NAME})
    finally:
        db.dispose()
    message = str(caught.value)
    assert "UNIQUE" in message  # still says what went wrong
    assert SECRET_NAME not in message and SECRET_ID not in message
    assert "hide_parameters" in message


def test_the_maintenance_engine_hides_them_too(tmp_path: Path) -> None:
    engine = null_pool_engine(f"sqlite:///{tmp_path / 'y.sqlite3'}")
    try:
        with pytest.raises(Exception) as caught, engine.begin() as conn:
            conn.execute(text("INSERT INTO missing VALUES (:name)"), {"name": SECRET_NAME})
    finally:
        engine.dispose()
    assert SECRET_NAME not in str(caught.value)


def test_every_engine_in_the_app_hides_parameters() -> None:
    """No create_engine call in the app's code without hide_parameters=True."""
    found = 0
    for path in [*(ROOT / "counter_app").rglob("*.py"), *(ROOT / "ui").rglob("*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name != "create_engine":
                continue
            found += 1
            hidden = [
                k for k in node.keywords if k.arg == "hide_parameters"
            ] or [  # passed through a kwargs dict built beside it
                k for k in node.keywords if k.arg is None
            ]
            assert hidden, f"{path.relative_to(ROOT)}:{node.lineno} create_engine without it"
    assert found >= 3
