"""The update operator (public path: ``airflow_connections_provider.operators.ibm``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from airflow_connections_provider.tasks.base import (
    IBMBaseOperator,
    airflow_errors,
    require_one,
    with_real_rendered_values,
)

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_connections_provider.client import Connection, ConnectionsClient, Scope
    from airflow_connections_provider.tasks.arguments import ArgumentChecks
    from airflow_connections_provider.tasks.lookups import RenameMarker


class IBMUpdateConnectionOperator(IBMBaseOperator):
    """Change some fields of a connection; only the keys given change. Returns the connection id.

    This is the credential-rotation operator: with ``test=True`` the service validates the new values
    before saving, so wrong credentials are refused, the stored ones stay, and the task fails with
    the service's reason. The names of the changed fields are pushed to XCom key ``changed_fields``.

    :param connection_id: id of the connection to change (or give ``connection_name``).
    :param connection_name: exact name of the connection to change.
    :param set_properties: properties to set (templated; secret values are masked in logs).
    :param remove_properties: property names to remove.
    :param new_name: rename the connection; refused when another connection already has that name. A
        retry of a rename by ``connection_name`` finds the connection an earlier try already renamed
        (only the one that try recorded renaming: ``tasks.lookups.RenameMarker``).
    :param description: new description.
    :param test: have the service connect to the data source with the result before saving it.
    :param validate: after saving, have the service check the properties without connecting (its
        ``validate`` action); a refusal fails the task, the connection stays as written.
    :param skip_enforcement: ask the service to skip its guards that refuse shared credentials and
        require vaulted ones for this update; logged as a warning. Off by default.

    ``set_properties`` may reference a vault secret (``{"password": {"vault_secret": "<secret URN>"}}``):
    the client keeps the connection's ``vaulted_properties`` in step. Flags cannot be changed.
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
        validate: bool = False,
        skip_enforcement: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.connection_id = connection_id
        self.connection_name = connection_name
        self.set_properties = set_properties if set_properties is not None else {}
        self.remove_properties = remove_properties if remove_properties is not None else []
        self.new_name = new_name
        self.description = description
        self.test = test
        self.validate = validate
        self.skip_enforcement = skip_enforcement
        self._adopted_rename: RenameMarker | None = None  # set by _target on a retry that adopts a rename

    def mask_rendered_field(self, field: str, value: Any) -> None:
        if field == "set_properties":
            from airflow_connections_provider.masking import mask_values

            mask_values(value)

    def validate_arguments(self, checks: ArgumentChecks) -> None:
        from airflow_connections_provider.client.validation import check_name_characters

        checks.exactly_one(connection_id=self.connection_id, connection_name=self.connection_name)
        checks.properties("set_properties", self.set_properties)
        checks.names("remove_properties", self.remove_properties)
        checks.text("new_name", self.new_name, optional=True)
        for problem in check_name_characters(self.new_name, what="new_name"):
            checks.add(problem)
        checks.text("description", self.description, optional=True)
        for name in ("test", "validate", "skip_enforcement"):
            checks.flag(name, getattr(self, name))

    @with_real_rendered_values
    def execute(self, context: Context) -> str:
        from airflow_connections_provider.client import ConnectionChanges, is_permanent
        from airflow_connections_provider.masking import mask_values
        from airflow_connections_provider.tasks.lookups import RenameMarker, check_rename

        self.check_arguments()
        kind, ref = require_one(connection_id=self.connection_id, connection_name=self.connection_name)
        scope = self.resolve_scope()
        client = self.hook.client
        with airflow_errors(f"Updating connection {ref!r}"):
            current = self._target(context, client, scope, kind, ref)
            self.publish_link(context, scope, current.id)
            dtype = client.get_datasource_type(current.datasource_type)
            mask_values(self.set_properties, dtype.secret_properties)
            new_name = self.new_name if self.new_name not in (None, current.name) else None
            marker = self._adopted_rename
            if new_name is not None:
                check_rename(client, scope, current, new_name)
                # Recorded before it is sent: a retry may then adopt what this rename did, and nothing else.
                marker = RenameMarker(context["ti"], scope, new_name, current.id, self.log)
                marker.record()
            changes = ConnectionChanges(
                name=new_name,
                description=self.description,
                set_properties=self.set_properties,
                remove_properties=list(self.remove_properties),
            )
            try:
                updated = client.update_connection(
                    scope, current.id, changes, test=self.test, current=current, skip_enforcement=self.skip_enforcement
                )
            except Exception as exc:
                if marker is not None and is_permanent(exc):
                    marker.clear()  # refused: nothing was renamed, so there is nothing for a retry to adopt
                raise
            if marker is not None:
                marker.clear()
        changed = list(changes.changed_fields)
        self.push_xcom(context, "changed_fields", changed)
        checked = "validated by the service" if self.test else "not validated (test=False)"
        what = ", ".join(changed) or ("nothing changed (re-tested only)" if self.test else "nothing changed")
        self.log.info("Updated connection %r (id %s) in %s: %s; %s", updated.name, updated.id, scope, what, checked)
        if changed:
            from airflow_connections_provider.tasks.asset_events import ConnectionEvent, emit

            # A rename changes the asset (it is named by the connection's name): both names hear of it.
            fields = changes.changed_fields
            names = dict.fromkeys((current.name, updated.name))
            emit(self, context, [ConnectionEvent("updated", scope, n, dtype.name, fields, self.test) for n in names])
        if self.validate:
            from airflow_connections_provider.tasks.checks import validate_saved

            validate_saved(client, scope, updated, self.log)
        return updated.id

    def _target(self, context: Context, client: ConnectionsClient, scope: Scope, kind: str, ref: str) -> Connection:
        from airflow_connections_provider.tasks.lookups import RenameMarker, find_renamed, find_target

        self._adopted_rename = None
        if kind == "connection_name" and self.new_name and context["ti"].try_number > 1:
            renamed = find_renamed(
                client, scope, old_name=ref, new_name=self.new_name, set_properties=self.set_properties
            )
            if renamed is not None:
                marker = RenameMarker(context["ti"], scope, self.new_name, renamed.id, self.log)
                if marker.recorded():
                    self.log.info(
                        "No connection is named %r any more and %r (id %s) is the one an earlier try of this "
                        "task renamed; applying the remaining changes to it",
                        ref,
                        self.new_name,
                        renamed.id,
                    )
                    self._adopted_rename = marker  # cleared once the remaining changes are saved
                    return renamed
                self.log.warning(
                    "No connection is named %r any more, and %r (id %s) matches, but no earlier try of this task "
                    "recorded renaming it: not adopted (give connection_id=%r to update that one)",
                    ref,
                    self.new_name,
                    renamed.id,
                    renamed.id,
                )
        return find_target(client, scope, kind, ref)
