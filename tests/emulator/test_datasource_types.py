"""`/v2/datasource_types`: the catalogue with the reference's real ids, and offset paging."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from .helpers import Api, assert_error

# The reference table: name -> (type id, connection properties, secret ones).
REFERENCE = {
    "http": ("4210c294-8b0f-46b4-bcdc-1c6ada2b7e6b", {"url", "ssl_certificate"}, set()),
    "postgresql": (
        "e1c23729-99d8-4407-b3df-336e33ffdc82",
        {"host", "port", "database", "username", "password", "ssl", "ssl_certificate"},
        {"password"},
    ),
    "db2": (
        "8c1a4480-1c29-4b33-9086-9cb799d7b157",
        {"host", "port", "database", "username", "password", "ssl"},
        {"password"},
    ),
    "mysql": (
        "b2cc3dc2-aff7-4a80-8f80-5e8c5703e9d2",
        {"host", "port", "database", "username", "password", "ssl"},
        {"password"},
    ),
    "oracle": (
        "971223d3-093e-4957-8af9-a83181ee9dd9",
        {"host", "port", "service_name", "username", "password"},
        {"password"},
    ),
    "sqlserver": (
        "48695e79-6279-474a-b539-342625d3dfc2",
        {"host", "port", "database", "username", "password"},
        {"password"},
    ),
    "mongodb": (
        "c6fb9293-51eb-4f2b-b20c-4dafa3136744",
        {"host", "port", "database", "username", "password"},
        {"password"},
    ),
    "ftp": ("d5dbc62f-7c4c-4d49-8eb2-dab6cef2969c", {"host", "port", "username", "password"}, {"password"}),
    "cloudobjectstorage": (
        "193a97c1-4475-4a19-b90c-295c4fdc6517",
        {"url", "bucket", "auth_method", "api_key", "access_key", "secret_key", "resource_instance_id"},
        {"api_key", "access_key", "secret_key"},
    ),
}
REQUIRED = {
    "http": {"url"},
    "postgresql": {"host", "port", "database", "username", "password"},
    "oracle": {"host", "port", "service_name", "username", "password"},
    "ftp": {"host", "username", "password"},
    "cloudobjectstorage": {"url"},
}
DESCRIPTOR_KEYS = {"name", "type", "label", "description", "required", "masked", "hidden", "group"}


def test_list_has_every_reference_type_with_its_real_id(api: Api) -> None:
    body = api.get("/v2/datasource_types", params={"connection_properties": "true"}).json()
    by_name = {t["entity"]["name"]: t for t in body["resources"]}
    assert body["total_count"] == len(body["resources"]) >= len(REFERENCE)
    for name, (type_id, properties, secrets) in REFERENCE.items():
        dtype = by_name[name]
        assert dtype["metadata"]["asset_id"] == type_id
        descriptors = {p["name"]: p for p in dtype["entity"]["properties"]["connection"]}
        assert set(descriptors) == properties
        assert {n for n, p in descriptors.items() if p["masked"]} == secrets
        for descriptor in descriptors.values():
            assert set(descriptor) >= DESCRIPTOR_KEYS
            assert descriptor["type"] in ("string", "integer", "boolean", "enum")
        if name in REQUIRED:
            assert {n for n, p in descriptors.items() if p["required"]} == REQUIRED[name]


def test_type_entity_shape(api: Api) -> None:
    dtype = api.get("/v2/datasource_types/postgresql", params={"connection_properties": "true"}).json()
    entity = dtype["entity"]
    assert {
        "name",
        "label",
        "description",
        "status",
        "allowed_as_source",
        "allowed_as_target",
        "actions",
        "properties",
    } <= set(entity)
    assert {"connection", "source", "target", "filter"} == set(entity["properties"])
    port = next(p for p in entity["properties"]["connection"] if p["name"] == "port")
    assert port["type"] == "integer" and port["default_value"] == "5432"


def test_enum_descriptor_lists_its_values(api: Api) -> None:
    dtype = api.get("/v2/datasource_types/cloudobjectstorage", params={"connection_properties": "true"}).json()
    auth = next(p for p in dtype["entity"]["properties"]["connection"] if p["name"] == "auth_method")
    assert auth["type"] == "enum"
    assert {v["value"] for v in auth["values"]} == {"accesskey_secretkey", "apikey", "resource_instance_id_apikey"}


@pytest.mark.parametrize("flag", [None, "false", "False"])
def test_connection_properties_are_omitted_unless_asked(api: Api, flag: str | None) -> None:
    params = {} if flag is None else {"connection_properties": flag}
    for dtype in api.get("/v2/datasource_types", params=params).json()["resources"]:
        assert "connection" not in dtype["entity"]["properties"]
    assert "connection" not in api.get("/v2/datasource_types/http", params=params).json()["entity"]["properties"]


def test_offset_paging_walks_the_catalogue(api: Api) -> None:
    everything = [t["metadata"]["asset_id"] for t in api.get("/v2/datasource_types").json()["resources"]]
    seen: list[str] = []
    href: str | None = "/v2/datasource_types?limit=4&name=&connection_properties=True"
    while href:
        body = api.get(href).json()
        assert body["total_count"] == len(everything)
        seen.extend(t["metadata"]["asset_id"] for t in body["resources"])
        href = body.get("next", {}).get("href")
        if href:
            assert parse_qs(urlsplit(href).query)["offset"]
    assert seen == everything


@pytest.mark.parametrize("ref", ["http", "HTTP", "4210c294-8b0f-46b4-bcdc-1c6ada2b7e6b"])
def test_get_by_id_or_name(api: Api, ref: str) -> None:
    assert api.get(f"/v2/datasource_types/{ref}").json()["metadata"]["asset_id"] == REFERENCE["http"][0]


def test_unknown_type_is_404(api: Api) -> None:
    assert_error(api.get("/v2/datasource_types/nosuch"), 404, "not_found")


def test_bad_offset_is_400(api: Api) -> None:
    assert_error(api.get("/v2/datasource_types", params={"offset": "-1"}), 400, "invalid_parameter", target="offset")
