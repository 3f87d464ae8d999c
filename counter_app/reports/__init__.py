"""Intake figures for the supervisor: dashboard queries, drill-down lists, XLSX and PDF exports."""

from __future__ import annotations

from counter_app.reports.figures import (
    DayReport,
    DrillList,
    Figure,
    Letterhead,
    Period,
    ProcedureCount,
    RatingSummary,
    RegisterLine,
    ReportScope,
    ReportService,
    show_pct,
    summary_rows,
)

__all__ = [
    "DayReport",
    "DrillList",
    "Figure",
    "Letterhead",
    "Period",
    "ProcedureCount",
    "RatingSummary",
    "RegisterLine",
    "ReportScope",
    "ReportService",
    "show_pct",
    "summary_rows",
]
