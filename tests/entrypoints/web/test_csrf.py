"""Every POST of the web UI needs the session's CSRF token; without it nothing happens."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from tests.entrypoints.web.conftest import BYTEDANCE, Browser, text_of
from zhengming.bootstrap import Services
from zhengming.domain.customer import SYSTEM
from zhengming.entrypoints.web.app import PAGES
from zhengming.services.ports import CustomerFilter


def _post_paths() -> list[str]:
    paths = []
    for module in PAGES:
        for route in module.router.routes:
            if isinstance(route, APIRoute) and "POST" in route.methods:
                path = route.path.replace("{ref}", "C1")
                paths.append(path.replace("{cluster_id}", "1").replace("{merge_id}", "1"))
    return sorted(paths)


def test_the_ui_has_the_post_routes_this_test_knows() -> None:
    assert _post_paths() == [
        "/customers/C1/edit",
        "/customers/check",
        "/customers/new",
        "/login",
        "/logout",
        "/merges/1/undo",
        "/review/1/merge",
        "/review/1/not-duplicate",
        "/review/1/related",
        "/review/scan",
    ]


@pytest.mark.parametrize("token", [None, "", "wrong-token"])
def test_every_post_without_the_right_token_is_refused(
    app: FastAPI, browser: Browser, token: str | None
) -> None:
    for path in _post_paths():
        data = {"name": BYTEDANCE} if token is None else {"name": BYTEDANCE, "csrf_token": token}
        response = browser.client.post(path, data=data, follow_redirects=False)
        assert response.status_code == 403, path
        assert "表单已过期" in text_of(response.text)


def test_a_refused_registration_writes_nothing(browser: Browser, services: Services) -> None:
    response = browser.post("/customers/new", {"name": BYTEDANCE}, csrf=False)
    assert response.status_code == 403
    page = services.customers.list(actor=SYSTEM, filters=CustomerFilter(status=None))
    assert page.total == 0


def test_another_sessions_token_is_refused(app: FastAPI, browser: Browser) -> None:
    with TestClient(app) as other_client:
        other = Browser(other_client)
        other.login("bob")
        response = browser.client.post(
            "/customers/new", data={"name": BYTEDANCE, "csrf_token": other.token}
        )
    assert response.status_code == 403


def test_htmx_sends_the_token_as_a_header(browser: Browser) -> None:
    response = browser.client.post(
        "/customers/check",
        data={"name": BYTEDANCE},
        headers={"HX-Request": "true", "X-CSRF-Token": browser.token},
    )
    assert response.status_code == 200
    page = browser.get("/customers")
    assert f'"X-CSRF-Token": "{browser.token}"' in page.text.replace("&#34;", '"')


def test_logging_in_changes_the_token(anonymous: Browser) -> None:
    anonymous.get("/login")
    before = anonymous.token
    anonymous.login("alice")
    assert anonymous.token
    assert anonymous.token != before
