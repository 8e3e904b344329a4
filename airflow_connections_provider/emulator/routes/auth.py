"""Token endpoints: IBM Cloud IAM (`/identity/token`), the AWS deployment's API-key exchange
(`/api/rest/mcsp/apikeys/token`) and Cloud Pak for Data (`/icp4d-api/v1/authorize`).

Their errors use each product's own body, not the /v2 error container: IAM answers
`{"errorCode", "errorMessage", "context"}`, Cloud Pak for Data `{"_messageCode_", "message"}`. The AWS
exchange takes IAM's form body (or JSON `{"apikey"}`) and answers `{"token", "expiration"}`; its
error body is not documented publicly, so the emulator answers 401 with the error container.

JSON bodies go through the one reader every route uses (`bodies.parse_json`): a body that is not
UTF-8 JSON, nests too deep or holds a lone surrogate is a 400 in the endpoint's own error shape.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ..bodies import parse_json
from ..errors import ApiError, error_response, trace_of
from ..state.tokens import iam_subject
from .common import get_context

router = APIRouter()

APIKEY_GRANT = "urn:ibm:params:oauth:grant-type:apikey"


def _iam_error(request: Request, code: str, message: str) -> JSONResponse:
    now_ms = int(time.time() * 1000)
    body = {
        "errorCode": code,
        "errorMessage": message,
        "context": {
            "requestId": trace_of(request),
            "requestType": "incoming.Identity_Token",
            "userAgent": request.headers.get("user-agent", ""),
            "url": str(request.url.replace(query="")),
            "instanceId": "airflow-connections-emulator",
            "threadId": "0",
            "host": request.url.hostname or "",
            "startTime": str(now_ms),
            "endTime": str(now_ms),
            "elapsedTime": "0",
            "locale": "en_US",
            "clusterName": "emulator",
        },
    }
    return JSONResponse(body, status_code=400)


@router.post("/identity/token")
async def iam_token(request: Request) -> JSONResponse:
    ctx = get_context(request)
    form = parse_qs((await request.body()).decode("utf-8", errors="replace"))
    if form.get("grant_type", [""])[0] != APIKEY_GRANT:
        return _iam_error(request, "BXNIM0103E", "Unsupported grant type")
    api_key = form.get("apikey", [""])[0]
    if not api_key:
        return _iam_error(request, "BXNIM0109E", "Property missing or empty. Property: apikey")
    if not ctx.tokens.api_key_known(api_key):
        return _iam_error(request, "BXNIM0415E", "Provided API key could not be found")
    issued = ctx.tokens.issue(iam_subject(api_key), "iam")
    return JSONResponse(
        {
            "access_token": issued.token,
            # What IAM answers for the API-key grant: its tokens are renewed with the key, not refreshed.
            "refresh_token": "not_supported",
            "token_type": "Bearer",
            "expires_in": int(issued.expires_at - issued.issued_at),
            "expiration": int(issued.expires_at),
            "scope": "ibm openid",
        }
    )


def _cp4d_error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"_messageCode_": str(status), "message": message}, status_code=status)


@router.post("/icp4d-api/v1/authorize")
async def cp4d_authorize(request: Request) -> JSONResponse:
    ctx = get_context(request)
    raw = await request.body()  # past the size cap: 413 with the error container, as a front proxy answers
    try:
        body: Any = parse_json(raw)
    except ApiError as exc:
        return _cp4d_error(400, exc.message)
    if not isinstance(body, dict):
        return _cp4d_error(400, "The request body must be a JSON object with username and password or api_key")
    username, password, api_key = body.get("username"), body.get("password"), body.get("api_key")
    # IBM's SDK sends both password and api_key, the unused one as null.
    if not isinstance(username, str) or not username or (password is None and api_key is None):
        return _cp4d_error(400, "username and either password or api_key are required")
    if not all(isinstance(v, str) or v is None for v in (password, api_key)):
        return _cp4d_error(400, "password and api_key must be strings")
    if not ctx.tokens.user_login(username, password, api_key):
        return _cp4d_error(401, "Invalid username or password")
    issued = ctx.tokens.issue(username, "cp4d")
    return JSONResponse({"_messageCode_": "200", "message": "Success", "token": issued.token})


@router.post("/api/rest/mcsp/apikeys/token")
async def aws_token(request: Request) -> JSONResponse:
    ctx = get_context(request)
    raw = await request.body()
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    api_key: Any = None
    if media_type == "application/json":
        body = parse_json(raw)  # an unreadable body is a 400 with the error container
        api_key = body.get("apikey") if isinstance(body, dict) else None
    else:
        api_key = parse_qs(raw.decode("utf-8", errors="replace")).get("apikey", [""])[0]
    if not isinstance(api_key, str) or not api_key:
        return error_response(
            trace_of(request), 400, "missing_property", "apikey is required", target="apikey", target_type="field"
        )
    if not ctx.tokens.api_key_known(api_key):
        return error_response(trace_of(request), 401, "invalid_apikey", "The API key is not valid")
    issued = ctx.tokens.issue(iam_subject(api_key), "iam")
    return JSONResponse({"token": issued.token, "expiration": int(issued.expires_at)})
