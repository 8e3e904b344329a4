"""`POST /v2/asset_types/connection/search`: the asset search IBM's watsonx.ai SDK lists connections
with (`connections.list()` / `get_details()` without an id).

It belongs to the asset service, not the connections service; the emulator serves the one query that
SDK sends (`{"query": "*:*", "include": "entity", "limit": N}`, then the reply's `next` as the next
body) from the same stored connections, in creation order, flagged ones included (a search sees every
asset). Results have the connection reply's shape. Any other query or asset type is 400: the emulator
does not search.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from ..errors import invalid_field, invalid_parameter, invalid_request
from ..state.checks import KNOWN_FLAGS
from ..state.connection_index import FlagRule
from ..state.listing import ConnectionFilter, paginate
from .common import Caller, connection_to_api, get_context, read_json, resolve_scope

router = APIRouter()

MATCH_ALL = "*:*"
DEFAULT_LIMIT = 200
MAX_LIMIT = 200
_EVERY_CONNECTION = ConnectionFilter(flags=FlagRule(added=frozenset(KNOWN_FLAGS)))


@router.post("/v2/asset_types/{asset_type}/search")
async def search_assets(asset_type: str, request: Request, principal: Caller) -> dict[str, Any]:
    ctx = get_context(request)
    scope = resolve_scope(request.query_params, ctx.store, ctx.settings.unknown_scope_status)
    if asset_type != "connection":
        raise invalid_parameter("asset_type", "The emulator searches connections only")
    body = await read_json(request)
    if not isinstance(body, dict):
        raise invalid_request("The search body must be a JSON object")
    if body.get("query") != MATCH_ALL:
        raise invalid_field("query", f"The emulator answers only the query {MATCH_ALL!r}")
    limit = body.get("limit", DEFAULT_LIMIT)
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise invalid_field("limit", "limit must be a positive integer")
    bookmark = body.get("bookmark")
    if bookmark is not None and not isinstance(bookmark, str):
        raise invalid_field("bookmark", "bookmark must be a string")
    page = ctx.store.query_scope(
        scope.kind, scope.guid, lambda index: paginate(index, _EVERY_CONNECTION, min(limit, MAX_LIMIT), bookmark)
    )
    reply: dict[str, Any] = {
        "total_rows": page.total_count,
        "results": [connection_to_api(c, ctx.settings.secret_mode) for c in page.items],
    }
    if page.next_start is not None:
        reply["next"] = {**body, "bookmark": page.next_start}
    return reply
