"""``make demo``: the example DAGs end to end in a real local Airflow, against the emulator, offline.

1. Starts the emulator (its CLI) and local data sources; the orders database listens only once the
   bootstrap's sensor has deferred, so the wait really happens in the triggerer.
2. Seeds the project with what the sync will find (a stale connection, an outdated one, a manual one).
3. Starts api-server, scheduler, dag-processor and triggerer (``tools.airflow_stack``), with a Fernet
   key of its own, and stores the Airflow connections and Variables in the metadata database
   (``tools.demo_airflow``), encrypted, so the UI shows them.
4. Triggers bootstrap, sync and partner feeds through the REST API; once the bootstrap succeeded, the
   orders database's password changes, the DAG scheduled on the ``orders-db`` asset is unpaused and
   the weekly rotation is triggered.
5. Once those runs ended, pauses the scheduled DAGs and restarts the scheduler with
   ``use_job_schedule`` on (off until then, or unpausing a scheduled DAG would start runs of its own):
   it creates the asset-triggered run of ``reload_orders_after_rotation``.
6. Prints a live line per DAG run, then a summary; stops everything unless ``--keep`` (``KEEP=1``).

``python -m tools.demo [--keep] [--workdir DIR]``; ``python -m tools.demo stop`` stops a kept demo.
Exit status 1 when a run failed or the sensor did not go through the triggerer.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

import httpx

from tools.airflow_api import ApiError, RunProgress
from tools.airflow_stack import AirflowStack, StackConfig, StackError, stop_stack
from tools.demo_airflow import (
    connection_assets,
    event_lines,
    store_connections_and_variables,
    triggering_events,
    wait_for_first_run,
)
from tools.demo_drift import DRIFT_DAG, DriftDemoResult, run_drift_demo
from tools.demo_report import (
    ProgressDisplay,
    connection_report,
    failed_task_logs,
    summary_lines,
    validation_waits,
)
from tools.demo_world import PROJECT, PROJECT_ID, DemoWorld, seed_project
from tools.procs import ManagedProcess, free_port, start_ticks, stop_processes, stop_recorded

ROOT = Path(__file__).resolve().parents[1]
DAGS = ROOT / "dags_examples"
BOOTSTRAP, ROTATION = "bootstrap_project_connections", "rotate_connection_credentials"
FIRST_WAVE = (BOOTSTRAP, "sync_connections_from_spec", "provision_partner_feeds")
#: Scheduled on the orders-db connection's asset: runs after the rotation.
FOLLOWER = "reload_orders_after_rotation"
ALL_DAGS = (*FIRST_WAVE, ROTATION, FOLLOWER)
#: DAGs with a time schedule: paused before the scheduler starts scheduling, so it starts none of them.
SCHEDULED = ("sync_connections_from_spec", "provision_partner_feeds", ROTATION, DRIFT_DAG)
MARKER = "ACP_DEMO_WORKDIR"  # in the environment of the emulator and data sources: stop only ours
#: The sensor is mapped over the creates' output: label it with their connection names.
LABELS = {"wait_until_valid": "create_connection"}
#: The rotation's drill (map index 2) is refused by design; the run still succeeds.
EXPECTED_FAILURES = {ROTATION: {("rotate_secret", 2)}}
# Seconds between seeing the sensor deferred and the orders database coming up: past one poke
# interval (10 s), so the trigger's first test is refused and the wait is real. A trigger that fires
# within seconds of its deferral can also overtake the scheduler's processing of the deferring
# process's exit, which Airflow 3.0-3.3 then report as "finished with state success, but the task
# instance's state attribute is queued" and fail (apache/airflow#66374, #67287, #72716).
OPEN_DELAY = 12.0


def _wait_for_line(process: ManagedProcess, prefix: str, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in process.log.read_text(errors="replace").splitlines() if process.log.exists() else []:
            if line.startswith(prefix):
                return line
        if not process.running():
            break
        time.sleep(0.1)
    raise RuntimeError(f"{process.name} did not print {prefix!r}; see {process.log}:\n{process.tail()}")


def stop_demo(workdir: Path) -> list[str]:
    """Stop whatever a previous demo in ``workdir`` left running (``KEEP=1``, or an interrupted run)."""
    workdir = workdir.resolve()
    stopped = stop_stack(workdir / "airflow-home")
    state_file = workdir / "demo.json"
    try:
        recorded = json.loads(state_file.read_text())["processes"]
    except (OSError, ValueError, KeyError):
        recorded = {}
    marker = (MARKER, str(workdir))
    stopped += [
        name
        for name, proc in recorded.items()
        if stop_recorded(int(proc["pid"]), marker=marker, started=proc.get("started"), grace=5.0)
    ]
    state_file.unlink(missing_ok=True)
    return stopped


class Demo:
    def __init__(self, workdir: Path, *, keep: bool, out: TextIO, timeout: float) -> None:
        self.workdir = workdir.resolve()
        self.keep = keep
        self.out = out
        self.timeout = timeout
        self.started = time.monotonic()
        self.processes: list[ManagedProcess] = []
        self.stack: AirflowStack | None = None
        self.bootstrap_log: dict[str, Any] | None = None  # the emulator's request log before the rotation
        self.stored: list[str] = []  # the Airflow connections kept in the metadata database
        self.drift = DriftDemoResult(ok=False, lines=["", "Drift check: not run (the example DAG runs did not end)"])

    def say(self, text: str) -> None:
        print(f"[{time.monotonic() - self.started:5.1f} s] {text}", file=self.out, flush=True)

    def _spawn(self, name: str, argv: list[str]) -> ManagedProcess:
        env = {**os.environ, MARKER: str(self.workdir), "PYTHONPATH": str(ROOT)}
        process = ManagedProcess(name, argv, self.workdir / "logs" / f"{name}.log", env, cwd=ROOT).start()
        self.processes.append(process)
        state = {"processes": {p.name: {"pid": p.pid, "started": start_ticks(p.pid)} for p in self.processes}}
        (self.workdir / "demo.json").write_text(json.dumps(state))
        return process

    def start_services(self) -> tuple[DemoWorld, ManagedProcess]:
        python = sys.executable
        emulator = self._spawn(
            "emulator",
            [
                python,
                "-m",
                "airflow_connections_provider.emulator",
                "--port",
                "0",
                "--project",
                f"{PROJECT}={PROJECT_ID}",
            ],
        )
        orders, inventory, web = free_port(), free_port(), free_port()
        sources = self._spawn(
            "data-sources",
            [python, "-m", "tools.demo_sources", "--tcp", str(inventory), "--late", str(orders), "--http", str(web)],
        )
        emulator_url = _wait_for_line(emulator, "emulator listening on ").rsplit(" ", 1)[1]
        _wait_for_line(sources, "sources ready")
        world = DemoWorld(emulator_url, orders, inventory, f"http://127.0.0.1:{web}")
        for account in world.datasource_accounts():
            httpx.post(f"{emulator_url}/_emulator/datasources", json=account).raise_for_status()
        seed_project(emulator_url, world)
        seeded = len(world.existing_connections())
        self.say(f"emulator at {emulator_url}; project {PROJECT!r} seeded with {seeded} connections")
        self.say(f"data sources: inventory db :{inventory}, web :{web}, orders db :{orders} (not listening yet)")
        return world, sources

    def run(self) -> int:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.say(f"example DAGs in a real local Airflow against the emulator; state in {_rel(self.workdir)}/")
        if stopped := stop_demo(self.workdir):
            self.say(f"stopped what an earlier demo left running: {', '.join(stopped)}")
        world, sources = self.start_services()
        env = {"AIRFLOW__CORE__TEST_CONNECTION": "Enabled"}
        config = StackConfig(
            home=self.workdir / "airflow-home", dags_folder=DAGS, env=env, db_cache=self.workdir / "cache"
        )
        self.say("starting Airflow: api-server, scheduler, dag-processor, triggerer (SQLite, LocalExecutor)")
        self.stack = stack = AirflowStack(config)
        stack.start()
        self.say(f"Airflow healthy at {stack.url}")
        api = stack.api
        conn_ids, variables = store_connections_and_variables(api, world)
        self.stored = conn_ids
        self.say(
            f"stored {len(conn_ids)} connections and {len(variables)} Variables in the metadata database, "
            "encrypted with this demo's Fernet key"
        )
        api.wait_for_dags(ALL_DAGS)
        runs: dict[str, RunProgress] = {}
        for dag_id in FIRST_WAVE:
            api.set_paused(dag_id, False)
            runs[dag_id] = RunProgress(dag_id, api.trigger(dag_id, note="make demo"), label_from=LABELS)
        self.say(f"triggered {', '.join(FIRST_WAVE)}")
        self.follow(runs, world, sources)
        if all(r.done for r in runs.values()):
            # The sync made the project match its spec: the hourly drift check must be quiet now, and fail
            # once a connection was edited through the service (before the scheduler runs schedules).
            self.drift = run_drift_demo(api, world.emulator_url, stack.logs_dir, say=self.say)
        if len(runs) == len(ALL_DAGS) - 1 and all(r.done for r in runs.values()):
            self.follow_asset_triggered_run(runs)
        return self.report(world, list(runs.values()))

    def follow(self, runs: dict[str, RunProgress], world: DemoWorld, sources: ManagedProcess) -> None:
        """Poll the runs once a second until all ended; open the orders database once the sensor has
        deferred; trigger the rotation once the bootstrap succeeded."""
        assert self.stack is not None
        api = self.stack.api
        display = ProgressDisplay(self.out, live=self.out.isatty())
        deferred_at: float | None = None
        opened = False
        hiccups = 0
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            try:
                for progress in runs.values():
                    if not progress.done:
                        api.refresh(progress)
                hiccups = 0
            except (httpx.TransportError, ApiError) as exc:  # a busy SQLite or a slow reply: poll again
                hiccups += 1
                if hiccups > 30 or (isinstance(exc, ApiError) and exc.status < 500):
                    raise
            boot = runs[BOOTSTRAP]
            waiting = [state for (task_id, _), state in boot.tasks.items() if task_id == "wait_until_valid"]
            if deferred_at is None and "deferred" in waiting:
                deferred_at = time.monotonic()
            if not opened and deferred_at is not None and time.monotonic() - deferred_at >= OPEN_DELAY:
                os.kill(sources.pid, signal.SIGUSR1)  # the orders database comes up
                opened = True
            if boot.state == "success" and ROTATION not in runs:
                self.bootstrap_log = httpx.get(f"{world.emulator_url}/_emulator/log").json()
                # A week later: the DBA changed the orders database's password; the rotation pushes it.
                httpx.post(
                    f"{world.emulator_url}/_emulator/datasources", json=world.rotated_orders_account()
                ).raise_for_status()
                # Unpaused now, not earlier: Airflow queues a run for the rotation's events, not the bootstrap's.
                api.set_paused(FOLLOWER, False)
                api.set_paused(ROTATION, False)
                runs[ROTATION] = RunProgress(ROTATION, api.trigger(ROTATION, note="make demo"))
            display.update(runs.values())
            if all(p.done for p in runs.values()) and (ROTATION in runs or boot.state != "success"):
                return
            time.sleep(1.0)
        self.say(f"giving up after {self.timeout:.0f} s")

    def follow_asset_triggered_run(self, runs: dict[str, RunProgress]) -> None:
        """Let the scheduler create the follower's run from the rotation's asset event, and follow it."""
        assert self.stack is not None
        api = self.stack.api
        for dag_id in SCHEDULED:
            api.set_paused(dag_id, True)
        began = time.monotonic()
        self.stack.restart(
            "scheduler",
            {
                "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "True",
                # How soon it activates assets first seen through an alias (default 60 s): the Assets page
                # lists them only then.
                "AIRFLOW__SCHEDULER__PARSING_CLEANUP_INTERVAL": "5",
            },
        )
        run_id = wait_for_first_run(api, FOLLOWER, timeout=90)
        if run_id is None:
            self.say(f"{FOLLOWER} got no run from the rotation's asset event")
            return
        self.say(
            f"scheduler restarted with use_job_schedule on; it started {FOLLOWER} ({time.monotonic() - began:.0f} s)"
        )
        progress = runs[FOLLOWER] = RunProgress(FOLLOWER, run_id)
        display = ProgressDisplay(self.out, live=self.out.isatty())
        deadline = time.monotonic() + 120
        while not progress.done and time.monotonic() < deadline:
            with contextlib.suppress(httpx.TransportError, ApiError):  # a busy SQLite: poll again
                api.refresh(progress)
            display.update([progress])
            time.sleep(1.0)

    def report(self, world: DemoWorld, runs: list[RunProgress]) -> int:
        assert self.stack is not None
        state = httpx.get(f"{world.emulator_url}/_emulator/state").json()
        log = httpx.get(f"{world.emulator_url}/_emulator/log").json()
        seeded = [c["name"] for c in world.existing_connections()]
        report = connection_report(seeded, state, log)
        notes = {FOLLOWER: "started by the scheduler: orders-db's asset events"}
        for line in summary_lines(runs, report, project=PROJECT, expected_failures=EXPECTED_FAILURES, notes=notes):
            print(line, file=self.out)
        boot = next(r for r in runs if r.dag_id == BOOTSTRAP)
        print("\nValidations waited for (bootstrap's deferrable sensor):", file=self.out)
        before_rotation = connection_report(seeded, state, self.bootstrap_log or log).refused
        for line in validation_waits(boot, before_rotation):
            print(f"  {line}", file=self.out)
        follower = next((r for r in runs if r.dag_id == FOLLOWER), None)
        events = triggering_events(self.stack.api, FOLLOWER, follower.run_id) if follower else []
        print(f"\nAsset events that started {FOLLOWER} (scheduled on the orders-db asset):", file=self.out)
        for line in event_lines(events) or ["none: the run was not created"]:
            print(f"  {line}", file=self.out)
        shown, known = connection_assets(self.stack.api)
        print(
            f"Connection assets on Airflow's Assets page: {shown} of {known}, ibm-connection://project/<id>/<name>",
            file=self.out,
        )
        print(
            f"Airflow connections in the metadata database (Admin > Connections; password and extra encrypted): "
            f"{', '.join(self.stored)}",
            file=self.out,
        )
        print("\n".join(self.drift.lines), file=self.out)
        for run in runs:
            for line in failed_task_logs(self.stack.logs_dir, run, EXPECTED_FAILURES.get(run.dag_id, set())):
                print(line, file=self.out)
        through_triggerer = any(k[0] == "wait_until_valid" for k in boot.ever("deferred"))
        trigger_logs = list(self.stack.logs_dir.glob(f"dag_id={BOOTSTRAP}/*/task_id=wait_until_valid/*/*.trigger.*"))
        user, password = self.stack.login
        home = self.stack.home
        print(f"\nLogs: task logs      {_rel(home / 'logs')}/dag_id=<dag>/run_id=<run>/task_id=<task>/", file=self.out)
        print(f"      triggerer part {len(trigger_logs)} file(s) *.trigger.*.log beside the sensor's", file=self.out)
        print(f"      components     {_rel(home / 'components')}/ (api-server, scheduler, ...)", file=self.out)
        print(f"      emulator, data {_rel(self.workdir / 'logs')}/", file=self.out)
        print(f"Airflow UI: {self.stack.url}  (login: {user} / {password})", file=self.out)
        rotated = any(e.get("extra", {}).get("action") == "updated" for e in events)
        ok = all(r.state == "success" for r in runs) and len(runs) == len(ALL_DAGS) and through_triggerer and rotated
        ok = ok and self.drift.ok
        if follower is not None and not rotated:
            print(f"ERROR: {FOLLOWER} ran without the rotation's asset event", file=self.out)
        if not through_triggerer:
            print("ERROR: the sensor never showed as deferred: the triggerer path was not exercised", file=self.out)
        if self.keep:
            print(
                "KEEP=1: Airflow, the emulator and the data sources stay up; `make demo-stop` stops them.",
                file=self.out,
            )
        total = time.monotonic() - self.started
        print(f"{'Demo succeeded' if ok else 'Demo FAILED'} in {total:.0f} s.", file=self.out, flush=True)
        return 0 if ok else 1

    def stop(self) -> None:
        began = time.monotonic()
        if self.stack is not None:
            self.stack.stop()
        stop_processes(self.processes, grace=5)
        (self.workdir / "demo.json").unlink(missing_ok=True)
        print(f"Stopped everything the demo started ({time.monotonic() - began:.0f} s).", file=self.out, flush=True)


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # run the same clean-up as Ctrl-C


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", nargs="?", choices=("run", "stop"), default="run")
    parser.add_argument("--workdir", type=Path, default=ROOT / ".demo", help="throw-away state (default .demo)")
    parser.add_argument("--keep", action="store_true", help="leave Airflow and the emulator up (KEEP=1)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds the DAG runs may take")
    args = parser.parse_args(argv)
    if args.command == "stop":
        stopped = stop_demo(args.workdir)
        print(f"stopped: {', '.join(stopped)}" if stopped else "no demo running")
        return 0
    signal.signal(signal.SIGTERM, _terminate)
    demo = Demo(args.workdir, keep=args.keep, out=sys.stdout, timeout=args.timeout)
    code = 1
    try:
        code = demo.run()
    except StackError as exc:
        print(f"Airflow did not start: {exc}", file=sys.stderr)
    except KeyboardInterrupt:
        print("interrupted; stopping everything", file=sys.stderr)
        demo.keep = False
    finally:
        if not demo.keep:
            demo.stop()
    return code


if __name__ == "__main__":
    sys.exit(main())
