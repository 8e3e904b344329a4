"""The emulator's stored data, and the bundle of everything one emulator instance holds.

`Store`: workspaces (projects, catalogs, spaces), connections and the credentials that emulated
data sources accept. One re-entrant lock guards everything: handlers run on uvicorn's event loop
while tests call the same store from their own thread through the inspection handle. Every read
returns a copy, so no caller can change stored data except through the store's methods.

`EmulatorContext`: the store plus tokens, faults, rate limiter, request log, vault and data assets
of one instance, shared by the routes, the middleware and the Python handle.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from ..faults import FaultInjector, RateLimiter
from ..settings import EmulatorSettings
from .data_assets import DataAssetStore
from .listing import ScopeIndex
from .records import ScopeKind, StoredConnection, Workspace
from .requestlog import RequestLog
from .tokens import TokenRegistry
from .vault import Vault

T = TypeVar("T")


class ConflictError(Exception):
    """The connection changed between read and write; the caller re-reads and retries."""


class DuplicateNameError(Exception):
    """Another connection of the scope already has this name (the service answers 409)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class Store:
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._seq = itertools.count(1)
        self._workspaces: dict[str, Workspace] = {}
        self._connections: dict[str, StoredConnection] = {}
        # Per scope, the order and indexes the list endpoint pages with (see `ScopeIndex` in listing).
        self._scopes: dict[tuple[ScopeKind, str], ScopeIndex] = {}
        # (host, port) -> (username, password) an emulated data source accepts.
        self._accounts: dict[tuple[str, int], tuple[str, str]] = {}

    # --- workspaces ---
    def add_workspace(
        self,
        kind: ScopeKind,
        name: str,
        *,
        guid: str | None = None,
        description: str = "",
        type: str = "cpd",
        seeded: bool = False,
    ) -> Workspace:
        with self._lock:
            guid = guid or str(uuid.uuid4())
            if guid in self._workspaces:
                raise ValueError(f"a workspace with id {guid} already exists")
            ws = Workspace(
                kind=kind,
                guid=guid,
                name=name,
                seq=next(self._seq),
                created_at=time.time(),
                description=description,
                type=type,
                seeded=seeded,
            )
            self._workspaces[guid] = ws
            return dataclasses.replace(ws)

    def workspace(self, kind: ScopeKind, guid: str) -> Workspace | None:
        with self._lock:
            ws = self._workspaces.get(guid)
            return dataclasses.replace(ws) if ws is not None and ws.kind == kind else None

    def workspaces(self, kind: ScopeKind) -> list[Workspace]:
        with self._lock:
            found = [dataclasses.replace(w) for w in self._workspaces.values() if w.kind == kind]
        return sorted(found, key=lambda w: w.seq)

    def resolve_workspace(self, kind: ScopeKind, name_or_guid: str) -> Workspace:
        """By guid first, then by exact name (the first created wins on duplicates)."""
        ws = self.workspace(kind, name_or_guid)
        if ws is not None:
            return ws
        for candidate in self.workspaces(kind):
            if candidate.name == name_or_guid:
                return candidate
        raise KeyError(f"no {kind} named or with id {name_or_guid!r}")

    # --- connections ---
    def _index(self, kind: ScopeKind, scope_id: str) -> ScopeIndex:
        index = self._scopes.get((kind, scope_id))
        if index is None:
            index = self._scopes[(kind, scope_id)] = ScopeIndex()
        return index

    def create_connection(
        self,
        *,
        scope_kind: ScopeKind,
        scope_id: str,
        name: str,
        datasource_type: str,
        description: str,
        properties: dict[str, Any],
        flags: list[str],
        origin_country: str,
        creator_id: str,
        unique_name: bool = False,
    ) -> StoredConnection:
        """Store a new connection; with `unique_name`, a name taken in the scope raises DuplicateNameError."""
        with self._lock:
            index = self._index(scope_kind, scope_id)
            if unique_name and index.named(name):
                raise DuplicateNameError(name)
            now = time.time()
            conn = StoredConnection(
                asset_id=str(uuid.uuid4()),
                scope_kind=scope_kind,
                scope_id=scope_id,
                name=name,
                datasource_type=datasource_type,
                description=description,
                properties=copy.deepcopy(properties),
                flags=list(flags),
                origin_country=origin_country,
                creator_id=creator_id,
                create_time=now,
                updated_at=now,
                updater_id=creator_id,
                seq=next(self._seq),
                last_access_time=now,
                last_accessor_id=creator_id,
            )
            self._connections[conn.asset_id] = conn
            index.add(conn)
            return conn.copy()

    def connection(self, asset_id: str) -> StoredConnection | None:
        with self._lock:
            conn = self._connections.get(asset_id)
            return conn.copy() if conn is not None else None

    def record_access(self, asset_id: str, accessor_id: str) -> StoredConnection | None:
        """A read of the connection: counted in its `metadata.usage`. Returns the updated copy."""
        with self._lock:
            conn = self._connections.get(asset_id)
            if conn is None:
                return None
            conn.last_access_time = time.time()
            conn.last_accessor_id = accessor_id
            conn.access_count += 1
            return conn.copy()

    def connections(self, scope_kind: ScopeKind | None = None, scope_id: str | None = None) -> list[StoredConnection]:
        """Connections in creation order, optionally only those of one scope (copies of them all)."""
        with self._lock:
            if scope_kind is not None and scope_id is not None:
                index = self._scopes.get((scope_kind, scope_id))
                return [c.copy() for c in index.all()] if index is not None else []
            found = [
                c.copy()
                for c in self._connections.values()
                if (scope_kind is None or c.scope_kind == scope_kind) and (scope_id is None or c.scope_id == scope_id)
            ]
        return sorted(found, key=lambda c: c.seq)

    def query_scope(self, kind: ScopeKind, scope_id: str, query: Callable[[ScopeIndex], T]) -> T:
        """Run `query` on the scope's index under the store's lock (it must copy what it returns)."""
        with self._lock:
            return query(self._index(kind, scope_id))

    def update_connection(
        self,
        asset_id: str,
        *,
        expected_revision: int,
        name: str,
        description: str,
        properties: dict[str, Any],
        origin_country: str,
        updater_id: str,
        unique_name: bool = False,
    ) -> StoredConnection:
        """Compare-and-set: raises KeyError when gone, ConflictError when changed meanwhile, and
        DuplicateNameError (with `unique_name`) when renamed to a name another connection has."""
        with self._lock:
            conn = self._connections.get(asset_id)
            if conn is None:
                raise KeyError(asset_id)
            if conn.revision != expected_revision:
                raise ConflictError(asset_id)
            index = self._index(conn.scope_kind, conn.scope_id)
            if unique_name and name != conn.name and index.named(name):
                raise DuplicateNameError(name)
            now = time.time()
            updated = dataclasses.replace(
                conn,
                name=name,
                description=description,
                properties=copy.deepcopy(properties),
                flags=list(conn.flags),
                origin_country=origin_country,
                updated_at=now,
                updater_id=updater_id,
                revision=conn.revision + 1,
                last_access_time=now,
                last_accessor_id=updater_id,
            )
            self._connections[asset_id] = updated
            index.replace(conn, updated)
            return updated.copy()

    def delete_connection(self, asset_id: str) -> bool:
        with self._lock:
            conn = self._connections.pop(asset_id, None)
            if conn is None:
                return False
            self._index(conn.scope_kind, conn.scope_id).remove(conn)
            return True

    # --- emulated data-source accounts ---
    def register_account(self, host: str, port: int, username: str, password: str) -> None:
        with self._lock:
            self._accounts[(host.lower(), int(port))] = (username, password)

    def account(self, host: str, port: int) -> tuple[str, str] | None:
        with self._lock:
            return self._accounts.get((host.lower(), int(port)))

    def accounts(self) -> list[tuple[str, int, str]]:
        """(host, port, username) of each registered account; passwords stay inside."""
        with self._lock:
            return [(h, p, user) for (h, p), (user, _pw) in self._accounts.items()]

    # --- housekeeping ---
    def reset(self) -> None:
        """Back to the start-up state: seeded workspaces only, no connections or accounts."""
        with self._lock:
            self._connections.clear()
            self._scopes.clear()
            self._accounts.clear()
            self._workspaces = {g: w for g, w in self._workspaces.items() if w.seeded}


@dataclasses.dataclass(slots=True)
class EmulatorContext:
    """Everything one emulator instance holds, bundled so routes, middleware and handle share it."""

    settings: EmulatorSettings
    store: Store
    tokens: TokenRegistry
    faults: FaultInjector
    limiter: RateLimiter
    log: RequestLog
    vault: Vault = dataclasses.field(default_factory=Vault)
    data_assets: DataAssetStore = dataclasses.field(default_factory=DataAssetStore)

    @classmethod
    def create(cls, settings: EmulatorSettings) -> EmulatorContext:
        store = Store()
        for kind, name, guid in settings.seed_workspaces():
            store.add_workspace(kind, name, guid=guid, seeded=True)
        tokens = TokenRegistry(
            ttl=settings.token_ttl,
            api_keys=settings.api_keys,
            users=settings.users,
            static_tokens=settings.static_tokens,
        )
        return cls(settings, store, tokens, FaultInjector(settings), RateLimiter(), RequestLog())

    def reset(self) -> None:
        """Clear connections, accounts, vault secrets, log, counters and faults; keep seeded workspaces and
        tokens."""
        self.store.reset()
        self.vault.reset()
        self.data_assets.reset()
        self.log.reset()
        self.faults.reset()
        self.limiter.reset()
