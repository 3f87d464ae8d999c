"""The smoke test: run the bundled app on a fresh data dir, as a counter would on day one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from counter_build.layout import APP_NAME, BuildError, cli_executable


def smoke_env(home: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("COUNTER_APP_") and k not in ("PYTHONPATH", "PYTHONHOME")
    }
    env.update(
        COUNTER_APP_HOME=str(home),
        QT_QPA_PLATFORM="offscreen",
        PYTHONIOENCODING="utf-8",
    )
    return env


def _run(exe: Path, args: Sequence[str], env: dict[str, str], step: str) -> str:
    proc = subprocess.run(
        [str(exe), *args],
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=180,
        check=False,
    )
    if proc.returncode != 0:
        raise BuildError(
            f"smoke step {step!r} failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        )
    return proc.stdout


def decode_pdf_barcodes(pdf: Path, dpi: int = 203) -> list[str]:
    """Every barcode/QR text found on every page, rasterised like a 203-dpi receipt printer."""
    import pypdfium2
    import zxingcpp

    texts: list[str] = []
    doc = pypdfium2.PdfDocument(str(pdf))
    try:
        for page in doc:
            image = page.render(scale=dpi / 72).to_pil().convert("L")
            texts += [r.text for r in zxingcpp.read_barcodes(image)]
            page.close()
    finally:
        doc.close()
    return texts


def smoke(bundle: Path, *, gui_seconds: float = 8.0) -> dict[str, float]:
    """Run the bundled app on a fresh data dir: init, intake, receipt (barcode decoded), lookup."""
    exe = cli_executable(bundle)
    if not exe.exists():
        raise BuildError(f"no executable at {exe}")
    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="counter-smoke-") as tmp:
        home = Path(tmp)
        env = smoke_env(home)

        def step(name: str, args: Sequence[str]) -> str:
            started = time.monotonic()
            out = _run(exe, args, env, name)
            timings[name] = time.monotonic() - started
            print(f"  smoke {name}: ok ({timings[name]:.1f} s)")
            return out

        init = json.loads(step("init", ["init", "--counter", "1", "--json"]))
        if not init.get("procedures"):
            raise BuildError(f"init loaded no procedures: {init}")
        catalog = json.loads(step("catalog", ["catalog", "--json"]))
        procedure = catalog[0]["code"]
        received = json.loads(
            step(
                "intake",
                [
                    "intake",
                    "--procedure",
                    procedure,
                    "--name",
                    "Nguyễn Thị Thuỷ",
                    "--id-number",
                    "001190012345",
                    "--phone",
                    "0912345678",
                    "--json",
                ],
            )
        )
        code = received["code"]
        pdf = home / "receipt.pdf"
        step("receipt", ["receipt", code, "--out", str(pdf)])
        texts = decode_pdf_barcodes(pdf)
        if not any(code in t for t in texts):
            raise BuildError(f"receipt barcode did not decode to {code}: {texts}")
        print(f"  smoke barcode: decoded {code}")
        found = json.loads(step("lookup", ["lookup", code, "--json"]))
        if found.get("code") != code:
            raise BuildError(f"lookup returned {found}")
        report = json.loads(step("doctor", ["doctor", "--json"]))
        if report["database"]["integrity"] != "ok":
            raise BuildError(f"doctor: database not healthy: {report['database']}")
        if report["printers"].get("source") != "qt":
            raise BuildError(f"Qt printer probe failed in the bundle: {report['printers']}")
        backup = home / "manual.sqlite3"
        step("backup", ["backup", "--out", str(backup)])
        # The dossier is not synced yet: a plain restore must refuse, a forced one succeed.
        refused = subprocess.run(
            [str(exe), "restore", str(backup)],
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=180,
            check=False,
        )
        if refused.returncode == 0 or "chưa đồng bộ" not in refused.stderr:
            raise BuildError(f"restore did not refuse over unsynced records: {refused.stderr}")
        restored = json.loads(step("restore", ["restore", str(backup), "--force", "--json"]))
        if restored.get("revision") != init.get("revision"):
            raise BuildError(f"restore: {restored}")
        if gui_seconds > 0:
            timings["gui"] = _smoke_gui(bundle, env, gui_seconds)
    return timings


def _smoke_gui(bundle: Path, env: dict[str, str], seconds: float) -> float:
    """Open the window offscreen: it must still be running after `seconds`, with no traceback
    on stderr or in the log files."""
    suffix = ".exe" if sys.platform == "win32" else ""
    exe = bundle / f"{APP_NAME}{suffix}"
    started = time.monotonic()
    proc = subprocess.Popen(
        [str(exe)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
    )
    try:
        out, err = proc.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        state = f"still running after {seconds:.0f} s, closed"
    else:
        if proc.returncode != 0:
            raise BuildError(f"the window exited with {proc.returncode} at start:\n{out}\n{err}")
        state = "exited cleanly"
    logs = Path(env["COUNTER_APP_HOME"]) / "logs"
    log_text = "".join(
        p.read_text(encoding="utf-8", errors="replace") for p in sorted(logs.glob("*.log*"))
    )
    for where, text in (("stderr", err), ("log", log_text)):
        if "Traceback" in text:
            raise BuildError(f"the window raised an exception ({where}):\n{text[-3000:]}")
    print(f"  smoke gui: window {state}, no errors")
    return time.monotonic() - started
