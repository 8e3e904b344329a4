"""Operators that create, update, delete and sync IBM data platform connection assets, in a project, a
catalog or a deployment space (``project=``, ``catalog=`` or ``space=``: see ``tasks/base.py``).

Every operator returns ids, names or change summaries to XCom, never property values or tokens, and
logs one line per action saying what it did to which connection.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_connections_provider.operators.delete import IBMDeleteConnectionOperator
from airflow_connections_provider.operators.update import IBMUpdateConnectionOperator
from airflow_connections_provider.tasks.base import IBMBaseOperator, airflow_errors, with_real_rendered_values

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_connections_provider.client import Connection, ConnectionsClient, DatasourceType, Scope
    from airflow_connections_provider.operators.export import IBMExportConnectionsOperator
    from airflow_connections_provider.operators.sync import IBMSyncConnectionsOperator
    from airflow_connections_provider.tasks.arguments import ArgumentChecks
    from airflow_connections_provider.tasks.asset_events import Action
    from airflow_connections_provider.tasks.lookups import CreateMarker

# DAG files import this module at every parse: what only a running task needs (masking, target
# lookups, the sync operator and its limits) is imported where it is used, or on first access.

__all__ = [
    "IBMCreateConnectionOperator",
    "IBMDeleteConnectionOperator",
    "IBMExportConnectionsOperator",
    "IBMSyncConnectionsOperator",
    "IBMUpdateConnectionOperator",
]


def __getattr__(name: str) -> Any:
    if name == "IBMSyncConnectionsOperator":  # re-exported: a DAG that only creates never pays for it
        from airflow_connections_provider.operators.sync import IBMSyncConnectionsOperator

        return IBMSyncConnectionsOperator
    if name == "IBMExportConnectionsOperator":  # the same
        from airflow_connections_provider.operators.export import IBMExportConnectionsOperator

        return IBMExportConnectionsOperator
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


IfExists = Literal["fail", "skip", "update"]
_IF_EXISTS = ("fail", "skip", "update")


class IBMCreateConnectionOperator(IBMBaseOperator):
    """Create a connection asset in a project, catalog or deployment space; returns its id.

    With ``test=True`` (the default) the service first connects to the data source and refuses to save
    a connection that does not work. A retry of the task never creates a second connection of the
    same name: the client looks before it writes again, and ``if_exists`` decides what an existing one
    means — also one that someone else created between this task's lookup and its create.

    :param name: connection name, exact; the service refuses a second connection of that name in the scope (409).
    :param datasource_type: datasource type name (``postgresql``) or id.
    :param properties: connection properties; templated, so secrets can come from
        ``{{ conn.<id>.password }}``, Variables or a secrets backend. A property may reference a secret
        in a Cloud Pak for Data vault instead: ``{"vault_secret": "<secret URN>"}`` (never resolved here).
    :param description: connection description.
    :param flags: flags to create it with: ``personal_credentials`` (its secrets visible only to the
        user who creates it), ``restricted``, ``internal_use_only``, ``parameterized``. Set on create
        only; with ``if_exists="update"`` an existing connection with other flags fails the task.
    :param test: have the service connect to the data source before saving (refused if that fails).
    :param validate: after saving, have the service check the properties without connecting (its
        ``validate`` action; vault references must name secrets the vault holds); a refusal fails the task
        and the connection stays as written.
    :param skip_enforcement: ask the service to skip its guards that refuse shared credentials and
        require vaulted ones (an administrator's setting); logged as a warning. Off by default.
    :param if_exists: ``"fail"`` (default), ``"skip"`` (return the existing id) or ``"update"`` (apply
        ``description`` and ``properties`` to the existing connection). With ``"fail"``, a retry of the
        task adopts a connection only when an earlier try of this task instance sent its create (recorded
        in an Airflow Variable until settled) and its visible properties match; it then sends this
        task's secret properties again, so a secret that differs is never kept. A connection someone else
        created between the tries is never adopted.
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
        flags: Sequence[str] | None = None,
        test: bool = True,
        validate: bool = False,
        skip_enforcement: bool = False,
        if_exists: IfExists = "fail",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.name = name
        self.datasource_type = datasource_type
        self.properties = properties if properties is not None else {}
        self.description = description
        self.flags = flags
        self.test = test
        self.validate = validate
        self.skip_enforcement = skip_enforcement
        self.if_exists = if_exists

    def mask_rendered_field(self, field: str, value: Any) -> None:
        if field == "properties":
            from airflow_connections_provider.masking import mask_values

            mask_values(value)

    def validate_arguments(self, checks: ArgumentChecks) -> None:
        from airflow_connections_provider.client.validation import check_name_characters

        checks.text("name", self.name)
        for problem in check_name_characters(self.name, what="name"):
            checks.add(problem)
        checks.text("datasource_type", self.datasource_type)
        checks.properties("properties", self.properties)
        checks.text("description", self.description, optional=True)
        checks.flags("flags", self.flags)
        for name in ("test", "validate", "skip_enforcement"):
            checks.flag(name, getattr(self, name))
        checks.choice("if_exists", self.if_exists, _IF_EXISTS)

    @with_real_rendered_values
    def execute(self, context: Context) -> str:
        from airflow_connections_provider.client import ConnectionNameExistsError, ConnectionsClientError
        from airflow_connections_provider.masking import mask_values
        from airflow_connections_provider.tasks.lookups import CreateMarker, settle_failed_create

        self.check_arguments()
        scope = self.resolve_scope()
        client = self.hook.client
        action = f"Creating connection {self.name!r}"
        with airflow_errors(action):
            dtype = client.get_datasource_type(self.datasource_type)
            mask_values(self.properties, dtype.secret_properties)
            marker = CreateMarker(context["ti"], scope, self.name, self.log)
            existing = client.find_connection(scope, self.name)
            if existing is not None:
                return self._existing(context, client, scope, dtype, existing, marker)
            marker.record()  # before the POST: a try that dies after it leaves the evidence behind
            try:
                created = client.create_connection(
                    scope,
                    name=self.name,
                    datasource_type=dtype.id,
                    properties=self.properties,
                    description=self.description,
                    flags=self.flags,
                    test=self.test,
                    skip_enforcement=self.skip_enforcement,
                )
            except ConnectionNameExistsError:
                # Someone created the name between our lookup and our POST (409): if_exists decides
                # about it exactly as if the lookup had found it. Ours was not saved.
                marker.clear()
                raced = client.find_connection(scope, self.name)
                if raced is None:
                    raise
                self.log.info("Connection %r was created by someone else while this task ran", self.name)
                return self._existing(context, client, scope, dtype, raced, marker)
            except ConnectionsClientError as exc:
                settle_failed_create(client, scope, marker, exc)
                raise
            marker.clear()
        self.publish_link(context, scope, created.id)
        checked = "validated by the service" if self.test else "not validated (test=False)"
        flags = f" with flags {', '.join(created.flags or self.flags or ())}" if (created.flags or self.flags) else ""
        self.log.info(
            "Created connection %r (%s, id %s) in %s%s; %s", created.name, dtype.name, created.id, scope, flags, checked
        )
        if self.validate:
            self._validate_saved(client, scope, created)
        self._announce(context, "created", scope, created.name, dtype)
        return created.id

    def _announce(
        self,
        context: Context,
        action: Action,
        scope: Scope,
        name: str,
        dtype: DatasourceType,
        changed_fields: Sequence[str] = (),
    ) -> None:
        from airflow_connections_provider.tasks.asset_events import ConnectionEvent, emit

        event = ConnectionEvent(action, scope, name, dtype.name, tuple(changed_fields), validated=self.test)
        emit(self, context, [event])

    def _existing(
        self,
        context: Context,
        client: ConnectionsClient,
        scope: Scope,
        dtype: DatasourceType,
        existing: Connection,
        marker: CreateMarker,
    ) -> str:
        # Only a later try can find what this task instance sent; the record is settled here either way.
        ours = context["ti"].try_number > 1 and marker.recorded()
        marker.clear()
        self.publish_link(context, scope, existing.id)
        if existing.datasource_type != dtype.id:
            raise AirflowFailException(
                f"connection {self.name!r} already exists (id {existing.id}) with another datasource type; "
                "delete or rename it first"
            )
        if self.if_exists == "skip":
            self.log.info("Connection %r already exists (id %s) in %s; skipped", self.name, existing.id, scope)
            if self.flags is not None and set(self.flags) != set(existing.flags):
                # Kept as asked, but not as described: personal_credentials asked for and a shared one
                # found means its secrets are visible to every collaborator.
                self.log.warning(
                    "Connection %r (id %s) was kept with flags [%s], not the [%s] asked for: flags are set at "
                    "creation only; delete it and run this task again to create it with them",
                    self.name,
                    existing.id,
                    ", ".join(existing.flags) or "none",
                    ", ".join(self.flags) or "none",
                )
            return existing.id
        if self.if_exists == "fail":
            if ours and existing.has_visible_properties(self.properties, dtype):
                adopted = self._adopt(client, scope, dtype, existing)
                # The try that created it failed, so it emitted nothing: this try announces the creation.
                self._announce(context, "created", scope, existing.name, dtype)
                if self.validate:
                    self._validate_saved(client, scope, existing)
                return adopted
            not_ours = (
                " (no earlier try of this task sent a create for it that may have been saved, so it is not adopted)"
                if context["ti"].try_number > 1
                else ""
            )
            raise AirflowFailException(
                f"connection {self.name!r} already exists in {scope} (id {existing.id}){not_ours}; "
                "set if_exists='skip' to keep it or if_exists='update' to apply these properties"
            )
        from airflow_connections_provider.client import ConnectionChanges

        if self.flags is not None and set(self.flags) != set(existing.flags):
            raise AirflowFailException(
                f"connection {self.name!r} already exists (id {existing.id}) with flags "
                f"[{', '.join(existing.flags) or 'none'}], not [{', '.join(self.flags) or 'none'}]; flags are set "
                "when a connection is created and cannot be changed: delete it first to create it with these flags"
            )
        changes = ConnectionChanges(description=self.description, set_properties=self.properties)
        updated = client.update_connection(
            scope, existing.id, changes, test=self.test, current=existing, skip_enforcement=self.skip_enforcement
        )
        self.log.info(
            "Connection %r already existed (id %s); updated %s",
            updated.name,
            updated.id,
            ", ".join(changes.changed_fields) or "nothing",
        )
        if not changes.is_empty:
            self._announce(context, "updated", scope, updated.name, dtype, changes.changed_fields)
        if self.validate:
            self._validate_saved(client, scope, updated)
        return updated.id

    def _validate_saved(self, client: ConnectionsClient, scope: Scope, connection: Connection) -> None:
        from airflow_connections_provider.tasks.checks import validate_saved

        validate_saved(client, scope, connection, self.log, rerun="clear this task with if_exists='skip' or 'update'")

    def _adopt(self, client: ConnectionsClient, scope: Scope, dtype: DatasourceType, existing: Connection) -> str:
        """Take over what an earlier try of this task created, sending the secrets again: they cannot be
        compared, and the earlier try's may differ (rendered before a rotation)."""
        from airflow_connections_provider.client import ConnectionChanges

        secrets = {k: v for k, v in self.properties.items() if k in dtype.secret_properties}
        description = self.description if self.description not in (None, existing.description) else None
        changes = ConnectionChanges(description=description, set_properties=secrets)
        if not changes.is_empty:
            with airflow_errors(f"Adopting connection {self.name!r}"):
                client.update_connection(
                    scope, existing.id, changes, test=self.test, current=existing,
                    skip_enforcement=self.skip_enforcement,
                )  # fmt: skip
        self.log.info(
            "Connection %r (id %s) matches this task's request; adopted what an earlier try created%s",
            self.name,
            existing.id,
            f" and re-sent {', '.join(changes.changed_fields)}" if not changes.is_empty else "",
        )
        return existing.id
