"""Every client operation against the emulator over real HTTP."""

from __future__ import annotations

import pytest

from airflow_connections_provider.client import (
    AmbiguousNameError,
    ConnectionChanges,
    InvalidInputError,
    NotFoundError,
    ProjectNotFoundError,
    Scope,
    UnknownDatasourceTypeError,
    ValidationRefusedError,
)
from tests.integration.conftest import SECRET, pg_properties
from tests.support.datasources import HttpDataSource, free_port

POSTGRES_ID = "e1c23729-99d8-4407-b3df-336e33ffdc82"


@pytest.fixture
def sales(emu, client) -> Scope:
    return Scope.project(client.resolve_project("sales").id)


def test_version_and_datasource_types(client):
    assert client.version().version
    types = {t.name: t for t in client.list_datasource_types()}
    for name in ("http", "postgresql", "db2", "mysql", "oracle", "sqlserver", "mongodb", "ftp", "cloudobjectstorage"):
        assert name in types
    pg = client.get_datasource_type("postgresql")
    assert pg.id == POSTGRES_ID
    assert "password" in pg.secret_properties
    assert {"host", "port", "database", "username", "password"} <= set(pg.required_for({}))
    assert client.get_datasource_type(POSTGRES_ID) is pg  # cached under id and name


def test_unknown_type_suggests_the_real_name(client):
    with pytest.raises(UnknownDatasourceTypeError) as caught:
        client.get_datasource_type("postgres")
    assert "postgresql" in caught.value.suggestions


def test_projects_resolve_by_exact_name_only(client, emu):
    assert client.resolve_project("sales").id == emu.project_id("sales")  # "sales-eu" also matches partially
    assert client.resolve_project(emu.project_id("marketing")).name == "marketing"
    with pytest.raises(ProjectNotFoundError) as caught:
        client.resolve_project("Sales")
    assert "sales" in caught.value.near_matches


def test_create_find_get_update_validate_delete(client, sales, pg_source, emu):
    created = client.create_connection(
        sales, name="orders", datasource_type="postgresql", properties=pg_properties(pg_source), description="d1"
    )
    assert created.datasource_type == POSTGRES_ID
    assert SECRET not in repr(created)  # the emulator returns it in clear (as IBM does); the repr never shows it
    assert client.find_connection(sales, "orders") == client.get_connection(sales, created.id)
    assert client.find_connection(sales, "order") is None

    updated = client.update_connection(
        sales,
        created.id,
        ConnectionChanges(name="orders-v2", description="d2", set_properties={"database": "orders2"}),
    )
    assert (updated.name, updated.description, updated.properties["database"]) == ("orders-v2", "d2", "orders2")
    assert client.test_connection(sales, created.id) is None  # the test action passed

    assert client.delete_connection(sales, created.id) is True
    assert client.delete_connection(sales, created.id, missing_ok=True) is False
    with pytest.raises(NotFoundError):
        client.get_connection(sales, created.id)
    assert emu.stored_connections("sales") == []


def test_http_connection_is_validated_by_a_real_request(client, sales):
    with HttpDataSource() as source:
        conn = client.create_connection(sales, name="web", datasource_type="http", properties={"url": source.url})
    assert conn.properties["url"] == source.url
    with pytest.raises(ValidationRefusedError):  # the server is gone now
        client.test_connection(sales, conn.id)


def test_create_refused_when_the_data_source_is_down_and_nothing_is_saved(client, sales, emu):
    props = {"host": "127.0.0.1", "port": free_port(), "database": "d", "username": "u", "password": SECRET}
    with pytest.raises(ValidationRefusedError) as caught:
        client.create_connection(sales, name="down", datasource_type="postgresql", properties=props)
    assert SECRET not in str(caught.value)
    assert emu.stored_connections("sales") == []
    saved = client.create_connection(sales, name="down", datasource_type="postgresql", properties=props, test=False)
    assert saved.name == "down"


def test_rotation_to_a_wrong_password_is_refused_and_the_old_one_stays(client, sales, pg_source, emu):
    emu.register_datasource_credentials(pg_source.host, pg_source.port, "etl", SECRET)
    conn = client.create_connection(
        sales, name="rot", datasource_type="postgresql", properties=pg_properties(pg_source)
    )
    with pytest.raises(ValidationRefusedError, match="authentication"):
        client.update_connection(sales, conn.id, ConnectionChanges(set_properties={"password": "wrong-password"}))
    assert emu.stored_connection(conn.id)["entity"]["properties"]["password"] == SECRET

    emu.register_datasource_credentials(pg_source.host, pg_source.port, "etl", "N3w-Secret-2")
    client.update_connection(sales, conn.id, ConnectionChanges(set_properties={"password": "N3w-Secret-2"}))
    assert emu.stored_connection(conn.id)["entity"]["properties"]["password"] == "N3w-Secret-2"


def test_removing_a_property(client, sales, pg_source, emu):
    conn = client.create_connection(
        sales, name="r", datasource_type="postgresql", properties=pg_properties(pg_source, ssl_certificate="PEM")
    )
    client.update_connection(sales, conn.id, ConnectionChanges(remove_properties=["ssl_certificate"]))
    assert "ssl_certificate" not in emu.stored_connection(conn.id)["entity"]["properties"]


def test_bad_input_is_refused_before_any_request_reaches_the_service(client, sales, emu):
    client.get_datasource_type("postgresql")  # warm the cache: what follows must send nothing
    before = emu.requests_count()
    with pytest.raises(InvalidInputError) as caught:
        client.create_connection(
            sales, name="", datasource_type="postgresql", properties={"host": "h", "port": "x", "colour": 1}
        )
    assert len(caught.value.problems) >= 5  # empty name, bad port, unknown key, 3 missing properties
    assert emu.requests_count() == before


def test_paging_walks_every_page_without_gaps_or_duplicates(client, sales, emu):
    ids = {emu.create_connection(f"c{i:03d}", "http", {"url": f"https://h/{i}"}, project="sales") for i in range(230)}
    seen = [c.id for c in client.iter_connections(sales, page_size=50)]
    assert len(seen) == len(set(seen)) == 230
    assert set(seen) == ids
    assert emu.requests_count("GET", "/v2/connections") == 5  # 50+50+50+50+30, one request per page


def test_listing_filters(client, sales, emu, pg_source):
    emu.create_connection("web-a", "http", {"url": "https://a"}, project="sales")
    emu.create_connection("web-b", "http", {"url": "https://b"}, project="sales")
    emu.create_connection("pg", "postgresql", pg_properties(pg_source), project="sales")
    assert {c.name for c in client.iter_connections(sales, datasource_type="http")} == {"web-a", "web-b"}
    assert [c.name for c in client.iter_connections(sales, properties={"url": "https://b"})] == ["web-b"]
    assert [c.name for c in client.iter_connections(sales, name="web-a")] == ["web-a"]


def test_find_refuses_a_name_held_twice(client, sales, emu):
    emu.create_connection("dup", "http", {"url": "https://a"}, project="sales")
    emu.create_connection("dup", "http", {"url": "https://b"}, project="sales")
    with pytest.raises(AmbiguousNameError):
        client.find_connection(sales, "dup")


def test_scopes_are_isolated(client, emu):
    sales = Scope.project(emu.project_id("sales"))
    marketing = Scope.project(emu.project_id("marketing"))
    emu.create_connection("only-in-sales", "http", {"url": "https://a"}, project="sales")
    assert client.find_connection(marketing, "only-in-sales") is None
    assert client.find_connection(sales, "only-in-sales") is not None


def test_catalog_and_space_scopes(client, emu):
    catalog = Scope.catalog(emu.add_catalog("cat"))
    space = Scope.space(emu.add_space("spc"))
    with HttpDataSource() as source:
        in_catalog = client.create_connection(catalog, name="c", datasource_type="http", properties={"url": source.url})
        client.create_connection(space, name="s", datasource_type="http", properties={"url": source.url})
    assert in_catalog.scope == catalog
    assert [c.name for c in client.iter_connections(catalog)] == ["c"]
    assert [c.name for c in client.iter_connections(space)] == ["s"]


def test_name_lookups_see_flagged_connections_too(client, sales, emu, pg_source):
    """A personal-credentials connection is left out of plain listings; a lookup by name must still
    find it, or a create would add a second connection of that name."""
    hidden = emu.create_connection(
        "orders", "http", {"url": "https://a"}, project="sales", flags=["personal_credentials"]
    )
    assert [c.name for c in client.iter_connections(sales)] == []
    found = client.find_connection(sales, "orders")
    assert found is not None
    assert found.id == hidden


def test_both_secret_read_behaviours_and_both_refusal_statuses(make_client, pg_source):
    """Replies may carry secrets in clear (IBM's recorded replies do), omit them or show a placeholder:
    the client, the no-duplicate create and the sync planner handle all three."""
    from airflow_connections_provider.emulator import run_emulator
    from airflow_connections_provider.sync.fingerprints import MemoryStore
    from airflow_connections_provider.sync.runner import SyncRequest, run_sync

    refusal = 400  # IBM's OpenAPI document: a failed test is 400
    for secret_mode in ("clear", "omit", "placeholder"):
        with run_emulator(projects=["p"], secret_mode=secret_mode) as emu:
            client = make_client(handle=emu)
            scope = Scope.project(emu.project_id("p"))
            emu.script_fault("POST", "/v2/connections", status=502, when="after")
            conn = client.create_connection(
                scope, name="db", datasource_type="postgresql", properties=pg_properties(pg_source)
            )
            assert len(emu.stored_connections("p")) == 1  # the lookup adopted it despite the masked secret
            assert conn.properties.get("password") in (None, "********", pg_properties(pg_source)["password"])

            spec = [{"name": "db", "datasource_type": "postgresql", "properties": pg_properties(pg_source)}]
            store = MemoryStore()
            first = run_sync(client, scope, SyncRequest(spec=spec), store=store)
            second = run_sync(client, scope, SyncRequest(spec=spec), store=store)
            # Read back in clear and equal: nothing to send; otherwise never applied by this sync: sent once.
            assert first["updated"] == ({} if secret_mode == "clear" else {"db": ["properties.password"]})
            assert second["unchanged"] == ["db"]  # the placeholder is not mistaken for drift

            down = {**pg_properties(pg_source), "port": free_port()}
            with pytest.raises(ValidationRefusedError) as caught:
                client.update_connection(scope, conn.id, ConnectionChanges(set_properties=down))
            assert caught.value.status == refusal
