"""The command line in its own process, and the data the process tests feed it and read back.

One runner for every test that starts `python -m counter_app` (the core's command line, which
needs no window) on its own app home; small helpers for batch files, drafts and the codes a
database file holds.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from counter_app.intake import ApplicantDraft, DossierDraft

ROOT = Path(__file__).resolve().parents[2]


class Cli:
    """`python -m counter_app` in its own process, on its own app home."""

    def __init__(self, home: Path, *, timeout: float = 300) -> None:
        self.home = home
        self.env = dict(os.environ, COUNTER_APP_HOME=str(home), PYTHONPATH=str(ROOT))
        self.db = home / "data" / "counter.sqlite3"
        self.timeout = timeout

    @classmethod
    def ready(cls, home: Path, *, backdate: bool = False) -> Cli:
        """A home initialised as counter 1; `backdate` opens the back-dating window wide, for
        tests that receive at fixed dates (the window itself is tested in test_intake.py)."""
        runner = cls(home)
        runner("init", "--counter", "1")
        if backdate:
            runner("config", "set", "backdate_working_days", "3650")
        return runner

    def cmd(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "counter_app", *args]

    def __call__(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            self.cmd(*args),
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=self.timeout,
            check=False,
        )
        if ok:
            assert result.returncode == 0, result.stderr
        return result

    def json(self, *args: str) -> object:
        return json.loads(self(*args, "--json").stdout)

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.cmd(*args),
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )


#: argparse's own English words, as 3.11-3.13 write them in a help or an error.
ARGPARSE_ENGLISH = re.compile(
    r"usage|error|invalid|arguments?\b|options|show this help|choose from|required"
    r"|expected|unrecognized|ambiguous|not allowed|ignored explicit|subcommands|default:",
    re.IGNORECASE,
)


def command_parsers(
    parser: argparse.ArgumentParser, path: str = ""
) -> dict[str, argparse.ArgumentParser]:
    """Every parser of a command line by its command ("" for the top, "queue kiosk")."""
    found = {path: parser}
    for action in parser._actions:  # argparse keeps sub-commands only there
        if action.nargs == argparse.PARSER and isinstance(action.choices, dict):
            for name, sub in action.choices.items():
                found.update(command_parsers(sub, f"{path} {name}".strip()))
    return found


def intake_args(
    name: str = "Nguyễn Văn An", id_number: str = "022090001234", procedure: str = "1.001193"
) -> tuple[str, ...]:
    """`intake` for one applicant, to which a test adds the options it is about."""
    return ("intake", "--procedure", procedure, "--name", name, "--id-number", id_number)


def draft(i: int, name: str = "Trần Thị Thuỷ") -> DossierDraft:
    """The i-th of a run of distinct applicants for one procedure."""
    return DossierDraft(
        procedure_code="2.000908",
        applicant=ApplicantDraft(name=name, id_number=f"0221{90000000 + i:08d}"),
    )


def codes_in(path: Path) -> list[str]:
    """The dossier codes in a database file, in the order they were received."""
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT code FROM dossier ORDER BY id")]
    finally:
        conn.close()


def batch_file(path: Path, count: int, start: int = 0) -> Path:
    """An `intake --batch` file of `count` applicants numbered from `start`."""
    lines = [
        json.dumps(
            {
                "procedure": "1.001193",
                "applicant": {"name": "Lê Văn Tám", "id_number": f"0220{80000000 + start + i:08d}"},
            },
            ensure_ascii=False,
        )
        for i in range(count)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def flip_bytes(path: Path) -> None:
    """Damage a copy of a real database the way a failing disk does: page headers garbled."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size, pages = (
        conn.execute("PRAGMA page_size").fetchone()[0],
        conn.execute("PRAGMA page_count").fetchone()[0],
    )
    conn.close()
    data = bytearray(path.read_bytes())
    for page in range(2, pages, 3):
        for k in range(8):
            data[(page - 1) * page_size + k] ^= 0xFF
    path.write_bytes(bytes(data))
