"""`/v2/datasource_types` (the catalogue, with offset paging) and `/v2/datasource_types/{id or name}`.

`connection_properties=true` adds `properties.connection` (and `conditions`); `actions=true` fills
`entity.actions` with the type's actions (IBM's OpenAPI document: "Whether to return information
about supported actions", default false); without it the list is empty. Scope parameters
(`project_id`, `catalog_id`, `space_id`) are not read: types are the same in every workspace.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from ..errors import not_found
from ..state.catalogue import CATALOGUE, find_type
from ..state.listing import href
from .common import Caller, base_url, parse_bool, parse_int

router = APIRouter()

TYPES_DEFAULT_LIMIT = 100
TYPES_MAX_LIMIT = 200


@router.get("/v2/datasource_types")
async def list_datasource_types(request: Request, principal: Caller) -> dict[str, Any]:
    query = request.query_params
    offset = parse_int(query, "offset", 0, minimum=0)
    limit = parse_int(query, "limit", TYPES_DEFAULT_LIMIT, minimum=1, maximum=TYPES_MAX_LIMIT)
    with_properties = parse_bool(query, "connection_properties", False)
    with_actions = parse_bool(query, "actions", False)
    page = CATALOGUE[offset : offset + limit]
    items = list(query.multi_items())
    base = base_url(request)
    body: dict[str, Any] = {
        "total_count": len(CATALOGUE),
        "resources": [t.to_api(connection_properties=with_properties, actions=with_actions) for t in page],
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
    query = request.query_params
    return found.to_api(
        connection_properties=parse_bool(query, "connection_properties", False),
        actions=parse_bool(query, "actions", False),
    )
