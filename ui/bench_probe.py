"""Measurements of the real window for `counter-app bench` (run as a subprocess, offscreen).

    python -m ui.bench_probe startup --t0 EPOCH [--db URL]   seconds until the first dialog shows
    python -m ui.bench_probe stall --dir DIR [--rounds N] [--day-rows N] [--load [--files N]]
                                   [--trace-stalls MS] [--switch-interval S]
                                   [--fill-here] [--busy-wait]
                                                              longest UI-thread stall while saving

The stall figure is the longest gap between turns of the UI thread's event loop from pressing
save until the receipt preview has painted, per save; the worst over N saves and their median are
reported, since one save on a shared machine can be unlucky either way.

The day's dossiers are written by a separate process (`fill`), so the window's process is as
cold as a counter's after start-up and round 0 is the session's first save; between saves the
probe waits in a Qt event loop as the window does under `app.exec()`. `--fill-here` and
`--busy-wait` give the bench as it was before (the day written in this process, which warmed
the intake path before the first save; a processEvents/sleep(1 ms) loop).

Prints one JSON object on the last line of stdout.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

STALL_ROUNDS = 7
DAY_ROWS = 300  # dossiers received earlier the same day: the list is not empty at a real counter
FILES_PER_ROUND = 3  # ~900 KB scans the sync uploads during each save under --load


def _startup(args: argparse.Namespace) -> dict[str, float | str]:
    from PySide6.QtCore import QTimer

    from ui.app import create_controller

    app, controller, _home = create_controller(args.db, False)  # the same path as `counter-app`
    ops = controller.ops
    result: dict[str, float | str] = {}

    def shown(dialog: object) -> None:
        def painted() -> None:
            result.setdefault("startup_s", time.time() - args.t0)
            result["dialog"] = type(dialog).__name__
            if "ready_s" in result:
                app.quit()

        QTimer.singleShot(0, painted)

    def ready(_result: object) -> None:
        result["ready_s"] = time.time() - args.t0
        if "startup_s" in result:
            QTimer.singleShot(0, app.quit)

    controller.login_shown.connect(shown)
    controller.setup_shown.connect(shown)
    controller.start()
    # The database is open once the controller's preparation job has delivered.
    ops.busy_changed.connect(lambda busy: None if busy else ready(None))
    QTimer.singleShot(30_000, app.quit)
    app.exec()
    ops.shutdown()
    if controller.services is not None:
        controller.services.close()
    return result


def _busy_day(services: object, count: int) -> None:
    """Dossiers already received today, so the list the window refreshes is a busy day's."""
    import random

    from counter_app.auth import system_actor
    from counter_app.bench import names
    from counter_app.intake import ApplicantDraft, DossierDraft

    actor = system_actor()
    rng = random.Random(7)
    for i in range(count):
        name, female = names.person(rng)
        draft = DossierDraft(
            procedure_code="1.001193",
            applicant=ApplicantDraft(
                name=name, id_number=names.citizen_id(rng, female, 1000 + i), phone=names.phone(rng)
            ),
        )
        services.intake.receive(draft, clerk=actor)  # type: ignore[attr-defined]


class _Server:
    """The reference provincial server in its own process on 127.0.0.1 (a real sync peer)."""

    def __init__(self, folder: object, unit: str) -> None:
        import socket
        import subprocess
        from pathlib import Path

        url = f"sqlite:///{Path(str(folder)) / 'server.sqlite3'}"
        cli = [sys.executable, "-m", "counter_app", "server"]
        made = subprocess.run(
            [*cli, "token", "create", "Quầy 1", "--unit", unit, "--db", url],
            capture_output=True,
            text=True,
            check=True,
        )
        self.token = made.stdout.strip().splitlines()[-1]
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen(
            [*cli, "run", "--host", "127.0.0.1", "--port", str(port), "--db", url],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        end = time.monotonic() + 30
        while time.monotonic() < end:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("máy chủ tham chiếu không khởi động")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def _print_to_file(pdf: bytes, path: object) -> int:
    """What `ui.print_job.print_pdf` does for a printer, into a PDF file (no print system)."""
    try:
        from ui.render import print_pdf
    except ImportError:  # before ui.render: the same steps in the worker thread
        pass
    else:
        return print_pdf(pdf, "", str(path))
    from PySide6.QtPrintSupport import QPrinter

    from ui.printing import _setup_printer, page_size_points, paint_pages, rasterise

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    _setup_printer(printer, page_size_points(pdf))
    images = rasterise(pdf, 300)
    paint_pages(printer, images)
    return len(images)


def _attach_scans(services: object, code: str, paper: str, seed: int, count: int) -> None:
    """Digitised papers for the next sync to upload (issue 13): ~900 KB, 3-page PDFs."""
    from counter_app.attachments import inspect_file
    from counter_app.auth import system_actor
    from counter_app.bench.files import _scan

    loaded = []
    for n in range(count):
        data = _scan(seed * 100 + n)
        loaded.append((inspect_file(data, f"scan-{seed}-{n}.pdf"), data))
    services.attachments.attach_checked(code, paper, loaded, by=system_actor())  # type: ignore[attr-defined]


_APP_FILE = re.compile(r"[/\\](counter_app|ui)[/\\](?!bench_probe)")


class _StallWatch:
    """`--trace-stalls MS`: what every thread was doing when the UI thread missed a beat.

    A sampling thread looks at the heartbeat every millisecond; once the gap passes the
    threshold it records each thread's innermost frames (the UI thread's shows what it runs
    or waits in; the others', who may hold the GIL). The tally goes to stderr.
    """

    def __init__(self, last: list[float], threshold_s: float) -> None:
        import collections
        import threading

        self.last, self.threshold_s, self.active = last, threshold_s, False
        self.tally: collections.Counter[str] = collections.Counter()
        self.rounds: list[collections.Counter[str]] = []
        self.main_id = threading.get_ident()
        threading.Thread(target=self._run, daemon=True, name="stall-watch").start()

    def _run(self) -> None:
        import threading
        import traceback

        seen = 0.0
        names: dict[int | None, str] = {}
        while True:
            time.sleep(0.001)
            start = self.last[0]
            if not self.active or start == seen or time.perf_counter() - start < self.threshold_s:
                continue
            seen = start
            names = {t.ident: t.name for t in threading.enumerate()}
            for ident, frame in sys._current_frames().items():
                if ident == threading.get_ident():
                    continue
                full = traceback.extract_stack(frame)
                stack = full[-4:]
                where = " < ".join(
                    f"{Path(f.filename).name}:{f.lineno}:{f.name}" for f in reversed(stack)
                )
                # The innermost frame of the app itself: which of its calls the library runs.
                ours = next((f for f in reversed(full) if _APP_FILE.search(f.filename)), None)
                if ours is not None and ours not in stack:
                    where += f" << {Path(ours.filename).name}:{ours.lineno}:{ours.name}"
                who = "UI" if ident == self.main_id else names.get(ident, str(ident))
                self.tally[f"{who}: {where}"] += 1
                if self.rounds:
                    self.rounds[-1][f"{who}: {where}"] += 1

    def next_round(self) -> None:
        import collections

        self.rounds.append(collections.Counter())

    def report(self) -> None:
        for line, n in self.tally.most_common(40):
            sys.stderr.write(f"stall-watch {n:3d}  {line}\n")
        for i, tally in enumerate(self.rounds):
            for line, n in tally.most_common(12):
                sys.stderr.write(f"stall-watch round {i} {n:3d}  {line}\n")


def _stall(args: argparse.Namespace) -> dict[str, object]:
    import statistics
    from pathlib import Path

    from PySide6.QtCore import QEventLoop, QTimer

    os.environ["COUNTER_APP_HOME"] = str(Path(args.dir) / "home")
    from counter_app.settings import Settings, set_value

    if not Settings.load().counter_chosen:  # run by hand: a counter must have a number to receive
        set_value(Settings.load(), "counter_no", "1")
    from counter_app.demo import DEMO_USERS, build_demo
    from counter_app.drafts import IntakeDraftState
    from ui.app import build_services, make_application
    from ui.main_window import MainWindow
    from ui.ops import Ops

    app = make_application()
    if args.switch_interval:
        sys.setswitchinterval(args.switch_interval)
    url = f"sqlite:///{Path(args.dir) / 'ui-bench.sqlite3'}"
    if args.fill_here:  # the figure before 2026-12 (the first save then found intake warm)
        services = build_services(url, False)
        build_demo(services, dossiers=2)
        _busy_day(services, args.day_rows)
    else:
        # The day so far is written by another process, so this one starts as cold as a
        # counter's window after start-up: its first save is the session's first.
        import subprocess

        fill = [sys.executable, "-m", "ui.bench_probe", "fill", "--dir", args.dir]
        subprocess.run([*fill, "--day-rows", str(args.day_rows)], check=True)
        services = build_services(url, False)
    username, _, password, _ = DEMO_USERS[-1]
    user = services.auth.authenticate(username, password)
    if user is None:
        raise SystemExit(f"ui.bench_probe: the demo account {username} does not sign in")
    before = len(services.dossiers.list_day(services.clock().date(), by=user))
    server = None
    if args.load:
        from dataclasses import replace

        from counter_app.settings import SyncSettings

        server = _Server(args.dir, services.intake.unit_identifier())
        sync = SyncSettings(server_url=server.url, token=server.token, interval_s=3600)
        services.settings = replace(services.settings, sync=sync)
    ops = Ops()
    window = MainWindow(services, ops, user)
    window.resize(1366, 768)
    window.show()

    def wait(predicate: Callable[[], bool], timeout_s: float = 30.0) -> None:
        end = time.perf_counter() + timeout_s
        if args.busy_wait:  # the loop before 2026-12: the UI thread never sleeps in Qt
            while not predicate() and time.perf_counter() < end:
                app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
                time.sleep(0.001)
            return
        # An event loop, as the window runs under `app.exec()`: the UI thread sleeps until an
        # event or a timer is due instead of spinning (the spin cost it 130-450 ms of CPU a save).
        loop = QEventLoop()
        check = QTimer(interval=5)

        def poll() -> None:
            if predicate() or time.perf_counter() > end:
                loop.quit()

        check.timeout.connect(poll)
        if not predicate():
            check.start()
            loop.exec()
            check.stop()

    wait(lambda: ops.pending == 0)
    import gc

    # MainWindow warms the PDF helper after opening and then freezes start-up objects.
    wait(lambda: gc.get_freeze_count() > 0, timeout_s=60)
    wait(lambda: ops.pending == 0)
    day = services.dossiers.list_day(services.clock().date(), by=user)
    procedure = services.catalog.get("1.001193")
    paper = procedure.papers[0].code if procedure is not None and procedure.papers else ""
    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    gc_ms: list[float] = []
    gc_start: list[float] = [0.0]

    def gc_watch(phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            gc_start[0] = time.perf_counter()
        else:
            gc_ms.append((time.perf_counter() - gc_start[0]) * 1000)

    gc.callbacks.append(gc_watch)
    watch = _StallWatch(last, args.trace_stalls / 1000) if args.trace_stalls else None
    heartbeat = QTimer(interval=2)
    heartbeat.timeout.connect(tick)
    form = window.intake
    rounds_max: list[float] = []
    cpu_ms: dict[str, list[float]] = {}
    for i in range(args.rounds):
        form.set_state(
            IntakeDraftState(
                procedure_code="1.001193",
                name="Nguyễn Văn Đức",
                id_number=f"0220900{12345 + i:05d}",
                birth_date="05/09/1990",
                phone="0912345678",
                address="Tổ 1, khu 2, phường Hồng Gai, Quảng Ninh",
            )
        )
        if args.load and args.files and paper:
            _attach_scans(services, day[i % len(day)].code, paper, i, args.files)
        wait(lambda: ops.pending == 0)
        form.preview = None
        gaps.clear()
        cpu_before = _thread_cpu()
        last[0] = time.perf_counter()
        heartbeat.start()
        if watch is not None:
            watch.next_round()
            watch.active = True
        if args.load and window.sync_widget is not None:
            # At the same moment: a sync cycle (uploading the scans just attached), a reprint to
            # the printer, a catalog reload.
            window.sync_widget.sync_now()
            last_pdf, out = form.last_receipt_pdf, Path(args.dir) / f"print-{i}.pdf"
            if last_pdf is not None:
                ops.op(functools.partial(_print_to_file, last_pdf, out)).run()
            ops.op(services.catalog.invalidate).run()
        form.save()
        wait(lambda: form.preview is not None and ops.pending == 0)
        settle_until = time.perf_counter() + 0.3  # let the preview paint its pages
        wait(functools.partial(lambda t: time.perf_counter() > t, settle_until))
        heartbeat.stop()
        if watch is not None:
            watch.active = False
        rounds_max.append(max(gaps) * 1000 if gaps else 0.0)
        for name, used in _thread_cpu().items():
            if name in ("UI", "counter-db_0", "counter-sync"):
                ms = (used - cpu_before.get(name, 0.0)) * 1000
                cpu_ms.setdefault(name, []).append(round(ms, 1))
        sys.stderr.write(f"round {i}: {rounds_max[-1]:.1f} ms\n")
        if form.preview is not None:
            form.preview.close()
    if server is not None:
        from dataclasses import replace as _replace

        # The close prompt about records still waiting for the server is not part of the figure.
        services.settings = _replace(
            services.settings, sync=_replace(services.settings.sync, server_url="")
        )
    from counter_app.sync.files import pending_files

    # Scans still not confirmed by the server (the uploads really ran during the saves).
    files_pending = len(pending_files(services.db))
    if watch is not None:
        watch.report()
    window.close()
    ops.shutdown()
    if server is not None:
        server.stop()
    from ui.printing import shutdown_render_pool

    shutdown_render_pool()
    services.close()
    return {
        "intake_ui_stall_ms_max": max(rounds_max),
        "intake_ui_stall_ms_p50": statistics.median(rounds_max),
        "intake_ui_stall_ms_rounds": [round(ms, 1) for ms in rounds_max],
        "rounds": float(args.rounds),
        "under_load": float(bool(args.load)),
        "files_per_round": float(args.files if args.load else 0),
        "files_pending_after": float(files_pending),
        "gc_max_ms": max(gc_ms, default=0.0),
        # CPU each thread of the window used during each save (POSIX): first-time work shows
        # here whatever the machine's load, unlike the stall itself.
        "thread_cpu_ms_rounds": cpu_ms,
        "dossiers_saved": float(
            len(services.dossiers.list_day(services.clock().date(), by=user)) - before
        ),
    }


def _fill(args: argparse.Namespace) -> dict[str, float]:
    """The stall bench's database: the demo data and a busy day's dossiers so far."""
    os.environ["COUNTER_APP_HOME"] = str(Path(args.dir) / "home")
    from counter_app.demo import build_demo
    from counter_app.settings import Settings, set_value
    from ui.app import build_services

    if not Settings.load().counter_chosen:
        set_value(Settings.load(), "counter_no", "1")
    services = build_services(f"sqlite:///{Path(args.dir) / 'ui-bench.sqlite3'}", False)
    build_demo(services, dossiers=2)
    _busy_day(services, args.day_rows)
    services.close()
    return {"day_rows": float(args.day_rows)}


def _thread_cpu() -> dict[str, float]:
    """CPU seconds used so far by each thread of this process, by name (POSIX only)."""
    import threading

    clock = getattr(time, "pthread_getcpuclockid", None)
    if clock is None:
        return {}
    used: dict[str, float] = {}
    for t in threading.enumerate():
        if t.ident is None:
            continue
        name = "UI" if t is threading.main_thread() else t.name
        try:
            used[name] = used.get(name, 0.0) + time.clock_gettime(clock(t.ident))
        except (OSError, ProcessLookupError):  # the thread ended meanwhile
            continue
    return used


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    parser = argparse.ArgumentParser(prog="ui.bench_probe")
    sub = parser.add_subparsers(dest="what", required=True)
    s = sub.add_parser("startup")
    s.add_argument("--t0", type=float, required=True)
    s.add_argument("--db", default=None)
    t = sub.add_parser("stall")
    t.add_argument("--dir", required=True)
    t.add_argument("--rounds", type=int, default=STALL_ROUNDS)
    t.add_argument("--day-rows", type=int, default=DAY_ROWS)
    t.add_argument(
        "--load",
        action="store_true",
        help="a sync (with file uploads), a print and a catalog reload at each save",
    )
    t.add_argument(
        "--trace-stalls",
        type=float,
        default=0.0,
        metavar="MS",
        help="log what each thread did when the UI thread stalled longer than MS",
    )
    t.add_argument(
        "--files",
        type=int,
        default=FILES_PER_ROUND,
        help="scans attached before each save (--load)",
    )
    t.add_argument(
        "--busy-wait",
        action="store_true",
        help="wait by processEvents() and sleep(1 ms) in a loop (the bench before 2026-12)",
    )
    t.add_argument(
        "--switch-interval",
        type=float,
        default=0.0,
        metavar="S",
        help="sys.setswitchinterval(S) after the application has set its own",
    )
    t.add_argument(
        "--fill-here",
        action="store_true",
        help="write the day's dossiers in this process (its first save then finds intake warm)",
    )
    f = sub.add_parser("fill")
    f.add_argument("--dir", required=True)
    f.add_argument("--day-rows", type=int, default=DAY_ROWS)
    args = parser.parse_args(argv)
    runs: dict[str, Callable[[argparse.Namespace], Mapping[str, object]]] = {
        "startup": _startup,
        "stall": _stall,
        "fill": _fill,
    }
    result: dict[str, object] = dict(runs[args.what](args))
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    t0 = time.time()
    sys.exit(main())
