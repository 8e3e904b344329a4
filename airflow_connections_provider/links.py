"""The "IBM connection" extra link: opens the connection asset (or, for a sync, the project) in IBM's web UI.

Operators record the address on themselves as soon as they know it, and also push it to XCom (key
``ibm_connection_url``) for downstream tasks. Airflow asks the link for its address when the task
finishes, in the same process, so the link is there even when the task failed half-way; a task that
failed before it knew its connection simply has no link. Airflow 2.x asks for the address later, in
the webserver, so there the link reads the XCom.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode, urlsplit

from airflow.providers.common.compat.sdk import BaseOperatorLink

if TYPE_CHECKING:
    from airflow.sdk.types import TaskInstanceKey  # type: ignore[attr-defined,unused-ignore]

XCOM_CONNECTION_URL = "ibm_connection_url"
_IBM_CLOUD_SUFFIXES = (".dataplatform.cloud.ibm.com", ".dai.cloud.ibm.com")


#: Workspace pages of IBM's web UI, by scope. Public walkthroughs show these addresses on IBM Cloud
#: (``/projects/<id>/assets``, ``/data/catalogs/<id>``, ``/ml-runtime/spaces/<id>``); Cloud Pak for Data
#: serves the same web application on the cluster host.
_WORKSPACE_PAGES = {
    "project_id": "/projects/{id}/assets",
    "catalog_id": "/data/catalogs/{id}",
    "space_id": "/ml-runtime/spaces/{id}",
}


def connection_ui_url(api_base_url: str, scope_kind: str, scope_id: str, connection_id: str | None) -> str:
    """The web UI address of a connection asset, or of its workspace when that is all that can be linked.

    IBM Cloud serves its UI on the API host without the ``api.`` label
    (``api.eu-de.dataplatform.cloud.ibm.com`` → ``eu-de.dataplatform.cloud.ibm.com``) with
    ``context=cpdaas``; Cloud Pak for Data serves it on the cluster host with ``context=icp4data``.

    What is confirmed, and so linked: a connection in a **project** opens at
    ``/connections/<id>?project_id=<project>`` (the address IBM's UI shows for a connection asset, as
    public walkthroughs of watsonx record it). IBM's public documentation gives no address for a
    connection inside a **catalog** or a **space**, so for those the link opens the catalog
    (``/data/catalogs/<id>``) or the space (``/ml-runtime/spaces/<id>``), where the connection is listed.
    A sync (``connection_id`` None) links to the workspace page too.
    """
    parts = urlsplit(api_base_url)
    # Host and port only: never the user:password@ a URL could carry (the settings refuse one anyway).
    host = parts.netloc.rpartition("@")[2]
    ibm_cloud = parts.hostname is not None and parts.hostname.endswith(_IBM_CLOUD_SUFFIXES)
    if ibm_cloud and host.startswith("api."):
        host = host[len("api.") :]
    context = "cpdaas" if ibm_cloud else "icp4data"
    if connection_id is None or scope_kind != "project_id":
        page = _WORKSPACE_PAGES.get(scope_kind, _WORKSPACE_PAGES["project_id"]).format(id=quote(scope_id, safe=""))
        return f"{parts.scheme}://{host}{page}?{urlencode({'context': context})}"
    query = urlencode({scope_kind: scope_id, "context": context})
    return f"{parts.scheme}://{host}/connections/{quote(connection_id, safe='')}?{query}"


class IBMConnectionLink(BaseOperatorLink):
    """Links a task to the connection asset it created, changed, deleted or validated."""

    name = "IBM connection"

    def get_link(self, operator: Any, *, ti_key: TaskInstanceKey) -> str:
        from airflow_connections_provider.compat import AIRFLOW_V_3_0_PLUS

        link = getattr(operator, "ibm_link", None)
        if not link and not AIRFLOW_V_3_0_PLUS:
            # Airflow 2.x asks the webserver's copy of the operator, which never ran: read the task's XCom.
            from airflow.models import XCom

            try:
                link = XCom.get_value(ti_key=ti_key, key=XCOM_CONNECTION_URL)
            except Exception:  # noqa: BLE001 - a link must never break the task page
                link = None
        return str(link or "")
