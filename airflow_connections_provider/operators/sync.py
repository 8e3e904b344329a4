"""The declarative sync operator (public path: ``airflow_connections_provider.operators.ibm``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException

from airflow_connections_provider.sync.limits import DEFAULT_MAX_DELETE_FRACTION, DEFAULT_MAX_DELETES
from airflow_connections_provider.tasks.base import IBMBaseOperator, airflow_errors, with_real_rendered_values

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_connections_provider.client import Scope
    from airflow_connections_provider.tasks.arguments import ArgumentChecks


class IBMSyncConnectionsOperator(IBMBaseOperator):
    """Reconcile a project's connections with a declared spec, like a small Terraform inside Airflow.

    The spec is validated as a whole first (one error lists every problem, nothing is written): a YAML
    or JSON text is read as typed (unquoted values keep their text unless the property is an integer or
    a boolean; repeated keys, deep nesting and alias bombs are refused before any request). Then one
    paged listing gives the plan (deletions first, then creates, updates with the changed field names,
    unchanged), logged as a table. Creates and updates are applied first, with at most
    ``max_concurrency`` requests in flight; deletions only once every one of them succeeded, otherwise
    they are held back and the task fails. Failed entries are reported together; re-running converges.

    Secrets: where the service returns them (IBM's recorded replies do) they are compared as read
    back; where it does not, with the one this sync last applied (keyed fingerprints kept in an
    Airflow Variable, never the values). A secret is sent when the connection is created, when it
    differs, or when ``rewrite_secrets=True``; a drift check reports it changed/unchanged/unknown.
    In a YAML spec write them as ``{{ conn.x.password | tojson }}`` so quotes and backslashes arrive
    intact. See docs/sync.md.

    :param spec: the desired connections: a list of entries, ``{"connections": [...]}``, a mapping of
        name to entry, or the path of a YAML/JSON file (rendered as a Jinja template first).
    :param managed_prefix: the selector of connections this sync owns; required by ``prune``.
    :param prune: delete connections whose name starts with ``managed_prefix`` but are not in the spec.
    :param allow_empty_spec: with ``prune``, accept a spec that declares no connections (and so delete
        every managed one). Off by default: an empty spec is far more often a template mistake.
    :param max_deletes: refuse a plan that deletes more connections than this (default 10; None = no limit).
    :param max_delete_fraction: refuse a plan that deletes more than this fraction of the managed
        connections that exist (default 0.5; one deletion is always allowed; None = no limit).
    :param accepted_dependents: names or ids of data assets a prune may leave pointing at a deleted
        connection. A connection that other data assets use is not deleted: the rest of the plan is
        applied and the task fails naming them (summary ``blocked``; a dry run shows them too).
    :param force: prune connections whatever data assets use them (what uses them is not looked up).
    :param dry_run: only compute, log and return the plan (with the reason a real run would refuse it, if any),
        and the drift it amounts to (XCom ``drift``: per connection the differing field names and each
        secret's status; ``unverified_secrets``).
    :param fail_on_drift: with ``dry_run=True``, a drift check: fail (no retry) when the service differs
        from the spec, with a diff per connection — field names, secrets as changed/unchanged/unknown,
        never a value. Fields the service changes by itself are ignored (docs/sync.md, "Drift").
    :param test: have the service validate creates and updates before saving.
    :param max_concurrency: writes in flight at once, 1 to 32 (the client's HTTP connection pool).
    :param rewrite_secrets: send every declared secret, even unchanged ones.
    :param fingerprint_variable: Airflow Variable that keeps the secret fingerprints and their key; None
        (default) derives the name from the project and ``managed_prefix``. The name must be one Airflow
        hides (it contains "secret", "password", "token" ... or a name of ``[core]
        sensitive_var_conn_names``): anyone who can read Variables could otherwise read the key.
    :param secret_fingerprints: remember fingerprints of applied secrets between runs (default True);
        False keeps no state, so secrets only go out on create, on ``rewrite_secrets`` and with other
        changes to the same connection.
    """

    template_fields: Sequence[str] = (*IBMBaseOperator.template_fields, "spec", "managed_prefix", "accepted_dependents")
    template_ext: Sequence[str] = (".yaml", ".yml", ".json")
    template_fields_renderers = {"spec": "yaml"}

    def __init__(
        self,
        *,
        spec: str | Sequence[Mapping[str, Any]] | Mapping[str, Any],
        managed_prefix: str | None = None,
        prune: bool = False,
        allow_empty_spec: bool = False,
        max_deletes: int | None = DEFAULT_MAX_DELETES,
        max_delete_fraction: float | None = DEFAULT_MAX_DELETE_FRACTION,
        dry_run: bool = False,
        fail_on_drift: bool = False,
        test: bool = True,
        max_concurrency: int = 8,
        rewrite_secrets: bool = False,
        fingerprint_variable: str | None = None,
        secret_fingerprints: bool = True,
        accepted_dependents: Sequence[str] | None = None,
        force: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.spec = spec
        self.managed_prefix = managed_prefix
        self.prune = prune
        self.allow_empty_spec = allow_empty_spec
        self.max_deletes = max_deletes
        self.max_delete_fraction = max_delete_fraction
        self.plan_only = dry_run  # BaseOperator already has a dry_run() method
        self.fail_on_drift = fail_on_drift
        self.test = test
        self.max_concurrency = max_concurrency
        self.rewrite_secrets = rewrite_secrets
        self.fingerprint_variable = fingerprint_variable
        self.secret_fingerprints = secret_fingerprints
        self.accepted_dependents = accepted_dependents
        self.force = force

    def mask_rendered_field(self, field: str, value: Any) -> None:
        if field == "spec":
            from airflow_connections_provider.sync.spec import mask_spec_secrets

            mask_spec_secrets(value)

    def validate_arguments(self, checks: ArgumentChecks) -> None:
        from airflow_connections_provider.client.dependents import accepted_problems
        from airflow_connections_provider.sync.guard import check_limits
        from airflow_connections_provider.sync.runner import MAX_CONCURRENCY

        if self.spec is not None and not isinstance(self.spec, (str, Sequence, Mapping)):
            checks.add(f"spec must be YAML/JSON text, a file path, a list or a mapping, got {type(self.spec).__name__}")
        checks.text("managed_prefix", self.managed_prefix, optional=True)
        flags = ("prune", "allow_empty_spec", "plan_only", "fail_on_drift", "test", "rewrite_secrets")
        for name in (*flags, "secret_fingerprints"):
            checks.flag("dry_run" if name == "plan_only" else name, getattr(self, name))
        if self.fail_on_drift is True and self.plan_only is not True:
            checks.add("fail_on_drift=True is a check that writes nothing: set dry_run=True as well")
        if self.fail_on_drift is True and self.rewrite_secrets is True:
            checks.add("fail_on_drift=True with rewrite_secrets=True would report every secret as drift: leave it off")
        if self.prune is True and not self.managed_prefix:
            checks.add(
                "prune=True needs managed_prefix: the sync only ever deletes connections whose name starts with it"
            )
        checks.integer("max_concurrency", self.max_concurrency, low=1, high=MAX_CONCURRENCY)
        checks.text("fingerprint_variable", self.fingerprint_variable, optional=True)
        if self.secret_fingerprints is not False and isinstance(self.fingerprint_variable, str):
            for problem in check_fingerprint_variable(self.fingerprint_variable):
                checks.add(problem)
        for problem in check_limits(self.max_deletes, self.max_delete_fraction):
            checks.add(problem)
        checks.flag("force", self.force)
        for problem in accepted_problems(self.accepted_dependents, force=self.force):
            checks.add(problem)

    @with_real_rendered_values
    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_connections_provider.sync.plan import shown
        from airflow_connections_provider.sync.runner import SyncRequest, run_sync, store_for
        from airflow_connections_provider.sync.spec import parse_spec

        self.check_arguments()
        with airflow_errors("Reading the sync spec"):
            entries = parse_spec(self.spec)  # text refused here is refused before any request
        scope = self.resolve_scope()
        self.publish_link(context, scope, None)
        request = SyncRequest(
            spec=entries,
            managed_prefix=self.managed_prefix,
            prune=self.prune,
            dry_run=self.plan_only,
            test=self.test,
            max_concurrency=self.max_concurrency,
            rewrite_secrets=self.rewrite_secrets,
            fingerprint_variable=self.fingerprint_variable,
            secret_fingerprints=self.secret_fingerprints,
            allow_empty_spec=self.allow_empty_spec,
            max_deletes=self.max_deletes,
            max_delete_fraction=self.max_delete_fraction,
            force=self.force,
            accepted_dependents=tuple(self.accepted_dependents or ()),
        )
        with airflow_errors("Syncing connections"):
            summary = run_sync(self.hook.client, scope, request, log=self.log, store=store_for(request, scope))
        if self.fail_on_drift and summary.get("drift"):
            self.push_xcom(context, "sync_summary", summary)
            raise AirflowFailException(drift_message(scope, summary))
        failed: dict[str, str] = summary.get("failed") or {}
        held_back: list[str] = summary.get("held_back") or []
        if failed or held_back:
            # The summary still reaches XCom (key sync_summary) so downstream tasks and humans see what landed.
            self.push_xcom(context, "sync_summary", summary)
            failures = "; ".join(f"{shown(name)}: {reason}" for name, reason in failed.items())
            message = f"{len(failed)} connection(s) failed to sync ({failures})"
            if held_back:
                message += (
                    f"; {len(held_back)} deletion(s) held back until every create and update succeeds "
                    f"({', '.join(map(shown, held_back))}): the next run after the fix deletes them"
                )
            if set(failed) <= set(summary.get("failed_permanently", ())):
                raise AirflowFailException(f"{message}; a retry would send the same values, so none is spent")
            raise AirflowException(message)
        if not self.plan_only:
            self._announce(context, scope, summary)
        return summary

    def _announce(self, context: Context, scope: Scope, summary: dict[str, Any]) -> None:
        """One asset event per connection the sync created, updated or deleted."""
        from airflow_connections_provider.tasks.asset_events import ConnectionEvent, emit, type_names

        types = summary.get("datasource_types") or {}
        names = type_names(self.hook.client, types.values(), self.log)
        events = [
            *(ConnectionEvent("created", scope, n, names[types[n]], validated=self.test) for n in summary["created"]),
            *(
                ConnectionEvent("updated", scope, n, names[types[n]], tuple(fields), validated=self.test)
                for n, fields in summary["updated"].items()
            ),
            *(ConnectionEvent("deleted", scope, n, names[types[n]]) for n in summary["deleted"]),
        ]
        emit(self, context, events)


def drift_message(scope: object, summary: dict[str, Any]) -> str:
    from airflow_connections_provider.sync.drift import render

    drift = summary["drift"]
    return (
        f"Drift in {scope}: {len(drift)} connection(s) differ from the spec (XCom sync_summary has the details; "
        f"a sync with the same spec repairs it):\n{render(drift, unverified=summary.get('unverified_secrets'))}"
    )


def check_fingerprint_variable(name: str) -> list[str]:
    """Refuse a Variable name Airflow does not treat as sensitive: the Variable holds the HMAC key.

    Asked of Airflow itself (``redact`` hides a value under a sensitive name, by its built-in words and
    ``[core] sensitive_var_conn_names``), so the answer is the one the UI and the API apply.
    """
    from airflow.providers.common.compat.sdk import redact

    probe = "ibm-sync-fingerprint-variable-probe"
    try:
        hidden = redact(probe, name) != probe
    except Exception:  # noqa: BLE001 - no masker configured (a bare 2.x process): Airflow's built-in words
        hidden = any(word in name.lower() for word in ("secret", "password", "passwd", "token", "api_key"))
    if hidden:
        return []
    return [
        f"fingerprint_variable {name!r} is not a name Airflow hides: the Variable holds the key of the secret "
        "fingerprints, which anyone who can read Variables could then read. Put 'secret' in the name (e.g. "
        f"{name + '_secret'!r}), add the name to [core] sensitive_var_conn_names, or leave it unset for the default"
    ]
