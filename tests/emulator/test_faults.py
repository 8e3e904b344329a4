"""Injected trouble: latency, rate limiting, seeded random faults, scripted faults, drops."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
import requests

from airflow_connections_provider.emulator import EmulatorHandle
from airflow_connections_provider.emulator.faults import RateLimiter

from .helpers import Api, assert_error, http_body


def test_latency_is_added_to_api_calls_but_not_inspection(emu: EmulatorHandle, api: Api) -> None:
    emu.set_faults(latency_ms=150)
    api.get("/v2/connections/version")
    Api(emu.url).get("/_emulator/requests")
    entry = emu.request_log()[-1]
    assert entry["path"] == "/v2/connections/version" and entry["duration_ms"] >= 150


def test_rate_limit_answers_429_with_retry_after(make_emulator: Callable[..., EmulatorHandle]) -> None:
    # One request per 20-second window: no run is slow enough for the window to move on mid-test
    # (how the window slides is checked with explicit times in the next test).
    emu = make_emulator(rate_limit=0.05)
    api = Api(emu.url, emu.issue_token())
    assert api.get("/v2/connections/version").status_code == 200
    limited = api.get("/v2/connections/version")
    assert_error(limited, 429, "too_many_requests")
    assert 1 <= int(limited.headers["Retry-After"]) <= 20
    # The limit is per token: another token is not affected.
    assert Api(emu.url, emu.issue_token()).get("/v2/connections/version").status_code == 200
    assert [e["status"] for e in emu.request_log()] == [200, 429, 200]


def test_rate_limit_window_slides_and_refusals_do_not_count() -> None:
    limiter = RateLimiter()
    assert [limiter.check("a", 3, now) for now in (100.0, 100.1, 100.2)] == [None, None, None]
    assert limiter.check("a", 3, 100.3) == 1  # full: retry once the oldest (100.0) leaves the window
    assert limiter.check("b", 3, 100.3) is None  # per caller
    assert limiter.check("a", 3, 100.9) == 1  # still full; this refusal is not counted...
    assert limiter.check("a", 3, 101.0) is None  # ...so the call at 101.0 gets through
    assert limiter.check("a", 3, 101.05) == 1
    # Below one per second the window widens: 0.5/s admits one call per 2 s.
    assert limiter.check("slow", 0.5, 0.0) is None
    assert limiter.check("slow", 0.5, 0.2) == 2
    assert limiter.check("slow", 0.5, 2.0) is None


def _statuses(emu: EmulatorHandle, count: int) -> list[object]:
    api = Api(emu.url, emu.issue_token())
    outcomes: list[object] = []
    for _ in range(count):
        try:
            outcomes.append(api.get("/v2/connections/version", timeout=5).status_code)
        except requests.exceptions.RequestException as exc:
            outcomes.append(type(exc).__name__)
    return outcomes


def test_random_faults_are_reproducible_with_a_seed(make_emulator: Callable[..., EmulatorHandle]) -> None:
    settings = {"fault_rate": 0.5, "fault_seed": 7, "fault_kinds": ["500", "502", "503", "429", "drop"]}
    first = _statuses(make_emulator(**settings), 30)
    second = _statuses(make_emulator(**settings), 30)
    assert first == second
    assert 200 in first and set(first) - {200}, first
    different = _statuses(make_emulator(**{**settings, "fault_seed": 8}), 30)
    assert different != first


def test_random_faults_use_every_kind(make_emulator: Callable[..., EmulatorHandle]) -> None:
    emu = make_emulator(fault_rate=1.0, fault_seed=1, fault_kinds=["500", "502", "503", "429", "drop"])
    outcomes = set(_statuses(emu, 60))
    assert {500, 502, 503, 429, "ChunkedEncodingError"} <= outcomes
    labels = {e["fault"] for e in emu.request_log()}
    assert labels == {"500", "502", "503", "429", "drop"}


def test_random_429_carries_retry_after(make_emulator: Callable[..., EmulatorHandle]) -> None:
    emu = make_emulator(fault_rate=1.0, fault_kinds=["429"])
    reply = Api(emu.url, emu.issue_token()).get("/v2/connections/version")
    assert_error(reply, 429, "too_many_requests")
    assert reply.headers["Retry-After"] == "1"


def test_scripted_fault_after_saving_creates_but_reports_failure(emu: EmulatorHandle, api: Api, demo: str) -> None:
    emu.script_fault("POST", "/v2/connections", status=503, count=2, when="after")
    for i in range(2):
        assert_error(api.create(demo, http_body("http://x", name=f"web-{i}")), 503, "service_unavailable")
    assert api.create(demo, http_body("http://x", name="web-2")).status_code == 201
    assert len(emu.stored_connections("demo")) == 3
    # A blind retry of a create that was in fact applied meets the name it already took.
    assert_error(api.create(demo, http_body("http://x", name="web-0")), 409, "conflict")


def test_scripted_fault_before_saving_saves_nothing(emu: EmulatorHandle, api: Api, demo: str) -> None:
    emu.script_fault("POST", "/v2/connections", status=500, when="before", retry_after=4)
    reply = api.create(demo, http_body("http://x"))
    assert_error(reply, 500, "internal_server_error")
    assert reply.headers["Retry-After"] == "4"
    assert emu.stored_connections() == []


@pytest.mark.parametrize(
    "pattern", ["/v2/connections/{connection_id}", "/v2/connections/*", "CONCRETE"], ids=["template", "glob", "path"]
)
def test_scripted_faults_match_templates_globs_and_paths(
    emu: EmulatorHandle, api: Api, demo: str, pattern: str
) -> None:
    cid = api.create(demo, http_body("http://x")).json()["metadata"]["asset_id"]
    emu.script_fault("PATCH", f"/v2/connections/{cid}" if pattern == "CONCRETE" else pattern, status=502, when="after")
    ops = [{"op": "replace", "path": "/name", "value": "renamed"}]
    assert api.get("/v2/connections", params={"project_id": demo}).status_code == 200  # other methods/paths untouched
    assert_error(api.patch(cid, ops, demo), 502, "bad_gateway")
    assert emu.stored_connection(cid)["entity"]["name"] == "renamed"
    assert api.patch(cid, ops, demo).status_code == 200


def test_dropped_connection_is_a_client_side_error_for_requests_and_httpx(
    emu: EmulatorHandle, api: Api, demo: str
) -> None:
    emu.script_fault("POST", "/v2/connections", kind="drop", when="after", count=2)
    with pytest.raises((requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        api.create(demo, http_body("http://x", name="by-requests"))
    with httpx.Client(trust_env=False) as client, pytest.raises(httpx.TransportError):
        client.post(
            f"{emu.url}/v2/connections",
            params={"project_id": demo, "test": "false"},
            json=http_body("http://x", name="by-httpx"),
            headers={"Authorization": api.authorization or ""},
        )
    assert len(emu.stored_connections()) == 2
    assert [e["fault"] for e in emu.request_log()] == ["drop", "drop"]


def test_dropped_before_saving_saves_nothing(emu: EmulatorHandle, api: Api, demo: str) -> None:
    emu.script_fault("POST", "/v2/connections", kind="drop", when="before")
    with pytest.raises(requests.exceptions.RequestException):
        api.create(demo, http_body("http://x"))
    assert emu.stored_connections() == []


def test_delay_fault_holds_the_reply(emu: EmulatorHandle, api: Api, demo: str) -> None:
    emu.script_fault("POST", "/v2/connections", kind="delay", delay_s=0.5, when="after")
    with pytest.raises(requests.exceptions.ReadTimeout):
        api.post(
            "/v2/connections", params={"project_id": demo, "test": "false"}, json=http_body("http://x"), timeout=0.2
        )
    # The client gave up; wait until the server has finished the request (it logs it when the held
    # reply goes out) rather than racing it: then the write is certain to be there, and no reply is
    # left in flight to land in the next test's log.
    assert emu.wait_for_requests(1, "POST", "/v2/connections") == 1
    # The write happened even though the client timed out: the ambiguous case.
    assert len(emu.stored_connections()) == 1
    assert emu.request_log()[-1]["fault"] == "delay"


def test_inspection_paths_are_never_faulted_or_counted(make_emulator: Callable[..., EmulatorHandle]) -> None:
    emu = make_emulator(fault_rate=1.0, fault_kinds=["500"])
    inspect = Api(emu.url)
    for path in ("/_emulator/requests", "/_emulator/log", "/_emulator/state"):
        assert inspect.get(path).status_code == 200
    assert emu.requests_count() == 0


def test_reset_clears_faults(emu: EmulatorHandle, api: Api) -> None:
    emu.set_faults(fault_rate=1.0)
    emu.script_fault("GET", "/v2/projects")
    emu.reset()
    assert api.get("/v2/projects").status_code == 200
    assert emu.faults()["scripted"] == [] and emu.faults()["config"]["fault_rate"] == 0.0


@pytest.mark.parametrize(
    "changes",
    [
        {"rate_limit": float("nan")},
        {"latency_ms": float("inf")},
        {"latency_ms": "5"},
        {"fault_rate": True},
        {"fault_seed": {}},
        {"fault_seed": 1.5},
        {"fault_kinds": "503"},
        {"fault_kinds": [["503"]]},
    ],
    ids=str,
)
def test_handle_refuses_fault_settings_every_request_would_trip_on(
    emu: EmulatorHandle, api: Api, changes: dict[str, object]
) -> None:
    before = emu.faults()
    with pytest.raises(ValueError, match="must be"):
        emu.set_faults(**changes)
    assert emu.faults() == before  # nothing kept of a refused change
    assert api.get("/v2/projects").status_code == 200


@pytest.mark.parametrize(
    "script",
    [{"method": 5}, {"path": ["/v2/*"]}, {"count": 1.5}, {"delay_s": float("nan")}, {"retry_after": "1"}],
    ids=str,
)
def test_handle_refuses_scripted_faults_that_would_break_matching(
    emu: EmulatorHandle, api: Api, script: dict[str, object]
) -> None:
    with pytest.raises(ValueError, match="must be"):
        emu.script_fault(**script)  # type: ignore[arg-type]
    assert emu.faults()["scripted"] == []
    assert api.get("/v2/projects").status_code == 200


def test_clear_faults_drops_scripts_and_settings_but_keeps_the_state(emu: EmulatorHandle, api: Api, demo: str) -> None:
    cid = emu.create_connection("kept", "http", {"url": "http://x"}, project="demo")
    emu.script_fault("GET", "/v2/connections", status=503, count=5)
    emu.set_faults(latency_ms=1.0)
    emu.clear_faults()
    assert api.get("/v2/connections", params={"project_id": demo}).status_code == 200
    assert emu.faults()["scripted"] == [] and emu.faults()["config"]["latency_ms"] == 0
    assert [c["metadata"]["asset_id"] for c in emu.stored_connections()] == [cid]
