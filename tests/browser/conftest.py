"""Browser tests: a real uvicorn server on a free port, driven by Debian's Chromium.

Never downloads a browser: Playwright launches ``/usr/bin/chromium``. Without it the tests are
skipped, except where ``ZHENGMING_REQUIRE_BROWSER=1`` (CI), where they fail instead.

Screenshots go to ``$ZHENGMING_SCREENSHOT_DIR`` when it is set (``docs/screenshots`` to refresh
the ones the README shows), else to a temporary directory, so a test run leaves the working tree
as it was.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from argon2 import PasswordHasher
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from zhengming.bootstrap import Services, build_services
from zhengming.domain.customer import SYSTEM, AccessScope, CustomerType, NameType
from zhengming.entrypoints.web import create_web_app
from zhengming.services.commands import AliasInput, ContactInput, CustomerCreate
from zhengming.services.users import Role, UserService
from zhengming.settings import Settings
from zhengming.storage.users import user_store_factory

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
USER = "wangfang"
PASSWORD = "zhengming-demo-1"


@dataclass(frozen=True)
class Seed:
    """A customer already in the registry when the browser arrives."""

    name: str
    owner: str | None
    type: CustomerType
    tags: tuple[str, ...] = ()
    aliases: tuple[tuple[str, NameType], ...] = ()
    contact: ContactInput | None = None


SEEDS = [
    Seed("深圳市腾讯计算机系统有限公司", "lisi", CustomerType.CUSTOMER, ("重点",)),
    Seed("阿里巴巴（中国）有限公司", USER, CustomerType.VIP, ("重点", "电商")),
    Seed("华为技术有限公司", "lisi", CustomerType.PARTNER),
    Seed("北京京东世纪贸易有限公司", USER, CustomerType.CUSTOMER, ("电商",)),
    Seed("北京三快在线科技有限公司", None, CustomerType.PROSPECT, (), (("美团", NameType.BRAND),)),
    Seed(
        "小米科技有限责任公司",
        USER,
        CustomerType.CUSTOMER,
        ("重点", "硬件"),
        (("小米科技", NameType.SHORT), ("Xiaomi Inc.", NameType.ENGLISH)),
        ContactInput(name="刘洋", phone="13800138000", title="采购经理"),
    ),
]


@pytest.fixture(autouse=True)
def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("ZHENGMING_REQUIRE_BROWSER") == "1":
        pytest.fail(f"ZHENGMING_REQUIRE_BROWSER=1, but {CHROMIUM} is not installed", pytrace=False)
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")


@dataclass
class LiveServer:
    url: str
    services: Services
    users: UserService


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _seed(services: Services) -> None:
    for seed in SEEDS:
        services.customers.register(
            CustomerCreate(
                name=seed.name,
                owner=seed.owner,
                team="华北" if seed.owner else None,
                type=seed.type,
                aliases=[AliasInput(name=name, type=kind) for name, kind in seed.aliases],
                contacts=[seed.contact] if seed.contact else [],
                tags=list(seed.tags),
                source="展会",
            ),
            actor=SYSTEM,
        )


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The web UI on a fresh SQLite database, served by uvicorn in a thread."""
    data_dir = tmp_path_factory.mktemp("live")
    services = build_services(Settings(data_dir=data_dir))
    users = UserService(
        user_store_factory(services.database),
        hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
    )
    users.add_user(
        USER, PASSWORD, role=Role.SALES, scope=AccessScope.TEAM, team="华北", display_name="王芳"
    )
    _seed(services)
    port = _free_port()
    config = uvicorn.Config(
        create_web_app(services, users=users), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    yield LiveServer(f"http://127.0.0.1:{port}", services, users)
    server.should_exit = True
    thread.join(timeout=10)
    services.close()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    configured = os.environ.get("ZHENGMING_SCREENSHOT_DIR")
    path = Path(configured) if configured else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


NewPage = Callable[..., Page]


@pytest.fixture
def new_page(chromium: Browser, live_server: LiveServer) -> Iterator[NewPage]:
    """Opens a page in a fresh browser context (no cookies) of the given viewport size."""
    contexts: list[BrowserContext] = []

    def open_page(width: int = 1366, height: int = 768, *, login: bool = True) -> Page:
        context = chromium.new_context(
            viewport={"width": width, "height": height},
            base_url=live_server.url,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(5000)
        if login:
            page.goto("/login")
            page.fill("#username", USER)
            page.fill("#password", PASSWORD)
            page.click("button.primary")
            page.wait_for_url("**/customers")
        return page

    yield open_page
    for context in contexts:
        context.close()
