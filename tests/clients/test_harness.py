"""The harness of `make test-clients` can fail: the step runner counts and marks as documented, the
runner reads a driver's closing line (and counts a driver that never printed one as failed), and the
emulator it starts is stopped by PID even when the body fails. Runs in our own test suite (the
SDKs themselves run only under `make test-clients`)."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import pytest
import run as harness
from steps import Steps, check


def boom() -> None:
    raise ValueError("the SDK said no")


def test_steps_count_and_mark(capsys: pytest.CaptureFixture[str]) -> None:
    steps = Steps("demo")
    steps.run("passes", lambda: None)
    steps.run("fails", lambda: check(False, "wanted 1, got 2"))
    steps.run("raises", boom)
    steps.run("known gap", boom, expect_fail="the emulator lacks it")
    steps.run("known gap fixed", lambda: None, expect_fail="the emulator lacked it")
    steps.run("after a failure", lambda: None, needs=("fails",))
    steps.run("after a known gap", lambda: None, needs=("known gap",))
    code = steps.finish()
    lines = capsys.readouterr().out.splitlines()

    assert code == 1
    assert lines[0].startswith("ok passes")
    assert lines[1].startswith("FAIL fails") and lines[1].endswith("wanted 1, got 2")
    assert lines[2].startswith("FAIL raises") and "ValueError: the SDK said no" in lines[2]
    assert lines[3].startswith("xfail known gap") and lines[3].endswith("[expected: the emulator lacks it]")
    assert lines[4].startswith("XPASS known gap fixed") and "drop the mark" in lines[4]
    assert lines[5].startswith("FAIL after a failure") and "needs fails, which did not pass" in lines[5]
    assert lines[6].startswith("xfail after a known gap") and "prerequisite failed as expected" in lines[6]
    assert lines[-1] == "2 passed, 3 failed"


def test_only_expected_failures_pass_the_run(capsys: pytest.CaptureFixture[str]) -> None:
    steps = Steps("demo")
    steps.run("known gap", boom, expect_fail="why")
    assert steps.finish() == 0
    assert capsys.readouterr().out.splitlines()[-1] == "0 passed, 0 failed"


def test_step_hides_sdk_chatter_unless_it_fails(capsys: pytest.CaptureFixture[str]) -> None:
    def chatty_ok() -> None:
        print("Creating connections...")

    def chatty_fail() -> None:
        print("Failure during creating new connection.")
        raise RuntimeError("400")

    steps = Steps("demo")
    steps.run("quiet", chatty_ok)
    steps.run("loud", chatty_fail)
    out = capsys.readouterr().out
    assert "Creating connections" not in out
    assert "the SDK printed: Failure during creating new connection." in out


def fake_client(tmp_path: Path, driver_body: str) -> tuple[harness.Client, Path]:
    venvs = tmp_path / "venvs"
    (venvs / "fake" / "bin").mkdir(parents=True)
    (venvs / "fake" / "bin" / "python").symlink_to(sys.executable)
    driver = tmp_path / "driver_fake.py"
    driver.write_text(textwrap.dedent(driver_body))
    return harness.Client("fake", "fake SDK", str(driver), tls=False), venvs


def test_driver_closing_line_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    client, venvs = fake_client(
        tmp_path,
        """
        print("ok one")
        print("FAIL two: no")
        print("fake SDK: 1 expected failure(s), 0 unexpected pass(es)")
        print("1 passed, 1 failed")
        raise SystemExit(1)
        """,
    )
    outcome = harness.run_driver(client, venvs, "http://127.0.0.1:1", None)
    assert (outcome.passed, outcome.failed, outcome.expected) == (1, 1, 1)
    assert "fake: 1 passed, 1 failed" in capsys.readouterr().out


def test_driver_without_closing_line_counts_as_failed(tmp_path: Path) -> None:
    client, venvs = fake_client(tmp_path, "raise SystemExit(3)\n")
    outcome = harness.run_driver(client, venvs, "http://127.0.0.1:1", None)
    assert outcome.failed == 1


def test_missing_venv_counts_as_failed(tmp_path: Path) -> None:
    client = harness.Client("absent", "absent SDK", "driver_absent.py", tls=False)
    assert harness.run_driver(client, tmp_path, "http://127.0.0.1:1", None).failed == 1


def test_emulator_stopped_by_pid_when_the_body_fails() -> None:
    cmd = harness.emulator_command(tls_cert=None, tls_key=None)
    with pytest.raises(RuntimeError, match="driver blew up"), harness.running_emulator(cmd) as emulator:  # noqa: PT012
        pid = emulator.pid
        assert emulator.url.startswith("http://127.0.0.1:")
        raise RuntimeError("driver blew up")
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_emulator_that_cannot_start_is_reported() -> None:
    cmd = [*harness.emulator_command(tls_cert=None, tls_key=None), "--no-such-flag"]
    expected = r"(?s)did not start.*unrecognized arguments: --no-such-flag"
    with pytest.raises(RuntimeError, match=expected), harness.running_emulator(cmd):
        pass
