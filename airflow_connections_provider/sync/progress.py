"""Progress of a long apply in the task log: a line at a steady cadence, then one summary line.

A sync of thousands of writes must neither print a line per connection nor stay silent for minutes.
A progress line comes when *both* :data:`INTERVAL` seconds and :data:`STEP` of the writes have
passed since the last line (the rarer of the two cadences wins): so at most ``1 / STEP`` lines
(20) whatever the size, and none at all for a sync that takes less than :data:`INTERVAL`. Each line
says ``applied/total``, failures, the rate and an estimate of the time left; the summary line says
what was created, updated, deleted, failed and held back, and how long it took. Counts only: no
name, no value.

The clock is injected (``clock``), so tests drive the cadence without waiting.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

#: Seconds that must pass between two progress lines.
INTERVAL = 10.0
#: Fraction of the writes that must complete between two progress lines.
STEP = 0.05
#: Up to this many writes, each one is logged as it completes ("Done: ..."); above, only failures.
PER_WRITE_LINES = 50

Clock = Callable[[], float]


class ApplyProgress:
    """Counts completed writes; logs a progress line when the cadence allows (see module docstring)."""

    def __init__(
        self,
        total: int,
        *,
        log: logging.Logger | Any,
        clock: Clock = time.monotonic,
        interval: float = INTERVAL,
        step: float = STEP,
    ) -> None:
        self.total = total
        self.log = log
        self.clock = clock
        self.interval = interval
        self.every = max(1, int(total * step + 0.999999))  # writes between lines, at least one
        self.started = clock()
        self.done = 0
        self.failed = 0
        self._last_at = self.started
        self._last_done = 0
        self.lines = 0

    def record(self, *, failed: bool) -> None:
        self.done += 1
        self.failed += int(failed)
        if self.done >= self.total:
            return  # the summary line follows
        now = self.clock()
        if now - self._last_at >= self.interval and self.done - self._last_done >= self.every:
            self._last_at, self._last_done = now, self.done
            self.lines += 1
            self.log.info("%s", self.line(now))

    def line(self, now: float) -> str:
        elapsed = max(now - self.started, 1e-9)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate > 0 else None
        failed = f", {self.failed:,} failed" if self.failed else ""
        eta = f", about {duration(left)} left" if left is not None else ""
        percent = 100 * self.done // self.total if self.total else 100
        return f"Sync progress: {self.done:,}/{self.total:,} writes applied ({percent}%){failed}, {rate:,.1f}/s{eta}"

    def summary(self, effects: Iterable[str | None], *, held_back: int) -> str:
        """One line: what the apply did, from each write's effect (None = failed or held back)."""
        counts = {"create": 0, "update": 0, "delete": 0}
        for effect in effects:
            if effect in counts:
                counts[effect] += 1
        elapsed = self.clock() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        return (
            f"Sync applied {self.done - self.failed:,} of {self.total:,} writes in {duration(elapsed)} "
            f"({rate:,.1f}/s): {counts['create']:,} created, {counts['update']:,} updated, "
            f"{counts['delete']:,} deleted, {self.failed:,} failed, {held_back:,} held back"
        )


def duration(seconds: float) -> str:
    """``0.4 s``, ``42 s``, ``3 min 12 s``, ``1 h 02 min``."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"
