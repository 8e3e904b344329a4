"""Live validation: the emulator really tries the data source (HTTP GET or TCP connect), and
optionally checks registered credentials; a failed try saves nothing."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator

import pytest
import requests

from airflow_connections_provider.emulator import EmulatorHandle
from airflow_connections_provider.emulator.routes import common

from .helpers import SECRET, Api, assert_error, http_body, pg_body


def test_http_connection_to_a_live_server_is_saved(api: Api, emu: EmulatorHandle, demo: str, http_source: str) -> None:
    assert api.create(demo, http_body(http_source), test=True).status_code == 201
    assert len(emu.stored_connections("demo")) == 1


def test_create_tests_by_default(api: Api, emu: EmulatorHandle, demo: str, closed_port: int) -> None:
    reply = api.post(
        "/v2/connections", params={"project_id": demo}, json=http_body(f"http://127.0.0.1:{closed_port}/x")
    )
    error = assert_error(reply, 400, "connection_test_failed")
    assert f"127.0.0.1:{closed_port}" in error["message"] and "refused" in error["message"]
    assert emu.stored_connections() == []


def test_tcp_connection_to_a_listening_port_is_saved(api: Api, demo: str, tcp_source: int) -> None:
    assert api.create(demo, pg_body(port=tcp_source), test=True).status_code == 201


def test_tcp_connection_to_a_closed_port_is_refused_and_not_saved(
    api: Api, emu: EmulatorHandle, demo: str, closed_port: int
) -> None:
    error = assert_error(api.create(demo, pg_body(port=closed_port), test=True), 400, "connection_test_failed")
    assert error["message"].endswith(f"could not connect to 127.0.0.1:{closed_port}: connection refused")
    assert emu.stored_connections() == []


def test_unresolvable_host_is_refused(api: Api, demo: str) -> None:
    body = pg_body(properties={"host": "no-such-host.invalid"})
    error = assert_error(api.create(demo, body, test=True), 400, "connection_test_failed")
    assert "no-such-host.invalid" in error["message"]


def test_ftp_uses_the_default_port_when_none_is_given(api: Api, demo: str) -> None:
    body = {
        "name": "f",
        "datasource_type": "ftp",
        "properties": {"host": "127.0.0.1", "connection_mode": "basic", "username": "u", "password": "p"},
    }
    error = assert_error(api.create(demo, body, test=True), 400, "connection_test_failed")
    assert "127.0.0.1:21" in error["message"]


def test_registered_credentials_must_match(api: Api, emu: EmulatorHandle, demo: str, tcp_source: int) -> None:
    emu.register_datasource_credentials("127.0.0.1", tcp_source, "alice", SECRET)
    cid = api.create(demo, pg_body(port=tcp_source), test=True).json()["metadata"]["asset_id"]
    wrong = api.patch(cid, [{"op": "replace", "path": "/properties/password", "value": "wrong-pw"}], demo, test=True)
    error = assert_error(wrong, 400, "connection_test_failed")
    assert error["message"].endswith("authentication failed for user alice")
    assert "wrong-pw" not in wrong.text
    assert emu.stored_connection(cid)["entity"]["properties"]["password"] == SECRET
    bad_user = api.create(demo, pg_body("pg2", port=tcp_source, properties={"username": "mallory"}), test=True)
    assert_error(bad_user, 400, "connection_test_failed")
    assert len(emu.stored_connections()) == 1


def test_credential_rotation_succeeds_once_the_source_accepts_it(
    api: Api, emu: EmulatorHandle, demo: str, tcp_source: int
) -> None:
    inspect = Api(emu.url)
    reply = inspect.post(
        "/_emulator/datasources",
        json={"host": "127.0.0.1", "port": tcp_source, "username": "alice", "password": SECRET},
    )
    assert reply.status_code == 201 and SECRET not in reply.text
    cid = api.create(demo, pg_body(port=tcp_source), test=True).json()["metadata"]["asset_id"]
    inspect.post(
        "/_emulator/datasources",
        json={"host": "127.0.0.1", "port": tcp_source, "username": "alice", "password": "new-pw"},
    )
    assert (
        api.patch(
            cid, [{"op": "replace", "path": "/properties/password", "value": "new-pw"}], demo, test=True
        ).status_code
        == 200
    )
    assert emu.stored_connection(cid)["entity"]["properties"]["password"] == "new-pw"
    assert SECRET not in inspect.get("/_emulator/state").json()["datasource_accounts"].__repr__()


def test_test_action_validates_the_stored_connection(api: Api, demo: str, tcp_source: int, closed_port: int) -> None:
    good = api.create(demo, pg_body("good", port=tcp_source)).json()["metadata"]["asset_id"]
    bad = api.create(demo, pg_body("bad", port=closed_port)).json()["metadata"]["asset_id"]
    ok = api.put(f"/v2/connections/{good}/actions/test", params={"project_id": demo}, json={})
    # The action's output: nothing more to say when the test passes.
    assert ok.status_code == 200 and ok.json() == {}
    # An empty body is taken as `{}`.
    assert api.put(f"/v2/connections/{good}/actions/test", params={"project_id": demo}).status_code == 200
    refused = api.put(f"/v2/connections/{bad}/actions/test", params={"project_id": demo}, json={})
    error = assert_error(refused, 400, "connection_test_failed")
    assert "target" not in error and f"127.0.0.1:{closed_port}" in error["message"]


def test_a_refused_test_is_400_without_a_target(api: Api, demo: str, closed_port: int) -> None:
    """What tells a client a refused test from a rejected request: no target, no request code."""
    error = assert_error(api.create(demo, pg_body(port=closed_port), test=True), 400, "connection_test_failed")
    assert "target" not in error


def test_the_test_action_can_report_failure_in_a_200_output(
    make_emulator: Callable[..., EmulatorHandle], closed_port: int, tcp_source: int
) -> None:
    emu = make_emulator(test_action_failure_status=200)
    api = Api(emu.url, emu.issue_token())
    project = emu.project_id("default")
    bad = api.create(project, pg_body("bad", port=closed_port)).json()["metadata"]["asset_id"]
    good = api.create(project, pg_body("good", port=tcp_source)).json()["metadata"]["asset_id"]
    reply = api.put(f"/v2/connections/{bad}/actions/test", params={"project_id": project}, json={})
    assert reply.status_code == 200
    output = reply.json()
    assert output["status"] == "failed" and output["errors"][0]["code"] == "connection_test_failed"
    assert api.put(f"/v2/connections/{good}/actions/test", params={"project_id": project}, json={}).json() == {}
    # Only the action reports that way: a refused test=true write stays a 400.
    assert api.create(project, pg_body("third", port=closed_port), test=True).status_code == 400


class SilentServer:
    """A TCP server that accepts one connection and never answers until `release()`: a hung data source.
    `accepted` is set once the emulator's probe is connected, so no test has to guess with a sleep."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.sock.getsockname()[1]
        self.accepted = threading.Event()
        self._conn: socket.socket | None = None
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            self._conn, _ = self.sock.accept()
            self.accepted.set()

    def release(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self.sock.close()
        self._thread.join(5)


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    try:
        yield server
    finally:
        server.release()


def test_a_slow_probe_does_not_stall_other_requests(
    make_emulator: Callable[..., EmulatorHandle], silent_server: SilentServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An HTTP probe of a server that never answers runs off the event loop: while it hangs (for as long
    as the test holds it: the probe timeout is far away), other requests are answered."""
    monkeypatch.setattr(common, "PROBE_TIMEOUT_S", 60.0)
    emu = make_emulator()
    api = Api(emu.url, emu.issue_token())
    project = emu.project_id("default")
    replies: list[requests.Response] = []
    body = http_body(f"http://127.0.0.1:{silent_server.port}/")
    worker = threading.Thread(target=lambda: replies.append(api.create(project, body, test=True)))
    worker.start()
    assert silent_server.accepted.wait(30), "the emulator never probed the data source"
    answered = Api(emu.url, emu.issue_token()).get("/v2/connections/version").status_code
    probing_meanwhile = worker.is_alive()  # only release() below can end the probe this early
    silent_server.release()
    worker.join(30)
    assert answered == 200 and probing_meanwhile
    assert_error(replies[0], 400, "connection_test_failed")


def test_a_probe_of_a_server_that_never_answers_times_out_with_a_clear_message(
    make_emulator: Callable[..., EmulatorHandle], silent_server: SilentServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(common, "PROBE_TIMEOUT_S", 0.5)
    emu = make_emulator()
    api = Api(emu.url, emu.issue_token())
    reply = api.create(emu.project_id("default"), http_body(f"http://127.0.0.1:{silent_server.port}/"), test=True)
    error = assert_error(reply, 400, "connection_test_failed")
    assert "timed out" in error["message"]
