"""Every benchmark of ``make bench`` run in its quick form (tiny sizes), so none can rot unnoticed.

Checked: the result file's shape, the request-count formulas (the sync sends the listing's pages,
one write per change and at most three more requests), the state each run leaves (nothing missing,
nothing duplicated), one token per client. Never a time: speed goals live in ``make bench``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

# make bench runs on the highest supported Airflow (the project's .venv); its jobs use airflow.sdk.
pytest.importorskip("airflow.sdk", reason="make bench runs on Airflow 3 (the highest supported)")
from tests.support.airflow_range import HIGHEST, RUNNING

if RUNNING != HIGHEST:
    pytest.skip("make bench runs on the highest supported Airflow only", allow_module_level=True)

from benchmarks.__main__ import BENCHMARKS, render_only, run

# The module's fixture runs every benchmark once (a dozen fresh interpreters): minutes on a busy machine.
pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("bench")
    document = run(
        list(BENCHMARKS),
        quick=True,
        results_path=out / "results.json",
        doc_path=out / "docs" / "benchmarks.md",
        charts_dir=out / "docs" / "benchmarks",
    )
    return {"document": document, "out": out, "by_name": {b["name"]: b for b in document["benchmarks"]}}


def test_every_benchmark_ran_and_has_the_result_shape(quick):
    document = json.loads((quick["out"] / "results.json").read_text())
    assert document == quick["document"]
    assert [b["name"] for b in document["benchmarks"]] == list(BENCHMARKS)
    for bench in document["benchmarks"]:
        assert "error" not in bench, bench.get("error")
        for key in ("name", "title", "parameters", "figures", "goals", "command", "machine", "measured_at"):
            assert key in bench, (bench["name"], key)
        assert bench["command"] == f'make bench BENCH_ARGS="--only {bench["name"]}"'
        assert bench["machine"]["cpu_count"] >= 1
        for goal in bench["goals"]:
            assert set(goal) == {"goal", "value", "met"}


def test_the_sync_sends_pages_plus_changes_plus_at_most_three(quick):
    bench = quick["by_name"]["sync_peers"]
    params, figures = bench["parameters"], bench["figures"]
    pages = math.ceil(params["declared"] / params["page_size"])
    for contender in ("sync", "sync_airflow_masker"):
        sync = figures[contender]
        for requests in sync["requests_exact"]:
            assert pages + params["changed"] <= requests <= pages + params["changed"] + 3
        assert sync["by_method"]["PATCH"] == params["changed"]
        assert sync["token"]["max"] == 1
        assert sync["updated"] == params["changed"]
    item_by_item = figures["item_by_item"]
    assert item_by_item["requests"]["min"] >= params["declared"] + params["changed"]  # a lookup per entry
    assert item_by_item["updated"] == params["changed"]


def test_creates_leave_every_name_exactly_once(quick):
    bench = quick["by_name"]["creates"]
    for curve in bench["figures"]["curves"]:
        for point in curve["points"]:
            assert (point["failed"], point["duplicates"], point["missing"]) == (0, 0, 0)
            # One POST per create, the type lookup and token, plus one replay per 429 reply.
            extra = point["requests"]["max"] - curve["creates"] - point["rate_limited"]["max"]
            assert 0 <= extra <= 3
            # Every 429 cost the client one retry wait (Retry-After honoured), counted on the client side.
            assert point["retry_waits"]["max"] >= point["rate_limited"]["max"]
            assert point["emulator_cpu_ms_per_create"] > 0


def test_scale_requests_follow_the_formula_at_every_size(quick):
    for point in quick["by_name"]["scale"]["figures"]["points"]:
        assert point["pages"] == math.ceil(point["declared"] / 100)
        assert 0 <= point["overhead_requests"] <= 3
        assert point["peak_rss_mb"]["max"] > 0


def test_waiting_triggers_all_deliver_with_one_token(quick):
    bench = quick["by_name"]["triggerer"]
    polls_before_up = bench["parameters"]["polls_before_source_up"]
    assert bench["figures"]["before"], "the triggers as they were run beside the current ones"
    for run_ in bench["figures"]["runs"] + bench["figures"]["before"]:
        assert run_["statuses"] == {"success": run_["triggers"]}
        assert run_["events"] == run_["triggers"]
        assert run_["token"] == 1
        # The source comes up after that many re-tests per trigger; each then needs one more.
        assert run_["retests"] >= run_["triggers"] * (polls_before_up + 1)
        assert run_["watchdog_laps"] > 0
        assert 0 < run_["peak_in_flight"] <= run_["in_flight_cap"]
        assert sum(run_["late_lap_causes"].values()) == run_["loop_blocked_over_threshold"]
        assert 0 <= run_["promoted_first_s"] <= run_["promoted"]  # counted by generation-1 collections
    assert bench["figures"]["floor"], "the floor (no provider code) runs beside them"
    for run_ in bench["figures"]["floor"]:
        assert run_["statuses"] == {"success": run_["triggers"]} and run_["token"] == 1
        assert run_["retests"] >= run_["triggers"] * (polls_before_up + 1)
    assert any("floor" in note for note in bench["notes"])


def test_one_hook_fetches_one_token_for_all_its_calls(quick):
    figures = quick["by_name"]["tokens"]["figures"]
    calls = quick["by_name"]["tokens"]["parameters"]["calls"]
    assert figures["token_requests"] == 1
    assert figures["requests"] == calls + 1


def test_import_cost_and_masking_cost_are_measured(quick):
    cost = quick["by_name"]["import_cost"]["figures"]["extra_import_cpu_ms"]
    assert cost["n"] == quick["by_name"]["import_cost"]["parameters"]["repetitions"]
    assert quick["by_name"]["import_cost"]["figures"]["extra_import_cpu_ms_bytecode"]["n"] == cost["n"]
    masking = quick["by_name"]["masking_cost"]
    measured = {(p["mode"], p["secrets"]) for p in masking["figures"]["points"]}
    assert measured == {(mode, n) for mode, sizes in masking["parameters"]["secrets"].items() for n in sizes}


def test_the_page_has_a_headline_and_a_section_per_benchmark(quick):
    page = (quick["out"] / "docs" / "benchmarks.md").read_text()
    assert "## Headline" in page
    for bench in quick["document"]["benchmarks"]:
        assert f"## {bench['title']}" in page
        assert bench["command"] in page
    charts = Path(quick["out"] / "docs" / "benchmarks")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert "Charts need matplotlib" in page
    else:
        assert {p.name for p in charts.iterdir()} >= {"creates_speedup.png", "scale_time.png", "scale_memory.png"}


def test_only_reruns_one_benchmark_and_keeps_the_others(quick, tmp_path):
    results = tmp_path / "results.json"
    results.write_text(json.dumps(quick["document"]))
    document = run(
        ["tokens"], quick=True, results_path=results, doc_path=tmp_path / "b.md", charts_dir=tmp_path / "charts"
    )
    assert [b["name"] for b in document["benchmarks"]] == list(BENCHMARKS)
    kept = {b["name"]: b for b in document["benchmarks"]}
    assert kept["scale"] == quick["by_name"]["scale"]
    assert kept["tokens"]["measured_at"] >= quick["by_name"]["tokens"]["measured_at"]


def test_render_only_writes_the_same_page_from_the_results_file_without_running(quick, tmp_path):
    results = quick["out"] / "results.json"
    before = results.read_text()
    doc = tmp_path / "docs" / "benchmarks.md"
    render_only(results_path=results, doc_path=doc, charts_dir=tmp_path / "docs" / "benchmarks")
    assert doc.read_text() == (quick["out"] / "docs" / "benchmarks.md").read_text()
    assert results.read_text() == before  # nothing re-measured, nothing rewritten
