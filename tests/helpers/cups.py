"""A throwaway CUPS daemon with cups-pdf queues, for tests that print for real.

The daemon runs with its own configuration, spool and socket (never the machine's own CUPS), and
every test process points libcups at that socket through CUPS_SERVER (set in tests/conftest.py
before Qt loads), so no test can reach a real printer. Each queue is a `printer-driver-cups-pdf`
queue whose PDFs land in a folder of its own.

cups-pdf's backend is installed mode 0700 owned by root: cupsd runs it as root only when cupsd is
itself root, and it refuses to run otherwise ("cannot be called without root privileges"). It reads
its settings from /etc/cups/cups-pdf-<suffix>.conf for a device URI `cups-pdf:/<suffix>` (the path
is compiled in), so each queue writes such a file, removed again when the daemon stops.

Debian's AppArmor profiles (cups-daemon) confine /usr/sbin/cupsd and /usr/lib/cups/backend/cups-pdf
by path: cups-pdf may only read /etc/cups/cups-pdf.conf and write under ~/PDF or
/var/spool/cups-pdf. On a host that enforces them, this daemon's own folders would be refused, so
the daemon and the cups-pdf backend run from copies in the daemon's folder (profiles attach by
path; the other programs are linked to where Debian installed them).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from counter_app.tempdirs import remove_tree

ENV_REQUIRE = "COUNTER_APP_REQUIRE_CUPS"
CUPSD = Path("/usr/sbin/cupsd")
SERVER_BIN = Path("/usr/lib/cups")
CUPS_PDF_BACKEND = SERVER_BIN / "backend" / "cups-pdf"
CUPS_PDF_PPD = Path("/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd")
CUPS_PDF_CONF_DIR = Path("/etc/cups")
# 80 mm wide, 200 mm long: an 80 mm roll's default page (the slip itself asks for its own length,
# which the PPD's custom page size allows).
ROLL_80 = "X80MMx200MM"
ROLL_80_PT = (227, 567)


class CupsUnavailable(Exception):
    """Why a CUPS daemon for the tests could not be started (the tests skip with it)."""


def why_not() -> str | None:
    """What is missing on this machine to run a CUPS daemon with cups-pdf, or None."""
    if os.name != "posix":
        return "CUPS chỉ có trên Linux/macOS"
    if getattr(os, "geteuid", lambda: -1)() != 0:
        return "cups-pdf chỉ chạy khi cupsd chạy với quyền root (tests không chạy bằng root)"
    for need in (CUPSD, CUPS_PDF_BACKEND, CUPS_PDF_PPD, CUPS_PDF_CONF_DIR):
        if not need.exists():
            return f"thiếu {need} (cài cups và printer-driver-cups-pdf: .ci/system-packages)"
    for tool in ("lpadmin", "lpstat", "cupsreject", "cupsdisable"):
        if shutil.which(tool) is None:
            return f"thiếu lệnh {tool} (cài cups-client/cups-bsd)"
    return None


def roll_80_ppd(source: str) -> str:
    """cups-pdf's PPD with an 80 mm roll as its default page size."""
    w, h = ROLL_80_PT
    entries = {
        "PageSize": f'"<</PageSize[{w} {h}]/ImagingBBox null>>setpagedevice"',
        "PageRegion": f'"<</PageSize[{w} {h}]/ImagingBBox null>>setpagedevice"',
        "ImageableArea": f'"0 0 {w} {h}"',
        "PaperDimension": f'"{w} {h}"',
    }
    out = source
    for key, value in entries.items():
        line = f"*{key} {ROLL_80}/80 x 200 mm: {value}\n"
        anchor = re.search(rf"\*{key} A4/A4:[^\n]*\n", out)
        if anchor is not None:
            out = out[: anchor.end()] + line + out[anchor.end() :]
        out = out.replace(f"*Default{key}: A4", f"*Default{key}: {ROLL_80}")
    # A thermal printer's 203 dpi: Qt rasterises at the printer's resolution, so the slip's
    # whole-dot bars meet the printer's dots as they would on a real roll printer.
    out = out.replace(
        "*DefaultResolution: 300dpi",
        '*DefaultResolution: 203dpi\n*Resolution 203dpi/203 DPI: "<</HWResolution[203 203]>>'
        'setpagedevice"',
    )
    out = re.sub(r"\*NickName:[^\n]*", '*NickName: "CUPS-PDF 80 mm roll (tests)"', out, count=1)
    if ROLL_80 not in out:
        raise CupsUnavailable("không sửa được PPD của cups-pdf thành khổ 80 mm")
    return out


@dataclass
class CupsServer:
    """A running private cupsd; `a4` and `slip` are its two cups-pdf queues."""

    base: Path
    socket: Path
    process: subprocess.Popen[bytes]
    token: str
    a4: str = ""
    slip: str = ""
    out: dict[str, Path] = field(default_factory=dict)
    _confs: list[Path] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "CUPS_SERVER": str(self.socket)}

    def run(self, *args: str) -> str:
        done = subprocess.run(
            list(args), env=self.env, capture_output=True, text=True, timeout=30, check=False
        )
        if done.returncode != 0:
            raise CupsUnavailable(f"{' '.join(args)}: {done.stderr.strip() or done.stdout}")
        return done.stdout

    def add_queue(self, kind: str, *, ppd: Path | None = None) -> str:
        """A new cups-pdf queue named after `kind`, accepting jobs; returns its name."""
        name = f"counter-{kind}-{self.token}"
        out = self.base / "out" / name
        out.mkdir(parents=True)
        conf = CUPS_PDF_CONF_DIR / f"cups-pdf-{name}.conf"
        conf.write_text(
            f"Out {out}\nAnonDirName {out}\nSpool {self.base / 'cups-pdf-spool'}\n"
            f"Grp lp\nLog {self.base / 'log'}\nLogType 3\nLabel 1\n",
            encoding="utf-8",
        )
        self._confs.append(conf)
        self.run(
            "lpadmin", "-p", name, "-E", "-v", f"cups-pdf:/{name}",
            "-P", str(ppd or CUPS_PDF_PPD), "-o", "printer-error-policy=abort-job",
        )  # fmt: skip
        self.out[name] = out
        return name

    def remove_queue(self, name: str) -> None:
        self.run("lpadmin", "-x", name)

    def pdfs(self, name: str) -> list[Path]:
        """The queue's output files, oldest first (by time: names sort job_10 before job_9)."""
        return sorted(self.out[name].glob("*.pdf"), key=lambda p: (p.stat().st_mtime_ns, p.name))

    def wait_for_pdf(self, name: str, before: int = 0, timeout: float = 60.0) -> Path:
        """The next PDF cups-pdf writes for queue `name` once its job has completed."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            files = self.pdfs(name)
            if len(files) > before and not self.run("lpstat", "-o", name).strip():
                return files[before]  # no job left on the queue: cups-pdf has closed the file
            time.sleep(0.2)
        log = (self.base / "log" / "error_log").read_text(errors="replace")[-3000:]
        raise AssertionError(f"cups-pdf wrote nothing for {name} in {timeout} s:\n{log}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for conf in self._confs:
            conf.unlink(missing_ok=True)
        remove_tree(self.base)


def _private_programs(base: Path) -> Path:
    """`base`/bin: copies of cupsd and cups-pdf (out of reach of path-bound AppArmor profiles;
    cupsd runs a backend as root only if it is root's and not readable by others: copy2 keeps
    0700), and links to every other program of CUPS. Returns the ServerBin folder."""
    bin_dir = base / "bin"
    server_bin = bin_dir / "lib"
    (server_bin / "backend").mkdir(parents=True)
    for path in (bin_dir, server_bin, server_bin / "backend"):
        path.chmod(0o755)
    shutil.copy2(CUPSD, bin_dir / "cupsd")
    for entry in SERVER_BIN.iterdir():
        if entry.name != "backend":
            (server_bin / entry.name).symlink_to(entry)
    for entry in (SERVER_BIN / "backend").iterdir():
        if entry.name == CUPS_PDF_BACKEND.name:
            shutil.copy2(entry, server_bin / "backend" / entry.name)
        else:
            (server_bin / "backend" / entry.name).symlink_to(entry)
    return server_bin


def start(socket: Path, timeout: float = 20.0) -> CupsServer:
    """Start cupsd listening on `socket` only, with an A4 and an 80 mm cups-pdf queue."""
    reason = why_not()
    if reason is not None:
        raise CupsUnavailable(reason)
    # Filters run as user lp: every folder above the spool must be traversable.
    base = Path(tempfile.mkdtemp(prefix="counter-cups-"))
    try:
        return _start_in(base, socket, timeout)
    except BaseException:
        remove_tree(base)
        raise


def _start_in(base: Path, socket: Path, timeout: float) -> CupsServer:
    base.chmod(0o755)
    conf = base / "conf"
    for sub in ("conf", "spool", "spool/tmp", "cache", "state", "log", "out", "cups-pdf-spool"):
        (base / sub).mkdir(exist_ok=True)
        (base / sub).chmod(0o755)
    server_bin = _private_programs(base)
    (conf / "cupsd.conf").write_text(
        f"LogLevel debug\nListen {socket}\nBrowsing No\nWebInterface No\n"
        "DefaultAuthType None\nJobRetryLimit 0\n"
        "<Location />\n  Order allow,deny\n  Allow all\n</Location>\n"
        "<Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n",
        encoding="utf-8",
    )
    (conf / "cups-files.conf").write_text(
        f"ServerRoot {conf}\nRequestRoot {base / 'spool'}\nTempDir {base / 'spool/tmp'}\n"
        f"CacheDir {base / 'cache'}\nStateDir {base / 'state'}\n"
        f"ErrorLog {base / 'log/error_log'}\nAccessLog {base / 'log/access_log'}\n"
        f"PageLog {base / 'log/page_log'}\nSystemGroup root\nUser lp\nGroup lp\n"
        f"ServerBin {server_bin}\n",
        encoding="utf-8",
    )
    socket.unlink(missing_ok=True)
    with open(base / "log" / "stderr", "wb") as err:  # the daemon keeps its own copy
        process = subprocess.Popen(
            [
                str(base / "bin" / "cupsd"),
                "-f",
                "-c",
                str(conf / "cupsd.conf"),
                "-s",
                str(conf / "cups-files.conf"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    server = CupsServer(base, socket, process, uuid.uuid4().hex[:6])
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                said = (base / "log" / "stderr").read_text(errors="replace")
                raise CupsUnavailable(f"cupsd dừng ngay khi khởi động: {said.strip()}")
            if (
                socket.exists()
                and subprocess.run(
                    ["lpstat", "-r"], env=server.env, capture_output=True, check=False
                ).returncode
                == 0
            ):
                break
            if time.monotonic() > deadline:
                raise CupsUnavailable(f"cupsd không trả lời sau {timeout} s")
            time.sleep(0.1)
        server.a4 = server.add_queue("a4")
        ppd = base / "roll80.ppd"
        ppd.write_text(roll_80_ppd(CUPS_PDF_PPD.read_text("latin-1")), "latin-1")
        server.slip = server.add_queue("80mm", ppd=ppd)
        # A default printer, as on a real PC: Qt falls back to it when a chosen one has gone,
        # which the tests must see never happens.
        server.run("lpadmin", "-d", server.a4)
    except BaseException:
        server.stop()
        raise
    return server
