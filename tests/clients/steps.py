"""The step runner both drivers share (standard library only: it runs inside each SDK's venv).

Each step prints one line: `ok <step>`, `FAIL <step>: <reason>`, or for a step marked with a known
emulator discrepancy `xfail <step>: <what fails> [expected: <why>]`. A marked step that passes prints
`XPASS <step>` and counts as passed (the mark should then be dropped): a fixed emulator never breaks
the suite. The driver ends with `N passed, N failed`.
"""

from __future__ import annotations

import contextlib
import io
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class CheckError(AssertionError):
    """A check inside a step did not hold; the message says what was expected and what came back."""


def check(condition: object, message: str) -> None:
    if not condition:
        raise CheckError(message)


def raises(exc_type: type[BaseException] | tuple[type[BaseException], ...], call: Callable[[], Any]) -> BaseException:
    """Run `call`, return the exception it raised; fail the step when it raised nothing or something else."""
    try:
        result = call()
    except exc_type as exc:
        return exc
    raise CheckError(f"expected {exc_type!r} to be raised, got a return value {short(result)}")


def short(value: object, limit: int = 300) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


class Steps:
    """Runs named steps in order, prints one line per step and the closing count."""

    def __init__(self, client: str) -> None:
        self.client = client
        self.passed = 0
        self.failed = 0
        self.expected = 0
        self.unexpected_passes: list[str] = []
        self.results: dict[str, bool] = {}
        self.expected_failures: set[str] = set()

    def run(
        self, name: str, body: Callable[[], T], *, expect_fail: str | None = None, needs: tuple[str, ...] = ()
    ) -> T | None:
        """Run one step. `expect_fail` names a known emulator discrepancy; `needs` names earlier steps
        whose result this one uses: when one of them did not pass, this step fails saying so (never a
        silent skip)."""
        missing = [dep for dep in needs if not self.results.get(dep)]
        started = time.monotonic()
        value: T | None = None
        error: str | None = None
        if missing:
            error = f"not run: needs {'; '.join(missing)}, which did not pass"
            # Only a step whose prerequisites all failed as expected inherits their expectation.
            if expect_fail is None and all(dep in self.expected_failures for dep in missing):
                expect_fail = "its prerequisite failed as expected"
        else:
            # The SDKs print progress and log errors themselves; keep one line per step and show
            # what they printed only when the step fails.
            chatter = io.StringIO()
            try:
                with contextlib.redirect_stdout(chatter), contextlib.redirect_stderr(chatter):
                    value = body()
            except Exception as exc:  # any failure of the client is the step's result
                error = describe(exc)
                printed = chatter.getvalue().strip()
                if printed and expect_fail is None:
                    error += "\n    the SDK printed: " + printed[-1500:].replace("\n", "\n    ")
        elapsed = f"({time.monotonic() - started:.2f}s)"
        ok = error is None
        self.results[name] = ok
        if ok and expect_fail is None:
            self.passed += 1
            print(f"ok {name} {elapsed}", flush=True)
        elif ok:
            self.passed += 1
            self.unexpected_passes.append(name)
            print(f"XPASS {name} {elapsed}: was expected to fail ({expect_fail}); drop the mark", flush=True)
        elif expect_fail is not None:
            self.expected += 1
            self.expected_failures.add(name)
            print(f"xfail {name} {elapsed}: {error} [expected: {expect_fail}]", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {name} {elapsed}: {error}", flush=True)
        return value

    def finish(self) -> int:
        print(f"{self.client}: {self.expected} expected failure(s), {len(self.unexpected_passes)} unexpected pass(es)")
        print(f"{self.passed} passed, {self.failed} failed", flush=True)
        return 1 if self.failed else 0


def describe(exc: BaseException) -> str:
    """One line: the exception type, its message, and where in the driver it was raised."""
    if isinstance(exc, CheckError):
        return str(exc)
    message = " ".join(str(exc).split())
    if len(message) > 600:
        message = message[:600] + "…"
    frames = traceback.extract_tb(exc.__traceback__)
    where = ""
    for frame in reversed(frames):
        if "tests/clients" in frame.filename.replace("\\", "/"):
            where = f" (at {frame.filename.rsplit('/', 1)[-1]}:{frame.lineno})"
            break
    return f"{type(exc).__name__}: {message}{where}"


def main_guard(run: Callable[[], int]) -> None:
    try:
        code = run()
    except Exception:  # a driver crash outside a step is a failure, shown in full
        traceback.print_exc()
        print("0 passed, 1 failed", flush=True)
        code = 1
    sys.exit(code)
