"""The one server `zhengming serve` runs: the REST API and the web UI on shared services.

The two front doors never import each other; this module composes them, and starts the
nightly duplicate scan (``scheduler.py``) with the server. Requests under
``/api/`` (and the OpenAPI document and its viewers) go to the API, everything else to the web
UI, so an unknown API path still answers JSON and an unknown page still answers HTML.

Run by uvicorn as a factory: ``uvicorn --factory zhengming.entrypoints.server:create_server``.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from zhengming.bootstrap import Services, build_services
from zhengming.entrypoints.api import create_app
from zhengming.entrypoints.scheduler import NightlyScan
from zhengming.entrypoints.web import create_web_app
from zhengming.settings import Settings

_API_PREFIXES = ("/api/", "/openapi.json", "/docs", "/redoc")


class Server:
    """An ASGI app that routes by path prefix and closes the services on shutdown."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.api: ASGIApp = create_app(services)
        self.web: ASGIApp = create_web_app(services)
        self.nightly_scan = NightlyScan(services)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        path: str = scope.get("path", "")
        target = self.api if path == "/api" or path.startswith(_API_PREFIXES) else self.web
        await target(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.nightly_scan.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.nightly_scan.stop()
                self.services.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


def create_server(settings: Settings | None = None) -> Server:
    """Build the services (applying pending migrations) and the app that serves them."""
    return Server(build_services(settings or Settings()))
