"""What crosses the wire, as plain data shared by the sync and async HTTP shells.

A :class:`RequestSpec` is a request not yet sent; a :class:`Reply` is an answer already read.
:func:`raise_for_reply` turns an error reply into the right exception. Neither side knows which
HTTP library carried it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from airflow_connections_provider.client.errors import api_error_from_reply
from airflow_connections_provider.client.retry import parse_retry_after


@dataclass(frozen=True, slots=True)
class RequestSpec:
    """One HTTP request.

    ``path`` is relative to the API base URL unless ``absolute`` (token endpoints live elsewhere).
    ``idempotent`` says whether repeating the request after an ambiguous failure is harmless;
    ``validating`` marks ``test=true`` writes, whose 4xx replies mean "did not validate".
    ``log_path`` is what logs and errors show: a path without query string, never a body.
    """

    method: str
    path: str
    params: Mapping[str, str] = field(default_factory=dict)
    json_body: Any = field(default=None, repr=False)
    form: Mapping[str, str] | None = field(default=None, repr=False)
    headers: Mapping[str, str] = field(default_factory=dict)
    absolute: bool = False
    idempotent: bool = True
    validating: bool = False
    log_path: str | None = None

    @property
    def where(self) -> str:
        return self.log_path or self.path

    def url(self, base_url: str) -> str:
        return self.path if self.absolute else base_url + self.path

    def encoded_body(self) -> tuple[bytes | None, dict[str, str]]:
        """The body bytes and the headers that describe them (JSON, JSON Patch or a form)."""
        headers = {"Accept": "application/json", **self.headers}
        if self.form is not None:
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
            return urlencode(dict(self.form)).encode(), headers
        if self.json_body is not None:
            headers.setdefault("Content-Type", "application/json")
            return json.dumps(self.json_body).encode(), headers
        return None, headers


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: Any = field(repr=False)
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)  # lower-case names
    reason: str = ""

    @classmethod
    def from_raw(cls, status: int, content: bytes, headers: Mapping[str, str], reason: str = "") -> Reply:
        body: Any = None
        if content:
            try:
                body = json.loads(content)
            except ValueError:
                body = None  # not JSON (a proxy's HTML page, say): the status alone must do
        return cls(status, body, {k.lower(): v for k, v in headers.items()}, reason)

    def json_object(self) -> Mapping[str, Any]:
        if not isinstance(self.body, Mapping):
            raise ValueError(f"expected a JSON object in the HTTP {self.status} reply")
        return self.body


def raise_for_reply(spec: RequestSpec, reply: Reply, *, now: float) -> Reply:
    """Return ``reply`` when it is a success, raise the mapped :class:`ApiError` otherwise."""
    if reply.status < 400:
        return reply
    raise api_error_from_reply(
        reply.status,
        reply.body,
        method=spec.method,
        path=spec.where,
        reason=reply.reason,
        trace_header=reply.headers.get("x-global-transaction-id") or reply.headers.get("x-request-id"),
        retry_after=parse_retry_after(reply.headers.get("retry-after"), now=now),
        validating_write=spec.validating,
    )
