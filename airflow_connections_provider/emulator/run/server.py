"""Serving the emulator: the FastAPI application (`create_app`) and `EmulatorServer`, which runs it
with uvicorn in a background thread.

The app: the routes, the error container on every error, the emulator middleware. FastAPI's own
/docs, /redoc and /openapi.json are disabled so they cannot be mistaken for IBM's published
documents, which the emulator serves at IBM's paths.

The server binds its socket before the thread starts (so port 0 works and the real port is known
at once) and stops cleanly: the thread is joined and the listening socket closed. It binds only
loopback addresses unless `allow_remote` is set (`RemoteBindRefusedError` otherwise), and then warns
(`RemoteExposureWarning`) what the address exposes. uvicorn runs without proxy-header rewriting, so
a request's client is its TCP peer: the `/_emulator` access rule relies on it.

Any exception a route did not turn into an `ApiError` still answers with the error container (500
`internal_server_error`, the trace and no detail: the detail could hold a secret).

TLS (at the end): a certificate it is given, or one it makes for loopback (`tls="self-signed"`): a
throw-away CA made with trustme signs a certificate for `localhost`, `127.0.0.1` and `::1`, so a
client verifies the emulator by trusting the CA's file (`EmulatorHandle.ca_bundle`). The keys never
leave the emulator's temporary directory, which is removed when the server stops.
"""

from __future__ import annotations

import dataclasses
import datetime
import shutil
import socket
import tempfile
import threading
import time
import warnings
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Router

from ..errors import ApiError, error_response, trace_of
from ..inspection import api as inspection_api
from ..inspection.access import CONTROL_TOKEN_ENV, CONTROL_TOKEN_HEADER, is_loopback_host
from ..middleware import EmulatorMiddleware, install_log_filter
from ..routes import actions, auth, connections, datasource_types, openapi, projects, search, workspaces
from ..settings import SELF_SIGNED, EmulatorSettings
from ..state.store import EmulatorContext

START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(
        trace_of(request),
        exc.status,
        exc.code,
        exc.message,
        target=exc.target,
        target_type=exc.target_type,
        headers=exc.headers,
        path=request.url.path,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = "The requested resource was not found" if exc.status_code == 404 else str(exc.detail)
    return error_response(
        trace_of(request), exc.status_code, None, message, headers=dict(exc.headers or {}), path=request.url.path
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {}
    target = str(first.get("loc", ["", "request"])[-1])
    return error_response(
        trace_of(request),
        400,
        "invalid_parameter",
        str(first.get("msg", "Invalid request")),
        target=target,
        path=request.url.path,
    )


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    return error_response(
        trace_of(request),
        500,
        "internal_server_error",
        "The emulator failed to handle this request; please report it with this trace",
        path=request.url.path,
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
    modules = (openapi, auth, connections, actions, search, projects, workspaces, datasource_types, inspection_api)
    for module in modules:
        app.include_router(module.router)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected_error)
    # The middleware names requests by route template. It matches our own routes, not app.router's:
    # FastAPI >= 0.16x wraps included routers in objects that match without naming the route.
    routes = Router(routes=[route for module in modules for route in module.router.routes])
    app.add_middleware(EmulatorMiddleware, context=ctx, router=routes)
    return app


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


class RemoteBindRefusedError(ValueError):
    """The host is not a loopback address and `allow_remote` was not given."""


class RemoteExposureWarning(UserWarning):
    """The emulator listens on an address other machines may reach."""


def check_bind_host(settings: EmulatorSettings) -> bool:
    """Whether the host is beyond loopback (then `allow_remote` must be set, else the error says how)."""
    if is_loopback_host(settings.host):
        return False
    if not settings.allow_remote:
        raise RemoteBindRefusedError(
            f"host {settings.host!r} is not a loopback address: other machines could reach the emulator, "
            "mint tokens for its API keys and users and read every stored secret. Listen on 127.0.0.1, "
            "or pass allow_remote=True (CLI: --allow-remote) to mean it"
        )
    return True


def exposure_warning(host: str, port: int, control_token: str | None = None) -> str:
    """What listening on `host` exposes, for stderr; names no credential (never the control token)."""
    inspection = (
        "/_emulator/ (stored state with secrets in clear, seeding) also answers clients elsewhere "
        f"that send the control token in {CONTROL_TOKEN_HEADER}"
        if control_token
        else f"/_emulator/ still answers loopback clients only (set --control-token or {CONTROL_TOKEN_ENV} to open it)"
    )
    return (
        f"warning: the emulator listens on {host}:{port}, beyond loopback. Anyone who can reach this port can "
        "get tokens with its API keys and users (never give it real credentials) and read and change every "
        f"stored connection, secrets in clear; {inspection}. Nothing is encrypted unless TLS is on."
    )


def url_for(host: str, port: int, *, scheme: str = "http") -> str:
    return f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"


class EmulatorServer:
    """One emulator on one socket. Use `start()`/`stop()` or `with EmulatorServer(...) as server:`."""

    def __init__(self, settings: EmulatorSettings | None = None, *, uvicorn_log_config: Any = None) -> None:
        self.settings = settings or EmulatorSettings()
        self.context = EmulatorContext.create(self.settings)
        self.app = create_app(self.settings, self.context)
        self._log_config = uvicorn_log_config
        self._sock: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._tls: TlsFiles | None = None
        self.host = self.settings.host
        self.port = self.settings.port

    @property
    def url(self) -> str:
        return url_for(self.host, self.port, scheme="https" if self.tls_enabled else "http")

    @property
    def tls_enabled(self) -> bool:
        return self.settings.tls is not None or self.settings.tls_cert is not None

    @property
    def ca_bundle(self) -> str | None:
        """The certificate a client trusts to verify this emulator (None when it serves plain HTTP)."""
        if self._tls is not None:
            return self._tls.ca or self._tls.cert
        return self.settings.tls_cert

    def start(self) -> EmulatorServer:
        if self._thread is not None:
            raise RuntimeError("the emulator is already running")
        install_log_filter()
        remote = check_bind_host(self.settings)
        if self.settings.tls == SELF_SIGNED:
            self._tls = make_self_signed(self.settings.host)
        elif self.settings.tls_cert is not None and self.settings.tls_key is not None:
            self._tls = TlsFiles(self.settings.tls_cert, self.settings.tls_key)
        sock = bind_socket(self.settings.host, self.settings.port)
        self._sock = sock
        self.port = sock.getsockname()[1]
        if remote:
            message = exposure_warning(self.settings.host, self.port, self.settings.control_token)
            warnings.warn(message, RemoteExposureWarning, stacklevel=2)
        config = uvicorn.Config(
            self.app,
            ssl_certfile=self._tls.cert if self._tls else None,
            ssl_keyfile=self._tls.key if self._tls else None,
            log_config=self._log_config,
            log_level=self.settings.log_level,
            # uvicorn's access log would print raw query strings; the request log redacts them.
            access_log=False,
            # The TCP peer stays the request's client: /_emulator's loopback rule decides on it.
            proxy_headers=False,
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
        server = uvicorn.Server(config)
        self._server = server
        errors: list[BaseException] = []

        def run() -> None:
            try:
                server.run(sockets=[sock])
            except BaseException as exc:  # noqa: BLE001 - reported to the starting thread below
                errors.append(exc)

        self._thread = threading.Thread(target=run, name=f"emulator-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not server.started:
            if errors or not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the emulator failed to start") from (errors[0] if errors else None)
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        server, thread, sock = self._server, self._thread, self._sock
        self._server = self._thread = self._sock = None
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(STOP_TIMEOUT_S)
            if thread.is_alive() and server is not None:
                server.force_exit = True
                thread.join(STOP_TIMEOUT_S)
        if sock is not None:
            sock.close()
        if self._tls is not None:
            self._tls.remove()  # the self-signed key dies with the server

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


# TLS: a certificate the server is given, or one it makes for loopback with a throw-away CA (trustme).

_LOOPBACK_IDENTITIES = ("localhost", "127.0.0.1", "::1")
_WILDCARD_ADDRESSES = ("0.0.0.0", "::")  # noqa: S104 - names that are not a host a client could verify
_VALID_DAYS = 7


@dataclasses.dataclass(frozen=True, slots=True)
class TlsFiles:
    """Where the certificate chain, its key and the CA to trust are; `cleanup` is a directory to delete on stop.

    `cert` holds the server certificate followed by its CA, so it serves as the chain and, for a client
    given only that file, as what to trust; `ca` is the CA alone.
    """

    cert: str
    key: str
    ca: str | None = None
    cleanup: str | None = None

    def remove(self) -> None:
        if self.cleanup is not None:
            shutil.rmtree(self.cleanup, ignore_errors=True)


def make_self_signed(extra_host: str | None = None) -> TlsFiles:
    """A fresh CA and a certificate it signs for loopback (plus `extra_host` when given), in a private
    temporary directory."""
    import trustme  # the `emulator` extra; imported here, as plain HTTP never needs it

    identities = list(_LOOPBACK_IDENTITIES)
    if extra_host and extra_host not in (*_LOOPBACK_IDENTITIES, *_WILDCARD_ADDRESSES):
        identities.append(extra_host)
    ca = trustme.CA(organization_name="airflow-connections-emulator")
    now = datetime.datetime.now(datetime.timezone.utc)
    leaf = ca.issue_cert(
        *identities,
        common_name="airflow-connections-emulator",
        not_before=now - datetime.timedelta(minutes=5),
        not_after=now + datetime.timedelta(days=_VALID_DAYS),
    )
    directory = Path(tempfile.mkdtemp(prefix="emulator-tls-"))
    cert_path, key_path, ca_path = directory / "cert.pem", directory / "key.pem", directory / "ca.pem"
    cert_path.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems) + ca.cert_pem.bytes())
    key_path.touch(mode=0o600)
    leaf.private_key_pem.write_to_path(str(key_path))
    ca.cert_pem.write_to_path(str(ca_path))
    return TlsFiles(str(cert_path), str(key_path), ca=str(ca_path), cleanup=str(directory))
