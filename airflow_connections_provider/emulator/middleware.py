"""The ASGI layer around every emulated API call: trace header, request log, latency, faults and
rate limiting. `/_emulator` paths get the trace header and the access rule of `inspection/access.py`
(loopback peers, or the control token), and nothing else.

Every path refuses a body larger than `bodies.MAX_BODY_BYTES` (413 with the error container), as a
front proxy does: at once when `Content-Length` says so, else when the streamed body passes the cap
while a route reads it.

Order for an API request: latency -> draw a fault -> "before" faults -> rate limit -> handler ->
"after" faults. A dropped connection is made by announcing a longer body than is sent and
returning: uvicorn then closes the socket, and clients see a broken reply (requests raises
ChunkedEncodingError, httpx a RemoteProtocolError).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any
from urllib.parse import parse_qsl

from starlette.routing import Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .bodies import MAX_BODY_BYTES, too_large
from .errors import TRACE_HEADER, error_response, new_trace
from .faults import Fault, caller_key
from .inspection.access import CONTROL_TOKEN_HEADER, control_refusal, forwarded_clients
from .paths import is_inspection_path, route_template
from .state.requestlog import redact_query
from .state.store import EmulatorContext

_FAULT_MESSAGES = {
    429: "Too many requests; retry later",
    500: "An internal error occurred (emulated fault)",
    502: "Bad gateway (emulated fault)",
    503: "The service is temporarily unavailable (emulated fault)",
    504: "Gateway timeout (emulated fault)",
}
# What uvicorn logs when a dropped reply is left incomplete on purpose.
_INCOMPLETE_REPLY_LOG = "ASGI callable returned without completing response."


class DroppedReplyFilter(logging.Filter):
    """Silence uvicorn's complaint about the replies the emulator drops deliberately."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != _INCOMPLETE_REPLY_LOG


def install_log_filter() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, DroppedReplyFilter) for f in logger.filters):
        logger.addFilter(DroppedReplyFilter())


def _with_trace(send: Send, trace: str, status_box: list[int | None]) -> Send:
    async def send_with_trace(message: Message) -> None:
        if message["type"] == "http.response.start":
            status_box[0] = message["status"]
            headers = list(message.get("headers", []))
            if not any(name.lower() == TRACE_HEADER.encode() for name, _ in headers):
                headers.append((TRACE_HEADER.encode(), trace.encode()))
            message = {**message, "headers": headers}
        await send(message)

    return send_with_trace


async def _drop(send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
        }
    )
    await send({"type": "http.response.body", "body": b'{"', "more_body": True})


class EmulatorMiddleware:
    def __init__(self, app: ASGIApp, context: EmulatorContext, router: Router) -> None:
        self.app = app
        self.ctx = context
        self.router = router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        trace = new_trace()
        scope.setdefault("state", {})["trace"] = trace
        status_box: list[int | None] = [None]
        traced_send = _with_trace(send, trace, status_box)
        if is_inspection_path(scope["path"]):
            await self._serve_inspection(scope, receive, traced_send, trace)
            return
        started, clock = time.time(), time.perf_counter()
        fault_box: list[Fault | None] = [None]  # set by _serve as soon as the fault is drawn
        recorded = False
        template = route_template(self.router, scope)

        def record() -> None:
            nonlocal recorded
            if recorded:
                return
            recorded = True
            self._record(scope, template, started, clock, status_box[0], fault_box[0])

        async def send_recording_first(message: Message) -> None:
            # Record before the last byte leaves: a client that has its reply can count on the log.
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                record()
            await traced_send(message)

        try:
            await self._serve(scope, receive, send_recording_first, trace, template, fault_box)
        finally:
            record()  # replies that never completed (dropped connections, errors)

    async def _serve_inspection(self, scope: Scope, receive: Receive, send: Send, trace: str) -> None:
        refusal = control_refusal(
            _peer(scope),
            forwarded_clients(_header(scope, b"x-forwarded-for"), _header(scope, b"forwarded")),
            _header(scope, CONTROL_TOKEN_HEADER.lower().encode()),
            self.ctx.settings.control_token,
        )
        if refusal is not None:
            await error_response(trace, 403, "forbidden", refusal)(scope, receive, send)
        elif not await _refused_oversized(scope, receive, send, trace):
            await self.app(scope, _capped(receive), send)

    def _record(
        self, scope: Scope, template: str, started: float, clock: float, status: int | None, fault: Fault | None
    ) -> None:
        self.ctx.log.record(
            timestamp=started,
            method=scope["method"],
            path=scope["path"],
            template=template,
            query=redact_query(_query_items(scope)),
            status=status,
            duration_ms=round((time.perf_counter() - clock) * 1000, 3),
            fault=fault.label if fault else None,
        )

    async def _serve(
        self, scope: Scope, receive: Receive, send: Send, trace: str, template: str, fault_box: list[Fault | None]
    ) -> Fault | None:
        if await _refused_oversized(scope, receive, send, trace):
            return None
        receive = _capped(receive)
        config = self.ctx.faults.config()
        if config.latency_ms > 0:
            await _sleep_at_least(config.latency_ms / 1000)
        fault = fault_box[0] = self.ctx.faults.draw(scope["method"], scope["path"], template)
        if fault is not None and fault.when == "before":
            if fault.kind == "delay":
                await _sleep_at_least(fault.delay_s)
            else:
                await self._inject(fault, scope, receive, send, trace)
                return fault
        if config.rate_limit is not None and await self._rate_limited(scope, receive, send, trace, config.rate_limit):
            return None
        if fault is None or fault.when == "before":
            await self.app(scope, receive, send)
            return fault
        # An "after" fault: the handler runs (and writes), the client does not get its reply.
        buffered: list[Message] = []

        async def buffer(message: Message) -> None:
            buffered.append(message)

        await self.app(scope, receive, buffer)
        if fault.kind == "delay":
            await asyncio.sleep(fault.delay_s)
            for message in buffered:
                await send(message)
        else:
            await self._inject(fault, scope, receive, send, trace)
        return fault

    async def _inject(self, fault: Fault, scope: Scope, receive: Receive, send: Send, trace: str) -> None:
        if fault.kind == "drop":
            await _drop(send)
            return
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else None
        message = _FAULT_MESSAGES.get(fault.status, "Emulated fault")
        response = error_response(trace, fault.status, None, message, headers=headers, path=scope["path"])
        await response(scope, receive, send)

    async def _rate_limited(self, scope: Scope, receive: Receive, send: Send, trace: str, limit: float) -> bool:
        authorization = _header(scope, b"authorization")
        if authorization is None:
            return False  # only token-bearing calls are limited (per token)
        retry_after = self.ctx.limiter.check(caller_key(authorization), limit, time.monotonic())
        if retry_after is None:
            return False
        response = error_response(
            trace,
            429,
            "too_many_requests",
            f"Rate limit of {limit:g} requests per second exceeded; retry after {retry_after} s",
            headers={"Retry-After": str(retry_after)},
            path=scope["path"],
        )
        await response(scope, receive, send)
        return True


def _peer(scope: Scope) -> str | None:
    client = scope.get("client")
    return str(client[0]) if client else None


def _declared_length(scope: Scope) -> int | None:
    value = _header(scope, b"content-length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None  # h11/httptools refuse a malformed Content-Length before we see it


async def _refused_oversized(scope: Scope, receive: Receive, send: Send, trace: str) -> bool:
    """Answer 413 when Content-Length announces a body over the cap."""
    declared = _declared_length(scope)
    if declared is None or declared <= MAX_BODY_BYTES:
        return False
    await _drain(receive, more=True)
    error = too_large(declared)
    await error_response(trace, error.status, error.code, error.message)(scope, receive, send)
    return True


# How much of a refused body is read and dropped, so that a client still sending gets its 413 instead
# of a reset connection; past this the connection is closed after the reply.
_DRAIN_LIMIT = 64 * MAX_BODY_BYTES


async def _drain(receive: Receive, *, more: bool) -> None:
    drained = 0
    while more and drained < _DRAIN_LIMIT:
        message = await receive()
        if message["type"] != "http.request":
            return
        drained += len(message.get("body", b""))
        more = bool(message.get("more_body", False))


def _capped(receive: Receive) -> Receive:
    """A receive that raises the 413 ApiError once a streamed (chunked) body passes the cap."""
    received = 0

    async def capped_receive() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > MAX_BODY_BYTES:
                await _drain(receive, more=bool(message.get("more_body", False)))
                raise too_large()
        return message

    return capped_receive


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            decoded: str = value.decode("latin-1")
            return decoded
    return None


def _query_items(scope: Scope) -> list[tuple[str, str]]:
    raw: Any = scope.get("query_string", b"")
    return parse_qsl(raw.decode("latin-1"), keep_blank_values=True)


async def _sleep_at_least(seconds: float) -> None:
    """Sleep no less than ``seconds`` by ``time.perf_counter`` (the request log's clock): asyncio runs a
    timer up to its clock resolution early, so an injected 150 ms latency could log as 149.99 ms."""
    until = time.perf_counter() + seconds
    while (left := until - time.perf_counter()) > 0:
        await asyncio.sleep(left)
