"""The real app on a real X server, driven by real key events as a keyboard and a scanner are:
login, a chip-ID scan typed at scanner speed, the procedure, the phone, save, save the PDF."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp

from counter_app.auth import system_actor
from counter_app.centre import CentreConfig
from counter_app.domain import Role
from tests.ui.conftest import CHIP_QR

TOOLS = ("Xvfb", "openbox", "xdotool", "xmodmap")
pytestmark = pytest.mark.skipif(
    not all(shutil.which(t) for t in TOOLS),
    reason="needs Xvfb, openbox, xdotool and xmodmap (.ci/system-packages)",
)

# The Vietnamese letters of the card text: xdotool types only what the keyboard map
# holds (shared NOTES.md), so each gets a spare keycode, as a Vietnamese keyboard layout would.
LETTERS = sorted({ch for ch in CHIP_QR if not ch.isascii()})


class X:
    """One Xvfb display with openbox; runs X clients on it."""

    def __init__(self, home: Path) -> None:
        self.xvfb = subprocess.Popen(
            ["Xvfb", "-displayfd", "1", "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert self.xvfb.stdout is not None
        number = self.xvfb.stdout.readline().decode().strip()
        self.env = {**os.environ, "DISPLAY": f":{number}", "HOME": str(home)}
        self.shots = home / "screens"
        self.env.pop("QT_QPA_PLATFORM", None)
        self.wm = subprocess.Popen(["openbox"], env=self.env, stderr=subprocess.DEVNULL)
        time.sleep(0.5)

    def run(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(
            list(args), env=self.env, capture_output=True, text=True, timeout=60, check=False
        )
        if check and done.returncode != 0:
            raise AssertionError(f"{args}: {done.stderr}")
        return done.stdout

    def wait_window(self, title: str, timeout: float = 60) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            found = self.run("xdotool", "search", "--onlyvisible", "--name", title, check=False)
            if found.strip():
                return found.split()[-1]
            time.sleep(0.2)
        self.screenshot("missing-window")
        raise AssertionError(f"no window {title!r} (screen in {self.shots})")

    def screenshot(self, name: str) -> Path | None:
        """The whole screen as PNG (ImageMagick's import), to look at what the user saw."""
        if not shutil.which("import"):
            return None
        self.shots.mkdir(parents=True, exist_ok=True)
        path = self.shots / f"{name}.png"
        self.run("import", "-window", "root", str(path), check=False)
        return path

    def key(self, *keys: str) -> None:
        self.run("xdotool", "key", "--clearmodifiers", *keys)
        time.sleep(0.3)

    def type(self, text: str, delay_ms: int = 120) -> None:
        self.run("xdotool", "type", "--delay", str(delay_ms), text)
        time.sleep(0.3)

    def scan(self, text: str) -> None:
        """A keyboard-wedge scanner: the text at 5 ms a key, then Enter straight after."""
        self.run("xdotool", "type", "--delay", "5", text)
        self.run("xdotool", "key", "Return")
        time.sleep(0.5)

    def close(self) -> None:
        for proc in (self.wm, self.xvfb):
            proc.terminate()
            proc.wait(timeout=10)
        if self.xvfb.stdout is not None:
            self.xvfb.stdout.close()


@pytest.fixture
def x(tmp_path: Path) -> Iterator[X]:
    display = X(tmp_path)
    try:
        for i, letter in enumerate(LETTERS):
            display.run("xmodmap", "-e", f"keycode {200 + i} = U{ord(letter):04X}")
        yield display
    finally:
        display.close()


def test_intake_by_real_keys_ends_in_a_saved_dossier_and_pdf(
    x: X, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from counter_app.services import CounterServices
    from counter_app.settings import Settings, set_value

    home = tmp_path / "app"
    monkeypatch.setenv("COUNTER_APP_HOME", str(home))
    x.env["COUNTER_APP_HOME"] = str(home)
    set_value(Settings.load(), "counter_no", "1")  # as `counter-app init --counter 1` does
    services = CounterServices(Settings.load())
    services.init(load_catalog=True)  # what `counter-app init` does: schema and bundled catalog
    services.centre.save(CentreConfig(configured=True), by=system_actor())
    services.auth.create_user("canbo", "Lê Thu Hà", "canbo1234", Role.CLERK, by=system_actor())
    services.close()

    app = subprocess.Popen(
        [sys.executable, "-m", "ui"],  # the `counter-app` command: the window
        env=x.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        x.wait_window("Đăng nhập")
        time.sleep(1.0)  # the core loads behind the login dialog
        x.type("canbo")
        x.key("Tab")
        x.type("canbo1234")
        x.key("Return")
        x.wait_window("Tiếp nhận và trả kết quả")
        time.sleep(1.5)
        # The scanner: 5 ms a key, far faster than a person, ending with Enter, into whatever
        # field has the focus (the procedure field).
        x.scan(CHIP_QR)
        x.type("1193")
        x.key("Return")
        x.type("0912345678")
        x.screenshot("filled")
        x.key("ctrl+s")
        x.wait_window("Xem trước khi in")
        time.sleep(0.5)
        x.screenshot("preview")
        x.key("ctrl+shift+s")
        x.wait_window("Lưu PDF")
        time.sleep(0.5)
        x.screenshot("save-dialog")
        x.key("Return")  # the name offered: <code>.pdf in the documents folder
        time.sleep(1.0)
        x.key("Escape")  # close the preview
        time.sleep(0.3)
        x.key("ctrl+q")
        app.wait(timeout=30)
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
    output = ""
    if app.stdout is not None:
        output = app.stdout.read().decode(errors="replace")
        app.stdout.close()
    assert app.returncode == 0, output[-3000:]

    services = CounterServices(Settings.load())
    try:
        rows = services.dossiers.search("", limit=10, by=system_actor())
        assert len(rows) == 1, rows
        detail = services.dossiers.detail(rows[0].code, by=system_actor())
    finally:
        services.close()
    assert detail is not None
    applicant = detail.applicant
    assert rows[0].applicant_name == "Nguyễn Văn Đức"  # every Vietnamese letter arrived
    assert "Hồng Gai" in str(applicant) and "Quảng Ninh" in str(applicant)
    assert "022090012345" in str(applicant) and "0912345678" in str(applicant)
    assert rows[0].procedure_code == "1.001193"
    code = rows[0].code
    pdf = tmp_path / "Documents" / f"{code}.pdf"
    assert pdf.exists(), sorted(p.name for p in tmp_path.rglob("*.pdf"))
    doc = pdfium.PdfDocument(pdf.read_bytes())
    image = doc[0].render(scale=300 / 72, fill_color=(255, 255, 255, 255)).to_pil()
    codes = [r.text for r in zxingcpp.read_barcodes(image)]
    doc.close()
    assert code in codes
