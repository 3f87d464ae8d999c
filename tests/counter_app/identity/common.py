"""What the identity tests share: the fixed "today", NFD input and hypothesis text."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import date

import pytest
from hypothesis import strategies as st

from counter_app.identity import InvalidValue

TODAY = date(2026, 3, 15)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def message(func: Callable[[], object]) -> str:
    with pytest.raises(InvalidValue) as info:
        func()
    return str(info.value)


# Control, format, surrogate, private-use and unassigned characters never reach an output.
_FORBIDDEN = {"Cc", "Cf", "Cs", "Co", "Cn"}

any_text = st.text(
    alphabet=st.one_of(
        st.characters(codec=None),
        st.sampled_from(list("0123456789|/.-+@ \n\r\t\u00a0\u200b\u0301\u0303đĐ")),
    ),
    max_size=40,
)


def assert_clean(text: str, *, multiline: bool = False) -> None:
    assert unicodedata.is_normalized("NFC", text)
    for ch in text:
        if multiline and ch == "\n":
            continue
        assert unicodedata.category(ch) not in _FORBIDDEN, repr(ch)
