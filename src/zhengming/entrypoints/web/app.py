"""The web UI application: ``create_web_app(services)`` builds it; nothing happens at import.

Server-rendered pages (Jinja2) with htmx for the live parts; every asset is served from this
package under ``/static`` (no CDN). The app can run alone or be mounted beside the REST API::

    api = create_app(services)            # routes under /api/v1
    api.mount("/", create_web_app(services))

Building it prepares two files in the data directory on first start: the session key
(``secret_key``, unless the installation sets one) and, when there are no users yet, the
``admin`` account, whose random password is printed once to stderr and written to
``initial_admin_password`` (mode 0600).
"""

from __future__ import annotations

import sys
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from zhengming.bootstrap import Services
from zhengming.entrypoints.web import auth, customers, editing, registration, review
from zhengming.entrypoints.web.i18n import N_
from zhengming.entrypoints.web.rendering import (
    LoginRequiredError,
    WebState,
    build_templates,
    current_url,
    current_user,
    language,
    localized,
    path_for,
    render,
    time_zone,
)
from zhengming.entrypoints.web.security import (
    SESSION_COOKIE,
    SESSION_MAX_AGE,
    CsrfRefusedError,
    SecurityHeaders,
    require_csrf,
    secret_key,
    write_private_file,
)
from zhengming.errors import ZhengmingError
from zhengming.services.users import INITIAL_ADMIN, UserService

STATIC = Path(__file__).resolve().parent / "static"
#: The modules whose routers make the UI; "/customers/new" must be matched before
#: "/customers/{ref}", so registration comes before customers.
PAGES = (auth, registration, editing, customers, review)
INITIAL_PASSWORD_FILE = "initial_admin_password"


def create_web_app(services: Services, *, users: UserService | None = None) -> FastAPI:
    """The web UI on ``services`` (the caller keeps ownership and closes them).

    Args:
        services: built by ``zhengming.bootstrap.build_services``.
        users: the user service; default: ``services.users``.
    """
    users = users or services.users
    announce_initial_admin(services, users)
    app = FastAPI(
        title="zhengming web",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        # Every unsafe request, on every route, must carry the session's CSRF token.
        dependencies=[Depends(require_csrf)],
    )
    app.state.web = WebState(services, users, build_templates(), time_zone(services))
    https_only = services.settings.secure_cookies
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret_key(services.settings),
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE,
        same_site="lax",
        https_only=https_only,
    )
    app.add_middleware(SecurityHeaders)
    for module in PAGES:
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _install_error_pages(app)
    return app


def announce_initial_admin(services: Services, users: UserService) -> None:
    """Create the first ``admin`` on an installation without users, and tell its password."""
    password = users.ensure_initial_admin()
    if password is None:
        return
    path = services.settings.data_dir / INITIAL_PASSWORD_FILE
    path.unlink(missing_ok=True)
    write_private_file(path, password + "\n")
    print(
        f"zhengming: created user '{INITIAL_ADMIN}' with password {password}\n"
        f"zhengming: (also written to {path}; change it after logging in)",
        file=sys.stderr,
    )


def _install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(LoginRequiredError)
    async def login_required(request: Request, _: LoginRequiredError) -> Response:
        target = path_for(request, "login", {"next": current_url(request)})
        if request.headers.get("HX-Request") == "true":
            # htmx would swap the login page into a fragment: make it load the whole page.
            return Response(status_code=401, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(CsrfRefusedError)
    async def csrf_refused(request: Request, _: CsrfRefusedError) -> Response:
        message = N_(
            "This form has expired or was not sent from this site. Reload the page and try again."
        )
        return _error_page(request, 403, language(request).gettext(message))

    @app.exception_handler(ZhengmingError)
    async def service_error(request: Request, exc: ZhengmingError) -> Response:
        return _error_page(request, exc.http_status, localized(exc.message, language(request).lang))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        t = language(request)
        message = t.gettext(N_("Page not found.")) if exc.status_code == 404 else str(exc.detail)
        return _error_page(request, exc.status_code, message)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, _: RequestValidationError) -> Response:
        return _error_page(request, 400, language(request).gettext(N_("The request is invalid.")))


def _error_page(request: Request, status_code: int, message: str) -> HTMLResponse:
    try:
        # The header keeps its links for a logged-in user (a 404 is not a dead end).
        user = current_user(request) if "session" in request.scope else None
    except (LoginRequiredError, ZhengmingError):
        user = None
    return render(request, "error.html", status_code=status_code, user=user, message=message)
