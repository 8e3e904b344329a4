"""Start-up settings of the emulator: one frozen value shared by the CLI, Python and pytest.

Every knob has a default that lets the emulator start with no configuration at all. Sequences
are normalised to tuples so that a settings value stays hashable and cannot be mutated behind
the server's back.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any, Literal

# How replies show secret properties: "clear" as stored (what IBM's recorded replies do for
# shared-credential connections), "omit" dropped, "placeholder" as ********.
SecretMode = Literal["clear", "omit", "placeholder"]
SECRET_MODES: tuple[SecretMode, ...] = ("clear", "omit", "placeholder")
FaultKind = Literal["500", "502", "503", "429", "drop"]
WorkspaceKind = Literal["project", "catalog", "space"]

ALL_FAULT_KINDS: tuple[FaultKind, ...] = ("500", "502", "503", "429", "drop")
DEFAULT_API_KEY = "emulator-api-key"
DEFAULT_USER = ("admin", "password")
DEFAULT_PROJECT = "default"
# How the `test` action reports a failed test: 400 with the error container (the default, as IBM's
# OpenAPI document lists), or 200 whose output says it failed (its schema is free-form).
TEST_ACTION_FAILURE_STATUSES = (400, 200)
SELF_SIGNED = "self-signed"


@dataclasses.dataclass(frozen=True)
class EmulatorSettings:
    """Everything the emulator needs to start; see docs/emulator.md for each option."""

    host: str = "127.0.0.1"
    port: int = 0
    # "NAME" or "NAME=GUID" (to pin the project id).
    projects: tuple[str, ...] = (DEFAULT_PROJECT,)
    # Catalogs and deployment spaces to seed, each "NAME" or "NAME=GUID" (none by default).
    catalogs: tuple[str, ...] = ()
    spaces: tuple[str, ...] = ()
    api_keys: tuple[str, ...] = (DEFAULT_API_KEY,)
    # Cloud Pak for Data users as (username, password).
    users: tuple[tuple[str, str], ...] = (DEFAULT_USER,)
    static_tokens: tuple[str, ...] = ()
    token_ttl: float = 3600.0
    latency_ms: float = 0.0
    # Requests per second per token; None = unlimited.
    rate_limit: float | None = None
    fault_rate: float = 0.0
    fault_seed: int | None = None
    fault_kinds: tuple[FaultKind, ...] = ALL_FAULT_KINDS
    secret_mode: SecretMode = "clear"  # noqa: S105 - a mode name
    test_action_failure_status: int = 400
    # The administrator's allow-only-vaulted-credentials: a shared connection may not carry a plain
    # secret unless the create/update says skip_enforcement=true (state/vault.py).
    enforce_vaulted_credentials: bool = False
    log_level: str = "warning"
    # HTTPS: a certificate chain and key to serve, or tls="self-signed" for a loopback certificate made
    # at start-up (its path is EmulatorHandle.ca_bundle). None everywhere: plain HTTP.
    tls_cert: str | None = None
    tls_key: str | None = None
    tls: str | None = None
    # Listening beyond loopback must be asked for: the API hands out tokens for the accepted keys and
    # shows stored secrets (see run/server.py, docs/emulator.md "Listening beyond loopback").
    allow_remote: bool = False
    # Lets clients that are not on loopback use /_emulator when they send it (inspection/access.py).
    control_token: str | None = dataclasses.field(default=None, repr=False)

    def __post_init__(self) -> None:
        # Accept lists (what callers naturally write) and store tuples.
        for name in ("projects", "catalogs", "spaces", "api_keys", "static_tokens", "fault_kinds"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        object.__setattr__(self, "users", tuple((u, p) for u, p in self.users))
        self._validate()

    def _validate(self) -> None:
        if self.secret_mode not in SECRET_MODES:
            raise ValueError(f"secret_mode must be one of {', '.join(SECRET_MODES)}, not {self.secret_mode!r}")
        if self.test_action_failure_status not in TEST_ACTION_FAILURE_STATUSES:
            raise ValueError(f"test_action_failure_status must be one of {TEST_ACTION_FAILURE_STATUSES}")
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("tls_cert and tls_key go together: give both (or neither)")
        if self.tls not in (None, SELF_SIGNED):
            raise ValueError(f"tls must be {SELF_SIGNED!r} or None, not {self.tls!r}")
        if self.tls is not None and self.tls_cert is not None:
            raise ValueError("choose tls='self-signed' or tls_cert/tls_key, not both")
        if not 0.0 <= self.fault_rate <= 1.0:
            raise ValueError("fault_rate must be between 0 and 1")
        if self.token_ttl <= 0:
            raise ValueError("token_ttl must be positive")
        if self.rate_limit is not None and self.rate_limit <= 0:
            raise ValueError("rate_limit must be positive (or None for no limit)")
        if self.latency_ms < 0:
            raise ValueError("latency_ms must be >= 0")
        unknown = set(self.fault_kinds) - set(ALL_FAULT_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; choose from {ALL_FAULT_KINDS}")
        if not 0 <= self.port <= 65535:
            raise ValueError("port must be between 0 and 65535")
        if self.control_token is not None and not (
            self.control_token.isascii() and self.control_token.isprintable() and self.control_token.strip()
        ):
            raise ValueError("control_token must be non-blank printable ASCII (it travels in an HTTP header)")

    def seed_projects(self) -> list[tuple[str, str | None]]:
        """The projects to create at start-up, as (name, pinned guid or None)."""
        return [parse_project_spec(spec) for spec in self.projects]

    def seed_workspaces(self) -> list[tuple[WorkspaceKind, str, str | None]]:
        """Every workspace to create at start-up, as (kind, name, pinned guid or None)."""
        groups: tuple[tuple[WorkspaceKind, tuple[str, ...]], ...] = (
            ("project", self.projects),
            ("catalog", self.catalogs),
            ("space", self.spaces),
        )
        return [(kind, *parse_project_spec(spec)) for kind, specs in groups for spec in specs]

    def replace(self, **changes: Any) -> EmulatorSettings:
        return dataclasses.replace(self, **changes)


def parse_project_spec(spec: str) -> tuple[str, str | None]:
    """Split "NAME" or "NAME=GUID" (a project, catalog or space to seed)."""
    name, sep, guid = spec.partition("=")
    name = name.strip()
    if not name:
        raise ValueError(f"workspace spec {spec!r} has no name")
    return name, (guid.strip() or None) if sep else None


def parse_user_spec(spec: str) -> tuple[str, str]:
    """Split "NAME:PASSWORD" (the password may itself contain colons)."""
    name, sep, password = spec.partition(":")
    if not sep or not name or not password:
        raise ValueError(f"user spec {spec!r} must look like NAME:PASSWORD")
    return name, password


def as_tuple(values: Iterable[str] | None, default: tuple[str, ...]) -> tuple[str, ...]:
    """Repeatable CLI options: no occurrence means the default."""
    return tuple(values) if values else default
