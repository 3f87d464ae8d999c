"""The server store on a real PostgreSQL database: same guarantees, concurrent claims included."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from counter_app.auth import system_actor
from counter_app.outbox import content_hash
from counter_app.sync.protocol import ACCEPTED, DUPLICATE, PushItem
from tests.counter_app.sync.harness import (
    RefServer,
    assert_agree,
    engine_for,
    receive,
    start_server,
)

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_server_app(pg_url: str) -> Iterator[RefServer]:
    srv = start_server(pg_url)
    yield srv
    srv.stop()
    srv.store.close()


def test_sync_against_postgres_with_lost_reply(services: Any, pg_server_app: RefServer) -> None:
    server = pg_server_app
    codes = receive(services, 5)
    engine = engine_for(services, server)
    server.app.add("/push", "lose")
    engine.run_until_done(max_seconds=15)
    server.store.advance(codes[0], 9, "Đã có kết quả")
    engine.run_until_done(max_seconds=15)
    assert services.dossiers.lookup(codes[0], by=system_actor()).status == 9
    assert_agree(services, server)


def test_concurrent_claims_of_one_key(pg_server_app: RefServer) -> None:
    store = pg_server_app.store
    counter = store.authenticate(pg_server_app.token)
    assert counter is not None
    payload = {"uuid": "11111111-1111-4111-8111-111111111111", "kind": "supplement"}
    item = PushItem("slip", payload["uuid"], 1, content_hash(payload), payload)
    results: list[str] = []
    barrier = threading.Barrier(4)

    def claim() -> None:
        barrier.wait()
        results.append(store.push(counter, [item])[0].status)

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [ACCEPTED] + [DUPLICATE] * 3
    assert store.stats()["records"] == 1


def test_counter_database_on_postgres(pg_url: str, app_home: Any, server: RefServer) -> None:
    from tests.conftest import make_services

    services = make_services(pg_url)
    try:
        codes = receive(services, 3)
        engine = engine_for(services, server)
        server.app.add("/push", "lose")
        engine.run_until_done(max_seconds=15)
        server.store.advance(codes[1], 5, "Cần bổ sung")
        engine.run_until_done(max_seconds=15)
        assert services.dossiers.lookup(codes[1], by=system_actor()).status == 5
        assert_agree(services, server)
    finally:
        services.close()
