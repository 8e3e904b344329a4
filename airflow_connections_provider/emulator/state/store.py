"""The emulator's stored data, and the bundle of everything one emulator instance holds.

`Store`: workspaces (projects, catalogs, spaces), connections and the credentials that emulated
data sources accept. One re-entrant lock guards everything: handlers run on uvicorn's event loop
while tests call the same store from their own thread through the inspection handle. Every read
returns a copy, so no caller can change stored data except through the store's methods.

`EmulatorContext`: the store plus tokens, faults, rate limiter and request log of one instance,
shared by the routes, the middleware and the Python handle.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import threading
import time
import uuid
from typing import Any, Literal

from ..faults import FaultInjector, RateLimiter
from ..inspection.requestlog import RequestLog
from ..settings import EmulatorSettings
from .tokens import TokenRegistry

ScopeKind = Literal["project", "catalog", "space"]
SCOPE_PARAMS: dict[ScopeKind, str] = {"project": "project_id", "catalog": "catalog_id", "space": "space_id"}


@dataclasses.dataclass(slots=True)
class Workspace:
    """A project, catalog or space: what scopes a connection."""

    kind: ScopeKind
    guid: str
    name: str
    seq: int
    created_at: float
    description: str = ""
    type: str = "cpd"
    seeded: bool = False
    storage_guid: str = dataclasses.field(default_factory=lambda: str(uuid.uuid4()))


@dataclasses.dataclass(slots=True)
class StoredConnection:
    """A connection as stored: secrets in clear (masking happens when replying)."""

    asset_id: str
    scope_kind: ScopeKind
    scope_id: str
    name: str
    datasource_type: str
    description: str
    properties: dict[str, Any]
    flags: list[str]
    origin_country: str
    creator_id: str
    create_time: float
    updated_at: float
    updater_id: str
    seq: int
    # Bumped by every update, so a concurrent update of the same connection is never lost.
    revision: int = 0

    def copy(self) -> StoredConnection:
        return dataclasses.replace(self, properties=copy.deepcopy(self.properties), flags=list(self.flags))


class ConflictError(Exception):
    """The connection changed between read and write; the caller re-reads and retries."""


class Store:
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._seq = itertools.count(1)
        self._workspaces: dict[str, Workspace] = {}
        self._connections: dict[str, StoredConnection] = {}
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
    ) -> StoredConnection:
        with self._lock:
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
            )
            self._connections[conn.asset_id] = conn
            return conn.copy()

    def connection(self, asset_id: str) -> StoredConnection | None:
        with self._lock:
            conn = self._connections.get(asset_id)
            return conn.copy() if conn is not None else None

    def connections(self, scope_kind: ScopeKind | None = None, scope_id: str | None = None) -> list[StoredConnection]:
        """Connections in creation order, optionally only those of one scope."""
        with self._lock:
            found = [
                c.copy()
                for c in self._connections.values()
                if (scope_kind is None or c.scope_kind == scope_kind) and (scope_id is None or c.scope_id == scope_id)
            ]
        return sorted(found, key=lambda c: c.seq)

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
    ) -> StoredConnection:
        """Compare-and-set: raises KeyError when gone, ConflictError when changed meanwhile."""
        with self._lock:
            conn = self._connections.get(asset_id)
            if conn is None:
                raise KeyError(asset_id)
            if conn.revision != expected_revision:
                raise ConflictError(asset_id)
            conn.name = name
            conn.description = description
            conn.properties = copy.deepcopy(properties)
            conn.origin_country = origin_country
            conn.updated_at = time.time()
            conn.updater_id = updater_id
            conn.revision += 1
            return conn.copy()

    def delete_connection(self, asset_id: str) -> bool:
        with self._lock:
            return self._connections.pop(asset_id, None) is not None

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

    @classmethod
    def create(cls, settings: EmulatorSettings) -> EmulatorContext:
        store = Store()
        for name, guid in settings.seed_projects():
            store.add_workspace("project", name, guid=guid, seeded=True)
        tokens = TokenRegistry(
            ttl=settings.token_ttl,
            api_keys=settings.api_keys,
            users=settings.users,
            static_tokens=settings.static_tokens,
        )
        return cls(settings, store, tokens, FaultInjector(settings), RateLimiter(), RequestLog())

    def reset(self) -> None:
        """Clear connections, accounts, log, counters and faults; keep seeded projects and tokens."""
        self.store.reset()
        self.log.reset()
        self.faults.reset()
        self.limiter.reset()
