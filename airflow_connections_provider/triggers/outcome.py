"""One piece of work, awaited by every trigger that needs it; cancelling one waiter leaves the others.

A triggerer restarts or a DAG run defers hundreds of sensors at once: they all start before the work
they share (the client import, the Airflow connection lookup, the client's build) has finished, and
all wait for it. ``asyncio.shield`` would make that wait cancellation-safe at the price of an outer
future, two closures and two copied contexts per waiter, objects that outlive Python's young
collections while the crowd starts and bring on a full collection of the triggerer's heap. Here a
waiter costs one future of its own, and the work runs in a task of its own, so no waiter's
cancellation can cancel it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from types import TracebackType
from typing import Generic, TypeVar

T = TypeVar("T")


class SharedOutcome(Generic[T]):
    """The outcome of ``work``, started at once in a task of its own: ``await outcome.wait()``.

    Every waiter gets the result, or the same exception. Must be created on the running loop that its
    waiters use.
    """

    def __init__(self, work: Awaitable[T]) -> None:
        self._loop = asyncio.get_running_loop()
        self._waiters: list[asyncio.Future[T]] = []
        self._settled: asyncio.Future[T] | None = None
        self._traceback: TracebackType | None = None
        self.task = asyncio.ensure_future(work)
        self.task.add_done_callback(self._settle)

    def _settle(self, task: asyncio.Future[T]) -> None:
        self._settled = task
        if not task.cancelled() and task.exception() is not None:
            self._traceback = task.exception().__traceback__  # type: ignore[union-attr]
        for waiter in self._waiters:
            if not waiter.done():  # a cancelled waiter is done
                self._copy_to(waiter)
        self._waiters.clear()

    def _copy_to(self, waiter: asyncio.Future[T]) -> None:
        task = self._settled
        assert task is not None
        if task.cancelled():  # the loop is shutting down; a waiter still running was not cancelled itself
            waiter.set_exception(RuntimeError("the work shared by the triggers of this connection was cancelled"))
        elif (error := task.exception()) is not None:
            # The work's own traceback for every waiter, not one grown by each waiter's raise before.
            waiter.set_exception(error.with_traceback(self._traceback))
        else:
            waiter.set_result(task.result())

    def done(self) -> bool:
        return self._settled is not None

    def failed(self) -> bool:
        """Settled with an exception (the work failed or was cancelled)."""
        return self._settled is not None and (self._settled.cancelled() or self._settled.exception() is not None)

    def wait(self) -> asyncio.Future[T]:
        """A future of this waiter's own (no coroutine, nothing copied): cancelling it cancels only it."""
        waiter: asyncio.Future[T] = self._loop.create_future()
        if self._settled is not None:
            self._copy_to(waiter)
        else:
            self._waiters.append(waiter)
        return waiter
