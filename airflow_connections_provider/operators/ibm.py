"""Operators that create, update, delete and sync IBM data platform connection assets.

Every operator returns ids, names or change summaries to XCom, never property values or tokens, and
logs one line per action saying what it did to which connection.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from airflow.sdk.exceptions import AirflowException, AirflowFailException

from airflow_connections_provider.masking import mask_values
from airflow_connections_provider.operators.base import IBMBaseOperator, airflow_errors, require_one

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_connections_provider.client import Connection, ConnectionsClient, DatasourceType, Scope

IfExists = Literal["fail", "skip", "update"]
_IF_EXISTS = ("fail", "skip", "update")


class IBMCreateConnectionOperator(IBMBaseOperator):
    """Create a connection asset in a project; returns its id.

    With ``test=True`` (the default) the service first connects to the data source and refuses to save
    a connection that does not work. A retry of the task never creates a second connection of the
    same name: the client looks before it writes again, and ``if_exists`` decides what an existing one
    means.

    :param name: connection name (exact; the service allows duplicates, this operator does not create them).
    :param datasource_type: datasource type name (``postgresql``) or id.
    :param properties: connection properties; templated, so secrets can come from
        ``{{ conn.<id>.password }}``, Variables or a secrets backend.
    :param description: connection description.
    :param test: have the service validate the connection before saving it.
    :param if_exists: ``"fail"`` (default), ``"skip"`` (return the existing id) or ``"update"`` (apply
        ``description`` and ``properties`` to the existing connection). With ``"fail"``, a retry of the
        task adopts a connection that an earlier try created (same name, type and visible properties).
    """

    template_fields: Sequence[str] = (
        *IBMBaseOperator.template_fields,
        "name",
        "datasource_type",
        "description",
        "properties",
    )
    template_fields_renderers = {"properties": "json"}

    def __init__(
        self,
        *,
        name: str,
        datasource_type: str,
        properties: Mapping[str, Any] | None = None,
        description: str | None = None,
        test: bool = True,
        if_exists: IfExists = "fail",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.name = name
        self.datasource_type = datasource_type
        self.properties = properties or {}
        self.description = description
        self.test = test
        self.if_exists = if_exists

    def mask_rendered_secrets(self) -> None:
        mask_values(self.properties)

    def execute(self, context: Context) -> str:
        if self.if_exists not in _IF_EXISTS:
            raise AirflowFailException(f"if_exists must be one of {', '.join(_IF_EXISTS)}, got {self.if_exists!r}")
        scope = self.resolve_scope()
        client = self.hook.client
        action = f"Creating connection {self.name!r}"
        with airflow_errors(action):
            dtype = client.get_datasource_type(self.datasource_type)
            mask_values(self.properties, dtype.secret_properties)
            existing = client.find_connection(scope, self.name)
            if existing is not None:
                return self._existing(context, client, scope, dtype, existing)
            created = client.create_connection(
                scope,
                name=self.name,
                datasource_type=dtype.id,
                properties=self.properties,
                description=self.description,
                test=self.test,
            )
        self.publish_link(context, scope, created.id)
        checked = "validated by the service" if self.test else "not validated (test=False)"
        self.log.info(
            "Created connection %r (%s, id %s) in %s; %s", created.name, dtype.name, created.id, scope, checked
        )
        return created.id

    def _existing(
        self, context: Context, client: ConnectionsClient, scope: Scope, dtype: DatasourceType, existing: Connection
    ) -> str:
        self.publish_link(context, scope, existing.id)
        if existing.datasource_type != dtype.id:
            raise AirflowFailException(
                f"connection {self.name!r} already exists (id {existing.id}) with another datasource type; "
                "delete or rename it first"
            )
        if self.if_exists == "skip":
            self.log.info("Connection %r already exists (id %s) in %s; skipped", self.name, existing.id, scope)
            return existing.id
        if self.if_exists == "fail":
            from airflow_connections_provider.client.client import same_visible_properties

            earlier_try = context["ti"].try_number > 1
            if earlier_try and same_visible_properties(existing, self.properties, dtype.secret_properties):
                self.log.info(
                    "Connection %r (id %s) matches this task's request; adopting what an earlier try created",
                    self.name,
                    existing.id,
                )
                return existing.id
            raise AirflowFailException(
                f"connection {self.name!r} already exists in {scope} (id {existing.id}); "
                "set if_exists='skip' to keep it or if_exists='update' to apply these properties"
            )
        from airflow_connections_provider.client import ConnectionChanges

        changes = ConnectionChanges(description=self.description, set_properties=self.properties)
        updated = client.update_connection(scope, existing.id, changes, test=self.test, current=existing)
        self.log.info(
            "Connection %r already existed (id %s); updated %s",
            updated.name,
            updated.id,
            ", ".join(changes.changed_fields) or "nothing",
        )
        return updated.id


class IBMUpdateConnectionOperator(IBMBaseOperator):
    """Change some fields of a connection; only the keys given change. Returns the connection id.

    This is the credential-rotation operator: with ``test=True`` the service validates the new values
    before saving, so wrong credentials are refused, the stored ones stay, and the task fails with
    the service's reason. The names of the changed fields are pushed to XCom key ``changed_fields``.

    :param connection_id: id of the connection to change (or give ``connection_name``).
    :param connection_name: exact name of the connection to change.
    :param set_properties: properties to set (templated; secret values are masked in logs).
    :param remove_properties: property names to remove.
    :param new_name: rename the connection.
    :param description: new description.
    :param test: have the service validate the result before saving it.
    """

    template_fields: Sequence[str] = (
        *IBMBaseOperator.template_fields,
        "connection_id",
        "connection_name",
        "set_properties",
        "remove_properties",
        "new_name",
        "description",
    )
    template_fields_renderers = {"set_properties": "json"}

    def __init__(
        self,
        *,
        connection_id: str | None = None,
        connection_name: str | None = None,
        set_properties: Mapping[str, Any] | None = None,
        remove_properties: Sequence[str] | None = None,
        new_name: str | None = None,
        description: str | None = None,
        test: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.connection_id = connection_id
        self.connection_name = connection_name
        self.set_properties = set_properties or {}
        self.remove_properties = list(remove_properties or ())
        self.new_name = new_name
        self.description = description
        self.test = test

    def mask_rendered_secrets(self) -> None:
        mask_values(self.set_properties)

    def execute(self, context: Context) -> str:
        from airflow_connections_provider.client import ConnectionChanges

        kind, ref = require_one(connection_id=self.connection_id, connection_name=self.connection_name)
        scope = self.resolve_scope()
        client = self.hook.client
        with airflow_errors(f"Updating connection {ref!r}"):
            current = find_target(client, scope, kind, ref)
            self.publish_link(context, scope, current.id)
            dtype = client.get_datasource_type(current.datasource_type)
            mask_values(self.set_properties, dtype.secret_properties)
            changes = ConnectionChanges(
                name=self.new_name,
                description=self.description,
                set_properties=self.set_properties,
                remove_properties=self.remove_properties,
            )
            updated = client.update_connection(scope, current.id, changes, test=self.test, current=current)
        changed = list(changes.changed_fields)
        self.push_xcom(context, "changed_fields", changed)
        checked = "validated by the service" if self.test else "not validated (test=False)"
        what = ", ".join(changed) or ("nothing changed (re-tested only)" if self.test else "nothing changed")
        self.log.info("Updated connection %r (id %s) in %s: %s; %s", updated.name, updated.id, scope, what, checked)
        return updated.id


class IBMDeleteConnectionOperator(IBMBaseOperator):
    """Delete a connection by id or exact name; returns its id (or None when it was already gone).

    :param connection_id: id of the connection (or give ``connection_name``).
    :param connection_name: exact name of the connection.
    :param missing_ok: succeed when the connection does not exist (default True).
    """

    template_fields: Sequence[str] = (*IBMBaseOperator.template_fields, "connection_id", "connection_name")

    def __init__(
        self,
        *,
        connection_id: str | None = None,
        connection_name: str | None = None,
        missing_ok: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.connection_id = connection_id
        self.connection_name = connection_name
        self.missing_ok = missing_ok

    def execute(self, context: Context) -> str | None:
        kind, ref = require_one(connection_id=self.connection_id, connection_name=self.connection_name)
        scope = self.resolve_scope()
        client = self.hook.client
        with airflow_errors(f"Deleting connection {ref!r}"):
            if kind == "connection_name":
                found = client.find_connection(scope, ref)
                if found is None:
                    return self._missing(ref, scope)
                connection_id = found.id
            else:
                connection_id = ref
            self.publish_link(context, scope, connection_id)
            deleted = client.delete_connection(scope, connection_id, missing_ok=self.missing_ok)
        if not deleted:
            return self._missing(ref, scope)
        self.log.info("Deleted connection %r (id %s) from %s", ref, connection_id, scope)
        return connection_id

    def _missing(self, ref: str, scope: Scope) -> str | None:
        if not self.missing_ok:
            raise AirflowFailException(f"connection {ref!r} does not exist in {scope} (set missing_ok=True to accept)")
        self.log.info("Connection %r does not exist in %s; nothing to delete", ref, scope)
        return None


def find_target(client: ConnectionsClient, scope: Scope, kind: str, ref: str) -> Connection:
    """The connection named by id or exact name; a clear error when there is none."""
    if kind == "connection_id":
        return client.get_connection(scope, ref)
    found = client.find_connection(scope, ref)
    if found is None:
        raise AirflowFailException(f"no connection is named exactly {ref!r} in {scope}")
    return found


class IBMSyncConnectionsOperator(IBMBaseOperator):
    """Reconcile a project's connections with a declared spec, like a small Terraform inside Airflow.

    The spec is validated as a whole first (one error lists every problem, nothing is written); then
    one paged listing gives the plan (create / update with the changed field names / delete /
    unchanged) and the plan is applied with at most ``max_concurrency`` requests in flight. Failed
    entries are reported together after the others are applied; re-running converges.

    Secrets: the service never returns them, so their drift cannot be read back. A secret is sent
    when the connection is created, when its value differs from the one this sync last applied
    (compared by keyed fingerprints kept in an Airflow Variable, never the values), or when
    ``rewrite_secrets=True``. See docs/sync.md.

    :param spec: the desired connections: a list of entries, ``{"connections": [...]}``, a mapping of
        name to entry, or the path of a YAML/JSON file (rendered as a Jinja template first).
    :param managed_prefix: the selector of connections this sync owns; required by ``prune``.
    :param prune: delete connections whose name starts with ``managed_prefix`` but are not in the spec.
    :param dry_run: only compute, log and return the plan.
    :param test: have the service validate creates and updates before saving.
    :param max_concurrency: writes in flight at once.
    :param rewrite_secrets: send every declared secret, even unchanged ones.
    :param fingerprint_variable: Airflow Variable that keeps the secret fingerprints; None (default)
        derives the name from the project and ``managed_prefix``.
    :param secret_fingerprints: remember fingerprints of applied secrets between runs (default True);
        False keeps no state, so secrets only go out on create, on ``rewrite_secrets`` and with other
        changes to the same connection.
    """

    template_fields: Sequence[str] = (*IBMBaseOperator.template_fields, "spec", "managed_prefix")
    template_ext: Sequence[str] = (".yaml", ".yml", ".json")
    template_fields_renderers = {"spec": "yaml"}

    def __init__(
        self,
        *,
        spec: str | Sequence[Mapping[str, Any]] | Mapping[str, Any],
        managed_prefix: str | None = None,
        prune: bool = False,
        dry_run: bool = False,
        test: bool = True,
        max_concurrency: int = 8,
        rewrite_secrets: bool = False,
        fingerprint_variable: str | None = None,
        secret_fingerprints: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.spec = spec
        self.managed_prefix = managed_prefix
        self.prune = prune
        self.plan_only = dry_run  # BaseOperator already has a dry_run() method
        self.test = test
        self.max_concurrency = max_concurrency
        self.rewrite_secrets = rewrite_secrets
        self.fingerprint_variable = fingerprint_variable
        self.secret_fingerprints = secret_fingerprints

    def mask_rendered_secrets(self) -> None:
        from airflow_connections_provider.sync.spec import mask_spec_secrets

        mask_spec_secrets(self.spec)

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_connections_provider.sync.runner import SyncRequest, run_sync, store_for

        if self.prune and not self.managed_prefix:
            raise AirflowFailException(
                "prune=True needs managed_prefix: the sync only ever deletes connections whose name starts with it"
            )
        if not isinstance(self.max_concurrency, int) or self.max_concurrency < 1:
            raise AirflowFailException(f"max_concurrency must be an integer >= 1, got {self.max_concurrency!r}")
        scope = self.resolve_scope()
        self.publish_link(context, scope, None)
        request = SyncRequest(
            spec=self.spec,
            managed_prefix=self.managed_prefix,
            prune=self.prune,
            dry_run=self.plan_only,
            test=self.test,
            max_concurrency=self.max_concurrency,
            rewrite_secrets=self.rewrite_secrets,
            fingerprint_variable=self.fingerprint_variable,
            secret_fingerprints=self.secret_fingerprints,
        )
        with airflow_errors("Syncing connections"):
            summary = run_sync(self.hook.client, scope, request, log=self.log, store=store_for(request, scope))
        if summary.get("failed"):
            # The summary still reaches XCom (key sync_summary) so downstream tasks and humans see what landed.
            self.push_xcom(context, "sync_summary", summary)
            failures = "; ".join(f"{name}: {reason}" for name, reason in summary["failed"].items())
            raise AirflowException(f"{len(summary['failed'])} connection(s) failed to sync ({failures})")
        return summary
