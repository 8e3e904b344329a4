"""IBM's error container, and the one exception the route code raises to produce it.

Every 4xx/5xx reply of an API path has the shape
`{"trace": "<id>", "errors": [{"code", "message", "more_info", "target"?}]}` and the same trace in the
`x-global-transaction-id` header, which the middleware sets on every reply.
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

TRACE_HEADER = "x-global-transaction-id"
MORE_INFO = "https://cloud.ibm.com/apidocs/data-ai-common-core"

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
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.target = target
        self.headers = headers or {}


def new_trace() -> str:
    return uuid.uuid4().hex


def trace_of(request: Request) -> str:
    """The trace the middleware gave this request (a fresh one if it did not run)."""
    trace = getattr(request.state, "trace", None)
    return trace if isinstance(trace, str) else new_trace()


def error_body(trace: str, code: str, message: str, target: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message, "more_info": MORE_INFO}
    if target is not None:
        error["target"] = {"type": "field", "name": target}
    return {"trace": trace, "errors": [error]}


def error_response(
    trace: str,
    status: int,
    code: str | None,
    message: str,
    *,
    target: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = error_body(trace, code or DEFAULT_CODES.get(status, "error"), message, target)
    return JSONResponse(body, status_code=status, headers={TRACE_HEADER: trace, **(headers or {})})


def missing_parameter(name: str, message: str | None = None) -> ApiError:
    return ApiError(400, "missing_required_parameter", message or f"Missing required parameter '{name}'", target=name)


def invalid_parameter(name: str, message: str) -> ApiError:
    return ApiError(400, "invalid_parameter", message, target=name)


def not_found(message: str, target: str | None = None) -> ApiError:
    return ApiError(404, "not_found", message, target=target)
