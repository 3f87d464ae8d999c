from __future__ import annotations

import pytest

from counter_app.server.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_refusal_with_retry_after_then_refill() -> None:
    clock = Clock()
    limiter = RateLimiter(rate=2.0, burst=3, clock=clock)
    assert [limiter.check("a") for _ in range(3)] == [None, None, None]
    wait = limiter.check("a")
    assert wait == pytest.approx(0.5)
    assert limiter.check("b") is None  # other addresses are not affected
    clock.now += 0.5
    assert limiter.check("a") is None
    assert limiter.check("a") is not None


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError):
        RateLimiter(rate=0, burst=1)
