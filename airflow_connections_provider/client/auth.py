"""Authentication, split the IBM way: authenticators say *how* to get a header; a token cache says *when*.

Nothing here does I/O. An authenticator either has a fixed header (Zen API key, static bearer
token) or describes the token exchange as a :class:`RequestSpec` plus a reply parser; the sync and
async HTTP shells run the exchange and keep the result in a :class:`TokenCache`.

Refresh policy: a token is renewed once 80% of its lifetime has passed (IBM's own SDK core uses the
same fraction) and at least ``_MIN_LEAD`` seconds before it expires — but never before a fifth of its
life (``_MIN_USE_FRACTION``), so a token that lives 5 s or less is still reused for a while instead of
being fetched again for every call. After a 401 the shells invalidate the token they used and fetch a new
one once. Every credential sent over plain ``http://`` to a host other than this machine is named in a
warning when the client is built: the API key or password of an exchange, the tokens every API request
carries, a Zen API key or a static bearer token.
"""

from __future__ import annotations

import base64
import ipaddress
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import jwt

from airflow_connections_provider.client.config import (
    DEFAULT_IAM_URL,
    AuthType,
    ClientConfig,
    Credentials,
    aws_token_url,
)
from airflow_connections_provider.client.error_replies import is_transient_status, parse_error_body
from airflow_connections_provider.client.errors import AuthenticationError, ConfigurationError
from airflow_connections_provider.client.messages import Reply, RequestSpec, not_the_api, raise_for_reply
from airflow_connections_provider.client.setting_checks import credential_problem

IAM_GRANT_TYPE = "urn:ibm:params:oauth:grant-type:apikey"
IAM_TOKEN_PATH = "/identity/token"  # noqa: S105 - a path, not a secret
CP4D_AUTHORIZE_PATH = "/icp4d-api/v1/authorize"
_REFRESH_FRACTION = 0.8
_MIN_LEAD = 5.0
_MIN_USE_FRACTION = 0.2

log = logging.getLogger("airflow_connections_provider.client")


@dataclass(frozen=True, slots=True)
class Token:
    value: str = field(repr=False)
    expires_at: float  # local monotonic-free wall clock (time.time()) when the token stops working
    refresh_at: float  # when to fetch a new one

    def usable(self, now: float) -> bool:
        return now < self.refresh_at

    @classmethod
    def with_lifetime(cls, value: str, lifetime: float, now: float) -> Token:
        """A token valid for ``lifetime`` seconds from ``now`` (local clock, so server skew is harmless)."""
        lifetime = max(lifetime, 0.0)
        refresh_in = max(min(lifetime * _REFRESH_FRACTION, lifetime - _MIN_LEAD), lifetime * _MIN_USE_FRACTION)
        return cls(value=value, expires_at=now + lifetime, refresh_at=now + refresh_in)


class Authenticator:
    """Base: a fixed header, or a token exchange. Subclasses fill one of the two."""

    auth_type: AuthType

    def static_header(self) -> str | None:
        """The ``Authorization`` value when no exchange is needed, else None."""
        return None

    def token_request(self) -> RequestSpec:
        raise NotImplementedError

    def parse_token(self, body: Any, now: float) -> Token:
        raise NotImplementedError

    def token_from_reply(
        self, spec: RequestSpec, reply: Reply, now: float, config: ClientConfig | None = None
    ) -> Token:
        """The token of a token-exchange reply.

        A transient failure (429, 5xx) raises the retryable error, for the one retry loop around the
        API call; a redirect or a page that is not JSON raises an error naming the URL setting to fix
        (``config`` says how to name it); a refusal raises :class:`AuthenticationError`. None of these is
        retried, nor is a token that an ``Authorization`` header could not carry.
        """
        if is_transient_status(reply.status) or 300 <= reply.status < 400:
            raise_for_reply(spec, reply, now=now, config=config)
        if not 200 <= reply.status < 300:
            raise token_exchange_failed(reply.status, reply.body, path=spec.where)
        if reply.not_json:
            raise not_the_api(spec, reply, config)
        token = self.parse_token(reply.body, now)
        if credential_problem(token.value, header_safe=True) is not None:
            raise AuthenticationError(
                reply.status,
                "the token reply holds a token that an HTTP header cannot carry (a line break, a space or a "
                "character outside ASCII); the token endpoint is not working as IBM's does",
                code="malformed_token_reply",
                method=spec.method,
                path=spec.where,
            )
        return token

    def header_for(self, token: str) -> str:
        return f"Bearer {token}"

    @property
    def can_refresh(self) -> bool:
        return self.static_header() is None


def iam_token_url(iam_url: str) -> str:
    """``<iam_url>/identity/token``; users paste the IAM address with and without that suffix."""
    base = iam_url.strip().rstrip("/")
    if base.endswith(IAM_TOKEN_PATH):
        base = base[: -len(IAM_TOKEN_PATH)]
    return base + IAM_TOKEN_PATH


class IamAuthenticator(Authenticator):
    """IBM Cloud: exchange an API key at ``<iam_url>/identity/token`` (form-encoded)."""

    auth_type = AuthType.IAM_API_KEY

    def __init__(self, api_key: str, iam_url: str) -> None:
        self._api_key = api_key
        self._url = iam_token_url(iam_url)

    def token_request(self) -> RequestSpec:
        return RequestSpec(
            "POST",
            self._url,
            form={"grant_type": IAM_GRANT_TYPE, "apikey": self._api_key},
            headers={"Accept": "application/json"},
            absolute=True,
            log_path=IAM_TOKEN_PATH,
            url_setting="iam_url",
        )

    def parse_token(self, body: Any, now: float) -> Token:
        return _api_key_token(body, "access_token", "IAM", now)


class AwsApiKeyAuthenticator(Authenticator):
    """watsonx.data integration on AWS: the IAM form body posted to the MCSP exchange; reply ``token``."""

    auth_type = AuthType.AWS_API_KEY

    def __init__(self, api_key: str, token_url: str) -> None:
        self._api_key = api_key
        self._url = token_url

    def token_request(self) -> RequestSpec:
        return RequestSpec(
            "POST",
            self._url,
            form={"grant_type": IAM_GRANT_TYPE, "apikey": self._api_key},
            headers={"Accept": "application/json"},
            absolute=True,
            log_path=urlsplit(self._url).path or self._url,
            url_setting="iam_url",
        )

    def parse_token(self, body: Any, now: float) -> Token:
        return _api_key_token(body, "token", "AWS", now)


class Cp4dAuthenticator(Authenticator):
    """Cloud Pak for Data: ``/icp4d-api/v1/authorize`` with a password or an API key; expiry from the JWT."""

    def __init__(self, base_url: str, username: str, *, password: str | None, api_key: str | None) -> None:
        self.auth_type = AuthType.CP4D_PASSWORD if password else AuthType.CP4D_API_KEY
        self._url = base_url.rstrip("/") + CP4D_AUTHORIZE_PATH
        self._body = (
            {"username": username, "password": password}
            if password
            else {
                "username": username,
                "api_key": api_key,
            }
        )

    def token_request(self) -> RequestSpec:
        return RequestSpec("POST", self._url, json_body=self._body, absolute=True, log_path=CP4D_AUTHORIZE_PATH)

    def parse_token(self, body: Any, now: float) -> Token:
        value = _require_str(body, "token", "Cloud Pak for Data")
        return Token.with_lifetime(value, jwt_lifetime(value, now), now)


class ZenApiKeyAuthenticator(Authenticator):
    auth_type = AuthType.ZEN_API_KEY

    def __init__(self, username: str, api_key: str) -> None:
        self._header = "ZenApiKey " + base64.b64encode(f"{username}:{api_key}".encode()).decode()

    def static_header(self) -> str:
        return self._header


class BearerTokenAuthenticator(Authenticator):
    auth_type = AuthType.BEARER_TOKEN

    def __init__(self, token: str) -> None:
        self._header = f"Bearer {token}"

    def static_header(self) -> str:
        return self._header


def authenticator_for(credentials: Credentials, base_url: str) -> Authenticator:
    c = credentials
    auth: Authenticator
    match c.auth_type:
        case AuthType.IAM_API_KEY:
            auth = IamAuthenticator(_given(c.api_key), c.iam_url)
        case AuthType.AWS_API_KEY:
            # IBM Cloud's IAM default means "not set": the AWS exchange lives beside the API.
            url = aws_token_url(base_url) if c.iam_url == DEFAULT_IAM_URL else c.iam_url.strip()
            auth = AwsApiKeyAuthenticator(_given(c.api_key), url)
        case AuthType.CP4D_PASSWORD:
            auth = Cp4dAuthenticator(base_url, _given(c.username), password=_given(c.password), api_key=None)
        case AuthType.CP4D_API_KEY:
            auth = Cp4dAuthenticator(base_url, _given(c.username), password=None, api_key=_given(c.api_key))
        case AuthType.ZEN_API_KEY:
            auth = ZenApiKeyAuthenticator(_given(c.username), _given(c.api_key))
        case AuthType.BEARER_TOKEN:
            auth = BearerTokenAuthenticator(_given(c.token))
        case _:  # pragma: no cover - AuthType.parse admits nothing else
            raise ConfigurationError(f"unsupported auth type {c.auth_type!r}")
    warn_about_cleartext(auth, base_url)
    return auth


#: What an exchange sends, by auth type (for the cleartext warning).
_EXCHANGED = {
    AuthType.IAM_API_KEY: "the API key is",
    AuthType.AWS_API_KEY: "the API key is",
    AuthType.CP4D_API_KEY: "the username and API key are",
    AuthType.CP4D_PASSWORD: "the username and password are",
}
#: What every API request carries in its ``Authorization`` header, by auth type.
_CARRIED = {AuthType.ZEN_API_KEY: "the Zen API key is", AuthType.BEARER_TOKEN: "the bearer token is"}


def warn_about_cleartext(auth: Authenticator, base_url: str) -> None:
    """Warn, once per client, about every credential that would travel unencrypted."""
    if auth.static_header() is None:
        warn_if_cleartext(auth.token_request().url(base_url), _EXCHANGED.get(auth.auth_type, "the credentials are"))
    warn_if_cleartext(base_url, _CARRIED.get(auth.auth_type, "the access token is"))


def warn_if_cleartext(url: str, what: str = "the credentials are") -> None:
    """Log that ``what`` (subject and verb) goes unencrypted to ``url`` (this machine's own addresses excepted)."""
    parts = urlsplit(url)
    if parts.scheme != "http":
        return
    host = parts.hostname or ""
    try:
        local = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        local = False
    if not local:
        shown_host = f"[{host}]" if ":" in host else host
        log.warning(
            "%s sent to http://%s%s without encryption, in clear. Use an https:// URL",
            what[:1].upper() + what[1:],
            shown_host,
            f":{parts.port}" if parts.port else "",
        )


def jwt_claims(token: str) -> Mapping[str, Any]:
    """The (unverified) claims of a JWT; only read to learn when it expires, never to trust it."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return {}
    return claims if isinstance(claims, dict) else {}


def jwt_lifetime(token: str, now: float) -> float:
    """Seconds the JWT stays valid, measured on the issuer's clock (``exp - iat``) when possible.

    A token without ``exp`` is treated as short-lived (20 minutes) rather than eternal: IBM's SDK
    caches Cloud Pak for Data tokens forever and long runs then fail with 401.
    """
    claims = jwt_claims(token)
    exp, iat = claims.get("exp"), claims.get("iat")
    if isinstance(exp, (int, float)) and isinstance(iat, (int, float)) and exp > iat:
        return float(exp - iat)
    if isinstance(exp, (int, float)):
        return float(exp) - now
    return 20 * 60.0


class TokenCache:
    """The current token and the decision to reuse or replace it. Locking belongs to the shells."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._token: Token | None = None
        self.clock = clock

    def usable(self) -> str | None:
        token = self._token
        return token.value if token is not None and token.usable(self.clock()) else None

    def store(self, token: Token) -> None:
        self._token = token

    def invalidate(self, value: str) -> None:
        """Forget ``value`` if it is still current (another thread may already have refreshed)."""
        if self._token is not None and self._token.value == value:
            self._token = None


def token_exchange_failed(status: int, body: Any, *, path: str) -> AuthenticationError:
    """The error for a refused token exchange; IAM answers a bad key with 400, not 401."""
    parsed = parse_error_body(body)
    return AuthenticationError(
        status,
        f"token exchange refused: {parsed.message or 'no reason given'}. Check the API key, username or password "
        "in the Airflow connection",
        code=parsed.code,
        trace=parsed.trace,
        method="POST",
        path=path,
    )


def _api_key_token(body: Any, key: str, who: str, now: float) -> Token:
    """An API-key exchange's token (IAM, AWS): lifetime from ``expires_in``, else ``expiration``, else the JWT."""
    value = _require_str(body, key, who)
    if isinstance(body.get("expires_in"), (int, float)):
        lifetime = float(body["expires_in"])
    elif isinstance(body.get("expiration"), (int, float)):
        lifetime = float(body["expiration"]) - now
    else:
        lifetime = jwt_lifetime(value, now)
    return Token.with_lifetime(value, lifetime, now)


def _require_str(body: Any, key: str, who: str) -> str:
    value = body.get(key) if isinstance(body, Mapping) else None
    if not isinstance(value, str) or not value:
        raise AuthenticationError(200, f"the {who} token reply has no {key!r}", code="malformed_token_reply")
    return value


def _given(value: str | None) -> str:
    if not value:  # Credentials.__post_init__ already refused this; keep mypy and readers certain.
        raise ConfigurationError("a required credential is empty")
    return value
