"""Serving the published OpenAPI documents at the service's own paths.

They need no token: they describe the API rather than expose data (documented choice).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from .openapi_docs import connections_document, projects_document_yaml

router = APIRouter()


@router.get("/v2/connections/api/docs")
async def connections_api_docs() -> dict[str, Any]:
    return connections_document()


@router.get("/v2/projects/docs/schemas/v2-projects-api-openapi.yml")
async def projects_api_docs() -> Response:
    return Response(projects_document_yaml(), media_type="application/yaml")
