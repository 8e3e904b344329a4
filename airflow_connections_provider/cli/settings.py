"""Where the console script finds IBM's service: the fields of the Airflow connection, from three layers.

1. ``AIRFLOW_CONN_<ID>`` (``--conn-id``, default ``ibm_data_platform_default``), JSON or URI: the very
   value a deployment's Airflow reads, so CI can reuse the secret it already has.
2. ``IBM_DATA_PLATFORM_<FIELD>`` environment variables, one per field (:data:`FIELDS`).
3. Command-line flags, one per field except the password: a flag would sit in the process list and
   in shell history, so the password comes only from the environment (layer 1 or 2).

A later layer wins, field by field; the workspace (``project``, ``catalog`` or ``space``) counts as
one field, so ``--space NAME`` replaces a project the Airflow connection names. The result goes
through the hook's own conversion (``hooks.settings.settings_from_connection``), so every field means
here what it means in Airflow and every problem is listed at once.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from airflow_connections_provider.cli.airflow_env import conn_variable, read_connection
from airflow_connections_provider.client import ConfigurationError
from airflow_connections_provider.connection_type import DEFAULT_CONN_ID
from airflow_connections_provider.hooks.settings import HookSettings, settings_from_connection

ENV_PREFIX = "IBM_DATA_PLATFORM_"
#: Standard fields of the Airflow connection, then its extra fields; the flag is ``--<field with ->``.
STANDARD = ("host", "port", "login", "password")
EXTRA = ("auth_type", "project", "catalog", "space", "iam_url", "verify_tls", "ca_bundle", "timeout", "retry_limit")
#: The workspace fields: one names the workspace, so a later layer that sets one replaces all three.
WORKSPACE = ("project", "catalog", "space")
FIELDS = STANDARD + EXTRA
NO_FLAG = frozenset({"password"})
HELP = {
    "host": "API base URL (https://cpd.example.com) or an IBM Cloud region (us-south, eu-de, ...)",
    "port": "the URL's port, when the host names none",
    "login": "username (Cloud Pak for Data, Zen API key)",
    "auth_type": "iam_api_key (default), aws_api_key, cp4d_password, cp4d_api_key, zen_api_key, bearer_token",
    "project": "project id or exact name",
    "catalog": "catalog id or exact name (instead of a project)",
    "space": "deployment space id or exact name (instead of a project)",
    "iam_url": "IAM endpoint for iam_api_key (default https://iam.cloud.ibm.com)",
    "verify_tls": "true (default) or false",
    "ca_bundle": "CA bundle file for a self-signed cluster",
    "timeout": "read timeout of each request, seconds (default 60)",
    "retry_limit": "retries after each request's first attempt (default 5)",
}


@dataclass
class ConnectionFields:
    """The Airflow connection's fields as gathered; ``password`` out of ``repr``."""

    conn_id: str
    host: str | None = None
    port: int | None = None
    login: str | None = None
    password: str | None = field(default=None, repr=False)
    extra: str | None = None  # JSON, as Airflow keeps it
    sources: list[str] = field(default_factory=list)


def add_connection_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "IBM connection",
        f"The fields of the Airflow connection. Read from {conn_variable('<ID>')} (JSON or URI), then "
        f"{ENV_PREFIX}<FIELD> variables, then these flags; the password only from the environment.",
    )
    group.add_argument(
        "--conn-id",
        help=f"Airflow connection id whose {conn_variable('<ID>')} value to read (default {DEFAULT_CONN_ID})",
    )
    workspace = group.add_mutually_exclusive_group()
    for name in FIELDS:
        if name not in NO_FLAG:
            where = workspace if name in WORKSPACE else group
            where.add_argument(f"--{name.replace('_', '-')}", dest=f"ibm_{name}", metavar=name.upper(), help=HELP[name])


def gather(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> ConnectionFields:
    """The connection's fields from the three layers (module docstring)."""
    env = os.environ if environ is None else environ
    conn_id = args.conn_id or DEFAULT_CONN_ID
    base = read_connection(conn_id, env)
    if base is None and args.conn_id:
        raise ConfigurationError(
            f"--conn-id {args.conn_id}: {conn_variable(args.conn_id)} is not set; export the Airflow connection "
            "there (JSON or URI), or give the fields as IBM_DATA_PLATFORM_* variables and flags"
        )
    fields = ConnectionFields(conn_id=conn_id)
    extra: dict[str, object] = {}
    if base is not None:
        fields.host, fields.port, fields.login, fields.password = base.host, base.port, base.login, base.password
        try:
            extra.update(base.extra_dejson)
        except ValueError:
            raise ConfigurationError(f"the extra of {conn_variable(conn_id)} is not valid JSON") from None
        fields.sources.append(conn_variable(conn_id))
    for layer, values in (
        ("environment", {n: env.get(f"{ENV_PREFIX}{n.upper()}") for n in FIELDS}),
        ("flags", {n: getattr(args, f"ibm_{n}", None) for n in FIELDS}),
    ):
        given = {n: v for n, v in values.items() if v not in (None, "")}
        if given:
            fields.sources.append(f"{ENV_PREFIX}* variables" if layer == "environment" else "flags")
        if any(name in WORKSPACE for name in given):
            for name in WORKSPACE:
                extra.pop(name, None)
        for name, value in given.items():
            if name == "port":
                fields.port = _port(str(value))
            elif name in STANDARD:
                setattr(fields, name, value)
            else:
                extra[name] = value
    fields.extra = json.dumps(extra) if extra else None
    return fields


def settings(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> HookSettings:
    fields = gather(args, environ)
    if not fields.sources:
        raise ConfigurationError(
            f"no IBM connection settings: set {conn_variable(DEFAULT_CONN_ID)} (the Airflow connection, JSON or "
            f"URI), or pass --conn-id, or set {ENV_PREFIX}HOST and {ENV_PREFIX}PASSWORD (see --help)"
        )
    try:
        return settings_from_connection(fields)
    except ConfigurationError as exc:
        read = ", ".join(fields.sources)
        raise ConfigurationError(f"{exc} (read from: {read}; a flag or {ENV_PREFIX}<FIELD> sets a field)") from None


def _port(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ConfigurationError(f"the port must be a whole number ({ENV_PREFIX}PORT or --port)") from None
