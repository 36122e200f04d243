"""What every page shares: the app's state, the logged-in user, links, and rendering a template.

Templates are Jinja2 with autoescaping always on: whatever a user typed is shown as text. Links
are built from route names and the app's mount point (``scope["root_path"]``), so the UI works
at the root of a server or mounted under a prefix beside the REST API.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, cast
from urllib.parse import urlencode

import jinja2
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from markupsafe import Markup

import zhengming
from zhengming.bootstrap import Services
from zhengming.domain.names.regions import default_index
from zhengming.entrypoints.web.i18n import COOKIE, HTML_LANG, Translator, translator
from zhengming.entrypoints.web.security import CSRF_FIELD, csrf_token
from zhengming.errors import PermissionDeniedError
from zhengming.services.users import User, UserService

TEMPLATES = Path(__file__).resolve().parent / "templates"
#: Shown when the installation names no time zone (proposed setting ``time_zone``).
DEFAULT_TIME_ZONE = "Asia/Shanghai"


class LoginRequiredError(Exception):
    """The page needs a logged-in user (answered with a redirect to the login page)."""


@dataclass
class WebState:
    """What the routes of one web app share."""

    services: Services
    users: UserService
    templates: jinja2.Environment
    time_zone: datetime.tzinfo = field(default=datetime.UTC)


def web_state(request: Request) -> WebState:
    return cast(WebState, request.app.state.web)


def build_templates() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["region_name"] = region_name
    return environment


def time_zone(services: Services) -> datetime.tzinfo:
    name = services.settings.time_zone or DEFAULT_TIME_ZONE
    try:
        return zoneinfo.ZoneInfo(str(name))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return datetime.UTC


def current_user(request: Request) -> User:
    """The logged-in, active user.

    Raises:
        LoginRequiredError: nobody is logged in, or the user was deactivated or removed.
    """
    username = request.session.get("user")
    user = web_state(request).users.find(username) if isinstance(username, str) else None
    if user is None or not user.active:
        request.session.pop("user", None)
        raise LoginRequiredError
    return user


CurrentUser = Annotated[User, Depends(current_user)]


async def editing_user(user: CurrentUser) -> User:
    """The logged-in user, who must be allowed to register and change customers.

    Raises:
        PermissionDeniedError: the user's role only reads.
    """
    if not user.role.can_edit_customers:
        raise PermissionDeniedError(
            "只读用户不能修改客户 / read-only users cannot change customers",
            details={"username": user.username, "role": user.role.value},
        )
    return user


EditingUser = Annotated[User, Depends(editing_user)]


def language(request: Request) -> Translator:
    return translator(request.cookies.get(COOKIE) or "")


def path_for(
    request: Request, name: str, /, query: Mapping[str, Any] | None = None, **params: Any
) -> str:
    """The path of route ``name`` as the browser must ask for it, with an optional query."""
    root = str(request.scope.get("root_path", ""))
    path = root + str(request.app.url_path_for(name, **params))
    if query:
        pairs = [(key, value) for key, value in query.items() if value not in (None, "")]
        if pairs:
            path += "?" + urlencode(pairs)
    return path


def current_url(request: Request) -> str:
    """The path and query of this request, for ``next=`` links."""
    url = request.url.path
    return f"{url}?{request.url.query}" if request.url.query else url


def flash(request: Request, msgid: str, /, **values: str) -> None:
    """Show ``msgid`` (translated) on the next page rendered for this session."""
    request.session.setdefault("flash", []).append([msgid, values])


def localized(message: str, lang: str) -> str:
    """One language of a service message written as ``中文 / English``."""
    chinese, separator, english = message.partition(" / ")
    if not separator:
        return message
    return english if lang == "en" else chinese


def redirect(request: Request, name: str, /, **params: Any) -> RedirectResponse:
    """303 See Other to route ``name``: the answer to a successful form POST."""
    return RedirectResponse(path_for(request, name, **params), status_code=303)


def render(
    request: Request,
    template: str,
    /,
    *,
    status_code: int = 200,
    user: User | None = None,
    **context: Any,
) -> HTMLResponse:
    """The page ``template`` with the context every template may use."""
    state = web_state(request)
    t = language(request)
    messages = request.session.pop("flash", []) if "session" in request.scope else []
    token = csrf_token(request) if "session" in request.scope else ""
    zone = state.time_zone

    def when(value: datetime.datetime | str | None) -> str:
        return format_time(value, zone)

    body = state.templates.get_template(template).render(
        request=request,
        user=user,
        lang=t.lang,
        html_lang=HTML_LANG[t.lang],
        _=t.gettext,
        ngettext=t.ngettext,
        flashes=[t.gettext(message, **values) for message, values in messages],
        csrf_token=token,
        csrf_field=Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, token),
        path=lambda name, query=None, **params: path_for(request, name, query, **params),
        static=lambda name: path_for(request, "static", path=name) + f"?v={zhengming.__version__}",
        here=current_url(request),
        when=when,
        **context,
    )
    response = HTMLResponse(body, status_code=status_code)
    # Pages show customer data: never keep them in shared or back-button caches.
    response.headers["Cache-Control"] = "no-store"
    return response


def format_time(value: datetime.datetime | str | None, zone: datetime.tzinfo) -> str:
    """A stored (naive UTC) time in the installation's time zone, to the minute."""
    if value is None or value == "":
        return ""
    moment = datetime.datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def region_name(code: str | None) -> str:
    """The name of a GB/T 2260 division code (``110000`` -> 北京市), or the code itself."""
    if not code:
        return ""
    region = default_index().get(code)
    return region.name if region else code
