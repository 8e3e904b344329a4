"""A request as data and a reply mapped to a result or an error: what the two HTTP shells exchange.

A :class:`RequestSpec` is a request not yet sent (built by :mod:`~airflow_connections_provider.client.
endpoints`); a :class:`Reply` is an answer already read; :func:`raise_for_reply` turns anything but a
2xx into the right exception (a 3xx included: this client never follows redirects). The blocking and
the async shell only move bytes between the two, so they can never disagree on what a status means.
"""

from __future__ import annotations

import email.utils
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from airflow_connections_provider.client.config import ClientConfig, where_to_fix
from airflow_connections_provider.client.error_replies import api_error_from_reply
from airflow_connections_provider.client.errors import UnexpectedReplyError


@dataclass(frozen=True, slots=True)
class RequestSpec:
    """One HTTP request.

    ``path`` is relative to the API base URL unless ``absolute`` (token endpoints live elsewhere).
    ``idempotent`` says whether repeating the request after an ambiguous failure is harmless;
    ``validating`` marks live tests (``test=true`` writes, the ``test`` action), where a 400 may mean the
    data source failed the test; ``names_connection`` marks creates and renames, where 409 means the name
    is taken. ``log_path`` is what logs and errors show: a path without query string, never a body.
    ``url_setting`` names the setting that decides where the request goes (``host``, or ``iam_url`` for
    an API-key exchange), for errors that can only be fixed there.
    """

    method: str
    path: str
    params: Mapping[str, str] = field(default_factory=dict, repr=False)  # a filter may carry values
    json_body: Any = field(default=None, repr=False)
    form: Mapping[str, str] | None = field(default=None, repr=False)
    headers: Mapping[str, str] = field(default_factory=dict)
    absolute: bool = False
    idempotent: bool = True
    validating: bool = False
    names_connection: bool = False
    log_path: str | None = None
    url_setting: str = "host"

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
    #: The reply had a body that is not JSON (a login page, a proxy's page): ``body`` is None then.
    not_json: bool = False

    @classmethod
    def from_raw(cls, status: int, content: bytes, headers: Mapping[str, str], reason: str = "") -> Reply:
        body: Any = None
        not_json = False
        if content:
            try:
                body = json.loads(content)
            except ValueError:  # a proxy's HTML page, say: an error status alone must do
                not_json = True
        return cls(status, body, {k.lower(): v for k, v in headers.items()}, reason, not_json)

    @property
    def content_type(self) -> str:
        """The media type without parameters (``text/html``), or ``""``."""
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    def json_object(self, *, empty_ok: bool = False) -> Mapping[str, Any]:
        """The body as a JSON object. ``empty_ok``: a 204 No Content is an empty object (a list that
        matched nothing: ``GET /v2/projects`` answers so)."""
        if empty_ok and self.status == 204:
            return {}
        if not isinstance(self.body, Mapping):
            got = "no body" if self.body is None else f"a JSON {type(self.body).__name__}"
            message = f"expected a JSON object in the HTTP {self.status} reply, got {got}"
            raise UnexpectedReplyError(self.status, message)
        return self.body


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(seconds, 0.0) if seconds == seconds and seconds != float("inf") else None  # NaN/inf: ignore
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - now, 0.0)


def raise_for_reply(spec: RequestSpec, reply: Reply, *, now: float, config: ClientConfig | None = None) -> Reply:
    """Return ``reply`` when it is a success (2xx) of the API, raise the mapped :class:`ApiError` otherwise.

    A success whose body is not JSON did not come from the API (a login page answers every path with
    200 ``text/html``): :class:`UnexpectedReplyError`, naming the setting that points there (``config``
    says how to name it). A redirect names that setting too.
    """
    origin = config.origin if config is not None else None
    if 200 <= reply.status < 300:
        if reply.not_json:
            raise not_the_api(spec, reply, config)
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
        names_connection=spec.names_connection,
        location=reply.headers.get("location"),
        fix=f"check {where_to_fix(spec.url_setting, origin)}",
    )


def not_the_api(spec: RequestSpec, reply: Reply, config: ClientConfig | None) -> UnexpectedReplyError:
    """The error for a success reply that is not the API's JSON: the URL setting points at a web page."""
    url = spec.path if spec.absolute or config is None else config.base_url + spec.path
    example = ""
    if spec.url_setting == "host":
        example = " (a region such as eu-de, or https://<cluster> for Cloud Pak for Data)"
    fix = where_to_fix(spec.url_setting, config.origin if config is not None else None)
    return UnexpectedReplyError(
        reply.status,
        f"{url.split('?', 1)[0]} answered HTTP {reply.status} with {reply.content_type or 'a body'}, not JSON: "
        "this is not IBM's API "
        f"(a login page, or a proxy's page?); set {fix} to the API's address{example}",
        code="not_json",
        method=spec.method,
        path=spec.where,
    )
