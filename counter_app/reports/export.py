"""The supervisor's report exported to a file: the one path `report --out` and the dashboard's
export buttons take (issue 14: report export in the core).

Gathering (database, queue service over HTTP) is separate from drawing, so the window can have
the PDF drawn in its render process (`report_pdf_job`) while the CLI draws it here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from counter_app.errors import UserError
from counter_app.printing import RenderJob
from counter_app.reports.figures import ReportService
from counter_app.reports.model import Letterhead, Period
from counter_app.reports.queue import QueueFigures, fetch_queue_figures

SUFFIXES = (".xlsx", ".pdf")


class ExportFormatError(UserError):
    """The file name has neither .xlsx nor .pdf."""


def export_kind(path: Path) -> str:
    """ "xlsx" or "pdf" by the file's extension; a Vietnamese message naming the file otherwise."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ExportFormatError(
            f"Tệp báo cáo phải có đuôi .xlsx hoặc .pdf (đang là «{path.name}»)."
        )
    return suffix[1:]


def gather(
    services: Any, reports: ReportService, period: Period
) -> tuple[Any, Letterhead, QueueFigures]:
    """The report's data: dossier figures, letterhead, queue figures (or why there are none)."""
    report = reports.report(period)
    head = Letterhead.of(services)
    queue = fetch_queue_figures(services, period.start, period.end)
    return report, head, queue


def report_pdf_job(services: Any, reports: ReportService, period: Period) -> RenderJob:
    """The report PDF still to draw (picklable: the window draws it in its render process)."""
    from counter_app.reports.pdf import render_report_pdf

    report, head, queue = gather(services, reports, period)
    return RenderJob(render_report_pdf, (report, head), {"queue": queue})


def export_report(
    services: Any, reports: ReportService, period: Period, path: Path
) -> tuple[Path, QueueFigures]:
    """Write the period's report to `path` (.xlsx or .pdf, atomically) with the queue figures;
    returns the path and the queue figures used (their `problem` says why there were none)."""
    kind = export_kind(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "pdf":
        from counter_app.atomic import write_bytes

        job = report_pdf_job(services, reports, period)
        write_bytes(path, job())
        queue = job.kwargs["queue"]
    else:
        from counter_app.reports.xlsx import write_xlsx

        report, head, queue = gather(services, reports, period)
        write_xlsx(report, path, head, queue=queue)
    return path, queue
