"""The blocking client: every operation on connections, datasource types and projects.

Reads page lazily (``iter_*``; ``list_*`` is ``list(iter_*())``). Writes check their input against
the datasource type first and send nothing when it is wrong. Writes never duplicate: after an
ambiguous failure (timeout, dropped connection, 5xx) a create looks the connection up by exact name
before trying again, an update re-reads the connection before replaying removals, and a delete that
then finds nothing counts as done.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import requests

from airflow_connections_provider.client import endpoints
from airflow_connections_provider.client.config import ClientConfig
from airflow_connections_provider.client.endpoints import ConnectionFilter
from airflow_connections_provider.client.errors import (
    AmbiguousNameError,
    ConnectionsClientError,
    InvalidInputError,
    NotFoundError,
    ProjectNotFoundError,
    UnknownDatasourceTypeError,
)
from airflow_connections_provider.client.models import (
    Connection,
    ConnectionChanges,
    DatasourceType,
    Project,
    Scope,
    ServiceVersion,
)
from airflow_connections_provider.client.retry import is_ambiguous
from airflow_connections_provider.client.transport import SyncTransport
from airflow_connections_provider.client.validation import check_changes, check_new_connection, close_matches
from airflow_connections_provider.client.wire import Reply, RequestSpec

log = logging.getLogger("airflow_connections_provider.client")

#: Listing with both flags returns every connection: the flags widen the result to parameterized and
#: personal-credential connections, which a plain listing leaves out. Name lookups must see them all,
#: or a create could duplicate a connection that exists but was hidden.
ALL_FLAGS = ("parameterized", "personal_credentials")

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def looks_like_id(value: str) -> bool:
    return bool(_GUID.match(value))


def same_visible_properties(conn: Connection, wanted: Mapping[str, Any], secret: frozenset[str]) -> bool:
    """Do the non-secret properties of ``conn`` equal ``wanted``'s? (Values compared as text.)"""
    return all(str(conn.properties.get(k)) == str(v) for k, v in wanted.items() if k not in secret)


class ConnectionsClient:
    """Thread-safe once built; share one per task. Use as a context manager to close its HTTP pool."""

    def __init__(
        self,
        config: ClientConfig,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        kwargs: dict[str, Any] = {"session": session}
        if sleep is not None:
            kwargs["sleep"] = sleep
        if clock is not None:
            kwargs["clock"] = clock
        self.transport = SyncTransport(config, **kwargs)
        self.config = config
        self._types: dict[str, DatasourceType] = {}
        self._types_lock = threading.Lock()

    def __enter__(self) -> ConnectionsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.transport.close()

    def _json(self, spec: RequestSpec) -> Mapping[str, Any]:
        return self.transport.request(spec).json_object()

    # -- service ----------------------------------------------------------------------------------

    def version(self) -> ServiceVersion:
        """The connections service's version: a cheap call that proves reachability and auth."""
        return ServiceVersion.from_api(self._json(endpoints.service_version()))

    # -- datasource types -------------------------------------------------------------------------

    def iter_datasource_types(self, *, page_size: int = endpoints.DEFAULT_PAGE_SIZE) -> Iterator[DatasourceType]:
        offset = 0
        while True:
            body = self._json(endpoints.list_datasource_types(limit=page_size, offset=offset))
            for item in body.get("resources") or []:
                yield self._remember(DatasourceType.from_api(item))
            nxt = endpoints.next_page_param(body, "offset")
            if nxt is None or int(nxt) <= offset:
                return
            offset = int(nxt)

    def list_datasource_types(self) -> list[DatasourceType]:
        return list(self.iter_datasource_types())

    def get_datasource_type(self, name_or_id: str) -> DatasourceType:
        """A datasource type by id or name, cached for the life of this client.

        Names differ by deployment for a few types (``jdbc`` vs ``genericjdbc``), so they are
        always resolved through the API, never from a table in this package.
        """
        key = name_or_id.strip()
        with self._types_lock:
            cached = self._types.get(key) or self._types.get(key.lower())
        if cached is not None:
            return cached
        try:
            dtype = DatasourceType.from_api(self._json(endpoints.get_datasource_type(key)))
        except NotFoundError:
            names = [t.name for t in self.iter_datasource_types()]
            raise UnknownDatasourceTypeError(key, close_matches(key, names)) from None
        return self._remember(dtype)

    def _remember(self, dtype: DatasourceType) -> DatasourceType:
        with self._types_lock:
            self._types[dtype.id] = dtype
            self._types[dtype.name.lower()] = dtype
        return dtype

    # -- projects ---------------------------------------------------------------------------------

    def iter_projects(
        self, *, name: str | None = None, page_size: int = endpoints.DEFAULT_PAGE_SIZE
    ) -> Iterator[Project]:
        """Projects, following ``bookmark`` pages. The service's ``name`` filter also matches partially."""
        bookmark: str | None = None
        while True:
            body = self._json(endpoints.list_projects(name=name, limit=page_size, bookmark=bookmark))
            resources = body.get("resources") or []
            for item in resources:
                yield Project.from_api(item)
            nxt = body.get("bookmark")
            if not nxt or not resources or nxt == bookmark:
                return
            bookmark = str(nxt)

    def get_project(self, project_id: str) -> Project:
        return Project.from_api(self._json(endpoints.get_project(project_id)))

    def resolve_project(self, id_or_name: str) -> Project:
        """A project by id, or by *exact* name; the error lists near matches when none fits."""
        value = id_or_name.strip()
        if looks_like_id(value):
            try:
                return self.get_project(value)
            except NotFoundError:
                pass  # an id-shaped name is unusual but allowed: look it up by name below
        candidates = list(self.iter_projects(name=value))
        exact = [p for p in candidates if p.name == value]
        if len(exact) == 1:
            return exact[0]
        if len(exact) > 1:
            raise AmbiguousNameError("project", value, [p.id for p in exact])
        pool = candidates or [p for _, p in zip(range(500), self.iter_projects(), strict=False)]
        near = [p.name for p in pool if p.name.lower() == value.lower()]
        near += [n for n in close_matches(value, (p.name for p in pool)) if n not in near]
        raise ProjectNotFoundError(value, near)

    # -- connections: reads -----------------------------------------------------------------------

    def iter_connections(
        self,
        scope: Scope,
        *,
        name: str | None = None,
        datasource_type: str | None = None,
        properties: Mapping[str, Any] | None = None,
        context: str | None = None,
        flags: Sequence[str] = (),
        creator: str | None = None,
        sort: str | None = None,
        page_size: int = endpoints.DEFAULT_PAGE_SIZE,
    ) -> Iterator[Connection]:
        """Connections in ``scope`` matching every given filter, one page at a time.

        ``name`` is an exact match; ``datasource_type`` takes a name or an id.
        """
        type_id = self.get_datasource_type(datasource_type).id if datasource_type else None
        flt = ConnectionFilter(
            name=name,
            datasource_type=type_id,
            properties=properties,
            context=context,
            flags=tuple(flags),
            creator=creator,
            sort=sort,
        )
        yield from self._walk(scope, flt, page_size, self.transport.request)

    def _walk(
        self, scope: Scope, flt: ConnectionFilter, page_size: int, send: Callable[[RequestSpec], Reply]
    ) -> Iterator[Connection]:
        start: str | None = None
        seen: set[str] = set()
        while True:
            body = send(endpoints.list_connections(scope, flt, limit=page_size, start=start)).json_object()
            for item in body.get("resources") or []:
                yield Connection.from_api(item)
            start = endpoints.next_page_param(body, "start")
            if start is None:
                return
            if start in seen:  # a service bug must not become an endless loop
                raise ConnectionsClientError(f"the connections list repeated page token {start!r}")
            seen.add(start)

    def list_connections(self, scope: Scope, **filters: Any) -> list[Connection]:
        return list(self.iter_connections(scope, **filters))

    def get_connection(self, scope: Scope, connection_id: str) -> Connection:
        return Connection.from_api(self._json(endpoints.get_connection(scope, connection_id)))

    def _read_once(self, scope: Scope, connection_id: str) -> Connection:
        """A read inside a write's retry loop, which already retries: no second retry layer."""
        return Connection.from_api(
            self.transport.send_once(endpoints.get_connection(scope, connection_id)).json_object()
        )

    def find_connection(self, scope: Scope, name: str) -> Connection | None:
        """The one connection named exactly ``name``; None when there is none.

        Raises :class:`AmbiguousNameError` when several share the name (the service allows it).
        """
        matches = [c for c in self.iter_connections(scope, name=name, flags=ALL_FLAGS) if c.name == name]
        if len(matches) > 1:
            raise AmbiguousNameError("connection", name, [c.id for c in matches])
        return matches[0] if matches else None

    # -- connections: writes ----------------------------------------------------------------------

    def create_connection(
        self,
        scope: Scope,
        *,
        name: str,
        datasource_type: str,
        properties: Mapping[str, Any],
        description: str | None = None,
        test: bool = True,
    ) -> Connection:
        """Create a connection. With ``test`` the service first tries the data source and refuses to save
        when that fails (:class:`ValidationRefusedError`).
        """
        dtype = self.get_datasource_type(datasource_type)
        props, problems = check_new_connection(dtype, name=name, properties=properties)
        if problems:
            raise InvalidInputError(f"connection {name!r}", problems)
        spec = endpoints.create_connection(
            scope,
            name=name,
            datasource_type_id=dtype.id,
            properties=props,
            description=description,
            test=test,
        )
        ambiguous = False

        def attempt() -> Connection:
            nonlocal ambiguous
            if ambiguous:
                # The last POST may have been saved: adopt it rather than create a duplicate.
                existing = self._created_by_us(scope, name, dtype, props)
                if existing is not None:
                    log.warning("Create of connection %r was saved despite the failure; using %s", name, existing.id)
                    return existing
            try:
                return Connection.from_api(self.transport.send_once(spec).json_object())
            except ConnectionsClientError as exc:
                ambiguous = ambiguous or is_ambiguous(exc)
                raise

        return self.transport.retried(attempt, method="POST", where=spec.where, idempotent=True)

    def _created_by_us(
        self, scope: Scope, name: str, dtype: DatasourceType, props: Mapping[str, Any]
    ) -> Connection | None:
        flt = ConnectionFilter(name=name, datasource_type=dtype.id, flags=ALL_FLAGS)
        found = [
            c
            for c in self._walk(scope, flt, endpoints.DEFAULT_PAGE_SIZE, self.transport.send_once)
            if c.name == name and same_visible_properties(c, props, dtype.secret_properties)
        ]
        return max(found, key=lambda c: c.create_time or "") if found else None

    def update_connection(
        self,
        scope: Scope,
        connection_id: str,
        changes: ConnectionChanges,
        *,
        test: bool = True,
        current: Connection | None = None,
    ) -> Connection:
        """Apply ``changes`` (only the keys named change) as one JSON Patch.

        With ``test`` the service validates the result before saving, so credentials that do not
        work are refused (:class:`ValidationRefusedError`) and the stored ones stay. ``current`` saves
        a read when the caller already holds the connection.
        """
        current = current or self.get_connection(scope, connection_id)
        dtype = self.get_datasource_type(current.datasource_type)
        checked, problems = check_changes(dtype, changes)
        if problems:
            raise InvalidInputError(f"update of connection {current.name!r}", problems)
        secret = dtype.secret_properties
        ambiguous = False

        def attempt() -> Connection:
            nonlocal ambiguous
            # A removal replayed after it already took effect would be refused: drop removals of
            # properties the service shows as absent (secrets are never shown, so they stay).
            seen = self._read_once(scope, connection_id) if ambiguous else current
            removals = [k for k in checked.remove_properties if k in secret or k in seen.properties]
            patch = endpoints.build_patch(
                ConnectionChanges(checked.name, checked.description, checked.set_properties, removals)
            )
            spec = endpoints.update_connection(scope, connection_id, patch, test=test)
            try:
                return Connection.from_api(self.transport.send_once(spec).json_object())
            except ConnectionsClientError as exc:
                ambiguous = ambiguous or is_ambiguous(exc)
                raise

        where = endpoints.update_connection(scope, connection_id, []).where
        return self.transport.retried(attempt, method="PATCH", where=where, idempotent=True)

    def validate_connection(self, scope: Scope, connection_id: str) -> Connection:
        """Have the service re-test the stored connection without changing it.

        Raises :class:`ValidationRefusedError` when the data source does not accept it (yet).
        """
        return Connection.from_api(self._json(endpoints.validate_connection(scope, connection_id)))

    def delete_connection(self, scope: Scope, connection_id: str, *, missing_ok: bool = False) -> bool:
        """Delete; True when this call deleted it, False when it was already gone (``missing_ok``)."""
        spec = endpoints.delete_connection(scope, connection_id)
        ambiguous = False

        def attempt() -> bool:
            nonlocal ambiguous
            try:
                self.transport.send_once(spec)
                return True
            except NotFoundError:
                if ambiguous:  # our earlier attempt deleted it before the reply was lost
                    return True
                if missing_ok:
                    return False
                raise
            except ConnectionsClientError as exc:
                ambiguous = ambiguous or is_ambiguous(exc)
                raise

        return self.transport.retried(attempt, method="DELETE", where=spec.where, idempotent=True)
