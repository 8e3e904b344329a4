"""A sensor that waits until the service accepts a connection (its live test passes)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import (
    AirflowException,
    AirflowFailException,
    AirflowSensorTimeout,
    BaseSensorOperator,
    PokeReturnValue,
    conf,
)

from airflow_connections_provider.tasks.base import (
    IBMBaseOperator,
    airflow_errors,
    require_one,
    with_real_rendered_values,
)

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_connections_provider.client import Connection, Scope
    from airflow_connections_provider.tasks.arguments import ArgumentChecks
    from airflow_connections_provider.tasks.asset_events import ConnectionEvent

#: What a poke asks the service: its ``test`` or its ``validate`` action.
SENSOR_ACTIONS = ("test", "validate")
# Leave the trigger time to send its own timeout event before Airflow's deferral timeout fires.
_DEFERRAL_MARGIN = timedelta(minutes=5)


class IBMConnectionValidationSensor(IBMBaseOperator, BaseSensorOperator):
    """Wait until a connection validates: the service re-tests it (without changing it) on each poke.

    A test the data source refuses means "not yet" (that is what the sensor waits out); transient
    failures (timeouts, 5xx, 429) are retried by the client and then also mean "not yet". Everything
    a wait cannot fix fails the task at once, without retries, in every mode (poke, reschedule,
    deferred): a request the service rejects outright (a 400 that is not a refused test), a
    connection that does not exist, refused credentials or permissions, bad configuration, a TLS
    certificate that does not verify. Returns the connection id.

    Works in ``poke`` and ``reschedule`` modes and deferred (``deferrable=True``, default from
    ``[operators] default_deferrable``): it tests once before deferring, then
    :class:`~airflow_connections_provider.triggers.ibm.IBMConnectionValidationTrigger` polls from
    the triggerer every ``poke_interval`` seconds until ``timeout``.

    :param connection_id: id of the connection (or give ``connection_name``).
    :param connection_name: exact name of the connection.
    :param deferrable: wait in the triggerer instead of holding a worker slot.
    :param action: what each poke asks the service: ``"test"`` (default: connect to the data source
        with the stored settings) or ``"validate"`` (check the stored properties without connecting:
        required ones, value types, vault references the vault holds). Its trigger runs the same one.
    """

    template_fields: Sequence[str] = (*IBMBaseOperator.template_fields, "connection_id", "connection_name")
    ui_color = "#e5f6ff"

    def __init__(
        self,
        *,
        connection_id: str | None = None,
        connection_name: str | None = None,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        action: str = "test",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.connection_id = connection_id
        self.connection_name = connection_name
        self.deferrable = deferrable
        self.action = action
        self._target: tuple[Scope, str] | None = None
        self._found: Connection | None = None  # when looked up by name: its name and type, for the event
        self._waiting_since: float | None = None  # epoch seconds of this process's first test

    def validate_arguments(self, checks: ArgumentChecks) -> None:
        checks.exactly_one(connection_id=self.connection_id, connection_name=self.connection_name)
        checks.choice("action", self.action, SENSOR_ACTIONS)

    def _resolve(self, context: Context) -> tuple[Scope, str]:
        if self._target is None:
            self.check_arguments()
            kind, ref = require_one(connection_id=self.connection_id, connection_name=self.connection_name)
            scope = self.resolve_scope()
            connection_id = ref
            if kind == "connection_name":
                with airflow_errors(f"Finding connection {ref!r}"):
                    found = self.hook.client.find_connection(scope, ref)
                if found is None:
                    raise AirflowFailException(f"no connection is named exactly {ref!r} in {scope}")
                connection_id = found.id
                self._found = found
            self.publish_link(context, scope, connection_id)
            self._target = (scope, connection_id)
        return self._target

    @with_real_rendered_values
    def execute(self, context: Context) -> Any:
        scope, connection_id = self._resolve(context)
        if not self.deferrable:
            return super().execute(context)
        if self.poke(context):  # poke once: a connection that already works needs no triggerer
            return connection_id
        from airflow_connections_provider.triggers.ibm import IBMConnectionValidationTrigger

        self.defer(
            trigger=IBMConnectionValidationTrigger(
                ibm_conn_id=self.ibm_conn_id,
                scope_kind=scope.kind,
                scope_id=scope.id,
                connection_id=connection_id,
                poll_interval=self.poke_interval,
                deadline=time.time() + self.timeout,
                poll_first=False,  # the poke above just tested it
                # One attempt per poll there (the polls retry): only the request timeout applies.
                hook_params={} if self.request_timeout is None else {"timeout": self.request_timeout},
                waiting_since=self._waiting_since,
                action=self.action,
            ),
            method_name="execute_complete",
            timeout=timedelta(seconds=self.timeout) + _DEFERRAL_MARGIN,
        )

    def poke(self, context: Context) -> PokeReturnValue | bool:
        from airflow_connections_provider.client import (
            ConnectionsClientError,
            InvalidPropertiesError,
            ValidationRefusedError,
            is_temporary,
        )

        scope, connection_id = self._resolve(context)
        if self._waiting_since is None:
            self._waiting_since = time.time()
        try:
            if self.action == "validate":
                self.hook.client.validate_connection(scope, connection_id)
            else:
                self.hook.client.test_connection(scope, connection_id)
        except (ValidationRefusedError, InvalidPropertiesError) as exc:
            self.log.info("Connection %s is not valid yet%s: %s", connection_id, self._waited(), exc)
            return False
        except ConnectionsClientError as exc:
            if is_temporary(exc):
                self.log.warning(
                    "Connection %s could not be tested this time%s: %s", connection_id, self._waited(), exc
                )
                return False
            with airflow_errors(f"Validating connection {connection_id}"):
                raise
        self.log.info("Connection %s validated", connection_id)
        from airflow_connections_provider.tasks.asset_events import emit

        emit(self, context, [self._validated_event(scope, connection_id)])
        return PokeReturnValue(is_done=True, xcom_value=connection_id)

    def _waited(self) -> str:
        """`` (waited 35 s)``: how long this process has waited. Nothing in reschedule mode, where each test
        runs in a new process that cannot tell."""
        from airflow_connections_provider.triggers.ibm import describe_wait

        if self.reschedule or self._waiting_since is None:
            return ""
        return f" (waited {describe_wait(time.time() - self._waiting_since)})"

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> str:
        from airflow_connections_provider.client import Scope
        from airflow_connections_provider.tasks.asset_events import emit
        from airflow_connections_provider.triggers.ibm import ValidationEvent

        result = ValidationEvent.from_payload(event)
        scope = Scope(result.scope_kind, result.scope_id)  # type: ignore[arg-type]
        if result.connection_id and result.scope_id:  # a new process: record the link again
            self.publish_link(context, scope, result.connection_id)
        connection_id = connection_id_from_event(event, soft_fail=self.soft_fail)
        # An event without its scope (sent by an older trigger) is resolved as the task resolves it.
        emit(self, context, [self._validated_event(scope if result.scope_id else self.resolve_scope(), connection_id)])
        return connection_id

    def _validated_event(self, scope: Scope, connection_id: str) -> ConnectionEvent:
        """The asset event of a validation. The connection's name and type are read once it validated (a
        wait that never ends spends no request on them), unless a lookup by name already has them."""
        from airflow_connections_provider.tasks.asset_events import ConnectionEvent

        client = self.hook.client
        with airflow_errors(f"Reading connection {connection_id}"):
            found = self._found if self._found is not None else client.get_connection(scope, connection_id)
            self._found = found
            type_name = client.get_datasource_type(found.datasource_type).name
        return ConnectionEvent("validated", scope, found.name, type_name, validated=True)


def connection_id_from_event(event: Any, *, soft_fail: bool = False) -> str:
    """Check a :class:`ValidationEvent` payload: the connection id on success, the right exception otherwise."""
    from airflow.providers.common.compat.sdk import AirflowSkipException

    from airflow_connections_provider.triggers.ibm import ValidationEvent

    result = ValidationEvent.from_payload(event)
    if result.status == "success":
        return result.connection_id
    if result.status == "timeout":
        if soft_fail:
            raise AirflowSkipException(result.message)
        raise AirflowSensorTimeout(result.message)
    if result.permanent:
        raise AirflowFailException(result.message)
    raise AirflowException(result.message)
