"""The REST API application: ``create_app`` builds it; nothing is built at import time.

Run it with uvicorn's factory mode, which reads the settings from the environment
(``ZHENGMING_*``) and builds the services when the server starts::

    uvicorn --factory zhengming.entrypoints.api.app:create_app

Tests and embedders pass their own services: ``create_app(build_services(settings))``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

import zhengming
from zhengming.bootstrap import Services, build_services
from zhengming.entrypoints.api import (
    customers,
    duplicates,
    health,
    merges,
    review,
    search,
    transfers,
)
from zhengming.entrypoints.api.errors import error_responses, install_error_handlers
from zhengming.entrypoints.api.limits import BodySizeLimit
from zhengming.entrypoints.api.transfers import UPLOAD_PATHS
from zhengming.settings import Settings

API_PREFIX = "/api/v1"


def create_app(services: Services | None = None, *, settings: Settings | None = None) -> FastAPI:
    """The API application.

    Args:
        services: the services to serve; the caller keeps ownership and closes them. When
            omitted, they are built from ``settings`` when the app starts (its lifespan) and
            closed when it stops.
        settings: the installation's settings when ``services`` is omitted; default: read from
            the environment now.

    Raises:
        TypeError: both ``services`` and ``settings`` were given.
    """
    if services is not None and settings is not None:
        raise TypeError("give create_app services or settings, not both")
    resolved = services.settings if services is not None else (settings or Settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if services is not None:
            yield
            return
        # Opening the database and applying migrations block: keep them off the event loop.
        built = await run_in_threadpool(build_services, resolved)
        app.state.services = built
        try:
            yield
        finally:
            app.state.services = None
            built.close()

    app = FastAPI(
        title="zhengming",
        summary="正名: customer names and customer master data",
        version=zhengming.__version__,
        openapi_url="/openapi.json",
        lifespan=lifespan,
        responses=error_responses({500: "`zhengming.error`: an unexpected error (logged)"}),
    )
    app.state.services = services
    install_error_handlers(app)
    app.add_middleware(
        BodySizeLimit,
        max_bytes=resolved.max_request_bytes,
        upload_paths={f"{API_PREFIX}{path}": resolved.max_upload_bytes for path in UPLOAD_PATHS},
    )
    for module in (customers, duplicates, merges, review, search, transfers, health):
        app.include_router(module.router, prefix=API_PREFIX)
    return app
