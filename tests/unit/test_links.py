"""UI links: the connection page where IBM's UI address is confirmed, the workspace page elsewhere."""

from __future__ import annotations

import pytest

from airflow_connections_provider.links import connection_ui_url

CLOUD = "https://api.eu-de.dataplatform.cloud.ibm.com"
CPD = "https://cpd.example.com:8443"


@pytest.mark.parametrize(
    ("base", "scope_kind", "connection_id", "expected"),
    [
        pytest.param(
            CLOUD,
            "project_id",
            "c1",
            "https://eu-de.dataplatform.cloud.ibm.com/connections/c1?project_id=s1&context=cpdaas",
            id="cloud-project-connection",
        ),
        pytest.param(
            CPD,
            "project_id",
            "c1",
            "https://cpd.example.com:8443/connections/c1?project_id=s1&context=icp4data",
            id="cpd-project-connection",
        ),
        pytest.param(
            CLOUD,
            "catalog_id",
            "c1",
            "https://eu-de.dataplatform.cloud.ibm.com/data/catalogs/s1?context=cpdaas",
            id="cloud-catalog-falls-back-to-catalog",
        ),
        pytest.param(
            CLOUD,
            "space_id",
            "c1",
            "https://eu-de.dataplatform.cloud.ibm.com/ml-runtime/spaces/s1?context=cpdaas",
            id="cloud-space-falls-back-to-space",
        ),
        pytest.param(
            CPD,
            "space_id",
            None,
            "https://cpd.example.com:8443/ml-runtime/spaces/s1?context=icp4data",
            id="cpd-space-page",
        ),
        pytest.param(
            CLOUD,
            "project_id",
            None,
            "https://eu-de.dataplatform.cloud.ibm.com/projects/s1/assets?context=cpdaas",
            id="sync-project-page",
        ),
    ],
)
def test_link_forms(base, scope_kind, connection_id, expected):
    assert connection_ui_url(base, scope_kind, "s1", connection_id) == expected
