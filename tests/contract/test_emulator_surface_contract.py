"""The emulator's replies beyond a connection's own paths have the shapes IBM's sources give them
(`ibm_surface_replies`): projects (list, get, errors), catalogs, spaces, a connection's actions and
their outputs, `validate`, and the data-asset search. Shapes are key sets and value types at every
level (`test_emulator_contract.shape`); where IBM's recorded reply is fixed text (the action listing),
the values too."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from airflow_connections_provider.emulator import EmulatorHandle, run_emulator
from tests.contract import ibm_surface_replies as surface
from tests.contract import real_replies as real
from tests.contract.test_emulator_contract import keys, shape
from tests.support.datasources import TcpDataSource


@pytest.fixture(scope="module")
def emu() -> Iterator[EmulatorHandle]:
    with run_emulator(projects=["contract"]) as handle:
        yield handle


@pytest.fixture
def get(emu: EmulatorHandle) -> Iterator[Any]:
    emu.reset()
    with requests.Session() as s:
        s.trust_env = False
        s.headers["Authorization"] = f"Bearer {emu.issue_token()}"

        def call(method: str, path: str, **kwargs: Any) -> requests.Response:
            return s.request(method, emu.url + path, timeout=10, **kwargs)

        yield call


@pytest.fixture
def source() -> Iterator[TcpDataSource]:
    db = TcpDataSource().start()
    yield db
    db.stop()


def _postgres(emu: EmulatorHandle, source: TcpDataSource) -> str:
    properties = {**real.postgres_properties(), "host": source.host, "port": str(source.port)}
    return emu.create_connection("Sales DB", "postgresql", properties, project="contract")


def test_projects_list_and_get_carry_storage_without_properties(emu, get) -> None:
    listed = get("GET", "/v2/projects", params={"name": "contract"}).json()
    # Key sets: IBM's SDK allows nulls in some (`updated_at`), so value types may differ.
    assert keys(listed) == keys(surface.projects_page())
    project = get("GET", f"/v2/projects/{emu.project_id('contract')}").json()
    assert keys(project) == keys(surface.project()) and "properties" not in project["entity"]["storage"]


@pytest.mark.parametrize(
    ("call", "status"),
    [
        pytest.param(("GET", "/v2/projects/no-such-project", {}), 404, id="get-404"),
        pytest.param(("GET", "/v2/projects", {"limit": "many"}), 400, id="list-400"),
    ],
)
def test_projects_errors_are_the_projects_services_own_body(get, call: tuple, status: int) -> None:
    method, path, params = call
    reply = get(method, path, params=params)
    assert reply.status_code == status
    assert shape(reply.json()) == shape(surface.projects_error(status))
    assert reply.json()["message"] == surface.projects_error(status)["message"]


def test_projects_401_is_the_projects_services_own_body(emu) -> None:
    reply = requests.get(f"{emu.url}/v2/projects", timeout=10)
    assert reply.status_code == 401 and shape(reply.json()) == shape(surface.projects_error(401))


def test_catalogs_have_the_recorded_shape(emu, get) -> None:
    guid = emu.add_catalog("Test Catalog")
    assert shape(get("GET", "/v2/catalogs").json()) == shape(surface.catalogs_page())
    assert shape(get("GET", f"/v2/catalogs/{guid}").json()) == shape(surface.catalog())


def test_spaces_have_the_recorded_shape(emu, get) -> None:
    sid = emu.add_space("Test Space")
    emu.add_space("Another")
    page = get("GET", "/v2/spaces", params={"limit": "1"}).json()
    assert shape(page) == shape(surface.spaces_page(next_start="token"))
    assert page["next"]["href"].startswith("/v2/spaces?")  # relative, as recorded
    assert shape(get("GET", f"/v2/spaces/{sid}").json()) == shape(surface.space())


def test_a_connections_actions_are_the_recorded_listing_verbatim(emu, get, source) -> None:
    cid = _postgres(emu, source)
    reply = get("GET", f"/v2/connections/{cid}/actions", params={"project_id": emu.project_id("contract")})
    assert reply.status_code == 200 and reply.json() == surface.connection_actions()


def test_get_record_count_answers_the_recorded_output(emu, get, source) -> None:
    cid = _postgres(emu, source)
    reply = get(
        "PUT",
        f"/v2/connections/{cid}/actions/get_record_count",
        params={"project_id": emu.project_id("contract")},
        json={"table_name": "CUSTOMER"},
    )
    assert reply.status_code == 200 and shape(reply.json()) == shape(surface.record_count())


def test_validate_answers_an_output_or_a_field_error(emu, get, source) -> None:
    project = emu.project_id("contract")
    cid = _postgres(emu, source)
    passed = get("PUT", f"/v2/connections/{cid}/actions/validate", params={"project_id": project}, json={})
    assert passed.status_code == real.action_test_passed().status
    assert shape(passed.json()) == shape(real.action_test_passed().json())
    broken = emu.create_connection("broken", "postgresql", {"host": "h"}, project="contract", checks=False)
    failed = get("PUT", f"/v2/connections/{broken}/actions/validate", params={"project_id": project}, json={})
    fixture = real.bad_property_value("database")
    assert failed.status_code == fixture.status
    assert set(failed.json()) == set(fixture.json())
    assert shape(failed.json()["errors"][0]["target"]) == shape(fixture.json()["errors"][0]["target"])


@pytest.mark.parametrize("include_entity", [True, False])
def test_the_data_asset_search_has_the_recorded_shape(emu, get, include_entity: bool) -> None:
    conn = emu.create_connection("c", "http", {"url": "https://example.com/f"}, project="contract")
    emu.add_data_asset("orders.csv", conn, "/landing/orders.csv")
    emu.add_data_asset("returns.csv", conn, "/landing/returns.csv")
    body: dict[str, Any] = {"query": "*:*", "limit": 1}
    if include_entity:
        body["include"] = "entity,attachments"
    reply = get(
        "POST", "/v2/asset_types/data_asset/search", params={"project_id": emu.project_id("contract")}, json=body
    )
    assert reply.status_code == 200
    page = reply.json()
    fixture = surface.data_asset_search(include_entity=include_entity, bookmark="token")
    fixture["next"] = {**body, "bookmark": "token"}
    assert shape(page) == shape(fixture)
