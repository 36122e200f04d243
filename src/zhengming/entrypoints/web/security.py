"""Sessions, CSRF tokens, the session secret and the security headers of every page.

The session is a cookie signed by Starlette's ``SessionMiddleware`` (itsdangerous); it holds the
username and the CSRF token, nothing else. Every POST must carry that token, as the hidden form
field ``csrf_token`` or, for htmx requests, the ``X-CSRF-Token`` header; a missing or wrong token
is refused with 403 before the route runs.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from zhengming.errors import SettingsError
from zhengming.settings import Settings

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SESSION_COOKIE = "zhengming_session"
#: Seconds a login lasts without a new one (a working day and a half).
SESSION_MAX_AGE = 12 * 3600
SECRET_FILE = "secret_key"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

#: Everything comes from our own origin; htmx is configured not to need inline styles or eval.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)


class CsrfRefusedError(Exception):
    """A POST without the session's CSRF token (answered with 403)."""


def secret_key(settings: Settings) -> str:
    """The key that signs session cookies.

    The ``secret_key`` setting when the installation has one; otherwise a random key kept in
    ``<data_dir>/secret_key`` (created on first use, readable by its owner only), so sessions
    survive restarts and every process of one installation signs alike.

    Raises:
        SettingsError: the key file cannot be created or read, or is empty.
    """
    if settings.secret_key is not None and settings.secret_key.get_secret_value():
        return settings.secret_key.get_secret_value()
    return _key_file(settings.data_dir / SECRET_FILE)


def write_private_file(path: Path, text: str) -> bool:
    """Create ``path`` with mode 0600 holding ``text``; False when it already exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())
    return True


def _key_file(path: Path) -> str:
    try:
        write_private_file(path, secrets.token_urlsafe(48) + "\n")
        key = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise SettingsError(
            f"无法读写会话密钥文件 / cannot create or read the session key: {path}",
            details={"path": str(path)},
        ) from exc
    if len(key) < 32:
        raise SettingsError(
            f"会话密钥文件为空或过短 / the session key file is empty or too short: {path}",
            details={"path": str(path)},
        )
    return key


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get("csrf")
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def renew_session(request: Request, username: str) -> None:
    """Log ``username`` in: a fresh session and a fresh CSRF token (no session fixation)."""
    request.session.clear()
    request.session["user"] = username
    request.session["csrf"] = secrets.token_urlsafe(32)


async def require_csrf(request: Request) -> None:
    """Refuse an unsafe request whose CSRF token is not the session's.

    Raises:
        CsrfRefusedError: the token is missing or wrong (or the session has none).
    """
    if request.method in _SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        # Cached by Starlette: the route reads the same parsed form afterwards.
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    expected = request.session.get("csrf")
    if not (
        isinstance(expected, str)
        and expected
        and sent
        and hmac.compare_digest(expected.encode(), sent.encode())
    ):
        raise CsrfRefusedError


def safe_next(target: str | None, default: str) -> str:
    """``target`` when it is a path on this site, else ``default`` (no open redirects)."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith(("//", "/\\"))
        or any(c in target for c in "\r\n\t")
    ):
        return default
    return target


class SecurityHeaders:
    """Adds the Content-Security-Policy and friends to every response of the web UI."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in _HEADERS:
                    if name not in present:
                        headers.append((name, value))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]
