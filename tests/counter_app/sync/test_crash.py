"""A sender killed (SIGKILL) after the server's 2xx but before its local commit loses nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from counter_app.sync.engine import CRASH_ENV, queue_counts
from tests.counter_app.sync.harness import RefServer, assert_agree, engine_for, receive

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_killed_between_server_commit_and_local_commit(
    services: Any, server: RefServer, sqlite_url: str, app_home: Path
) -> None:
    receive(services, 4)
    env = {
        **os.environ,
        "COUNTER_APP_HOME": str(app_home),
        "COUNTER_APP_SERVER_URL": server.url,
        "COUNTER_APP_SERVER_TOKEN": server.token,
        CRASH_ENV: "after_push_2xx",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "counter_app", "--db", sqlite_url, "sync", "--once", "--json"],
        env=env,
        cwd=ROOT,
        check=False,
        capture_output=True,
        timeout=60,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    assert server.store.stats()["dossiers"] == 4  # the server committed ...
    assert queue_counts(services.db).sending == 8  # ... the counter never learned it
    # The same PC restarted: the installation id the killed process sent (its home's).
    engine = engine_for(services, server, install_id=services.settings.sync.install_id)
    report = engine.run_until_done(max_seconds=10)  # re-queued at start, resent, recognised
    assert report.pushed == 8
    assert max(server.app.pushed_keys.values()) == 2
    assert_agree(services, server)


def test_two_processes_never_send_the_same_record(
    services: Any, server: RefServer, sqlite_url: str, app_home: Path
) -> None:
    receive(services, 40)
    server.app.add("/push", "slow:0.05", times=10)
    env = {
        **os.environ,
        "COUNTER_APP_HOME": str(app_home),
        "COUNTER_APP_SERVER_URL": server.url,
        "COUNTER_APP_SERVER_TOKEN": server.token,
    }
    env.pop(CRASH_ENV, None)
    command = [sys.executable, "-m", "counter_app", "--db", sqlite_url, "config", "set"]
    subprocess.run([*command, "sync.batch_size", "10"], env=env, cwd=ROOT, check=True)
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "counter_app",
                "--db",
                sqlite_url,
                "sync",
                "--until-done",
                "--max-seconds",
                "30",
                "--json",
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    for proc in procs:
        proc.communicate(timeout=60)
        assert proc.returncode == 0
    assert set(server.app.pushed_keys.values()) == {1}  # one sender at a time, never twice
    assert_agree(services, server)
