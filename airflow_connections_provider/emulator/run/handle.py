"""The Python handle on a running emulator: its URL, plus inspection and control methods that
call the in-process state directly (no HTTP), for tests.

`stored_connections` / `state` are the only methods that return secrets in clear.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import Any

from ..faults import ScriptKind, When
from ..inspection.api import add_data_asset, add_vault_secret, faults_summary, log_entries, state_snapshot
from ..settings import EmulatorSettings
from ..state.checks import check_entity, unchecked_entity
from ..state.records import ScopeKind
from .server import EmulatorServer


class EmulatorHandle:
    def __init__(self, server: EmulatorServer) -> None:
        self._server = server
        self._ctx = server.context

    # --- where and how to call it ---
    @property
    def url(self) -> str:
        return self._server.url

    @property
    def host(self) -> str:
        return self._server.host

    @property
    def port(self) -> int:
        return self._server.port

    @property
    def ca_bundle(self) -> str | None:
        """The PEM file a client trusts to verify the emulator over HTTPS (None for plain HTTP)."""
        return self._server.ca_bundle

    @property
    def settings(self) -> EmulatorSettings:
        return self._ctx.settings

    @property
    def api_key(self) -> str:
        """The first accepted IAM API key."""
        return self.settings.api_keys[0]

    @property
    def user(self) -> tuple[str, str]:
        """The first Cloud Pak for Data user as (username, password)."""
        return self.settings.users[0]

    def issue_token(self, subject: str = "emulator-user", ttl: float | None = None) -> str:
        """A bearer token valid for `ttl` seconds (default: the configured token ttl)."""
        return self._ctx.tokens.issue(subject, "emulator", ttl).token

    def auth_headers(self, ttl: float | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issue_token(ttl=ttl)}"}

    def revoke_tokens(self) -> int:
        """Invalidate every issued token at once; returns how many there were."""
        return self._ctx.tokens.revoke_all()

    # --- workspaces ---
    def project_id(self, name: str) -> str:
        return self._ctx.store.resolve_workspace("project", name).guid

    def add_project(self, name: str, *, guid: str | None = None, description: str = "", type: str = "cpd") -> str:
        return self._ctx.store.add_workspace("project", name, guid=guid, description=description, type=type).guid

    def add_catalog(self, name: str, *, guid: str | None = None, description: str = "") -> str:
        return self._ctx.store.add_workspace("catalog", name, guid=guid, description=description).guid

    def add_space(self, name: str, *, guid: str | None = None, description: str = "") -> str:
        return self._ctx.store.add_workspace("space", name, guid=guid, description=description).guid

    def catalog_id(self, name: str) -> str:
        """A catalog's guid (by name, or a guid)."""
        return self._ctx.store.resolve_workspace("catalog", name).guid

    def space_id(self, name: str) -> str:
        """A deployment space's id (by name, or an id)."""
        return self._ctx.store.resolve_workspace("space", name).guid

    def _scope(self, project: str | None, catalog: str | None, space: str | None) -> tuple[ScopeKind, str] | None:
        candidates: tuple[tuple[ScopeKind, str | None], ...] = (
            ("project", project),
            ("catalog", catalog),
            ("space", space),
        )
        given = [(kind, value) for kind, value in candidates if value]
        if len(given) > 1:
            raise ValueError("pass at most one of project, catalog, space")
        if not given:
            return None
        kind, name_or_guid = given[0]
        return kind, self._ctx.store.resolve_workspace(kind, name_or_guid).guid

    # --- stored data ---
    def state(self) -> dict[str, Any]:
        """Everything stored, connections with their secrets in clear."""
        return state_snapshot(self._ctx)

    def stored_connections(
        self, project: str | None = None, *, catalog: str | None = None, space: str | None = None
    ) -> list[dict[str, Any]]:
        """Stored connections (API shape, secrets in clear), of one scope given by name or id."""
        scope = self._scope(project, catalog, space)
        kind, guid = scope if scope else (None, None)
        connections: list[dict[str, Any]] = state_snapshot(self._ctx, kind, guid)["connections"]
        return connections

    def stored_connection(self, connection_id: str) -> dict[str, Any]:
        for conn in self.stored_connections():
            if conn["metadata"]["asset_id"] == connection_id:
                return conn
        raise KeyError(f"no connection {connection_id}")

    def create_connection(
        self,
        name: str,
        datasource_type: str,
        properties: dict[str, Any] | None = None,
        *,
        project: str | None = None,
        catalog: str | None = None,
        space: str | None = None,
        description: str = "",
        flags: Iterable[str] = (),
        creator_id: str = "emulator-user",
        checks: bool = True,
    ) -> str:
        """Seed a connection directly (same checks as the API, no live test); returns its id.

        Seeding does not enforce unique names: it puts data in place as other tools or older data
        could have left it, so a test can set up two connections of one name (the API refuses the
        second with 409). `checks=False` stores the properties as given too (no required, type or
        vault-reference checks; a known type and a properties object still), so the `validate`
        action has something to refuse.
        """
        scope = self._scope(project, catalog, space) or (
            "project",
            self.project_id(self.settings.seed_projects()[0][0]),
        )
        body = {
            "name": name,
            "datasource_type": datasource_type,
            "properties": properties or {},
            "description": description,
            "flags": list(flags),
        }
        entity = check_entity(body) if checks else unchecked_entity(body)
        return self._ctx.store.create_connection(
            scope_kind=scope[0],
            scope_id=scope[1],
            name=entity.name,
            datasource_type=entity.datasource_type.id,
            description=entity.description,
            properties=entity.properties,
            flags=entity.flags,
            origin_country=entity.origin_country,
            creator_id=creator_id,
        ).asset_id

    def register_datasource_credentials(self, host: str, port: int, username: str, password: str) -> None:
        """Make live validation of host:port also require this username and password."""
        self._ctx.store.register_account(host, port, username, password)

    def add_vault_secret(self, secret_urn: str, value: str) -> None:
        """Put a secret in the emulator's vault, for live tests of connections that reference it."""
        add_vault_secret(self._ctx, secret_urn, value)

    def add_data_asset(
        self,
        name: str,
        connection_id: str,
        connection_path: str = "/",
        *,
        description: str = "",
        mime_type: str = "text/csv",
    ) -> str:
        """A data asset in the connection's workspace whose remote attachment points at the connection
        (at `connection_path`); returns its asset id. The connection must exist (ValueError otherwise)."""
        return add_data_asset(
            self._ctx, name, connection_id, connection_path, description=description, mime_type=mime_type
        ).asset_id

    # --- requests seen ---
    def requests_count(self, method: str | None = None, path: str | None = None) -> int:
        """API requests received; `path` is a concrete path, a route template or a glob."""
        return self._ctx.log.count(method, path)

    def wait_for_requests(
        self, count: int, method: str | None = None, path: str | None = None, *, timeout: float = 10.0
    ) -> int:
        """Block until at least `count` matching API requests are logged, i.e. their replies were sent
        (or dropped); returns the number logged. Raises TimeoutError after `timeout` seconds.

        For tests whose client gives up before the reply (a timeout, a delay fault): waiting here
        means the request is finished, instead of racing it with a sleep.
        """
        return self._ctx.log.wait_for(count, method, path, timeout=timeout)

    def request_counts(self) -> dict[str, int]:
        return self._ctx.log.counts()

    def request_log(self) -> list[dict[str, Any]]:
        return log_entries(self._ctx)

    # --- faults ---
    def script_fault(
        self,
        method: str | None = None,
        path: str | None = None,
        *,
        status: int = 503,
        count: int = 1,
        when: When = "before",
        kind: ScriptKind = "status",
        delay_s: float = 0.0,
        retry_after: int | None = None,
    ) -> dict[str, Any]:
        """The next `count` matching requests fail (`when`: before or after the handler runs)."""
        scripted = self._ctx.faults.script(
            method=method,
            path=path,
            kind=kind,
            when=when,
            status=status,
            count=count,
            delay_s=delay_s,
            retry_after=retry_after,
        )
        return scripted.to_api()

    def set_faults(self, **changes: Any) -> dict[str, Any]:
        """Change latency_ms, rate_limit, fault_rate, fault_seed or fault_kinds."""
        self._ctx.faults.configure(**changes)
        return self.faults()

    def faults(self) -> dict[str, Any]:
        return faults_summary(self._ctx.faults)

    def clear_faults(self) -> None:
        """Drop scripted faults and restore the start-up fault settings (and rate-limit windows), keeping
        the stored state: for a test that fails a first try and lets the next one through."""
        self._ctx.faults.reset()
        self._ctx.limiter.reset()

    def reset(self) -> None:
        """Clear connections, data assets, vault secrets, credentials, log, counters and faults; keep seeded
        workspaces and tokens."""
        self._ctx.reset()

    def stop(self) -> None:
        self._server.stop()


@contextlib.contextmanager
def run_emulator(settings: EmulatorSettings | None = None, **overrides: Any) -> Iterator[EmulatorHandle]:
    """Start an emulator in this process (default: a free 127.0.0.1 port) and stop it on exit.

    `overrides` are EmulatorSettings fields, e.g. `run_emulator(projects=["demo"], token_ttl=1)`.
    """
    effective = (settings or EmulatorSettings()).replace(**overrides)
    server = EmulatorServer(effective)
    server.start()
    try:
        yield EmulatorHandle(server)
    finally:
        server.stop()
