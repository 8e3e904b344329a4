"""`/v2/datasource_types`: the catalogue with IBM's ids, names and values, conditions, offset paging."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from .helpers import Api, assert_error

# IBM's ids and names (IBM's SDK and recorded replies) -> (entity.type, properties the reference names,
# the secret ones among them).
REFERENCE = {
    "http": ("4210c294-8b0f-46b4-bcdc-1c6ada2b7e6b", "file", {"url", "ssl_certificate"}, set()),
    "postgresql": (
        "e1c23729-99d8-4407-b3df-336e33ffdc82",
        "database",
        {"host", "port", "database", "username", "password", "ssl", "ssl_certificate"},
        {"password"},
    ),
    "db2": (
        "8c1a4480-1c29-4b33-9086-9cb799d7b157",
        "database",
        {"host", "port", "database", "username", "password", "ssl"},
        {"password"},
    ),
    "mysql": (
        "b2cc3dc2-aff7-4a80-8f80-5e8c5703e9d2",
        "database",
        {"host", "port", "database", "username", "password", "ssl"},
        {"password"},
    ),
    "oracle": (
        "971223d3-093e-4957-8af9-a83181ee9dd9",
        "database",
        {"host", "port", "service_name", "username", "password"},
        {"password"},
    ),
    "sqlserver": (
        "48695e79-6279-474a-b539-342625d3dfc2",
        "database",
        {"host", "port", "database", "username", "password"},
        {"password"},
    ),
    "mongodb": (
        "c6fb9293-51eb-4f2b-b20c-4dafa3136744",
        "database",
        {"host", "port", "database", "username", "password"},
        {"password"},
    ),
    "ftp": ("d5dbc62f-7c4c-4d49-8eb2-dab6cef2969c", "file", {"host", "port", "username", "password"}, {"password"}),
    "cloudobjectstorage": (
        "4bf2dedd-3809-4443-96ec-b7bc5726c07b",
        "file",
        {
            "url",
            "bucket",
            "region",
            "auth_method",
            "api_key",
            "access_key",
            "secret_key",
            "resource_instance_id",
            "iam_url",
        },
        {"api_key", "secret_key"},
    ),
    "bluemixcloudobjectstorage": (
        "193a97c1-4475-4a19-b90c-295c4fdc6517",
        "file",
        {
            "url",
            "bucket",
            "api_key",
            "resource_instance_id",
            "access_key",
            "secret_key",
            "defer_credentials",
            "region",
            "iam_url",
        },
        {"api_key", "secret_key"},
    ),
    "bigquery": (
        "933152db-99e1-453a-8ce5-ae0e6714d1a9",
        "database",
        {"auth_method", "credentials", "project_id", "client_id", "client_secret", "refresh_token"},
        {"credentials", "client_secret", "refresh_token"},
    ),
    "snowflake": (
        "2fc1372f-b58c-4d45-b0c4-dfb32a1c78a5",
        "database",
        {"account_name", "database", "warehouse", "username", "password", "private_key"},
        {"password", "private_key"},
    ),
}
DESCRIPTOR_KEYS = {"name", "type", "label", "description", "required", "masked", "hidden", "readonly", "multiline"}


def _types(api: Api) -> dict[str, dict]:
    body = api.get("/v2/datasource_types", params={"connection_properties": "true"}).json()
    assert body["total_count"] == len(body["resources"])
    return {t["entity"]["name"]: t for t in body["resources"]}


def _descriptors(dtype: dict) -> dict[str, dict]:
    return {p["name"]: p for p in dtype["entity"]["properties"]["connection"]}


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_each_type_has_ibms_id_name_kind_and_properties(api: Api, name: str) -> None:
    type_id, kind, properties, secrets = REFERENCE[name]
    dtype = _types(api)[name]
    assert dtype["metadata"] == {"asset_id": type_id, "asset_type": "datasource_type", "creator_id": "IBM"}
    assert dtype["entity"]["type"] == kind
    descriptors = _descriptors(dtype)
    assert properties <= set(descriptors)
    assert {n for n in properties if descriptors[n]["masked"]} == secrets
    for descriptor in descriptors.values():
        assert set(descriptor) >= DESCRIPTOR_KEYS, descriptor
        assert descriptor["type"] in ("string", "integer", "boolean", "enum")
        assert descriptor["label"] and descriptor["description"]


def test_the_catalogue_holds_only_ibms_types(api: Api) -> None:
    assert set(_types(api)) == set(REFERENCE)


def test_access_key_is_not_secret(api: Api) -> None:
    """IBM's recorded COS type: `access_key` is an identifier, not `masked`."""
    for name in ("cloudobjectstorage", "bluemixcloudobjectstorage"):
        assert _descriptors(_types(api)[name])["access_key"]["masked"] is False


def test_type_entity_shape(api: Api) -> None:
    dtype = api.get("/v2/datasource_types/postgresql", params={"connection_properties": "true"}).json()
    entity = dtype["entity"]
    assert {
        "name",
        "label",
        "description",
        "type",
        "status",
        "allowed_as_source",
        "allowed_as_target",
        "actions",
        "properties",
    } <= set(entity)
    assert {"connection", "source", "target", "filter", "conditions"} == set(entity["properties"])
    port = next(p for p in entity["properties"]["connection"] if p["name"] == "port")
    assert port["type"] == "integer" and port["default_value"] == "5432"
    # Actions only on request (`actions=true`, default false in IBM's OpenAPI document).
    assert entity["actions"] == []


@pytest.mark.parametrize(
    ("type_name", "values"),
    [
        (
            "cloudobjectstorage",
            {"accesskey_secretkey", "instanceid_apikey", "instanceid_apikey_accesskey_secretkey", "credentials"},
        ),
        (
            "bigquery",
            {
                "credentials",
                "credentials_oauth2",
                "workload_identity_federation_token",
                "workload_identity_federation_token_url",
            },
        ),
        ("snowflake", {"key_pair", "username_password"}),
        ("ftp", {"username_password", "username_password_key", "username_key"}),
    ],
)
def test_auth_method_enums_carry_ibms_values(api: Api, type_name: str, values: set[str]) -> None:
    auth = _descriptors(_types(api)[type_name])["auth_method"]
    assert auth["type"] == "enum" and {v["value"] for v in auth["values"]} == values


def test_bluemix_cos_carries_ibms_recorded_conditions(api: Api) -> None:
    not_deferred = {"property_name": "defer_credentials", "condition": "not_equals", "values": ["yes"]}
    dtype = api.get("/v2/datasource_types/bluemixcloudobjectstorage", params={"connection_properties": "true"}).json()
    assert dtype["entity"]["properties"]["conditions"]["connection"] == [
        {"property_name": "resource_instance_id", "conditions": [not_deferred], "all_conditions_required": False},
        {"property_name": "api_key", "conditions": [not_deferred], "all_conditions_required": False},
        {"property_name": "access_key", "conditions": [not_deferred], "all_conditions_required": False},
        {
            "property_name": "secret_key",
            "conditions": [not_deferred, {"property_name": "access_key", "condition": "set"}],
            "all_conditions_required": True,
        },
    ]
    descriptors = _descriptors(dtype)
    assert {n for n, p in descriptors.items() if p["required"]} == {"api_key", "resource_instance_id", "url"}
    # IBM's recorded hidden properties, and the `vaulted_properties` every type takes (IBM's SDK models).
    assert {n for n, p in descriptors.items() if p["hidden"]} == {
        "vaulted_properties",
        "auto_discovery",
        "defer_credentials",
        "iam_url",
        "region",
    }


def test_cos_credentials_follow_the_auth_method(api: Api) -> None:
    conditions = _types(api)["cloudobjectstorage"]["entity"]["properties"]["conditions"]["connection"]
    by_property = {c["property_name"]: c for c in conditions}
    assert set(by_property) == {"api_key", "resource_instance_id", "access_key", "secret_key", "credentials"}
    for rule in by_property.values():
        assert rule["all_conditions_required"] is True
        kinds = {c["condition"] for c in rule["conditions"]}
        assert kinds <= {"not_equals", "in", "equals"}


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
        body = api.get(href.removeprefix(api.base_url)).json()
        assert body["total_count"] == len(everything)
        seen.extend(t["metadata"]["asset_id"] for t in body["resources"])
        href = body.get("next", {}).get("href")
        if href:
            # Absolute, as the service sends it (IBM's watsonx.ai SDK follows it as it is).
            assert href.startswith(api.base_url + "/v2/datasource_types?")
            assert parse_qs(urlsplit(href).query)["offset"]
    assert seen == everything


@pytest.mark.parametrize("ref", ["http", "HTTP", "4210c294-8b0f-46b4-bcdc-1c6ada2b7e6b"])
def test_get_by_id_or_name(api: Api, ref: str) -> None:
    assert api.get(f"/v2/datasource_types/{ref}").json()["metadata"]["asset_id"] == REFERENCE["http"][0]


def test_bigquery_is_found_by_name_as_ibms_watsonx_ai_sdk_looks_it_up(api: Api) -> None:
    dtype = api.get("/v2/datasource_types/bigquery", params={"connection_properties": "false"}).json()
    assert dtype["metadata"]["asset_id"] == REFERENCE["bigquery"][0] and dtype["entity"]["status"] == "active"


def test_unknown_type_is_404(api: Api) -> None:
    assert_error(api.get("/v2/datasource_types/nosuch"), 404, "not_found")


def test_bad_offset_is_400(api: Api) -> None:
    reply = api.get("/v2/datasource_types", params={"offset": "-1"})
    assert_error(reply, 400, "invalid_parameter", target="offset", target_type="parameter")
