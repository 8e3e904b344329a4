"""Every error the client raises, in one tree.

::

    ConnectionsClientError                 anything raised by this client
    ├── ConfigurationError                 the client was set up wrongly (no request was sent)
    ├── InvalidInputError                  input refused before any write; ``.problems`` lists all
    │   └── UnknownDatasourceTypeError     ``.suggestions`` names close matches
    ├── AmbiguousNameError                 several objects share a name that must be unique
    ├── TransportError                     no HTTP reply: connection refused/dropped, timeout, the
    │                                      request's total deadline, a request that cannot be sent
    ├── RetriesExhaustedError              transient failures outlasted the retry policy
    ├── ListingError                       a paged listing that does not end (a service fault)
    └── ApiError                           the service replied 3xx/4xx/5xx (status, code, message, trace)
        ├── UnexpectedRedirectError        3xx: never a success (a malformed path, a proxy in the way)
        ├── UnexpectedReplyError           2xx that is not the API's JSON (a login page, a proxy's page)
        ├── BadRequestError                400 and other 4xx without a class of their own: the request
        │   │                              itself is wrong, sending it again cannot help
        │   ├── ValidationRefusedError     the data source failed the service's live test (worth retrying
        │   │                              once the data source is up)
        │   └── InvalidPropertiesError     the ``validate`` action found the stored properties invalid
        ├── AuthenticationError            401, or a token exchange that failed
        ├── PermissionDeniedError          403
        ├── NotFoundError                  404
        │   └── WorkspaceNotFoundError     a project, catalog or space name matched nothing; ``.near_matches``
        │       └── ProjectNotFoundError   ... a project name
        ├── ConflictError                  409
        │   └── ConnectionNameExistsError  409 to a create or rename: the name is taken in the scope
        ├── RateLimitedError               429 (``.retry_after`` seconds when the service said)
        └── ServerError                    5xx

How an error reply becomes one of these: ``error_replies``. Messages carry IBM's ``trace`` id (IBM
support asks for it) and never a request body, a header, a token or a property value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
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


def deadline_exceeded(method: str, path: str, seconds: float) -> TransportError:
    """A request that outlived its total deadline (a reply trickled byte by byte never trips the read
    timeout, which restarts with every byte). Both HTTP shells raise exactly this."""
    return TransportError(
        method,
        path,
        f"no complete reply within {seconds:g} s (the total deadline of one request, total_timeout)",
        maybe_applied=True,
    )


def unsendable_request(method: str, path: str) -> TransportError:
    """A request the HTTP library refused to send: a header or the URL holds a character HTTP cannot carry.

    Settings are checked when the client is configured, so this is a last net; its text never quotes the
    header (it holds a credential) and sending it again cannot help.
    """
    return TransportError(
        method,
        path,
        "the request cannot be sent: a header or the URL holds a line break or a character HTTP does not allow "
        "(check the credentials and URLs of the client's settings)",
        maybe_applied=False,
        transient=False,
    )


class ListingError(ConnectionsClientError):
    """A paged listing that does not end: the service kept naming new pages past any number it could hold."""


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
        target_type: str | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.trace = trace
        self.target = target
        self.target_type = target_type
        self.method = method
        self.path = path
        super().__init__(message)

    def __str__(self) -> str:
        where = f"{self.method} {self.path} " if self.method and self.path else ""
        code = f" {self.code}" if self.code else ""
        target = f" ({self.target_type or 'field'} {self.target!r})" if self.target else ""
        trace = f" [trace {self.trace}]" if self.trace else ""
        return f"{where}failed with HTTP {self.status}{code}: {self.message}{target}{trace}"


class UnexpectedRedirectError(ApiError):
    """A 3xx reply. This client never follows redirects: the API answers its own paths directly, and a
    redirect means a malformed path or something between us and the service (reported, not followed).
    """


class UnexpectedReplyError(ApiError, ValueError):
    """A success status whose body is not the API's JSON: an HTML login page or a proxy's page answered
    instead of the service (the URL points at the wrong place). Sending it again cannot help.
    A ``ValueError`` too, as the bare JSON error it replaces was.
    """

    def __str__(self) -> str:  # not "failed with HTTP 200": the status was fine, the reply was not the API's
        where = f"{self.method} {self.path}: " if self.method and self.path else ""
        trace = f" [trace {self.trace}]" if self.trace else ""
        return f"{where}{self.message}{trace}"


class BadRequestError(ApiError):
    pass


class ValidationRefusedError(BadRequestError):
    """The service tried the data source (``test=true`` or the ``test`` action) and it failed: nothing
    was saved. Unlike its parent, worth trying again once the data source (or its credentials) is fixed.
    """


class InvalidPropertiesError(BadRequestError):
    """The ``validate`` action (checks the stored properties without connecting) refused them: ``target``
    names the property. Like :class:`ValidationRefusedError`, worth waiting for when someone else fixes
    the connection or fills the vault it references; a new try of the same request cannot fix it.
    """


class AuthenticationError(ApiError):
    pass


class PermissionDeniedError(ApiError):
    pass


class NotFoundError(ApiError):
    pass


class WorkspaceNotFoundError(NotFoundError):
    """No ``kind`` (project, catalog or space) has that id or exact name; ``near_matches`` are similar names."""

    def __init__(self, kind: str, name: str, near_matches: Sequence[str], *, also: str = "") -> None:
        self.kind = kind
        self.name = name
        self.near_matches = tuple(near_matches)
        plural = "catalogs" if kind == "catalog" else f"{kind}s"
        hint = f"; {plural} with similar names: {', '.join(repr(n) for n in self.near_matches)}" if near_matches else ""
        super().__init__(
            404,
            f"no {kind} is named exactly {name!r}{hint}{also}. Give the exact name or the {kind} id",
            code=f"{kind}_not_found",
        )


class ProjectNotFoundError(WorkspaceNotFoundError):
    def __init__(self, name: str, near_matches: Sequence[str]) -> None:
        super().__init__("project", name, near_matches)


class ConflictError(ApiError):
    pass


class ConnectionNameExistsError(ConflictError):
    """409 to a create or a rename: a connection with that name already exists in the scope."""


class RateLimitedError(ApiError):
    def __init__(self, *args: Any, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.retry_after = retry_after


class ServerError(ApiError):
    pass


class RetriesExhaustedError(ConnectionsClientError):
    """Transient failures went on past the retry policy; ``last_error`` is the final one.

    ``method``/``path`` name the operation that was retried; when the request that actually failed was
    another one (the token exchange it needed), the message names that one too.
    """

    def __init__(self, method: str, path: str, attempts: int, last_error: ConnectionsClientError) -> None:
        self.method = method
        self.path = path
        self.attempts = attempts
        self.last_error = last_error
        self.status: int | None = getattr(last_error, "status", None)
        self.trace: str | None = getattr(last_error, "trace", None)
        failed_method, failed_path = getattr(last_error, "method", None), getattr(last_error, "path", None)
        what = f"{method} {path}"
        if failed_path and (failed_method, failed_path) != (method, path):
            what = f"{failed_method} {failed_path} (needed by {method} {path})"
        tries = "1 attempt" if attempts == 1 else f"{attempts} attempts"
        super().__init__(f"{what} failed after {tries} (last error: {last_error})")


def shown(value: Any, limit: int = 60) -> str:
    """``repr(value)`` for a message, cut to ``limit`` characters; never raises (an integer of thousands of
    digits cannot even be printed). Only for values that cannot be secrets."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        return f"a {_digit_count(value)}-digit number"
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a message must never fail because of the value it describes
        return f"a {type(value).__name__}"
    if isinstance(value, str) and text.isascii() and len(value) > limit and value.isdigit():
        return f"a {len(value)}-digit number"
    return text if len(text) <= limit else f"{text[: limit - 4]}...{text[-1]}"


def _digit_count(value: int) -> int:
    """Decimal digits of ``value`` (about), without converting it to text (Python refuses past 4,300 digits)."""
    return int(math.log10(abs(value))) + 1
