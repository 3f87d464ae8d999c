"""The web section of `counter-app bench`: the citizen's page and health under concurrent load."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from counter_app.bench import web


@pytest.mark.slow
def test_web_bench_reports_figures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Smaller than the real run: the figures' presence and sense are checked, not their size.
    monkeypatch.setattr(web, "CLIENTS", 8)
    monkeypatch.setattr(web, "REQUESTS_PER_CLIENT", 3)
    monkeypatch.setattr(web, "ROUNDS", 1)
    result = web.run(SimpleNamespace(tmp_dir=tmp_path))
    assert set(result) >= {"web_page_ms_p95", "web_page_ratio", "web_page_uncached_ms_p95"}
    assert all(v > 0 for v in result.values())
    assert 1_000 < result["web_page_bytes"] < 50 * 1024


def test_web_bench_items_are_valid_pushes(tmp_path: Path) -> None:
    """What the bench pushes is accepted by the real store, appointment changes included."""
    from counter_app.server.store import ServerStore
    from counter_app.server.web.lookup import find_dossier

    store = ServerStore.open(f"sqlite:///{tmp_path / 's.sqlite3'}")
    try:
        counter = store.authenticate(store.create_token("bench", web.UNIT))
        assert counter is not None
        dossiers = web._dossiers()[:4]
        results = store.push(counter, web._items(dossiers))
        assert {r.status for r in results} == {"accepted"}
        found = find_dossier(store.db, dossiers[0][1], None)
        assert found is not None and len(found.view.appointment_changes) == 1
    finally:
        store.close()
