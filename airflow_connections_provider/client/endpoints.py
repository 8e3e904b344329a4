"""IBM's endpoints as request builders: every request the client sends, as a :class:`RequestSpec`.

Pure functions, shared by the blocking and the async client, so the two can never disagree on a path,
a parameter or a body. Path segments are checked before a request exists: an id such as ``"."`` or
``""`` would otherwise address another resource (``DELETE /v2/connections/`` answers 307). Also here:
what a reply means where only the endpoint knows (a failed ``test`` action's output, paging).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from airflow_connections_provider.client.errors import (
    InvalidInputError,
    ListingError,
    ValidationRefusedError,
)
from airflow_connections_provider.client.messages import Reply, RequestSpec
from airflow_connections_provider.client.models import ConnectionChanges, Scope

CONNECTIONS = "/v2/connections"
DATASOURCE_TYPES = "/v2/datasource_types"
PROJECTS = "/v2/projects"
JSON_PATCH = "application/json-patch+json;charset=utf-8"
DEFAULT_PAGE_SIZE = 100

#: Every connection flag IBM's sources name. A list shows only connections with *no* flag unless the
#: ``entity.flags`` filter names a flag (``x`` or ``+x`` adds those that carry it, ``-x`` removes them,
#: additions first). Lookups that must see every connection of a name send all of them.
KNOWN_FLAGS = ("parameterized", "personal_credentials", "restricted", "internal_use_only")

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
    test: bool = True,
) -> RequestSpec:
    body: dict[str, Any] = {"name": name, "datasource_type": datasource_type_id, "properties": dict(properties)}
    if description is not None:
        body["description"] = description
    return RequestSpec(
        "POST",
        CONNECTIONS,
        params={**_scope_query(scope), "test": _bool(test)},
        json_body=body,
        idempotent=False,
        validating=test,
        names_connection=True,
    )


def update_connection(
    scope: Scope, connection_id: str, patch: Sequence[Mapping[str, Any]], *, test: bool = True
) -> RequestSpec:
    """RFC 6902 ``patch``; the reply is the bare entity (no ``metadata``, so no id)."""
    return RequestSpec(
        "PATCH",
        f"{CONNECTIONS}/{checked_id(connection_id)}",
        params={**_scope_query(scope), "test": _bool(test)},
        json_body=list(patch),
        headers={"Content-Type": JSON_PATCH},
        validating=test,
        names_connection=any(op.get("path") == "/name" for op in patch),
    )


def connection_test_action(scope: Scope, connection_id: str) -> RequestSpec:
    """The ``test`` action: the service connects to the data source with the stored settings."""
    return RequestSpec(
        "PUT",
        f"{CONNECTIONS}/{checked_id(connection_id)}/actions/test",
        params=_scope_query(scope),
        json_body={},
        validating=True,
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
    """Raise :class:`ValidationRefusedError` when a 200 ``test`` action reply reports a failed test."""
    failure = failed_test_output(reply.body)
    if failure is not None:
        code = None
        errors = reply.body.get("errors") if isinstance(reply.body, Mapping) else None
        if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
            code = errors[0].get("code")
        raise ValidationRefusedError(
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


#: The most items one scope can be expected to hold when a listing does not say how many it has: far
#: above any project's connections (a sync of 100,000 was measured) and IBM's few hundred datasource types.
MAX_LISTED_ITEMS = 1_000_000


def page_budget(total_count: Any, page_size: int) -> int:
    """How many pages a listing may take before it is a service fault (fresh ``next`` tokens with empty
    pages, served forever). The service says how many items it holds (``total_count``): their pages, plus
    a margin for items created while the listing runs; without a count, :data:`MAX_LISTED_ITEMS`."""
    size = max(int(page_size), 1)
    if isinstance(total_count, int) and not isinstance(total_count, bool) and 0 <= total_count <= MAX_LISTED_ITEMS:
        pages = -(-total_count // size)
        return pages + max(10, pages // 10)
    return -(-MAX_LISTED_ITEMS // size) + 10


class PageCount:
    """Counts the pages of one listing against :func:`page_budget`: a service serving fresh ``next``
    tokens with empty pages must not keep a task listing forever."""

    __slots__ = ("_budget", "_page_size", "_what", "count")

    def __init__(self, what: str, page_size: int) -> None:
        self._what = what
        self._page_size = page_size
        self._budget: int | None = None
        self.count = 0

    def turn(self, body: Mapping[str, Any]) -> None:
        """One more page follows ``body`` (the first page's ``total_count`` sets the budget)."""
        self.count += 1
        if self._budget is None:
            self._budget = page_budget(body.get("total_count"), self._page_size)
        if self.count >= self._budget:
            total = body.get("total_count")
            said = f"the service reported {total} in all" if isinstance(total, int) else "the service gave no count"
            raise ListingError(
                f"the listing of {self._what} went on past {self.count} pages of {self._page_size} ({said}): "
                "the service keeps naming new pages, a fault on its side; stopped rather than list forever. "
                "Try again later; if it persists, report it to IBM support"
            )


def next_page_param(body: Mapping[str, Any], param: str) -> str | None:
    """The value of ``param`` inside the reply's ``next.href``; None on the last page.

    The service names the next page by a token inside that link, an absolute URL that may name the
    service's internal host: only its query is read, the client keeps its own base URL.
    """
    nxt = body.get("next")
    href = nxt.get("href") if isinstance(nxt, Mapping) else None
    if not href:
        return None
    values = parse_qs(urlsplit(str(href)).query).get(param)
    return values[0] if values else None
