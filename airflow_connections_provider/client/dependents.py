"""What uses a connection: the data assets whose attachments point at it.

IBM's delete does not look: "This call does not check whether the connection is used by activities,
data sets or other assets. The caller must check this before deleting a connection" (IBM's OpenAPI
document, ``DELETE /v2/connections/{connection_id}``). Deleted anyway, those assets are left pointing
at nothing. This module is that check.

The route, every part of it documented by IBM:

- **Search**: ``POST /v2/asset_types/data_asset/search?project_id=|catalog_id=|space_id=`` (OpenAPI
  ``searchNewAssetV2``, body ``Catalog_Search``) with ``{"query": "*:*", "include":
  "entity,attachments", "limit": 200}``: every data asset of the workspace, with its attachments
  (IBM's watsonx.ai SDK searches so; "Attachments can only be included if entity is also requested").
- **Reply** (IBM's recorded ``assetTypes/findAssetsByType`` reply): ``{"total_rows", "results":
  [{"metadata": {"asset_id", "name", "asset_type", ...}, "href", "attachments"?}], "next"?}``; a page
  is followed by posting its ``next`` as the next body, until a page has none.
- **Reference**: a data asset uses a connection when an attachment holds its ``connection_id``
  (OpenAPI ``Attachment``; the SDK writes ``{"connection_id", "connection_path", "is_remote": true}``).

No search field for ``connection_id`` is documented (IBM's recorded ``data_asset`` type indexes only
``dataset``, ``mime_type`` and ``columns``), so the filter is ours, on this side: one walk of the
workspace's data assets per check, which answers for any number of connections at once (a sync's
prune checks all its deletions in one walk). Jobs are not covered: IBM's ``job`` type points at a flow
(``asset_ref``), not at a connection, and flows index no connection field.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from airflow_connections_provider.client import endpoints
from airflow_connections_provider.client.errors import ConnectionsClientError, ListingError
from airflow_connections_provider.client.messages import Reply, RequestSpec
from airflow_connections_provider.client.models import Scope

#: The asset type searched: the one IBM documents as holding connection attachments.
DATA_ASSET = "data_asset"
#: ``include`` of the search: attachments are only returned together with the entity.
INCLUDE = "entity,attachments"
#: Dependents named in one message at most; the rest are counted.
SHOWN = 10


class DependentsUnknownError(ConnectionsClientError):
    """What uses the connections could not be looked up, so none of them may be deleted (never blind).

    As permanent as ``cause`` (``retry.is_permanent``): a refused search (403) fails the task, a
    temporary failure leaves the task's retries to it. The message says how to proceed.
    """

    def __init__(self, count: int, cause: ConnectionsClientError) -> None:
        self.cause = cause
        what = "the connection" if count == 1 else f"the {count} connections"
        super().__init__(
            f"could not look up which data assets use {what} about to be deleted ({cause}), so nothing was "
            "deleted: IBM's delete does not check, and deleting blind could leave data assets pointing at "
            "nothing. Try again if the failure is temporary; if the asset search is refused, give these "
            "credentials read access to the workspace's assets; or set force=True (--force) to delete "
            "without this check"
        )


@dataclass(frozen=True, slots=True)
class Dependent:
    """An asset that uses a connection (``connection_id``) through one of its attachments."""

    asset_id: str
    name: str
    asset_type: str
    connection_id: str

    def is_named_by(self, references: Collection[str]) -> bool:
        """Is this asset among ``references`` (names or ids, exactly)?"""
        return self.name in references or self.asset_id in references

    def to_json(self) -> dict[str, str]:
        """Names and ids only: what XCom, plans and ``--json`` carry."""
        return {"asset_id": self.asset_id, "name": self.name, "asset_type": self.asset_type}

    def __str__(self) -> str:
        name, asset_type, asset_id = (
            t if t.isprintable() else repr(t) for t in (self.name, self.asset_type, self.asset_id)
        )
        return f"{name} ({asset_type} {asset_id})"


def dependents_in(result: Mapping[str, Any]) -> list[Dependent]:
    """The connections one search result uses: one :class:`Dependent` per connection its attachments name."""
    metadata = result.get("metadata")
    metadata = metadata if isinstance(metadata, Mapping) else {}
    attachments = result.get("attachments")
    ids = []
    for attachment in attachments if isinstance(attachments, list) else ():
        connection_id = attachment.get("connection_id") if isinstance(attachment, Mapping) else None
        if isinstance(connection_id, str) and connection_id and connection_id not in ids:
            ids.append(connection_id)
    asset_id = str(metadata.get("asset_id") or "")
    name = str(metadata.get("name") or "")
    asset_type = str(metadata.get("asset_type") or DATA_ASSET)
    return [Dependent(asset_id, name, asset_type, connection_id) for connection_id in ids]


def iter_dependents(
    send: Callable[[RequestSpec], Reply], scope: Scope, *, page_size: int = endpoints.SEARCH_PAGE_SIZE
) -> Iterator[Dependent]:
    """Every reference from a data asset of ``scope`` to a connection, one search page at a time."""
    spec: RequestSpec | None = endpoints.search_assets(scope, DATA_ASSET, include=INCLUDE, limit=page_size)
    pages = endpoints.PageCount("data assets", page_size)
    seen: set[str] = set()
    while spec is not None:
        body = send(spec).json_object(empty_ok=True)
        results = body.get("results")
        for result in results if isinstance(results, list) else ():
            if isinstance(result, Mapping):
                yield from dependents_in(result)
        spec = endpoints.next_search_page(scope, DATA_ASSET, body)
        if spec is None:
            return
        bookmark = str(spec.json_body["bookmark"])
        if bookmark in seen:  # a service bug must not become an endless loop
            raise ListingError("the asset search of data assets repeated a bookmark")
        seen.add(bookmark)
        pages.turn({"total_count": body.get("total_rows")})


def find_dependents(
    send: Callable[[RequestSpec], Reply],
    scope: Scope,
    connection_ids: Iterable[str],
    *,
    page_size: int = endpoints.SEARCH_PAGE_SIZE,
) -> dict[str, tuple[Dependent, ...]]:
    """The dependents of each of ``connection_ids`` (each one a key, with ``()`` when nothing uses it),
    by name then id, from one walk of the scope's data assets. No id: no request. A failed walk is a
    :class:`DependentsUnknownError` (what was found so far proves nothing)."""
    wanted: dict[str, list[Dependent]] = {cid: [] for cid in connection_ids}
    if not wanted:
        return {}
    try:
        for dependent in iter_dependents(send, scope, page_size=page_size):
            if dependent.connection_id in wanted:
                wanted[dependent.connection_id].append(dependent)
    except ConnectionsClientError as exc:
        raise DependentsUnknownError(len(wanted), exc) from exc
    return {cid: tuple(sorted(found, key=lambda d: (d.name, d.asset_id))) for cid, found in wanted.items()}


def not_accepted(dependents: Iterable[Dependent], accepted: Collection[str]) -> list[Dependent]:
    """The dependents that ``accepted`` (names or ids) does not name."""
    return [d for d in dependents if not d.is_named_by(accepted)]


def describe(dependents: Sequence[Dependent], *, shown: int = SHOWN) -> str:
    """``orders.csv (data_asset 7a1c…), sales.csv (data_asset 9b2e…) and 3 more``: bounded, one line."""
    listed = ", ".join(str(d) for d in dependents[:shown])
    more = len(dependents) - shown
    return f"{listed} and {more} more" if more > 0 else listed


def accepted_problems(
    value: Any, *, force: Any = False, name: str = "accepted_dependents", force_name: str = "force=True"
) -> list[str]:
    """Problems with a list of accepted dependents (names or ids of assets), for argument checks; with
    ``force`` as well, the one that says they contradict (forcing skips the look-up they answer)."""
    if value is None:
        return []
    if force is True and value:
        return [f"{force_name} skips the check that {name} answers: give one of them"]
    if isinstance(value, str) or not isinstance(value, (list, tuple, set, frozenset)):
        kind = "text" if isinstance(value, str) else type(value).__name__
        return [f'{name} must be a list of data asset names or ids, got {kind}; write ["orders.csv"]']
    bad = [i for i, item in enumerate(value) if not isinstance(item, str) or not item.strip()]
    if bad:
        return [f"{name} must hold data asset names or ids (non-empty text); item(s) {bad} are not"]
    return []


def accept_hint(refused: Sequence[Dependent], *, argument: str = "accepted_dependents") -> str:
    """How to accept ``refused``: the argument to write with their ids when they are few (names may
    repeat, ids do not), else what it takes."""
    ids = list(dict.fromkeys(d.asset_id for d in refused))  # one asset may use several connections
    if len(ids) > SHOWN:
        return f"{argument}=[...] naming each of the {len(ids)} (names or ids)"
    return f"{argument}={ids!r}"
