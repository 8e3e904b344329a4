"""The data sources behind connections: the live probe that validates a connection, and what a
connection's reply lists as its interaction properties.

Probe: `http`-probed types get an HTTP GET to their `url` (any HTTP reply counts as reachable);
cloud services the emulator cannot reach (probe `none`: bigquery, snowflake) always pass;
host/port types get a TCP connect, and when a test registered the credentials the data source at
that host:port accepts, the connection's username and password must match them. Everything is
async so a slow data source never stalls the event loop. Failure messages say why and never
contain a secret (URL user-info is left out too).

Interaction properties: what a connection's reply lists under `entity.interaction_properties` (the
properties a flow reading or writing through the connection sets), a small fixed set for tables and
one for files.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import socket
from typing import Any
from urllib.parse import urlsplit

import httpx

from .descriptors import DatasourceType, P
from .store import Store


class ProbeError(Exception):
    """The data source could not be reached or refused the credentials."""


def _describe_os_error(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, socket.gaierror):
        return "host name could not be resolved"
    if isinstance(exc, (TimeoutError, asyncio.TimeoutError)):
        return "timed out"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return type(exc).__name__


async def _probe_http(url: str, timeout: float) -> None:
    parts = urlsplit(url)
    where = parts.hostname or "?"
    if parts.port is not None:
        where = f"{where}:{parts.port}"
    try:
        # trust_env=False: a proxy configured for the emulator's user must not answer for the source.
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=False) as client:
            await client.get(url)
    except httpx.TimeoutException as exc:
        raise ProbeError(f"could not connect to {where}: timed out") from exc
    except httpx.HTTPError as exc:
        raise ProbeError(f"could not connect to {where}: {_chain_reason(exc)}") from exc
    except (httpx.InvalidURL, ValueError) as exc:  # a URL stored before its checks, or one httpx refuses
        raise ProbeError(f"could not connect to {where}: the URL is not valid") from exc


def _chain_reason(exc: BaseException) -> str:
    """httpx wraps the socket error several times; report the innermost specific one."""
    reason = "the request failed"
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, (ConnectionRefusedError, socket.gaierror, TimeoutError)):
            return _describe_os_error(seen)
        if isinstance(seen, OSError) and seen.strerror:
            reason = _describe_os_error(seen)
        seen = seen.__cause__ or seen.__context__
    return reason


async def _probe_tcp(host: str, port: int, timeout: float) -> None:
    if not 1 <= port <= 65535:
        raise ProbeError(f"could not connect to {host}:{port}: the port is not between 1 and 65535")
    try:
        _reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except (OSError, asyncio.TimeoutError) as exc:
        raise ProbeError(f"could not connect to {host}:{port}: {_describe_os_error(exc)}") from exc
    except ValueError as exc:  # a host name IDNA cannot encode (a label over 63 characters), a NUL
        raise ProbeError(f"could not connect to {host}:{port}: host name could not be resolved") from exc
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()


def _port(dtype: DatasourceType, properties: dict[str, Any]) -> int:
    value = properties.get("port")
    if value in (None, ""):
        descriptor = dtype.find_property("port")
        value = descriptor.default_value if descriptor else None
    if value is None:
        raise ProbeError("no port to connect to")
    return int(str(value).strip())


async def probe(dtype: DatasourceType, properties: dict[str, Any], store: Store, timeout: float) -> None:
    """Raise ProbeError when the data source is unreachable or refuses the credentials."""
    if dtype.probe == "none":
        return
    if dtype.probe == "http":
        await _probe_http(str(properties.get("url", "")), timeout)
        return
    host = str(properties.get("host", "")).strip()
    port = _port(dtype, properties)
    await _probe_tcp(host, port, timeout)
    account = store.account(host, port)
    if account is None:
        return
    username = str(properties.get("username", ""))
    password = str(properties.get("password", ""))
    expected_user, expected_password = account
    if username != expected_user or not hmac.compare_digest(password, expected_password):
        raise ProbeError(f"authentication failed for user {username}")


# --- interaction properties ---

_TABLE = (
    P("schema_name", "string", "Schema Name", description="The name of the schema that contains the table"),
    P("table_name", "string", "Table Name", required=True, description="The name of the table"),
)
_FILE = (
    P("file_name", "string", "File Name", required=True, description="The name of the file"),
    P("file_format", "enum", "File Format", default="csv", values=("csv", "json", "parquet")),
)
_ROW_LIMIT = P("row_limit", "integer", "Row Limit", description="The maximum number of rows to return")
_WRITE_MODE = P("write_mode", "enum", "Write Mode", default="insert", values=("insert", "merge", "update"))
_FILE_WRITE_MODE = P("write_mode", "enum", "Write Mode", default="write", values=("delete", "write"))


def interaction_properties(dtype: DatasourceType | None) -> dict[str, Any]:
    """`entity.interaction_properties` of a connection of this type ({"source": [...], "target": [...]})."""
    if dtype is None:
        return {"source": [], "target": []}
    files = dtype.entity_type == "file"
    source = [*(_FILE if files else _TABLE), _ROW_LIMIT]
    target = [*(_FILE if files else _TABLE), _FILE_WRITE_MODE if files else _WRITE_MODE]
    return {
        "source": [p.to_api() for p in source] if dtype.allowed_as_source else [],
        "target": [p.to_api() for p in target] if dtype.allowed_as_target else [],
    }
