"""Online dossiers through the real server: one counter wins, offline decisions wait and land."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from counter_app.auth import UserInfo
from counter_app.db.models import Dossier, Slip
from counter_app.domain import Channel, Role
from counter_app.online import OnlineDossierError
from counter_app.server import online as server_online
from tests.conftest import make_services
from tests.counter_app.sync.harness import RefServer, engine_for
from tests.helpers.ref_server import ref_server
from tests.helpers.samples import pdf_bytes

CLERK = UserInfo(None, "canbo", "Trần Thị Bình", Role.CLERK)


@pytest.fixture
def srv(tmp_path: Path) -> Iterator[RefServer]:
    with ref_server(tmp_path, files=True) as server:
        yield server


def submit(srv: RefServer, name: str = "Phạm Thị Lan") -> dict[str, Any]:
    files = srv.app.app.files
    assert files is not None
    return server_online.submit(
        srv.store.db,
        files,
        {
            "procedure": "1.001193",
            "applicant": {"name": name, "id_number": "022190001234", "phone": "0912345678"},
            "papers": [
                {"paper": "TK", "name": "to-khai.pdf"},
                {"paper": "GCS", "name": "giay-chung-sinh.pdf"},
            ],
        },
        {"0": pdf_bytes(1, "Tờ khai"), "1": pdf_bytes(1, "Giấy chứng sinh")},
    )


def counter(tmp_path: Path, clock: Any, srv: RefServer, no: int) -> Any:
    services = make_services(f"sqlite:///{tmp_path / f'counter{no}.sqlite3'}", clock, counter_no=no)
    token = srv.token if no == 1 else srv.store.create_token(f"Quầy {no}", f"000.00.00.H49.Q0{no}")
    engine = engine_for(services, srv, token=token)
    services.test_engine = engine
    return services


def sync(services: Any) -> None:
    report = services.test_engine.run_once(manual=True)
    assert not report.error, report.error


def server_row(srv: RefServer, uuid: str) -> dict[str, Any]:
    found = server_online.public_status(srv.store.db, uuid)
    assert found is not None
    return found


def test_the_feed_lists_it_and_its_papers_come_down_hash_identical(  # type: ignore[no-untyped-def]
    tmp_path, clock, app_home, srv
) -> None:
    filed = submit(srv)
    a = counter(tmp_path, clock, srv, 1)
    sync(a)
    [item] = a.online.list()
    assert item.uuid == filed["uuid"] and item.applicant["name"] == "Phạm Thị Lan"
    assert [f["paper"] for f in item.files] == ["TK", "GCS"]
    data = a.online.paper(item.uuid, item.files[0]["sha256"])
    assert hashlib.sha256(data).hexdigest() == item.files[0]["sha256"]
    a.test_engine.close()


def test_two_counters_accepting_at_once_one_wins_the_other_is_told(  # type: ignore[no-untyped-def]
    tmp_path, clock, app_home, srv
) -> None:
    filed = submit(srv)
    counters = [counter(tmp_path, clock, srv, n) for n in (1, 2)]
    for c in counters:
        sync(c)
    outcomes: dict[int, Any] = {}
    start = threading.Barrier(2)

    def accept(n: int) -> None:
        start.wait()
        try:
            outcomes[n] = counters[n].online.accept(filed["uuid"], by=CLERK)
        except OnlineDossierError as exc:
            outcomes[n] = exc

    threads = [threading.Thread(target=accept, args=(n,)) for n in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done = [n for n, o in outcomes.items() if getattr(o, "done", False)]
    assert len(done) == 1
    winner, loser = done[0], 1 - done[0]
    assert outcomes[winner].state == "accepted"
    assert outcomes[winner].code.startswith(f"000.00.00.H49.Q0{winner + 1}-")
    lost = outcomes[loser]
    assert "đã được quầy" in (lost.message if hasattr(lost, "message") else str(lost))
    assert counters[loser].online.get(filed["uuid"]).state == "taken"
    with counters[loser].db.read() as s:
        assert s.scalar(select(Dossier)) is None  # the loser received nothing
    row = server_row(srv, filed["uuid"])
    assert row["status"] == 2 and row["code"] == outcomes[winner].code
    assert row["decision"]["receipt_sha256"]
    with counters[winner].db.read() as s:
        d = s.scalar(select(Dossier))
        assert d is not None and d.channel == int(Channel.ONLINE) and d.uuid == filed["uuid"]
    files = counters[winner].attachments.files(outcomes[winner].code)
    assert sorted(f.paper for f in files) == ["GCS", "TK"]
    for c in counters:
        c.test_engine.close()


def test_accept_offline_waits_and_is_granted_when_the_server_answers(  # type: ignore[no-untyped-def]
    tmp_path, clock, app_home, srv
) -> None:
    filed = submit(srv)
    a = counter(tmp_path, clock, srv, 1)
    sync(a)
    srv.stop()
    outcome = a.online.accept(filed["uuid"], by=CLERK)
    assert not outcome.done and outcome.state == "claiming"
    assert "sẽ tự gửi lại" in outcome.message
    with a.db.read() as s:
        assert s.scalar(select(Dossier)) is None  # no code issued before the grant
    srv.start()
    sync(a)
    item = a.online.get(filed["uuid"])
    assert item.state == "accepted" and item.dossier_code
    assert server_row(srv, filed["uuid"])["code"] == item.dossier_code
    a.test_engine.close()


def test_offline_accept_is_refused_when_another_counter_took_it_meanwhile(  # type: ignore[no-untyped-def]
    tmp_path, clock, app_home, srv
) -> None:
    filed = submit(srv)
    a, b = counter(tmp_path, clock, srv, 1), counter(tmp_path, clock, srv, 2)
    sync(a)
    sync(b)
    port = srv.port
    srv.stop()
    assert not a.online.accept(filed["uuid"], by=CLERK).done
    srv.port = port
    srv.start()
    assert b.online.accept(filed["uuid"], by=CLERK).done
    sync(a)
    item = a.online.get(filed["uuid"])
    assert item.state == "taken" and "Quầy 2" in item.message
    with a.db.read() as s:
        assert s.scalar(select(Dossier)) is None
    for c in (a, b):
        c.test_engine.close()


def test_supplement_and_refusal_reach_the_server_with_their_slips(  # type: ignore[no-untyped-def]
    tmp_path, clock, app_home, srv
) -> None:
    first, second = submit(srv), submit(srv, "Vũ Văn Nam")
    a = counter(tmp_path, clock, srv, 1)
    sync(a)
    with pytest.raises(OnlineDossierError, match="Lý do"):
        a.online.refuse(second["uuid"], "  ", by=CLERK)
    assert a.online.supplement(first["uuid"], ["GCS"], "Bản chụp mờ", by=CLERK).done
    assert a.online.refuse(second["uuid"], "Không thuộc thẩm quyền", by=CLERK).done
    assert server_row(srv, first["uuid"])["status"] == 5
    assert server_row(srv, second["uuid"])["decision"]["reason"] == "Không thuộc thẩm quyền"
    with a.db.read() as s:
        assert sorted(s.scalars(select(Slip.kind))) == ["refusal", "supplement"]
    assert a.online.list() == []  # decided dossiers leave the waiting list
    a.test_engine.close()


def test_after_the_grant_only_the_holder_may_download_the_papers(  # type: ignore[no-untyped-def]
    tmp_path, clock, app_home, srv
) -> None:
    """While on offer every counter may look at the papers (to check them before accepting);
    once one counter holds the dossier, the citizen's papers are that counter's alone."""
    import requests

    filed = submit(srv)
    a, b = counter(tmp_path, clock, srv, 1), counter(tmp_path, clock, srv, 2)
    for c in (a, b):
        sync(c)
    sha = a.online.get(filed["uuid"]).files[0]["sha256"]
    path = f"/api/v1/online/{filed['uuid']}/files/{sha}"
    token_b = srv.store.create_token("Quầy 3", "000.00.00.H49.Q03")

    def fetch(token: str) -> int:
        return requests.get(
            srv.url + path, headers={"Authorization": f"Bearer {token}"}, timeout=10
        ).status_code

    assert fetch(token_b) == 200  # on offer: any counter
    a.online.accept(filed["uuid"], by=CLERK)
    assert fetch(srv.token) == 200  # the holder
    assert fetch(token_b) == 404  # another counter: as if there were no such file
    for c in (a, b):
        c.test_engine.close()
