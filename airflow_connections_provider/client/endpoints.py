"""IBM's endpoints as request builders: every request the client sends, as a :class:`RequestSpec`.

Pure functions, shared by the blocking and the async client, so the two can never disagree on a path,
a parameter or a body. Path segments are checked before a request exists: an id such as ``"."`` or
``""`` would otherwise address another resource (``DELETE /v2/connections/`` answers 307). Also here:
what a reply means where only the endpoint knows (a failed ``test`` action's output). Paging (``paging``)
and the flags (``models``) are importable from here too, where they used to live.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from airflow_connections_provider.client.errors import (
    ApiError,
    InvalidInputError,
    InvalidPropertiesError,
    ListingError,
    ValidationRefusedError,
)
from airflow_connections_provider.client.messages import Reply, RequestSpec
from airflow_connections_provider.client.models import KNOWN_FLAGS as KNOWN_FLAGS
from airflow_connections_provider.client.models import ConnectionChanges, Scope
from airflow_connections_provider.client.paging import MAX_LISTED_ITEMS as MAX_LISTED_ITEMS
from airflow_connections_provider.client.paging import PageCount as PageCount
from airflow_connections_provider.client.paging import next_page_param as next_page_param
from airflow_connections_provider.client.paging import page_budget as page_budget
from airflow_connections_provider.client.vault import VAULTED_PROPERTIES, as_reference, vaulted_list, wire_properties

CONNECTIONS = "/v2/connections"
DATASOURCE_TYPES = "/v2/datasource_types"
PROJECTS = "/v2/projects"
ASSET_TYPES = "/v2/asset_types"
JSON_PATCH = "application/json-patch+json;charset=utf-8"
DEFAULT_PAGE_SIZE = 100

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# The service's ids are UUIDs; any plain token is accepted (emulators and tests use short ones), but
# nothing that could change which resource a path names: no "", ".", "/", "?", "%", spaces.
_ID_TOKEN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$")


def looks_like_id(value: str) -> bool:
    """Is ``value`` shaped like the service's ids (UUIDs)?"""
    return bool(_UUID.match(value))


def checked_id(value: Any, what: str = "connection id") -> str:
    """``value`` when it is a usable id; :class:`InvalidInputError` naming the fix otherwise.

    The check runs before a request exists: ``"."`` once became ``DELETE /v2/connections/`` (a 307
    reported as "deleted").
    """
    if not isinstance(value, str):
        raise InvalidInputError(what, [f"the {what} must be a string, got {type(value).__name__}"])
    if not _ID_TOKEN.match(value.strip()):
        shown = repr(value) if len(value) <= 60 else f"{value[:57]!r}..."
        raise InvalidInputError(
            what, [f"{shown} is not a {what}: ids are UUIDs such as 99845973-050b-482b-b900-a13a75865258"]
        )
    return value.strip()


def _segment(value: Any, what: str) -> str:
    """A free-form path segment (a datasource type name or id): never empty, ``.`` or ``..``."""
    text = value.strip() if isinstance(value, str) else ""
    if text in ("", ".", ".."):
        raise InvalidInputError(what, [f"{value!r} is not a valid {what}"])
    return quote(text, safe="")


def _scope_query(scope: Any) -> dict[str, str]:
    """The scope's query parameter; a scope without an id would address no workspace at all."""
    if not isinstance(scope, Scope):
        raise InvalidInputError("scope", [f"expected a Scope (Scope.project(id), ...), got {type(scope).__name__}"])
    if not isinstance(scope.id, str) or not scope.id.strip():
        raise InvalidInputError("scope", [f"the {scope.kind} is empty; give the id of the project, catalog or space"])
    return scope.as_query()


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _write_query(scope: Scope, *, test: bool, skip_enforcement: bool) -> dict[str, str]:
    """The query of a create or an update. ``skip_enforcement=true`` only when asked: cpdctl's
    ``--skip-enforcement`` (create and update only) "disables the shared credentials and vault credentials
    enforcement guards"; the wire name is cpdctl's flag in the API's snake case (unverified)."""
    query = {**_scope_query(scope), "test": _bool(test)}
    if skip_enforcement:
        query["skip_enforcement"] = "true"
    return query


# -- connections --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConnectionFilter:
    """List filters, sent as the service's ``entity.*``/``metadata.*`` query parameters.

    ``name`` is an exact match (sent wrapped in double quotes); ``properties`` matches connections
    whose properties contain all the given pairs; ``flags`` adds the connections carrying those flags
    to a listing that otherwise shows only unflagged ones (:data:`KNOWN_FLAGS` shows every connection).
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


def service_version() -> RequestSpec:
    return RequestSpec("GET", f"{CONNECTIONS}/version")


def list_connections(
    scope: Scope, flt: ConnectionFilter, *, limit: int = DEFAULT_PAGE_SIZE, start: str | None = None
) -> RequestSpec:
    params = {**_scope_query(scope), **flt.as_query(), "limit": str(limit), "decrypt_secrets": "false"}
    if start:
        params["start"] = start
    return RequestSpec("GET", CONNECTIONS, params=params)


def get_connection(scope: Scope, connection_id: str) -> RequestSpec:
    return RequestSpec(
        "GET",
        f"{CONNECTIONS}/{checked_id(connection_id)}",
        params={**_scope_query(scope), "decrypt_secrets": "false"},
    )


def create_connection(
    scope: Scope,
    *,
    name: str,
    datasource_type_id: str,
    properties: Mapping[str, Any],
    description: str | None = None,
    flags: Sequence[str] | None = None,
    test: bool = True,
    skip_enforcement: bool = False,
) -> RequestSpec:
    """``properties`` may hold vault references: sent as their URNs, named in ``vaulted_properties``."""
    body: dict[str, Any] = {"name": name, "datasource_type": datasource_type_id}
    body["properties"] = wire_properties(properties)
    if description is not None:
        body["description"] = description
    if flags:
        body["flags"] = list(flags)
    return RequestSpec(
        "POST",
        CONNECTIONS,
        params=_write_query(scope, test=test, skip_enforcement=skip_enforcement),
        json_body=body,
        idempotent=False,
        validating=test,
        names_connection=True,
    )


def update_connection(
    scope: Scope,
    connection_id: str,
    patch: Sequence[Mapping[str, Any]],
    *,
    test: bool = True,
    skip_enforcement: bool = False,
) -> RequestSpec:
    """RFC 6902 ``patch``; the reply is the bare entity (no ``metadata``, so no id)."""
    return RequestSpec(
        "PATCH",
        f"{CONNECTIONS}/{checked_id(connection_id)}",
        params=_write_query(scope, test=test, skip_enforcement=skip_enforcement),
        json_body=list(patch),
        headers={"Content-Type": JSON_PATCH},
        validating=test,
        names_connection=any(op.get("path") == "/name" for op in patch),
    )


#: The actions this client runs: ``test`` "checks if a connection can be established to the data source",
#: ``validate`` "validates the connection properties without establishing a connection" (IBM's OpenAPI
#: document, ``performAction``). Neither is listed by ``GET …/actions``, yet both run for every type.
CHECK_ACTIONS = ("test", "validate")


def connection_action(scope: Scope, connection_id: str, action: str) -> RequestSpec:
    """``PUT …/actions/{action}`` with an empty configuration; a 400 of ``test`` may be a refused test."""
    return RequestSpec(
        "PUT",
        f"{CONNECTIONS}/{checked_id(connection_id)}/actions/{_segment(action, 'action name')}",
        params=_scope_query(scope),
        json_body={},
        validating=action == "test",
    )


def connection_test_action(scope: Scope, connection_id: str) -> RequestSpec:
    """The ``test`` action: the service connects to the data source with the stored settings."""
    return connection_action(scope, connection_id, "test")


def list_connection_actions(scope: Scope, connection_id: str) -> RequestSpec:
    """``GET …/actions``: the actions the connection's type lists (``{"actions": [...]}``)."""
    return RequestSpec("GET", f"{CONNECTIONS}/{checked_id(connection_id)}/actions", params=_scope_query(scope))


#: IBM codes with which a ``validate`` 400 says a stored property is wrong (rather than the request).
_PROPERTY_CODES = frozenset({"invalid_property", "missing_property", "unknown_property", "missing_required_property"})


def invalid_properties(exc: ApiError) -> InvalidPropertiesError | None:
    """The ``validate`` action's 400 about a stored property, as :class:`InvalidPropertiesError`; None when
    the error is about the request itself (a parameter, a header, the body) or is no 400."""
    about_property = exc.target_type == "field" or (exc.target_type is None and exc.code in _PROPERTY_CODES)
    if exc.status != 400 or not about_property:
        return None
    return InvalidPropertiesError(
        exc.status,
        exc.message,
        code=exc.code,
        trace=exc.trace,
        target=exc.target,
        target_type=exc.target_type,
        method=exc.method,
        path=exc.path,
    )


def delete_connection(scope: Scope, connection_id: str) -> RequestSpec:
    return RequestSpec("DELETE", f"{CONNECTIONS}/{checked_id(connection_id)}", params=_scope_query(scope))


_FAILED_WORDS = frozenset({"failed", "failure", "error", "fail"})


def failed_test_output(body: Any) -> str | None:
    """Why a 200 reply of the ``test`` action reports a failed test; None when it reports none.

    The action's output is free-form in IBM's OpenAPI document, so this reads the shapes a failure can
    take: a non-empty ``errors`` list, a ``status``/``result`` of failed/failure/error, or a false
    ``success``/``succeeded``. Only the service's own message is returned.
    """
    if not isinstance(body, Mapping):
        return None
    errors = body.get("errors")
    if isinstance(errors, list) and errors:
        first = errors[0]
        message = first.get("message") if isinstance(first, Mapping) else None
        return str(message or "the test action reported an error")
    for key in ("status", "result"):
        value = body.get(key)
        if isinstance(value, str) and value.strip().lower() in _FAILED_WORDS:
            return str(body.get("message") or f"the test action reported {key} {value!r}")
    for key in ("success", "succeeded"):
        if body.get(key) is False:
            return str(body.get("message") or f"the test action reported {key}=false")
    return None


def raise_for_failed_test(spec: RequestSpec, reply: Reply) -> None:
    """Raise when a 200 reply of the ``test`` action reports a failed test (:class:`ValidationRefusedError`),
    or of the ``validate`` action invalid properties (:class:`InvalidPropertiesError`)."""
    failure = failed_test_output(reply.body)
    if failure is not None:
        code = None
        errors = reply.body.get("errors") if isinstance(reply.body, Mapping) else None
        if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
            code = errors[0].get("code")
        error = ValidationRefusedError if spec.validating else InvalidPropertiesError
        raise error(
            reply.status,
            failure,
            code=str(code) if code else None,
            trace=reply.headers.get("x-global-transaction-id"),
            method=spec.method,
            path=spec.where,
        )


def json_pointer_token(key: str) -> str:
    """RFC 6901 escaping of one path segment (``~`` → ``~0``, ``/`` → ``~1``)."""
    return key.replace("~", "~0").replace("/", "~1")


def wire_changes(changes: ConnectionChanges, stored: Mapping[str, Any]) -> ConnectionChanges:
    """``changes`` as an update sends them to a connection holding ``stored`` properties: each vault
    reference as its URN, and ``vaulted_properties`` kept in step (a reference set adds its name, a plain
    value set or a removal drops it; an empty list is removed)."""
    listed_text = stored.get(VAULTED_PROPERTIES)
    listed = {n.strip() for n in listed_text.split(",") if n.strip()} if isinstance(listed_text, str) else set()
    references = {k: ref for k, v in changes.set_properties.items() if (ref := as_reference(v)) is not None}
    values = {k: (references[k].secret_urn if k in references else v) for k, v in changes.set_properties.items()}
    removals = list(changes.remove_properties)
    after = (listed | set(references)) - (set(changes.set_properties) - set(references)) - set(removals)
    if after != listed:
        if after:
            values[VAULTED_PROPERTIES] = vaulted_list(after)
        elif VAULTED_PROPERTIES in stored:
            removals.append(VAULTED_PROPERTIES)
    return ConnectionChanges(changes.name, changes.description, values, removals)


def build_patch(changes: ConnectionChanges) -> list[dict[str, Any]]:
    """RFC 6902 operations for ``changes``.

    ``add`` is used for every value that is set: RFC 6902 ``add`` replaces an existing member, so
    the patch is right whether or not the service shows the property (secrets may be hidden).
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


# -- asset search --------------------------------------------------------------------------------------

#: Results per page of IBM's asset search: its most and its default ("By default it will return upto 200",
#: OpenAPI ``searchNewAssetV2``).
SEARCH_PAGE_SIZE = 200


def search_assets(
    scope: Scope,
    asset_type: str,
    *,
    query: str = "*:*",
    include: str | None = None,
    limit: int = SEARCH_PAGE_SIZE,
) -> RequestSpec:
    """The first page of IBM's asset search, ``POST /v2/asset_types/{type}/search`` (OpenAPI
    ``searchNewAssetV2``, body ``Catalog_Search``). ``query`` is Lucene (``*:*`` = every asset of the
    type); ``include`` adds ``entity`` and, only together with it, ``attachments``. A search writes
    nothing, so it is retried like a read."""
    body: dict[str, Any] = {"query": query, "limit": limit}
    if include:
        body["include"] = include
    return _search(scope, asset_type, body)


def next_search_page(scope: Scope, asset_type: str, reply: Mapping[str, Any]) -> RequestSpec | None:
    """The request for the page after ``reply``; None on the last page (no ``next``).

    IBM: "resend the request with whatever is returned in ``next``": the reply's ``next`` (the request
    body again, with a ``bookmark``) is the next request's body, as IBM's watsonx.ai SDK posts it.
    """
    nxt = reply.get("next")
    if nxt is None:
        return None
    if not isinstance(nxt, Mapping) or not isinstance(nxt.get("bookmark"), str) or not nxt["bookmark"]:
        raise ListingError(
            f"the asset search of {asset_type} assets answered a 'next' without a bookmark, which names no "
            "page; stopped rather than guess. Try again later; if it persists, report it to IBM support"
        )
    return _search(scope, asset_type, dict(nxt))


def _search(scope: Scope, asset_type: str, body: Mapping[str, Any]) -> RequestSpec:
    path = f"{ASSET_TYPES}/{_segment(asset_type, 'asset type')}/search"
    return RequestSpec("POST", path, params=_scope_query(scope), json_body=dict(body))


# -- datasource types and projects ---------------------------------------------------------------------


def list_datasource_types(*, limit: int = DEFAULT_PAGE_SIZE, offset: int = 0) -> RequestSpec:
    return RequestSpec(
        "GET",
        DATASOURCE_TYPES,
        params={"connection_properties": "true", "limit": str(limit), "offset": str(offset)},
    )


def get_datasource_type(name_or_id: str) -> RequestSpec:
    segment = _segment(name_or_id, "datasource type")
    return RequestSpec("GET", f"{DATASOURCE_TYPES}/{segment}", params={"connection_properties": "true"})


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
    return RequestSpec("GET", f"{PROJECTS}/{checked_id(project_id, 'project id')}")
