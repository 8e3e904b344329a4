"""How an error reply of IBM's services becomes an exception of :mod:`errors`.

**Refused test or rejected request** (:func:`refusal_kind`). IBM's OpenAPI document answers 400 both
for "the connection test failed" (a ``test=true`` create/update) and for "the perform action request is
invalid" (the ``test`` action). The first is worth waiting for, the second never succeeds. The rule: a
400 whose first error names a ``target`` (a body ``field``, a query/path ``parameter`` or a ``header``,
IBM's API Handbook's three target types) or carries one of :data:`REQUEST_REJECTED_CODES` rejects the
request; any other 400 of a live test is a refused test. Every other 4xx keeps its own meaning.

Error bodies come in the shapes IBM's services send (:func:`parse_error_body`): the connections
service's container (``trace``, ``errors[]``), the projects service's ``HTTPErrorResponse`` (``code``
the status as a string, ``error``, ``message``, ``reason``), IAM's and Cloud Pak for Data's token errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, NamedTuple
from urllib.parse import urlsplit

from airflow_connections_provider.client.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ConnectionNameExistsError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    UnexpectedRedirectError,
    ValidationRefusedError,
)

#: Statuses that may go away by themselves; every other error status is final for that request.
TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})

#: IBM error codes that say the request itself is wrong, whatever the data source does.
REQUEST_REJECTED_CODES = frozenset(
    {
        "invalid_request",
        "invalid_parameter",
        "invalid_property",
        "missing_property",
        "unknown_property",
        "invalid_json",
        "invalid_patch",
        "bad_json_patch",
        "missing_required_property",
        "unsupported_media_type",
        "invalid_request_body",
        "missing_required_parameter",
    }
)
#: Statuses a live test's refusal comes as: 400 per IBM's OpenAPI document; 460 was seen in one
#: unverified source and has no other meaning, so it reads the same.
TEST_REFUSAL_STATUSES = frozenset({400, 460})
#: Where an error points; IBM's API Handbook defines these three target types.
TARGET_TYPES = ("field", "parameter", "header")


_STATUS_CLASSES: Mapping[int, type[ApiError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitedError,
}


def refusal_kind(code: str | None, target_type: str | None) -> Literal["rejected_request", "refused_test"]:
    """What a 400 to a live test means (see the module docstring for the rule and its sources)."""
    if target_type in TARGET_TYPES or (code or "").strip().lower() in REQUEST_REJECTED_CODES:
        return "rejected_request"
    return "refused_test"


def error_class_for(
    status: int,
    *,
    validating_write: bool = False,
    names_connection: bool = False,
    code: str | None = None,
    target_type: str | None = None,
) -> type[ApiError]:
    """The exception class for an HTTP error status.

    ``validating_write``: a create/update with ``test=true`` or the ``test`` action, where a 400 may be a
    refused test. ``names_connection``: a create or rename, where 409 means the name is taken.
    """
    if 300 <= status < 400:
        return UnexpectedRedirectError
    if status in TEST_REFUSAL_STATUSES and validating_write and refusal_kind(code, target_type) == "refused_test":
        return ValidationRefusedError
    if status == 409 and names_connection:
        return ConnectionNameExistsError
    if status in _STATUS_CLASSES:
        return _STATUS_CLASSES[status]
    if status >= 500:
        return ServerError
    return BadRequestError


def is_transient_status(status: int) -> bool:
    return status in TRANSIENT_STATUSES


class ErrorBody(NamedTuple):
    """What an error reply says, each part None when absent."""

    code: str | None = None
    message: str | None = None
    trace: str | None = None
    target: str | None = None
    target_type: str | None = None


def parse_error_body(body: Any) -> ErrorBody:
    """The parts of an IBM error container, or Nones when absent.

    Also understands the projects service's ``HTTPErrorResponse`` (``code``, ``error``, ``message``,
    ``reason``: the message is ``message`` then ``reason``), IAM's ``errorCode``/``errorMessage`` and
    Cloud Pak for Data's ``_messageCode_``/``message`` shapes, which the token endpoints use.
    """
    if not isinstance(body, Mapping):
        return ErrorBody()
    trace = _str(body.get("trace"))
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
        first = errors[0]
        target = first.get("target")
        name = _str(target.get("name")) if isinstance(target, Mapping) else None
        kind = _str(target.get("type")) if isinstance(target, Mapping) else None
        return ErrorBody(_str(first.get("code")), _str(first.get("message")), trace, name or None, kind)
    if "reason" in body and "error" in body:
        # The projects service's HTTPErrorResponse: ``code`` is the status (a string in every example),
        # ``message`` the status's generic text, ``reason`` what went wrong; no IBM error code.
        parts = (_str(body.get(key)) for key in ("message", "reason", "description"))
        text = " ".join(dict.fromkeys(p.strip() for p in parts if p and p.strip()))
        return ErrorBody(None, text or _str(body.get("error")), trace)
    if "errorCode" in body or "errorMessage" in body:
        return ErrorBody(_str(body.get("errorCode")), _str(body.get("errorMessage")), trace)
    if "_messageCode_" in body or "message" in body:
        return ErrorBody(_str(body.get("_messageCode_")), _str(body.get("message")), trace)
    return ErrorBody(trace=trace)


def api_error_from_reply(
    status: int,
    body: Any,
    *,
    method: str,
    path: str,
    reason: str = "",
    trace_header: str | None = None,
    retry_after: float | None = None,
    validating_write: bool = False,
    names_connection: bool = False,
    location: str | None = None,
    fix: str | None = None,
) -> ApiError:
    """Map an error reply to the right exception. Only the service's own error text is kept.

    ``fix`` names the setting that decides where requests go (``"check the host field of Airflow
    connection 'x'"``): a redirect is about that setting, never about the request itself.
    """
    parsed = parse_error_body(body)
    cls = error_class_for(
        status,
        validating_write=validating_write,
        names_connection=names_connection,
        code=parsed.code,
        target_type=parsed.target_type,
    )
    kwargs: dict[str, Any] = {
        "code": parsed.code,
        "trace": parsed.trace or trace_header,
        "target": parsed.target,
        "target_type": parsed.target_type,
        "method": method,
        "path": path,
    }
    if cls is RateLimitedError:
        kwargs["retry_after"] = retry_after
    message = parsed.message or reason or "no error message in the reply"
    if cls is UnexpectedRedirectError:
        to = f" to {redirect_target(location)}" if location else ""
        advice = fix or "check the URL and the id"
        message = f"the service answered with a redirect{to}, which this client never follows; {advice}"
    return cls(status, message, **kwargs)


def redirect_target(location: str) -> str:
    """Where a redirect points, safe to show: scheme, host, port and path; never credentials or a query."""
    try:
        parts = urlsplit(location.strip())
        host = parts.hostname
        port = parts.port
    except ValueError:
        return "an address that is not a valid URL"
    if not parts.scheme or not host:
        return parts.path or "/"  # a relative redirect: the path on the same host
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}{f':{port}' if port else ''}{parts.path}"


def _str(value: Any) -> str | None:
    return None if value is None else str(value)
