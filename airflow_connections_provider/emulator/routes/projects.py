"""The projects service's read side: `/v2/projects` (list with a partial, case-insensitive name
filter and bookmark paging) and `/v2/projects/{guid}`.

The `bookmark` is opaque: base64url of the last project's creation sequence. A list that matches
nothing is 204 No Content (IBM's OpenAPI document lists it), not an empty 200. A project carries
`storage` {`type`, `guid`} and no `properties` (IBM's recorded Cloud Pak for Data reply; the
schema makes `properties` optional). Errors on these paths are the projects service's own body
(`errors.projects_error_body`), not the connections' container.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from ..errors import invalid_parameter, not_found
from ..state.records import Workspace
from .common import Caller, get_context, iso_time, parse_int

router = APIRouter()

PROJECTS_DEFAULT_LIMIT = 10
PROJECTS_MAX_LIMIT = 100
BSS_ACCOUNT_ID = "emulator-account"
GENERATOR = "airflow-connections-emulator"


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
            "generator": GENERATOR,
            "public": False,
            "creator": project.creator_id,
            "tags": [],
            "storage": {"type": "assetfiles", "guid": project.storage_guid},
            "scope": {"bss_account_id": BSS_ACCOUNT_ID},
            "compute": [],
        },
    }


def _named(projects: list[Workspace], name: str | None) -> list[Workspace]:
    if not name:
        return projects
    return [p for p in projects if name.casefold() in p.name.casefold()]


def encode_bookmark(seq: int) -> str:
    return base64.urlsafe_b64encode(f"seq:{seq}".encode()).decode("ascii").rstrip("=")


def decode_bookmark(bookmark: str, parameter: str = "bookmark") -> int:
    """The creation sequence a bookmark (or another sequence token) names, or a 400 naming `parameter`."""
    try:
        raw = base64.urlsafe_b64decode((bookmark + "=" * (-len(bookmark) % 4)).encode("ascii")).decode()
        prefix, _, number = raw.partition(":")
        if prefix != "seq":
            raise ValueError(raw)
        return int(number)
    except (ValueError, binascii.Error, UnicodeError) as exc:
        raise invalid_parameter(
            parameter, f"The {parameter} is not valid; send the one the previous page gave"
        ) from exc


@router.get("/v2/projects")
async def list_projects(request: Request, principal: Caller) -> Response:
    ctx = get_context(request)
    query = request.query_params
    limit = parse_int(query, "limit", PROJECTS_DEFAULT_LIMIT, minimum=1, maximum=PROJECTS_MAX_LIMIT)
    projects = _named(ctx.store.workspaces("project"), query.get("name"))
    if query.get("bookmark"):
        after = decode_bookmark(query["bookmark"])
        projects = [p for p in projects if p.seq > after]
    page = projects[:limit]
    if not page:
        return Response(status_code=204)
    body: dict[str, Any] = {"resources": [project_to_api(p) for p in page]}
    if len(projects) > limit:
        body["bookmark"] = encode_bookmark(page[-1].seq)
    return JSONResponse(body)


@router.get("/v2/projects/{project_id}")
async def get_project(project_id: str, request: Request, principal: Caller) -> dict[str, Any]:
    project = get_context(request).store.workspace("project", project_id)
    if project is None:
        raise not_found(f"Failed to retrieve project: {project_id}. Check the project id", target="project_id")
    return project_to_api(project)
