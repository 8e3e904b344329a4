"""`airflow-connections-emulator` / `python -m airflow_connections_provider.emulator`.

The first stdout line is exactly `emulator listening on http://HOST:PORT` (the real port, also
with `--port 0`), flushed at once so a parent process can read it. SIGINT and SIGTERM stop the
server cleanly.

It listens on loopback unless `--allow-remote` is given with another `--host`; then it warns on
stderr what that exposes. `--control-token` (or the environment variable named by
`CONTROL_TOKEN_ENV`, which keeps the token out of the process list) lets clients elsewhere use
`/_emulator`. Without the provider's `emulator` extra it says which to install and
exits with status 2.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import warnings
from collections.abc import Sequence
from types import FrameType

from ..extra import missing_extra_message, missing_modules
from ..inspection.access import CONTROL_TOKEN_ENV, CONTROL_TOKEN_HEADER
from ..settings import (
    ALL_FAULT_KINDS,
    DEFAULT_API_KEY,
    DEFAULT_PROJECT,
    DEFAULT_USER,
    SECRET_MODES,
    SELF_SIGNED,
    TEST_ACTION_FAILURE_STATUSES,
    EmulatorSettings,
    as_tuple,
    parse_user_spec,
)

DEFAULT_PORT = 8080


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="airflow-connections-emulator",
        description="Emulate IBM's connections service (Data and AI Common Core) on a local port.",
    )
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: %(default)s)")
    p.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a --host beyond loopback (other machines can then get tokens and read stored secrets)",
    )
    p.add_argument(
        "--control-token",
        metavar="TOKEN",
        default=os.environ.get(CONTROL_TOKEN_ENV) or None,
        help=f"let clients not on loopback use /_emulator when they send TOKEN in the {CONTROL_TOKEN_HEADER} "
        f"header (default: ${CONTROL_TOKEN_ENV}, which keeps it out of the process list)",
    )
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help="port; 0 picks a free one (default: %(default)s)")
    p.add_argument(
        "--project",
        action="append",
        metavar="NAME[=GUID]",
        help=f"seed a project (repeatable; default: one named {DEFAULT_PROJECT!r})",
    )
    p.add_argument("--catalog", action="append", metavar="NAME[=GUID]", help="seed a catalog (repeatable)")
    p.add_argument("--space", action="append", metavar="NAME[=GUID]", help="seed a deployment space (repeatable)")
    p.add_argument(
        "--api-key",
        action="append",
        metavar="KEY",
        help=f"accepted IAM API key (repeatable; default: {DEFAULT_API_KEY})",
    )
    p.add_argument(
        "--user",
        action="append",
        metavar="NAME:PASSWORD",
        help=f"Cloud Pak for Data user (repeatable; default: {':'.join(DEFAULT_USER)})",
    )
    p.add_argument("--static-token", action="append", metavar="TOKEN", help="bearer token accepted as-is (repeatable)")
    p.add_argument("--token-ttl", type=float, default=3600.0, metavar="SECONDS", help="issued token lifetime")
    p.add_argument("--latency", type=float, default=0.0, metavar="MS", help="delay added to every API call")
    p.add_argument("--rate-limit", type=float, default=None, metavar="N", help="requests per second per token")
    p.add_argument("--fault-rate", type=float, default=0.0, metavar="P", help="probability of a random fault")
    p.add_argument("--fault-seed", type=int, default=None, metavar="S", help="seed for reproducible random faults")
    p.add_argument(
        "--fault-kinds",
        default=",".join(ALL_FAULT_KINDS),
        metavar="LIST",
        help="comma-separated random fault kinds (default: %(default)s)",
    )
    p.add_argument("--secret-mode", choices=SECRET_MODES, default="clear", help="how replies show secret properties")
    p.add_argument(
        "--test-action-failure-status",
        type=int,
        choices=TEST_ACTION_FAILURE_STATUSES,
        default=400,
        help="how the test action reports a failed test: 400 error, or 200 with a failed output",
    )
    p.add_argument(
        "--enforce-vaulted-credentials",
        action="store_true",
        help="refuse plain secrets in shared connections unless skip_enforcement=true (allow-only-vaulted-credentials)",
    )
    p.add_argument("--log-level", default="warning", choices=("critical", "error", "warning", "info", "debug"))
    p.add_argument("--tls-cert", metavar="PEM", help="serve HTTPS with this certificate chain (with --tls-key)")
    p.add_argument("--tls-key", metavar="PEM", help="the private key of --tls-cert")
    p.add_argument(
        "--tls", choices=(SELF_SIGNED,), help="serve HTTPS with a certificate made for localhost/127.0.0.1 at start"
    )
    return p


def settings_from_args(args: argparse.Namespace) -> EmulatorSettings:
    return EmulatorSettings(
        host=args.host,
        port=args.port,
        projects=as_tuple(args.project, (DEFAULT_PROJECT,)),
        catalogs=as_tuple(args.catalog, ()),
        spaces=as_tuple(args.space, ()),
        api_keys=as_tuple(args.api_key, (DEFAULT_API_KEY,)),
        users=tuple(parse_user_spec(u) for u in args.user) if args.user else (DEFAULT_USER,),
        static_tokens=as_tuple(args.static_token, ()),
        token_ttl=args.token_ttl,
        latency_ms=args.latency,
        rate_limit=args.rate_limit,
        fault_rate=args.fault_rate,
        fault_seed=args.fault_seed,
        fault_kinds=tuple(k.strip() for k in args.fault_kinds.split(",") if k.strip()),
        secret_mode=args.secret_mode,
        test_action_failure_status=args.test_action_failure_status,
        enforce_vaulted_credentials=args.enforce_vaulted_credentials,
        log_level=args.log_level,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        tls=args.tls,
        allow_remote=args.allow_remote,
        control_token=args.control_token,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    missing = missing_modules()
    if missing:
        print(f"airflow-connections-emulator: {missing_extra_message(missing)}", file=sys.stderr)
        return 2
    try:
        settings = settings_from_args(args)
    except ValueError as exc:
        parser.error(str(exc))
    # Imported late so --help answers without loading FastAPI and uvicorn.
    import uvicorn.config

    from .server import EmulatorServer, RemoteBindRefusedError, RemoteExposureWarning, check_bind_host, exposure_warning

    try:
        remote = check_bind_host(settings)
    except RemoteBindRefusedError as exc:
        parser.error(str(exc).replace("allow_remote=True (CLI: --allow-remote)", "--allow-remote"))

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    server = EmulatorServer(settings, uvicorn_log_config=uvicorn.config.LOGGING_CONFIG)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RemoteExposureWarning)  # printed below, in the CLI's words
            server.start()
    except (OSError, RuntimeError) as exc:
        print(f"emulator failed to start: {exc}", file=sys.stderr)
        return 1
    print(f"emulator listening on {server.url}", flush=True)
    if remote:
        print(exposure_warning(settings.host, server.port, settings.control_token), file=sys.stderr, flush=True)
    if server.ca_bundle is not None:
        print(f"emulator certificate (trust it to verify): {server.ca_bundle}", flush=True)
    try:
        while not stop.wait(0.2):
            if not server.running:
                print("emulator stopped unexpectedly", file=sys.stderr)
                return 1
    finally:
        server.stop()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
