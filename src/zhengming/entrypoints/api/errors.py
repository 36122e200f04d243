"""The one place where errors become HTTP answers.

Every error the API answers is JSON ``{code, message, details}`` (:class:`ErrorPublic`), whatever
raised it. One function, :func:`render_error`, is registered for every source::

    source                               status  code
    ZhengmingError (the library)         its own http_status and code
    RequestValidationError               422     input.invalid  (unknown field, wrong type,
                                                                 malformed JSON; details.errors)
    HttpError (raised by this package)   its own: input.too_large (413),
                                                  precondition.required (428)
    HTTPException (routing, body read)   404 not_found, 405 method_not_allowed,
                                         400 -> 422 input.invalid
    anything else                        500     zhengming.error (logged, no traceback sent)

The codes in :data:`HTTP_ERROR_CODES` belong to the HTTP layer: the library never raises them, so
they are not ``ZhengmingError`` classes, but they are as stable and documented as those.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from zhengming.errors import InvalidInputError, NotFoundError, ZhengmingError

logger = logging.getLogger("zhengming.api")

TOO_LARGE = "input.too_large"
PRECONDITION_REQUIRED = "precondition.required"
METHOD_NOT_ALLOWED = "method_not_allowed"

#: Codes only the HTTP layer answers with: code -> (status, meaning).
HTTP_ERROR_CODES: dict[str, tuple[int, str]] = {
    TOO_LARGE: (
        413,
        "The request body is larger than the max_request_bytes setting (max_upload_bytes for "
        "a file upload).",
    ),
    PRECONDITION_REQUIRED: (
        428,
        'The change needs an If-Match: "<version>" header (the ETag of the record read).',
    ),
    METHOD_NOT_ALLOWED: (405, "The path exists but not with this HTTP method."),
}

#: Code and message for the HTTP errors Starlette and FastAPI raise themselves.
_HTTP_STATUS = {
    404: (NotFoundError.code, "没有这个地址 / no such route"),
    405: (METHOD_NOT_ALLOWED, "该地址不支持此方法 / method not allowed"),
    413: (TOO_LARGE, "请求体过大 / the request body is too large"),
    422: (InvalidInputError.code, "请求体无法解析 / the request body cannot be parsed"),
}


class ErrorPublic(BaseModel):
    """How every error is answered."""

    code: str = Field(description="stable error code (docs/reference/errors.md)")
    message: str = Field(description="what went wrong, Chinese first")
    details: dict[str, Any] = Field(default_factory=dict, description="machine-readable context")


class HttpError(HTTPException):
    """An error of the HTTP exchange itself, with a code like the library's errors.

    It is an ``HTTPException`` so that FastAPI lets it through while reading a body (the size
    limit is enforced there) instead of turning it into a generic 400.
    """

    def __init__(
        self,
        status_code: int,
        code: str,
        message: str,
        *,
        details: dict[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(status_code, detail=message, headers=headers)
        self.code = code
        self.message = message
        self.details: dict[str, Any] = details or {}

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


def too_large(limit: int) -> HttpError:
    """The answer to a body over ``limit`` bytes."""
    return HttpError(
        413,
        TOO_LARGE,
        f"请求体过大：最多 {limit} 字节 / the request body is larger than {limit} bytes",
        details={"max_bytes": limit},
    )


def describe(exc: Exception) -> tuple[int, dict[str, Any], Mapping[str, str] | None]:
    """The status, ``{code, message, details}`` body and headers answering ``exc``."""
    if isinstance(exc, ZhengmingError):
        return exc.http_status, exc.to_dict(), None
    if isinstance(exc, RequestValidationError):
        return InvalidInputError.http_status, _invalid_request(exc), None
    if isinstance(exc, HttpError):
        return exc.status_code, exc.to_dict(), exc.headers
    if isinstance(exc, HTTPException):
        return _http_exception(exc)
    internal = ZhengmingError("服务器内部错误 / internal server error")
    return internal.http_status, internal.to_dict(), None


async def render_error(request: Request, exc: Exception) -> JSONResponse:
    """The one exception handler: every error as ``{code, message, details}``."""
    status, body, headers = describe(exc)
    if status >= 500:
        # The traceback goes to the log, never to the caller.
        logger.error(
            "%s answering %s %s", body["code"], request.method, request.url.path, exc_info=exc
        )
    # jsonable_encoder: details may carry dates or enums; rendering an error must never fail.
    content = jsonable_encoder(body)
    return JSONResponse(content, status_code=status, headers=dict(headers) if headers else None)


def install_error_handlers(app: FastAPI) -> None:
    """Route every exception the app can meet to :func:`render_error`."""
    for source in (ZhengmingError, RequestValidationError, HTTPException, Exception):
        app.add_exception_handler(source, render_error)


def error_responses(described: Mapping[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for a route: status -> the codes it may answer with, as ErrorPublic.

    Example:
        ``responses=error_responses({404: "`not_found`", 409: "`customer.version_conflict`"})``
    """
    return {
        status: {"model": ErrorPublic, "description": text} for status, text in described.items()
    }


def _invalid_request(exc: RequestValidationError) -> dict[str, Any]:
    errors = [
        {"loc": list(error.get("loc", ())), "msg": error.get("msg", ""), "type": error.get("type")}
        for error in exc.errors()
    ]
    if any(error["type"] == "json_invalid" for error in errors):
        message = "请求体不是有效的 JSON / the request body is not valid JSON"
    else:
        first = errors[0] if errors else {"loc": [], "msg": ""}
        where = ".".join(str(part) for part in first["loc"])
        message = f"请求无效 / invalid request: {where}: {first['msg']}"
    return InvalidInputError(message, details={"errors": errors}).to_dict()


def _http_exception(exc: HTTPException) -> tuple[int, dict[str, Any], Mapping[str, str] | None]:
    status, headers = exc.status_code, exc.headers
    if status == 400:
        # FastAPI's "error parsing the body" (e.g. bytes that are not UTF-8): malformed input,
        # answered like malformed JSON.
        status = InvalidInputError.http_status
    code, message = _HTTP_STATUS.get(
        status, (InvalidInputError.code if status < 500 else ZhengmingError.code, str(exc.detail))
    )
    # A 405's Allow header passes through as Starlette sets it; it names the methods of the first
    # route matching the path only, so it is not repeated in the details as if it were complete.
    return status, {"code": code, "message": message, "details": {}}, headers
