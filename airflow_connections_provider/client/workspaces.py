"""Workspaces: the projects, catalogs and deployment spaces connections live in, found by id or exact name.

Every connection operation takes exactly one of ``project_id``, ``catalog_id`` or ``space_id`` (IBM's
OpenAPI document lists all three on each; cpdctl: "catalog_id, project_id, or space_id is required").
Users name a workspace by id or by exact name; :meth:`WorkspacesMixin.resolve_workspace` turns either
into the :class:`~airflow_connections_provider.client.models.Scope` requests carry. How each service is
read, and where that comes from:

- **Projects**, ``GET /v2/projects`` (``name``, ``limit``, ``bookmark``; IBM's OpenAPI document and
  cpdctl): ``name`` may also match partially, so names are compared exactly here. Id ``metadata.guid``.
  204 No Content when nothing matches.
- **Catalogs**, ``GET /v2/catalogs`` (``listCatalogsV2``: ``limit``, default 25, ``bookmark``, ``skip``):
  **no name filter**, so a name is found by paging every catalog and comparing ``entity.name`` exactly.
  Reply ``{"catalogs", "nextBookmark", "nextSkip"}`` (IBM's recorded reply); id ``metadata.guid``. How the
  last page says so is unverified (the recorded one-catalog list still has a ``nextBookmark``): a page
  that is empty, or has no or the same bookmark, ends the walk. An unknown id: 400/401/403 are
  documented, no 404 (the emulator answers 403), so an id that cannot be read is looked up as a name.
- **Deployment spaces**, ``GET /v2/spaces`` (no OpenAPI path; IBM's Java client ``SpacesApiV2``: ``name``
  "exact match"; cpdctl ``space list``: ``limit`` "Max value is 200", ``start``; the watsonx.ai SDK):
  ``name`` narrows the list, names are still compared exactly. Reply ``{"first", "limit", "resources",
  "next"?}`` with **relative** ``next.href`` (IBM's recorded reply; the SDK prefixes its base URL); id
  ``metadata.id``, not ``guid``.

A name several workspaces of a kind share is :class:`AmbiguousNameError` naming their ids; a name none
has is :class:`WorkspaceNotFoundError` naming similar names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from airflow_connections_provider.client import endpoints
from airflow_connections_provider.client.endpoints import checked_id, looks_like_id
from airflow_connections_provider.client.errors import (
    AmbiguousNameError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    ProjectNotFoundError,
    WorkspaceNotFoundError,
)
from airflow_connections_provider.client.messages import RequestSpec
from airflow_connections_provider.client.models import Scope, ScopeKind
from airflow_connections_provider.client.paging import PageCount, next_page_param
from airflow_connections_provider.client.validation import close_matches

if TYPE_CHECKING:
    from airflow_connections_provider.client.transport import SyncTransport

WorkspaceKind = Literal["project", "catalog", "space"]
WORKSPACE_KINDS: tuple[WorkspaceKind, ...] = ("project", "catalog", "space")
CATALOGS = "/v2/catalogs"
SPACES = "/v2/spaces"
CATALOGS_PAGE_SIZE = 25  # the service's default
SPACES_PAGE_SIZE = 100  # the service's default; at most 200
#: How many workspaces are read to suggest similar names when a name matches none.
NEAR_MATCH_POOL = 500


@dataclass(frozen=True, slots=True)
class WorkspaceRef:
    """A workspace as a user names it: its kind, and its id or exact name (not resolved yet)."""

    kind: WorkspaceKind
    ref: str

    @property
    def scope_kind(self) -> ScopeKind:
        return SCOPE_KIND[self.kind]

    def __str__(self) -> str:
        return f"{self.kind} {self.ref!r}"


SCOPE_KIND: Mapping[WorkspaceKind, ScopeKind] = {"project": "project_id", "catalog": "catalog_id", "space": "space_id"}


def workspace_ref(**named: Any) -> tuple[WorkspaceRef | None, list[str]]:
    """The one workspace named among ``project=``, ``catalog=``, ``space=`` (each an id or an exact name;
    None or empty: not given); ``(None, [])`` when none is, ``(None, problems)`` when it is not exactly one."""
    problems: list[str] = []
    given: list[WorkspaceRef] = []
    for kind in WORKSPACE_KINDS:
        value = named.get(kind)
        if value is None or value == "":
            continue
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{kind} must be the {kind}'s id or exact name (text), got {_shape(value)}")
            continue
        given.append(WorkspaceRef(kind, value.strip()))
    if len(given) > 1:
        both = " and ".join(r.kind for r in given)
        problems.append(f"{both} are both given: a connection lives in exactly one project, catalog or space")
    if problems:
        return None, problems
    return (given[0] if given else None), []


def _shape(value: Any) -> str:
    return "empty text" if isinstance(value, str) else type(value).__name__


@dataclass(frozen=True, slots=True)
class Project:
    id: str
    name: str
    description: str = ""
    type: str | None = None
    created_at: str | None = None
    tags: tuple[str, ...] = ()

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Project:
        metadata = data.get("metadata") or {}
        entity = data.get("entity") or {}
        return cls(
            id=str(metadata.get("guid") or ""),
            name=str(entity.get("name") or ""),
            description=str(entity.get("description") or ""),
            type=entity.get("type"),
            created_at=metadata.get("created_at"),
            tags=tuple(entity.get("tags") or ()),
        )


@dataclass(frozen=True, slots=True)
class Catalog:
    """A catalog: id ``metadata.guid``, name ``entity.name`` (IBM's recorded ``catalog/get`` reply)."""

    id: str
    name: str
    description: str = ""
    created_at: str | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Catalog:
        metadata = data.get("metadata") or {}
        entity = data.get("entity") or {}
        return cls(
            id=str(metadata.get("guid") or ""),
            name=str(entity.get("name") or ""),
            description=str(entity.get("description") or ""),
            created_at=metadata.get("create_time"),
        )


@dataclass(frozen=True, slots=True)
class Space:
    """A deployment space: id ``metadata.id`` (not ``guid``), state ``entity.status.state``."""

    id: str
    name: str
    description: str = ""
    state: str | None = None
    created_at: str | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Space:
        metadata = data.get("metadata") or {}
        entity = data.get("entity") or {}
        status = entity.get("status")
        return cls(
            id=str(metadata.get("id") or ""),
            name=str(entity.get("name") or ""),
            description=str(entity.get("description") or ""),
            state=status.get("state") if isinstance(status, Mapping) else None,
            created_at=metadata.get("created_at"),
        )


# -- request builders ----------------------------------------------------------------------------------


def list_catalogs(*, limit: int = CATALOGS_PAGE_SIZE, bookmark: str | None = None) -> RequestSpec:
    params = {"limit": str(limit)}
    if bookmark:
        params["bookmark"] = bookmark
    return RequestSpec("GET", CATALOGS, params=params)


def get_catalog(catalog_id: str) -> RequestSpec:
    return RequestSpec("GET", f"{CATALOGS}/{checked_id(catalog_id, 'catalog id')}")


def list_spaces(*, name: str | None = None, limit: int = SPACES_PAGE_SIZE, start: str | None = None) -> RequestSpec:
    params = {"limit": str(limit)}
    if name:
        params["name"] = name
    if start:
        params["start"] = start
    return RequestSpec("GET", SPACES, params=params)


def get_space(space_id: str) -> RequestSpec:
    return RequestSpec("GET", f"{SPACES}/{checked_id(space_id, 'space id')}")


# -- resolution -------------------------------------------------------------------------------------------


class _Named(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...


_W = TypeVar("_W", bound=_Named)


def pick_exact(kind: str, value: str, candidates: Iterable[_W]) -> _W | None:
    """The one candidate named exactly ``value``; None when none is; :class:`AmbiguousNameError` for several."""
    exact = [c for c in candidates if c.name == value]
    if len(exact) > 1:
        raise AmbiguousNameError(kind, value, [c.id for c in exact])
    return exact[0] if exact else None


def near_names(value: str, names: Iterable[str]) -> list[str]:
    """Names close to ``value``: the same in another case first, then similar spellings."""
    pool = list(names)
    near = [n for n in pool if n.lower() == value.lower()]
    return near + [n for n in close_matches(value, pool) if n not in near]


class WorkspacesMixin:
    """The workspace reads of :class:`~airflow_connections_provider.client.client.ConnectionsClient`."""

    transport: SyncTransport

    def _body(self, spec: RequestSpec, *, empty_ok: bool = False) -> Mapping[str, Any]:
        return self.transport.request(spec).json_object(empty_ok=empty_ok)

    def _bookmarked(
        self,
        what: str,
        page_size: int,
        request: Callable[[str | None], RequestSpec],
        *,
        items: str,
        next_key: str,
        empty_ok: bool = False,
    ) -> Iterator[Any]:
        """The items of a listing paged by an opaque bookmark (projects, catalogs): it ends on an empty
        page, a missing bookmark or the same bookmark again; ``PageCount`` stops one that never ends."""
        bookmark: str | None = None
        pages = PageCount(what, page_size)
        while True:
            body = self._body(request(bookmark), empty_ok=empty_ok)
            found = body.get(items) or []
            yield from found
            nxt = body.get(next_key)
            if not found or not nxt or nxt == bookmark:
                return
            pages.turn(body)
            bookmark = str(nxt)

    # -- projects -------------------------------------------------------------------------------------

    def iter_projects(
        self, *, name: str | None = None, page_size: int = endpoints.DEFAULT_PAGE_SIZE
    ) -> Iterator[Project]:
        """Projects, following ``bookmark`` pages. The service's ``name`` filter also matches partially."""
        pages = self._bookmarked(
            "projects",
            page_size,
            lambda bookmark: endpoints.list_projects(name=name, limit=page_size, bookmark=bookmark),
            items="resources",
            next_key="bookmark",
            empty_ok=True,  # 204 No Content: no project (IBM's OpenAPI document lists it)
        )
        return (Project.from_api(item) for item in pages)

    def get_project(self, project_id: str) -> Project:
        return Project.from_api(self._body(endpoints.get_project(project_id)))

    def resolve_project(self, id_or_name: str) -> Project:
        """A project by id, or by *exact* name; the error lists near matches when none fits."""
        value = _text(id_or_name, "project")
        if looks_like_id(value):
            try:
                return self.get_project(value)
            except NotFoundError:
                pass  # an id-shaped name is unusual but allowed: look it up by name below
        candidates = list(self.iter_projects(name=value))
        found = pick_exact("project", value, candidates)
        if found is not None:
            return found
        pool = candidates or _first(self.iter_projects(), NEAR_MATCH_POOL)
        raise ProjectNotFoundError(value, near_names(value, (p.name for p in pool)))

    # -- catalogs -------------------------------------------------------------------------------------

    def iter_catalogs(self, *, page_size: int = CATALOGS_PAGE_SIZE) -> Iterator[Catalog]:
        """Every catalog the credentials can read, following ``bookmark`` pages."""
        pages = self._bookmarked(
            "catalogs",
            page_size,
            lambda bookmark: list_catalogs(limit=page_size, bookmark=bookmark),
            items="catalogs",
            next_key="nextBookmark",
        )
        return (Catalog.from_api(item) for item in pages)

    def get_catalog(self, catalog_id: str) -> Catalog:
        return Catalog.from_api(self._body(get_catalog(catalog_id)))

    def resolve_catalog(self, id_or_name: str) -> Catalog:
        """A catalog by id, or by exact name (every catalog is read: the service has no name filter)."""
        value = _text(id_or_name, "catalog")
        refused = ""
        if looks_like_id(value):
            try:
                return self.get_catalog(value)
            except NotFoundError:
                pass
            except PermissionDeniedError:
                # No 404 is documented for a catalog: an unknown id may come back as 403.
                refused = (
                    " (the service refused to read a catalog of that id: it does not exist, or these "
                    "credentials may not read it)"
                )
        catalogs = list(self.iter_catalogs())
        found = pick_exact("catalog", value, catalogs)
        if found is not None:
            return found
        raise WorkspaceNotFoundError("catalog", value, near_names(value, (c.name for c in catalogs)), also=refused)

    # -- deployment spaces ----------------------------------------------------------------------------

    def iter_spaces(self, *, name: str | None = None, page_size: int = SPACES_PAGE_SIZE) -> Iterator[Space]:
        """Deployment spaces (``name``: the service's exact-name filter), following ``next`` links."""
        start: str | None = None
        seen: set[str] = set()
        pages = PageCount("spaces", page_size)
        while True:
            body = self._body(list_spaces(name=name, limit=page_size, start=start))
            items = body.get("resources") or []
            for item in items:
                yield Space.from_api(item)
            start = next_page_param(body, "start")  # the link is relative here: only its query is read
            if start is None or not items or start in seen:
                return
            seen.add(start)
            pages.turn(body)

    def get_space(self, space_id: str) -> Space:
        return Space.from_api(self._body(get_space(space_id)))

    def resolve_space(self, id_or_name: str) -> Space:
        """A deployment space by id, or by exact name; the error lists near matches when none fits."""
        value = _text(id_or_name, "space")
        if looks_like_id(value):
            try:
                return self.get_space(value)
            except NotFoundError:
                pass
        found = pick_exact("space", value, self.iter_spaces(name=value))
        if found is not None:
            return found
        pool = _first(self.iter_spaces(), NEAR_MATCH_POOL)
        raise WorkspaceNotFoundError("space", value, near_names(value, (s.name for s in pool)))

    # -- any ------------------------------------------------------------------------------------------

    def resolve_workspace(self, ref: WorkspaceRef) -> Scope:
        """The scope of the project, catalog or space ``ref`` names (by id or exact name)."""
        resolvers: Mapping[WorkspaceKind, Callable[[str], Project | Catalog | Space]] = {
            "project": self.resolve_project,
            "catalog": self.resolve_catalog,
            "space": self.resolve_space,
        }
        return Scope(ref.scope_kind, resolvers[ref.kind](ref.ref).id)


def _text(value: Any, kind: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(kind, [f"the {kind} must be its id or exact name (text), got {_shape(value)}"])
    return value.strip()


def _first(items: Iterator[Any], count: int) -> list[Any]:
    return [item for _, item in zip(range(count), items, strict=False)]
