"""Logging in and out, the session cookie, the first admin and the session key."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.entrypoints.web.conftest import Browser, fast_hasher, text_of
from zhengming.bootstrap import Services
from zhengming.entrypoints.web import create_web_app
from zhengming.entrypoints.web.app import INITIAL_PASSWORD_FILE
from zhengming.entrypoints.web.security import SECRET_FILE, SESSION_COOKIE, safe_next
from zhengming.services.users import INITIAL_ADMIN, Role, UserService
from zhengming.storage.users import user_store_factory

PROTECTED = ["/", "/customers", "/customers/new", "/customers/C1", "/customers/C1/edit"]


@pytest.mark.parametrize("path", PROTECTED)
def test_pages_need_a_login_and_come_back_after_it(anonymous: Browser, path: str) -> None:
    response = anonymous.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")

    login = anonymous.post(
        "/login",
        {"username": "alice", "password": "correct horse battery", "next": path},
        follow_redirects=False,
    )
    assert login.status_code == 303
    assert login.headers["location"] == path


def test_htmx_requests_are_sent_to_the_login_page_whole(anonymous: Browser) -> None:
    response = anonymous.post(
        "/customers/check",
        {"name": "字节跳动"},
        headers={"HX-Request": "true"},
        follow_redirects=False,
    )
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login?next=")


def test_a_wrong_password_is_refused_with_the_username_kept_and_escaped(
    anonymous: Browser,
) -> None:
    response = anonymous.post("/login", {"username": 'alice"><script>', "password": "nope"})
    assert response.status_code == 401
    assert "用户名或密码错误" in response.text
    assert 'value="alice&#34;&gt;&lt;script&gt;"' in response.text
    assert "<script>" not in response.text.split("</head>")[1]
    # An unknown user reads the same as a wrong password.
    unknown = anonymous.post("/login", {"username": "nobody", "password": "correct horse battery"})
    assert unknown.status_code == 401
    assert "用户名或密码错误" in text_of(unknown.text)


def test_login_sets_a_signed_http_only_lax_cookie(anonymous: Browser) -> None:
    response = anonymous.login("alice")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower()


def test_a_forged_session_cookie_is_not_a_login(client: TestClient) -> None:
    client.cookies.set(SESSION_COOKIE, "eyJ1c2VyIjogImFsaWNlIn0=.forged.signature")
    response = client.get("/customers", follow_redirects=False)
    assert response.status_code == 303


def test_logout_ends_the_session(browser: Browser) -> None:
    assert browser.get("/customers").status_code == 200
    response = browser.post("/logout", follow_redirects=False)
    assert response.status_code == 303
    assert browser.get("/customers", follow_redirects=False).status_code == 303


def test_a_deactivated_user_is_logged_out(browser: Browser, services: Services) -> None:
    with services.database.unit_of_work(write=True) as uow:
        uow.connection.exec_driver_sql("UPDATE app_user SET active = false WHERE username='alice'")
    assert browser.get("/customers", follow_redirects=False).status_code == 303
    assert browser.login("alice").status_code == 401


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/customers?q=1", "/customers?q=1"),
        ("https://evil.example/", "/home"),
        ("//evil.example/", "/home"),
        ("/\\evil.example", "/home"),
        ("/customers\r\nSet-Cookie: x", "/home"),
        ("", "/home"),
        (None, "/home"),
    ],
)
def test_next_only_goes_to_this_site(target: str | None, expected: str) -> None:
    assert safe_next(target, "/home") == expected


def test_first_start_creates_admin_with_a_private_password_file(
    services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    users = UserService(user_store_factory(services.database), hasher=fast_hasher())
    create_web_app(services, users=users)
    path = services.settings.data_dir / INITIAL_PASSWORD_FILE
    password = path.read_text().strip()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert password in capsys.readouterr().err
    admin = users.login(INITIAL_ADMIN, password)
    assert admin.role is Role.ADMIN
    # A second start finds users and creates nothing.
    create_web_app(services, users=users)
    assert path.read_text().strip() == password
    assert capsys.readouterr().err == ""

    with TestClient(create_web_app(services, users=users)) as client:
        browser = Browser(client)
        assert browser.login(INITIAL_ADMIN, password).status_code == 303
        assert browser.get("/customers").status_code == 200


def test_the_session_key_is_kept_in_a_private_file(services: Services, app: object) -> None:
    path: Path = services.settings.data_dir / SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = path.read_text()
    assert len(key.strip()) >= 32
    create_web_app(services, users=UserService(user_store_factory(services.database)))
    assert path.read_text() == key


def test_sessions_survive_a_restart_with_the_same_key(
    services: Services, users: UserService, browser: Browser
) -> None:
    cookies = dict(browser.client.cookies)
    with TestClient(create_web_app(services, users=users)) as restarted:
        restarted.cookies.update(cookies)
        assert restarted.get("/customers", follow_redirects=False).status_code == 200
