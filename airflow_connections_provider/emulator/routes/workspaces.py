"""Catalogs and deployment spaces, served like projects: the workspaces a connection can live in.

- `GET /v2/catalogs` (IBM's OpenAPI document, `listCatalogsV2`): `limit` (default 25), `bookmark`,
  `skip`; no name filter. Reply `{"catalogs": [...], "nextBookmark", "nextSkip"}` as IBM's recorded
  reply: `nextBookmark` is always there (the recorded one-catalog list carries one), so a client
  stops at the first empty page; `nextSkip` is 0, as recorded. A catalog's id is `metadata.guid`.
  `GET /v2/catalogs/{catalog_id}`: one catalog; an unknown id is 403 `forbidden` (the document lists
  400, 401 and 403 for it, no 404: our pick, as for an unknown scope).
- `GET /v2/spaces` (no OpenAPI document; IBM's recorded reply, cpdctl and IBM's watsonx.ai SDK):
  `name` (exact), `sub_name` (case-insensitive substring), `id` (comma list), `start`, `limit`
  (default 100, capped at 200), `total_count`. Reply `{"first": {"href"}, "limit", "resources",
  "next"?: {"href"}, "total_count"?}` with **relative** hrefs, as recorded. A space's id is
  `metadata.id`. `GET /v2/spaces/{space_id}`: one space; an unknown id is 404 `not_found` (our pick).

Errors are the error container (the watsonx.ai SDK reads `errors[0].message` from spaces; the
catalogs' error body is undocumented). Both lists are in creation order.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request

from ..errors import ApiError, not_found
from ..state.records import Workspace
from .common import Caller, get_context, iso_time, parse_bool, parse_int
from .projects import BSS_ACCOUNT_ID, GENERATOR, decode_bookmark, encode_bookmark

router = APIRouter()

CATALOGS_DEFAULT_LIMIT = 25
CATALOGS_MAX_LIMIT = 1000
SPACES_DEFAULT_LIMIT = 100
SPACES_MAX_LIMIT = 200


def catalog_to_api(catalog: Workspace) -> dict[str, Any]:
    """A catalog as IBM's recorded `catalog/get` reply shows it."""
    url = f"/v2/catalogs/{catalog.guid}"
    return {
        "metadata": {
            "guid": catalog.guid,
            "url": url,
            "creator_id": catalog.creator_id,
            "create_time": iso_time(catalog.created_at),
        },
        "entity": {
            "name": catalog.name,
            "description": catalog.description,
            "generator": GENERATOR,
            "bss_account_id": BSS_ACCOUNT_ID,
            "capacity_limit": 0,
            "is_governed": False,
            "auto_profiling": False,
        },
        "href": url,
    }


def space_to_api(space: Workspace) -> dict[str, Any]:
    """A deployment space as IBM's recorded `space/get` reply shows it (no compute bound)."""
    return {
        "metadata": {
            "id": space.guid,
            "url": f"/v2/spaces/{space.guid}",
            "creator_id": space.creator_id,
            "created_at": iso_time(space.created_at),
            "updated_at": iso_time(space.created_at),
        },
        "entity": {
            "name": space.name,
            "description": space.description,
            "scope": {"bss_account_id": BSS_ACCOUNT_ID},
            "compute": [],
            "status": {"state": "active"},
        },
    }


# --- catalogs ---


@router.get("/v2/catalogs")
async def list_catalogs(request: Request, principal: Caller) -> dict[str, Any]:
    query = request.query_params
    limit = parse_int(query, "limit", CATALOGS_DEFAULT_LIMIT, minimum=1, maximum=CATALOGS_MAX_LIMIT)
    skip = parse_int(query, "skip", 0, minimum=0)
    catalogs = get_context(request).store.workspaces("catalog")
    after = decode_bookmark(query["bookmark"]) if query.get("bookmark") else 0
    remaining = [c for c in catalogs if c.seq > after][skip:]
    page = remaining[:limit]
    # Following the last page's bookmark answers an empty page (which repeats it): the end of the list.
    next_bookmark = encode_bookmark(page[-1].seq if page else after)
    return {"catalogs": [catalog_to_api(c) for c in page], "nextBookmark": next_bookmark, "nextSkip": 0}


@router.get("/v2/catalogs/{catalog_id}")
async def get_catalog(catalog_id: str, request: Request, principal: Caller) -> dict[str, Any]:
    catalog = get_context(request).store.workspace("catalog", catalog_id)
    if catalog is None:
        raise ApiError(
            403,
            "forbidden",
            f"The catalog '{catalog_id}' does not exist or is not accessible; check the catalog id",
            target="catalog_id",
        )
    return catalog_to_api(catalog)


# --- deployment spaces ---


def _space_matches(space: Workspace, name: str | None, sub_name: str | None, ids: set[str] | None) -> bool:
    if name and space.name != name:
        return False
    if sub_name and sub_name.casefold() not in space.name.casefold():
        return False
    return ids is None or space.guid in ids


def _relative_href(path: str, items: list[tuple[str, str]], start: str | None) -> str:
    kept = [(k, v) for k, v in items if k != "start"]
    if start is not None:
        kept.append(("start", start))
    return f"{path}?{urlencode(kept)}" if kept else path


@router.get("/v2/spaces")
async def list_spaces(request: Request, principal: Caller) -> dict[str, Any]:
    query = request.query_params
    limit = parse_int(query, "limit", SPACES_DEFAULT_LIMIT, minimum=1, maximum=SPACES_MAX_LIMIT)
    with_total = parse_bool(query, "total_count", False)
    ids = {part.strip() for part in query["id"].split(",") if part.strip()} if query.get("id") else None
    spaces = [
        s
        for s in get_context(request).store.workspaces("space")
        if _space_matches(s, query.get("name"), query.get("sub_name"), ids)
    ]
    total = len(spaces)
    if query.get("start"):
        after = decode_bookmark(query["start"], "start")
        spaces = [s for s in spaces if s.seq > after]
    page = spaces[:limit]
    items = list(query.multi_items())
    body: dict[str, Any] = {
        "first": {"href": _relative_href(request.url.path, items, None)},
        "limit": limit,
        "resources": [space_to_api(s) for s in page],
    }
    if len(spaces) > limit:
        body["next"] = {"href": _relative_href(request.url.path, items, encode_bookmark(page[-1].seq))}
    if with_total:
        body["total_count"] = total
    return body


@router.get("/v2/spaces/{space_id}")
async def get_space(space_id: str, request: Request, principal: Caller) -> dict[str, Any]:
    space = get_context(request).store.workspace("space", space_id)
    if space is None:
        raise not_found(f"The space '{space_id}' was not found; check the space id", target="space_id")
    return space_to_api(space)
