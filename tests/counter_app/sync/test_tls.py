"""TLS is real: a counter syncs with a TLS listener whose certificate comes from a private CA
(`sync.ca_bundle`); without that CA it refuses; plain http:// to another machine is refused
unless `sync.allow_insecure_http` says otherwise."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

import pytest
import trustme

from counter_app.server.app import ServerApp
from counter_app.server.store import ServerStore
from counter_app.settings import SyncSettings
from counter_app.sync.engine import SyncEngine
from counter_app.sync.transport import HttpTransport
from tests.counter_app.sync.harness import UNIT, receive


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class TlsServer:
    store: ServerStore
    token: str
    port: int
    ca_file: Path


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[TlsServer]:
    ca = trustme.CA()
    cert = ca.issue_cert("localhost", "127.0.0.1")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    store = ServerStore.open(f"sqlite:///{tmp_path / 'server.sqlite3'}")
    token = store.create_token("Quầy 1", UNIT)

    class Server(ThreadingMixIn, WSGIServer):
        daemon_threads = True

        def get_request(self) -> tuple[Any, Any]:
            sock, addr = super().get_request()
            return context.wrap_socket(sock, server_side=True), addr

    httpd = Server(("127.0.0.1", 0), _Quiet)
    httpd.set_app(ServerApp(store))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield TlsServer(store, token, httpd.server_address[1], ca_file)
    httpd.shutdown()
    httpd.server_close()
    store.close()


def _engine(services: Any, sync: SyncSettings) -> SyncEngine:
    services.settings = replace(services.settings, sync=sync)
    return SyncEngine.for_services(services, backoff_base_s=0.01, backoff_cap_s=0.05)


def test_sync_over_tls_with_a_private_ca(services: Any, tls_server: TlsServer) -> None:
    codes = receive(services, 3)
    sync = SyncSettings(
        server_url=f"https://localhost:{tls_server.port}",
        token=tls_server.token,
        ca_bundle=str(tls_server.ca_file),
        connect_timeout_s=2,
        read_timeout_s=5,
    )
    engine = _engine(services, sync)
    report = engine.run_once()
    assert report.error == "" and report.pushed == 6
    assert tls_server.store.dossier(codes[0]) is not None
    engine.close()


def test_without_the_ca_the_certificate_is_refused(services: Any, tls_server: TlsServer) -> None:
    receive(services, 1)
    sync = SyncSettings(
        server_url=f"https://127.0.0.1:{tls_server.port}",
        token=tls_server.token,
        connect_timeout_s=2,
        read_timeout_s=5,
    )
    engine = _engine(services, sync)
    report = engine.run_once()
    assert "chứng chỉ TLS" in report.error and report.pushed == 0
    assert tls_server.store.stats()["records"] == 0
    engine.close()


def test_plain_http_to_another_machine_is_refused_unless_allowed(services: Any) -> None:
    receive(services, 1)
    sync = SyncSettings(server_url="http://192.0.2.10:8765", token="ctr_x")
    engine = _engine(services, sync)
    report = engine.run_once()  # refused before any connection is tried
    assert not report.configured and "không mã hóa" in report.error
    assert "sync.allow_insecure_http" in report.error
    engine.close()
    allowed = HttpTransport(
        "http://192.0.2.10:8765",
        "ctr_x",
        connect_timeout_s=1,
        read_timeout_s=1,
        allow_insecure_http=True,
    )
    assert allowed.refusal == "" and "http" in allowed.warning
    allowed.close()
    for local in ("http://127.0.0.1:8765", "http://localhost:8765", "http://[::1]:8765"):
        transport = HttpTransport(local, "t", connect_timeout_s=1, read_timeout_s=1)
        assert transport.refusal == "" and transport.warning == ""
        transport.close()


def test_the_setting_is_read_from_the_config_file(app_home: Path) -> None:
    from counter_app.settings import Settings, set_value

    settings = Settings.load()
    set_value(settings, "sync.allow_insecure_http", "true")
    assert Settings.load().sync.allow_insecure_http is True
    set_value(settings, "sync.allow_insecure_http", "không")
    assert Settings.load().sync.allow_insecure_http is False
    with pytest.raises(ValueError, match="allow_insecure_http"):
        set_value(settings, "sync.allow_insecure_http", "maybe")
