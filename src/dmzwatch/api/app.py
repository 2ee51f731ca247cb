"""The FastAPI application: :func:`create_app` wires settings, stores, routes and limits."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from .. import __version__
from ._errors import BodyLimitMiddleware, GuardMiddleware, install_error_handlers
from .routes import events, patrol, records, scenarios, tokens, web
from .schemas import FeatureCollection
from .services import Services
from .settings import ApiSettings

__all__ = ["create_app"]

logger = logging.getLogger(__name__)

DESCRIPTION = """
Monitor and verify a demilitarized-zone or ceasefire agreement.

Send `Authorization: Bearer TOKEN`. Roles: **admin** (everything), **monitor** (bound to a
party: submits events, signed as that party, and reads), **analyst** (reads). Without a
token: scenarios, zones and base layers only. Every error answers
`{"error": {"status", "code", "message", "details"}}`.
"""


def create_app(settings: ApiSettings) -> FastAPI:
    """The API for ``settings`` (see :func:`~dmzwatch.api.settings.load_settings`)."""
    svc = Services(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        svc.linker.start()
        try:
            yield
        finally:
            svc.linker.stop()
            svc.close()

    app = FastAPI(
        lifespan=lifespan,
        title="dmzwatch",
        version=__version__,
        description=DESCRIPTION,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.dmzwatch = svc
    install_error_handlers(app)
    for module in (scenarios, events, records, patrol, tokens, web):
        app.include_router(module.router)
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_body_bytes)
    app.add_middleware(GuardMiddleware)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components["FeatureCollection"] = FeatureCollection.model_json_schema()
            _geojson_refs_only(schema)
            body = schema["paths"]["/api/events"]["post"]["requestBody"]["content"]
            batch = body["application/json"]["schema"]["oneOf"][1]
            batch["maxItems"] = settings.max_batch  # this server's limit, not the default
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _geojson_refs_only(schema: dict[str, Any]) -> None:
    """GeoJSON answers are documented by reference only (FastAPI adds ``type: string`` for a
    plain Response class, which would contradict the referenced object schema), and the
    error answers of GeoJSON routes as the JSON they are."""
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                media = content.get("application/geo+json")
                if media is None:
                    continue
                if not str(status).startswith("2"):  # errors are plain JSON
                    content["application/json"] = content.pop("application/geo+json")
                elif "$ref" in media.get("schema", {}):
                    media["schema"] = {"$ref": media["schema"]["$ref"]}
