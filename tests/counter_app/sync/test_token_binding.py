"""One counter token, one installation (probe F2): two PCs set up with the same token must never
print the same dossier code. Against the reference server on 127.0.0.1 and the real command line
in its own processes, each PC on its own app home (so its own install id)."""

from __future__ import annotations

import json
import socket
import uuid
from pathlib import Path
from typing import Any

import requests

from counter_app.sync.protocol import INSTALL_HEADER, TOKEN_ELSEWHERE
from tests.counter_app.sync.harness import UNIT, RefServer
from tests.helpers.cli import Cli, intake_args


def _pc(home: Path, server_url: str, token: str) -> Cli:
    pc = Cli(home)
    pc("init", "--counter", "1", "--lookup-base-url", f"{server_url}/tra-cuu/")
    pc("config", "set", "sync.server_url", server_url)
    pc("config", "set", "sync.token", token)
    return pc


def _install_id(pc: Cli) -> str:
    """What the clerk reads out to the admin (doctor shows it; so does the refusal)."""
    report: Any = pc.json("doctor", "--no-printers")
    value = report["sync"]["install_id"]
    assert uuid.UUID(value)
    return str(value)


def _intake(pc: Cli, name: str, id_number: str, *, ok: bool = True) -> Any:
    result = pc(*intake_args(name=name, id_number=id_number), "--json", ok=ok)
    return json.loads(result.stdout) if ok else result


def _codes(pc: Cli) -> set[str]:
    import sqlite3

    with sqlite3.connect(pc.db) as conn:
        return {r[0] for r in conn.execute("SELECT code FROM dossier")}


def _move(server: RefServer, home: Path, name: str, install_id: str) -> str:
    """`server token move` as the admin runs it, on the server's own database."""
    db = f"sqlite:///{server.store.db.file}"
    return Cli(home)("server", "token", "move", name, "--to", install_id, "--db", db).stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_second_pc_on_one_token_is_refused_at_start_and_at_sync(
    server: RefServer, tmp_path: Path
) -> None:
    """The reviewer's scenario: both online, the second PC never issues the first one's code."""
    old = _pc(tmp_path / "old", server.url, server.token)
    new = _pc(tmp_path / "new", server.url, server.token)
    first = _intake(old, "Ngô Văn Tư", "022090001230")["code"]
    assert first.startswith(UNIT)

    refused = _intake(new, "Lâm Thị Nga", "022090001231", ok=False)
    assert refused.returncode != 0
    assert "đang được dùng trên một máy khác" in refused.stderr
    assert "server token move" in refused.stderr and _install_id(new) in refused.stderr
    assert "Traceback" not in refused.stderr
    assert _codes(new) == set()

    sync = new("sync", "--json", ok=False)
    assert sync.returncode != 0
    data = json.loads(sync.stdout)
    assert "đang được dùng trên một máy khác" in data["error"]
    # Refused once, it stays refused in the next process even before the server answers again.
    assert (
        "đang được dùng trên một máy khác" in _intake(new, "Lâm Thị Nga", "0220", ok=False).stderr
    )
    doctor: Any = new.json("doctor", "--no-printers")
    assert "máy khác" in doctor["sync"]["token_elsewhere"] and doctor["ok"] is False
    assert _codes(new) == set()

    # The first PC carries on, its code on the server, nobody else's.
    assert old("sync", "--json").returncode == 0
    assert server.store.dossier(first)["applicant_name"] == "Ngô Văn Tư"  # type: ignore[index]
    tokens = {t["name"]: t for t in server.store.tokens()}
    assert tokens["Quầy 1"]["install_id"] == _install_id(old)


def test_the_token_moved_to_a_replacement_pc_refuses_the_old_one(
    server: RefServer, tmp_path: Path
) -> None:
    old = _pc(tmp_path / "old", server.url, server.token)
    names = ("Trần Văn Bình", "Đỗ Thị Hoa")
    issued = {_intake(old, n, f"02209000124{i}")["code"] for i, n in enumerate(names)}
    assert old("sync", "--json").returncode == 0
    new = _pc(tmp_path / "new", server.url, server.token)
    assert _intake(new, "Lâm Thị Nga", "022090001250", ok=False).returncode != 0

    said = _move(server, tmp_path / "admin", "Quầy 1", _install_id(new))
    assert "Máy cũ" in said and _install_id(old) in said and "sync --rebuild" in said
    audit = [a for a in server.store.audit_log() if a["action"] == "token.move"]
    assert audit[-1]["detail"] == {"unit": UNIT, "from": _install_id(old), "to": _install_id(new)}

    # The replacement PC: its sync lifts the refusal, it continues above the old PC's codes.
    assert new("sync", "--json").returncode == 0
    code = _intake(new, "Lâm Thị Nga", "022090001250")["code"]
    assert code not in issued and code.startswith(UNIT)
    assert new("sync", "--json").returncode == 0
    assert server.store.dossier(code)["applicant_name"] == "Lâm Thị Nga"  # type: ignore[index]

    # The old PC put back: refused at start and at sync, no code issued.
    back = _intake(old, "Ngô Văn Tư", "022090001251", ok=False)
    assert back.returncode != 0 and "máy khác" in back.stderr
    assert old("sync", "--json", ok=False).returncode != 0
    assert _codes(old) == issued


def test_a_dossier_refused_for_its_code_is_named_in_sync_and_doctor(
    server: RefServer, tmp_path: Path
) -> None:
    """A replacement PC set up offline issues a code the old PC had pushed; once the token is
    moved to it, the server refuses that dossier: an alarm naming the code and the citizen."""
    old = _pc(tmp_path / "old", server.url, server.token)
    taken = _intake(old, "Ngô Văn Tư", "022090001260")["code"]
    assert old("sync", "--json").returncode == 0

    offline = f"http://127.0.0.1:{_free_port()}"  # nothing listens: the PC works offline
    new = _pc(tmp_path / "new", offline, server.token)
    clash = _intake(new, "Lâm Thị Nga", "022090001261")["code"]
    assert clash == taken  # offline, nobody can know; the server must catch it
    new("config", "set", "sync.server_url", server.url)
    _move(server, tmp_path / "admin", "Quầy 1", _install_id(new))

    sync = new("sync", "--json", ok=False)
    data = json.loads(sync.stdout)
    assert data["rejected"] >= 1
    [alarm] = data["rejected_dossiers"]
    assert alarm["code"] == clash and alarm["code_taken"] is True
    assert alarm["applicant"] == "Lâm T** N**"  # masked, as on every list
    assert "đã được dùng cho một hồ sơ khác" in alarm["reason"]
    assert "gọi lại công dân" in alarm["advice"]
    text = new("sync", ok=False).stdout
    assert f"CẢNH BÁO — Hồ sơ {clash} (Lâm T** N**)" in text and "gọi lại công dân" in text

    doctor: Any = new.json("doctor", "--no-printers")
    assert [d["code"] for d in doctor["sync"]["rejected_dossiers"]] == [clash]
    assert doctor["ok"] is False
    printed = new("doctor", "--no-printers", ok=False).stdout
    line = next(x for x in printed.splitlines() if clash in x)
    assert "Máy chủ tỉnh từ chối hồ sơ" in line and "đã được dùng cho một hồ sơ khác" in line
    assert "gọi lại công dân" in line
    # The server still holds the first citizen's dossier under that code.
    assert server.store.dossier(taken)["applicant_name"] == "Ngô Văn Tư"  # type: ignore[index]


def _get(server: RefServer, token: str, install: str | None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"}
    if install is not None:
        headers[INSTALL_HEADER] = install
    return requests.get(f"{server.url}/api/v1/counter", headers=headers, timeout=5)


def test_the_server_binds_a_token_to_the_first_installation(server: RefServer) -> None:
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    # Counters of older versions send no id: served while the token is bound to none.
    assert _get(server, server.token, None).status_code == 200
    assert _get(server, server.token, first).status_code == 200
    assert _get(server, server.token, first).status_code == 200
    for other in (second, None):
        reply = _get(server, server.token, other)
        assert reply.status_code == 409
        error = reply.json()["error"]
        assert error["code"] == TOKEN_ELSEWHERE
        assert "Quầy 1" in error["message"] and first[:8] in error["message"]
    assert _get(server, server.token, "not-a-uuid").status_code == 400
    # Back-office and portal tokens are not bound to a PC.
    office = server.store.create_token("Bộ phận xử lý", role="back-office")
    assert _get(server, office, second).status_code == 403  # the role, as before, not 409
    # Re-issuing the token (a new secret) hands it over afresh: the next PC binds it.
    fresh = server.store.create_token("Quầy 1", UNIT)
    assert _get(server, server.token, first).status_code == 401
    assert _get(server, fresh, second).status_code == 200
    assert _get(server, fresh, first).status_code == 409
    actions = [a["action"] for a in server.store.audit_log()]
    assert actions.count("token.bind") == 2


def test_token_move_refuses_a_malformed_id_and_an_unknown_counter(
    server: RefServer, tmp_path: Path
) -> None:
    admin = Cli(tmp_path / "admin")
    db = f"sqlite:///{server.store.db.file}"
    bad = admin("server", "token", "move", "Quầy 1", "--to", "abc", "--db", db, ok=False)
    assert bad.returncode != 0 and "Mã cài đặt «abc» không đúng dạng" in bad.stderr
    none = admin(
        "server", "token", "move", "Quầy 9", "--to", str(uuid.uuid4()), "--db", db, ok=False
    )
    assert none.returncode != 0 and "Không có quầy tên «Quầy 9»" in none.stderr
    assert "Traceback" not in bad.stderr + none.stderr
