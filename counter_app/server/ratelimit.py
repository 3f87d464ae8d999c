"""Per-address rate limiting for the public lookup: a token bucket per key, in memory.

Each server process keeps its own buckets; behind a proxy that spreads clients over N processes a
client gets at most N times the rate, still far too slow to walk a day's codes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

# Forget idle buckets so a flood of distinct addresses cannot grow memory without bound.
_MAX_KEYS = 100_000


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """`rate` requests a second per key on average, bursts of up to `burst`."""

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> float | None:
        """Take one token for `key`: None if allowed, else the seconds to wait (Retry-After)."""
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= _MAX_KEYS:
                    self._evict(now)
                bucket = self._buckets[key] = _Bucket(float(self.burst), now)
            else:
                bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.rate)
                bucket.stamp = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return None
            return (1.0 - bucket.tokens) / self.rate

    def _evict(self, now: float) -> None:
        full_after = self.burst / self.rate
        stale = [k for k, b in self._buckets.items() if now - b.stamp >= full_after]
        for k in stale:
            del self._buckets[k]
        if len(self._buckets) >= _MAX_KEYS:  # all active: drop the oldest half
            for k, _ in sorted(self._buckets.items(), key=lambda kv: kv[1].stamp)[: _MAX_KEYS // 2]:
                del self._buckets[k]
