"""Printed forms of the counter: the receipt (A4 or 80 mm slip), supplement request, refusal."""

from __future__ import annotations

from counter_app.receipts.codes import code128_modules
from counter_app.receipts.forms import render_refusal, render_supplement_request
from counter_app.receipts.model import (
    DEFAULT_UNIT_NAME,
    Layout,
    MissingPaper,
    ReceiptData,
    ReceiptPaper,
    RefusalData,
    SupplementRequestData,
)
from counter_app.receipts.receipt_a4 import render_receipt_a4
from counter_app.receipts.slip import render_receipt_slip, slip_qr_content


def render_receipt(data: ReceiptData, layout: Layout = Layout.A4) -> bytes:
    """The receipt as PDF bytes: two A4 copies, or one 80 mm slip as tall as its content."""
    if layout is Layout.SLIP80:
        return render_receipt_slip(data)
    return render_receipt_a4(data)


__all__ = [
    "DEFAULT_UNIT_NAME",
    "Layout",
    "MissingPaper",
    "ReceiptData",
    "ReceiptPaper",
    "RefusalData",
    "SupplementRequestData",
    "code128_modules",
    "render_receipt",
    "render_refusal",
    "render_supplement_request",
    "slip_qr_content",
]
