"""The curves of ``docs/benchmarks.md`` as PNG (matplotlib, from the bench extra; none without it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def has_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def draw_charts(benchmarks: dict[str, dict[str, Any]], charts_dir: Path) -> dict[str, list[str]]:
    """Draw the curves; returns chart file names per benchmark ({} without matplotlib)."""
    if not has_matplotlib():
        return {}
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    charts_dir.mkdir(parents=True, exist_ok=True)
    made: dict[str, list[str]] = {}

    def save(fig: Any, name: str, bench: str) -> None:
        fig.tight_layout()
        fig.savefig(charts_dir / name, dpi=100)
        plt.close(fig)
        made.setdefault(bench, []).append(name)

    creates = benchmarks.get("creates")
    if creates and "error" not in creates:
        fig, ax = plt.subplots(figsize=(6, 4))
        for curve in creates["figures"]["curves"]:
            xs = [p["max_concurrency"] for p in curve["points"]]
            label = f"{curve['creates']:,} creates"
            if "latency_ms" in curve:
                label += f", {curve['latency_ms']:g} ms" + (", rate limit" if curve.get("rate_limit_per_s") else "")
            style = "-" if curve.get("judged", True) else "--"
            ax.plot(xs, [p["speedup"] for p in curve["points"]], marker="o", linestyle=style, label=label)
        xs = creates["parameters"]["max_concurrency"]
        ax.plot(xs, xs, linestyle=":", color="grey", label="ideal")
        ax.set_xscale("log", base=2)
        ax.set_xticks(xs, [str(x) for x in xs])
        ax.set_xlabel("max_concurrency")
        ax.set_ylabel("speed-up over max_concurrency 1")
        ax.set_title("Creates: speed-up with concurrency")
        ax.legend()
        save(fig, "creates_speedup.png", "creates")

    scale = benchmarks.get("scale")
    if scale and "error" not in scale:
        points = scale["figures"]["points"]
        xs = [p["declared"] for p in points]
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.plot(xs, [p["wall_s"]["median"] for p in points], marker="o", label="wall time")
        ax.plot(xs, [p["cpu_s"]["median"] for p in points], marker="s", label="client CPU")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("declared connections (1% changed)")
        ax.set_ylabel("seconds")
        ax.set_title("Sync at scale: time")
        ax.legend()
        save(fig, "scale_time.png", "scale")
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.plot(xs, [p["peak_rss_mb"]["max"] for p in points], marker="o", label="client peak RSS")
        ax.axhline(500, linestyle=":", color="grey", label="goal: 500 MB")
        ax.set_xscale("log")
        ax.set_xlabel("declared connections (1% changed)")
        ax.set_ylabel("MB")
        ax.set_title("Sync at scale: memory")
        ax.legend()
        save(fig, "scale_memory.png", "scale")

    masking = benchmarks.get("masking_cost")
    if masking and "error" not in masking:
        points = masking["figures"]["points"]
        fig, ax = plt.subplots(figsize=(6, 4))
        for mode, label in (("one_by_one", "mask_secret one by one"), ("batch", "mask_texts (batch)")):
            mine = [p for p in points if p.get("mode", "one_by_one") == mode]
            cpu = [p["cpu_s"]["median"] if isinstance(p["cpu_s"], dict) else p["cpu_s"] for p in mine]
            ax.plot([p["secrets"] for p in mine], cpu, marker="o", label=label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("distinct secrets registered with Airflow's masker")
        ax.set_ylabel("CPU seconds")
        ax.set_title("Masking N secrets: quadratic one by one, linear in a batch")
        ax.legend()
        save(fig, "masking_cost.png", "masking_cost")
    return made
