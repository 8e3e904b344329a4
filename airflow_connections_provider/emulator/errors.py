"""IBM's error bodies, and the one exception the route code raises to produce them.

Every 4xx/5xx reply of an API path has the shape
`{"trace": "<id>", "errors": [{"code", "message", "more_info", "target"?: {"type", "name"}}]}` and the
same trace in the `x-global-transaction-id` header, which the middleware sets on every reply.

Except the projects service (`/v2/projects...`): its errors are its own `HTTPErrorResponse` (IBM's
OpenAPI document), `{"code": "404", "error": "Not Found", "message": <the status's generic text>,
"reason": <what went wrong and the fix>}`, `code` a string and no `description`, as every example in
that document shows them. `error_response` picks the shape from the request path.

`target.type` follows IBM's API Handbook (and the generated `ErrorTargetModel`): `field` for a member of
the request body, `parameter` for a query or path parameter, `header` for a header. A 400 that rejects
the request itself always names its target or uses a request code (`invalid_request`, ...); a refused
live test names none, which is how a client tells the two apart.
"""

from __future__ import annotations

import http
import uuid
from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import JSONResponse

TRACE_HEADER = "x-global-transaction-id"
MORE_INFO = "https://cloud.ibm.com/apidocs/data-ai-common-core"
TargetType = Literal["field", "parameter", "header"]
ErrorShape = Literal["container", "projects"]
PROJECTS_PATH = "/v2/projects"
# The `message` of a projects error: the generic text of its status, as IBM's OpenAPI examples give it.
PROJECTS_MESSAGES: dict[int, str] = {
    400: "The server cannot or will not process the request due to an apparent client error.",
    401: "Authentication failed.",
    403: "The target operation is strictly forbidden due to schema constraints.",
    404: "The requested resource could not be found.",
}

# The code each status gets when a handler does not choose one.
DEFAULT_CODES: dict[int, str] = {
    400: "bad_request",
    401: "invalid_token",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    415: "unsupported_media_type",
    429: "too_many_requests",
    500: "internal_server_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


class ApiError(Exception):
    """A reply the emulator sends on purpose; the message never contains a secret value."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        target: str | None = None,
        target_type: TargetType = "parameter",
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.target = target
        self.target_type: TargetType = target_type
        self.headers = headers or {}


def new_trace() -> str:
    return uuid.uuid4().hex


def trace_of(request: Request) -> str:
    """The trace the middleware gave this request (a fresh one if it did not run)."""
    trace = getattr(request.state, "trace", None)
    return trace if isinstance(trace, str) else new_trace()


def error_body(
    trace: str, code: str, message: str, target: str | None = None, target_type: TargetType = "parameter"
) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message, "more_info": MORE_INFO}
    if target is not None:
        error["target"] = {"type": target_type, "name": target}
    return {"trace": trace, "errors": [error]}


def error_shape_for(path: str | None) -> ErrorShape:
    """The projects service answers in its own error shape; every other path in the container."""
    if path is not None and (path == PROJECTS_PATH or path.startswith(PROJECTS_PATH + "/")):
        return "projects"
    return "container"


def projects_error_body(status: int, reason: str) -> dict[str, Any]:
    """The projects service's `HTTPErrorResponse` as its examples show it (no `description`)."""
    try:
        known = http.HTTPStatus(status)
        name, generic = known.phrase, known.description
    except ValueError:
        name, generic = "Error", "The request failed."
    generic = PROJECTS_MESSAGES.get(status, generic.rstrip(".") + ".")
    return {"code": str(status), "error": name, "message": generic, "reason": reason}


def error_response(
    trace: str,
    status: int,
    code: str | None,
    message: str,
    *,
    target: str | None = None,
    target_type: TargetType = "parameter",
    headers: dict[str, str] | None = None,
    path: str | None = None,
) -> JSONResponse:
    """The error reply for `path` (the container, or the projects service's own body). A 413 is always
    the container: the size cap is the front proxy's, whatever service is behind it."""
    if status != 413 and error_shape_for(path) == "projects":
        body = projects_error_body(status, message)
    else:
        body = error_body(trace, code or DEFAULT_CODES.get(status, "error"), message, target, target_type)
    return JSONResponse(body, status_code=status, headers={TRACE_HEADER: trace, **(headers or {})})


def missing_parameter(name: str, message: str | None = None) -> ApiError:
    """A query or path parameter is missing."""
    return ApiError(400, "missing_required_parameter", message or f"Missing required parameter '{name}'", target=name)


def invalid_parameter(name: str, message: str) -> ApiError:
    """A query or path parameter has a value the service does not take."""
    return ApiError(400, "invalid_parameter", message, target=name)


def invalid_field(name: str, message: str, code: str = "invalid_property") -> ApiError:
    """A member of the request body (a connection field or property) is wrong."""
    return ApiError(400, code, message, target=name, target_type="field")


def missing_field(name: str, message: str | None = None) -> ApiError:
    return invalid_field(name, message or f"Missing required field '{name}'", code="missing_property")


def invalid_request(message: str) -> ApiError:
    """The body as a whole is unreadable (not JSON, not an object, empty)."""
    return ApiError(400, "invalid_request", message)


def not_found(message: str, target: str | None = None) -> ApiError:
    return ApiError(404, "not_found", message, target=target)
