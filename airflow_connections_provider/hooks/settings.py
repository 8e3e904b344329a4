"""Turn an Airflow connection of type ``ibmdataplatform`` into frozen client settings.

Pure: no Airflow import at module level, no I/O, no secret masking. The hook calls
:func:`settings_from_connection` on the connection it fetched, blocking for tasks and without blocking
for triggers (``aget_client_config``), so the two can never read a field differently.

Field mapping: host → API base URL or region; port → the URL's port when the host names none;
login → username; password → API key, password or bearer token (by auth type); schema → unused;
extra → ``auth_type``, ``iam_url``, the default workspace (at most one of ``project``, ``catalog``,
``space``: an id or an exact name), ``verify_tls``, ``ca_bundle``, ``timeout``, ``total_timeout``,
``retry_limit``, ``retry_delay``, ``max_retry_wait``.
Extra keys may also carry the ``extra__ibmdataplatform__`` prefix older UIs wrote.

Every problem names the Airflow connection and its field, and never quotes a credential (nor a URL
that carries one: credentials belong in the login and password fields, never in a URL).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol
from urllib.parse import urlunsplit

from airflow_connections_provider.client.config import (
    DEFAULT_IAM_URL,
    DEFAULT_RETRY_LIMIT,
    HEADER_SAFE_CREDENTIALS,
    REGION_BASE_URLS,
    AuthType,
    ClientConfig,
    Credentials,
    RetryPolicy,
    looks_like_host,
    region_problem,
    resolve_base_url,
)
from airflow_connections_provider.client.errors import ConfigurationError, shown
from airflow_connections_provider.client.setting_checks import (
    credential_problem,
    retry_limit_problem,
    split_url,
    url_problem,
)
from airflow_connections_provider.client.workspaces import WORKSPACE_KINDS, WorkspaceRef, workspace_ref
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
    #: The workspace tasks use when they name none: the extra ``project``, ``catalog`` or ``space``.
    default_scope: WorkspaceRef | None = None

    @property
    def default_project(self) -> str | None:
        """The default workspace's id or name when it is a project (the extra ``project``)."""
        scope = self.default_scope
        return scope.ref if scope is not None and scope.kind == "project" else None


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


def _number(extras: Mapping[str, Any], key: str, conn_id: str, *, integer: bool = False, positive: bool = False) -> Any:
    if key not in extras:
        return None
    value = extras[key]
    kind = "an integer" if integer else "a finite number" + (" > 0" if positive else "")
    number: Any = None
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        number = _parse_number(value, integer=integer)
    if number is None or (positive and number <= 0):
        if key == "retry_limit":  # worded as wherever a retry limit is given
            raise ConfigurationError(f"extra {key!r} of Airflow connection {conn_id!r} {retry_limit_problem(value)}")
        raise ConfigurationError(f"extra {key!r} of Airflow connection {conn_id!r} must be {kind}, got {shown(value)}")
    return number


def _parse_number(value: int | float | str, *, integer: bool) -> Any:
    """``value`` as an int or a finite float, or None; never raises (a 5,000-digit text included)."""
    if integer:
        if isinstance(value, int):
            return value
        text = str(value).strip()
        digits = text[1:] if text[:1] in "+-" else text
        if not (digits.isascii() and digits.isdigit()) or len(digits.lstrip("0")) > 18:
            return None  # too wide for any setting; int() itself refuses past 4,300 digits
        return int(text)
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


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
    conn_id = conn.conn_id
    if conn.port not in (None, 0) and not _valid_port(conn.port):
        raise ConfigurationError(
            f"the port field of Airflow connection {conn_id!r} must be between 1 and 65535, got {shown(conn.port)}"
        )
    if conn.host is not None and not isinstance(conn.host, str):
        raise ConfigurationError(f"the host field of Airflow connection {conn_id!r} must be text")
    host = (conn.host or "").strip()
    if not host or host.lower() in REGION_BASE_URLS:
        return host or None
    where = f"the host field of Airflow connection {conn_id!r}"
    if "://" not in host:
        if "@" not in host and not looks_like_host(host):
            raise ConfigurationError(f"{where}: {region_problem(host)}")
        host = f"https://{host}"
    problem = url_problem(host)
    if problem is not None:
        raise ConfigurationError(f"{where} {problem}")
    parts = split_url(host.rstrip("/"))
    if conn.port and parts.port is None:
        return urlunsplit(parts._replace(netloc=f"{parts.netloc}:{conn.port}"))
    return parts.geturl()


def _valid_port(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 65535


def _iam_url(extras: Mapping[str, Any], conn_id: str) -> str:
    value = extras.get("iam_url") or DEFAULT_IAM_URL
    problem = url_problem(value.strip() if isinstance(value, str) else value)
    if problem is not None:
        example = "" if "credentials" in problem else f" (IBM Cloud's is {DEFAULT_IAM_URL})"
        raise ConfigurationError(f"extra 'iam_url' of Airflow connection {conn_id!r} {problem}{example}")
    return str(value).strip()


#: Where each credential comes from: the form field first, then the extra that may carry it instead.
_CREDENTIAL_FIELDS = {
    "api_key": (("password", "the password field"), ("api_key", "extra 'api_key'")),
    "token": (("password", "the password field"), ("token", "extra 'token'")),
    "password": (("password", "the password field"),),
    "username": (("login", "the login field"), ("username", "extra 'username'")),
}


def _credentials(
    conn: AirflowConnectionLike, extras: Mapping[str, Any], auth_type: AuthType, iam_url: str
) -> Credentials:
    """The credentials ``auth_type`` needs, each checked where it was given (field named, value never shown)."""
    given: dict[str, Any] = {}
    problems = []
    for name in _NEEDS[auth_type]:
        for source, label in _CREDENTIAL_FIELDS[name]:
            value = getattr(conn, source) if source in ("password", "login") else extras.get(source)
            if value in (None, ""):
                continue
            problem = credential_problem(value, header_safe=name in HEADER_SAFE_CREDENTIALS)
            if problem is not None:
                problems.append(f"{label} of Airflow connection {conn.conn_id!r} {problem}")
            given[name] = value
            break
    if problems:
        raise ConfigurationError("; ".join(problems))
    return Credentials(auth_type=auth_type, iam_url=iam_url, **given)


_NEEDS = {
    AuthType.IAM_API_KEY: ("api_key",),
    AuthType.AWS_API_KEY: ("api_key",),
    AuthType.CP4D_PASSWORD: ("username", "password"),
    AuthType.CP4D_API_KEY: ("username", "api_key"),
    AuthType.ZEN_API_KEY: ("username", "api_key"),
    AuthType.BEARER_TOKEN: ("token",),
}


def credential_values(conn: AirflowConnectionLike) -> list[str]:
    """The secrets an Airflow connection may hold (password, extra ``api_key`` and ``token``), for masking.

    Never raises: masking comes before the checks that may refuse the connection.
    """
    values = [conn.password] if isinstance(conn.password, str) else []
    try:
        extras = _extras(conn.extra, conn.conn_id)
    except ConfigurationError:
        extras = {}
    values += [extras[key] for key in ("api_key", "token") if isinstance(extras.get(key), str)]
    return [value for value in values if value]


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
    problems: list[str] = []  # every problem, each naming its field

    def attempt(build: Callable[[], Any], fallback: Any) -> Any:
        try:
            return build()
        except ConfigurationError as exc:
            problems.append(str(exc))
            return fallback

    auth_type = attempt(lambda: AuthType.parse(extras.get("auth_type", AuthType.IAM_API_KEY)), None)
    iam_url = attempt(lambda: _iam_url(extras, conn_id), DEFAULT_IAM_URL)
    credentials = None
    if auth_type is not None:
        credentials = attempt(lambda: _credentials(conn, extras, auth_type, iam_url), None)
    numbers: dict[str, Any] = {}
    for key, integer, positive in _NUMBERS:
        numbers[key] = attempt(partial(_number, extras, key, conn_id, integer=integer, positive=positive), None)
    limit_problem = retry_limit_problem(numbers["retry_limit"]) if numbers["retry_limit"] is not None else None
    if limit_problem is not None:
        problems.append(f"extra 'retry_limit' of Airflow connection {conn_id!r} {limit_problem}")
    policy = attempt(
        lambda: RetryPolicy(
            retry_limit=_pick(retry_limit, None if limit_problem else numbers["retry_limit"], DEFAULT_RETRY_LIMIT),
            retry_delay=_pick(retry_delay, numbers["retry_delay"], 1.0),
            max_retry_wait=_pick(max_retry_wait, numbers["max_retry_wait"], 60.0),
        ),
        RetryPolicy(),
    )
    verify: bool | str = attempt(lambda: _flag(extras.get("verify_tls", True), "verify_tls", conn_id), True)
    if extras.get("ca_bundle") and verify:
        verify = str(extras["ca_bundle"])
    base_url = attempt(lambda: resolve_base_url(_base_url(conn)), None)
    default_scope, scope_problems = workspace_ref(**{kind: extras.get(kind) for kind in WORKSPACE_KINDS})
    where = f"the default workspace of Airflow connection {conn_id!r}"
    problems += [f"{where}: {p}; set one of the extras 'project', 'catalog', 'space'" for p in scope_problems]
    config = None
    if not problems and credentials is not None:
        config = attempt(
            lambda: ClientConfig(
                credentials=credentials,
                base_url=base_url,
                verify=verify,
                timeout=_pick(timeout, numbers["timeout"], 60.0),
                total_timeout=numbers["total_timeout"],
                retry=policy,
                on_secret=on_secret,
                origin=f"Airflow connection {conn_id!r}",
            ),
            None,
        )
    if problems or config is None:
        raise ConfigurationError(f"Airflow connection {conn_id!r} is not usable: " + "; ".join(problems))
    return HookSettings(client_config=config, default_scope=default_scope)


#: Numeric extras: (key, integer, must be > 0).
_NUMBERS = (
    ("retry_limit", True, False),
    ("retry_delay", False, False),
    ("max_retry_wait", False, False),
    ("timeout", False, True),
    ("total_timeout", False, True),
)


def _pick(explicit: Any, from_conn: Any, default: Any) -> Any:
    if explicit is not None:
        return explicit
    return default if from_conn is None else from_conn
