"""Airflow connections and Variables as Airflow's environment-variable backend holds them, read without Airflow.

``AIRFLOW_CONN_<ID>`` holds a connection as JSON (``{"conn_type": ..., "host": ..., "extra": {...}}``)
or as a URI (``ibmdataplatform://login:password@host:port/schema?key=value``); ``AIRFLOW_VAR_<KEY>``
a Variable's value. The reading follows Airflow's (a value starting with ``{`` is JSON; the URI rules
of ``airflow.models.Connection``: a host may carry its own ``scheme://``, every part is URL-decoded,
``__extra__`` holds the whole extra as JSON, other query keys are extra fields read as JSON when they
parse, as Airflow 3 does; 2.x keeps them as text, which the hook's settings read alike). Importing
Airflow would read and write its configuration and take seconds; a CI job that only plans needs
neither. A value that cannot be read is an error naming the variable, never quoting it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from airflow_connections_provider.client import ConfigurationError

EXTRA_KEY = "__extra__"


def conn_variable(conn_id: str) -> str:
    return f"AIRFLOW_CONN_{conn_id.upper()}"


def var_variable(key: str) -> str:
    return f"AIRFLOW_VAR_{key.upper()}"


@dataclass(frozen=True)
class EnvConnection:
    """The fields of an Airflow connection (``conn.<id>.<field>`` in a template); secrets out of ``repr``."""

    conn_id: str
    conn_type: str | None = None
    host: str | None = None
    login: str | None = None
    password: str | None = field(default=None, repr=False)
    schema: str | None = None
    port: int | None = None
    extra: str | None = field(default=None, repr=False)

    @property
    def extra_dejson(self) -> dict[str, Any]:
        if not self.extra:
            return {}
        data = json.loads(self.extra)
        return data if isinstance(data, dict) else {}


def read_connection(conn_id: str, environ: Mapping[str, str] | None = None) -> EnvConnection | None:
    """``AIRFLOW_CONN_<ID>`` as a connection; None when the variable is not set."""
    name = conn_variable(conn_id)
    value = (os.environ if environ is None else environ).get(name)
    if value is None:
        return None
    if value.lstrip().startswith("{"):
        return _from_json(conn_id, name, value)
    return _from_uri(conn_id, name, value)


def read_variable(key: str, environ: Mapping[str, str] | None = None) -> str | None:
    return (os.environ if environ is None else environ).get(var_variable(key))


def _from_json(conn_id: str, name: str, value: str) -> EnvConnection:
    try:
        data = json.loads(value)
    except ValueError:
        raise ConfigurationError(f"{name} is not valid JSON; write it as a JSON object or a connection URI") from None
    if not isinstance(data, dict):
        raise ConfigurationError(f"{name} must be a JSON object or a connection URI")
    unknown = sorted(set(data) - {"conn_type", "host", "login", "password", "schema", "port", "extra", "description"})
    if unknown:
        raise ConfigurationError(f"{name} has unknown field(s) {', '.join(map(repr, unknown))}")
    extra = data.get("extra")
    if extra is not None and not isinstance(extra, str):
        extra = json.dumps(extra)
    return EnvConnection(
        conn_id=conn_id,
        conn_type=_text(data.get("conn_type")),
        host=_text(data.get("host")),
        login=_text(data.get("login")),
        password=_text(data.get("password")),
        schema=_text(data.get("schema")),
        port=_port(data.get("port"), name),
        extra=extra or None,
    )


def _from_uri(conn_id: str, name: str, value: str) -> EnvConnection:
    where = f"{name} (a connection URI)"
    schemes = value.count("://")
    if schemes == 0 or schemes > 2:
        raise ConfigurationError(f"{where} must look like <conn_type>://<login>:<password>@<host>:<port>/<schema>")
    parts = urlsplit(value)
    conn_type = parts.scheme
    rest = value.replace(f"{conn_type}://", "" if schemes == 2 else "//", 1)
    protocol = None
    if schemes == 2:  # a host with its own scheme: https://cpd.example.com
        protocol, _, after = rest.partition("://")
        if "@" in protocol or ":" in protocol:
            raise ConfigurationError(f"{where} is not a valid connection URI")
        rest = f"//{after}"
    inner = urlsplit(rest)
    try:
        port = inner.port
    except ValueError:
        raise ConfigurationError(f"{where} has an invalid port") from None
    host = _hostname(inner)
    extra = None
    if inner.query:
        query = dict(parse_qsl(inner.query, keep_blank_values=True))
        fields = {k: _json_or_text(v) for k, v in query.items()}
        extra = query[EXTRA_KEY] if EXTRA_KEY in query else json.dumps(fields)
    return EnvConnection(
        conn_id=conn_id,
        conn_type=conn_type.replace("-", "_") or None,
        host=f"{protocol}://{host}" if protocol and host else host or None,
        login=unquote(inner.username) if inner.username else None,
        password=unquote(inner.password) if inner.password else None,
        schema=unquote(inner.path[1:]) if inner.path[1:] else None,
        port=port,
        extra=extra,
    )


def _hostname(parts: Any) -> str:
    """As Airflow reads it: the URL-decoded host (lower-cased by ``urlsplit``); an encoded ``/`` keeps the netloc."""
    host = unquote(parts.hostname or "")
    if "/" in host:
        host = unquote(parts.netloc.rsplit("@", 1)[-1].split(":", 1)[0])
    return host


def _json_or_text(value: str) -> Any:
    if not value:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _port(value: Any, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ConfigurationError(f"the port of {name} must be a whole number") from None
