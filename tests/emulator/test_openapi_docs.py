"""The service's own OpenAPI documents, served at IBM's paths and read by real clients."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from .helpers import Api


def _resolve(document: dict[str, Any], ref: str) -> dict[str, Any]:
    assert ref.startswith("#/")
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part]
    assert isinstance(node, dict)
    return node


def _query_parameter_names(document: dict[str, Any], path: str) -> set[str]:
    names = set()
    for entry in document["paths"][path]["get"]["parameters"]:
        assert set(entry) == {"$ref"} and entry["$ref"].startswith("#/components/parameters/")
        parameter = _resolve(document, entry["$ref"])
        assert parameter["in"] in ("query", "path") and "schema" in parameter
        if parameter["in"] == "query":
            names.add(parameter["name"])
    return names


def test_connections_document_describes_list_parameters(api: Api) -> None:
    reply = api.get("/v2/connections/api/docs")
    assert reply.status_code == 200
    document = reply.json()
    assert document["openapi"].startswith("3.")
    assert {
        "entity.name",
        "entity.datasource_type",
        "entity.properties",
        "entity.flags",
        "limit",
        "start",
        "project_id",
    } <= (_query_parameter_names(document, "/v2/connections"))
    assert {"connection_properties", "offset", "limit"} <= _query_parameter_names(document, "/v2/datasource_types")


def test_projects_document_is_yaml_describing_list_parameters(api: Api) -> None:
    reply = api.get("/v2/projects/docs/schemas/v2-projects-api-openapi.yml")
    assert reply.status_code == 200
    document = yaml.safe_load(reply.text)
    assert document["openapi"].startswith("3.")
    assert {"name", "limit", "bookmark"} <= _query_parameter_names(document, "/v2/projects")


def test_documents_need_no_token(api: Api) -> None:
    anonymous = Api(api.base_url)
    assert anonymous.get("/v2/connections/api/docs").status_code == 200
    assert anonymous.get("/v2/projects/docs/schemas/v2-projects-api-openapi.yml").status_code == 200


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json"])
def test_fastapis_own_docs_are_disabled(api: Api, path: str) -> None:
    assert api.get(path).status_code == 404


@pytest.mark.parametrize(
    ("path", "prefixes"),
    [
        ("/v2/connections/api/docs", ("/v2/connections", "/v2/datasource_types")),
        ("/v2/projects/docs/schemas/v2-projects-api-openapi.yml", ("/v2/projects",)),
    ],
)
def test_a_document_lists_exactly_the_operations_served(api: Api, path: str, prefixes: tuple[str, ...]) -> None:
    from fastapi.routing import APIRoute

    from airflow_connections_provider.emulator import create_app

    reply = api.get(path)
    document = reply.json() if path.endswith("docs") else yaml.safe_load(reply.text)
    documented = {(method.upper(), p) for p, ops in document["paths"].items() for method in ops}
    served = {
        (method, route.path)
        for route in create_app().routes
        if isinstance(route, APIRoute) and route.path.startswith(prefixes) and "/docs" not in route.path
        for method in route.methods
    }
    assert documented == served
