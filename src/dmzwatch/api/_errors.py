"""One JSON error shape for every failure, and the middleware that guarantees it.

Every error answer reads ``{"error": {"status": 404, "code": "not_found", "message": "...",
"details": [...]}}``. A :class:`~dmzwatch.errors.DmzwatchError` maps to its own
``http_status``; request validation to 422 with one detail per problem; anything
unexpected to a bare 500 (logged here with its traceback, never sent to the client).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import DmzwatchError, PayloadTooLarge, RateLimited, Unauthorized

__all__ = [
    "ERROR_RESPONSES",
    "BodyLimitMiddleware",
    "ErrorDetail",
    "ErrorInfo",
    "ErrorResponse",
    "GuardMiddleware",
    "error_payload",
    "install_error_handlers",
]

logger = logging.getLogger(__name__)


class ErrorDetail(BaseModel):
    """One problem: where (a path into the request) and what."""

    loc: list[str | int] = Field(default_factory=list)
    msg: str
    type: str = ""


class ErrorInfo(BaseModel):
    status: int
    code: str
    message: str
    details: list[ErrorDetail] = Field(default_factory=list)


class ErrorResponse(BaseModel):
    """The body of every error answer."""

    error: ErrorInfo


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": HTTPStatus(status).phrase}
    for status in (400, 401, 403, 404, 413, 422, 429)
}


def _code(name: str) -> str:
    """``PayloadTooLarge`` -> ``payload_too_large``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def error_payload(
    status: int, message: str, *, code: str | None = None, details: Sequence[dict[str, Any]] = ()
) -> dict[str, Any]:
    """The JSON body of an error answer."""
    if code is None:
        code = _code(HTTPStatus(status).phrase.title().replace(" ", "").replace("-", ""))
    return {"error": {"status": status, "code": code, "message": message, "details": list(details)}}


def _headers(exc: DmzwatchError) -> dict[str, str]:
    if isinstance(exc, RateLimited):
        return {"Retry-After": str(max(1, round(exc.retry_after + 0.5)))}
    if isinstance(exc, Unauthorized) and exc.http_status == 401:
        return {"WWW-Authenticate": "Bearer"}
    return {}


async def _on_dmzwatch_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DmzwatchError)
    status = exc.http_status
    if status >= 500:
        logger.error("%s %s failed: %s", request.method, request.url.path, exc, exc_info=exc)
    details = [
        {"loc": [p.key], "msg": p.message, "type": "problem"}
        for p in getattr(exc, "problems", ())
        if hasattr(p, "key")
    ]
    return JSONResponse(
        error_payload(status, str(exc), code=_code(type(exc).__name__), details=details),
        status_code=status,
        headers=_headers(exc),
    )


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [
        {
            "loc": [str(x) if not isinstance(x, int) else x for x in e.get("loc", ())],
            "msg": str(e.get("msg", "")),
            "type": str(e.get("type", "")),
        }
        for e in exc.errors()
    ]
    count = len(details)
    message = f"the request is invalid ({count} problem{'s' * (count != 1)})"
    return JSONResponse(
        jsonable_encoder(error_payload(422, message, code="invalid_request", details=details)),
        status_code=422,
    )


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    message = exc.detail if isinstance(exc.detail, str) else HTTPStatus(status).phrase
    return JSONResponse(
        error_payload(status, message), status_code=status, headers=dict(exc.headers or {})
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that give every error the same shape."""
    app.add_exception_handler(DmzwatchError, _on_dmzwatch_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)


async def _send_json(send: Send, status: int, body: dict[str, Any], **headers: str) -> None:
    raw = json.dumps(body).encode()
    head = [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]
    head += [(k.lower().replace("_", "-").encode(), v.encode()) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": raw})


class GuardMiddleware:
    """Last line of defence: an unexpected exception becomes a logged, bare JSON 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            logger.exception("%s %s failed", scope.get("method"), scope.get("path"))
            if not started:
                await _send_json(send, 500, error_payload(500, "internal server error"))


class BodyLimitMiddleware:
    """Refuse request bodies larger than ``limit`` bytes with a 413, declared or streamed."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared > limit:
                    exc = PayloadTooLarge(declared, limit)
                    await _send_json(
                        send, 413, error_payload(413, str(exc), code="payload_too_large")
                    )
                    return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise PayloadTooLarge(seen, limit)
            return message

        await self.app(scope, counted, send)
