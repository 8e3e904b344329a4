"""The emulator's replies have the shapes of the real service's (tests/contract/real_replies.py).

Each test drives a real emulator over HTTP and compares what it sends with the fixture of the same
reply: status, and the key set and value types at every level (values themselves are data and
differ). The client's contract tests read the same fixtures, so the emulator and the client cannot
drift apart: a change of either side's idea of a reply breaks here or there.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from airflow_connections_provider.client.error_replies import refusal_kind
from airflow_connections_provider.emulator import EmulatorHandle, run_emulator
from tests.contract import ibm_surface_replies as surface
from tests.contract import real_replies as real
from tests.support.datasources import TcpDataSource

#: Sub-trees whose content is data (property values, the type-specific interaction properties):
#: only their own type is compared.
OPAQUE = frozenset({"properties", "interaction_properties"})


def shape(value: Any, *, key: str | None = None) -> Any:
    """Key sets and value types, recursively; lists by their first item."""
    if isinstance(value, dict):
        if key in OPAQUE:
            return "dict"
        return {k: shape(v, key=k) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


@pytest.fixture(scope="module")
def emu() -> Iterator[EmulatorHandle]:
    with run_emulator(projects=["contract"]) as handle:
        yield handle


@pytest.fixture
def session(emu: EmulatorHandle) -> Iterator[requests.Session]:
    emu.reset()
    with requests.Session() as s:
        s.trust_env = False
        s.headers["Authorization"] = f"Bearer {emu.issue_token()}"
        yield s


@pytest.fixture
def project(emu: EmulatorHandle) -> str:
    return emu.project_id("contract")


@pytest.fixture
def source() -> Iterator[TcpDataSource]:
    db = TcpDataSource().start()
    yield db
    db.stop()


def _pg(source: TcpDataSource, name: str = "Sales DB") -> dict[str, Any]:
    properties = {**real.postgres_properties(), "host": source.host, "port": str(source.port)}
    return {"name": name, "datasource_type": real.POSTGRES_TYPE_ID, "description": "", "properties": properties}


def _create(emu: EmulatorHandle, s: requests.Session, project: str, body: dict[str, Any]) -> requests.Response:
    return s.post(f"{emu.url}/v2/connections", params={"project_id": project, "test": "true"}, json=body, timeout=10)


def _scoped(fixture: dict[str, Any], project: str) -> dict[str, Any]:
    """The fixture with our project id (the scope key is the same, `project_id`)."""
    fixture["metadata"]["project_id"] = project
    return fixture


def test_create_get_and_list_carry_the_recorded_connection_shape(emu, session, project, source) -> None:
    created = _create(emu, session, project, _pg(source))
    assert created.status_code == real.created().status == 201, created.text
    body = created.json()
    assert shape(body) == shape(_scoped(real.created().json(), project))
    assert "href" not in body["metadata"]
    # Shared credentials come back in clear, as in IBM's recorded replies (the default secret mode).
    assert body["entity"]["properties"]["password"] == real.CLEAR_PASSWORD

    cid = body["metadata"]["asset_id"]
    got = session.get(f"{emu.url}/v2/connections/{cid}", params={"project_id": project}, timeout=10)
    assert got.status_code == real.got().status
    assert shape(got.json()) == shape(_scoped(real.got().json(), project))

    listed = session.get(f"{emu.url}/v2/connections", params={"project_id": project, "limit": 100}, timeout=10)
    assert listed.status_code == 200
    assert shape(listed.json()) == shape(real.list_page().json())


def test_paging_links_are_absolute_with_the_start_token_inside(emu, session, project) -> None:
    for i in range(3):
        emu.create_connection(f"c{i}", "http", {"url": "https://example.com/f"}, project=project)
    page = session.get(f"{emu.url}/v2/connections", params={"project_id": project, "limit": 2}, timeout=10).json()
    fixture = real.list_page(next_start="token", limit=2).json()
    assert set(page) == set(fixture)
    for link in ("first", "next"):
        parts = urlsplit(page[link]["href"])
        assert parts.scheme and parts.netloc and parts.path == "/v2/connections"
    start = parse_qs(urlsplit(page["next"]["href"]).query)["start"][0]
    following = session.get(page["next"]["href"], timeout=10).json()
    assert "next" not in following and len(following["resources"]) == 1
    assert start  # the token is inside the link, not computed by the client


def test_patch_replies_with_the_bare_entity(emu, session, project, source) -> None:
    cid = _create(emu, session, project, _pg(source)).json()["metadata"]["asset_id"]
    reply = session.patch(
        f"{emu.url}/v2/connections/{cid}",
        params={"project_id": project, "test": "true"},
        data=json.dumps(
            [{"op": "replace", "path": "/description", "value": "An updated test connection description."}]
        ),
        headers={"Content-Type": "application/json-patch+json;charset=utf-8"},
        timeout=10,
    )
    assert reply.status_code == real.patched().status == 200, reply.text
    assert shape(reply.json()) == shape(real.patched().json())
    assert "metadata" not in reply.json()


def test_delete_is_204_without_a_body(emu, session, project, source) -> None:
    cid = _create(emu, session, project, _pg(source)).json()["metadata"]["asset_id"]
    reply = session.delete(f"{emu.url}/v2/connections/{cid}", params={"project_id": project}, timeout=10)
    assert reply.status_code == real.deleted().status and reply.content == b""


def _error_shape(reply: requests.Response) -> Any:
    return shape(reply.json())


def test_a_duplicate_name_is_409_with_the_error_container(emu, session, project, source) -> None:
    assert _create(emu, session, project, _pg(source)).status_code == 201
    reply = _create(emu, session, project, _pg(source))
    fixture = real.duplicate_name()
    assert reply.status_code == fixture.status == 409
    body = reply.json()
    assert set(body) == set(fixture.json()) and "target" not in body["errors"][0]
    assert {"code", "message"} <= set(body["errors"][0])


def test_a_refused_test_is_400_without_a_target(emu, session, project) -> None:
    closed = TcpDataSource()  # a reserved port nothing listens on
    reply = _create(emu, session, project, _pg(closed))
    fixture = real.refused_by_data_source()
    assert reply.status_code == fixture.status == 400
    error = reply.json()["errors"][0]
    # The client's own rule reads it as the data source refusing, not as a request to fix.
    assert "target" not in error and refusal_kind(error["code"], None) == "refused_test"
    assert emu.stored_connections(project) == []


@pytest.mark.parametrize(
    ("mutate", "fixture"),
    [
        pytest.param(lambda b: b["properties"].update(port="not-a-port"), real.bad_property_value(), id="field"),
        pytest.param(lambda b: b["properties"].pop("host"), real.bad_property_value("host"), id="missing-field"),
    ],
)
def test_a_rejected_body_names_its_field(emu, session, project, source, mutate, fixture) -> None:
    body = _pg(source)
    mutate(body)
    reply = _create(emu, session, project, body)
    assert reply.status_code == fixture.status == 400
    assert _error_shape(reply)["errors"][0]["target"] == shape(fixture.json())["errors"][0]["target"]
    error = reply.json()["errors"][0]
    assert error["target"]["type"] == "field"
    assert refusal_kind(error["code"], error["target"]["type"]) == "rejected_request"


def test_a_rejected_parameter_names_it(emu, session, project) -> None:
    reply = session.get(f"{emu.url}/v2/connections", params={"project_id": project, "limit": "zero"}, timeout=10)
    fixture = real.bad_parameter("limit")
    assert reply.status_code == fixture.status
    assert reply.json()["errors"][0]["target"] == {"type": "parameter", "name": "limit"}


def test_a_wrong_patch_content_type_names_the_header(emu, session, project, source) -> None:
    cid = _create(emu, session, project, _pg(source)).json()["metadata"]["asset_id"]
    reply = session.patch(
        f"{emu.url}/v2/connections/{cid}",
        params={"project_id": project},
        data="[]",
        headers={"Content-Type": "text/plain"},
        timeout=10,
    )
    assert reply.status_code == 415
    assert reply.json()["errors"][0]["target"] == {"type": "header", "name": "Content-Type"}
    assert shape(reply.json()["errors"][0]["target"]) == shape(real.bad_header().json())["errors"][0]["target"]


def test_the_test_action_answers_with_its_output(emu, session, project, source) -> None:
    cid = _create(emu, session, project, _pg(source)).json()["metadata"]["asset_id"]
    url = f"{emu.url}/v2/connections/{cid}/actions/test"
    passed = session.put(url, params={"project_id": project}, json={}, timeout=10)
    assert passed.status_code == real.action_test_passed().status
    assert shape(passed.json()) == shape(real.action_test_passed().json())
    source.stop()
    failed = session.put(url, params={"project_id": project}, json={}, timeout=10)
    assert failed.status_code == real.refused_by_data_source().status
    error = failed.json()["errors"][0]
    assert "target" not in error and refusal_kind(error["code"], None) == "refused_test"


def test_the_failed_test_as_200_output_matches_its_fixture(source: TcpDataSource) -> None:
    with run_emulator(projects=["p"], test_action_failure_status=200) as emu:
        cid = emu.create_connection("c", "postgresql", _pg(source)["properties"], project="p")
        source.stop()
        reply = requests.put(
            f"{emu.url}/v2/connections/{cid}/actions/test",
            params={"project_id": emu.project_id("p")},
            json={},
            headers=emu.auth_headers(),
            timeout=10,
        )
    fixture = real.action_test_output_failed()
    assert reply.status_code == fixture.status == 200
    assert shape(reply.json()) == shape(fixture.json())


def test_no_matching_project_is_204(emu, session) -> None:
    reply = session.get(f"{emu.url}/v2/projects", params={"name": "no such project"}, timeout=10)
    assert reply.status_code == real.no_projects().status == 204 and reply.content == b""


def keys(value: Any) -> Any:
    """Key sets only (for replies whose values may be null or not, as projects' `updated_at`)."""
    if isinstance(value, dict):
        return {k: keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [keys(value[0])] if value else []
    return None


def test_projects_carry_the_keys_clients_require(emu, session) -> None:
    reply = session.get(f"{emu.url}/v2/projects", params={"name": "contract"}, timeout=10)
    # storage is {type, guid} as IBM's recorded reply has it (no `properties`).
    assert keys(reply.json()) == keys(surface.projects_page())


def test_datasource_types_have_the_recorded_shape(emu, session) -> None:
    params = {"connection_properties": "true"}
    pg = session.get(f"{emu.url}/v2/datasource_types/postgresql", params=params, timeout=10).json()
    fixture = real.postgres_type().json()
    assert pg["metadata"] == fixture["metadata"]
    assert set(fixture["entity"]) <= set(pg["entity"]) and pg["entity"]["type"] == "database"
    required_keys = set(fixture["entity"]["properties"]["connection"][0])
    for prop in pg["entity"]["properties"]["connection"]:
        assert required_keys - {"group"} <= set(prop), prop
    cos = session.get(f"{emu.url}/v2/datasource_types/bluemixcloudobjectstorage", params=params, timeout=10).json()
    recorded = real.cos_type().json()
    assert cos["metadata"] == recorded["metadata"]
    assert (
        cos["entity"]["properties"]["conditions"]["connection"]
        == (recorded["entity"]["properties"]["conditions"]["connection"])
    )
    ours = {p["name"]: p for p in cos["entity"]["properties"]["connection"]}
    for prop in recorded["entity"]["properties"]["connection"]:
        assert {k: ours[prop["name"]][k] for k in ("type", "required", "masked", "hidden")} == {
            k: prop[k] for k in ("type", "required", "masked", "hidden")
        }


def test_token_replies(emu) -> None:
    form = {"grant_type": "urn:ibm:params:oauth:grant-type:apikey", "apikey": emu.api_key}
    iam = requests.post(f"{emu.url}/identity/token", data=form, timeout=10)
    assert iam.status_code == 200 and shape(iam.json()) == shape(real.iam_token().json())
    bad = requests.post(f"{emu.url}/identity/token", data={**form, "apikey": "wrong"}, timeout=10)
    assert bad.status_code == real.iam_bad_key().status
    assert {"errorCode", "errorMessage", "context"} <= set(bad.json())
    aws = requests.post(f"{emu.url}/api/rest/mcsp/apikeys/token", data=form, timeout=10)
    assert aws.status_code == 200 and shape(aws.json()) == shape(real.aws_token().json())
    user, password = emu.user
    cp4d = requests.post(f"{emu.url}/icp4d-api/v1/authorize", json={"username": user, "password": password}, timeout=10)
    assert cp4d.status_code == 200 and shape(cp4d.json()) == shape(real.cp4d_authorized().json())
