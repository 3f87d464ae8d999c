"""The command-line contract: names, options, JSON keys, and `report --json` gaining "queue"."""

from __future__ import annotations

import json
from typing import Any

import pytest

from counter_app.catalog import default_catalog_file, parse_catalog
from counter_app.cli import main
from counter_app.domain import local_now


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    code = main(list(argv))
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


def test_client_commands_contract(
    service: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    k = ["--server", service.url, "--token", service.kiosk.token]
    monkeypatch.setenv("COUNTER_APP_QUEUE_URL", service.url)
    monkeypatch.setenv("COUNTER_APP_QUEUE_TOKEN", service.counter.token)
    areas = run(capsys, "queue", "areas", "--json", *k)
    assert set(areas[0]) == {"area", "name", "prefix", "counters"}
    first = run(capsys, "queue", "ticket", "--area", "A", "--json", *k)
    assert set(first) == {"number", "area", "issued_at", "waiting_before"}
    prio = run(capsys, "queue", "ticket", "--area", "A", "--priority", "--json", *k)
    assert (first["number"], prio["number"], prio["waiting_before"]) == ("A001", "A002", 0)
    # Counter commands take the server and token from the environment.
    called = run(capsys, "queue", "call", "--counter", "2", "--json")
    assert called["number"] == "A002" and called["counter"] == 2
    assert run(capsys, "queue", "recall", "A002", "--json")["calls"] == 2
    assert run(capsys, "queue", "skip", "A002", "--json")["state"] == "skipped"
    run(capsys, "queue", "call", "--counter", "2", "--json")
    status = run(capsys, "queue", "status", "--json")
    assert set(status) == {"counters", "waiting"}
    assert {"counter": 2, "current": "A001"} in status["counters"]
    assert run(capsys, "queue", "done", "A001", "--json")["state"] == "done"
    assert run(capsys, "queue", "call", "--counter", "2", "--json") == {"number": None}
    today = local_now().date().isoformat()
    stats = run(capsys, "queue", "stats", "--from", today, "--json")
    for key in (
        "tickets",
        "served",
        "no_shows",
        "wait_s_p50",
        "wait_s_p90",
        "service_s_p50",
        "service_s_p90",
        "by_counter",
        "by_area",
        "by_procedure",
        "by_hour",
        "waiting_now",
        "longest_wait_s",
    ):
        assert key in stats
    assert (stats["tickets"], stats["served"], stats["no_shows"]) == (2, 1, 1)
    assert main(["queue", "stats", "--from", today]) == 0
    text = capsys.readouterr().out
    assert "Số vé đã phát: 2" in text and "Vắng mặt khi gọi: 1" in text


def test_errors_are_vietnamese_and_exit_non_zero(
    service: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["queue", "call", "--counter", "1", "--server", service.url, "--token", "x"])
    assert code != 0
    assert "Mã truy cập của thiết bị không hợp lệ" in capsys.readouterr().err
    code = main(["queue", "areas", "--server", "http://127.0.0.1:9", "--token", "x"])
    assert code != 0
    assert "Không kết nối được hệ thống xếp hàng" in capsys.readouterr().err


def test_token_create_prints_the_token_last(
    queue_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from counter_app.queue.store import QueueStore

    assert (
        main(["queue", "token", "create", "Bảng sảnh", "--role", "board", "--db", queue_url]) == 0
    )
    token = capsys.readouterr().out.strip().splitlines()[-1]
    store = QueueStore.open(queue_url)
    device = store.authenticate(token)
    store.close()
    assert device is not None and device.role == "board"


def test_report_json_gains_queue_figures(
    service: Any,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    app_home: Any,
) -> None:
    db = f"sqlite:///{app_home / 'counter.sqlite3'}"
    assert main(["--db", db, "init", "--json"]) == 0
    capsys.readouterr()
    today = local_now().date().isoformat()
    plain = run(capsys, "--db", db, "report", "--from", today, "--json")
    assert "queue" not in plain
    service.kiosk.issue("B")
    service.kiosk.issue("A")
    procedure = parse_catalog(json.loads(default_catalog_file().read_text("utf-8")))[0]
    service.counter.call_next(1)
    service.counter.serve("A001", "D-1", procedure.code)
    service.counter.done("A001")
    monkeypatch.setenv("COUNTER_APP_QUEUE_URL", service.url)
    monkeypatch.setenv("COUNTER_APP_QUEUE_TOKEN", service.board.token)
    report = run(capsys, "--db", db, "report", "--from", today, "--json")
    queue = report["queue"]
    assert queue["tickets"] == 2 and queue["waiting_now"] == 1 and queue["served"] == 1
    for key in ("by_counter", "by_area", "by_procedure", "by_hour", "longest_wait_s"):
        assert key in queue
    # The queue knows the procedure's code; the report names it from this counter's catalog.
    assert [(p["procedure"], p["name"], p["tickets"]) for p in queue["by_procedure"]] == [
        (procedure.code, procedure.name, 1)
    ]
    assert main(["--db", db, "report", "--from", today]) == 0
    text = capsys.readouterr().out
    assert "Hàng đợi (thời gian tính theo phút:giây):" in text
    assert "Số vé đã phát: 2" in text and "Đang chờ lúc này: 1" in text
    monkeypatch.setenv("COUNTER_APP_QUEUE_URL", "http://127.0.0.1:9")
    down = run(capsys, "--db", db, "report", "--from", today, "--json")
    assert "Không kết nối được" in down["queue"]["error"]
    assert main(["--db", db, "report", "--from", today]) == 0
    assert "Hàng đợi: Không kết nối được" in capsys.readouterr().out


def test_full_screen_ticket_kiosk_needs_an_admin_pin(
    capsys: pytest.CaptureFixture[str], app_home: Any
) -> None:
    from ui.entry import main as with_window  # `queue kiosk` is added by the window's entry point

    code = with_window(["queue", "kiosk", "--server", "http://127.0.0.1:9", "--token", "t"])
    assert code == 2
    assert "kiosk_admin_pin" in capsys.readouterr().err
