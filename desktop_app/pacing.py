"""The paint timer's pace: as fast as the machine allows, up to the views' full rate.

Every view on screen at once (the insight pages floating beside the window) can take more of the
GUI thread than a busy machine gives it; at a fixed rate its event loop then never rests, and a
click or a key waits behind the painting. The pacer watches how late the paint timer's own turns
arrive (its lateness is everything else the event loop had to do first, the machine's load
included) and spaces the turns out while they come late, back toward the full rate once they come
on time. The views show the same numbers either way, only fewer times a second.
"""

from __future__ import annotations

import time

SLOW_MS = 4.0  # turns this late on average: the event loop is saturated, slow down
ON_TIME_MS = 1.5  # this punctual on average: speed up again
SLOWER, FASTER = 1.3, 1 / 1.15  # the interval's steps
WINDOW_S = 0.5  # how long a pace is judged before it changes


class Pacer:
    """The interval of a timer of nominal `interval_ms`, between that and `slowest_ms`."""

    def __init__(self, interval_ms: float, slowest_ms: float):
        self.nominal = self.interval = float(interval_ms)
        self.slowest = float(slowest_ms)
        self._last: float | None = None
        self._late = 0.0
        self._turns = 0
        self._since: float | None = None  # when the pace now in force began to be judged

    def tick(self, now: float | None = None) -> float | None:
        """A turn began (at `now`, perf_counter seconds): the new interval in ms when it changes,
        else None."""
        now = time.perf_counter() if now is None else now
        if self._last is not None:
            self._late += max(0.0, (now - self._last) * 1000 - self.interval)
            self._turns += 1
        else:
            self._since = now
        self._last = now
        if now - self._since < WINDOW_S or not self._turns:
            return None
        late = self._late / self._turns
        self._late, self._turns, self._since = 0.0, 0, now
        if late > SLOW_MS:
            interval = min(self.interval * SLOWER, self.slowest)
        elif late < ON_TIME_MS:
            interval = max(self.interval * FASTER, self.nominal)
        else:
            return None
        if interval == self.interval:
            return None
        self.interval = interval
        return interval
