"""Provider discovery: the dict Airflow reads must satisfy Airflow's own schema, or every command breaks."""

from __future__ import annotations

import importlib
import json
from importlib import metadata
from pathlib import Path

import airflow
import jsonschema

from airflow_connections_provider.get_provider_info import get_provider_info


def test_provider_info_validates_against_airflows_schema():
    schema = json.loads((Path(airflow.__file__).parent / "provider_info.schema.json").read_text())
    jsonschema.validate(get_provider_info(), schema)


def test_package_name_is_the_normalised_distribution_name():
    dist = metadata.distribution("airflow-connections-provider")
    assert get_provider_info()["package-name"] == dist.metadata["Name"]


def test_entry_point_points_at_get_provider_info():
    (ep,) = [
        e
        for e in metadata.entry_points(group="apache_airflow_provider")
        if e.dist.name == "airflow-connections-provider"
    ]
    assert ep.load() is get_provider_info


def test_connection_type_matches_the_hook_class():
    info = get_provider_info()
    (conn_type,) = info["connection-types"]
    module, _, name = conn_type["hook-class-name"].rpartition(".")
    hook = getattr(importlib.import_module(module), name)
    assert hook.conn_type == conn_type["connection-type"] == "ibmdataplatform"
    assert hook.default_conn_name == "ibm_data_platform_default"
    assert hook.conn_name_attr == "ibm_conn_id"


def test_every_listed_module_imports():
    info = get_provider_info()
    modules = [
        m
        for kind in ("hooks", "operators", "sensors", "triggers")
        for entry in info[kind]
        for m in entry["python-modules"]
    ]
    for module in modules:
        importlib.import_module(module)
    for link in info["extra-links"]:
        module, _, name = link.rpartition(".")
        assert hasattr(importlib.import_module(module), name)


def test_airflow_discovers_the_provider():
    """The form itself is checked, per Airflow version, in test_compat_connection_form."""
    from airflow.providers_manager import ProvidersManager

    pm = ProvidersManager()
    assert "airflow-connections-provider" in pm.providers


def test_every_how_to_guide_the_provider_info_names_exists():
    root = Path(__file__).resolve().parents[2]
    [integration] = get_provider_info()["integrations"]
    guides = integration["how-to-guide"]
    assert len(guides) == 8
    assert [g for g in guides if not (root / g).is_file()] == []
