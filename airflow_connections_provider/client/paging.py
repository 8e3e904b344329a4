"""Paging: following a listing's pages, and knowing when a listing that does not end is a service fault.

Pure, shared by every listing of the client (connections, datasource types, projects, catalogs, spaces).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from airflow_connections_provider.client.errors import ListingError

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
