"""``python -m benchmarks``: run the benchmarks, write results.json and docs/benchmarks.md.

``--only NAME[,NAME]`` re-runs some and keeps the others' last results; ``--quick`` runs each at a
tiny size (what ``make test`` does, into a temporary directory); ``--render-only`` runs nothing and
writes docs/benchmarks.md and its charts from results.json as it stands (e.g. after merging two
engineers' results.json: keep each benchmark's newest object, then render).
"""

from __future__ import annotations

import argparse
import json
import time
import traceback
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from benchmarks import report
from benchmarks.measure import machine
from benchmarks.suite_creates import creates
from benchmarks.suite_parse import import_cost, tokens
from benchmarks.suite_sync import masking_cost, scale, sync_peers
from benchmarks.suite_triggerer import triggerer

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS: dict[str, Callable[..., dict[str, Any]]] = {
    "sync_peers": sync_peers,
    "creates": creates,
    "scale": scale,
    "triggerer": triggerer,
    "tokens": tokens,
    "import_cost": import_cost,
    "masking_cost": masking_cost,
}


def run(
    names: list[str],
    *,
    quick: bool,
    results_path: Path,
    doc_path: Path,
    charts_dir: Path,
    scale_sizes: list[int] | None = None,
) -> dict[str, Any]:
    previous = {}
    if results_path.exists():
        previous = {b["name"]: b for b in json.loads(results_path.read_text()).get("benchmarks", [])}
    started = time.monotonic()
    info = machine()
    document: dict[str, Any] = {}
    for name in names:
        print(f"benchmark {name} ...", flush=True)
        began = time.monotonic()
        kwargs: dict[str, Any] = {"quick": quick}
        if name == "scale" and scale_sizes:
            kwargs["sizes"] = scale_sizes
        try:
            result = BENCHMARKS[name](**kwargs)
        except Exception as exc:
            traceback.print_exc()
            result = {"name": name, "title": name, "error": f"{type(exc).__name__}: {exc}", "goals": []}
        result["seconds"] = round(time.monotonic() - began, 1)
        result["command"] = f'make bench BENCH_ARGS="--only {name}"'
        result["measured_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        result["quick"] = quick
        result["machine"] = info
        previous[name] = result
        print(f"benchmark {name}: {result['seconds']} s", flush=True)
        # Written after every benchmark, so an interrupted run keeps what it measured.
        document = _write(previous, started, results_path, doc_path, charts_dir)
    return document


def _write(
    results: dict[str, dict[str, Any]], started: float, results_path: Path, doc_path: Path, charts_dir: Path
) -> dict[str, Any]:
    document = {
        "command": "make bench",
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "last_run_seconds": round(time.monotonic() - started, 1),
        "benchmarks": [results[n] for n in BENCHMARKS if n in results],
    }
    results_path.parent.mkdir(parents=True, exist_ok=True)
    results_path.write_text(json.dumps(document, indent=1) + "\n")
    doc_path.parent.mkdir(parents=True, exist_ok=True)
    doc_path.write_text(report.render(document, charts_dir=charts_dir, doc_dir=doc_path.parent))
    return document


def render_only(*, results_path: Path, doc_path: Path, charts_dir: Path) -> dict[str, Any]:
    """Write the doc and charts from ``results_path`` without running (or rewriting) anything."""
    if not results_path.exists():
        raise SystemExit(f"{results_path} does not exist: run a benchmark first (python -m benchmarks --only NAME)")
    document: dict[str, Any] = json.loads(results_path.read_text())
    doc_path.parent.mkdir(parents=True, exist_ok=True)
    doc_path.write_text(report.render(document, charts_dir=charts_dir, doc_dir=doc_path.parent))
    return document


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--only", help=f"comma-separated subset of: {', '.join(BENCHMARKS)}")
    parser.add_argument("--quick", action="store_true", help="tiny sizes (seconds, not minutes)")
    parser.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "results.json")
    parser.add_argument("--doc", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--charts", type=Path, default=ROOT / "docs" / "benchmarks")
    parser.add_argument("--scale-sizes", help="comma-separated declared counts for the scale benchmark")
    parser.add_argument(
        "--render-only", action="store_true", help="run nothing: write the doc and charts from the results file"
    )
    args = parser.parse_args()
    if args.render_only:
        if args.only or args.quick or args.scale_sizes:
            parser.error("--render-only runs nothing: it takes no --only, --quick or --scale-sizes")
        render_only(results_path=args.results, doc_path=args.doc, charts_dir=args.charts)
        print(f"rendered {args.doc} from {args.results}")
        return
    names = args.only.split(",") if args.only else list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; choose from {', '.join(BENCHMARKS)}")
    sizes = [int(s) for s in args.scale_sizes.split(",")] if args.scale_sizes else None
    started = time.monotonic()
    run(
        names,
        quick=args.quick,
        results_path=args.results,
        doc_path=args.doc,
        charts_dir=args.charts,
        scale_sizes=sizes,
    )
    print(f"make bench: {time.monotonic() - started:.0f} s; wrote {args.results} and {args.doc}")


if __name__ == "__main__":
    main()
