"""The asset service's search, `POST /v2/asset_types/{type}/search?project_id|catalog_id|space_id=`, for
the two asset types the emulator holds: `connection` (what IBM's watsonx.ai SDK lists connections
with) and `data_asset` (what a caller reads to find the data assets that use a connection).

Body (IBM's OpenAPI document, `Catalog_Search`): `query` (required; `state/asset_query.py` says which
forms), `limit` (default and cap 200: "By default it will return upto 200"), `include` (`entity`,
`attachments`, comma-separated; attachments only with entity, as IBM's watsonx.ai SDK notes), and
`bookmark` from a previous page; `sort`, `counts` and `drilldown` are read as absent. Reply
`{"total_rows", "results", "next"?}`: `next` is the request body again with a `bookmark`, to be posted
as the next request's body; the last page has none. Results come in creation order.

A data asset result is `{"metadata", "href", "entity"?, "attachments"?}` with IBM's recorded keys; its
attachment is remote (`connection_id`, `connection_path`, `is_remote: true`). A connection result is
the connection as `GET /v2/connections/{id}` shows it (secrets as that caller may see them), every
connection of the scope, flagged ones included (a search sees every asset); `entity` only when
included.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any, Protocol, TypeVar

from fastapi import APIRouter, Request

from ..errors import invalid_field, invalid_parameter, invalid_request
from ..state.asset_query import AssetQuery, parse_query
from ..state.data_assets import DataAsset
from ..state.listing import ScopeIndex
from ..state.records import SCOPE_PARAMS, StoredConnection
from ..state.store import EmulatorContext
from .common import Caller, connection_to_api, get_context, iso_time, read_json, resolve_scope

router = APIRouter()

SEARCH_DEFAULT_LIMIT = 200
SEARCH_MAX_LIMIT = 200
SEARCHABLE_TYPES = ("connection", "data_asset")
INCLUDABLE = ("entity", "attachments")


def _epoch_ms(timestamp: float) -> int:
    return int(timestamp * 1000)


def data_asset_to_api(asset: DataAsset, include: frozenset[str]) -> dict[str, Any]:
    """A data asset as IBM's recorded search result and `dataAssets/get` reply show it."""
    scope_param = SCOPE_PARAMS[asset.scope_kind]
    created, stamp = iso_time(asset.created_at), _epoch_ms(asset.created_at)
    result: dict[str, Any] = {
        "metadata": {
            "rov": {"mode": 0, "collaborator_ids": {}},
            "usage": {
                "last_updated_at": created,
                "last_updater_id": asset.creator_id,
                "last_update_time": stamp,
                "last_accessed_at": created,
                "last_access_time": stamp,
                "last_accessor_id": asset.creator_id,
                "access_count": 0,
            },
            "name": asset.name,
            "description": asset.description,
            "tags": [],
            "asset_type": "data_asset",
            "origin_country": "us",
            "rating": 0.0,
            "total_ratings": 0,
            scope_param: asset.scope_id,
            "created": stamp,
            "created_at": created,
            "owner_id": asset.creator_id,
            "size": 0,
            "version": 2.0,
            "asset_state": "available",
            "asset_attributes": ["data_asset"],
            "asset_id": asset.asset_id,
            "asset_category": "USER",
        },
        "href": f"/v2/assets/{asset.asset_id}?{scope_param}={asset.scope_id}",
    }
    if "entity" in include:
        result["entity"] = {"data_asset": {"mime_type": asset.mime_type, "dataset": True, "columns": []}}
    if "attachments" in include:
        result["attachments"] = [
            {
                "id": asset.attachment_id,
                "asset_type": "data_asset",
                "name": asset.connection_path.rstrip("/").rsplit("/", 1)[-1] or asset.name,
                "mime": asset.mime_type,
                "connection_id": asset.connection_id,
                "connection_path": asset.connection_path,
                "is_remote": True,
            }
        ]
    return result


def _include(body: dict[str, Any]) -> frozenset[str]:
    value = body.get("include")
    if value is None:
        return frozenset()
    if not isinstance(value, str):
        raise invalid_field("include", f"include must be a string: {' or '.join(INCLUDABLE)}, comma-separated")
    parts = frozenset(p.strip() for p in value.split(",") if p.strip())
    unknown = sorted(parts - set(INCLUDABLE))
    if unknown:
        raise invalid_field(
            "include", f"include takes {' and '.join(INCLUDABLE)}, comma-separated (got {len(unknown)} other)"
        )
    if "attachments" in parts and "entity" not in parts:
        raise invalid_field("include", "Attachments can only be included with the entity: send 'entity,attachments'")
    return parts


def _limit(body: dict[str, Any]) -> int:
    limit = body.get("limit", SEARCH_DEFAULT_LIMIT)
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise invalid_field("limit", "limit must be a positive integer (at most 200 results come back)")
    return min(limit, SEARCH_MAX_LIMIT)


def _after(body: dict[str, Any]) -> int:
    bookmark = body.get("bookmark")
    if bookmark is None:
        return 0
    if not isinstance(bookmark, str):
        raise invalid_field("bookmark", "bookmark must be a string: the one the previous page's 'next' gave")
    try:
        raw = base64.urlsafe_b64decode((bookmark + "=" * (-len(bookmark) % 4)).encode("ascii")).decode()
        kind, _, number = raw.partition(":")
        if kind != "after":
            raise ValueError(raw)
        return int(number)
    except (ValueError, binascii.Error, UnicodeError) as exc:
        raise invalid_field(
            "bookmark", "The bookmark is not valid: send the previous page's 'next' as it came"
        ) from exc


def _bookmark(seq: int) -> str:
    return base64.urlsafe_b64encode(f"after:{seq}".encode()).decode("ascii").rstrip("=")


class _Sequenced(Protocol):
    @property
    def seq(self) -> int: ...


T = TypeVar("T", bound=_Sequenced)


def _page(candidates: list[T], after: int, limit: int) -> tuple[list[T], bool]:
    """Up to `limit` candidates created after the bookmark's, and whether more follow."""
    following = [c for c in candidates if c.seq > after]
    return following[:limit], len(following) > limit


def _connection_page(
    index: ScopeIndex, query: AssetQuery, after: int, limit: int
) -> tuple[int, list[StoredConnection], bool]:
    """(matches, the page's copies, whether more follow), from the scope's creation-order index under the
    store's lock: only the page is copied, so a walk of a large scope stays linear."""
    total = len(index) if query.name is None else sum(1 for c in index.all() if query.matches(c.name))
    page: list[StoredConnection] = []
    for conn in index.in_order(after or None):
        if query.matches(conn.name):
            if len(page) == limit:
                return total, page, True
            page.append(conn.copy())
    return total, page, False


def _connection_result(conn: StoredConnection, include: frozenset[str], ctx: EmulatorContext, viewer: str) -> Any:
    shown = connection_to_api(conn, ctx.settings.secret_mode, viewer=viewer)
    if "entity" not in include:
        del shown["entity"]
    if "attachments" in include:
        shown["attachments"] = []  # a connection holds no attachment
    return shown


@router.post("/v2/asset_types/{asset_type}/search")
async def search_assets(asset_type: str, request: Request, principal: Caller) -> dict[str, Any]:
    ctx = get_context(request)
    scope = resolve_scope(request.query_params, ctx.store)
    if asset_type not in SEARCHABLE_TYPES:
        raise invalid_parameter(
            "asset_type", f"The emulator searches {' and '.join(SEARCHABLE_TYPES)} assets only, not '{asset_type}'"
        )
    body = await read_json(request)
    if not isinstance(body, dict):
        raise invalid_request("The search body must be a JSON object with a 'query'")
    query = parse_query(body.get("query"))
    include, limit, after = _include(body), _limit(body), _after(body)
    results: list[dict[str, Any]]
    if asset_type == "data_asset":
        assets = [a for a in ctx.data_assets.in_scope(scope.kind, scope.guid) if query.matches(a.name)]
        asset_page, more = _page(assets, after, limit)
        total, last = len(assets), asset_page[-1].seq if asset_page else after
        results = [data_asset_to_api(a, include) for a in asset_page]
    else:
        total, conn_page, more = ctx.store.query_scope(
            scope.kind, scope.guid, lambda index: _connection_page(index, query, after, limit)
        )
        last = conn_page[-1].seq if conn_page else after
        results = [_connection_result(c, include, ctx, principal.subject) for c in conn_page]
    reply: dict[str, Any] = {"total_rows": total, "results": results}
    if more:
        reply["next"] = {**body, "bookmark": _bookmark(last)}
    return reply
