"""Rendering a sync spec outside Airflow, as Airflow renders it inside: a Jinja template.

In a task, ``{{ conn.<id>.<field> }}`` and ``{{ var.value.<key> }}`` read Airflow's connections and
Variables. Here they read ``AIRFLOW_CONN_<ID>`` and ``AIRFLOW_VAR_<KEY>`` from the environment (the
same values Airflow's environment-variable backend would read). Where one is not set, the renderer
does not guess and does not fail: it writes a marker (``UNAVAILABLE-<nonce>-<n>``, plain text every
YAML, JSON and URL context keeps) and remembers which reference it stands for. The spec reader then
leaves every property holding a marker out of the comparison (``sync.spec``, ``unavailable_marker``):
the plan says "not compared", and ``apply`` refuses to write.

Any other template variable (``ds``, ``dag_run``, macros) exists only in a DAG run: using one is an
error that names it. The environment is sandboxed, as Airflow's is.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import jinja2.sandbox

from airflow_connections_provider.cli.airflow_env import (
    EnvConnection,
    conn_variable,
    read_connection,
    read_variable,
    var_variable,
)
from airflow_connections_provider.client import InvalidInputError


@dataclass
class Unavailable:
    """What the renderer could not fill, and the marker it wrote instead."""

    marker: str = field(default_factory=lambda: f"UNAVAILABLE-{secrets.token_hex(6)}")
    references: dict[str, str] = field(default_factory=dict)  # reference -> the variable that would set it

    def token(self, reference: str, variable: str) -> str:
        self.references.setdefault(reference, variable)
        return f"{self.marker}-{list(self.references).index(reference) + 1}"


@dataclass(frozen=True)
class RenderedSpec:
    text: str = field(repr=False)
    unavailable: Unavailable


class _MissingConnection:
    """``conn.<id>`` whose ``AIRFLOW_CONN_<ID>`` is not set: every field is a marker."""

    def __init__(self, conn_id: str, unavailable: Unavailable) -> None:
        self.conn_id = conn_id
        self._unavailable = unavailable

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        token = self._unavailable.token(f"conn.{self.conn_id}", conn_variable(self.conn_id))
        return _MarkerMapping(token) if name in ("extra_dejson",) else token


class _MarkerMapping(dict[str, str]):
    """``conn.<missing>.extra_dejson.<key>``: a marker for every key."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self._token = token

    def __missing__(self, key: str) -> str:
        return self._token

    def __getattr__(self, name: str) -> str:
        return self._token


class _Connections:
    def __init__(self, environ: Mapping[str, str] | None, unavailable: Unavailable) -> None:
        self._environ = environ
        self._unavailable = unavailable

    def __getattr__(self, conn_id: str) -> Any:
        if conn_id.startswith("_"):
            raise AttributeError(conn_id)
        return self.get(conn_id)

    def get(self, conn_id: str, default_conn: Any = None) -> Any:
        found = read_connection(conn_id, self._environ)
        if found is not None:
            return found
        return default_conn if default_conn is not None else _MissingConnection(conn_id, self._unavailable)


class _Variables:
    def __init__(self, environ: Mapping[str, str] | None, unavailable: Unavailable, *, as_json: bool) -> None:
        self._environ = environ
        self._unavailable = unavailable
        self._json = as_json

    def __getattr__(self, key: str) -> Any:
        if key.startswith("_"):
            raise AttributeError(key)
        return self.get(key)

    def get(self, key: str, default_var: Any = None) -> Any:
        value = read_variable(key, self._environ)
        if value is None:
            if default_var is not None:
                return default_var
            return self._unavailable.token(f"var.{'json' if self._json else 'value'}.{key}", var_variable(key))
        if not self._json:
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise InvalidInputError("sync spec", [f"{var_variable(key)} is not valid JSON (var.json.{key})"]) from None


class _VariableAccessor:
    def __init__(self, environ: Mapping[str, str] | None, unavailable: Unavailable) -> None:
        self.value = _Variables(environ, unavailable, as_json=False)
        self.json = _Variables(environ, unavailable, as_json=True)


def render_spec(path: Path, environ: Mapping[str, str] | None = None) -> RenderedSpec:
    """The spec file rendered with ``conn``/``var`` from the environment (module docstring)."""
    unavailable = Unavailable()
    env = jinja2.sandbox.SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(str(path.parent)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.do"],
    )
    context = {"conn": _Connections(environ, unavailable), "var": _VariableAccessor(environ, unavailable)}
    try:
        template = env.get_template(path.name)
        text = template.render(context)
    except jinja2.TemplateNotFound:
        raise InvalidInputError("sync spec", [f"{path} does not exist or cannot be read"]) from None
    except jinja2.UndefinedError as exc:
        raise InvalidInputError(
            "sync spec",
            [
                f"the template uses something only a DAG run defines ({exc.message}); outside Airflow only "
                "conn.<id>.<field>, var.value.<key> and var.json.<key> are available"
            ],
        ) from None
    except jinja2.TemplateSyntaxError as exc:  # its message names the construct, not a rendered value
        raise InvalidInputError("sync spec", [f"template error at line {exc.lineno}: {exc.message}"]) from None
    return RenderedSpec(text, unavailable)


def connection_lookup(rendered: RenderedSpec, environ: Mapping[str, str] | None = None) -> Any:
    """``from_airflow_connection`` outside Airflow: the environment's connection, or markers (same nonce)."""
    return _Connections(environ, rendered.unavailable).get


def described(unavailable: Unavailable) -> list[str]:
    """``conn.landing_cos (set AIRFLOW_CONN_LANDING_COS)``, one per reference the renderer could not fill."""
    return [f"{ref} (set {variable})" for ref, variable in sorted(unavailable.references.items())]


__all__ = ["EnvConnection", "RenderedSpec", "Unavailable", "connection_lookup", "described", "render_spec"]
