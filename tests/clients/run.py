"""`make test-clients`: IBM's own SDKs, each in its own venv, driven against our emulator.

Run with our venv's Python (the emulator comes from there). For each client: start the emulator
CLI on a free port (reading its first stdout line for the URL), run the client's driver with the
client venv's Python, stop the emulator by its PID (also on failure or Ctrl-C). Prints each
driver's lines as they come, then `clients: N passed, N failed`; exits 1 when a step failed.

The venvs are built by the Makefile (`.venv-clients/<client>/`, exactly locks/clients-<client>.txt).
"""

from __future__ import annotations

import argparse
import contextlib
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from airflow_connections_provider.emulator.run.server import make_self_signed

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
EMULATOR = Path(sys.executable).parent / "airflow-connections-emulator"
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
DRIVER_TIMEOUT_S = 300.0

PROJECT = "sdk-compat"
USER, PASSWORD = "sdk-user", "sdk-user-Pass-1"
API_KEY = "sdk-compat-api-key"
CLOSING = re.compile(r"^(\d+) passed, (\d+) failed$")
EXPECTED = re.compile(r"^.*: (\d+) expected failure\(s\), (\d+) unexpected pass\(es\)$")


@dataclass(frozen=True)
class Client:
    name: str  # the venv's folder under .venv-clients and the lock's suffix (locks/clients-<name>.txt)
    title: str
    driver: str
    tls: bool


CLIENTS = (
    Client("wdi", "IBM watsonx.data integration SDK", "driver_wdi.py", tls=False),
    Client("wxai", "IBM watsonx.ai SDK", "driver_wxai.py", tls=True),
)


@dataclass
class Outcome:
    passed: int = 0
    failed: int = 0
    expected: int = 0
    unexpected_passes: int = 0


def emulator_command(*, tls_cert: Path | None, tls_key: Path | None) -> list[str]:
    cmd = [
        str(EMULATOR),
        "--port",
        "0",
        "--project",
        PROJECT,
        "--user",
        f"{USER}:{PASSWORD}",
        "--api-key",
        API_KEY,
    ]
    if tls_cert is not None and tls_key is not None:
        cmd += ["--tls-cert", str(tls_cert), "--tls-key", str(tls_key)]
    return cmd


@dataclass(frozen=True)
class StartedEmulator:
    url: str
    pid: int


@contextlib.contextmanager
def running_emulator(cmd: list[str]) -> Iterator[StartedEmulator]:
    """Start the emulator CLI, yield its URL and PID; always stop it by PID (SIGTERM, then SIGKILL)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        first_line: list[str] = []
        reader = threading.Thread(target=lambda: first_line.append(proc.stdout.readline() if proc.stdout else ""))
        reader.daemon = True
        reader.start()
        reader.join(START_TIMEOUT_S)
        line = first_line[0].strip() if first_line else ""
        match = re.fullmatch(r"emulator listening on (https?://\S+)", line)
        if match is None:
            proc.kill()
            _, err = proc.communicate(timeout=STOP_TIMEOUT_S)
            raise RuntimeError(f"the emulator did not start: first line {line!r}; stderr: {err.strip()[-2000:]}")
        # Keep draining both pipes so the emulator never blocks writing to a full one.
        for pipe in (proc.stdout, proc.stderr):
            threading.Thread(target=lambda pipe=pipe: pipe.read() if pipe else None, daemon=True).start()
        yield StartedEmulator(match.group(1), proc.pid)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=STOP_TIMEOUT_S)


def run_driver(client: Client, venvs: Path, url: str, ca: Path | None) -> Outcome:
    """Run one driver with its venv's Python, echo its lines, read its closing count."""
    python = venvs / client.name / "bin" / "python"
    if not python.exists():
        print(f"FAIL {client.title}: no venv at {python.parent.parent} (run `make test-clients`)", flush=True)
        return Outcome(failed=1)
    cmd = [str(python), str(HERE / client.driver), "--url", url, "--project", PROJECT]
    cmd += ["--user", USER, "--password", PASSWORD, "--api-key", API_KEY]
    if ca is not None:
        cmd += ["--ca", str(ca)]
    outcome: Outcome | None = None
    expected = (0, 0)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=HERE)
    deadline = threading.Timer(DRIVER_TIMEOUT_S, proc.kill)
    deadline.start()
    try:
        for line in proc.stdout or []:
            text = line.rstrip("\n")
            closing = CLOSING.match(text)
            marks = EXPECTED.match(text)
            if marks:
                expected = (int(marks.group(1)), int(marks.group(2)))
            if closing:
                outcome = Outcome(int(closing.group(1)), int(closing.group(2)), *expected)
                print(f"{client.name}: {text}", flush=True)
            else:
                print(f"  {text}", flush=True)
        code = proc.wait()
    finally:
        deadline.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if outcome is None:
        print(f"FAIL {client.title}: the driver ended (exit {code}) without its closing line", flush=True)
        return Outcome(failed=1)
    if code != 0 and outcome.failed == 0:
        print(f"FAIL {client.title}: the driver exited {code} with no failed step", flush=True)
        outcome.failed += 1
    return outcome


def sdk_pin(client: Client) -> str:
    """The SDK's own pin: the first input named in the header of its lock."""
    lock = (ROOT / "locks" / f"clients-{client.name}.txt").read_text().splitlines()
    return next(line.removeprefix("#   ") for line in lock if line.startswith("#   "))


def run_client(client: Client, venvs: Path) -> Outcome:
    print(f"== {client.title} ({sdk_pin(client)})", flush=True)
    tls = make_self_signed() if client.tls else None  # the emulator's own loopback certificate and its CA
    cert, key = (Path(tls.cert), Path(tls.key)) if tls is not None else (None, None)
    ca = Path(tls.ca) if tls is not None and tls.ca is not None else None
    try:
        with running_emulator(emulator_command(tls_cert=cert, tls_key=key)) as emulator:
            print(f"  emulator at {emulator.url} (pid {emulator.pid})", flush=True)
            return run_driver(client, venvs, emulator.url, ca)
    except RuntimeError as exc:
        print(f"FAIL {client.title}: {exc}", flush=True)
        return Outcome(failed=1)
    finally:
        if tls is not None:
            tls.remove()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Drive IBM's SDKs against the emulator.")
    parser.add_argument("--venvs", type=Path, default=ROOT / ".venv-clients", help="folder of the SDK venvs")
    parser.add_argument("--only", choices=[c.name for c in CLIENTS], action="append", help="run only these clients")
    args = parser.parse_args(argv)
    started = time.monotonic()
    total = Outcome()
    for client in CLIENTS:
        if args.only and client.name not in args.only:
            continue
        outcome = run_client(client, args.venvs)
        total.passed += outcome.passed
        total.failed += outcome.failed
        total.expected += outcome.expected
        total.unexpected_passes += outcome.unexpected_passes
    print(f"clients: took {time.monotonic() - started:.1f}s")
    print(
        f"clients: {total.expected} expected failure(s) (known emulator discrepancies, each marked xfail above), "
        f"{total.unexpected_passes} unexpected pass(es) (XPASS: drop those marks)"
    )
    print(f"clients: {total.passed} passed, {total.failed} failed", flush=True)
    return 1 if total.failed else 0


if __name__ == "__main__":
    sys.exit(main())
