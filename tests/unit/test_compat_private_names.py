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


@pytest.mark.skipif(
    not compat.AIRFLOW_V_3_0_PLUS or compat.AIRFLOW_V_3_2_PLUS,
    reason="only the 3.0 and 3.1 API servers build the connection form from wtforms stand-ins",
)
def test_the_3_0_and_3_1_api_server_has_the_form_stand_ins():
    module = importlib.import_module(compat._HOOK_META_MODULE)
    service = module.HookMetaService
    for name in ("MockBaseField", "MockStringField", "MockBooleanField", "MockOptional", "MockEnum"):
        assert hasattr(service, name), name


def test_the_masker_behind_mask_secret_has_the_shape_batch_masking_needs():
    masker = compat.live_masker(mask_secret)
    assert masker is not None, f"no SecretsMasker with a patterns set behind {mask_secret.__module__}"
    assert isinstance(masker.patterns, set)
    assert callable(masker.add_mask)
