"""Logging in and out, and choosing the language."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zhengming.entrypoints.web.i18n import COOKIE, LANGUAGES, N_
from zhengming.entrypoints.web.rendering import (
    current_user,
    path_for,
    redirect,
    render,
    web_state,
)
from zhengming.entrypoints.web.security import renew_session, safe_next
from zhengming.errors import PermissionDeniedError

router = APIRouter()
#: A year: the language is a preference, not a secret.
LANGUAGE_MAX_AGE = 365 * 24 * 3600


@router.get("/", name="home", dependencies=[Depends(current_user)])
def home(request: Request) -> RedirectResponse:
    return redirect(request, "customer_list")


@router.get("/login", name="login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", next=safe_next(next, ""), username="", error=None)


@router.post("/login", name="login_submit", response_class=HTMLResponse)
def login_submit(
    request: Request,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        user = web_state(request).users.login(username, password)
    except PermissionDeniedError:
        return render(
            request,
            "login.html",
            status_code=401,
            next=safe_next(next, ""),
            username=username,
            error=N_("Wrong username or password."),
        )
    renew_session(request, user.username)
    target = safe_next(next, path_for(request, "customer_list"))
    return RedirectResponse(target, status_code=303)


@router.post("/logout", name="logout")
def logout(request: Request) -> RedirectResponse:
    request.session.clear()
    return redirect(request, "login")


@router.get("/lang/{lang}", name="set_language")
def set_language(request: Request, lang: str, next: str | None = None) -> RedirectResponse:
    """Remember the language in the ``lang`` cookie and go back to the page it was chosen on."""
    response = RedirectResponse(safe_next(next, path_for(request, "home")), status_code=303)
    if lang in LANGUAGES:
        response.set_cookie(
            COOKIE,
            lang,
            max_age=LANGUAGE_MAX_AGE,
            path=request.scope.get("root_path", "") or "/",
            samesite="lax",
        )
    return response
