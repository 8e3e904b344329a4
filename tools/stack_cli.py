"""The command line of the local Airflow stack (``tools/airflow_stack.py``): ``python -m tools.stack_cli``.

``start`` leaves the stack running (its PIDs recorded in ``<home>/stack.json``), ``stop`` stops it by
those PIDs, ``run`` starts it, triggers and follows DAG runs, and stops it. A SIGTERM (a CI job
cancelled, ``timeout``) stops what ``start`` and ``run`` started, as Ctrl-C does.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from tools.airflow_api import RunProgress
from tools.airflow_stack import EXECUTORS, AirflowStack, StackConfig, stop_stack
from tools.procs import sigterm_interrupts


def _parse_env(pairs: Sequence[str], files: Sequence[str]) -> dict[str, str]:
    env: dict[str, str] = {}
    for path in files:
        env.update(json.loads(Path(path).read_text()))
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"--env wants NAME=VALUE, got {pair!r}")
        env[key] = value
    return env


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.stack_cli", description="A local Airflow on loopback.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("start", "run"):
        cmd = sub.add_parser(name, help="start and leave running" if name == "start" else "start, run DAGs, stop")
        cmd.add_argument("--home", type=Path, required=True, help="throw-away AIRFLOW_HOME (wiped)")
        cmd.add_argument("--dags", type=Path, required=True, help="DAGs folder")
        cmd.add_argument("--env", action="append", default=[], metavar="NAME=VALUE", help="extra environment")
        cmd.add_argument("--env-file", action="append", default=[], metavar="JSON", help="JSON object of env vars")
        cmd.add_argument(
            "--executor", choices=EXECUTORS, default="local", help="local (SequentialExecutor on 2.x) or celery"
        )
        if name == "run":
            cmd.add_argument("dag_ids", nargs="+", help="DAGs to unpause, trigger and follow")
            cmd.add_argument("--timeout", type=float, default=600.0)
    stop = sub.add_parser("stop", help="stop the stack recorded in --home")
    stop.add_argument("--home", type=Path, required=True)
    args = parser.parse_args(argv)

    if args.command == "stop":
        stopped = stop_stack(args.home)
        print(f"stopped: {', '.join(stopped)}" if stopped else f"nothing running for {args.home}")
        return 0
    config = StackConfig(
        home=args.home, dags_folder=args.dags, env=_parse_env(args.env, args.env_file), executor=args.executor
    )
    with sigterm_interrupts():
        return _start_or_run(args, config)


def _start_or_run(args: argparse.Namespace, config: StackConfig) -> int:
    stack = AirflowStack(config).start()  # stops what it started when it fails or is interrupted
    user, password = stack.login
    print(f"airflow ready at {stack.url} (login {user} / {password}); logs in {stack.home}", flush=True)
    if args.command == "start":
        return 0
    try:
        stack.api.wait_for_dags(args.dag_ids)
        runs = []
        for dag_id in args.dag_ids:
            stack.api.set_paused(dag_id, False)
            runs.append(RunProgress(dag_id, stack.api.trigger(dag_id)))
        stack.api.follow(runs, timeout=args.timeout)
        for run in runs:
            print(f"{run.dag_id}: {run.state} in {run.duration or 0:.0f} s", flush=True)
        return 0 if all(r.state == "success" for r in runs) else 1
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
