"""The "IBM connection" extra link: opens the connection asset in IBM's web UI.

Operators push the URL to XCom (key ``ibm_connection_url``) as soon as they know the connection, so the
link works even while a sensor is deferred or after a task failed half-way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode, urlsplit

from airflow.sdk import BaseOperatorLink

if TYPE_CHECKING:
    from airflow.sdk.types import TaskInstanceKey  # type: ignore[attr-defined,unused-ignore]

XCOM_CONNECTION_URL = "ibm_connection_url"
_IBM_CLOUD_SUFFIXES = (".dataplatform.cloud.ibm.com", ".dai.cloud.ibm.com")


def connection_ui_url(api_base_url: str, scope_kind: str, scope_id: str, connection_id: str) -> str:
    """The web UI address of a connection asset.

    IBM Cloud serves its UI on the API host without the ``api.`` label
    (``api.eu-de.dataplatform.cloud.ibm.com`` → ``eu-de.dataplatform.cloud.ibm.com``) with
    ``context=cpdaas``; Cloud Pak for Data serves it on the cluster host with ``context=icp4data``.
    """
    parts = urlsplit(api_base_url)
    host = parts.netloc
    ibm_cloud = parts.hostname is not None and parts.hostname.endswith(_IBM_CLOUD_SUFFIXES)
    if ibm_cloud and host.startswith("api."):
        host = host[len("api.") :]
    query = urlencode({scope_kind: scope_id, "context": "cpdaas" if ibm_cloud else "icp4data"})
    return f"{parts.scheme}://{host}/connections/{quote(connection_id, safe='')}?{query}"


class IBMConnectionLink(BaseOperatorLink):
    """Links a task to the connection asset it created, changed, deleted or validated."""

    name = "IBM connection"

    def get_link(self, operator: Any, *, ti_key: TaskInstanceKey) -> str:
        from airflow.sdk.execution_time.xcom import XCom

        return str(XCom.get_value(ti_key=ti_key, key=XCOM_CONNECTION_URL) or "")
