"""The Airflow hook: an Airflow connection in, a ready client out — for tasks and triggers alike.

It does little else on purpose; every API operation lives on the client (``hook.client``). What it adds
is the Airflow side: the default workspace of the Airflow connection (its ``project``, ``catalog`` or
``space`` extra), and a connection's actions run in that workspace. Triggers
read the same settings without blocking their event loop (:meth:`IBMDataPlatformHook.aget_client_config`),
so there is one way from an Airflow connection to a client, and one rule for a connection Airflow
cannot read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from functools import cached_property
from typing import Any

from airflow.providers.common.compat.sdk import AirflowNotFoundException, BaseHook, mask_secret

from airflow_connections_provider.client import (
    ClientConfig,
    ConfigurationError,
    ConnectionAction,
    ConnectionsClient,
    Scope,
    WorkspaceRef,
)
from airflow_connections_provider.client.workspaces import workspace_ref
from airflow_connections_provider.compat import unreadable_connection_value
from airflow_connections_provider.connection_type import CONN_TYPE, DEFAULT_CONN_ID, HOOK_NAME
from airflow_connections_provider.hooks.settings import (
    HookSettings,
    credential_values,
    settings_from_connection,
    unreadable_connection_error,
)


def escaped_credential_spellings(conn: Any) -> list[str]:
    """The escaped spellings of the connection's secrets, for the masker (Airflow masks each value as it is).

    A token with a trailing newline reads ``tok\\n`` in an exception's text, a curly quote ``\\u201c``:
    Airflow's masker would not know those. Plain values have none, so this is usually empty.
    """
    from airflow_connections_provider.masking import escaped_spellings

    return list(escaped_spellings(credential_values(conn)))


class IBMDataPlatformHook(BaseHook):
    """Talk to IBM's connections API (watsonx.data integration, watsonx.ai, Cloud Pak for Data).

    :param ibm_conn_id: Airflow connection of type ``ibmdataplatform``.
    :param retry_limit: attempts of each request, the first included (1 = no retry; default 6, at most
        100: ``RetryPolicy`` defines it); overrides the connection's ``retry_limit`` extra.
    :param retry_delay: first backoff wait in seconds (doubles per retry, with jitter).
    :param max_retry_wait: cap on one wait in seconds, ``Retry-After`` included.
    :param timeout: read timeout of each request in seconds.
    :param retry_args: ``tenacity.Retrying`` keyword arguments that tune the retries, as
        ``DatabricksHook``'s: ``stop`` (default ``stop_after_attempt(retry_limit)``), ``wait`` (default
        the jittered exponential from ``retry_delay``), ``before``, ``after``. What is retried, the log
        line per retry and ``Retry-After`` stay the client's. Used by :attr:`client`; the async client
        a trigger gets makes one attempt per poll and ignores it.
    """

    conn_name_attr = "ibm_conn_id"
    default_conn_name = DEFAULT_CONN_ID
    conn_type = CONN_TYPE
    hook_name = HOOK_NAME

    def __init__(
        self,
        ibm_conn_id: str = DEFAULT_CONN_ID,
        *,
        retry_limit: int | None = None,
        retry_delay: float | None = None,
        max_retry_wait: float | None = None,
        timeout: float | None = None,
        retry_args: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.ibm_conn_id = ibm_conn_id
        self.retry_args = retry_args
        self._overrides: dict[str, Any] = {
            "retry_limit": retry_limit,
            "retry_delay": retry_delay,
            "max_retry_wait": max_retry_wait,
            "timeout": timeout,
        }

    @cached_property
    def settings(self) -> HookSettings:
        try:
            conn = self.get_connection(self.ibm_conn_id)
        except AirflowNotFoundException:
            error = self._unreadable()
            if error is None:
                raise
            raise error from None
        for spelling in escaped_credential_spellings(conn):
            mask_secret(spelling)
        return self._settings(conn, mask_secret)

    async def aget_client_config(self) -> ClientConfig:
        """The client settings of :attr:`settings`, read without blocking the event loop (for triggers).

        The Airflow connection comes through ``compat.aget_connection``; the tokens the async client
        obtains are masked with ``compat.amask_secret``. Errors are those of :attr:`settings`.
        """
        from airflow_connections_provider.compat import aget_connection, amask_secret

        try:
            conn = await aget_connection(self.ibm_conn_id)
        except AirflowNotFoundException:
            error = await asyncio.to_thread(self._unreadable)  # a secrets backend lookup: off the loop
            if error is None:
                raise
            raise error from None
        for spelling in escaped_credential_spellings(conn):
            await amask_secret(spelling)
        return self._settings(conn, amask_secret).client_config

    def _unreadable(self) -> ConfigurationError | None:
        """The one rule for a connection Airflow reports as not defined although a secrets backend holds a
        value it cannot read: the error naming the problem (never the value), or None if there is none."""
        raw_value = unreadable_connection_value(self.ibm_conn_id)
        return None if raw_value is None else unreadable_connection_error(self.ibm_conn_id, raw_value)

    def _settings(self, conn: Any, on_secret: Callable[[str], object]) -> HookSettings:
        return settings_from_connection(conn, on_secret=on_secret, **self._overrides)

    @cached_property
    def client(self) -> ConnectionsClient:
        return ConnectionsClient(self.settings.client_config, retry_args=self.retry_args)

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """The form's extra fields on Airflow 2.11, 3.0 and 3.1 (3.2+ reads ``conn-fields`` instead)."""
        from airflow_connections_provider.connection_form import hook_form_widgets

        return hook_form_widgets()

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Hidden, relabelled and placeholder standard fields on Airflow 2.11, 3.0 and 3.1."""
        from airflow_connections_provider.connection_form import hook_field_behaviour

        return hook_field_behaviour()

    def get_conn(self) -> ConnectionsClient:
        return self.client

    def close(self) -> None:
        if "client" in self.__dict__:
            self.client.close()
            del self.__dict__["client"]

    @property
    def default_project(self) -> str | None:
        """The extra ``project`` (id or name), when the default workspace is a project."""
        return self.settings.default_project

    @property
    def default_scope(self) -> WorkspaceRef | None:
        """The default workspace: the extra ``project``, ``catalog`` or ``space`` (an id or an exact name)."""
        return self.settings.default_scope

    def resolve_scope(
        self, project: str | None = None, *, catalog: str | None = None, space: str | None = None
    ) -> Scope:
        """The scope of the one workspace given (each an id or an exact name), else of the connection's
        default workspace. :class:`ConfigurationError` when several are given, or none and no default."""
        named, problems = workspace_ref(project=project, catalog=catalog, space=space)
        if problems:
            raise ConfigurationError("; ".join(problems))
        wanted = named or self.default_scope
        if wanted is None:
            raise ConfigurationError(
                f"no project, catalog or space given and Airflow connection {self.ibm_conn_id!r} sets no "
                "default: pass project=, catalog= or space= (an id or an exact name), or set the 'project', "
                "'catalog' or 'space' extra of the connection"
            )
        return self.client.resolve_workspace(wanted)

    # -- a connection's actions, in the given workspace (else the default one) ---------------------------

    def test_connection_asset(self, connection_id: str, **workspace: str | None) -> None:
        """Run the ``test`` action on a stored connection (the service connects to the data source).
        ``workspace``: ``project=``, ``catalog=`` or ``space=``, as :meth:`resolve_scope`."""
        self.client.test_connection(self.resolve_scope(**workspace), connection_id)

    def validate_connection_asset(self, connection_id: str, **workspace: str | None) -> None:
        """Run the ``validate`` action (checks the stored properties without connecting)."""
        self.client.validate_connection(self.resolve_scope(**workspace), connection_id)

    def list_connection_actions(self, connection_id: str, **workspace: str | None) -> list[ConnectionAction]:
        """The actions the connection's datasource type lists (``test`` and ``validate`` run unlisted)."""
        return self.client.list_actions(self.resolve_scope(**workspace), connection_id)

    def test_connection(self) -> tuple[bool, str]:
        """Check authentication and reachability (``GET /v2/connections/version``), and access to the
        default workspace when one is set. Never raises: the UI shows the message.
        """
        try:
            version = self.client.version()
            message = f"Connected to {version.service_name or 'the connections service'} {version.version}".strip()
            default = self.default_scope
            if default is not None:
                scope = self.client.resolve_workspace(default)
                message += f"; default {default} ({scope.id}) is reachable"
            return True, message
        except Exception as exc:  # noqa: BLE001 - the Test button must show a message, never a traceback
            return False, f"{type(exc).__name__}: {exc}"
        finally:
            self.close()

    # -- export and dependents (sync/export.py, client/dependents.py) ---------------------------------

    def export(
        self,
        project: str | None = None,
        *,
        catalog: str | None = None,
        space: str | None = None,
        scope: Scope | None = None,
        name_prefix: str | None = None,
        text: bool = True,
    ) -> str | dict[str, Any]:
        """The connections of ``scope`` (else the workspace named, as :meth:`resolve_scope`) as a sync spec,
        secrets as Airflow template placeholders, never values: YAML text, or ``{"connections": [...]}``
        with ``text=False``. Applied (placeholders rendered) to the same scope, it plans no change."""
        from airflow_connections_provider.sync.export import export_connections
        from airflow_connections_provider.sync.export_yaml import export_yaml

        where = scope or self.resolve_scope(project, catalog=catalog, space=space)
        entries = export_connections(self.client, where, name_prefix=name_prefix)
        if text:
            return export_yaml(entries, source=str(where))
        return {"connections": [e.to_json() for e in entries]}

    def find_dependents(
        self, connection_ids: list[str] | tuple[str, ...], project: str | None = None, *, scope: Scope | None = None
    ) -> dict[str, list[dict[str, str]]]:
        """The data assets that use each connection (IBM's delete does not check), by connection id: names
        and ids only. One walk of the scope's data assets (``client.dependents``)."""
        where = scope or self.resolve_scope(project)
        found = self.client.find_dependents(where, connection_ids)
        return {cid: [d.to_json() for d in deps] for cid, deps in found.items()}
