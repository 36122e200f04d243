"""The request-body size limit, as a pure ASGI middleware.

A pure middleware (not Starlette's ``BaseHTTPMiddleware``) sees the body as it streams in, so it
can refuse a body without a Content-Length (chunked) as soon as it passes the limit, without
buffering it first.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from zhengming.entrypoints.api.errors import describe, too_large

__all__ = ["BodySizeLimit"]


class BodySizeLimit:
    """Answers 413 ``input.too_large`` to request bodies over ``max_bytes``.

    A declared ``Content-Length`` over the limit is refused before the app runs. Otherwise the
    bytes are counted as the app reads them; the first chunk past the limit raises the 413 error,
    which the app's error handler renders like any other.

    ``upload_paths`` maps the exact paths that take file uploads to their own, larger limit:
    every other path keeps the small one, so no JSON route ever buffers an upload-sized body.
    """

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, upload_paths: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_paths = dict(upload_paths or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.upload_paths.get(scope.get("path", ""), self.max_bytes)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(limit, scope, receive, send)
            return
        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise too_large(limit)
            return message

        await self.app(scope, counted_receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            # Servers reject a malformed Content-Length; if one gets here, count the bytes.
            return int(text) if text.isascii() and text.isdigit() else None
    return None


async def _refuse(limit: int, scope: Scope, receive: Receive, send: Send) -> None:
    status, body, _ = describe(too_large(limit))
    await JSONResponse(body, status_code=status)(scope, receive, send)
