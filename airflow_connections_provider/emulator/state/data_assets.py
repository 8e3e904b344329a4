"""Data assets that point at a connection: what a caller must check before deleting one (IBM's
OpenAPI document: deleting "does not check whether the connection is used by activities, data sets
or other assets. The caller must check this").

A data asset lives in a workspace and holds one remote attachment (`connection_id`,
`connection_path`, `is_remote: true`, as IBM's watsonx.ai SDK writes it). Tests seed them
(`POST /_emulator/data-assets`, `EmulatorHandle.add_data_asset`); the asset search finds them
(`routes/search.py`). Deleting the connection leaves them in place, pointing at nothing, as the
service does. Jobs are not modelled: IBM's `job` type points at a flow (`asset_ref`), not at a
connection.
"""

from __future__ import annotations

import dataclasses
import itertools
import threading
import time
import uuid
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .records import ScopeKind


@dataclasses.dataclass(frozen=True, slots=True)
class DataAsset:
    asset_id: str
    attachment_id: str
    scope_kind: ScopeKind
    scope_id: str
    name: str
    description: str
    connection_id: str
    connection_path: str
    mime_type: str
    creator_id: str
    created_at: float
    seq: int


class DataAssetStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seq = itertools.count(1)
        self._assets: dict[str, DataAsset] = {}

    def add(
        self,
        *,
        scope_kind: ScopeKind,
        scope_id: str,
        name: str,
        connection_id: str,
        connection_path: str,
        description: str = "",
        mime_type: str = "text/csv",
        creator_id: str = "emulator-user",
    ) -> DataAsset:
        with self._lock:
            asset = DataAsset(
                asset_id=str(uuid.uuid4()),
                attachment_id=str(uuid.uuid4()),
                scope_kind=scope_kind,
                scope_id=scope_id,
                name=name,
                description=description,
                connection_id=connection_id,
                connection_path=connection_path,
                mime_type=mime_type,
                creator_id=creator_id,
                created_at=time.time(),
                seq=next(self._seq),
            )
            self._assets[asset.asset_id] = asset
            return asset

    def in_scope(self, scope_kind: ScopeKind, scope_id: str) -> list[DataAsset]:
        """The scope's data assets in creation order."""
        with self._lock:
            found = [a for a in self._assets.values() if a.scope_kind == scope_kind and a.scope_id == scope_id]
        return sorted(found, key=lambda a: a.seq)

    def all(self) -> list[DataAsset]:
        with self._lock:
            return sorted(self._assets.values(), key=lambda a: a.seq)

    def reset(self) -> None:
        with self._lock:
            self._assets.clear()
