"""Replies shaped exactly as IBM's real connections service sends them: one source for the client's
contract tests and the emulator's own tests, so the two cannot drift apart again.

Every builder returns a fresh :class:`RealReply` (status, JSON body or None, headers), so a test may
change what it gets. Where each shape comes from, cited per builder with these marks:

- **[R]** IBM's replies recorded from a real Cloud Pak for Data cluster, published in the public
  repository ``IBM/watson-data-api-clients`` (``java/src/test/resources/connections/{create,list,
  update}/response.json``, ``datasourceTypes/get/response.json``,
  ``authorization/getTokenCP4D/response.json``). Keys, nesting and value types are theirs; ids and
  values are ours (the type of connection is PostgreSQL so that our catalogue knows it).
- **[O]** IBM's OpenAPI document for the API (same repository, ``java/api/openapi.yaml``) and the client
  generated from it (``ConnectionsApiV2``): which statuses an operation answers and which schema each
  carries — create 201/400 "the connection test failed"/409 "a connection with the same name already
  exists"; update 200 ``ConnectionEntity`` (the bare entity) or 400 "the connection test failed";
  ``PUT …/actions/{action_name}`` 200 "any output produced by the action" (a free-form object) or 400
  "the perform action request is invalid"; ``GET /v2/projects`` 204 when nothing matches.
- **[H]** IBM Cloud's API Handbook, which IBM's services follow for errors: the error container
  ``{"trace", "errors": [{"code", "message", "more_info", "target": {"type", "name"}}]}`` where
  ``target.type`` is ``field`` (a body field), ``parameter`` (a query or path parameter) or ``header``.
- **[D]** IBM's documentation of its token endpoints (IAM; the AWS deployment's MCSP API-key exchange).
- **[U]** Unverified: no public source pins the detail down; the value here is our choice, and code must
  not depend on more than the rule written next to it.

Secrets in clear: IBM's recorded create, list and update replies all carry the connection's password in
clear ([R]); so do these (:data:`CLEAR_PASSWORD`), which lets a test prove the value never reaches a
repr, a log line or an exception.

The 400 rule (how a client tells a refused test from a rejected request), used by the client in
``client/errors.py`` (``refusal_kind``) and to be followed by the emulator: a 400 whose first error has a
``target`` of type ``parameter`` or ``header``, or of type ``field``, or whose ``code`` is one of the
client's ``REQUEST_REJECTED_CODES`` (``client/errors.py``; [U]: the codes are ours), rejects the
request itself (sending it again cannot help); any other 400
of a ``test=true`` write or of the ``test`` action is a refused test of the data source (worth trying
again once the data source is up). :func:`refused_by_data_source` and :func:`bad_property_value` are one of each.

Conditional requirements ([R], the recorded ``bluemixcloudobjectstorage`` type): a property listed in
``properties.conditions.connection`` applies only when its conditions hold (all of them when
``all_conditions_required``, else any). It is then required when its definition says ``required`` — or
when one of its conditions is ``set`` on another property, which ties it to that property (``secret_key``
goes with a given ``access_key``). So ``api_key`` and ``resource_instance_id`` are required unless
``defer_credentials`` is yes; ``secret_key`` is required when ``access_key`` is given (and credentials
are not deferred); ``access_key`` itself is never required. Values compare as the client's
``values.normalise_property_value`` reads them (a boolean ``True`` equals ``"yes"``). The client's
implementation is ``DatasourceType.required_for`` in ``client/models.py``.
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

# -- ids ------------------------------------------------------------------------------------------
PROJECT_ID = "f0bd7b72-f690-4b65-9edb-7a430fa658d9"  # [R] the recorded project
CATALOG_ID = "a8c1e9f2-3b4d-4e5f-8a6b-7c8d9e0f1a2b"
SPACE_ID = "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9"
CONNECTION_ID = "99845973-050b-482b-b900-a13a75865258"  # [R] the recorded connection
SECOND_CONNECTION_ID = "0b7d52c4-6a1e-4f3b-9c8d-2e5f7a9b1c3d"
POSTGRES_TYPE_ID = "e1c23729-99d8-4407-b3df-336e33ffdc82"  # IBM's SDK: postgresql
BLUEMIX_COS_TYPE_ID = "193a97c1-4475-4a19-b90c-295c4fdc6517"  # [R] bluemixcloudobjectstorage
CREATOR_ID = "1000331004"  # [R] a Cloud Pak for Data user id
TRACE = "3hmvgz7hrubclkqyu2kpjjbwa"  # [R]-like: IBM traces are opaque strings

#: A distinctive secret, sent back in clear the way IBM's recorded replies send the password.
CLEAR_PASSWORD = "Clear-Pa55word-4f9a"
#: Where the real service's paging links point: its own proxy, not the address the client used ([R]).
INTERNAL_BASE = "https://internal-nginx-svc:12443"
#: Every flag IBM's sources name; by default a list shows only connections with none of them ([O]).
KNOWN_FLAGS = ("parameterized", "personal_credentials", "restricted", "internal_use_only")


@dataclass(frozen=True)
class RealReply:
    """One reply as the service sends it. ``json()`` returns a fresh copy of the body."""

    status: int
    body: Any = field(default=None, repr=False)
    headers: Mapping[str, str] = field(default_factory=dict)
    source: str = ""

    def json(self) -> Any:
        return copy.deepcopy(self.body)

    @property
    def content(self) -> bytes:
        return b"" if self.body is None else json.dumps(self.body).encode()


# -- connections ------------------------------------------------------------------------------------


def interaction_properties() -> dict[str, Any]:
    """[R] The (large) ``interaction_properties`` block real replies carry; a client ignores it."""
    return {
        "source": [
            {
                "name": "row_limit",
                "type": "integer",
                "label": "Row Limit",
                "description": "The maximum number of rows to return",
                "required": False,
                "masked": False,
                "hidden": False,
                "readonly": False,
                "multiline": False,
            },
            {
                "name": "table_name",
                "type": "string",
                "label": "Table Name",
                "description": "The name of the table to read from",
                "required": True,
                "masked": False,
                "hidden": False,
                "readonly": False,
                "multiline": False,
            },
        ],
        "target": [
            {
                "name": "write_mode",
                "type": "enum",
                "label": "Write Mode",
                "description": "The mode for writing records to the target table",
                "required": False,
                "masked": False,
                "hidden": False,
                "readonly": False,
                "multiline": False,
                "default_value": "insert",
                "values": [{"value": "insert", "label": "Insert"}, {"value": "merge", "label": "Merge"}],
            }
        ],
    }


def postgres_properties() -> dict[str, Any]:
    """Property values as the service stores and returns them: strings, even for ports and booleans ([R])."""
    return {
        "host": "db.example.com",
        "port": "5432",
        "database": "sales",
        "username": "etl",
        "password": CLEAR_PASSWORD,
        "ssl": "true",
    }


def connection_entity(
    *,
    name: str = "Sales DB",
    description: str = "",
    properties: Mapping[str, Any] | None = None,
    datasource_type: str = POSTGRES_TYPE_ID,
    flags: Sequence[str] = (),
) -> dict[str, Any]:
    """[R] The entity of a connection, with every key the recorded replies carry beyond what a client uses.

    ``flags`` is omitted when empty, as in the recorded replies (it appears when a connection has flags).
    """
    entity: dict[str, Any] = {
        "datasource_type": datasource_type,
        "description": description,
        "name": name,
        "origin_country": "gb",
        "owner_id": CREATOR_ID,
        "rov": {"mode": 0},
        "properties": dict(properties if properties is not None else postgres_properties()),
        "interaction_properties": interaction_properties(),
    }
    if flags:
        entity["flags"] = list(flags)
    return entity


def connection_body(
    *,
    asset_id: str = CONNECTION_ID,
    scope_kind: str = "project_id",
    scope_id: str = PROJECT_ID,
    create_time: str = "2026-11-28T09:53:29.000Z",
    **entity: Any,
) -> dict[str, Any]:
    """[R] A full connection: ``metadata`` (no ``href``; ``usage`` with IBM's field names) and ``entity``."""
    return {
        "metadata": {
            "asset_id": asset_id,
            "asset_type": "connection",
            "asset_category": "USER",
            "create_time": create_time,
            "creator_id": CREATOR_ID,
            scope_kind: scope_id,
            "tags": [],
            "usage": {
                "last_access_time": "2026-11-28T09:53:29.550Z",
                "last_accessor_id": CREATOR_ID,
                "access_count": 0,
            },
        },
        "entity": connection_entity(**entity),
    }


def created(**kwargs: Any) -> RealReply:
    """[R][O] 201 to ``POST /v2/connections``: the full connection, password in clear."""
    return RealReply(201, connection_body(**kwargs), {"Content-Type": "application/json"}, "[R] create")


def got(**kwargs: Any) -> RealReply:
    """[R][O] 200 to ``GET /v2/connections/{id}``."""
    return RealReply(200, connection_body(**kwargs), {"Content-Type": "application/json"}, "[R] get")


def page_href(
    *, scope_kind: str = "project_id", scope_id: str = PROJECT_ID, limit: int = 100, start: str | None = None
) -> str:
    """[R] An absolute paging link naming the service's internal host; ``start`` URL-encoded inside it."""
    query = {scope_kind: scope_id, "limit": str(limit)}
    if start is not None:
        query["start"] = start
    return f"{INTERNAL_BASE}/v2/connections?{urlencode(query)}"


def list_page(
    resources: Sequence[Mapping[str, Any]] | None = None,
    *,
    next_start: str | None = None,
    total_count: int | None = None,
    limit: int = 100,
    scope_kind: str = "project_id",
    scope_id: str = PROJECT_ID,
) -> RealReply:
    """[R][O] 200 to ``GET /v2/connections``: ``resources``, ``total_count``, absolute ``first``/``next``.

    The last page has no ``next`` ([R]: the recorded one-page list carries only ``first``).
    """
    items = [dict(r) for r in resources] if resources is not None else [connection_body()]
    body: dict[str, Any] = {
        "resources": items,
        "first": {"href": page_href(scope_kind=scope_kind, scope_id=scope_id, limit=limit)},
        "total_count": total_count if total_count is not None else len(items),
    }
    if next_start is not None:
        body["next"] = {"href": page_href(scope_kind=scope_kind, scope_id=scope_id, limit=limit, start=next_start)}
    return RealReply(200, body, {"Content-Type": "application/json"}, "[R] list")


def patched(**entity: Any) -> RealReply:
    """[R][O] 200 to ``PATCH /v2/connections/{id}``: the **bare entity**, no ``metadata``, so no id."""
    entity.setdefault("description", "An updated test connection description.")
    return RealReply(200, connection_entity(**entity), {"Content-Type": "application/json"}, "[R] update")


def deleted() -> RealReply:
    """[O] 204 to ``DELETE /v2/connections/{id}``: no body."""
    return RealReply(204, None, {}, "[O] delete")


def action_test_passed() -> RealReply:
    """[O] 200 to ``PUT /v2/connections/{id}/actions/test``: the action's output, a free-form object.

    [U] What a passing test outputs is not documented; an empty object is the least a client may get.
    """
    return RealReply(200, {}, {"Content-Type": "application/json"}, "[O] perform action 200, output [U]")


def action_test_output_failed() -> RealReply:
    """[O] 200 whose output reports a failed test: the schema is free-form, so nothing forbids it.

    [U] The output's fields are ours: a ``status`` of ``failed`` with an error list as in the error
    container. A client treats as failed any output with a non-empty ``errors`` list, a ``status`` or
    ``result`` of ``failed``/``failure``/``error``, or ``success``/``succeeded`` false.
    """
    body = {
        "status": "failed",
        "errors": [{"code": "test_failed", "message": "Connection failed: the data source refused the login"}],
    }
    return RealReply(200, body, {"Content-Type": "application/json"}, "[O] perform action 200, output [U]")


# -- errors -------------------------------------------------------------------------------------------


def error_container(
    code: str,
    message: str,
    *,
    target_type: str | None = None,
    target_name: str | None = None,
    more_info: str | None = None,
    trace: str = TRACE,
) -> dict[str, Any]:
    """[H] IBM's error container."""
    error: dict[str, Any] = {"code": code, "message": message}
    if more_info is not None:
        error["more_info"] = more_info
    if target_type is not None:
        error["target"] = {"type": target_type, "name": target_name or ""}
    return {"trace": trace, "errors": [error]}


def duplicate_name(name: str = "Sales DB") -> RealReply:
    """[O] 409 to a create whose name is taken in the scope ("A connection with the same name already
    exists. Specify another name."). [U] the error ``code``; a client decides by the status."""
    body = error_container("conflict", f"A connection with the name {name} already exists. Specify another name.")
    return RealReply(409, body, {"Content-Type": "application/json"}, "[O] 409, body [H], code [U]")


def refused_by_data_source() -> RealReply:
    """[O] 400 to a ``test=true`` create/update or to the ``test`` action: the data source refused the test.

    No ``target`` (nothing in the request is wrong); [U] the code and wording of the message.
    """
    body = error_container(
        "bad_request",
        "Connection failed: the connection to db.example.com:5432 was refused",
    )
    return RealReply(400, body, {"Content-Type": "application/json"}, "[O] 400 test failed, body [H], code [U]")


def bad_property_value(name: str = "port") -> RealReply:
    """[O][H] 400 that rejects the request itself: a field of the body is wrong (``target.type`` field)."""
    body = error_container(
        "invalid_property", f"The value of property {name} is not valid", target_type="field", target_name=name
    )
    return RealReply(400, body, {"Content-Type": "application/json"}, "[H] target field, code [U]")


def bad_parameter(name: str = "project_id") -> RealReply:
    """[H] 400 naming a query/path parameter (``target.type`` parameter)."""
    body = error_container(
        "invalid_parameter", f"The parameter {name} is not valid", target_type="parameter", target_name=name
    )
    return RealReply(400, body, {"Content-Type": "application/json"}, "[H] target parameter, code [U]")


def bad_header(name: str = "Content-Type") -> RealReply:
    """[H] 400 naming a header (``target.type`` header)."""
    body = error_container(
        "invalid_request", f"The header {name} is not supported", target_type="header", target_name=name
    )
    return RealReply(400, body, {"Content-Type": "application/json"}, "[H] target header, code [U]")


def not_found(what: str = "connection") -> RealReply:
    """[O][H] 404: "The connection cannot be found"."""
    body = error_container("not_found", f"The {what} cannot be found")
    return RealReply(404, body, {"Content-Type": "application/json"}, "[O] 404, body [H]")


def rate_limited(retry_after: str = "2") -> RealReply:
    """[O] 429 with ``Retry-After`` (seconds)."""
    body = error_container("too_many_requests", "The service is currently receiving more requests than it can process")
    headers = {"Content-Type": "application/json", "Retry-After": retry_after}
    return RealReply(429, body, headers, "[O] 429")


def redirect(location: str = "/v2/connections") -> RealReply:
    """A 307 such as a path with an empty id segment gets (``DELETE /v2/connections/`` → 307)."""
    return RealReply(307, None, {"Location": location}, "issue 9: observed redirect")


# -- datasource types --------------------------------------------------------------------------------


def _prop(name: str, type_: str = "string", *, required: bool = False, masked: bool = False, **extra: Any) -> dict:
    """[R] A property descriptor with every key the recorded type carries."""
    return {
        "name": name,
        "type": type_,
        "label": name.replace("_", " ").title(),
        "description": f"The {name.replace('_', ' ')}",
        "required": required,
        "masked": masked,
        "hidden": False,
        "readonly": False,
        "multiline": False,
        **extra,
    }


def postgres_type() -> RealReply:
    """[R] A datasource type in the recorded shape (``entity.type`` included), PostgreSQL's properties."""
    body = {
        "metadata": {"asset_id": POSTGRES_TYPE_ID, "asset_type": "datasource_type", "creator_id": "IBM"},
        "entity": {
            "name": "postgresql",
            "label": "PostgreSQL",
            "description": "PostgreSQL database",
            "type": "database",
            "allowed_as_source": True,
            "allowed_as_target": True,
            "status": "active",
            "tags": ["IBM"],
            "actions": [],
            "properties": {
                "connection": [
                    _prop("host", required=True, group="domain"),
                    _prop("port", "integer", required=True, group="domain"),
                    _prop("database", required=True),
                    _prop("username", required=True, group="credentials"),
                    _prop("password", required=True, masked=True, group="credentials"),
                    _prop("ssl", "boolean", default_value="false"),
                    _prop("ssl_certificate", multiline=True),
                ],
                "source": [],
                "target": [],
                "filter": [],
            },
        },
    }
    return RealReply(200, body, {"Content-Type": "application/json"}, "[R] datasource type shape")


def cos_type() -> RealReply:
    """[R] IBM's recorded ``bluemixcloudobjectstorage`` type: its connection properties and conditions.

    ``api_key`` and ``resource_instance_id`` say ``required: true`` yet apply only when
    ``defer_credentials`` (a boolean) is not ``yes``; ``secret_key`` applies when that holds and
    ``access_key`` is set. Source/target properties and their conditions are left out (a client of
    connections does not read them).
    """
    not_deferred = {"property_name": "defer_credentials", "condition": "not_equals", "values": ["yes"]}
    body = {
        "metadata": {"asset_id": BLUEMIX_COS_TYPE_ID, "asset_type": "datasource_type", "creator_id": "IBM"},
        "entity": {
            "name": "bluemixcloudobjectstorage",
            "label": "Cloud Object Storage",
            "description": "Cloud Object Storage service on IBM Cloud.",
            "type": "file",
            "allowed_as_source": True,
            "allowed_as_target": True,
            "data_shape": "rectangular",
            "auto_discovery": True,
            "secure_gateway": "not_applicable",
            "properties": {
                "connection": [
                    _prop("access_key", tags=["username"], group="credentials"),
                    _prop("api_key", required=True, masked=True, tags=["password"], group="credentials"),
                    _prop("auto_discovery", "boolean", group="domain", hidden=True),
                    _prop("bucket", tags=["container"]),
                    _prop("defer_credentials", "boolean", default_value="false", hidden=True),
                    _prop("iam_url", hidden=True),
                    _prop("region", hidden=True),
                    _prop("resource_instance_id", required=True, tags=["username"], group="credentials"),
                    _prop("secret_key", masked=True, tags=["password"], group="credentials"),
                    _prop("url", required=True, placeholder="https://s3.us.cloud-object-storage.appdomain.cloud"),
                ],
                "source": [],
                "target": [],
                "filter": [],
                "conditions": {
                    "connection": [
                        {
                            "property_name": "resource_instance_id",
                            "conditions": [dict(not_deferred)],
                            "all_conditions_required": False,
                        },
                        {
                            "property_name": "api_key",
                            "conditions": [dict(not_deferred)],
                            "all_conditions_required": False,
                        },
                        {
                            "property_name": "access_key",
                            "conditions": [dict(not_deferred)],
                            "all_conditions_required": False,
                        },
                        {
                            "property_name": "secret_key",
                            "conditions": [dict(not_deferred), {"property_name": "access_key", "condition": "set"}],
                            "all_conditions_required": True,
                        },
                    ],
                    "source": [],
                    "target": [],
                },
            },
            "tags": ["IBM"],
            "actions": [],
            "status": "active",
        },
    }
    return RealReply(200, body, {"Content-Type": "application/json"}, "[R] datasourceTypes/get")


def datasource_types_page(types: Sequence[RealReply] = (), *, next_offset: int | None = None) -> RealReply:
    """[O] 200 to ``GET /v2/datasource_types``; ``next.href`` carries ``offset`` ([U] its host)."""
    items = [t.json() for t in (types or (postgres_type(), cos_type()))]
    body: dict[str, Any] = {"total_count": len(items), "resources": items}
    if next_offset is not None:
        body["next"] = {
            "href": f"{INTERNAL_BASE}/v2/datasource_types?connection_properties=true&limit=100&offset={next_offset}"
        }
    return RealReply(200, body, {"Content-Type": "application/json"}, "[O] datasource types list")


# -- projects and service -----------------------------------------------------------------------------


def project_body(*, guid: str = PROJECT_ID, name: str = "Sales analytics") -> dict[str, Any]:
    """A project as IBM's projects API returns it (every key IBM's SDK requires present)."""
    return {
        "metadata": {
            "guid": guid,
            "url": f"/v2/projects/{guid}",
            "created_at": "2026-01-12T08:00:00.000Z",
            "updated_at": None,
        },
        "entity": {
            "name": name,
            "description": "",
            "type": "cpd",
            "generator": "cpdaas",
            "public": False,
            "creator": "etl@example.com",
            "tags": [],
            "storage": {"type": "assetfiles", "guid": "d0e1f2a3-b4c5-4d6e-8f7a-9b0c1d2e3f4a", "properties": {}},
            "scope": {"bss_account_id": "999"},
            "compute": [],
        },
    }


def projects_page(projects: Sequence[Mapping[str, Any]] | None = None, *, bookmark: str | None = None) -> RealReply:
    """[O] 200 to ``GET /v2/projects``: ``resources`` and, when more follow, a ``bookmark``."""
    body: dict[str, Any] = {"resources": [dict(p) for p in (projects if projects is not None else [project_body()])]}
    if bookmark is not None:
        body["bookmark"] = bookmark
    return RealReply(200, body, {"Content-Type": "application/json"}, "[O] projects list")


def no_projects() -> RealReply:
    """[O] 204 No Content to ``GET /v2/projects`` when nothing matches: no body at all."""
    return RealReply(204, None, {}, "[O] projects list 204")


def service_version() -> RealReply:
    """200 to ``GET /v2/connections/version`` ([U] values; the keys are the reference's)."""
    body = {
        "service_name": "wdp-connect-connection",
        "version": "1.0.3456",
        "status": "ok",
        "timestamp": "2026-11-28T09:00:00Z",
    }
    return RealReply(200, body, {"Content-Type": "application/json"}, "reference")


# -- token exchanges ----------------------------------------------------------------------------------


def jwt_with(claims: Mapping[str, Any]) -> str:
    """An (unsigned-looking) JWT carrying ``claims``: clients only read its ``exp``/``iat``."""

    def b64(data: Mapping[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(dict(data)).encode()).rstrip(b"=").decode()

    return f"{b64({'alg': 'RS256', 'typ': 'JWT'})}.{b64(claims)}.c2lnbmF0dXJl"


def iam_token(*, now: float = 1_800_000_000.0, lifetime: int = 3600) -> RealReply:
    """[D] 200 from ``POST https://iam.cloud.ibm.com/identity/token``."""
    issued = int(now)
    body = {
        "access_token": jwt_with(
            {"iat": issued, "exp": issued + lifetime, "iss": "https://iam.cloud.ibm.com/identity"}
        ),
        "refresh_token": "not_supported",
        "token_type": "Bearer",
        "expires_in": lifetime,
        "expiration": issued + lifetime,
        "scope": "ibm openid",
    }
    return RealReply(200, body, {"Content-Type": "application/json"}, "[D] IAM token")


def iam_bad_key() -> RealReply:
    """[D] 400 from IAM for a bad API key (IAM's own error shape, not the container)."""
    body = {
        "errorCode": "BXNIM0415E",
        "errorMessage": "Provided API key could not be found.",
        "context": {"requestId": "req-1"},
    }
    return RealReply(400, body, {"Content-Type": "application/json"}, "[D] IAM error")


def aws_token(*, now: float = 1_800_000_000.0, lifetime: int = 3600) -> RealReply:
    """[D] 200 from ``POST https://<env>.aws.data.ibm.com/api/rest/mcsp/apikeys/token``: ``token`` and
    ``expiration`` (epoch seconds; [U] whether more keys come along)."""
    issued = int(now)
    body = {"token": jwt_with({"iat": issued, "exp": issued + lifetime}), "expiration": issued + lifetime}
    return RealReply(200, body, {"Content-Type": "application/json"}, "[D] AWS MCSP token")


def cp4d_authorized(*, now: float = 1_800_000_000.0, lifetime: int = 43_164) -> RealReply:
    """[R] 200 from ``POST <cluster>/icp4d-api/v1/authorize``: no expiry field, only the JWT's claims."""
    issued = int(now)
    token = jwt_with({"username": "admin", "sub": "admin", "iss": "KNOXSSO", "iat": issued, "exp": issued + lifetime})
    body = {"_messageCode_": "200", "message": "Success", "token": token}
    return RealReply(200, body, {"Content-Type": "application/json"}, "[R] getTokenCP4D")
