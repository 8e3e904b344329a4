"""Pure builders for every API request the client makes, and the few reply readers they need.

Both HTTP shells send exactly these :class:`RequestSpec` objects, so the sync client and the async
trigger can never disagree on a path, a parameter or a body.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from airflow_connections_provider.client.models import ConnectionChanges, Scope
from airflow_connections_provider.client.wire import RequestSpec

CONNECTIONS = "/v2/connections"
DATASOURCE_TYPES = "/v2/datasource_types"
PROJECTS = "/v2/projects"
JSON_PATCH = "application/json-patch+json;charset=utf-8"
DEFAULT_PAGE_SIZE = 100


def _seg(value: str) -> str:
    return quote(value, safe="")


def _bool(value: bool) -> str:
    return "true" if value else "false"


@dataclass(frozen=True, slots=True)
class ConnectionFilter:
    """List filters, sent as the service's ``entity.*``/``metadata.*`` query parameters.

    ``name`` is an exact match (sent wrapped in double quotes); ``properties`` matches connections
    whose properties contain all the given pairs; ``flags`` *widens* the result to parameterized or
    personal-credential connections as the service defines it.
    """

    name: str | None = None
    datasource_type: str | None = None
    properties: Mapping[str, Any] | None = field(default=None, repr=False)
    context: str | None = None
    flags: Sequence[str] = ()
    creator: str | None = None
    sort: str | None = None

    def as_query(self) -> dict[str, str]:
        query: dict[str, str] = {}
        if self.name is not None:
            query["entity.name"] = f'"{self.name}"'
        if self.datasource_type:
            query["entity.datasource_type"] = self.datasource_type
        if self.properties:
            query["entity.properties"] = json.dumps(dict(self.properties), sort_keys=True)
        if self.context:
            query["entity.context"] = self.context
        if self.flags:
            query["entity.flags"] = ",".join(self.flags)
        if self.creator:
            query["metadata.creator"] = self.creator
        if self.sort:
            query["sort"] = self.sort
        return query


# -- connections --------------------------------------------------------------------------------


def service_version() -> RequestSpec:
    return RequestSpec("GET", f"{CONNECTIONS}/version")


def list_connections(
    scope: Scope, flt: ConnectionFilter, *, limit: int = DEFAULT_PAGE_SIZE, start: str | None = None
) -> RequestSpec:
    params = {**scope.as_query(), **flt.as_query(), "limit": str(limit), "decrypt_secrets": "false"}
    if start:
        params["start"] = start
    return RequestSpec("GET", CONNECTIONS, params=params)


def get_connection(scope: Scope, connection_id: str) -> RequestSpec:
    return RequestSpec(
        "GET",
        f"{CONNECTIONS}/{_seg(connection_id)}",
        params={**scope.as_query(), "decrypt_secrets": "false"},
    )


def create_connection(
    scope: Scope,
    *,
    name: str,
    datasource_type_id: str,
    properties: Mapping[str, Any],
    description: str | None = None,
    test: bool = True,
) -> RequestSpec:
    body: dict[str, Any] = {
        "name": name,
        "datasource_type": datasource_type_id,
        "properties": dict(properties),
    }
    if description is not None:
        body["description"] = description
    return RequestSpec(
        "POST",
        CONNECTIONS,
        params={**scope.as_query(), "test": _bool(test)},
        json_body=body,
        idempotent=False,
        validating=test,
    )


def update_connection(
    scope: Scope, connection_id: str, patch: Sequence[Mapping[str, Any]], *, test: bool = True
) -> RequestSpec:
    return RequestSpec(
        "PATCH",
        f"{CONNECTIONS}/{_seg(connection_id)}",
        params={**scope.as_query(), "test": _bool(test)},
        json_body=list(patch),
        headers={"Content-Type": JSON_PATCH},
        validating=test,
    )


def validate_connection(scope: Scope, connection_id: str) -> RequestSpec:
    """An empty JSON Patch with ``test=true``: the service re-tests the stored connection, changes nothing."""
    return update_connection(scope, connection_id, [], test=True)


def delete_connection(scope: Scope, connection_id: str) -> RequestSpec:
    return RequestSpec("DELETE", f"{CONNECTIONS}/{_seg(connection_id)}", params=scope.as_query())


def json_pointer_token(key: str) -> str:
    """RFC 6901 escaping of one path segment (``~`` → ``~0``, ``/`` → ``~1``)."""
    return key.replace("~", "~0").replace("/", "~1")


def build_patch(changes: ConnectionChanges) -> list[dict[str, Any]]:
    """RFC 6902 operations for ``changes``.

    ``add`` is used for every value that is set: RFC 6902 ``add`` replaces an existing member, so
    the patch is right whether or not the service shows the property (secrets are never shown).
    """
    ops: list[dict[str, Any]] = []
    if changes.name is not None:
        ops.append({"op": "add", "path": "/name", "value": changes.name})
    if changes.description is not None:
        ops.append({"op": "add", "path": "/description", "value": changes.description})
    for key, value in changes.set_properties.items():
        ops.append({"op": "add", "path": f"/properties/{json_pointer_token(key)}", "value": value})
    for key in changes.remove_properties:
        ops.append({"op": "remove", "path": f"/properties/{json_pointer_token(key)}"})
    return ops


# -- datasource types ---------------------------------------------------------------------------


def list_datasource_types(*, limit: int = DEFAULT_PAGE_SIZE, offset: int = 0) -> RequestSpec:
    return RequestSpec(
        "GET",
        DATASOURCE_TYPES,
        params={"connection_properties": "true", "limit": str(limit), "offset": str(offset)},
    )


def get_datasource_type(name_or_id: str) -> RequestSpec:
    return RequestSpec("GET", f"{DATASOURCE_TYPES}/{_seg(name_or_id)}", params={"connection_properties": "true"})


# -- projects -----------------------------------------------------------------------------------


def list_projects(
    *, name: str | None = None, limit: int = DEFAULT_PAGE_SIZE, bookmark: str | None = None
) -> RequestSpec:
    params = {"limit": str(limit)}
    if name:
        params["name"] = name
    if bookmark:
        params["bookmark"] = bookmark
    return RequestSpec("GET", PROJECTS, params=params)


def get_project(project_id: str) -> RequestSpec:
    return RequestSpec("GET", f"{PROJECTS}/{_seg(project_id)}")


# -- paging -------------------------------------------------------------------------------------


def next_page_param(body: Mapping[str, Any], param: str) -> str | None:
    """The value of ``param`` inside the reply's ``next.href``; None on the last page.

    The service names the next page by a token inside that link: follow it, never compute offsets.
    """
    nxt = body.get("next")
    href = nxt.get("href") if isinstance(nxt, Mapping) else None
    if not href:
        return None
    values = parse_qs(urlsplit(str(href)).query).get(param)
    return values[0] if values else None
