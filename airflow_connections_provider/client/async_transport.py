"""The asyncio HTTP shell (httpx), for triggers: never blocks the event loop.

It mirrors :mod:`transport` step for step but owns no logic of its own: request specs, reply
mapping and token parsing come from the same pure modules. httpx's read timeout restarts with every
byte, like requests'; each request's total deadline is an ``asyncio.timeout`` around it, ending in the
same error as the blocking shell's.

One attempt per request (plus one replay after a 401), no retry loop: its only user is the validation
trigger, whose poll loop is the retry loop (a transient failure means "test again at the next poll",
decided with ``retry.is_temporary``). Thousands of waiting triggers thus keep no retry state, and a
failed poll leaves nothing behind for Python's cycle collector.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import ssl
import time
from collections.abc import Callable

import httpx

from airflow_connections_provider.client.auth import Authenticator, TokenCache, authenticator_for
from airflow_connections_provider.client.config import ClientConfig
from airflow_connections_provider.client.errors import (
    ConfigurationError,
    TransportError,
    deadline_exceeded,
    unsendable_request,
)
from airflow_connections_provider.client.messages import Reply, RequestSpec, raise_for_reply

#: Connections in the HTTP pool, and requests in flight at once (a semaphore of the same size). Every
#: request that holds the semaphore finds a free connection, so none ever queues inside httpx's pool:
#: with hundreds queued there, the pool's bookkeeping grows quadratic and a triggerer full of deferred
#: sensors stalls. Waiting on an asyncio semaphore costs O(1) per request. The size is what a crowd of
#: triggers needs to keep its cadence when the service slows down (requests in flight = tests per second
#: x reply time; the measurements are in docs/architecture.md, "Triggers in crowds"). httpcore's
#: per-request scan of its connections grows with the pool but stays linear, as nothing queues there.
POOL_SIZE = 128
#: Idle connections kept open. httpcore (1.0) has two costs here. Its keep-alive test counts every
#: connection in the pool, busy ones too: with more requests in flight than this, each connection is
#: closed as soon as its request ends and the next request opens a new one (a TLS handshake on a real
#: service), which costs the loop more exactly when the service is slow. And whenever a request starts
#: or ends it checks each idle connection (a poll() system call) and counts all connections for it:
#: quadratic in the idle ones. 32 covers what a crowd spread over its interval keeps in flight without
#: churning, and bounds the scan (docs/architecture.md, "Triggers in crowds", has the measurements).
KEEPALIVE = 32


#: httpx's errors for a request it cannot build or send as given (a header value h11 refuses, a URL):
#: never transient, and their text may quote the header (a credential).
_UNSENDABLE = (httpx.LocalProtocolError, httpx.UnsupportedProtocol, httpx.InvalidURL)


def async_transport_error(spec: RequestSpec, exc: httpx.HTTPError, timeouts: tuple[float, float]) -> TransportError:
    method, where = spec.method, spec.where
    if isinstance(exc, _UNSENDABLE):
        return unsendable_request(method, where)
    text = str(exc).lower()
    if isinstance(exc, httpx.ConnectError) and ("certificate" in text or "ssl" in text):
        return TransportError(
            method,
            where,
            "TLS verification failed; set the CA bundle path to the server's CA",
            maybe_applied=False,
            transient=False,
        )
    if isinstance(exc, httpx.ConnectTimeout):
        return TransportError(method, where, f"connect timed out after {timeouts[0]:g} s", maybe_applied=False)
    if isinstance(exc, httpx.PoolTimeout):
        # A purely local wait (nothing was sent): the pool had no free connection in time.
        return TransportError(
            method, where, f"no free connection in the client's pool within {timeouts[0]:g} s", maybe_applied=False
        )
    if isinstance(exc, httpx.ConnectError):
        return TransportError(method, where, "connection refused or host unreachable", maybe_applied=False)
    if isinstance(exc, httpx.ReadTimeout):
        return TransportError(method, where, f"no reply within {timeouts[1]:g} s", maybe_applied=True)
    return TransportError(method, where, "connection dropped before the reply", maybe_applied=True)


def ssl_context(verify: bool | str) -> ssl.SSLContext | bool:
    """httpx wants an SSL context for a CA bundle (a path string is deprecated there)."""
    if not isinstance(verify, str):
        return verify
    try:
        if os.path.isdir(verify):
            return ssl.create_default_context(capath=verify)
        return ssl.create_default_context(cafile=verify)
    except (ssl.SSLError, OSError) as exc:
        raise ConfigurationError(
            f"ca_bundle {verify!r} could not be loaded as PEM CA certificates ({type(exc).__name__})"
        ) from exc


def pool_limits() -> httpx.Limits:
    """The HTTP pool's limits (read at call time, so tests may shrink ``POOL_SIZE``)."""
    return httpx.Limits(max_connections=POOL_SIZE, max_keepalive_connections=min(KEEPALIVE, POOL_SIZE))


def in_flight_cap(limits: httpx.Limits) -> int:
    """Requests allowed in flight: exactly the pool's connections, so none ever waits inside the pool."""
    if limits.max_connections is None:
        raise ValueError("the HTTP pool needs a connection limit for the in-flight cap to match it")
    return limits.max_connections


class AsyncTransport:
    def __init__(
        self,
        config: ClientConfig,
        *,
        client: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self._auth: Authenticator = authenticator_for(config.credentials, config.base_url)
        self._tokens = TokenCache(clock)
        self._token_lock = asyncio.Lock()
        self._clock = clock
        connect, read = config.timeouts
        limits = pool_limits()
        self._client = client or httpx.AsyncClient(
            verify=ssl_context(config.tls_verify()),
            timeout=httpx.Timeout(read, connect=connect),
            headers={"User-Agent": config.user_agent},
            follow_redirects=False,
            limits=limits,
        )
        # Created unbound: the first await binds it to the running loop (so a client may be built
        # in a worker thread, away from the event loop, and used on the loop afterwards).
        self._in_flight = asyncio.Semaphore(in_flight_cap(limits))
        self.in_flight = 0
        self.peak_in_flight = 0  # high-water mark of requests in flight (for tests and benchmarks)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def request(self, spec: RequestSpec) -> Reply:
        """One attempt (plus one replay after a 401); a failure is raised as the mapped error, not retried."""
        authorization = await self._authorization()
        reply = await self._send(spec, authorization)
        if reply.status == 401 and self._auth.can_refresh:
            self._tokens.invalidate(authorization.partition(" ")[2])
            reply = await self._send(spec, await self._authorization())
        return raise_for_reply(spec, reply, now=self._clock(), config=self.config)

    async def _authorization(self) -> str:
        static = self._auth.static_header()
        if static is not None:
            return static
        token = self._tokens.usable()
        if token is None:
            async with self._token_lock:
                token = self._tokens.usable() or await self._fetch_token()
        return self._auth.header_for(token)

    async def _fetch_token(self) -> str:
        spec = self._auth.token_request()
        token = self._auth.token_from_reply(spec, await self._send(spec, None), self._clock(), self.config)
        if self.config.on_secret is not None:
            outcome = self.config.on_secret(token.value)
            if inspect.isawaitable(outcome):  # e.g. Airflow's amask_secret inside a trigger
                await outcome
        self._tokens.store(token)
        return token.value

    async def _send(self, spec: RequestSpec, authorization: str | None) -> Reply:
        body, headers = spec.encoded_body()
        if authorization is not None:
            headers["Authorization"] = authorization
        async with self._in_flight:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            try:
                async with asyncio.timeout(self.config.deadline):
                    response = await self._client.request(
                        spec.method,
                        spec.url(self.config.base_url),
                        params=dict(spec.params),
                        content=body,
                        headers=headers,
                    )
            except TimeoutError:  # asyncio.timeout's own (httpx's timeouts are httpx.TimeoutException)
                raise deadline_exceeded(spec.method, spec.where, self.config.deadline) from None
            except _UNSENDABLE:
                raise unsendable_request(spec.method, spec.where) from None
            except httpx.HTTPError as exc:
                raise async_transport_error(spec, exc, self.config.timeouts) from exc
            except (ValueError, UnicodeError):  # httpx encoding a header value that is not ASCII
                raise unsendable_request(spec.method, spec.where) from None
            finally:
                self.in_flight -= 1
        return Reply.from_raw(response.status_code, response.content, response.headers, response.reason_phrase)
