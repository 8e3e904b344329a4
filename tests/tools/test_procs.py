"""The process helpers stop whole trees by PID, including children that left the process group (as
Airflow's task supervisors do), and never signal a recorded PID that is no longer ours."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from tools.procs import ManagedProcess, alive, descendants, listens_on, port_open, start_ticks, stop_recorded

# A parent that starts a child in a new process group (like a task supervisor), then waits forever.
_TREE = """
import os, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True)
print(child.pid, flush=True)
time.sleep(600)
"""


def _wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.05)


def test_stop_ends_children_in_their_own_process_group(tmp_path: Path) -> None:
    log = tmp_path / "tree.log"
    process = ManagedProcess("tree", [sys.executable, "-c", _TREE], log, dict(os.environ)).start()
    _wait_for(lambda: log.read_text().strip() != "")
    child = int(log.read_text().split()[0])
    assert os.getpgid(child) != os.getpgid(process.pid)  # really outside the component's group
    assert child in descendants(process.pid)

    process.stop(grace=5)

    assert not alive(process.pid)
    _wait_for(lambda: not alive(child))


def test_a_recorded_pid_without_the_marker_is_left_alone(tmp_path: Path) -> None:
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path / "other-home")}
    process = ManagedProcess("sleeper", [sys.executable, "-c", "import time; time.sleep(600)"], tmp_path / "s.log", env)
    process.start()
    try:
        _wait_for(lambda: "AIRFLOW_HOME" in Path(f"/proc/{process.pid}/environ").read_text())
        assert not stop_recorded(process.pid, marker=("AIRFLOW_HOME", str(tmp_path / "my-home")), grace=2)
        assert process.running()
        assert stop_recorded(process.pid, marker=("AIRFLOW_HOME", str(tmp_path / "other-home")), grace=5)
        _wait_for(lambda: not process.running())
    finally:
        process.stop(grace=2)


def test_a_recorded_pid_whose_marker_is_gone_is_known_by_its_start_time(tmp_path: Path) -> None:
    # Retitled processes (api-server, redis-server) lose the marker in /proc/<pid>/environ: the recorded
    # start time identifies them instead, and a different start time (a recycled PID) does not.
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path / "other-home")}
    process = ManagedProcess("sleeper", [sys.executable, "-c", "import time; time.sleep(600)"], tmp_path / "s.log", env)
    process.start()
    try:
        started = start_ticks(process.pid)
        assert started is not None
        marker = ("AIRFLOW_HOME", str(tmp_path / "my-home"))
        assert not stop_recorded(process.pid, marker=marker, started=started + 1, grace=2)
        assert process.running()
        assert stop_recorded(process.pid, marker=marker, started=started, grace=5)
        _wait_for(lambda: not process.running())
    finally:
        process.stop(grace=2)


# A server bound to a port the test passes in (argv[1], 0: any); prints its port once it listens.
_SERVER = """
import socket, sys, time
sock = socket.socket()
sock.bind(("127.0.0.1", int(sys.argv[1])))
sock.listen()
print(sock.getsockname()[1], flush=True)
time.sleep(600)
"""


def test_listens_on_tells_our_server_from_another_process_on_the_port(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    server = ManagedProcess("server", [sys.executable, "-c", _SERVER, "0"], log, dict(os.environ)).start()
    try:
        _wait_for(lambda: log.read_text().strip() != "")
        port = int(log.read_text().split()[0])
        assert port_open("127.0.0.1", port)
        assert listens_on(server.pid, port)
        with socket.socket() as other:  # this test process listens there, not the server
            other.bind(("127.0.0.1", 0))
            other.listen()
            assert not listens_on(server.pid, other.getsockname()[1])
    finally:
        server.stop(grace=2)


# Starts a sleeper the way the stack starts a component, inside sigterm_interrupts, then waits.
_OWNER = """
import os, sys, time
from pathlib import Path
from tools.procs import ManagedProcess, sigterm_interrupts
with sigterm_interrupts():
    sleeper = ManagedProcess("sleeper", [sys.executable, "-c", "import time; time.sleep(600)"],
                             Path(sys.argv[1]), dict(os.environ)).start()
    try:
        print(sleeper.pid, flush=True)
        time.sleep(600)
    finally:
        sleeper.stop(grace=5)
"""


def test_sigterm_stops_what_the_owner_started(tmp_path: Path) -> None:
    """Python's default SIGTERM would end the owner without its finally: the sleeper (in a session of
    its own) would keep running."""
    owner = subprocess.Popen(
        [sys.executable, "-c", _OWNER, str(tmp_path / "sleeper.log")],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=Path(__file__).resolve().parents[2],
        text=True,
    )
    try:
        assert owner.stdout is not None
        sleeper = int(owner.stdout.readline())
        assert alive(sleeper)
        owner.send_signal(signal.SIGTERM)
        owner.wait(timeout=30)
        _wait_for(lambda: not alive(sleeper))
    finally:
        if owner.poll() is None:
            owner.kill()
            owner.wait(timeout=10)
        if "sleeper" in locals() and alive(sleeper):
            os.kill(sleeper, signal.SIGKILL)
