"""The emulator in a process of its own, driven over a line protocol on stdin/stdout.

Benchmarks measure the client's CPU and memory; with the emulator in the same process its work would
be counted as ours. The child runs :func:`run_emulator` and answers JSON commands (seed connections
directly in its state, read its request counts and log, change its faults, bring a data source up
after some polls). The parent (:class:`EmulatorProcess`) stops it by PID, never by name.

Run as ``python -m benchmarks.emulator_proc '<settings JSON>'``.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import threading
import time
from typing import Any

#: Connections every benchmark seeds: a PostgreSQL connection whose host is the data source the
#: emulator probes when a connection is (re-)tested.
DATASOURCE_TYPE = "postgresql"
PROJECT = "bench"


def properties(i: int, *, host: str = "127.0.0.1", port: int = 5432, database: str = "orders") -> dict[str, Any]:
    return {"host": host, "port": port, "database": database, "username": f"etl{i}", "password": f"pw-{i}-secret"}


class EmulatorProcess:
    """``with EmulatorProcess(latency_ms=20) as emu: emu.url; emu.call("counts")``."""

    def __init__(self, **settings: Any) -> None:
        settings.setdefault("projects", [PROJECT])
        self.settings = settings
        self._proc: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()
        self.url = ""

    def __enter__(self) -> EmulatorProcess:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.emulator_proc", json.dumps(self.settings)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        ready = self._read()
        self.url = ready["url"]
        self.api_key = ready["api_key"]
        self.project_id = ready["project_id"]
        return self

    def __exit__(self, *exc: object) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if proc.stdin is not None:
                proc.stdin.write(json.dumps({"cmd": "stop"}) + "\n")
                proc.stdin.flush()
            proc.wait(15)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()  # this PID only
            proc.wait(5)

    def _read(self) -> dict[str, Any]:
        assert self._proc is not None and self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the emulator process exited (status {self._proc.poll()})")
        reply: dict[str, Any] = json.loads(line)
        if "error" in reply:
            raise RuntimeError(f"emulator process: {reply['error']}")
        return reply

    def call(self, cmd: str, **args: Any) -> Any:
        with self._lock:
            assert self._proc is not None and self._proc.stdin is not None
            self._proc.stdin.write(json.dumps({"cmd": cmd, **args}) + "\n")
            self._proc.stdin.flush()
            return self._read()["result"]

    # Shorthands for what every benchmark does.
    def reset(self) -> None:
        self.call("reset")

    def seed(self, count: int, *, changed: int = 0, start: int = 0, prefix: str = "conn-", **more: Any) -> Any:
        """``count`` connections named ``{prefix}{i:06d}``; the first ``changed`` differ from their spec."""
        return self.call("seed", count=count, changed=changed, start=start, prefix=prefix, **more)

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = self.call("counts")
        return counts

    def cpu_s(self) -> float:
        """CPU seconds (user + system) the emulator process has used so far (Linux ``/proc``)."""
        assert self._proc is not None
        with open(f"/proc/{self._proc.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def spec_entries(count: int, *, prefix: str = "conn-") -> list[dict[str, Any]]:
    """The declared side: ``count`` entries matching what :meth:`EmulatorProcess.seed` stores unchanged."""
    return [
        {"name": f"{prefix}{i:06d}", "datasource_type": DATASOURCE_TYPE, "properties": properties(i)}
        for i in range(count)
    ]


def summarise_counts(counts: dict[str, int]) -> dict[str, Any]:
    """Emulator counts keyed ``"METHOD /template"`` → total, by method, token requests."""
    by_method: dict[str, int] = {}
    token = 0
    for key, n in counts.items():
        method, _, template = key.partition(" ")
        if template.startswith("/_emulator"):
            continue
        by_method[method] = by_method.get(method, 0) + n
        if template in ("/identity/token", "/icp4d-api/v1/authorize"):
            token += n
    return {"total": sum(by_method.values()), "by_method": dict(sorted(by_method.items())), "token": token}


# --- the child ---------------------------------------------------------------------------------


class _LateSource:
    """A TCP listener that starts accepting once the emulator has seen ``polls`` re-tests."""

    def __init__(self, handle: Any, polls: int) -> None:
        self.handle = handle
        self.polls = polls
        import socket

        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))  # bound, not listening: connects are refused until start
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _retests(self) -> int:
        return sum(n for key, n in self.handle.request_counts().items() if _is_retest(key))

    def _run(self) -> None:
        while not self._stop.is_set() and self._retests() < self.polls:
            time.sleep(0.02)
        if self._stop.is_set():
            return
        self._sock.listen(1024)
        self._sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._sock.close()


def _is_retest(key: str) -> bool:
    """A re-test of a stored connection: the test action, or the older empty-patch form."""
    method, _, template = key.partition(" ")
    return (method == "PUT" and template.endswith(("/actions/test", "/actions/{action_name}"))) or (
        method == "PATCH" and template == "/v2/connections/{connection_id}"
    )


def _serve(settings: dict[str, Any]) -> None:
    from airflow_connections_provider.emulator import run_emulator

    sources: list[_LateSource] = []
    with run_emulator(**settings) as handle:
        project = settings["projects"][0].partition("=")[0]
        project_id = handle.project_id(project)
        emit = _emitter()
        emit({"url": handle.url, "api_key": handle.api_key, "project_id": project_id})
        for line in sys.stdin:
            request = json.loads(line)
            cmd = request.pop("cmd")
            if cmd == "stop":
                break
            try:
                result = _command(handle, project, cmd, request, sources)
            except Exception as exc:
                emit({"error": f"{cmd}: {type(exc).__name__}: {exc}"})
                continue
            emit({"result": result})
        for source in sources:
            source.stop()


def _emitter() -> Any:
    out = sys.stdout

    def emit(payload: dict[str, Any]) -> None:
        out.write(json.dumps(payload) + "\n")
        out.flush()

    return emit


def _command(handle: Any, project: str, cmd: str, args: dict[str, Any], sources: list[_LateSource]) -> Any:
    if cmd == "reset":
        handle.reset()
        return None
    if cmd == "seed":
        port = args.get("port", 5432)
        ids = []
        for i in range(args["start"], args["start"] + args["count"]):
            database = "orders-old" if i - args["start"] < args["changed"] else "orders"
            name = f"{args['prefix']}{i:06d}"
            props = properties(i, port=port, database=database)
            ids.append(handle.create_connection(name, DATASOURCE_TYPE, props, project=project))
        return ids if args.get("return_ids") else len(ids)
    if cmd == "check":
        # What a benchmark verifies after a run: how many stored, how many distinct names, how many drifted.
        stored = handle.stored_connections(project)
        names = [c["entity"]["name"] for c in stored]
        drifted = sum(1 for c in stored if c["entity"]["properties"].get("database") != "orders")
        return {"stored": len(names), "distinct_names": len(set(names)), "drifted": drifted}
    if cmd == "statuses":
        counts: dict[str, int] = {}
        for entry in handle.request_log():
            if not entry["path"].startswith("/_emulator"):
                counts[str(entry["status"])] = counts.get(str(entry["status"]), 0) + 1
        return counts
    if cmd == "late_source":
        source = _LateSource(handle, args["polls"])
        sources.append(source)
        return {"port": source.port}
    if cmd == "counts":
        return handle.request_counts()
    if cmd == "log":
        return [
            {"m": e["method"], "p": e["path"], "t": e["timestamp"], "s": e["status"]}
            for e in handle.request_log()
            if not e["path"].startswith("/_emulator")
        ]
    if cmd == "set_faults":
        return handle.set_faults(**args)
    if cmd == "rss":
        return {"peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "pid": os.getpid()}
    raise ValueError(f"unknown command {cmd!r}")


if __name__ == "__main__":
    _serve(json.loads(sys.argv[1]))
