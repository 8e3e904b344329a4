"""The FastAPI application: routes, the error container on every error, the emulator middleware.

FastAPI's own /docs, /redoc and /openapi.json are disabled so they cannot be mistaken for IBM's
published documents, which the emulator serves at IBM's paths.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Router

from . import (
    routes_auth,
    routes_connection_actions,
    routes_connections,
    routes_datasource_types,
    routes_docs,
    routes_inspection,
    routes_projects,
)
from .context import EmulatorContext
from .errors import ApiError, error_response, trace_of
from .middleware import EmulatorMiddleware
from .settings import EmulatorSettings


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(trace_of(request), exc.status, exc.code, exc.message, target=exc.target, headers=exc.headers)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = "The requested resource was not found" if exc.status_code == 404 else str(exc.detail)
    return error_response(trace_of(request), exc.status_code, None, message, headers=dict(exc.headers or {}))


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {}
    target = str(first.get("loc", ["", "request"])[-1])
    return error_response(
        trace_of(request), 400, "invalid_parameter", str(first.get("msg", "Invalid request")), target=target
    )


def create_app(settings: EmulatorSettings | None = None, context: EmulatorContext | None = None) -> FastAPI:
    """A ready-to-serve app; pass `context` to share state with an inspection handle."""
    settings = settings or EmulatorSettings()
    ctx = context or EmulatorContext.create(settings)
    app = FastAPI(
        title="airflow-connections-emulator",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.emulator = ctx
    # Docs first: their paths sit under /v2/connections and /v2/projects.
    modules = (
        routes_docs,
        routes_auth,
        routes_connections,
        routes_connection_actions,
        routes_datasource_types,
        routes_projects,
        routes_inspection,
    )
    for module in modules:
        app.include_router(module.router)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    # The middleware names requests by route template. It matches our own routes, not app.router's:
    # FastAPI >= 0.16x wraps included routers in objects that match without naming the route.
    routes = Router(routes=[route for module in modules for route in module.router.routes])
    app.add_middleware(EmulatorMiddleware, context=ctx, router=routes)
    return app
