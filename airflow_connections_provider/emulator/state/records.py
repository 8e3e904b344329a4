"""The records the emulator stores: workspaces (projects, catalogs, spaces) and connections.

Plain data, imported by the store and by the modules the store is built from (listing, data assets),
so none of those needs the store itself.
"""

from __future__ import annotations

import copy
import dataclasses
import uuid
from typing import Any, Literal

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
    creator_id: str = "admin"


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
    # `metadata.usage`: reads of the connection by id count as accesses.
    last_access_time: float = 0.0
    last_accessor_id: str = ""
    access_count: int = 0

    def copy(self) -> StoredConnection:
        return dataclasses.replace(self, properties=copy.deepcopy(self.properties), flags=list(self.flags))
