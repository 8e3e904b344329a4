"""`/v2/datasource_types`: the catalogue, with offset paging."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from .catalogue import CATALOGUE, find_type
from .context import Caller
from .errors import not_found
from .listing import href
from .params import parse_bool, parse_int

router = APIRouter()

DEFAULT_LIMIT = 100
MAX_LIMIT = 200


@router.get("/v2/datasource_types")
async def list_datasource_types(request: Request, principal: Caller) -> dict[str, Any]:
    query = request.query_params
    offset = parse_int(query, "offset", 0, minimum=0)
    limit = parse_int(query, "limit", DEFAULT_LIMIT, minimum=1, maximum=MAX_LIMIT)
    with_properties = parse_bool(query, "connection_properties", False)
    page = CATALOGUE[offset : offset + limit]
    items = list(query.multi_items())
    body: dict[str, Any] = {
        "total_count": len(CATALOGUE),
        "resources": [t.to_api(connection_properties=with_properties) for t in page],
        "first": {"href": href(request.url.path, items, offset=None)},
    }
    if offset + limit < len(CATALOGUE):
        body["next"] = {"href": href(request.url.path, items, offset=str(offset + limit), limit=str(limit))}
    return body


@router.get("/v2/datasource_types/{datasource_type}")
async def get_datasource_type(datasource_type: str, request: Request, principal: Caller) -> dict[str, Any]:
    found = find_type(datasource_type)
    if found is None:
        raise not_found(f"Datasource type '{datasource_type}' was not found", target="datasource_type")
    with_properties = parse_bool(request.query_params, "connection_properties", False)
    return found.to_api(connection_properties=with_properties)
