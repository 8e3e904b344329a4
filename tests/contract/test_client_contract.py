"""Contract table: the client fed the real service's reply shapes (``real_replies``) through a fake
transport (``responses``: real requests Session, no patched code), checking what it *sends* — method,
path, query, content type, body — and what it *parses*, for every operation.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from airflow_connections_provider.client import (
    AuthType,
    BadRequestError,
    ClientConfig,
    Connection,
    ConnectionChanges,
    ConnectionNameExistsError,
    ConnectionsClient,
    Credentials,
    NotFoundError,
    ProjectNotFoundError,
    RetryPolicy,
    Scope,
    ValidationRefusedError,
)
from tests.contract import real_replies as real

API = "https://api.contract.test"
IAM = "https://iam.contract.test"
SCOPE = Scope.project(real.PROJECT_ID)
CID = real.CONNECTION_ID
EVERY_FLAG = ",".join(real.KNOWN_FLAGS)
PG = {"host": "db.example.com", "port": 5432, "database": "sales", "username": "etl", "password": real.CLEAR_PASSWORD}


@dataclass(frozen=True)
class Sent:
    """What one request must look like; ``query`` and ``body`` are compared exactly when given."""

    method: str
    path: str
    query: Mapping[str, str] | None = None
    content_type: str | None = None
    body: Any = None


@dataclass(frozen=True)
class Case:
    replies: Sequence[tuple[str, str, real.RealReply]]
    call: Callable[[ConnectionsClient], Any]
    sends: Sequence[Sent]
    check: Callable[[Any], bool] | None = None
    raises: type[BaseException] | None = None
    auth: AuthType = AuthType.BEARER_TOKEN
    base_url: str = API
    extra: Mapping[str, Any] = field(default_factory=dict)


def types() -> list[tuple[str, str, real.RealReply]]:
    return [
        ("GET", f"/v2/datasource_types/{key}", real.postgres_type()) for key in ("postgresql", real.POSTGRES_TYPE_ID)
    ]


TYPE_BY_NAME = Sent("GET", "/v2/datasource_types/postgresql", {"connection_properties": "true"})
TYPE_BY_ID = Sent("GET", f"/v2/datasource_types/{real.POSTGRES_TYPE_ID}", {"connection_properties": "true"})
GET_ONE = Sent("GET", f"/v2/connections/{CID}", {"project_id": real.PROJECT_ID, "decrypt_secrets": "false"})
LIST_QUERY = {"project_id": real.PROJECT_ID, "limit": "100", "decrypt_secrets": "false"}
CREATE_QUERY = {"project_id": real.PROJECT_ID, "test": "true"}
CREATE_BODY = {"name": "Sales DB", "datasource_type": real.POSTGRES_TYPE_ID, "properties": PG}
PATCH_JSON = "application/json-patch+json;charset=utf-8"


def create(client: ConnectionsClient) -> Connection:
    return client.create_connection(SCOPE, name="Sales DB", datasource_type="postgresql", properties=PG)


def describe(client: ConnectionsClient) -> Connection:
    return client.update_connection(
        SCOPE, CID, ConnectionChanges(description="nightly", set_properties={"port": "5433"})
    )


UPDATE_BODY = [
    {"op": "add", "path": "/description", "value": "nightly"},
    {"op": "add", "path": "/properties/port", "value": 5433},
]

CASES = {
    "version": Case(
        [("GET", "/v2/connections/version", real.service_version())],
        lambda c: c.version(),
        [Sent("GET", "/v2/connections/version", {})],
        check=lambda v: v.version == "1.0.3456",
    ),
    "datasource-type-with-conditions": Case(
        [("GET", "/v2/datasource_types/bluemixcloudobjectstorage", real.cos_type())],
        lambda c: c.get_datasource_type("bluemixcloudobjectstorage"),
        [Sent("GET", "/v2/datasource_types/bluemixcloudobjectstorage", {"connection_properties": "true"})],
        check=lambda t: t.kind == "file" and len(t.conditions) == 4 and "api_key" in t.secret_properties,
    ),
    "datasource-types-list": Case(
        [("GET", "/v2/datasource_types", real.datasource_types_page())],
        lambda c: c.list_datasource_types(),
        [Sent("GET", "/v2/datasource_types", {"connection_properties": "true", "limit": "100", "offset": "0"})],
        check=lambda ts: [t.name for t in ts] == ["postgresql", "bluemixcloudobjectstorage"],
    ),
    "list-two-pages-absolute-internal-links": Case(
        [
            ("GET", "/v2/connections", real.list_page([real.connection_body()], next_start="tok 2/x")),
            ("GET", "/v2/connections", real.list_page([real.connection_body(asset_id=real.SECOND_CONNECTION_ID)])),
        ],
        lambda c: c.list_connections(SCOPE),
        [
            Sent("GET", "/v2/connections", LIST_QUERY),
            Sent("GET", "/v2/connections", {**LIST_QUERY, "start": "tok 2/x"}),
        ],
        check=lambda cs: [x.id for x in cs] == [CID, real.SECOND_CONNECTION_ID],
    ),
    "find-by-exact-name-with-every-flag": Case(
        [("GET", "/v2/connections", real.list_page([real.connection_body(flags=["internal_use_only"])]))],
        lambda c: c.find_connection(SCOPE, "Sales DB"),
        [Sent("GET", "/v2/connections", {**LIST_QUERY, "entity.name": '"Sales DB"', "entity.flags": EVERY_FLAG})],
        check=lambda x: x.id == CID and x.flags == ("internal_use_only",),
    ),
    "get-with-clear-secret": Case(
        [("GET", f"/v2/connections/{CID}", real.got())],
        lambda c: c.get_connection(SCOPE, CID),
        [GET_ONE],
        check=lambda x: x.properties["password"] == real.CLEAR_PASSWORD and real.CLEAR_PASSWORD not in repr(x),
    ),
    "create-201": Case(
        [*types(), ("POST", "/v2/connections", real.created())],
        create,
        [TYPE_BY_NAME, Sent("POST", "/v2/connections", CREATE_QUERY, "application/json", CREATE_BODY)],
        check=lambda x: x.id == CID and x.scope == SCOPE,
    ),
    "create-409-name-exists": Case(
        [*types(), ("POST", "/v2/connections", real.duplicate_name())],
        create,
        [TYPE_BY_NAME, Sent("POST", "/v2/connections", CREATE_QUERY, "application/json", CREATE_BODY)],
        raises=ConnectionNameExistsError,
    ),
    "create-400-refused-test": Case(
        [*types(), ("POST", "/v2/connections", real.refused_by_data_source())],
        create,
        [TYPE_BY_NAME, Sent("POST", "/v2/connections", CREATE_QUERY)],
        raises=ValidationRefusedError,
    ),
    "create-400-rejected-field": Case(
        [*types(), ("POST", "/v2/connections", real.bad_property_value())],
        create,
        [TYPE_BY_NAME, Sent("POST", "/v2/connections", CREATE_QUERY)],
        raises=BadRequestError,
    ),
    "update-bare-entity": Case(
        [
            *types(),
            ("GET", f"/v2/connections/{CID}", real.got()),
            ("PATCH", f"/v2/connections/{CID}", real.patched(description="nightly")),
        ],
        describe,
        [
            GET_ONE,
            TYPE_BY_ID,
            Sent(
                "PATCH",
                f"/v2/connections/{CID}",
                {"project_id": real.PROJECT_ID, "test": "true"},
                PATCH_JSON,
                UPDATE_BODY,
            ),
        ],
        check=lambda x: (x.id, x.scope, x.description) == (CID, SCOPE, "nightly"),
    ),
    "update-400-refused-test": Case(
        [
            *types(),
            ("GET", f"/v2/connections/{CID}", real.got()),
            ("PATCH", f"/v2/connections/{CID}", real.refused_by_data_source()),
        ],
        describe,
        [GET_ONE, TYPE_BY_ID, Sent("PATCH", f"/v2/connections/{CID}", content_type=PATCH_JSON, body=UPDATE_BODY)],
        raises=ValidationRefusedError,
    ),
    "test-action-200": Case(
        [("PUT", f"/v2/connections/{CID}/actions/test", real.action_test_passed())],
        lambda c: c.test_connection(SCOPE, CID),
        [Sent("PUT", f"/v2/connections/{CID}/actions/test", {"project_id": real.PROJECT_ID}, "application/json", {})],
        check=lambda r: r is None,
    ),
    "test-action-200-output-failed": Case(
        [("PUT", f"/v2/connections/{CID}/actions/test", real.action_test_output_failed())],
        lambda c: c.test_connection(SCOPE, CID),
        [Sent("PUT", f"/v2/connections/{CID}/actions/test", body={})],
        raises=ValidationRefusedError,
    ),
    "test-action-400-header-rejected": Case(
        [("PUT", f"/v2/connections/{CID}/actions/test", real.bad_header())],
        lambda c: c.test_connection(SCOPE, CID),
        [Sent("PUT", f"/v2/connections/{CID}/actions/test")],
        raises=BadRequestError,
    ),
    "delete-204": Case(
        [("DELETE", f"/v2/connections/{CID}", real.deleted())],
        lambda c: c.delete_connection(SCOPE, CID),
        [Sent("DELETE", f"/v2/connections/{CID}", {"project_id": real.PROJECT_ID}, body=None)],
        check=lambda r: r is True,
    ),
    "delete-404-missing-ok": Case(
        [("DELETE", f"/v2/connections/{CID}", real.not_found())],
        lambda c: c.delete_connection(SCOPE, CID, missing_ok=True),
        [Sent("DELETE", f"/v2/connections/{CID}")],
        check=lambda r: r is False,
    ),
    "get-404": Case(
        [("GET", f"/v2/connections/{CID}", real.not_found())],
        lambda c: c.get_connection(SCOPE, CID),
        [GET_ONE],
        raises=NotFoundError,
    ),
    "projects-by-name": Case(
        [
            (
                "GET",
                "/v2/projects",
                real.projects_page(
                    [real.project_body(), real.project_body(guid=real.SPACE_ID, name="Sales analytics 2")]
                ),
            )
        ],
        lambda c: c.resolve_project("Sales analytics"),
        [Sent("GET", "/v2/projects", {"name": "Sales analytics", "limit": "100"})],
        check=lambda p: p.id == real.PROJECT_ID,
    ),
    "projects-204-is-not-found": Case(
        [("GET", "/v2/projects", real.no_projects()), ("GET", "/v2/projects", real.no_projects())],
        lambda c: c.resolve_project("Nowhere"),
        [
            Sent("GET", "/v2/projects", {"name": "Nowhere", "limit": "100"}),
            Sent("GET", "/v2/projects", {"limit": "100"}),
        ],
        raises=ProjectNotFoundError,
    ),
    "project-by-id": Case(
        [("GET", f"/v2/projects/{real.PROJECT_ID}", real.RealReply(200, real.project_body()))],
        lambda c: c.get_project(real.PROJECT_ID),
        [Sent("GET", f"/v2/projects/{real.PROJECT_ID}", {})],
        check=lambda p: p.name == "Sales analytics",
    ),
    "iam-token-exchange": Case(
        [
            ("POST", f"{IAM}/identity/token", real.iam_token()),
            ("GET", "/v2/connections/version", real.service_version()),
        ],
        lambda c: c.version(),
        [
            Sent(
                "POST",
                "/identity/token",
                {},
                "application/x-www-form-urlencoded",
                "grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Aapikey&apikey=contract-key",
            ),
            Sent("GET", "/v2/connections/version"),
        ],
        auth=AuthType.IAM_API_KEY,
    ),
    "aws-token-exchange": Case(
        [
            ("POST", "https://dev.aws.data.ibm.com/api/rest/mcsp/apikeys/token", real.aws_token()),
            ("GET", "https://api.dev.aws.data.ibm.com/v2/connections/version", real.service_version()),
        ],
        lambda c: c.version(),
        [
            Sent(
                "POST",
                "/api/rest/mcsp/apikeys/token",
                {},
                "application/x-www-form-urlencoded",
                "grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Aapikey&apikey=contract-key",
            ),
            Sent("GET", "/v2/connections/version"),
        ],
        auth=AuthType.AWS_API_KEY,
        base_url="https://api.dev.aws.data.ibm.com",
    ),
    "cp4d-authorize": Case(
        [
            ("POST", "/icp4d-api/v1/authorize", real.cp4d_authorized()),
            ("GET", "/v2/connections/version", real.service_version()),
        ],
        lambda c: c.version(),
        [
            Sent(
                "POST",
                "/icp4d-api/v1/authorize",
                {},
                "application/json",
                {"username": "admin", "password": "contract-pass"},
            ),
            Sent("GET", "/v2/connections/version"),
        ],
        auth=AuthType.CP4D_PASSWORD,
    ),
}


def credentials(auth: AuthType) -> Credentials:
    return {
        AuthType.BEARER_TOKEN: Credentials(AuthType.BEARER_TOKEN, token="contract-token"),
        AuthType.IAM_API_KEY: Credentials(AuthType.IAM_API_KEY, api_key="contract-key", iam_url=IAM),
        AuthType.AWS_API_KEY: Credentials(AuthType.AWS_API_KEY, api_key="contract-key"),
        AuthType.CP4D_PASSWORD: Credentials(AuthType.CP4D_PASSWORD, username="admin", password="contract-pass"),
    }[auth]


def absolute(base_url: str, path: str) -> str:
    return path if path.startswith("https://") else base_url + path


@pytest.mark.parametrize("case", [pytest.param(case, id=name) for name, case in CASES.items()])
def test_contract(case: Case) -> None:
    config = ClientConfig(credentials(case.auth), base_url=case.base_url, retry=RetryPolicy(retry_limit=1))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        for method, path, reply in case.replies:
            mocked.add(
                method,
                absolute(case.base_url, path),
                status=reply.status,
                body=reply.content,
                headers=dict(reply.headers),
            )
        with ConnectionsClient(config, sleep=lambda _: None) as client:
            if case.raises is not None:
                with pytest.raises(case.raises) as caught:
                    case.call(client)
                assert type(caught.value) is case.raises  # the exact class, not a parent
                result = None
            else:
                result = case.call(client)
        calls = list(mocked.calls)

    assert len(calls) == len(case.sends), [f"{c.request.method} {c.request.url}" for c in calls]
    for call, want in zip(calls, case.sends, strict=True):
        request = call.request
        url = urlsplit(request.url)
        assert (request.method, url.path) == (want.method, want.path)
        if want.query is not None:
            assert {k: v[0] for k, v in parse_qs(url.query).items()} == dict(want.query)
        if want.content_type is not None:
            assert request.headers.get("Content-Type") == want.content_type
        if want.body is not None:
            raw = request.body.decode() if isinstance(request.body, bytes) else request.body
            assert (raw if isinstance(want.body, str) else json.loads(raw)) == want.body
    if case.check is not None:
        assert case.check(result)
