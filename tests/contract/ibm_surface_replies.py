"""Replies of the IBM surface beyond a connection's own paths, shaped as IBM's sources show them: the
fixtures the emulator's contract tests compare its replies with (`test_emulator_surface_contract.py`).

Marks as in ``real_replies``: **[R]** a reply IBM recorded from a real Cloud Pak for Data cluster
(``IBM/watson-data-api-clients``, ``java/src/test/resources/<area>/<op>/response.json``); **[O]** IBM's
OpenAPI document in that repository (``java/api/openapi.yaml``); **[S]** IBM's SDKs
(``ibm-watsonx-ai`` 1.8.1, ``ibm-watsonx-data-integration`` 2.1.0); **[U]** unverified, our choice (the
emulator documents it). Keys, nesting and value types are the sources'; ids and values are ours.
"""

from __future__ import annotations

import copy
from typing import Any

from tests.contract import real_replies as real

CATALOG_ID = "0f85f071-7528-4ff9-9db8-ab7c7b0244bf"  # [R]
SPACE_ID = "ad4f6950-79e4-4fac-a656-cb07b53c4c71"  # [R]
DATA_ASSET_ID = "ec9f4f72-5af0-476e-a69c-3124a06fb6eb"  # [R]


def project() -> dict[str, Any]:
    """[R] ``project/list``: ``storage`` is ``{type, guid}``, no ``properties`` (optional in [O]
    ``ProjectStorage``); the other keys are those IBM's SDK requires (``real_replies.project_body``)."""
    body = real.project_body()
    del body["entity"]["storage"]["properties"]
    return body


def projects_page() -> dict[str, Any]:
    """[O] 200 to ``GET /v2/projects`` (the emulator's bookmark paging, as ``real_replies``), projects as [R]."""
    return {"resources": [project()]}


def projects_error(status: int = 404) -> dict[str, Any]:
    """[O] ``HTTPErrorResponse`` as every example of the projects paths gives it: ``code`` a string,
    no ``description``."""
    examples = {
        400: ("Bad Request", "The server cannot or will not process the request due to an apparent client error."),
        401: ("Unauthorized", "Authentication failed."),
        404: ("Not Found", "The requested resource could not be found."),
    }
    error, message = examples[status]
    return {"code": str(status), "error": error, "message": message, "reason": "Failed to retrieve project: x."}


def catalog() -> dict[str, Any]:
    """[R] ``catalog/get``: id in ``metadata.guid``, name in ``entity.name``, a top-level ``href``."""
    return {
        "metadata": {
            "guid": CATALOG_ID,
            "url": f"/v2/catalogs/{CATALOG_ID}",
            "creator_id": "1000331004",
            "create_time": "2020-07-21T14:28:20Z",
        },
        "entity": {
            "name": "Test Catalog",
            "description": "A test catalog to validate the API client works as expected.",
            "generator": "API-Test-Suite",
            "bss_account_id": "999",
            "capacity_limit": 0,
            "is_governed": True,
            "auto_profiling": True,
        },
        "href": f"/v2/catalogs/{CATALOG_ID}",
    }


def catalogs_page() -> dict[str, Any]:
    """[R] ``catalog/list``: ``catalogs``, ``nextBookmark`` (present with a single catalog), ``nextSkip``."""
    return {"catalogs": [catalog()], "nextBookmark": "g1AAAABceJzLYWBgYMxgTmEwT84vTc5ISXIoTynQhbJ1DfSQ", "nextSkip": 0}


def space() -> dict[str, Any]:
    """[R] ``space/get``: id in ``metadata.id`` (not ``guid``), ``entity.status.state``. The recorded
    space has a machine-learning ``compute`` entry; the emulator's spaces have none ([U])."""
    return {
        "entity": {
            "compute": [],
            "description": "A test space to validate the API client works as expected.",
            "name": "Test Space",
            "scope": {"bss_account_id": "cpdaccount"},
            "status": {"state": "active"},
        },
        "metadata": {
            "created_at": "2020-12-22T13:05:24.844Z",
            "creator_id": "1000331004",
            "id": SPACE_ID,
            "updated_at": "2020-12-22T13:05:34.266Z",
            "url": f"/v2/spaces/{SPACE_ID}",
        },
    }


def spaces_page(*, next_start: str | None = None) -> dict[str, Any]:
    """[R] ``space/list``: relative ``first.href``, ``limit``, ``resources``; [S] the watsonx.ai SDK
    follows a relative ``next.href`` (prefixing its base URL) and stops when it is absent."""
    body: dict[str, Any] = {"first": {"href": "/v2/spaces"}, "limit": 100, "resources": [space()]}
    if next_start is not None:
        body["next"] = {"href": f"/v2/spaces?limit=100&start={next_start}"}
    return body


def _action_property(name: str, type_: str, label: str, description: str, *, required: bool) -> dict[str, Any]:
    return {
        "name": name,
        "type": type_,
        "label": label,
        "description": description,
        "required": required,
        "masked": False,
        "hidden": False,
        "readonly": False,
        "multiline": False,
    }


def connection_actions() -> dict[str, Any]:
    """[R] ``connections/listActions`` verbatim: a relational connection lists ``get_record_count`` only
    (``test`` and ``validate`` run, [O] ``performAction``'s enum, but are not listed)."""
    return {
        "actions": [
            {
                "name": "get_record_count",
                "description": "Get the number of rows in the specified table",
                "properties": {
                    "input": [
                        _action_property(
                            "schema_name",
                            "string",
                            "Schema Name",
                            "Name of the schema that contains the table",
                            required=False,
                        ),
                        _action_property(
                            "table_name",
                            "string",
                            "Table Name",
                            "Name of the table for which to obtain the number of rows",
                            required=True,
                        ),
                    ],
                    "output": [
                        _action_property(
                            "record_count", "integer", "Record Count", "Number of available rows", required=True
                        )
                    ],
                },
            }
        ]
    }


def record_count() -> dict[str, Any]:
    """[R] ``connections/performAction`` for ``get_record_count`` ``{"table_name": "CUSTOMER"}``: a number
    that JSON writes with a fraction."""
    return {"record_count": 5001.0}


def _usage() -> dict[str, Any]:
    return {
        "last_updated_at": "2020-07-29T12:19:16Z",
        "last_updater_id": "1000331004",
        "last_update_time": 1596025156353,
        "last_accessed_at": "2020-07-29T12:19:16Z",
        "last_access_time": 1596025156353,
        "last_accessor_id": "1000331004",
        "access_count": 0,
    }


def data_asset_metadata(scope_key: str = "project_id", scope_id: str = real.PROJECT_ID) -> dict[str, Any]:
    """[R] the metadata of ``dataAssets/get`` and of ``assetTypes/findAssetsByType`` results."""
    return {
        "rov": {"mode": 0, "collaborator_ids": {}},
        "usage": _usage(),
        "name": "test_file.csv",
        "description": "",
        "tags": [],
        "asset_type": "data_asset",
        "origin_country": "gb",
        "rating": 0.0,
        "total_ratings": 0,
        scope_key: scope_id,
        "created": 1596025156353,
        "created_at": "2020-07-29T12:19:16Z",
        "owner_id": "1000331004",
        "size": 0,
        "version": 2.0,
        "asset_state": "available",
        "asset_attributes": ["data_asset"],
        "asset_id": DATA_ASSET_ID,
        "asset_category": "USER",
    }


def remote_attachment(connection_id: str = real.CONNECTION_ID) -> dict[str, Any]:
    """[O] ``Attachment`` (``asset_type``, ``name``, ``mime``, ``connection_id``, ``connection_path``) with
    [S] the watsonx.ai SDK's ``is_remote: true`` for data behind a connection and the ``id`` it reads."""
    return {
        "id": "7a1c3e2b-4d5f-4a6b-8c9d-0e1f2a3b4c5d",
        "asset_type": "data_asset",
        "name": "orders.csv",
        "mime": "text/csv",
        "connection_id": connection_id,
        "connection_path": "/landing/orders.csv",
        "is_remote": True,
    }


def data_asset_search(*, include_entity: bool, bookmark: str | None = None) -> dict[str, Any]:
    """[R] ``assetTypes/findAssetsByType``: ``total_rows``, ``results`` (``metadata``, ``href``); with
    ``include: "entity,attachments"`` ([O] ``Catalog_Search.include``; [S] the watsonx.ai SDK) each result
    also has ``entity`` ([R] ``dataAssets/get``) and ``attachments``; [O] more pages: ``next`` is the
    request body again with a ``bookmark``."""
    result: dict[str, Any] = {
        "metadata": data_asset_metadata(),
        "href": f"/v2/assets/{DATA_ASSET_ID}?project_id={real.PROJECT_ID}",
    }
    if include_entity:
        result["entity"] = {"data_asset": {"mime_type": "text/csv", "dataset": True, "columns": []}}
        result["attachments"] = [remote_attachment()]
    body: dict[str, Any] = {"total_rows": 1, "results": [result]}
    if bookmark is not None:
        body["next"] = {"query": "*:*", "limit": 1, "include": "entity,attachments", "bookmark": bookmark}
    return copy.deepcopy(body)
