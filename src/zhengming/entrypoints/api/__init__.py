"""The REST API (FastAPI): a thin adapter over the services, under ``/api/v1``.

Routes parse the request, make one service call and return its result; errors are answered as
``{code, message, details}`` by one handler (``errors.py``). OpenAPI is at ``/openapi.json``.
"""

from zhengming.entrypoints.api.app import create_app

__all__ = ["create_app"]
