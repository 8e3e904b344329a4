"""What every operator and the sensor of this provider share: the hook, the project, errors, links, masking.

Kept import-light: the client and hook are imported when a task runs, never when a DAG file is parsed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException, BaseOperator

from airflow_connections_provider.connection_type import DEFAULT_CONN_ID
from airflow_connections_provider.links import XCOM_CONNECTION_URL, IBMConnectionLink, connection_ui_url

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_connections_provider.client import Scope
    from airflow_connections_provider.hooks.ibm import IBMDataPlatformHook
    from airflow_connections_provider.tasks.arguments import ArgumentChecks


@contextmanager
def airflow_errors(action: str) -> Iterator[None]:
    """Turn client errors into Airflow's: permanent ones (the client's :func:`is_permanent`) raise
    ``AirflowFailException``, the others ``AirflowException`` so the task's ``retries`` apply."""
    from airflow_connections_provider.client import ConnectionsClientError, ValidationRefusedError, is_permanent

    try:
        yield
    except ValidationRefusedError as exc:
        raise AirflowFailException(
            f"{action}: the data source refused the validation, nothing was saved ({exc}). A retry would send "
            "the same values: fix them and clear the task (or set test=False to save without validating)"
        ) from exc
    except ConnectionsClientError as exc:
        if is_permanent(exc):
            raise AirflowFailException(f"{action}: {exc}") from exc
        raise AirflowException(f"{action}: {exc}") from exc


class IBMBaseOperator(BaseOperator):
    """Base of this provider's operators.

    :param ibm_conn_id: Airflow connection of type ``ibmdataplatform``.
    :param project: the project the connections live in: its id or exact name. Give at most one of
        ``project``, ``catalog`` and ``space``; none: the Airflow connection's default workspace (its
        ``project``, ``catalog`` or ``space`` extra).
    :param catalog: the catalog (id or exact name) instead of a project.
    :param space: the deployment space (id or exact name) instead of a project.
    :param request_retry_limit: attempts of each API request, the first included (1 = no retry; default 6,
        at most 100: ``RetryPolicy`` defines it); overrides the Airflow connection's ``retry_limit``.
        Unrelated to the task's own ``retries``.
    :param request_retry_delay: first backoff wait between API request attempts, in seconds (doubles
        per retry, with jitter).
    :param request_max_retry_wait: cap on one backoff wait in seconds, ``Retry-After`` included.
    :param request_timeout: read timeout of each API request in seconds.
    :param request_retry_args: ``tenacity.Retrying`` keyword arguments tuning the API requests' retries
        (``stop``, ``wait``, ``before``, ``after``), as ``DatabricksHook``'s ``retry_args``; what is retried
        stays the client's. Not templated.
    """

    template_fields: Sequence[str] = ("ibm_conn_id", "project", "catalog", "space")
    operator_extra_links = (IBMConnectionLink(),)
    # Secrets learned during execute (from the datasource type) must mask the stored rendered fields too.
    overwrite_rtif_after_execution = True
    ui_color = "#d0e2ff"

    def __init__(
        self,
        *,
        ibm_conn_id: str = DEFAULT_CONN_ID,
        project: str | None = None,
        catalog: str | None = None,
        space: str | None = None,
        request_retry_limit: int | None = None,
        request_retry_delay: float | None = None,
        request_max_retry_wait: float | None = None,
        request_timeout: float | None = None,
        request_retry_args: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs["outlets"] = with_changes_alias(kwargs.get("outlets"))
        super().__init__(**kwargs)
        self.ibm_conn_id = ibm_conn_id
        self.project = project
        self.catalog = catalog
        self.space = space
        self.request_retry_limit = request_retry_limit
        self.request_retry_delay = request_retry_delay
        self.request_max_retry_wait = request_max_retry_wait
        self.request_timeout = request_timeout
        self.request_retry_args = request_retry_args
        self.ibm_link: str | None = None  # read by IBMConnectionLink when the task finishes

    @classmethod
    def partial(cls, **kwargs: Any) -> Any:
        # A mapped task is built from these keywords, not through __init__, until it runs: the alias
        # must be among them for Airflow to store it with the DAG (and, on 2.11, to create it).
        kwargs["outlets"] = with_changes_alias(kwargs.get("outlets"))
        return super().partial(**kwargs)

    @cached_property
    def hook(self) -> IBMDataPlatformHook:
        from airflow_connections_provider.hooks.ibm import IBMDataPlatformHook

        return IBMDataPlatformHook(
            self.ibm_conn_id,
            retry_limit=self.request_retry_limit,
            retry_delay=self.request_retry_delay,
            max_retry_wait=self.request_max_retry_wait,
            timeout=self.request_timeout,
            retry_args=self.request_retry_args,
        )

    def check_arguments(self) -> None:
        """Check every argument after rendering; one ``AirflowFailException`` lists all problems."""
        from airflow_connections_provider.tasks.arguments import ArgumentChecks

        checks = ArgumentChecks(f"{type(self).__name__} {self.task_id!r}")
        checks.text("ibm_conn_id", self.ibm_conn_id)
        from airflow_connections_provider.client.retrying import retry_args_problems
        from airflow_connections_provider.client.setting_checks import retry_limit_problem
        from airflow_connections_provider.client.workspaces import workspace_ref

        for scope_problem in workspace_ref(**self.workspace_arguments)[1]:
            checks.add(scope_problem)

        if self.request_retry_limit is not None and (problem := retry_limit_problem(self.request_retry_limit)):
            checks.add(f"request_retry_limit {problem}")  # worded as for the Airflow connection's retry_limit
        for problem in retry_args_problems(self.request_retry_args):
            checks.add(f"request_{problem}")  # the hook's and the client's wording, named as the argument
        checks.seconds("request_retry_delay", self.request_retry_delay)
        checks.seconds("request_max_retry_wait", self.request_max_retry_wait)
        checks.seconds("request_timeout", self.request_timeout, positive=True)
        self.validate_arguments(checks)
        checks.raise_if_any()

    def validate_arguments(self, checks: ArgumentChecks) -> None:
        """Add the checks of a subclass's own arguments."""

    def resolve_scope(self) -> Scope:
        """The scope of the workspace this task names (``project``, ``catalog`` or ``space``), else of the
        Airflow connection's default one."""
        named = [(kind, ref) for kind, ref in self.workspace_arguments.items() if ref]
        what = f"{named[0][0]} {named[0][1]!r}" if named else "the Airflow connection's default workspace"
        with airflow_errors(f"Resolving {what}"):
            return self.hook.resolve_scope(**self.workspace_arguments)

    @property
    def workspace_arguments(self) -> dict[str, str | None]:
        """``project``, ``catalog`` and ``space`` as given (at most one is set)."""
        return {"project": self.project, "catalog": self.catalog, "space": self.space}

    def publish_link(self, context: Context, scope: Scope, connection_id: str | None) -> None:
        """Record the UI address now (of the connection, or of the project's assets when None), so the
        link exists whatever happens next, and push it to XCom for downstream tasks.

        With ``do_xcom_push=False`` nothing is recorded: Airflow stores extra links in XCom too.
        """
        if not self.do_xcom_push:
            return
        url = connection_ui_url(self.hook.settings.client_config.base_url, scope.kind, scope.id, connection_id)
        self.ibm_link = url
        self.push_xcom(context, XCOM_CONNECTION_URL, url)

    def push_xcom(self, context: Context, key: str, value: Any) -> None:
        """Push to XCom unless the task says ``do_xcom_push=False`` (which Airflow only applies to return values)."""
        if self.do_xcom_push:
            context["ti"].xcom_push(key=key, value=value)

    def resume_execution(self, next_method: str, next_kwargs: dict[str, Any] | None, context: Context) -> Any:
        # A deferred task resumes here, in a new process, instead of in execute: the same guard applies.
        with _running(self, context):
            return super().resume_execution(next_method, next_kwargs, context)

    def render_template(
        self, content: Any, context: Any, jinja_env: Any = None, seen_oids: set[int] | None = None
    ) -> Any:
        """Airflow's rendering of one value, then, for each of the task's own template fields, the masking
        of the secrets it now holds, before Airflow stores or sends the rendered fields.

        Airflow renders every template field through this public method, a mapped task's unmapped copy
        included, and values nested in a field through it as well: a call for a whole field is told
        apart by the value being the one the field holds.
        """
        from airflow_connections_provider.compat import RENDERED_FIELDS_SENT_UNREDACTED, hidden_value

        field = next((f for f in self.template_fields if getattr(self, f, None) is content), None)
        if field is not None:
            content = hidden_value(self, field, content)  # rendering again starts from the real value
        rendered = super().render_template(content, context, jinja_env, seen_oids)
        if field is None:
            return rendered
        self.mask_rendered_field(field, rendered)
        if RENDERED_FIELDS_SENT_UNREDACTED:
            from airflow_connections_provider.compat import hide_rendered_value

            return hide_rendered_value(self, field, rendered)  # Airflow 3.0 sends (and logs) the fields next
        return rendered

    def mask_rendered_field(self, field: str, value: Any) -> None:
        """Hand the secrets of template field ``field``, just rendered, to Airflow's masker (subclasses)."""

    def pre_execute(self, context: Context) -> None:
        from airflow_connections_provider.compat import show_rendered_values

        with _lineage_without_changes_alias(self):
            super().pre_execute(context)
        show_rendered_values(self)  # Airflow 3.0: on_execute_callback runs next, before execute

    def post_execute(self, context: Context, result: Any = None) -> None:
        from airflow_connections_provider.compat import AIRFLOW_V_3_0_PLUS, store_rendered_fields_again

        with _lineage_without_changes_alias(self):
            super().post_execute(context, result)
        self.close_hook()
        if not AIRFLOW_V_3_0_PLUS and self.overwrite_rtif_after_execution:
            store_rendered_fields_again(self, context["ti"])  # a failed execute does it in _running

    def on_kill(self) -> None:
        self.close_hook()

    def close_hook(self) -> None:
        if "hook" in self.__dict__:
            self.hook.close()
            del self.__dict__["hook"]


_DEPTH = "_acp_execute_depth"
F = TypeVar("F", bound=Callable[..., Any])


def with_real_rendered_values(execute: F) -> F:
    """Decorate a task's ``execute``: it runs inside :func:`_running` (Airflow calls it with ``context``
    as a keyword). Every ``execute`` of this provider has it; a subclass that overrides ``execute``
    adds it too (nested uses act once)."""

    @functools.wraps(execute)
    def run(self: IBMBaseOperator, *args: Any, **kwargs: Any) -> Any:
        context = kwargs["context"] if "context" in kwargs else (args[0] if args else None)
        with _running(self, context):
            return execute(self, *args, **kwargs)

    return run  # type: ignore[return-value]


@contextmanager
def _running(task: IBMBaseOperator, context: Any) -> Iterator[None]:
    """What the rendered fields need around ``execute`` or ``resume_execution``, however it ends.

    - Airflow 3.0 (``compat.RENDERED_FIELDS_SENT_UNREDACTED``): the task runs with the real rendered
      values, and its fields are redacted again when it ends, with the secrets it learned meanwhile:
      the runner sends them next, unredacted, also for a failed or deferred task.
    - Airflow 2.x: a failed task's rendered fields are stored again, redacted by what the masker knows
      now (a success does it in ``post_execute``); otherwise values only the datasource type marks
      secret stay readable in the UI's Rendered tab. 3.1+ does the same itself after every try.

    Nested calls (a subclass's ``super().execute``) act once, when the outermost one ends.
    """
    from airflow_connections_provider.compat import (
        AIRFLOW_V_3_0_PLUS,
        RENDERED_FIELDS_SENT_UNREDACTED,
        redact_template_fields,
        show_rendered_values,
        store_rendered_fields_again,
    )

    show_rendered_values(task)
    depth = task.__dict__.get(_DEPTH, 0)
    task.__dict__[_DEPTH] = depth + 1
    try:
        yield
    except BaseException:
        if depth == 0 and not AIRFLOW_V_3_0_PLUS and task.overwrite_rtif_after_execution and context:
            try:
                store_rendered_fields_again(task, context["ti"])
            except Exception as exc:  # noqa: BLE001 - the task's own error is the one to report
                task.log.warning(
                    "Could not store the rendered fields again after the failure (%s): values only the "
                    "datasource type marks secret may stay readable in the Rendered tab",
                    type(exc).__name__,
                )
        raise
    finally:
        task.__dict__[_DEPTH] = depth
        if depth == 0 and RENDERED_FIELDS_SENT_UNREDACTED:
            redact_template_fields(task)


def with_changes_alias(outlets: Any) -> list[Any]:
    """The task's outlets with the provider's alias added (once), whatever the user passed.

    Which connections a task touches is known only when it runs, and Airflow records events only for
    declared outlets: the tasks add each connection's asset to this alias (``operators/asset_events``).
    One alias for the whole provider, not one per task: it names no DAG, every event says which task
    sent it, and a DAG scheduled on it reacts to any connection change (``assets.ibm_connection_changes``).
    """
    from airflow.providers.common.compat.sdk import AssetAlias

    from airflow_connections_provider.assets import CHANGES_ALIAS

    listed = list(outlets) if isinstance(outlets, (list, tuple)) else ([] if outlets is None else [outlets])
    if any(isinstance(o, AssetAlias) and o.name == CHANGES_ALIAS for o in listed):
        return listed
    return [*listed, AssetAlias(CHANGES_ALIAS)]


@contextmanager
def _lineage_without_changes_alias(task: IBMBaseOperator) -> Iterator[None]:
    """Airflow 2's lineage wraps ``pre_execute`` (renders the outlets with the task instance) and
    ``post_execute`` (pushes them to XCom ``pipeline_outlets``, whatever ``do_xcom_push`` says). The
    alias is event plumbing, not data lineage: lineage sees only the user's own outlets. It is back
    before Airflow reads the outlets for the task's events. (Airflow 3 has no such wrappers.)"""
    from airflow.providers.common.compat.sdk import AssetAlias

    from airflow_connections_provider.assets import CHANGES_ALIAS

    kept = [o for o in task.outlets if isinstance(o, AssetAlias) and o.name == CHANGES_ALIAS]
    task.outlets = [o for o in task.outlets if o not in kept]
    try:
        yield
    finally:
        task.outlets = [*task.outlets, *kept]


def require_one(**named: Any) -> tuple[str, Any]:
    """Exactly one of the keyword arguments must be set; returns ``(name, value)`` of that one."""
    given = [(k, v) for k, v in named.items() if v not in (None, "")]
    if len(given) != 1:
        names = " or ".join(named)
        problem = "both are set" if given else "neither is set"
        raise AirflowFailException(f"give exactly one of {names} ({problem})")
    return given[0]
