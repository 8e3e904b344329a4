"""Builders of the service's JSON replies, shaped as IBM's service sends them (the exact recorded
shapes and their sources are in tests/contract/real_replies.py).

Tests build what they need from these instead of pasting JSON fixtures around.
"""

from __future__ import annotations

import base64
import json
from typing import Any

POSTGRES_ID = "e1c23729-99d8-4407-b3df-336e33ffdc82"
HTTP_ID = "4210c294-8b0f-46b4-bcdc-1c6ada2b7e6b"
PROJECT_ID = "2b5a6a9c-1f4e-4d7b-9a34-5c1e2d3f4a5b"


def prop(name: str, type_: str = "string", *, required: bool = False, masked: bool = False, **extra: Any) -> dict:
    return {"name": name, "type": type_, "label": name.title(), "required": required, "masked": masked, **extra}


def postgres_type() -> dict:
    return {
        "metadata": {"asset_id": POSTGRES_ID},
        "entity": {
            "name": "postgresql",
            "label": "PostgreSQL",
            "properties": {
                "connection": [
                    prop("host", required=True),
                    prop("port", "integer", required=True),
                    prop("database", required=True),
                    prop("username", required=True),
                    prop("password", required=True, masked=True),
                    prop("ssl", "boolean"),
                    prop("ssl_certificate"),
                ]
            },
        },
    }


def http_type() -> dict:
    return {
        "metadata": {"asset_id": HTTP_ID},
        "entity": {
            "name": "http",
            "label": "HTTP",
            "properties": {"connection": [prop("url", required=True), prop("ssl_certificate")]},
        },
    }


def connection(
    name: str,
    *,
    asset_id: str = "c0ffee00-0000-4000-8000-000000000001",
    datasource_type: str = POSTGRES_ID,
    properties: dict | None = None,
    project_id: str = PROJECT_ID,
    create_time: str = "2026-11-28T10:00:00Z",
) -> dict:
    return {
        "metadata": {
            "asset_id": asset_id,
            "asset_type": "connection",
            "project_id": project_id,
            "create_time": create_time,
            "creator_id": "IBMid-1",
            "href": f"/v2/connections/{asset_id}?project_id={project_id}",
        },
        "entity": {
            "name": name,
            "datasource_type": datasource_type,
            "description": "",
            "properties": properties if properties is not None else {"host": "db", "port": 5432},
            "flags": [],
            "origin_country": "us",
        },
    }


def page(resources: list[dict], *, next_start: str | None = None, total: int | None = None) -> dict:
    body: dict[str, Any] = {
        "total_count": total if total is not None else len(resources),
        "resources": resources,
        "first": {"href": "/v2/connections?limit=100"},
    }
    if next_start is not None:
        from urllib.parse import quote

        body["next"] = {"href": f"/v2/connections?limit=100&start={quote(next_start, safe='')}"}
    return body


def project(name: str, guid: str = PROJECT_ID) -> dict:
    return {
        "metadata": {
            "guid": guid,
            "url": f"/v2/projects/{guid}",
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": None,
        },
        "entity": {
            "name": name,
            "description": "",
            "type": "cpd",
            "generator": None,
            "public": False,
            "creator": None,
            "tags": [],
            "storage": {"type": "assetfiles", "guid": "s1", "properties": {}},
            "scope": None,
            "compute": [],
        },
    }


def error(status_code: str, message: str, *, trace: str = "trace-123", target: str | None = None) -> dict:
    err: dict[str, Any] = {"code": status_code, "message": message, "more_info": "https://cloud.ibm.com/apidocs"}
    if target:
        err["target"] = {"type": "field", "name": target}
    return {"trace": trace, "errors": [err]}


def iam_token(value: str = "iam-token-1", *, expires_in: int = 3600, now: float = 1_800_000_000.0) -> dict:
    return {
        "access_token": value,
        "refresh_token": "not-used",
        "token_type": "Bearer",
        "expires_in": expires_in,
        "expiration": int(now + expires_in),
    }


def jwt(claims: dict) -> str:
    def enc(obj: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{enc({'alg': 'RS256', 'typ': 'JWT'})}.{enc(claims)}.c2lnbmF0dXJl"
