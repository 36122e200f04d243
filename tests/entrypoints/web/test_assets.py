"""Every asset comes from the package itself (no CDN), unchanged, with safe headers."""

from __future__ import annotations

import hashlib
import re

import pytest

from tests.entrypoints.web.conftest import Browser
from zhengming.entrypoints.web.app import STATIC
from zhengming.entrypoints.web.rendering import TEMPLATES
from zhengming.entrypoints.web.security import CONTENT_SECURITY_POLICY

VENDORED = STATIC.parent / "VENDORED.md"


def test_htmx_is_the_vendored_file_unchanged() -> None:
    recorded = re.search(r"`([0-9a-f]{64})`", VENDORED.read_text())
    assert recorded, "VENDORED.md records the SHA-256 of htmx.min.js"
    assert hashlib.sha256((STATIC / "htmx.min.js").read_bytes()).hexdigest() == recorded.group(1)
    assert "Zero-Clause BSD" in (STATIC / "htmx.LICENSE.txt").read_text()


@pytest.mark.parametrize(
    ("name", "media_type"),
    [("htmx.min.js", "javascript"), ("app.js", "javascript"), ("app.css", "text/css")],
)
def test_assets_are_served_from_the_package(anonymous: Browser, name: str, media_type: str) -> None:
    response = anonymous.get(f"/static/{name}")
    assert response.status_code == 200
    assert media_type in response.headers["content-type"]
    assert response.content == (STATIC / name).read_bytes()


def test_pages_load_nothing_from_other_sites() -> None:
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", text), template
        assert "<script>" not in text, f"inline script in {template} (the CSP forbids it)"
        assert " style=" not in text, f"inline style in {template} (the CSP forbids it)"
    assert not re.search(r"https?://", (STATIC / "app.css").read_text())


def test_pages_carry_the_security_headers(browser: Browser) -> None:
    response = browser.get("/customers")
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"


def test_htmx_is_told_to_work_under_the_csp(browser: Browser) -> None:
    page = browser.get("/customers").text
    assert '"includeIndicatorStyles": false' in page
    assert '"allowEval": false' in page
