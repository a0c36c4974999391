"""Throttling of failed authentication, per client address and per user name.

A sliding window: once a key has `limit` failures within `window` seconds, further attempts are
refused until the oldest failure ages out. In memory and per process: it slows guessing down, it
does not lock anyone out for longer than the window. Pure (the clock is passed in), so unit-tested.
"""

from __future__ import annotations

import math
from collections import deque


class Throttle:
    def __init__(self, window: float, limit: int, max_keys: int = 100_000) -> None:
        self.window = window
        self.limit = limit
        self._failures: dict[str, deque[float]] = {}
        self._max_keys = max_keys

    def retry_after(self, key: str, now: float) -> int:
        """Seconds until `key` may try again; 0 when it may now."""
        failures = self._failures.get(key)
        if failures is None or self.limit <= 0:
            return 0
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            del self._failures[key]
            return 0
        if len(failures) < self.limit:
            return 0
        return max(1, math.ceil(failures[-self.limit] + self.window - now))

    def failed(self, key: str, now: float) -> None:
        failures = self._failures.get(key)
        if failures is None:
            if len(self._failures) >= self._max_keys:
                self._failures.pop(next(iter(self._failures)))
            failures = self._failures[key] = deque()
        failures.append(now)
        while len(failures) > self.limit:
            failures.popleft()  # only the newest `limit` decide when the key is free again

    def succeeded(self, key: str) -> None:
        self._failures.pop(key, None)
