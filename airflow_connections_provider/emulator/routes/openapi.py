"""The two OpenAPI 3 documents the service publishes, served at the service's own paths.

Hand-written for what the emulator serves, every path of it and nothing more (a test compares them
with the app's routes). Real clients read the list endpoints' query parameters from them at run
time, each given as `{"$ref": "#/components/parameters/<Name>"}`; that is the part that must be
exact. They need no token: they describe the API rather than expose data (documented choice).
"""

from __future__ import annotations

from typing import Any

import yaml
from fastapi import APIRouter
from fastapi.responses import Response

router = APIRouter()


def _param(
    name: str, schema_type: str, description: str, *, where: str = "query", required: bool = False
) -> dict[str, Any]:
    return {
        "name": name,
        "in": where,
        "required": required or where == "path",
        "description": description,
        "schema": {"type": schema_type},
    }


def _refs(*names: str) -> list[dict[str, str]]:
    return [{"$ref": f"#/components/parameters/{name}"} for name in names]


def _op(summary: str, params: list[dict[str, str]], ok: str, ok_status: str = "200") -> dict[str, Any]:
    return {
        "summary": summary,
        "parameters": params,
        "responses": {
            ok_status: {"description": ok},
            "default": {
                "description": "Error",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorContainer"}}},
            },
        },
    }


_ERROR_CONTAINER = {
    "type": "object",
    "properties": {
        "trace": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "more_info": {"type": "string"},
                    "target": {
                        "type": "object",
                        "properties": {"type": {"type": "string"}, "name": {"type": "string"}},
                    },
                },
            },
        },
    },
}

# The projects service's own error body (IBM's `HTTPErrorResponse`, as its examples give it; named
# ErrorContainer here so `_op` can refer to one schema name in both documents).
_HTTP_ERROR_RESPONSE = {
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "error": {"type": "string"},
        "message": {"type": "string"},
        "reason": {"type": "string"},
    },
}

_CONNECTION_PARAMETERS = {
    "ProjectId": _param("project_id", "string", "The project that holds the connection"),
    "CatalogId": _param("catalog_id", "string", "The catalog that holds the connection"),
    "SpaceId": _param("space_id", "string", "The deployment space that holds the connection"),
    "EntityName": _param("entity.name", "string", 'Name filter; wrap in double quotes ("...") for an exact match'),
    "EntityDatasourceType": _param("entity.datasource_type", "string", "Datasource type id filter"),
    "EntityProperties": _param("entity.properties", "string", "JSON object of property values to match"),
    "EntityContext": _param("entity.context", "string", "source and/or target"),
    "EntityFlags": _param(
        "entity.flags",
        "string",
        "Only connections with no flags are returned by default; a flag name (or +name) adds those"
        " carrying it, -name removes them; additions are done before removals",
    ),
    "MetadataCreator": _param("metadata.creator", "string", "Creator id filter"),
    "Sort": _param("sort", "string", "entity.name, metadata.create_time or entity.datasource_type; '-' reverses"),
    "DecryptSecrets": _param("decrypt_secrets", "boolean", "Accepted and ignored (shared secrets are returned)"),
    "Limit": _param("limit", "integer", "Page size"),
    "Start": _param("start", "string", "Opaque token naming the next page (from next.href)"),
    "Test": _param("test", "boolean", "Test the connection before saving it (default true)"),
    "SkipEnforcement": _param(
        "skip_enforcement",
        "boolean",
        "Disable the shared-credentials and vaulted-credentials guards for this create or update",
    ),
    "ConnectionId": _param("connection_id", "string", "The connection's asset id", where="path"),
    "ActionName": _param("action_name", "string", "The action to run", where="path"),
    "DatasourceTypeId": _param("datasource_type", "string", "A datasource type id or name", where="path"),
    "Offset": _param("offset", "integer", "Index of the first item to return"),
    "ConnectionProperties": _param("connection_properties", "boolean", "Include the connection properties"),
    "Actions": _param("actions", "boolean", "Whether to return information about supported actions"),
}
_SCOPE = ("ProjectId", "CatalogId", "SpaceId")


def connections_document() -> dict[str, Any]:
    list_params = _refs(
        *_SCOPE,
        "EntityName",
        "EntityDatasourceType",
        "EntityProperties",
        "EntityContext",
        "EntityFlags",
        "MetadataCreator",
        "Sort",
        "DecryptSecrets",
        "Limit",
        "Start",
    )
    one = _refs("ConnectionId", *_SCOPE)
    return {
        "openapi": "3.0.3",
        "info": {"title": "Connections", "version": "1.0.0", "description": "Data and AI Common Core connections"},
        "paths": {
            "/v2/connections/version": {"get": _op("Get the service version", [], "Service version")},
            "/v2/connections": {
                "get": _op("List connections", list_params, "A page of connections"),
                "post": _op(
                    "Create a connection", _refs(*_SCOPE, "Test", "SkipEnforcement"), "The created connection", "201"
                ),
            },
            "/v2/connections/{connection_id}": {
                "get": _op("Get a connection", [*one, *_refs("DecryptSecrets")], "The connection"),
                "patch": _op(
                    "Update a connection (JSON Patch)",
                    [*one, *_refs("Test", "SkipEnforcement")],
                    "The updated connection entity",
                ),
                "delete": _op("Delete a connection", one, "Deleted", "204"),
            },
            "/v2/connections/{connection_id}/actions": {"get": _op("List actions", one, "The actions")},
            "/v2/connections/{connection_id}/actions/{action_name}": {
                "put": _op("Run an action", [*one, *_refs("ActionName")], "Any output produced by the action")
            },
            "/v2/datasource_types": {
                "get": _op(
                    "List datasource types", _refs("ConnectionProperties", "Actions", "Offset", "Limit"), "Types"
                )
            },
            "/v2/datasource_types/{datasource_type}": {
                "get": _op(
                    "Get a datasource type", _refs("DatasourceTypeId", "ConnectionProperties", "Actions"), "The type"
                )
            },
        },
        "components": {"parameters": _CONNECTION_PARAMETERS, "schemas": {"ErrorContainer": _ERROR_CONTAINER}},
    }


def projects_document() -> dict[str, Any]:
    parameters = {
        "Name": _param("name", "string", "Project name filter (partial, case-insensitive match)"),
        "Limit": _param("limit", "integer", "Page size"),
        "Bookmark": _param("bookmark", "string", "Opaque token naming the next page"),
        "Include": _param("include", "string", "Extra detail (name, fields, members, tags, settings)"),
        "ProjectId": _param("project_id", "string", "The project's guid", where="path"),
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "Projects", "version": "2.0.0", "description": "Data and AI Common Core projects"},
        "paths": {
            "/v2/projects": {"get": _op("List projects", _refs("Name", "Limit", "Bookmark", "Include"), "Projects")},
            "/v2/projects/{project_id}": {"get": _op("Get a project", _refs("ProjectId"), "The project")},
        },
        "components": {"parameters": parameters, "schemas": {"ErrorContainer": _HTTP_ERROR_RESPONSE}},
    }


def projects_document_yaml() -> str:
    return yaml.safe_dump(projects_document(), sort_keys=False)


@router.get("/v2/connections/api/docs")
async def connections_api_docs() -> dict[str, Any]:
    return connections_document()


@router.get("/v2/projects/docs/schemas/v2-projects-api-openapi.yml")
async def projects_api_docs() -> Response:
    return Response(projects_document_yaml(), media_type="application/yaml")
