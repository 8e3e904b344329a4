"""Frozen settings of a client: where the API is, how to authenticate, how long to wait and retry.

Everything here is plain data so it can be built from an Airflow connection, compared in tests and,
for ``RetryPolicy``, carried in a trigger's serialised kwargs.
"""

from __future__ import annotations

import enum
import math
import os
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from airflow_connections_provider.client.errors import ConfigurationError, shown
from airflow_connections_provider.client.setting_checks import (
    DEFAULT_RETRY_LIMIT,
    MAX_RETRY_LIMIT,
    RETRY_LIMIT_MEANING,
    credential_problem,
    header_value_problem,
    retry_limit_problem,
    shown_url,
    url_problem,
)

__all__ = [
    "DEFAULT_RETRY_LIMIT",
    "MAX_RETRY_LIMIT",
    "RETRY_LIMIT_MEANING",
    "AuthType",
    "ClientConfig",
    "Credentials",
    "RetryPolicy",
]

#: IBM Cloud regions and the API base URL of each (Sydney and Toronto live under ``dai.``).
REGION_BASE_URLS: Mapping[str, str] = {
    "us-south": "https://api.dataplatform.cloud.ibm.com",
    "eu-de": "https://api.eu-de.dataplatform.cloud.ibm.com",
    "eu-gb": "https://api.eu-gb.dataplatform.cloud.ibm.com",
    "jp-tok": "https://api.jp-tok.dataplatform.cloud.ibm.com",
    "au-syd": "https://api.au-syd.dai.cloud.ibm.com",
    "ca-tor": "https://api.ca-tor.dai.cloud.ibm.com",
}
#: The city of each region, so a message can say which one a user meant ("eu-frankfurt" is eu-de).
REGION_CITIES: Mapping[str, str] = {
    "us-south": "Dallas",
    "eu-de": "Frankfurt",
    "eu-gb": "London",
    "jp-tok": "Tokyo",
    "au-syd": "Sydney",
    "ca-tor": "Toronto",
}
DEFAULT_BASE_URL = REGION_BASE_URLS["us-south"]
DEFAULT_IAM_URL = "https://iam.cloud.ibm.com"
#: Where the AWS deployment exchanges API keys, on the host beside its API (``api.<env>.…`` → ``<env>.…``).
AWS_TOKEN_PATH = "/api/rest/mcsp/apikeys/token"  # noqa: S105 - a path, not a secret
#: The environment variables requests reads a CA bundle from (and lets override ``Session.verify``).
CA_BUNDLE_ENV = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


class AuthType(str, enum.Enum):
    """How the client authenticates (the values name methods, not secrets)."""

    IAM_API_KEY = "iam_api_key"
    CP4D_PASSWORD = "cp4d_password"  # noqa: S105
    CP4D_API_KEY = "cp4d_api_key"
    ZEN_API_KEY = "zen_api_key"
    BEARER_TOKEN = "bearer_token"  # noqa: S105
    #: watsonx.data integration on AWS (``api.<env>.aws.data.ibm.com``): its own API-key exchange.
    AWS_API_KEY = "aws_api_key"

    @classmethod
    def parse(cls, value: str | AuthType) -> AuthType:
        try:
            return cls(str(getattr(value, "value", value)).strip().lower())
        except ValueError:
            choices = ", ".join(a.value for a in cls)
            raise ConfigurationError(f"unknown auth type {value!r}; use one of: {choices}") from None


def resolve_base_url(host: str | None) -> str:
    """Turn a region, a bare host name or a URL into an API base URL without a trailing slash.

    A bare word that is neither a region nor a host name (``us-east``, ``eu-frankfurt``) is refused with
    the list of regions rather than taken for a host: ``https://us-east`` would only fail later, as a
    host that does not resolve. A host of your own network without a dot needs its scheme
    (``https://cpd``).
    """
    value = (host or "").strip()
    if not value:
        return DEFAULT_BASE_URL
    if value.lower() in REGION_BASE_URLS:
        return REGION_BASE_URLS[value.lower()]
    if "://" not in value:
        if "@" not in value and not looks_like_host(value):
            raise ConfigurationError(f"API base URL {region_problem(value)}")
        value = f"https://{value}"
    problem = url_problem(value)
    if problem is not None:
        regions = "" if "credentials" in problem else f" (or give a region: {', '.join(REGION_BASE_URLS)})"
        raise ConfigurationError(f"API base URL {shown_url(host)} {problem}{regions}")
    return value.rstrip("/")


def region_problem(value: str) -> str:
    """Why a bare word is not a usable host: it is not a region; which regions there are, and which one
    the word may mean (by city)."""
    lowered = value.lower()
    meant = [region for region, city in REGION_CITIES.items() if city.lower() in lowered]
    hint = f" (did you mean {meant[0]!r}?)" if meant else ""
    regions = ", ".join(f"{region} ({city})" for region, city in REGION_CITIES.items())
    return (
        f"{shown(value)} is not an IBM Cloud region{hint}. Use one of: {regions}; or the API's URL, such as "
        "https://cpd.example.com (a host of your own network without a dot needs its scheme: https://cpd)"
    )


def looks_like_host(value: str) -> bool:
    """A bare ``host[:port][/path]``: a name with a dot, ``localhost`` or a bracketed IPv6 address."""
    host = value.split("/", 1)[0]
    if host.startswith("["):
        return True
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return "." in name.strip(".") or name.lower() == "localhost"


def aws_token_url(api_base_url: str) -> str:
    """The AWS deployment's API-key exchange, derived from its API base URL.

    ``https://api.<env>.aws.data.ibm.com`` → ``https://<env>.aws.data.ibm.com/api/rest/mcsp/apikeys/token``.
    """
    parts = urlsplit(api_base_url)
    if not (parts.hostname or "").endswith(".aws.data.ibm.com"):
        raise ConfigurationError(
            f"cannot derive the AWS token URL from {api_base_url!r} (expected https://api.<env>.aws.data.ibm.com): "
            "set iam_url to the full token URL"
        )
    host = parts.netloc[len("api.") :] if parts.netloc.startswith("api.") else parts.netloc
    return f"{parts.scheme}://{host}{AWS_TOKEN_PATH}"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How the blocking client retries transient failures (connection errors, timeouts, 429, 500/502/503/504).

    **``retry_limit`` counts attempts of each API request, the first included** (1 = no retry), as the
    model providers' ``retry_limit`` does (``DatabricksHook``, ``DbtCloudHook``): between 1 and
    :data:`MAX_RETRY_LIMIT`, default :data:`DEFAULT_RETRY_LIMIT` (one attempt and five retries). This is
    where the number is defined; the hook, the operators' ``request_retry_limit`` and the Airflow
    connection's ``retry_limit`` extra mean the same and say so by pointing here.

    Waits grow from ``retry_delay`` (doubling, with jitter) and never exceed ``max_retry_wait``;
    a ``Retry-After`` sent by the service is honoured up to that same cap. ``tenacity`` runs the loop
    (``client.retrying``), and the blocking client's ``retry_args`` tune it further.

    The async client (the triggerer's) makes one attempt per call: the trigger's poll loop is its retry
    loop, so it keeps no retry state while thousands of triggers wait. Plain data, so it can travel in
    a trigger's serialised kwargs (:meth:`to_dict` gives the hook's keyword arguments).
    """

    retry_limit: int = DEFAULT_RETRY_LIMIT
    retry_delay: float = 1.0
    max_retry_wait: float = 60.0

    def __post_init__(self) -> None:
        problems = []
        limit_problem = retry_limit_problem(self.retry_limit)
        if limit_problem is not None:
            problems.append(f"retry_limit {limit_problem}")
        if not _is_number(self.retry_delay) or self.retry_delay < 0:
            problems.append(f"retry_delay must be a finite number of seconds >= 0, got {shown(self.retry_delay)}")
        if not _is_number(self.max_retry_wait) or self.max_retry_wait < 0:
            problems.append(f"max_retry_wait must be a finite number of seconds >= 0, got {shown(self.max_retry_wait)}")
        if problems:
            raise ConfigurationError("; ".join(problems))

    def to_dict(self) -> dict[str, Any]:
        return {
            "retry_limit": self.retry_limit,
            "retry_delay": self.retry_delay,
            "max_retry_wait": self.max_retry_wait,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> RetryPolicy:
        data = data or {}
        return cls(**{k: data[k] for k in ("retry_limit", "retry_delay", "max_retry_wait") if k in data})


@dataclass(frozen=True, slots=True)
class Credentials:
    """What to authenticate with. Secret fields are kept out of ``repr``.

    ``iam_url`` is where an API key is exchanged: IBM Cloud's IAM (with or without the trailing
    ``/identity/token``), or for :attr:`AuthType.AWS_API_KEY` the full token URL; left at IBM Cloud's
    default, the AWS exchange URL is derived from the API base URL.
    """

    auth_type: AuthType
    api_key: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    iam_url: str = DEFAULT_IAM_URL

    def __post_init__(self) -> None:
        needs = {
            AuthType.IAM_API_KEY: ("api_key",),
            AuthType.CP4D_PASSWORD: ("username", "password"),
            AuthType.CP4D_API_KEY: ("username", "api_key"),
            AuthType.ZEN_API_KEY: ("username", "api_key"),
            AuthType.BEARER_TOKEN: ("token",),
            AuthType.AWS_API_KEY: ("api_key",),
        }[self.auth_type]
        missing = [name for name in needs if not getattr(self, name)]
        if missing:
            raise ConfigurationError(
                f"auth type {self.auth_type.value!r} needs {' and '.join(missing)}: set "
                + ", ".join(_WHERE[name] for name in missing)
            )
        problems = [f"{_WHERE[name]} {problem}" for name, problem in credential_problems(self)]
        problem = url_problem(self.iam_url)
        if problem is not None:
            problems.append(f"iam_url {shown_url(self.iam_url)} {problem} (e.g. {DEFAULT_IAM_URL})")
        if problems:
            raise ConfigurationError("; ".join(problems))


_WHERE = {
    "api_key": "the API key (the Airflow connection's password field)",
    "username": "the username (the Airflow connection's login field)",
    "password": "the password (the Airflow connection's password field)",
    "token": "the bearer token (the Airflow connection's password field)",
}
#: Credentials that travel in (or as) an ``Authorization`` header value must be visible ASCII.
HEADER_SAFE_CREDENTIALS = frozenset({"api_key", "token"})


def credential_problems(credentials: Credentials) -> list[tuple[str, str]]:
    """``(field, problem)`` for each set credential HTTP cannot carry (see :func:`credential_problem`)."""
    found = []
    for name in ("api_key", "username", "password", "token"):
        value = getattr(credentials, name)
        if value is None:
            continue
        problem = credential_problem(value, header_safe=name in HEADER_SAFE_CREDENTIALS)
        if problem is not None:
            found.append((name, problem))
    return found


def where_to_fix(setting: str, origin: str | None) -> str:
    """The setting to fix, named as the user gave it: a field of an Airflow connection, or the client's own.

    ``setting`` is ``"host"`` (where API requests go) or ``"iam_url"`` (where an API key is exchanged).
    """
    if origin:
        label = "the host field" if setting == "host" else f"extra {setting!r}"
        return f"{label} of {origin}"
    return "ClientConfig.base_url" if setting == "host" else f"Credentials.{setting}"


@dataclass(frozen=True, slots=True)
class ClientConfig:
    """Everything a client needs. ``verify`` is True/False or a CA bundle path.

    ``timeout`` is the read timeout (it restarts with every byte received); ``total_timeout`` bounds one
    request attempt from connecting to the reply's last byte, so a reply trickled byte by byte cannot
    hold a task or a trigger forever. Unset, it is the connect timeout plus twice the read timeout.

    ``on_secret`` is called with every token the client obtains, before it is used, so a host
    framework can mask it in logs (the Airflow hook passes ``mask_secret``; the async client awaits
    the result when it is awaitable, so a trigger can pass ``amask_secret``).

    ``origin`` says who configured the client, for errors that point at a setting ("Airflow
    connection 'x'": they then name its field, "the host field of Airflow connection 'x'").
    """

    credentials: Credentials
    base_url: str = DEFAULT_BASE_URL
    verify: bool | str = True
    timeout: float = 60.0
    connect_timeout: float = 10.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    user_agent: str = "airflow-connections-provider"
    on_secret: Callable[[str], object] | None = field(default=None, repr=False, compare=False)
    total_timeout: float | None = None
    origin: str | None = None

    def __post_init__(self) -> None:
        for name in ("timeout", "connect_timeout", "total_timeout"):
            value = getattr(self, name)
            if (value is not None or name != "total_timeout") and (not _is_number(value) or value <= 0):
                raise ConfigurationError(f"{name} must be a positive, finite number of seconds, got {shown(value)}")
        if not isinstance(self.user_agent, str) or header_value_problem(self.user_agent):
            raise ConfigurationError("user_agent must be text HTTP can carry (visible ASCII and spaces)")
        if isinstance(self.verify, str):
            # Checked here so every caller (operator, sensor, trigger) gets a configuration error naming
            # the path, not a TLS failure on the first request.
            if not self.verify.strip() or not os.path.exists(self.verify):
                raise ConfigurationError(
                    f"ca_bundle {self.verify!r} does not exist; give the path of a PEM file (or directory) "
                    "of CA certificates readable on the worker and the triggerer"
                )
            _check_pem(self.verify)
        elif not isinstance(self.verify, bool):
            raise ConfigurationError(f"verify must be true, false or a CA bundle path, got {self.verify!r}")
        # Normalise once so every caller can join paths without thinking about slashes.
        object.__setattr__(self, "base_url", resolve_base_url(self.base_url))
        if self.credentials.auth_type is AuthType.AWS_API_KEY and self.credentials.iam_url == DEFAULT_IAM_URL:
            aws_token_url(self.base_url)  # refuses, naming the fix, a host it cannot derive the URL from

    @property
    def timeouts(self) -> tuple[float, float]:
        """``(connect, read)`` timeouts; connect never waits longer than read."""
        return (min(self.connect_timeout, self.timeout), self.timeout)

    @property
    def deadline(self) -> float:
        """Seconds one request attempt may take in all (see the class docstring)."""
        if self.total_timeout is not None:
            return self.total_timeout
        connect, read = self.timeouts
        return connect + 2 * read

    def tls_verify(self, environ: Mapping[str, str] | None = None) -> bool | str:
        """What both HTTP shells verify with, decided once so they can never disagree.

        The connection's own choice wins: a CA bundle path, or False. With the default (True) a CA
        bundle named by ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` is used, as requests users expect,
        and the async shell does the same.
        """
        if self.verify is not True:
            return self.verify
        env = os.environ if environ is None else environ
        for name in CA_BUNDLE_ENV:
            if env.get(name):
                return env[name]
        return True


def _check_pem(path: str) -> None:
    """Parse a CA bundle file once (it is small), so a broken one is a configuration error here."""
    if os.path.isdir(path):
        return
    try:
        ssl.create_default_context(cafile=path)
    except (ssl.SSLError, OSError, ValueError) as exc:
        raise ConfigurationError(
            f"ca_bundle {path!r} could not be loaded as PEM CA certificates ({type(exc).__name__})"
        ) from exc


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
