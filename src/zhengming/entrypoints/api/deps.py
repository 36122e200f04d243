"""What routes receive besides their input: the services, the acting user, the expected version.

Routes declare them with the aliases ``ServicesDep``, ``CurrentActor``, ``RequiredVersion`` and
``ExpectedVersion``; tests replace :func:`current_actor` through ``app.dependency_overrides``.
The dependencies are ``async`` because they never block: FastAPI runs a plain ``def`` dependency
in its thread pool, and each such hop cost about a millisecond per request (measured).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, cast
from urllib.parse import unquote

from fastapi import Depends, Header, Request

from zhengming.bootstrap import Services
from zhengming.domain.customer import SYSTEM, AccessScope, Actor
from zhengming.entrypoints.api.errors import PRECONDITION_REQUIRED, HttpError
from zhengming.errors import InvalidInputError, PermissionDeniedError

#: Identity headers set by a trusted reverse proxy (values may be percent-encoded UTF-8).
USER_HEADER = "X-Zhengming-User"
TEAM_HEADER = "X-Zhengming-Team"
SCOPE_HEADER = "X-Zhengming-Scope"
ROLE_HEADER = "X-Zhengming-Role"
#: The role value that makes the actor an administrator (who may override merge guards).
ADMIN_ROLE = "admin"
#: Versions are database integers; longer digit strings are not versions.
_MAX_VERSION_DIGITS = 18


async def get_services(request: Request) -> Services:
    """The services built by ``create_app`` (or by its lifespan)."""
    services = getattr(request.app.state, "services", None)
    if services is None:
        raise RuntimeError("the API's services are not built: run the app with its lifespan")
    return cast(Services, services)


ServicesDep = Annotated[Services, Depends(get_services)]


async def current_actor(request: Request, services: ServicesDep) -> Actor:
    """Who is acting.

    Until authentication arrives this is :data:`SYSTEM`, unless the installation trusts a reverse
    proxy's identity headers (setting ``trust_user_header``): then ``X-Zhengming-User``,
    ``X-Zhengming-Team``, ``X-Zhengming-Scope`` (own, team or all; default own) and
    ``X-Zhengming-Role`` name the user (see :func:`actor_from_headers`).
    """
    if not services.settings.trust_user_header:
        return SYSTEM
    return actor_from_headers(request.headers)


CurrentActor = Annotated[Actor, Depends(current_actor)]


def actor_from_headers(headers: Mapping[str, str]) -> Actor:
    """The actor named by a trusted proxy's identity headers.

    ``X-Zhengming-User`` names the user (required); ``X-Zhengming-Team`` the team;
    ``X-Zhengming-Scope`` what they may see (own, team or all; default own). ``X-Zhengming-Role:
    admin`` (any case) makes them an administrator, who may override merge guards (merge two
    different credit codes, with a reason); any other role, or none, does not. The proxy must
    strip these headers from what clients send.

    Example:
        >>> actor_from_headers({"X-Zhengming-User": "li", "X-Zhengming-Role": "admin"}).admin
        True

    Raises:
        PermissionDeniedError: the user header is missing or empty.
        InvalidInputError: the scope header is not own, team or all.
    """
    username = _header(headers, USER_HEADER)
    if not username:
        raise PermissionDeniedError(
            f"缺少用户标识 / the {USER_HEADER} header is missing",
            details={"header": USER_HEADER},
        )
    scope_text = (_header(headers, SCOPE_HEADER) or AccessScope.OWN.value).lower()
    try:
        scope = AccessScope(scope_text)
    except ValueError:
        raise InvalidInputError(
            f"{SCOPE_HEADER} 必须是 own、team 或 all / must be own, team or all",
            details={"header": SCOPE_HEADER, "value": scope_text},
        ) from None
    return Actor(
        username=username,
        scope=scope,
        team=_header(headers, TEAM_HEADER) or None,
        admin=_header(headers, ROLE_HEADER).lower() == ADMIN_ROLE,
    )


async def expected_version(
    if_match: Annotated[
        str | None,
        Header(
            description='The version read (the ETag, e.g. "3"); the change fails with 409 '
            "customer.version_conflict if the record changed since.",
            max_length=100,
        ),
    ] = None,
) -> int | None:
    """The version in ``If-Match``, or ``None`` when the header is absent."""
    return None if if_match is None else parse_version(if_match)


ExpectedVersion = Annotated[int | None, Depends(expected_version)]


async def required_version(version: ExpectedVersion) -> int:
    """The version in ``If-Match``; without it the change is refused (428)."""
    if version is None:
        raise HttpError(
            428,
            PRECONDITION_REQUIRED,
            '需要 If-Match 头（记录的版本号）/ this change needs an If-Match: "<version>" header',
            details={"header": "If-Match"},
        )
    return version


RequiredVersion = Annotated[int, Depends(required_version)]


def parse_version(value: str) -> int:
    """A version from an ``If-Match`` value: ``"3"``, ``W/"3"`` or a bare ``3``.

    Example:
        >>> parse_version('"3"'), parse_version("3"), parse_version('W/"3"')
        (3, 3, 3)
    """
    text = value.strip().removeprefix("W/").strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    if not (text.isascii() and text.isdigit() and len(text) <= _MAX_VERSION_DIGITS):
        raise InvalidInputError(
            'If-Match 必须是一个版本号 / If-Match must be one version, e.g. "3"',
            details={"header": "If-Match", "value": value[:100]},
        )
    return int(text)


def etag(version: int) -> str:
    """The ETag of a record version, as ``If-Match`` expects it back."""
    return f'"{version}"'


def _header(headers: Mapping[str, str], name: str) -> str:
    return unquote(headers.get(name, "")).strip()
