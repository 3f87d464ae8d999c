"""Sending a print job and following it: the printer checked before, the PDF kept when the job
does not go out, and a job the print system gives up on after taking it told to the clerk.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QWidget

from counter_app.errors import UserError
from ui.messages import show_error
from ui.printers import printer_ops

if TYPE_CHECKING:
    from counter_app.settings import Settings

log = logging.getLogger(__name__)

JOB_WATCH_MS = 1000
JOB_WATCH_TICKS = 600  # a sent job is followed for at most 10 minutes


def print_pdf(pdf: bytes, printer_name: str) -> int:
    """Send a PDF to a printer at its own resolution (worker thread); returns pages printed.

    The rasterising and painting run in the helper process: painting a 300-dpi page into a
    QPrinter holds the GIL for up to a second in PySide6.
    """
    from ui.printers import check_printer
    from ui.render import print_pdf as print_in_helper

    check_printer(printer_name)  # Qt would print to another printer, or drop the job silently
    return print_in_helper(pdf, printer_name)


class PrintFailed(UserError):
    """A print that did not go out; the PDF was kept at `saved` (None if that failed too)."""

    def __init__(self, text: str, saved: Path | None) -> None:
        super().__init__(text)
        self.saved = saved


def print_or_keep(
    settings: Settings, pdf: bytes, printer_name: str, filename: str
) -> tuple[int, int | None]:
    """`print_pdf`, or keep the PDF in the app's data folder and say where (worker thread).

    Returns the pages sent and the print system's job id (None where it cannot be known)."""
    from ui.printers import failure_text, keep_unprinted, newest_job

    try:
        pages = print_pdf(pdf, printer_name)
    except Exception as exc:
        if not isinstance(exc, UserError):
            log.exception("In tới %s lỗi", printer_name)
        try:
            saved: Path | None = keep_unprinted(settings, pdf, filename)
        except OSError:
            log.exception("Không lưu được bản PDF chưa in")
            saved = None
        raise PrintFailed(failure_text(exc, saved), saved) from exc
    try:
        job = newest_job(printer_name)  # same thread as the job: libcups' connection is per thread
    except Exception:  # only the follow-up is lost; the pages went out
        log.exception("Không tìm được lệnh in vừa gửi tới %s", printer_name)
        job = None
    return pages, job


class JobWatch(QObject):
    """Follows a sent job (on the printer worker, once a second) until the print system is done
    with it: a job it aborts or cancels after taking it gets the same message as a refused one,
    and the PDF is kept. A dialog already closed passes its parent window to show it on."""

    def __init__(
        self, parent: QWidget, settings: Settings, pdf: bytes, name: str, job: int, filename: str
    ) -> None:
        super().__init__(parent)
        self.widget, self.settings, self.pdf = parent, settings, pdf
        self.name, self.job, self.filename = name, job, filename
        self.problem: str | None = None
        self.finished = False
        self._ticks = 0
        self._asking = False
        self.timer = QTimer(self)
        self.timer.setInterval(JOB_WATCH_MS)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _tick(self) -> None:
        if self._asking:
            return
        self._ticks += 1
        if self._ticks > JOB_WATCH_TICKS:
            self._stop()
            return
        self._asking = True
        name, job, settings, pdf, filename = (
            self.name, self.job, self.settings, self.pdf, self.filename,
        )  # fmt: skip

        def ask() -> tuple[bool, str | None]:
            from ui.printers import PrinterUnavailable, failure_text, job_status, keep_unprinted

            stop, problem = job_status(name, job)
            if problem is None:
                return stop, None
            try:
                saved: Path | None = keep_unprinted(settings, pdf, filename)
            except OSError:
                saved = None
            return True, failure_text(PrinterUnavailable(problem), saved)

        printer_ops().op(ask, self.widget).success(self._answer).failure(self._lost).run()

    def _answer(self, result: tuple[bool, str | None]) -> None:
        self._asking = False
        stop, text = result
        if text is not None:
            self.problem = text
            show_error(self.widget, text)
        if stop:
            self._stop()

    def _lost(self, exc: BaseException) -> None:
        log.warning("Không theo dõi được lệnh in %s trên %s: %s", self.job, self.name, exc)
        self._stop()

    def _stop(self) -> None:
        self.timer.stop()
        self.finished = True
