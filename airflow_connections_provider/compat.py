"""One code base for Airflow 2.11 and every 3.x: the few things that differ and are ours to decide.

Names that merely *moved* between versions (``BaseOperator``, ``BaseHook``, ``BaseSensorOperator``,
``BaseOperatorLink``, ``PokeReturnValue``, the Airflow exceptions, ``mask_secret``, ``conf``,
``Context``) are imported by each module from ``airflow.providers.common.compat.sdk``, the
compatibility layer the official providers use. We chose it over a table of our own because it is
simpler and safer: Airflow installs it anyway on every version we support (``common-sql``,
``common-io`` and ``standard`` depend on it), its import map is exercised by Airflow's own CI on every
version, and it resolves each name lazily, so a DAG file that imports an operator pays only for the
names that module uses. Its 1.23 release requires Python >= 3.11 and ``apache-airflow>=2.11.0``,
the same floor as ours.

What stays here is what it does not give, or where this provider has its own rule:

- version flags, computed here (common-compat asks providers to copy them rather than import its own);
- :func:`aget_connection`: triggers must not block the event loop. Airflow 2.x and 3.0 have no
  ``BaseHook.aget_connection``, and before 3.3.2 the one that exists masks secrets with a synchronous
  call that can dead-lock the loop; common-compat's ``get_async_connection`` picks the safe path
  (the sync lookup in a worker thread where needed);
- :func:`amask_secret`: the async masker of 3.x where it exists, the sync one in asgiref's worker
  thread elsewhere;
- :data:`RENDERED_FIELDS_SENT_UNREDACTED` (3.0): the task runner sends rendered fields as they are;
  the supervisor logs that message (its debug lines reach the scheduler's or worker's output on a
  default configuration) and the API server redacts them with its own masker, which never hears of
  the secrets a task masks (3.1 redacts in the task process). So on 3.0 the operators keep their
  fields redacted whenever the runner may send them: :func:`hide_rendered_value` after rendering,
  :func:`show_rendered_values` for ``execute`` and ``resume_execution`` (which run with the real
  values), :func:`redact_template_fields` when they end, however they end (``tasks/base.py``).
  Callbacks that run after the runner re-sends the fields (``on_success_callback``,
  ``on_failure_callback``) see the redacted values on 3.0.
- :func:`store_rendered_fields_again`: Airflow 3 re-stores a task's rendered fields after every try
  when the operator asks (``overwrite_rtif_after_execution``); 2.x stores them once, before execute.
- :func:`unreadable_connection_value`: Airflow reports a connection that a secrets backend holds but
  cannot read as "isn't defined"; which values it cannot read differs by version (see there);
- :func:`hook_meta_service`: the API server's form reader of Airflow 3.0/3.1, whose field stand-ins
  our hook hands out so the form survives the hook being loaded before the form (see there).
- :func:`live_masker` and :func:`preregister`: many secrets into the secrets masker with one regex
  compile (``masking.mask_texts``). No Airflow version has a public batch method, and ``add_mask``
  recompiles a regex of every known secret per secret (O(N²)). Feature-detected and verified after
  use; anything unexpected falls back to the public ``mask_secret``.

The private Airflow names this module uses, each checked on every supported minor by
``tests/unit/test_compat_private_names.py``, and nowhere else in the provider: the 3.0/3.1 API server's
``HookMetaService`` and its ``Mock*`` field stand-ins (:func:`stand_in_widgets`), and the secrets masker
instance behind ``mask_secret`` (``_secrets_masker()``, its ``patterns`` set and ``replacer``: batch
masking). Everything else here is public Airflow.
"""

from __future__ import annotations

import copy
import importlib
import logging
import re
import sys
from collections.abc import Sequence
from typing import Any

from airflow import __version__ as _airflow_version

AIRFLOW_VERSION = tuple(int(part) for part in re.findall(r"\d+", _airflow_version)[:3])
AIRFLOW_V_3_0_PLUS = AIRFLOW_VERSION >= (3, 0, 0)
AIRFLOW_V_3_2_PLUS = AIRFLOW_VERSION >= (3, 2, 0)
# A change of behaviour, not of names, so a version check: every 3.0 release sends the fields as they
# are, 3.1 and later redact them in the task runner (nothing there to detect by import without loading
# the task runner at DAG parse time). See the module docstring.
RENDERED_FIELDS_SENT_UNREDACTED = AIRFLOW_V_3_0_PLUS and AIRFLOW_VERSION < (3, 1, 0)
# Where hide_rendered_value keeps the real values: the task's __dict__, past BaseOperator.__setattr__
# (which treats template fields specially) and never in a template field, a repr or XCom.
_HIDDEN = "_acp_rendered_values"


async def aget_connection(conn_id: str) -> Any:
    """The Airflow connection ``conn_id``, looked up without blocking the event loop (any version)."""
    from airflow.providers.common.compat.connection import get_async_connection

    return await get_async_connection(conn_id)


async def amask_secret(value: str) -> None:
    """Hand a secret learned at run time to Airflow's masker from inside an event loop."""
    try:
        from airflow.sdk.log import amask_secret as airflow_amask_secret
    except ImportError:  # Airflow 2.x, 3.0, 3.1: only the sync masker; keep it off the loop
        from airflow.providers.common.compat.sdk import mask_secret
        from asgiref.sync import sync_to_async

        # asgiref's thread, not asyncio.to_thread: 3.0's triggerer sends the mask to its supervisor with
        # async_to_sync, which runs on the trigger's loop only from a sync_to_async thread; from any
        # other thread it starts a second loop, and the triggerer's comms break (it exits).
        await sync_to_async(mask_secret)(value)
    else:
        await airflow_amask_secret(value)


def redact_template_fields(task: Any) -> None:
    """Replace the task's template fields by their values redacted with this process's masker.

    What 3.1's runner does to what it sends; on 3.0 the runner sends ``getattr(task, field)`` as it is.
    Airflow runs a copy of the task (``prepare_for_execution``), so the DAG's own task is untouched.
    """
    from airflow.providers.common.compat.sdk import redact

    for field in task.template_fields:
        setattr(task, field, redact(getattr(task, field), field))


def hidden_value(task: Any, field: str, value: Any) -> Any:
    """The real value of ``field`` when :func:`hide_rendered_value` kept it aside, else ``value`` (taken
    back: rendering again must start from the real value, not from its redacted form)."""
    return task.__dict__.get(_HIDDEN, {}).pop(field, value)


def hide_rendered_value(task: Any, field: str, value: Any) -> Any:
    """Keep ``value`` of ``field`` aside and return its redacted form, for the field until execute."""
    from airflow.providers.common.compat.sdk import redact

    task.__dict__.setdefault(_HIDDEN, {})[field] = value
    return redact(value, field)


def show_rendered_values(task: Any) -> None:
    """Put back the values :func:`hide_rendered_values` kept aside (nothing when none are)."""
    for field, value in task.__dict__.pop(_HIDDEN, {}).items():
        setattr(task, field, value)


def store_rendered_fields_again(task: Any, ti: Any) -> None:
    """Airflow 2.x only: store the rendered fields again, redacted by what the masker knows now.

    Secrets that only the datasource type marks are handed to the masker during execute, after 2.x
    stored the rendered fields; without this they would stay readable in the UI's Rendered tab. It does
    what 2.x itself does before execute, with the same public model (``RenderedTaskInstanceFields``:
    built from the task's serialized fields, written, old records pruned), in a session of its own.
    """
    from airflow.models.renderedtifields import RenderedTaskInstanceFields, get_serialized_template_fields
    from airflow.utils.session import create_session

    rtif = RenderedTaskInstanceFields(
        ti=ti, render_templates=False, rendered_fields=get_serialized_template_fields(task=task)
    )
    with create_session() as session:
        RenderedTaskInstanceFields.write(rtif, session=session)
        session.flush()
        RenderedTaskInstanceFields.delete_old_records(ti.task_id, ti.dag_id, session=session)


def unreadable_connection_value(conn_id: str) -> str | None:
    """The raw ``AIRFLOW_CONN_<ID>`` value of ``conn_id`` when Airflow cannot turn it into a connection,
    else None.

    Airflow's lookup logs such a backend's error at debug level only and raises "The conn_id ... isn't
    defined". Which values fail differs by version: 3.1's environment backend builds the connection
    with the core model, which rejects an extra that is not JSON, where 2.11 and 3.3 hand the text on
    and our settings name the problem. Only the environment variables are read back, through Airflow's
    public ``EnvironmentVariablesBackend``: the place where values are written by hand (the metadata
    database and secrets managers store what a form or an API accepted). Called on the error path only.
    """
    from airflow.secrets.environment_variables import EnvironmentVariablesBackend

    backend = EnvironmentVariablesBackend()
    value = backend.get_conn_value(conn_id)
    if value is None:
        return None
    try:
        backend.deserialize_connection(conn_id=conn_id, value=value)
    except Exception:  # noqa: BLE001 - the error Airflow hid; its text may quote the secret, so not kept
        return str(value)
    return None


_HOOK_META_MODULE = "airflow.api_fastapi.core_api.services.ui.connections"


def hook_meta_service() -> Any | None:
    """The API server's ``HookMetaService`` when this process serves hook metadata from wtforms stand-ins.

    Airflow 3.0/3.1 build the Add Connection form by calling ``get_connection_form_widgets`` with wtforms
    swapped for stand-ins (``HookMetaService.Mock*Field``) and keep only stand-in fields. But a hook is
    imported once per process: when something loaded it first (the Test button does), Airflow kept the
    real wtforms fields, and the form showed none of ours in that API server until a restart. Handing
    out the stand-ins ourselves makes the order irrelevant (3.2+ read ``conn-fields`` and never ask).
    ``None`` (use real wtforms fields) where no such service is loaded: Airflow 2.x, whose webserver
    renders real fields, and every process that is not an API server (a look at ``sys.modules``:
    importing the service in a worker or the CLI would only cost time).
    """
    module = sys.modules.get(_HOOK_META_MODULE)
    service = getattr(module, "HookMetaService", None)
    return service if hasattr(service, "MockBaseField") else None


def stand_in_widgets(service: Any, fields: Any, *, string_field: type, boolean_field: type) -> dict[str, Any]:
    """Our ``fields`` (``connection_form.EXTRA_FIELDS``) as the 3.0/3.1 API server's own stand-ins
    (``HookMetaService.Mock*``), exactly as its wtforms swap would build them.

    ``field_class`` is what Airflow checks each field against: the class ``wtforms`` gives right now,
    the stand-in inside the swap and the real class outside it (when the Test button loaded the hook).
    """
    widgets: dict[str, Any] = {}
    for field in fields:
        if field.kind == "boolean":
            widget = service.MockBooleanField(field.label, description=field.description, default=field.default)
            widget.field_class = boolean_field
        else:
            validators = [service.MockOptional()]
            if field.choices:
                validators.append(service.MockEnum(list(field.choices)))
            widget = service.MockStringField(field.label, validators=validators, description=field.description)
            widget.field_class = string_field
        widgets[field.name] = widget
    return widgets


_log = logging.getLogger(__name__)

# Where the masker instance that ``mask_secret`` feeds lives, by the module common-compat resolves
# ``mask_secret`` from: 3.1+ ``airflow.sdk.log`` feeds the task SDK's shared masker; 3.0 and 2.x
# define ``mask_secret`` next to their ``_secrets_masker()``.
_MASKER_MODULES = {
    "airflow.sdk.log": "airflow.sdk._shared.secrets_masker",
    "airflow.sdk.execution_time.secrets_masker": "airflow.sdk.execution_time.secrets_masker",
    "airflow.utils.log.secrets_masker": "airflow.utils.log.secrets_masker",
}


def live_masker(mask_secret: Any) -> Any | None:
    """The masker instance ``mask_secret`` feeds, if it has the shape pre-registration relies on; else None."""
    module_name = _MASKER_MODULES.get(getattr(mask_secret, "__module__", ""))
    if module_name is None:
        return None
    try:
        masker = importlib.import_module(module_name)._secrets_masker()
    except Exception:  # noqa: BLE001 - e.g. 2.x without a SecretsMasker on airflow.task: the public path decides
        return None
    if not isinstance(getattr(masker, "patterns", None), set) or not callable(getattr(masker, "add_mask", None)):
        return None
    return masker


def preregister(masker: Any, values: Sequence[str]) -> bool:
    """Put the patterns of ``values`` into ``masker`` with one compile of its replacer (see module docstring).

    True when done; False when a scratch copy does not work like the masker, or the masker did not build
    its replacer the way this relies on: then the live masker is left (or put back) as it was, and the
    public pass adds and compiles the patterns itself. An error of the live ``add_mask`` itself (re2's
    "pattern too large" on Airflow 2.x) is raised, for :func:`mask_texts` to fall back to the public path.
    """
    try:
        scratch = copy.copy(masker)
        patterns_of: dict[str, set[str]] = {}
        for value in values:
            scratch.patterns = set()  # so each add_mask compiles this one value's patterns only
            scratch.add_mask(value)
            patterns_of[value] = set(scratch.patterns)
    except Exception as exc:  # noqa: BLE001 - nothing changed yet; the public path decides
        # The type only: the error of a regex built from a secret can quote that secret.
        _log.debug("secrets masker scratch copy failed (%s); masking one by one", type(exc).__name__)
        return False
    known: set[str] = masker.patterns
    last = next((v for v, p in patterns_of.items() if not p <= known), None)
    if last is None:
        return True  # nothing new: the public pass will not compile either
    added = set().union(*(p for v, p in patterns_of.items() if v != last)) - patterns_of[last] - known
    known.update(added)
    try:
        # The one compile, by Airflow's own add_mask (its regex module, its way of joining patterns).
        masker.add_mask(last)
        replacer = getattr(masker.replacer, "pattern", None)
        # A masker that compiled only the newest patterns onto its old regex would leave ours out.
        covered = replacer == "|".join(masker.patterns)
    except BaseException:
        known.difference_update(added)
        raise
    if not covered:
        known.difference_update(added)
    return covered
