"""A guard against a Qt binding that drops references to None.

PySide6 6.12.0 forgets to take a reference when a void method (`setText`, `setEnabled`…)
returns None. From Python 3.12 None is immortal and nothing happens; on 3.11 its count falls by
one per call and the interpreter aborts after a few thousand calls ("deallocating None") — a
counter window would die within the hour. pyproject keeps that binding off 3.11; this guard
covers an installer or venv that got it anyway: it measures, logs, and gives None a reserve of
references so large that a working day cannot use it up.
"""

from __future__ import annotations

import ctypes
import logging
import sys

log = logging.getLogger(__name__)

#: About 2**40 calls: centuries of a busy counter.
RESERVE = 1 << 40


def none_refs_lost_per_call(calls: int = 200) -> float:
    """References to None lost per call of a void Qt method (0 on a sound binding)."""
    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(calls):
        probe.setObjectName("probe")
    return (before - sys.getrefcount(None)) / calls


def add_none_references(count: int) -> None:
    """Raise None's reference count by `count` (CPython before 3.12: the count is the object's
    first machine word, as in every CPython build without free threading)."""
    refcnt = ctypes.c_ssize_t.from_address(id(None))
    refcnt.value += count


def guard_none_refcount() -> bool:
    """True when the binding leaks and None was given its reserve."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    lost = none_refs_lost_per_call()
    if lost < 0.5:
        return False
    import PySide6

    log.error(
        "PySide6 %s on Python %s loses %.0f reference(s) to None per call; install "
        "PySide6 < 6.12 or use Python >= 3.12. Giving None a reserve so the window keeps going.",
        PySide6.__version__,
        sys.version.split()[0],
        lost,
    )
    add_none_references(RESERVE)
    return True
