"""Talking to the emulator over real HTTP in tests: a thin `requests` wrapper and body builders.

Deliberately independent of the provider's client package: these tests pin the emulator's wire
behaviour, not the client's.
"""

from __future__ import annotations

import json
from typing import Any

import requests

POSTGRES_ID = "e1c23729-99d8-4407-b3df-336e33ffdc82"
HTTP_ID = "4210c294-8b0f-46b4-bcdc-1c6ada2b7e6b"
SECRET = "s3cr3t-Pa55word"  # distinctive, so a leak is easy to find in any output
JSON_PATCH = "application/json-patch+json;charset=utf-8"


class Api:
    """A requests session bound to one emulator and one Authorization header."""

    def __init__(self, base_url: str, token: str | None = None, *, authorization: str | None = None) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.session.trust_env = False  # no proxy between the test and loopback
        self.authorization = authorization or (f"Bearer {token}" if token else None)

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        if self.authorization and "Authorization" not in headers:
            headers["Authorization"] = self.authorization
        kwargs.setdefault("timeout", 10)
        return self.session.request(method, self.base_url + path, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def create(self, project_id: str, body: dict[str, Any], *, test: bool = False, **params: Any) -> requests.Response:
        return self.post(
            "/v2/connections", params={"project_id": project_id, "test": str(test).lower(), **params}, json=body
        )

    def patch(
        self,
        connection_id: str,
        ops: Any,
        project_id: str,
        *,
        test: bool = False,
        content_type: str = JSON_PATCH,
    ) -> requests.Response:
        return self.request(
            "PATCH",
            f"/v2/connections/{connection_id}",
            params={"project_id": project_id, "test": str(test).lower()},
            data=json.dumps(ops),
            headers={"Content-Type": content_type},
        )

    def walk(self, first_href: str) -> list[dict[str, Any]]:
        """Start at `first_href` (a path, or an absolute link) and follow next.href, which the emulator
        makes absolute on its own address as the service does; returns every resource seen."""
        seen: list[dict[str, Any]] = []
        href: str | None = first_href
        while href:
            if not href.startswith("/"):
                assert href.startswith(self.base_url + "/"), href
                href = href[len(self.base_url) :]
            reply = self.get(href)
            assert reply.status_code == 200, reply.text
            body = reply.json()
            seen.extend(body["resources"])
            href = body.get("next", {}).get("href")
        return seen


def pg_body(name: str = "pg", *, port: int = 5999, password: str = SECRET, **overrides: Any) -> dict[str, Any]:
    properties = {"host": "127.0.0.1", "port": port, "database": "db", "username": "alice", "password": password}
    properties.update(overrides.pop("properties", {}))
    return {"name": name, "datasource_type": "postgresql", "properties": properties, **overrides}


def http_body(url: str, name: str = "web", **overrides: Any) -> dict[str, Any]:
    return {"name": name, "datasource_type": HTTP_ID, "properties": {"url": url}, **overrides}


def assert_error(
    reply: requests.Response, status: int, code: str, target: str | None = None, target_type: str = "field"
) -> dict[str, Any]:
    """The IBM error container, with its trace echoed in x-global-transaction-id; `target_type` is
    `field` (a body member), `parameter` (query or path) or `header`."""
    assert reply.status_code == status, reply.text
    body = reply.json()
    assert set(body) == {"trace", "errors"}
    assert body["trace"] and reply.headers["x-global-transaction-id"] == body["trace"]
    error = body["errors"][0]
    assert error["code"] == code, error
    assert error["message"] and error["more_info"]
    if target is not None:
        assert error["target"] == {"type": target_type, "name": target}
    return error


def assert_projects_error(reply: requests.Response, status: int, reason_fragment: str = "") -> dict[str, Any]:
    """The projects service's own error body (IBM's `HTTPErrorResponse` as its examples show it):
    `code` (the status as a string), `error` (its name), `message` (its generic text), `reason`."""
    assert reply.status_code == status, reply.text
    body = reply.json()
    assert set(body) == {"code", "error", "message", "reason"}, body
    assert body["code"] == str(status) and body["error"] and body["message"]
    assert reply.headers["x-global-transaction-id"]
    assert reason_fragment in body["reason"], body
    return body
