"""Turn an Airflow connection of type ``ibmdataplatform`` into frozen client settings.

Pure: no Airflow import at module level, no I/O, no secret masking. The hook (sync) and the trigger
(async) both call :func:`settings_from_connection` on the connection object they fetched their own
way, so the two can never read a field differently.

Field mapping: host → API base URL or region; port → the URL's port when the host names none;
login → username; password → API key, password or bearer token (by auth type); schema → unused;
extra → ``auth_type``, ``iam_url``, ``project``, ``verify_tls``,
``ca_bundle``, ``timeout``, ``retry_limit``, ``retry_delay``, ``max_retry_wait``. Extra keys may
also carry the ``extra__ibmdataplatform__`` prefix older UIs wrote.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from airflow_connections_provider.client.config import (
    DEFAULT_IAM_URL,
    REGION_BASE_URLS,
    AuthType,
    ClientConfig,
    Credentials,
    RetryPolicy,
    resolve_base_url,
)
from airflow_connections_provider.client.errors import ConfigurationError
from airflow_connections_provider.connection_type import CONN_TYPE

_PREFIX = f"extra__{CONN_TYPE}__"


class AirflowConnectionLike(Protocol):
    conn_id: str
    host: str | None
    login: str | None
    password: str | None
    port: int | None
    extra: str | None


@dataclass(frozen=True, slots=True)
class HookSettings:
    client_config: ClientConfig
    default_project: str | None


def _extras(raw: str | Mapping[str, Any] | None, conn_id: str) -> dict[str, Any]:
    if raw is None or raw == "":
        return {}
    if isinstance(raw, Mapping):
        data: Any = dict(raw)
    else:
        try:
            data = json.loads(raw)
        except ValueError:
            raise ConfigurationError(
                f"the extra field of Airflow connection {conn_id!r} is not valid JSON; write it as a JSON object"
            ) from None
    if not isinstance(data, dict):
        raise ConfigurationError(f"the extra field of Airflow connection {conn_id!r} must be a JSON object")
    return {(k[len(_PREFIX) :] if k.startswith(_PREFIX) else k): v for k, v in data.items() if v not in ("", None)}


def unreadable_connection_error(conn_id: str, raw_value: str) -> ConfigurationError:
    """What is wrong with a connection value that a secrets backend holds but Airflow could not read.

    Airflow reports such a connection as "isn't defined" (``compat.unreadable_connection_value``).
    The message names the problem and never quotes the value (it holds the secret).
    """
    try:
        data = json.loads(raw_value)
    except ValueError:
        if raw_value.lstrip().startswith("{"):
            return ConfigurationError(
                f"Airflow connection {conn_id!r} is set, but its value is not valid JSON, so Airflow reports "
                "it as not defined; write it as a JSON object (or a connection URI)"
            )
        data = None
    if isinstance(data, dict) and isinstance(data.get("extra"), str):
        try:
            _extras(data["extra"], conn_id)
        except ConfigurationError as exc:
            return ConfigurationError(f"{exc} (Airflow reports such a connection as not defined)")
    return ConfigurationError(
        f"Airflow connection {conn_id!r} is set, but Airflow cannot read it and reports it as not defined; "
        "check that its value is a JSON object or a connection URI and its extra a JSON object"
    )


def _number(extras: Mapping[str, Any], key: str, conn_id: str, *, integer: bool = False) -> Any:
    if key not in extras:
        return None
    value = extras[key]
    kind = "an integer" if integer else "a finite number"
    try:
        number = int(value) if integer else float(value)
    except (TypeError, ValueError, OverflowError):
        number = None
    if number is None or isinstance(value, bool) or not math.isfinite(number):
        raise ConfigurationError(f"extra {key!r} of Airflow connection {conn_id!r} must be {kind}, got {value!r}")
    return number


def _flag(value: Any, key: str, conn_id: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    # "y": a ticked checkbox as Airflow 2's Test button sends it (wtforms' BooleanField value).
    if text in ("true", "1", "yes", "y", "on"):
        return True
    if text in ("false", "0", "no", "n", "off"):
        return False
    raise ConfigurationError(f"extra {key!r} of Airflow connection {conn_id!r} must be true or false, got {value!r}")


def _base_url(conn: AirflowConnectionLike) -> str | None:
    """The host field as a URL: a region stays a region; the port field fills a port it lacks.

    The schema field is not read (the form hides it): write ``http://`` in the host for plain HTTP.
    """
    host = (conn.host or "").strip()
    if not host or host.lower() in REGION_BASE_URLS:
        return host or None
    if "://" not in host:
        host = f"https://{host}"
    parts = urlsplit(host.rstrip("/"))
    where = f"Airflow connection {conn.conn_id!r}"
    if parts.query or parts.fragment or "?" in host or "#" in host:
        raise ConfigurationError(
            f"the host of {where} has a query string or fragment; give the API base URL only "
            "(https://<host>[:<port>][/<path>]) or a region"
        )
    try:
        port = parts.port
    except ValueError:
        raise ConfigurationError(f"the host of {where} has an invalid port; use 1 to 65535") from None
    if port == 0:
        raise ConfigurationError(f"the host of {where} has an invalid port; use 1 to 65535")
    if conn.port is not None and conn.port != 0 and not _valid_port(conn.port):
        raise ConfigurationError(f"the port field of {where} must be between 1 and 65535")
    if conn.port and port is None:
        return urlunsplit(parts._replace(netloc=f"{parts.netloc}:{conn.port}"))
    return parts.geturl()


def _valid_port(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 65535


def _iam_url(extras: Mapping[str, Any], conn_id: str) -> str:
    value = str(extras.get("iam_url") or DEFAULT_IAM_URL).strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigurationError(
            f"extra 'iam_url' of Airflow connection {conn_id!r} must be a URL such as {DEFAULT_IAM_URL} "
            "(scheme and host, no query string)"
        )
    return value


def settings_from_connection(
    conn: AirflowConnectionLike,
    *,
    retry_limit: int | None = None,
    retry_delay: float | None = None,
    max_retry_wait: float | None = None,
    timeout: float | None = None,
    on_secret: Callable[[str], object] | None = None,
) -> HookSettings:
    """Client settings from an Airflow connection; keyword arguments override the connection's values.

    Every problem found is reported in one :class:`ConfigurationError`, each naming the field to fix.
    """
    conn_id = conn.conn_id
    extras = _extras(conn.extra, conn_id)
    problems: list[str] = []

    def attempt(build: Callable[[], Any], fallback: Any) -> Any:
        try:
            return build()
        except ConfigurationError as exc:
            problems.append(str(exc))
            return fallback

    auth_type = attempt(lambda: AuthType.parse(extras.get("auth_type", AuthType.IAM_API_KEY)), None)
    iam_url = attempt(lambda: _iam_url(extras, conn_id), DEFAULT_IAM_URL)
    secret = conn.password or None
    credentials = None
    if auth_type is not None:
        credentials = attempt(
            lambda: Credentials(
                auth_type=auth_type,
                api_key=(secret or extras.get("api_key")) if auth_type in _KEY_AUTH else None,
                username=conn.login or extras.get("username"),
                password=secret if auth_type is AuthType.CP4D_PASSWORD else None,
                token=(secret or extras.get("token")) if auth_type is AuthType.BEARER_TOKEN else None,
                iam_url=iam_url,
            ),
            None,
        )
    numbers: dict[str, Any] = {}
    for key, integer in (("retry_limit", True), ("retry_delay", False), ("max_retry_wait", False), ("timeout", False)):
        numbers[key] = attempt(partial(_number, extras, key, conn_id, integer=integer), None)
    policy = attempt(
        lambda: RetryPolicy(
            retry_limit=_pick(retry_limit, numbers["retry_limit"], 5),
            retry_delay=_pick(retry_delay, numbers["retry_delay"], 1.0),
            max_retry_wait=_pick(max_retry_wait, numbers["max_retry_wait"], 60.0),
        ),
        RetryPolicy(),
    )
    verify: bool | str = attempt(lambda: _flag(extras.get("verify_tls", True), "verify_tls", conn_id), True)
    if extras.get("ca_bundle") and verify:
        verify = str(extras["ca_bundle"])
    base_url = attempt(lambda: resolve_base_url(_base_url(conn)), None)
    if problems or credentials is None:
        raise ConfigurationError(f"Airflow connection {conn_id!r} is not usable: " + "; ".join(problems))
    config = ClientConfig(
        credentials=credentials,
        base_url=base_url,
        verify=verify,
        timeout=_pick(timeout, numbers["timeout"], 60.0),
        retry=policy,
        on_secret=on_secret,
    )
    project = extras.get("project")
    return HookSettings(client_config=config, default_project=str(project).strip() if project else None)


_KEY_AUTH = frozenset({AuthType.IAM_API_KEY, AuthType.AWS_API_KEY, AuthType.CP4D_API_KEY, AuthType.ZEN_API_KEY})


def _pick(explicit: Any, from_conn: Any, default: Any) -> Any:
    if explicit is not None:
        return explicit
    return default if from_conn is None else from_conn
