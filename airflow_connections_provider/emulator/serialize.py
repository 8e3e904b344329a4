"""Stored connections to the service's JSON, with secrets masked per the secret mode.

Reads never return a secret in clear: in `omit` mode masked properties are dropped, in
`placeholder` mode each is replaced by `SECRET_PLACEHOLDER`. Only the inspection API asks for
`reveal=True`.
"""

from __future__ import annotations

import datetime
from typing import Any

from .catalogue import find_type
from .settings import SecretMode
from .state import SCOPE_PARAMS, StoredConnection

SECRET_PLACEHOLDER = "********"  # noqa: S105 - the mask itself, not a credential


def iso_time(timestamp: float) -> str:
    """'2025-01-31T12:00:00.123Z', the service's timestamp format."""
    moment = datetime.datetime.fromtimestamp(timestamp, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def masked_properties(conn: StoredConnection, secret_mode: SecretMode) -> dict[str, Any]:
    dtype = find_type(conn.datasource_type)
    masked = dtype.masked_names if dtype else frozenset()
    shown: dict[str, Any] = {}
    for name, value in conn.properties.items():
        if name not in masked:
            shown[name] = value
        elif secret_mode == "placeholder":  # noqa: S105 - a mode name
            shown[name] = SECRET_PLACEHOLDER
    return shown


def connection_href(conn: StoredConnection) -> str:
    return f"/v2/connections/{conn.asset_id}?{SCOPE_PARAMS[conn.scope_kind]}={conn.scope_id}"


def connection_to_api(conn: StoredConnection, secret_mode: SecretMode, *, reveal: bool = False) -> dict[str, Any]:
    properties = dict(conn.properties) if reveal else masked_properties(conn, secret_mode)
    return {
        "metadata": {
            "asset_id": conn.asset_id,
            "asset_type": "connection",
            SCOPE_PARAMS[conn.scope_kind]: conn.scope_id,
            "create_time": iso_time(conn.create_time),
            "creator_id": conn.creator_id,
            "href": connection_href(conn),
            "usage": {
                "last_updated_at": iso_time(conn.updated_at),
                "last_updater_id": conn.updater_id,
            },
        },
        "entity": {
            "name": conn.name,
            "datasource_type": conn.datasource_type,
            "description": conn.description,
            "properties": properties,
            "flags": list(conn.flags),
            "origin_country": conn.origin_country,
        },
    }
