"""The blocking client: every operation on connections and datasource types; workspaces (projects,
catalogs, spaces: ``workspaces``) and actions (``test``, ``validate``: ``actions``) come from mixins.

Reads page lazily (``iter_*``; ``list_*`` is ``list(iter_*())``). Writes check their input against
the datasource type first and send nothing when it is wrong. Writes never duplicate: after an
ambiguous failure (timeout, dropped connection, 5xx) a create looks the connection up by exact name
before trying again and, when the service then answers 409 (name taken), adopts the connection its
earlier attempt saved; an update re-reads the connection before replaying removals; a delete that
then finds nothing counts as done. Name lookups name every known flag, because a plain listing
leaves flagged connections out. ``skip_enforcement`` goes out only when a caller asks for it, with a
warning in the log.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import requests

from airflow_connections_provider.client import dependents, endpoints
from airflow_connections_provider.client.actions import ActionsMixin
from airflow_connections_provider.client.config import ClientConfig
from airflow_connections_provider.client.dependents import Dependent
from airflow_connections_provider.client.endpoints import ConnectionFilter, looks_like_id
from airflow_connections_provider.client.errors import (
    AmbiguousNameError,
    ConnectionNameExistsError,
    ConnectionsClientError,
    InvalidInputError,
    ListingError,
    NotFoundError,
    UnknownDatasourceTypeError,
)
from airflow_connections_provider.client.messages import Reply, RequestSpec
from airflow_connections_provider.client.models import (
    KNOWN_FLAGS,
    Connection,
    ConnectionChanges,
    DatasourceType,
    Scope,
    ServiceVersion,
)
from airflow_connections_provider.client.retry import is_ambiguous
from airflow_connections_provider.client.transport import POOL_SIZE as HTTP_POOL_SIZE
from airflow_connections_provider.client.transport import SyncTransport
from airflow_connections_provider.client.validation import (
    NewConnection,
    check_changes,
    check_new_connection,
    close_matches,
)
from airflow_connections_provider.client.values import parse_int
from airflow_connections_provider.client.workspaces import WorkspacesMixin

log = logging.getLogger("airflow_connections_provider.client")

#: Every flag a connection may carry. A plain listing leaves flagged connections out, so name lookups
#: and a listing that must see everything (the sync's) name them all.
ALL_FLAGS = KNOWN_FLAGS

__all__ = ["ALL_FLAGS", "ConnectionsClient", "looks_like_id"]


class ConnectionsClient(WorkspacesMixin, ActionsMixin):
    """Thread-safe once built; share one per task. Use as a context manager to close its HTTP pool.

    ``retry_args``: ``tenacity.Retrying`` keyword arguments (``stop``, ``wait``, ``before``, ``after``)
    that tune how its requests are retried, beside ``config.retry`` (see
    :class:`~airflow_connections_provider.client.config.RetryPolicy` and ``client.retrying``).
    """

    #: HTTP connections kept open per host: more threads sharing this client than this reconnect.
    POOL_SIZE = HTTP_POOL_SIZE

    def __init__(
        self,
        config: ClientConfig,
        *,
        retry_args: Mapping[str, Any] | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        kwargs: dict[str, Any] = {"session": session, "retry_args": retry_args}
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
        pages = endpoints.PageCount("datasource types", page_size)
        while True:
            reply = self.transport.request(endpoints.list_datasource_types(limit=page_size, offset=offset))
            body = reply.json_object(empty_ok=True)
            for item in body.get("resources") or []:
                yield self._remember(DatasourceType.from_api(item))
            nxt = parse_int(endpoints.next_page_param(body, "offset"))
            if nxt is None or nxt <= offset:
                return
            pages.turn(body)
            offset = nxt

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
        pages = endpoints.PageCount("connections", page_size)
        while True:
            body = send(endpoints.list_connections(scope, flt, limit=page_size, start=start)).json_object(empty_ok=True)
            for item in body.get("resources") or []:
                yield Connection.from_api(item)
            start = endpoints.next_page_param(body, "start")
            if start is None:
                return
            if start in seen:  # a service bug must not become an endless loop
                raise ListingError(f"the connections list repeated page token {start!r}")
            seen.add(start)
            pages.turn(body)

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

        Raises :class:`AmbiguousNameError` when several share the name (older data and other tools can
        leave duplicates behind, although the service refuses new ones with 409).
        """
        if not isinstance(name, str) or not name:
            raise InvalidInputError("connection name", [f"a name must be a non-empty string, got {name!r}"])
        matches = [c for c in self.iter_connections(scope, name=name, flags=ALL_FLAGS) if c.name == name]
        if len(matches) > 1:
            raise AmbiguousNameError("connection", name, [c.id for c in matches])
        return matches[0] if matches else None

    def find_dependents(self, scope: Scope, connection_ids: Iterable[str]) -> dict[str, tuple[Dependent, ...]]:
        """The data assets that use each connection, which IBM's delete does not check: one walk of the
        scope's data assets through IBM's asset search, for any number of ids (``client.dependents``)."""
        return dependents.find_dependents(self.transport.request, scope, connection_ids)

    # -- connections: writes ----------------------------------------------------------------------

    def create_connection(
        self,
        scope: Scope,
        *,
        name: str,
        datasource_type: str,
        properties: Mapping[str, Any],
        description: str | None = None,
        flags: Sequence[str] | None = None,
        test: bool = True,
        skip_enforcement: bool = False,
    ) -> Connection:
        """Create a connection. With ``test`` the service first tries the data source and refuses to save
        when that fails (:class:`ValidationRefusedError`). A name already taken in the scope raises
        :class:`ConnectionNameExistsError` (409) — unless this call's own earlier attempt saved it.
        The input is checked against the datasource type first (:class:`InvalidInputError`, nothing sent).

        ``properties`` may reference vault secrets (``{"vault_secret": "<secret URN>"}``), sent as IBM's
        model has it (``vault``); ``flags`` (``personal_credentials``, ``restricted``, ...) are set on
        create only. ``skip_enforcement`` asks the service to skip its shared-credentials and
        vaulted-credentials guards for this write (logged as a warning).
        """
        if not isinstance(datasource_type, str):
            raise InvalidInputError(
                "datasource type", [f"datasource_type must be a string, got {type(datasource_type).__name__}"]
            )
        dtype = self.get_datasource_type(datasource_type)
        new, problems = check_new_connection(
            dtype, name=name, properties=properties, description=description, flags=flags
        )
        if new is None:
            raise InvalidInputError(f"connection {name!r}", problems)
        return self.create_checked_connection(scope, new, test=test, skip_enforcement=skip_enforcement)

    def create_checked_connection(
        self, scope: Scope, new: NewConnection, *, test: bool = True, skip_enforcement: bool = False
    ) -> Connection:
        """Create ``new``, made by ``check_new_connection`` (so not checked again): as :meth:`create_connection`."""
        name, dtype, props = new.name, new.datasource_type, new.properties
        spec = endpoints.create_connection(
            scope,
            name=name,
            datasource_type_id=dtype.id,
            properties=props,
            description=new.description,
            flags=new.flags,
            test=test,
            skip_enforcement=skip_enforcement,
        )
        if skip_enforcement:
            warn_skip_enforcement("create", name, scope)
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
            except ConnectionNameExistsError:
                # After an ambiguous failure, 409 says the earlier attempt was saved after all.
                existing = self._created_by_us(scope, name, dtype, props) if ambiguous else None
                if existing is None:
                    raise
                log.warning("Create of connection %r was saved despite the failure; using %s", name, existing.id)
                return existing
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
            if c.name == name and c.has_visible_properties(props, dtype)
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
        skip_enforcement: bool = False,
    ) -> Connection:
        """Apply ``changes`` (only the keys named change) as one JSON Patch.

        With ``test`` the service validates the result before saving, so credentials that do not
        work are refused (:class:`ValidationRefusedError`) and the stored ones stay. ``current`` saves
        a read when the caller already holds the connection. The service's reply is the bare entity;
        the returned connection keeps the id, scope and metadata of the one patched. Changing nothing
        sends no patch: with ``test`` the stored connection is re-tested (the ``test`` action), without
        it nothing is sent at all; either way the current connection is returned. A vault reference set
        or replaced keeps the stored ``vaulted_properties`` in step (``endpoints.wire_changes``); flags
        cannot be changed (IBM documents no way to). ``skip_enforcement``: as :meth:`create_connection`.
        """
        connection_id = endpoints.checked_id(connection_id)
        if not isinstance(changes, ConnectionChanges):
            raise InvalidInputError("update", [f"changes must be ConnectionChanges, got {type(changes).__name__}"])
        current = current or self.get_connection(scope, connection_id)
        dtype = self.get_datasource_type(current.datasource_type)
        checked, problems = check_changes(dtype, changes)
        if problems:
            raise InvalidInputError(f"update of connection {current.name!r}", problems)
        if checked.is_empty:
            if test:
                self.test_connection(scope, connection_id)
            return current
        if skip_enforcement:
            warn_skip_enforcement("update", current.name, scope)
        secret = dtype.secret_properties
        ambiguous = False

        def attempt() -> Connection:
            nonlocal ambiguous
            # A removal replayed after it already took effect would be refused: drop removals of
            # properties the service shows as absent (secrets are never shown, so they stay).
            seen = self._read_once(scope, connection_id) if ambiguous else current
            removals = [k for k in checked.remove_properties if k in secret or k in seen.properties]
            wanted = ConnectionChanges(checked.name, checked.description, checked.set_properties, removals)
            patch = endpoints.build_patch(endpoints.wire_changes(wanted, seen.properties))
            spec = endpoints.update_connection(
                scope, connection_id, patch, test=test, skip_enforcement=skip_enforcement
            )
            try:
                entity = self.transport.send_once(spec).json_object()
            except ConnectionsClientError as exc:
                ambiguous = ambiguous or is_ambiguous(exc)
                raise
            # The reply is the bare entity (no metadata): keep what was patched, take what changed.
            return Connection.from_update_reply(entity, connection_id=connection_id, scope=scope, before=current)

        where = endpoints.update_connection(scope, connection_id, []).where
        return self.transport.retried(attempt, method="PATCH", where=where, idempotent=True)

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


def warn_skip_enforcement(write: str, name: str, scope: Scope) -> None:
    log.warning(
        "skip_enforcement=true on the %s of connection %r in %s: the service skips its guards that refuse "
        "shared credentials and require vaulted credentials (set by its administrator) for this write",
        write,
        name,
        scope,
    )
