"""A small, deterministic tree that discovery (`/v2/connections/{id}/assets`) browses.

The real service lists what the live data source holds; the emulator serves a fixed tree per
family of datasource types (schemas and tables, databases and collections, folders and files).
Paths are case-sensitive; an unknown path is a 404.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

from .catalogue import DiscoveryFamily

# family -> (container type, leaf type, {container name: [leaf names]})
_TREES: dict[DiscoveryFamily, tuple[str, str, dict[str, list[str]]]] = {
    "relational": ("schema", "table", {"PUBLIC": ["CUSTOMERS", "ORDERS"], "SALES": ["INVOICES"]}),
    "document": ("database", "collection", {"app": ["users", "events"], "audit": ["log"]}),
    "files": ("folder", "file", {"data": ["customers.csv", "orders.csv"], "archive": ["2024.csv"]}),
}
_ASSET_NAMESPACE = uuid.UUID("6f1c5d5e-6a1f-4c1e-9a8e-0c6d2b7f1a11")


def _item(connection_id: str, path: str, name: str, kind: str, has_children: bool) -> dict[str, Any]:
    return {
        # Stable per connection and path, like the service's ids for discovered assets.
        "id": str(uuid.uuid5(_ASSET_NAMESPACE, f"{connection_id}:{path}")),
        "name": name,
        "path": path,
        "type": kind,
        "has_children": has_children,
    }


def _asset_type(kind: str, *, container: bool) -> dict[str, Any]:
    return {"type": kind, "dataset": not container, "dataset_container": container}


def browse(
    family: DiscoveryFamily, connection_id: str, path: str, properties: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]] | None:
    """(asset_types, assets) under `path`, or None when the path does not exist."""
    parts = [p for p in path.split("/") if p]
    if family == "http":
        url_path = urlsplit(str(properties.get("url", ""))).path
        file_name = url_path.rstrip("/").rsplit("/", 1)[-1] or "index"
        if not parts:
            return [_asset_type("file", container=False)], [
                _item(connection_id, f"/{file_name}", file_name, "file", False)
            ]
        return ([], []) if parts == [file_name] else None
    container_type, leaf_type, tree = _TREES[family]
    if not parts:
        items = [_item(connection_id, f"/{name}", name, container_type, True) for name in tree]
        return [_asset_type(container_type, container=True)], items
    if parts[0] not in tree:
        return None
    if len(parts) == 1:
        leaves = tree[parts[0]]
        items = [_item(connection_id, f"/{parts[0]}/{leaf}", leaf, leaf_type, False) for leaf in leaves]
        return [_asset_type(leaf_type, container=False)], items
    if len(parts) == 2 and parts[1] in tree[parts[0]]:
        return [], []
    return None
