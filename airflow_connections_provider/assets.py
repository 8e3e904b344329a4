"""Airflow assets for IBM connections: a DAG scheduled on a connection runs after it changes.

Every operator and the sensor of this provider emit an asset event for the connection they created,
updated (a credential rotation), validated or deleted. A connection's asset is named by where it lives
and its name, never by its id, which changes when a connection is deleted and created again::

    ibm-connection://project/<project id>/<URL-quoted connection name>
    ibm-connection://catalog/<catalog id>/<name>     ibm-connection://space/<space id>/<name>

A DAG author computes it at parse time from what they know, the project's id and the connection's
name (:func:`ibm_connection_asset`)::

    from airflow_connections_provider.assets import ibm_connection_asset

    with DAG("reload_orders", schedule=[ibm_connection_asset("orders-db", project_id="4f0c...")]):
        ...

The API host is not part of it: project, catalog and space ids are UUIDs, unique across IBM Cloud,
the AWS deployment and every Cloud Pak for Data cluster in practice, and a DAG author should not have
to repeat the region of the Airflow connection in every schedule.

Airflow imports this module (``sanitize_uri``, registered in ``get_provider_info``) whenever it builds
an asset, in every component and at DAG parse time: it imports nothing beyond the standard library and,
inside the factories, Airflow's own asset classes.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult, quote, unquote

if TYPE_CHECKING:
    from airflow.sdk import Asset, AssetAlias

SCHEME = "ibm-connection"
#: The scope kinds, as they appear in the URI, and the client's name for each (``Scope.kind``).
SCOPE_KINDS = {"project": "project_id", "catalog": "catalog_id", "space": "space_id"}
#: The alias every operator and the sensor declare as an outlet (see ``tasks/base.py``): Airflow
#: records events only for declared outlets, and which connection a task touches is known only when it
#: runs. Scheduling a DAG on ``ibm_connection_changes()`` runs it after any connection changes.
CHANGES_ALIAS = "ibm-connection-changes"

# The client's rule for ids (``client.endpoints``), repeated: importing the client here would load it
# at every DAG parse. tests/unit/test_assets.py keeps the two equal.
_ID_TOKEN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$")
_FORM = f"{SCHEME}://<project|catalog|space>/<scope id>/<URL-quoted connection name>"
_FIX = (
    "build it with airflow_connections_provider.assets.ibm_connection_asset(name, project_id=...) "
    f"(the form is {_FORM})"
)


def ibm_connection_asset_uri(
    connection_name: str,
    *,
    project_id: str | None = None,
    catalog_id: str | None = None,
    space_id: str | None = None,
) -> str:
    """The asset URI of a connection, from its exact name and the id of its project, catalog or space.

    Raises ``ValueError`` naming the problem when the name is empty or not text, when not exactly one
    scope id is given, or when the id is not an id.
    """
    given = {kind: value for kind, value in (("project", project_id), ("catalog", catalog_id), ("space", space_id))}
    scopes = [(kind, value) for kind, value in given.items() if value is not None]
    if len(scopes) != 1:
        problem = "several are" if scopes else "none is"
        raise ValueError(f"give exactly one of project_id, catalog_id or space_id ({problem} given)")
    kind, scope_id = scopes[0]
    if not isinstance(connection_name, str) or not connection_name:
        raise ValueError(f"connection_name must be the connection's exact name, got {connection_name!r}")
    uri = f"{SCHEME}://{kind}/{_checked_scope_id(kind, scope_id)}/{quote(connection_name, safe='')}"
    return uri


def ibm_connection_asset(
    connection_name: str,
    *,
    project_id: str | None = None,
    catalog_id: str | None = None,
    space_id: str | None = None,
) -> Asset:
    """The Airflow asset of a connection (a ``Dataset`` on Airflow 2.11), to schedule a DAG on or read
    events from: ``schedule=[ibm_connection_asset("orders-db", project_id="...")]``.

    Its name and URI are both :func:`ibm_connection_asset_uri`, the identity under which this
    provider's tasks emit its events. Give the exact connection name and exactly one scope id.
    """
    from airflow.providers.common.compat.sdk import Asset

    # Positional: Airflow 3 takes it as name and URI alike, Airflow 2.11's Dataset as its URI.
    return Asset(
        ibm_connection_asset_uri(connection_name, project_id=project_id, catalog_id=catalog_id, space_id=space_id)
    )


def ibm_connection_changes() -> AssetAlias:
    """The alias every task of this provider emits its connection events through (an ``AssetAlias``;
    a ``DatasetAlias`` on Airflow 2.11). ``schedule=ibm_connection_changes()`` runs a DAG after any
    connection changes, whichever DAG changed it."""
    from airflow.providers.common.compat.sdk import AssetAlias

    return AssetAlias(CHANGES_ALIAS)


def sanitize_uri(uri: SplitResult) -> SplitResult:
    """Airflow's URI handler for the ``ibm-connection`` scheme: the URI in its one canonical spelling,
    or ``ValueError`` naming what is wrong and how to build it.

    Airflow calls it on every ``Asset``/``Dataset`` of the scheme after its own clean-up (lowercase
    scheme, no user info, no fragment, no trailing slash). The name is re-quoted, so
    ``orders%2ddb`` and ``orders-db`` are one asset.
    """
    if uri.netloc not in SCOPE_KINDS:
        raise ValueError(
            f"an {SCHEME} URI names its scope kind as its host, one of {', '.join(SCOPE_KINDS)}, "
            f"got {uri.netloc!r}; {_FIX}"
        )
    if uri.query:
        raise ValueError(f"an {SCHEME} URI takes no query, got {uri.query!r}; {_FIX}")
    segments = uri.path.split("/")[1:]
    if len(segments) != 2 or not all(segments):
        raise ValueError(
            f"an {SCHEME} URI's path is /<scope id>/<connection name>, got {uri.path!r} (a '/' in a "
            f"name is written %2F); {_FIX}"
        )
    scope_id, quoted_name = segments
    try:
        name = unquote(quoted_name, errors="strict")
    except UnicodeDecodeError:
        raise ValueError(
            f"the connection name in an {SCHEME} URI is not valid percent-encoded UTF-8: {quoted_name!r}; {_FIX}"
        ) from None
    path = f"/{_checked_scope_id(uri.netloc, scope_id, also=f'; {_FIX}')}/{quote(name, safe='')}"
    return uri._replace(path=path)


def _checked_scope_id(kind: str, scope_id: Any, *, also: str = "") -> str:
    if not isinstance(scope_id, str) or not _ID_TOKEN.match(scope_id):
        raise ValueError(
            f"{scope_id!r} is not a {kind} id: ids are UUIDs such as 99845973-050b-482b-b900-a13a75865258 "
            f"(give the {kind}'s id, not its name){also}"
        )
    return scope_id
