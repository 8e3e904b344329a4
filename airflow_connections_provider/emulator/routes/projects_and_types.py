"""The read-only lookups: `/v2/projects` (list with a partial, case-insensitive name filter and
bookmark paging; total; get) and `/v2/datasource_types` (the catalogue, with offset paging).

The projects `bookmark` is opaque: base64url of the last project's creation sequence. A projects
list that matches nothing is 204 No Content (IBM's spec lists it), not an empty 200.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from ..errors import invalid_parameter, not_found
from ..state.catalogue import CATALOGUE, find_type
from ..state.listing import href
from ..state.store import Workspace
from .common import Caller, base_url, get_context, iso_time, parse_bool, parse_int

router = APIRouter()

PROJECTS_DEFAULT_LIMIT = 10
PROJECTS_MAX_LIMIT = 100
BSS_ACCOUNT_ID = "emulator-account"


def project_to_api(project: Workspace) -> dict[str, Any]:
    # Every key IBM's SDK requires is present, even when null.
    return {
        "metadata": {
            "guid": project.guid,
            "url": f"/v2/projects/{project.guid}",
            "created_at": iso_time(project.created_at),
            "updated_at": iso_time(project.created_at),
        },
        "entity": {
            "name": project.name,
            "description": project.description,
            "type": project.type,
            "generator": "airflow-connections-emulator",
            "public": False,
            "creator": "admin",
            "tags": [],
            "storage": {"type": "assetfiles", "guid": project.storage_guid, "properties": {}},
            "scope": {"bss_account_id": BSS_ACCOUNT_ID},
            "compute": [],
        },
    }


def _named(projects: list[Workspace], name: str | None) -> list[Workspace]:
    if not name:
        return projects
    return [p for p in projects if name.casefold() in p.name.casefold()]


def _encode_bookmark(seq: int) -> str:
    return base64.urlsafe_b64encode(f"seq:{seq}".encode()).decode("ascii").rstrip("=")


def _decode_bookmark(bookmark: str) -> int:
    try:
        raw = base64.urlsafe_b64decode((bookmark + "=" * (-len(bookmark) % 4)).encode("ascii")).decode()
        prefix, _, number = raw.partition(":")
        if prefix != "seq":
            raise ValueError(raw)
        return int(number)
    except (ValueError, binascii.Error, UnicodeError) as exc:
        raise invalid_parameter("bookmark", "The bookmark is not valid") from exc


@router.get("/v2/projects")
async def list_projects(request: Request, principal: Caller) -> Response:
    ctx = get_context(request)
    query = request.query_params
    limit = parse_int(query, "limit", PROJECTS_DEFAULT_LIMIT, minimum=1, maximum=PROJECTS_MAX_LIMIT)
    projects = _named(ctx.store.workspaces("project"), query.get("name"))
    if query.get("bookmark"):
        after = _decode_bookmark(query["bookmark"])
        projects = [p for p in projects if p.seq > after]
    page = projects[:limit]
    if not page:
        return Response(status_code=204)
    body: dict[str, Any] = {"resources": [project_to_api(p) for p in page]}
    if len(projects) > limit:
        body["bookmark"] = _encode_bookmark(page[-1].seq)
    return JSONResponse(body)


@router.get("/v2/projects/{project_id}")
async def get_project(project_id: str, request: Request, principal: Caller) -> dict[str, Any]:
    project = get_context(request).store.workspace("project", project_id)
    if project is None:
        raise not_found(f"Project '{project_id}' was not found", target="project_id")
    return project_to_api(project)


# --- /v2/datasource_types ---


TYPES_DEFAULT_LIMIT = 100
TYPES_MAX_LIMIT = 200


@router.get("/v2/datasource_types")
async def list_datasource_types(request: Request, principal: Caller) -> dict[str, Any]:
    query = request.query_params
    offset = parse_int(query, "offset", 0, minimum=0)
    limit = parse_int(query, "limit", TYPES_DEFAULT_LIMIT, minimum=1, maximum=TYPES_MAX_LIMIT)
    with_properties = parse_bool(query, "connection_properties", False)
    page = CATALOGUE[offset : offset + limit]
    items = list(query.multi_items())
    base = base_url(request)
    body: dict[str, Any] = {
        "total_count": len(CATALOGUE),
        "resources": [t.to_api(connection_properties=with_properties) for t in page],
        "first": {"href": href(base, request.url.path, items, offset=None)},
    }
    if offset + limit < len(CATALOGUE):
        body["next"] = {"href": href(base, request.url.path, items, offset=str(offset + limit), limit=str(limit))}
    return body


@router.get("/v2/datasource_types/{datasource_type}")
async def get_datasource_type(datasource_type: str, request: Request, principal: Caller) -> dict[str, Any]:
    found = find_type(datasource_type)
    if found is None:
        raise not_found(f"Datasource type '{datasource_type}' was not found", target="datasource_type")
    with_properties = parse_bool(request.query_params, "connection_properties", False)
    return found.to_api(connection_properties=with_properties)
