"""Every error the client raises, in one tree.

::

    ConnectionsClientError                 anything raised by this client
    ├── ConfigurationError                 the client was set up wrongly (no request was sent)
    ├── InvalidInputError                  input refused before any write; ``.problems`` lists all
    │   └── UnknownDatasourceTypeError     ``.suggestions`` names close matches
    ├── AmbiguousNameError                 several objects share a name that must be unique
    ├── TransportError                     no HTTP reply: connection refused/dropped, timeout
    ├── RetriesExhaustedError              transient failures outlasted the retry policy
    └── ApiError                           the service replied 4xx/5xx (status, code, message, trace)
        ├── BadRequestError                400 and other 4xx without a class of their own
        │   └── ValidationRefusedError     a ``test=true`` write or re-test was refused
        ├── AuthenticationError            401, or a token exchange that failed
        ├── PermissionDeniedError          403
        ├── NotFoundError                  404
        │   └── ProjectNotFoundError       a project name matched nothing; ``.near_matches``
        ├── ConflictError                  409
        ├── RateLimitedError               429 (``.retry_after`` seconds when the service said)
        └── ServerError                    5xx

Messages carry IBM's ``trace`` id (IBM support asks for it) and never a request body, a header,
a token or a property value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class ConnectionsClientError(Exception):
    """Base of every error raised by the connections client."""


class ConfigurationError(ConnectionsClientError):
    """The client configuration is unusable; the message says which setting to fix."""


class InvalidInputError(ConnectionsClientError, ValueError):
    """Input refused before anything was sent. ``problems`` holds every problem found, not just the first."""

    def __init__(self, subject: str, problems: Sequence[str]) -> None:
        self.subject = subject
        self.problems = tuple(problems)
        listing = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{subject}: {len(self.problems)} problem(s), nothing was sent:\n{listing}")


class UnknownDatasourceTypeError(InvalidInputError):
    def __init__(self, requested: str, suggestions: Sequence[str]) -> None:
        self.requested = requested
        self.suggestions = tuple(suggestions)
        hint = f"; did you mean {', '.join(repr(s) for s in suggestions)}?" if suggestions else ""
        super().__init__(
            f"datasource type {requested!r}",
            [f"unknown datasource type {requested!r}{hint} (list_datasource_types() shows them all)"],
        )


class AmbiguousNameError(ConnectionsClientError):
    """A name that must identify one object matched several; ``ids`` lists them."""

    def __init__(self, kind: str, name: str, ids: Sequence[str]) -> None:
        self.kind = kind
        self.name = name
        self.ids = tuple(ids)
        super().__init__(
            f"{len(self.ids)} {kind}s are named {name!r} ({', '.join(self.ids)}); refer to the one you mean by id"
        )


class TransportError(ConnectionsClientError):
    """No HTTP reply was received.

    ``maybe_applied`` is False only when the request provably never reached the service
    (connection refused, connect timeout); a write may have been applied otherwise.
    ``transient`` is False for failures that retrying cannot fix, such as a TLS certificate
    that does not verify.
    """

    def __init__(self, method: str, path: str, reason: str, *, maybe_applied: bool, transient: bool = True) -> None:
        self.method = method
        self.path = path
        self.reason = reason
        self.maybe_applied = maybe_applied
        self.transient = transient
        super().__init__(f"{method} {path}: {reason}")


class ApiError(ConnectionsClientError):
    """The service answered with an error status and (usually) an IBM error container."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        trace: str | None = None,
        target: str | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.trace = trace
        self.target = target
        self.method = method
        self.path = path
        super().__init__(message)

    def __str__(self) -> str:
        where = f"{self.method} {self.path} " if self.method and self.path else ""
        code = f" {self.code}" if self.code else ""
        target = f" (field {self.target!r})" if self.target else ""
        trace = f" [trace {self.trace}]" if self.trace else ""
        return f"{where}failed with HTTP {self.status}{code}: {self.message}{target}{trace}"


class BadRequestError(ApiError):
    pass


class ValidationRefusedError(BadRequestError):
    """The service tried the data source (``test=true``) and refused: nothing was saved."""


class AuthenticationError(ApiError):
    pass


class PermissionDeniedError(ApiError):
    pass


class NotFoundError(ApiError):
    pass


class ProjectNotFoundError(NotFoundError):
    def __init__(self, name: str, near_matches: Sequence[str]) -> None:
        self.near_matches = tuple(near_matches)
        hint = (
            f"; projects with similar names: {', '.join(repr(n) for n in self.near_matches)}"
            if self.near_matches
            else ""
        )
        super().__init__(
            404,
            f"no project is named exactly {name!r}{hint}. Give the exact name or the project id",
            code="project_not_found",
        )


class ConflictError(ApiError):
    pass


class RateLimitedError(ApiError):
    def __init__(self, *args: Any, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.retry_after = retry_after


class ServerError(ApiError):
    pass


class RetriesExhaustedError(ConnectionsClientError):
    """Transient failures went on past the retry policy; ``last_error`` is the final one."""

    def __init__(self, method: str, path: str, attempts: int, last_error: ConnectionsClientError) -> None:
        self.method = method
        self.path = path
        self.attempts = attempts
        self.last_error = last_error
        self.status: int | None = getattr(last_error, "status", None)
        self.trace: str | None = getattr(last_error, "trace", None)
        super().__init__(f"{method} {path} failed {attempts} times (last error: {last_error})")


_STATUS_CLASSES: Mapping[int, type[ApiError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitedError,
}

# 4xx statuses that say something other than "the data source did not validate" even on a
# test=true write: who you are, what you may touch, what exists, how fast you may go.
_NOT_VALIDATION_STATUSES = frozenset({401, 403, 404, 429})


def error_class_for(status: int, *, validating_write: bool = False) -> type[ApiError]:
    """The exception class for an HTTP error status.

    ``validating_write``: the request was a create/update/re-test with ``test=true``, where the
    service reports a failed live test as some 4xx (400 or the non-standard 460 are both seen).
    """
    if validating_write and 400 <= status < 500 and status not in _NOT_VALIDATION_STATUSES:
        return ValidationRefusedError
    if status in _STATUS_CLASSES:
        return _STATUS_CLASSES[status]
    if status >= 500:
        return ServerError
    return BadRequestError


def parse_error_body(body: Any) -> tuple[str | None, str | None, str | None, str | None]:
    """``(code, message, trace, target)`` from an IBM error container, or Nones when absent.

    Also understands IAM's ``errorCode``/``errorMessage`` and Cloud Pak for Data's
    ``_messageCode_``/``message`` shapes, which the token endpoints use.
    """
    if not isinstance(body, Mapping):
        return None, None, None, None
    trace = body.get("trace")
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
        first = errors[0]
        target = first.get("target")
        target_name = target.get("name") if isinstance(target, Mapping) else None
        return _str(first.get("code")), _str(first.get("message")), _str(trace), _str(target_name)
    if "errorCode" in body or "errorMessage" in body:
        return _str(body.get("errorCode")), _str(body.get("errorMessage")), _str(trace), None
    if "_messageCode_" in body or "message" in body:
        return _str(body.get("_messageCode_")), _str(body.get("message")), _str(trace), None
    return None, None, _str(trace), None


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
) -> ApiError:
    """Map an error reply to the right exception. Only the service's own error text is kept."""
    code, message, trace, target = parse_error_body(body)
    cls = error_class_for(status, validating_write=validating_write)
    kwargs: dict[str, Any] = {
        "code": code,
        "trace": trace or trace_header,
        "target": target,
        "method": method,
        "path": path,
    }
    if cls is RateLimitedError:
        kwargs["retry_after"] = retry_after
    return cls(status, message or reason or "no error message in the reply", **kwargs)


def _str(value: Any) -> str | None:
    return None if value is None else str(value)
