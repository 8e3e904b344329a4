"""The private Airflow names ``compat.py`` relies on exist on the running Airflow.

There is no public way to do what each of them does (compat.py says why, per name). The matrix runs
this file on every supported minor, so the next minor that renames or drops one fails here, by name,
instead of in a user's deployment.
"""

from __future__ import annotations

import importlib

import pytest
from airflow.providers.common.compat.sdk import mask_secret

from airflow_connections_provider import compat


@pytest.mark.skipif(compat.AIRFLOW_V_3_0_PLUS, reason="Airflow 3 re-stores rendered fields itself")
def test_airflow_2_stores_rendered_fields_through_update_rtif():
    taskinstance = importlib.import_module("airflow.models.taskinstance")
    renderedtifields = importlib.import_module("airflow.models.renderedtifields")
    assert callable(getattr(taskinstance, "_update_rtif", None))
    assert callable(getattr(renderedtifields, "get_serialized_template_fields", None))


@pytest.mark.skipif(
    not compat.AIRFLOW_V_3_0_PLUS or compat.AIRFLOW_V_3_2_PLUS,
    reason="only the 3.0 and 3.1 API servers build the connection form from wtforms stand-ins",
)
def test_the_3_0_and_3_1_api_server_has_the_form_stand_ins():
    module = importlib.import_module(compat._HOOK_META_MODULE)
    service = module.HookMetaService
    for name in ("MockBaseField", "MockStringField", "MockBooleanField"):  # what connection_form.py builds
        assert hasattr(service, name), name


def test_the_masker_behind_mask_secret_has_the_shape_batch_masking_needs():
    masker = compat.live_masker(mask_secret)
    assert masker is not None, f"no SecretsMasker with a patterns set behind {mask_secret.__module__}"
    assert isinstance(masker.patterns, set)
    assert callable(masker.add_mask)


def test_the_secrets_backend_loader_exists():
    if compat.AIRFLOW_V_3_0_PLUS:
        loader = importlib.import_module("airflow.sdk.execution_time.supervisor").ensure_secrets_backend_loaded
    else:
        loader = importlib.import_module("airflow.configuration").ensure_secrets_loaded
    assert any(True for _ in loader())  # at least the environment-variable backend
