"""`receipt_ratio`: the bare reportlab baseline draws the same pages as the receipt."""

from __future__ import annotations

import zxingcpp

from counter_app.bench.receipts import _bare_render, _drawn_strings, receipt_ratio
from counter_app.receipts import render_receipt
from tests.counter_app.receipts.support import CODE, URL, decode, page_texts, rasterise, receipt


def test_baseline_draws_the_same_text_and_codes() -> None:
    data = receipt()
    pdf = render_receipt(data)
    bare = _bare_render(_drawn_strings(pdf), data.dossier_code, data.lookup_url)
    assert page_texts(bare) == page_texts(pdf)
    for page in rasterise(bare, 203):
        assert decode(page, zxingcpp.BarcodeFormat.Code128) == [CODE]
        assert decode(page, zxingcpp.BarcodeFormat.QRCode) == [URL]


def test_ratio_is_reported() -> None:
    ratio, ours, bare = receipt_ratio(receipt(), repeat=2)
    assert ratio > 0 and ours > 0 and bare > 0
    assert ratio == ours / bare
