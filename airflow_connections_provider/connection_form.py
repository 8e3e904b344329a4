"""The Add Connection form of the ``ibmdataplatform`` type: one table, rendered for every Airflow version.

Airflow 3.2+ reads the form from the provider info (``conn-fields``, ``ui-field-behaviour``);
Airflow 2.11, 3.0 and 3.1 call the hook's ``get_connection_form_widgets``/``get_ui_field_behaviour``
(3.0 only when ``wtforms`` is installed, i.e. with the FAB provider; 3.1 with or without it, see
:func:`hook_form_widgets`). Both are generated from :data:`EXTRA_FIELDS` and :data:`STANDARD_FIELDS`
here, so the versions can never disagree.

Save only what the user set: a schema ``default`` makes Airflow 3's form pre-fill the field and save
it, so a Cloud Pak for Data connection would carry IBM Cloud's IAM URL and today's timeouts forever.
No field has one except ``verify_tls``: an untouched checkbox must never mean "TLS off". The defaults
are in the descriptions instead, and ``hooks/settings.py`` applies them to absent, null or empty extras.
Numbers are text fields on 2.x: an empty ``IntegerField`` is saved as ``null``, an empty text field
not at all; ``hooks/settings.py`` parses and names bad numbers.

Standard fields: ``host``, ``login``, ``password`` and ``port`` are used; ``schema`` is not (write
``http://`` in the host for a plain-HTTP endpoint), so it is hidden, as is the raw ``extra``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["string", "number", "integer", "boolean"]


@dataclass(frozen=True, slots=True)
class ExtraField:
    name: str
    label: str
    description: str
    kind: Kind = "string"
    choices: tuple[str, ...] = ()
    default: bool | None = None  # only for verify_tls: see the module docstring


EXTRA_FIELDS: tuple[ExtraField, ...] = (
    ExtraField(
        "auth_type",
        "Auth type",
        "iam_api_key (IBM Cloud, the default), aws_api_key (watsonx.data integration on AWS: "
        "api.<env>.aws.data.ibm.com), cp4d_password or cp4d_api_key (Cloud Pak for Data "
        "/icp4d-api/v1/authorize), zen_api_key (Cloud Pak for Data, no exchange), bearer_token (a "
        "static token in the password field).",
        choices=("iam_api_key", "aws_api_key", "cp4d_password", "cp4d_api_key", "zen_api_key", "bearer_token"),
    ),
    ExtraField(
        "iam_url",
        "IAM URL",
        "IBM Cloud IAM endpoint that exchanges the API key for a token (with or without /identity/token). "
        "Default: https://iam.cloud.ibm.com. For aws_api_key: the full token URL, derived from the host when unset.",
    ),
    ExtraField(
        "project",
        "Default project",
        "Project id or exact project name used when a task names none. Set at most one of the default "
        "project, catalog and space.",
    ),
    ExtraField("catalog", "Default catalog", "Catalog id or exact catalog name used when a task names no workspace."),
    ExtraField(
        "space",
        "Default deployment space",
        "Deployment space id or exact space name used when a task names no workspace (watsonx.ai deployments).",
    ),
    ExtraField(
        "verify_tls",
        "Verify TLS",
        "Verify the server's TLS certificate (keep on; give a CA bundle for self-signed clusters).",
        kind="boolean",
        default=True,
    ),
    ExtraField(
        "ca_bundle", "CA bundle path", "Path to a PEM bundle trusted for the API (self-signed Cloud Pak for Data)."
    ),
    ExtraField(
        "timeout",
        "Request timeout (seconds)",
        "Read timeout of every request; the connect timeout is 10 s at most. Default: 60",
        kind="number",
    ),
    ExtraField(
        "retry_limit",
        "Retry limit",
        "Attempts of each API request, the first included: 1 = no retry. Default: 6, at most 100",
        kind="integer",
    ),
    ExtraField(
        "retry_delay",
        "Retry delay (seconds)",
        "First backoff delay; it doubles per attempt, with jitter. Default: 1",
        kind="number",
    ),
    ExtraField(
        "max_retry_wait",
        "Maximum retry wait (seconds)",
        "Cap on one backoff wait, Retry-After included. Default: 60",
        kind="number",
    ),
)

HIDDEN_FIELDS: tuple[str, ...] = ("schema", "extra")
RELABELING: dict[str, str] = {
    "host": "API base URL or region",
    "port": "Port (only if not in the URL)",
    "login": "Username (Cloud Pak for Data)",
    "password": "API key / password / token",
}
PLACEHOLDERS: dict[str, str] = {
    "host": "us-south | eu-de | https://api.dataplatform.cloud.ibm.com | https://cpd.example.com",
    "port": "443",
    "login": "admin",
    "password": "IBM Cloud API key, CP4D password or API key, or bearer token",
}


def conn_fields() -> dict[str, Any]:
    """``conn-fields`` of the provider info (Airflow 3.2+): values land in ``Connection.extra``."""
    fields: dict[str, Any] = {}
    for field in EXTRA_FIELDS:
        schema: dict[str, Any] = {"type": [field.kind, "null"]}
        if field.choices:
            schema["enum"] = list(field.choices)
        if field.default is not None:
            schema["default"] = field.default
        fields[field.name] = {"label": field.label, "description": field.description, "schema": schema}
    return fields


def ui_field_behaviour() -> dict[str, Any]:
    """``ui-field-behaviour`` of the provider info (Airflow 3.2+)."""
    return {
        "hidden-fields": list(HIDDEN_FIELDS),
        "relabeling": dict(RELABELING),
        "placeholders": dict(PLACEHOLDERS),
    }


def hook_field_behaviour() -> dict[str, Any]:
    """What ``get_ui_field_behaviour`` returns (Airflow 2.11, 3.0, 3.1)."""
    return {
        "hidden_fields": list(HIDDEN_FIELDS),
        "relabeling": dict(RELABELING),
        "placeholders": dict(PLACEHOLDERS),
    }


def hook_form_widgets() -> dict[str, Any]:
    """What ``get_connection_form_widgets`` returns (Airflow 2.11, 3.0, 3.1): wtforms fields.

    Imported here, never at module level: only the webserver (2.x) and the API server (3.0/3.1, which
    swaps these classes for its own stand-ins) call it. Enums are text fields with an ``any_of``
    validator (3.0/3.1 turn it into a choice list; the FAB form rejects other values). In a 3.0/3.1
    API server the fields are its stand-ins whatever the call order (:func:`compat.hook_meta_service`).
    """
    from wtforms import BooleanField, StringField
    from wtforms.validators import Optional, any_of

    from airflow_connections_provider.compat import hook_meta_service, stand_in_widgets  # imports Airflow

    service = hook_meta_service()
    if service is not None:
        return stand_in_widgets(service, EXTRA_FIELDS, string_field=StringField, boolean_field=BooleanField)

    try:
        from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
    except ImportError:  # Airflow 3.x without the FAB provider: Airflow's own form renders the fields
        text_widget: dict[str, Any] = {}
    else:
        text_widget = {"widget": BS3TextFieldWidget()}

    widgets: dict[str, Any] = {}
    for field in EXTRA_FIELDS:
        if field.kind == "boolean":
            widgets[field.name] = BooleanField(field.label, description=field.description, default=field.default)
            continue
        validators = [Optional()]
        if field.choices:
            validators.append(any_of(list(field.choices)))
        widgets[field.name] = StringField(
            field.label, validators=validators, description=field.description, **text_widget
        )
    return widgets
