"""Background processes that are always stopped: own process group, log file, stop by PID.

Airflow's components fork workers and task supervisors, and task supervisors put each task in a
process group of its own, so signalling a component's process group is not enough. ``stop_tree``
collects every descendant (from ``/proc``) *before* signalling, then signals each group and each
process by PID, and escalates to SIGKILL after a grace period. Nothing is found or killed by name.

Linux only (``/proc``), like the rest of the demo tooling.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


def free_port(host: str = "127.0.0.1") -> int:
    """A port that was free a moment ago on ``host`` (the caller binds it soon after)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
    return port


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def listening_inodes(port: int) -> set[str]:
    """The socket inodes listening on TCP ``port`` (any address, IPv4 or IPv6), from ``/proc/net``."""
    found: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()  # sl local_address rem_address st ... uid timeout inode
            if len(fields) > 9 and fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                found.add(fields[9])
    return found


def listens_on(pid: int, port: int) -> bool:
    """Whether ``pid`` or one of its descendants holds the socket listening on ``port``.

    A port picked with :func:`free_port` can be taken by someone else before our server binds it; then
    the port answers, but not from us.
    """
    inodes = {f"socket:[{inode}]" for inode in listening_inodes(port)}
    for candidate in (pid, *descendants(pid)):
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{candidate}/fd").iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(fd) in inodes:
                        return True
    return False


@contextlib.contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """Inside, SIGTERM raises ``KeyboardInterrupt``, as Ctrl-C does, so ``finally`` blocks stop what was
    started. Python's default SIGTERM ends the process at once, and our processes run in sessions of
    their own (:class:`ManagedProcess`): they would outlive it. A no-op outside the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def start_ticks(pid: int) -> int | None:
    """When ``pid`` started, in clock ticks since boot (``/proc/<pid>/stat`` field 22); None when gone.

    PID and start time together name one process for good: a recycled PID has another start time.
    """
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def environ_of(pid: int) -> dict[str, str]:
    """The environment ``pid`` was started with ({} when unreadable)."""
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return {}
    pairs = (item.split(b"=", 1) for item in raw.split(b"\0") if b"=" in item)
    return {k.decode(errors="replace"): v.decode(errors="replace") for k, v in pairs}


def descendants(pid: int) -> list[int]:
    """Every live descendant of ``pid`` (children first, then theirs)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    found: list[int] = []
    queue = [pid]
    while queue:
        for child in children.get(queue.pop(0), []):
            found.append(child)
            queue.append(child)
    return found


def _signal(pids: Sequence[int], sig: signal.Signals) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, sig)  # only reaches something when pid leads its own group
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def stop_tree(pid: int, *, grace: float = 10.0, popen: subprocess.Popen[bytes] | None = None) -> None:
    """SIGTERM ``pid``, its process group and every descendant; SIGKILL what is left after ``grace``."""
    stop_trees([pid], grace=grace, popens=[popen] if popen is not None else [])


def stop_trees(pids: Sequence[int], *, grace: float = 10.0, popens: Sequence[subprocess.Popen[bytes]] = ()) -> None:
    """``stop_tree`` for several roots at once: one grace period for all, not one after the other."""
    targets = [t for pid in pids for t in (pid, *descendants(pid))]
    _signal(targets, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        for popen in popens:
            popen.poll()  # reap our own children so they do not linger as zombies
        targets = [p for p in targets if alive(p)]
        # A component may fork late (a worker starting as we stop it): catch those too.
        late = [d for p in list(targets) for d in descendants(p) if d not in targets]
        _signal(late, signal.SIGTERM)
        targets += late
        if not targets:
            return
        time.sleep(0.1)
    _signal(targets, signal.SIGKILL)
    for popen in popens:
        with contextlib.suppress(subprocess.TimeoutExpired):
            popen.wait(5)


@dataclass
class ManagedProcess:
    """A command running in its own session, its output in ``log``; ``stop()`` ends it and its tree."""

    name: str
    argv: Sequence[str]
    log: Path
    env: Mapping[str, str]
    cwd: Path | None = None
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> ManagedProcess:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as out:  # a fresh log per start: readers look for start-up lines
            self.popen = subprocess.Popen(  # noqa: S603 - argv built by us, never by a shell
                list(self.argv),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=dict(self.env),
                cwd=self.cwd,
                start_new_session=True,  # own process group: a terminal's Ctrl-C does not reach it twice
            )
        return self

    @property
    def pid(self) -> int:
        assert self.popen is not None, f"{self.name} was not started"
        return self.popen.pid

    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, grace: float = 10.0) -> None:
        if self.popen is not None and self.popen.poll() is None:
            stop_tree(self.popen.pid, grace=grace, popen=self.popen)
        elif self.popen is not None:
            # The leader exited; its descendants may still run (they were reparented, so look by group).
            stop_orphans(self.popen.pid, grace=grace)


def stop_processes(processes: Sequence[ManagedProcess], *, grace: float = 10.0) -> None:
    """Stop several managed processes together (SIGTERM to all, one shared grace period)."""
    running = [p.popen for p in processes if p.popen is not None and p.popen.poll() is None]
    stop_trees([p.pid for p in running], grace=grace, popens=running)
    for process in processes:
        if process.popen is not None and process.popen not in running:
            stop_orphans(process.popen.pid, grace=grace)


def group_members(pgid: int) -> list[int]:
    """Processes whose process group is ``pgid`` (read from ``/proc``; zombies included)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if len(fields) > 2 and fields[2] == str(pgid):
            members.append(int(entry.name))
    return members


def stop_orphans(pgid: int, *, grace: float = 10.0, marker: tuple[str, str] | None = None) -> None:
    """Stop processes left in process group ``pgid`` after its leader exited (with ``marker`` in
    their environment, when given)."""
    for member in group_members(pgid):
        if marker is None or environ_of(member).get(marker[0]) == marker[1]:
            stop_tree(member, grace=grace)


def stop_recorded(pid: int, *, marker: tuple[str, str], grace: float = 10.0, started: int | None = None) -> bool:
    """Stop a process recorded by another run, only if it is still ours.

    ``marker`` is an environment ``(name, value)`` the process was started with (for the Airflow
    stack: ``AIRFLOW_HOME``): a PID reused by an unrelated process is left alone. ``started`` is its
    recorded ``start_ticks``: processes that retitle themselves (the api-server, redis-server) overwrite
    the memory ``/proc/<pid>/environ`` reads, so the marker is gone and the start time proves it is ours.
    Returns whether something was stopped.
    """
    if not alive(pid):
        stop_orphans(pid, grace=grace, marker=marker)
        return False
    ours = environ_of(pid).get(marker[0]) == marker[1] or (started is not None and start_ticks(pid) == started)
    if not ours:
        return False
    stop_tree(pid, grace=grace)
    return True
