"""Which printers there are, and whether a printer took a job: worker-thread code only.

`QPrinterInfo`'s lists ask the print system (CUPS, or the Windows spooler), which takes seconds
with network printers, so they run through `ui.ops` and never on the UI thread. They are safe
there: Qt's print support keeps no per-thread state, libcups keeps its connection and last error
per thread, and the existing print path already drives `QPrinter` from the worker.

Qt prints silently to whatever printer it falls back to: `QPrinter.setPrinterName` with a printer
that has gone keeps the previous (default) one, and a job CUPS refuses is dropped without a word.
So `check_printer` runs before a job and `check_sent` right after it (same thread: libcups'
last error is per thread).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from counter_app.errors import UserError

if TYPE_CHECKING:
    from counter_app.settings import Settings
    from ui.ops import Ops

log = logging.getLogger(__name__)

#: Where a PDF that could not be printed is kept, under the app's data folder.
UNPRINTED_DIR = "pdf-chua-in"
# IPP status codes from 0x0400 up are errors (client 0x04xx, server 0x05xx, libcups' own 0x1000+).
_IPP_FIRST_ERROR = 0x0400


@dataclass(frozen=True)
class PrinterList:
    """The print system's printers and its default one ("" when none is set)."""

    names: tuple[str, ...]
    default: str


_lock = threading.Lock()
_last: list[PrinterList] = []  # the latest list, shared by every thread


def list_printers() -> PrinterList:
    """Ask the print system for its printers (worker thread: may take seconds)."""
    from PySide6.QtPrintSupport import QPrinterInfo

    found = PrinterList(
        tuple(QPrinterInfo.availablePrinterNames()), QPrinterInfo.defaultPrinterName()
    )
    with _lock:
        _last[:] = [found]
    return found


_workers: list[Ops] = []


def printer_ops() -> Ops:
    """A worker of its own for printer lists (create on the UI thread): a print system slow to
    answer must not hold up the database work queued on the main worker (a save, sync status)."""
    if not _workers:
        from ui.ops import Ops

        _workers.append(Ops())
    return _workers[0]


def last_known() -> PrinterList | None:
    """The list from the last `list_printers` (start-up warm-up), to show while a new one loads."""
    with _lock:
        return _last[0] if _last else None


class PrinterUnavailable(UserError):
    """The chosen printer has gone, is stopped, or refused the job."""


def check_printer(name: str) -> None:
    """Refuse a printer that is no longer there or is stopped, before anything is sent."""
    from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

    if not name:
        raise PrinterUnavailable(
            "Chưa chọn máy in: hãy chọn một máy in trong bản xem trước khi in, hoặc đặt "
            "`counter-app config set printer_name TÊN` (A4) / `slip_printer_name TÊN` (80 mm)."
        )
    info = QPrinterInfo.printerInfo(name)
    if info.isNull():
        raise PrinterUnavailable(
            f"Máy in «{name}» không còn trong hệ thống (đã bị gỡ hoặc mất kết nối)."
        )
    if info.state() in (QPrinter.PrinterState.Error, QPrinter.PrinterState.Aborted):
        raise PrinterUnavailable(f"Máy in «{name}» đang tạm dừng hoặc báo lỗi, không nhận lệnh in.")


def check_chosen(printer: object, name: str) -> None:
    """Qt kept another printer because `name` was not valid any more: nothing may go there."""
    chosen = getattr(printer, "printerName", lambda: name)()
    if chosen != name:
        raise PrinterUnavailable(
            f"Máy in «{name}» không còn trong hệ thống (đã bị gỡ hoặc mất kết nối)."
        )


def _libcups() -> ctypes.CDLL | None:
    found = ctypes.util.find_library("cups")  # None on Windows: no CUPS there
    if not found:
        return None
    try:
        lib = ctypes.CDLL(found)
    except OSError:
        return None
    lib.cupsLastError.restype = ctypes.c_int
    lib.cupsLastErrorString.restype = ctypes.c_char_p
    return lib


def check_sent(name: str) -> None:
    """After the job was handed to CUPS on this thread: raise if CUPS refused it."""
    lib = _libcups()
    if lib is None:
        return
    status = int(lib.cupsLastError())
    if status < _IPP_FIRST_ERROR:
        return
    detail = (lib.cupsLastErrorString() or b"").decode("utf-8", "replace")
    log.warning("CUPS refused the job for %s: 0x%04x %s", name, status, detail)
    raise PrinterUnavailable(f"Máy in «{name}» từ chối lệnh in (máy in đang không nhận lệnh).")


class _CupsJob(ctypes.Structure):
    """libcups' cups_job_t (cups.h), as cupsGetJobs2 returns it."""

    _fields_ = [
        ("id", ctypes.c_int),
        ("dest", ctypes.c_char_p),
        ("title", ctypes.c_char_p),
        ("user", ctypes.c_char_p),
        ("format", ctypes.c_char_p),
        ("state", ctypes.c_int),
        ("size", ctypes.c_int),
        ("priority", ctypes.c_int),
        ("completed_time", ctypes.c_long),
        ("creation_time", ctypes.c_long),
        ("processing_time", ctypes.c_long),
    ]


# IPP job states (RFC 8011): 3 pending, 4 held, 5 processing, then these; 9 is completed.
JOB_COMPLETED = 9
_JOB_PROBLEMS = {6: "bị dừng giữa chừng", 7: "đã bị huỷ", 8: "bị lỗi và đã dừng"}


def _my_jobs(name: str) -> list[tuple[int, int]]:
    """(id, state) of this user's jobs on printer `name`, finished ones too; [] without CUPS."""
    lib = _libcups()
    if lib is None:
        return []
    jobs = ctypes.POINTER(_CupsJob)()
    lib.cupsGetJobs2.argtypes = [
        ctypes.c_void_p,
        ctypes.POINTER(ctypes.POINTER(_CupsJob)),
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_int,
    ]
    lib.cupsFreeJobs.argtypes = [ctypes.c_int, ctypes.POINTER(_CupsJob)]
    count = int(lib.cupsGetJobs2(None, ctypes.byref(jobs), name.encode(), 1, -1))
    try:
        return [(jobs[i].id, jobs[i].state) for i in range(count)]
    finally:
        if count > 0:
            lib.cupsFreeJobs(count, jobs)


def newest_job(name: str) -> int | None:
    """The id of the job just sent to `name` from this thread (this user's newest there)."""
    ids = [job_id for job_id, _state in _my_jobs(name)]
    return max(ids) if ids else None


def job_status(name: str, job_id: int) -> tuple[bool, str | None]:
    """(whether the watch may stop, what went wrong for the clerk or None) for a sent job.

    A job the print system has forgotten counts as done (CUPS may keep no history)."""
    state = dict(_my_jobs(name)).get(job_id, JOB_COMPLETED)
    problem = _JOB_PROBLEMS.get(state)
    if problem is not None:
        return True, (
            f"Máy in «{name}» báo lỗi khi in: lệnh in số {job_id} {problem}, giấy có thể chưa ra."
        )
    return state == JOB_COMPLETED, None


def keep_unprinted(settings: Settings, pdf: bytes, filename: str) -> Path:
    """Save a PDF that did not print in the app's data folder; returns where (worker thread)."""
    from counter_app.atomic import write_bytes

    folder = settings.paths.data_dir / UNPRINTED_DIR
    folder.mkdir(parents=True, exist_ok=True)
    stem = Path(filename).stem or "ban-in"
    target = folder / f"{stem}-{datetime.now():%Y%m%d-%H%M%S}.pdf"
    n = 2
    while target.exists():
        target = folder / f"{stem}-{datetime.now():%Y%m%d-%H%M%S}-{n}.pdf"
        n += 1
    return write_bytes(target, pdf)


def failure_text(exc: BaseException, saved: Path | None) -> str:
    """What the clerk reads when a print failed: the printer's fault and where the PDF is."""
    head = str(exc) if isinstance(exc, UserError) else f"Không in được: {exc}"
    if saved is None:
        return f"{head}\nBản PDF chưa lưu được; hãy bấm «Lưu PDF…»."
    return (
        f"{head}\nBản PDF đã được lưu tại {saved}.\n"
        "Hãy chọn máy in khác rồi in lại, hoặc in tệp này sau."
    )
