"""Every PDF the window draws, rasterises or prints goes through its one helper process.

Call these on the worker thread (`ui.ops`): the data is read from the database here, then the
reportlab drawing, the PDFium rasterising and the painting for the printer run in the helper
process (`ui.render_process`), which cannot hold this process's GIL. If the helper is broken
(killed, failed to start, timed out) the same function runs here instead and the pool is started
afresh next time: a broken helper must not stop the counter.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtGui import QImage

from ui import render_process

if TYPE_CHECKING:
    from counter_app.auth import UserInfo
    from counter_app.printing import RenderJob
    from counter_app.reports import Period, ReportService
    from counter_app.services import CounterServices

log = logging.getLogger(__name__)
T = TypeVar("T")
TIMEOUT_S = 60.0


@dataclass
class RenderStats:
    """Where the last jobs ran (tests check that PDFs come from the helper)."""

    last_pid: int = 0
    in_helper: int = 0
    fallbacks: int = 0


stats = RenderStats()
_lock = threading.Lock()


class _RenderPool:
    """One helper process (spawned, so the same on Windows) for all PDF work."""

    executor: Any = None

    @classmethod
    def get(cls) -> Any:
        with _lock:
            if cls.executor is None:
                import multiprocessing
                from concurrent.futures import ProcessPoolExecutor

                cls.executor = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=render_process.lower_priority,
                )
            return cls.executor

    @classmethod
    def shutdown(cls) -> None:
        with _lock:
            executor, cls.executor = cls.executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)

    @classmethod
    def pids(cls) -> list[int]:
        """The helper's process ids (empty before it has started)."""
        executor = cls.executor
        processes = getattr(executor, "_processes", None) or {}
        return [int(pid) for pid in processes]


def _in_helper(fn: Callable[..., tuple[int, T]], *args: Any, retry_on_error: bool = True) -> T:
    """`fn(*args)` in the helper; here if the helper is broken.

    `retry_on_error`: also run it here when `fn` itself failed there (drawing is repeatable and
    a local failure gives the real traceback); printing is not retried after a printer's error,
    which would print twice.
    """
    try:
        done: tuple[int, T] = _RenderPool.get().submit(fn, *args).result(timeout=TIMEOUT_S)
        pid, result = done
    except (BrokenProcessPool, FutureTimeout, OSError) as exc:
        log.warning("Tiến trình phụ dựng PDF hỏng (%s); làm trong tiến trình chính", exc)
        _RenderPool.shutdown()
    except Exception:
        if not retry_on_error:
            raise
        log.exception("Tiến trình phụ dựng PDF lỗi; làm lại trong tiến trình chính")
    else:
        stats.last_pid, stats.in_helper = pid, stats.in_helper + 1
        return result
    pid, result = fn(*args)
    stats.last_pid, stats.fallbacks = pid, stats.fallbacks + 1
    return result


def shutdown() -> None:
    _RenderPool.shutdown()


def warm() -> int:
    """Start the helper and load its libraries (worker thread); returns its pid."""
    return _in_helper(_pid_of, render_process.load)


def _pid_of(fn: Callable[[], int]) -> tuple[int, int]:
    pid = fn()
    return pid, pid


# -- drawing ---------------------------------------------------------------------------------------


def pdf(job: RenderJob) -> bytes:
    """Draw a job gathered by the core (`ReceiptService.*_job`) in the helper."""
    return _in_helper(render_process.draw, job)


def receipt(
    services: CounterServices,
    code: str,
    *,
    by: UserInfo,
    reprint: bool = False,
    layout: str = "a4",
) -> bytes:
    """The receipt in `layout` ("a4": two copies on A4, "slip80": one 80 mm slip)."""
    from counter_app.receipts import Layout

    return pdf(services.receipts.receipt_job(code, Layout(layout), reprint=reprint, by=by))


def slip(services: CounterServices, slip_uuid: str, *, by: UserInfo) -> bytes:
    return pdf(services.receipts.slip_job(slip_uuid, by=by))


def apology(services: CounterServices, code: str, *, by: UserInfo) -> bytes:
    return pdf(services.receipts.apology_job(code, by=by))


def stop_notice(services: CounterServices, code: str, *, by: UserInfo) -> bytes:
    return pdf(services.receipts.stop_notice_job(code, by=by))


def control_slip(services: CounterServices, code: str, *, by: UserInfo) -> bytes:
    return pdf(services.receipts.control_slip_job(code, by=by))


def report(services: CounterServices, reports: ReportService, period: Period) -> bytes:
    """The dashboard's period report with the queue's figures (the core's `report_pdf_job`,
    as `report --out F.pdf`) as PDF."""
    from counter_app.reports.export import report_pdf_job

    return pdf(report_pdf_job(services, reports, period))


def register(
    services: CounterServices, reports: ReportService, period: Period, *, by: UserInfo
) -> bytes:
    """The register "Sổ theo dõi hồ sơ" of the period as PDF."""
    from counter_app.printing import RenderJob
    from counter_app.reports import Letterhead
    from counter_app.reports.pdf import render_register_pdf

    lines = reports.register(period, by=by)
    head = Letterhead.of(services)
    return pdf(RenderJob(render_register_pdf, (lines, period, reports.scope, head)))


# -- pages -----------------------------------------------------------------------------------------


def qimages(
    pages: list[render_process.RawPage], dpi: float, pixel_ratio: float = 1.0
) -> list[QImage]:
    """QImages over the helper's page bytes (no copy: each image keeps its bytes alive)."""
    images: list[QImage] = []
    for p in pages:
        img = QImage(p.data, p.width, p.height, p.stride, QImage.Format.Format_ARGB32_Premultiplied)
        # Opaque (white fill), so straight and premultiplied alpha are the same bytes.
        img = img.copy()  # a few ms, with the GIL released: the image then owns its pixels
        img.setDevicePixelRatio(pixel_ratio)
        img.setDotsPerMeterX(round(dpi * pixel_ratio / 0.0254))
        img.setDotsPerMeterY(round(dpi * pixel_ratio / 0.0254))
        images.append(img)
    return images


def pages(data: bytes, dpi: float, pixel_ratio: float = 1.0) -> list[QImage]:
    """Every page of a PDF rasterised in the helper, as images (worker thread)."""
    raw = _in_helper(render_process.raster, data, dpi * pixel_ratio / 72.0)
    return qimages(raw, dpi, pixel_ratio)


def print_pdf(data: bytes, printer_name: str, output_file: str = "") -> int:
    """Rasterise and paint for the printer in the helper; returns pages printed."""
    return _in_helper(
        render_process.print_pages, data, printer_name, output_file, retry_on_error=False
    )


def helper_pid() -> int | None:
    """The helper's pid if it is running."""
    pids = _RenderPool.pids()
    return pids[0] if pids else None


def is_helper(pid: int) -> bool:
    return pid != os.getpid()
