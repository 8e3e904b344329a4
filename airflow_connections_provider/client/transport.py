"""The blocking HTTP shell (requests): sends :class:`RequestSpec` objects with auth, timeouts and retries.

All decisions live in pure modules (``auth``, ``retry``, ``messages``, ``endpoints``); this file only does I/O:
open sockets, hold the token lock, sleep between attempts (tenacity runs the attempts: ``retrying``).
Its async twin is ``async_transport``.

TLS: requests lets ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` override ``Session.verify``, so the
verification setting (:meth:`ClientConfig.tls_verify`) is passed with every request instead.

netrc: with ``trust_env`` on (the default, and kept: proxies and CA bundles come from the environment),
requests reads ``~/.netrc`` (or ``$NETRC``) for every request sent without ``auth`` and lets those
credentials replace the ``Authorization`` header we set. Every request therefore carries an explicit
:class:`ExplicitAuthorization`, so netrc is never consulted: not for API calls, not for the token exchange.

Total deadline: requests has only a read timeout, which restarts with every byte; each request is
watched by ``deadline_watch`` (a reply trickled byte by byte ends with the same error as in the async
shell).
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import requests
import requests.adapters
import requests.auth
from urllib3.exceptions import MaxRetryError, NewConnectionError

from airflow_connections_provider.client.auth import Authenticator, TokenCache, authenticator_for
from airflow_connections_provider.client.config import ClientConfig
from airflow_connections_provider.client.deadline_watch import DeadlineAdapter, watched_request
from airflow_connections_provider.client.errors import (
    ConfigurationError,
    TransportError,
    deadline_exceeded,
    unsendable_request,
)
from airflow_connections_provider.client.messages import Reply, RequestSpec, raise_for_reply
from airflow_connections_provider.client.retrying import retry_args_problems, retrying

T = TypeVar("T")

#: Connections kept open per host; threads sharing one client beyond this reconnect (urllib3 discards
#: connections past its pool). Public as ``ConnectionsClient.POOL_SIZE``: the sync caps its writers at it.
POOL_SIZE = 32


#: requests' errors for a request it cannot even build: a malformed URL or header. Never transient.
_UNSENDABLE = (
    requests.exceptions.InvalidURL,
    requests.exceptions.InvalidSchema,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidHeader,
)


def transport_error(spec: RequestSpec, exc: requests.RequestException, timeouts: tuple[float, float]) -> TransportError:
    """Classify a requests failure without echoing its text (which holds the full URL)."""
    method, where = spec.method, spec.where
    if isinstance(exc, _UNSENDABLE):
        return unsendable_request(method, where)
    if isinstance(exc, requests.exceptions.SSLError):
        return TransportError(
            method,
            where,
            "TLS verification failed; set the CA bundle path to the server's CA, or fix the URL",
            maybe_applied=False,
            transient=False,
        )
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return TransportError(method, where, f"connect timed out after {timeouts[0]:g} s", maybe_applied=False)
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return TransportError(method, where, f"no reply within {timeouts[1]:g} s", maybe_applied=True)
    if isinstance(exc, requests.exceptions.ConnectionError):
        cause = exc.args[0] if exc.args else None
        if isinstance(cause, MaxRetryError) and isinstance(cause.reason, NewConnectionError):
            return TransportError(method, where, "connection refused or host unreachable", maybe_applied=False)
        return TransportError(method, where, "connection dropped before the reply", maybe_applied=True)
    if isinstance(exc, (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)):
        return TransportError(method, where, "reply cut off mid-way", maybe_applied=True)
    return TransportError(method, where, f"request failed ({type(exc).__name__})", maybe_applied=True)


class ExplicitAuthorization(requests.auth.AuthBase):
    """Our ``Authorization`` value (None: no header, as for a token exchange), passed as ``auth=``.

    An explicit ``auth`` is what stops requests from applying netrc credentials (which would replace
    our header); it is applied last, after the session's and the request's headers are merged.
    """

    def __init__(self, value: str | None) -> None:
        self._value = value

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if self._value is None:
            request.headers.pop("Authorization", None)
        else:
            request.headers["Authorization"] = self._value
        return request

    def __repr__(self) -> str:  # never the header: it holds a token or an API key
        return f"{type(self).__name__}({'set' if self._value is not None else 'none'})"


class SyncTransport:
    """Thread-safe: one instance may serve many threads (the sync operator's bounded pool does).

    ``retry_args``: ``tenacity.Retrying`` keyword arguments that tune the retries (see ``retrying``).
    """

    def __init__(
        self,
        config: ClientConfig,
        *,
        retry_args: Mapping[str, Any] | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        problems = retry_args_problems(retry_args)
        if problems:
            raise ConfigurationError("; ".join(problems))
        self.config = config
        self.retry_args: Mapping[str, Any] | None = dict(retry_args) if retry_args else None
        self._auth: Authenticator = authenticator_for(config.credentials, config.base_url)
        static = self._auth.static_header()
        if static is not None and config.on_secret is not None:
            config.on_secret(static.partition(" ")[2])  # e.g. base64(user:key) of a Zen API key
        self._tokens = TokenCache(clock)
        self._token_lock = threading.Lock()
        self._sleep = sleep
        self._clock = clock
        self._session = session or self._new_session()
        self._verify = config.tls_verify()
        self._session.verify = self._verify
        self._session.headers["User-Agent"] = config.user_agent

    @staticmethod
    def _new_session() -> requests.Session:
        session = requests.Session()
        # Room for the sync operator's bounded pool of writers (urllib3 warns and reconnects past the pool).
        adapter = DeadlineAdapter(pool_connections=4, pool_maxsize=POOL_SIZE)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session

    def close(self) -> None:
        self._session.close()

    def request(self, spec: RequestSpec) -> Reply:
        """Send ``spec`` under the retry policy and return a success reply, or raise the mapped error."""
        return self.retried(self.send_once, spec, method=spec.method, where=spec.where, idempotent=spec.idempotent)

    def retried(self, attempt: Callable[..., T], *args: Any, method: str, where: str, idempotent: bool) -> T:
        """Run ``attempt(*args)`` under the retry policy: the one retry layer of this client.

        Operations that must look before they write again (create, delete) pass their own attempt.
        """
        policy = retrying(
            self.config.retry, self.retry_args, method=method, where=where, idempotent=idempotent, sleep=self._sleep
        )
        result: T = policy(attempt, *args)
        return result

    def send_once(self, spec: RequestSpec) -> Reply:
        """One attempt (plus one replay after a 401), no retry."""
        authorization = self._authorization()
        reply = self._send(spec, authorization)
        if reply.status == 401 and self._auth.can_refresh:
            # The token may have been revoked or expired early: renew once, replay once.
            self._tokens.invalidate(authorization.partition(" ")[2])
            reply = self._send(spec, self._authorization())
        return raise_for_reply(spec, reply, now=self._clock(), config=self.config)

    def _authorization(self) -> str:
        static = self._auth.static_header()
        if static is not None:
            return static
        token = self._tokens.usable()
        if token is None:
            with self._token_lock:  # one fetch at a time; late arrivals reuse its result
                token = self._tokens.usable() or self._fetch_token()
        return self._auth.header_for(token)

    def _fetch_token(self) -> str:
        spec = self._auth.token_request()
        token = self._auth.token_from_reply(spec, self._send(spec, None), self._clock(), self.config)
        if self.config.on_secret is not None:
            self.config.on_secret(token.value)
        self._tokens.store(token)
        return token.value

    def _send(self, spec: RequestSpec, authorization: str | None) -> Reply:
        body, headers = spec.encoded_body()
        with watched_request(self.config.deadline) as watch:
            try:
                response = self._session.request(
                    spec.method,
                    spec.url(self.config.base_url),
                    params=dict(spec.params),
                    data=body,
                    headers=headers,
                    auth=ExplicitAuthorization(authorization),
                    timeout=self.config.timeouts,
                    verify=self._verify,
                    allow_redirects=False,
                )
                content = response.content
            except Exception as exc:
                error, cause = self._failure(spec, exc, cut_off=watch.expired)
                if error is None:
                    raise
                raise error from cause
        return Reply.from_raw(response.status_code, content, response.headers, response.reason or "")

    def _failure(
        self, spec: RequestSpec, exc: Exception, *, cut_off: bool
    ) -> tuple[TransportError | None, Exception | None]:
        """``(error to raise, its cause)`` for ``exc``; ``(None, None)`` re-raises ``exc`` itself."""
        if cut_off:  # whatever the socket cut off at the deadline made the read raise
            return deadline_exceeded(spec.method, spec.where, self.config.deadline), None
        if isinstance(exc, (*_UNSENDABLE, http.client.InvalidURL)) or (
            isinstance(exc, (ValueError, UnicodeError)) and not isinstance(exc, requests.RequestException)
        ):
            # requests or http.client refusing a header or URL: their text quotes it (a credential), so it
            # is not kept as the cause.
            return unsendable_request(spec.method, spec.where), None
        if isinstance(exc, requests.RequestException):
            return transport_error(spec, exc, self.config.timeouts), exc
        return None, None
