"""/docs and /redoc of every service, rendered by a real headless Chromium with no network:
each page shows the sample resource's operations, and every request it makes stays on 127.0.0.1;
on the services with auth, Swagger UI's Authorize button lets a protected operation through.

Needs Debian's `chromium` package (/usr/bin/chromium) and the `playwright` Python package, which
drives that browser; `playwright install` is never run (it would download a browser).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.contract.conftest import Service

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.xdist_group("contract")]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ITEM_OPERATIONS = [
    ("GET", "/api/v1/items"),
    ("POST", "/api/v1/items"),
    ("GET", "/api/v1/items/{item_id}"),
    ("PUT", "/api/v1/items/{item_id}"),
    ("DELETE", "/api/v1/items/{item_id}"),
]
RENDER_TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install it with `apt-get install -y chromium`")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the playwright package is missing: pip install -e '.[dev]'")
    profile = tempfile.mkdtemp(prefix="apiseed-chromium-")
    try:
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                profile, executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS
            )
            yield context
            context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


class PageVisit:
    """Open one page; record every request, and refuse any that would leave the machine."""

    def __init__(self, browser: Any, url: str) -> None:
        self.requested: list[str] = []
        self.refused: list[str] = []
        self.errors: list[str] = []
        self.page = browser.new_page()
        self.page.route("**/*", self._route)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        response = self.page.goto(url, wait_until="load")
        assert response is not None and response.status == 200, url

    def _route(self, route: Any) -> None:
        url = route.request.url
        self.requested.append(url)
        if url.startswith(("http://127.0.0.1:", "data:", "blob:")):
            route.continue_()
        else:
            self.refused.append(url)
            route.abort()

    def close(self) -> None:
        self.page.close()


@pytest.fixture
def visit(browser: Any) -> Iterator[Any]:
    visits: list[PageVisit] = []

    def open_page(url: str) -> PageVisit:
        visits.append(PageVisit(browser, url))
        return visits[-1]

    yield open_page
    for page in visits:
        page.close()


def test_swagger_ui_shows_the_operations_offline(services: list[Service], visit: Any) -> None:
    for service in services:
        page = visit(f"{service.url}/docs")
        page.page.wait_for_selector(".opblock-tag-section", timeout=RENDER_TIMEOUT_MS)
        page.page.wait_for_selector(".opblock", timeout=RENDER_TIMEOUT_MS)

        paths = page.page.locator(".opblock-summary-path").all_inner_texts()
        methods = page.page.locator(".opblock-summary-method").all_inner_texts()
        operations = sorted(zip(methods, (p.replace("\u200b", "") for p in paths), strict=True))
        health = [("GET", "/health/live"), ("GET", "/health/ready")]
        assert operations == sorted(health + ITEM_OPERATIONS), service.name
        assert page.refused == [], f"{service.name} /docs tried to leave the machine"
        assert page.errors == [], service.name
        assert any(url.endswith("/openapi.json") for url in page.requested), service.name


def test_redoc_shows_the_operations_offline(services: list[Service], visit: Any) -> None:
    for service in services:
        page = visit(f"{service.url}/redoc")
        page.page.wait_for_function(
            "document.body.innerText.includes('/api/v1/items/{item_id}')",
            timeout=RENDER_TIMEOUT_MS,
        )

        # ReDoc 2 (FastAPI's assets) and 3 (Flask's) lay out differently; both show each
        # operation as its method next to its path.
        text = page.page.inner_text("body")
        for method, path in ITEM_OPERATIONS:
            shown = re.compile(rf"\b{method}\s+{re.escape(path)}(?![/\w])", re.IGNORECASE)
            assert shown.search(text), (service.name, method, path)
        assert page.refused == [], f"{service.name} /redoc tried to leave the machine"
        assert page.errors == [], service.name
        assert any(url.endswith("/openapi.json") for url in page.requested), service.name


def execute_list_items(page: Any) -> str:
    """Try GET /api/v1/items from Swagger UI; the status it shows."""
    operation = "#operations-items-listItems"
    page.click(f"{operation} .opblock-summary")
    page.click(f"{operation} button.try-out__btn")
    page.click(f"{operation} button.execute")
    status = page.wait_for_selector(
        f"{operation} .live-responses-table tr.response .response-col_status",
        timeout=RENDER_TIMEOUT_MS,
    )
    return str(status.inner_text()).strip()


def test_swagger_ui_authorizes_and_calls_a_protected_operation(
    services: list[Service], visit: Any
) -> None:
    for service in services:
        if service.auth == "none":
            continue
        refused = visit(f"{service.url}/docs").page
        refused.wait_for_selector(".opblock", timeout=RENDER_TIMEOUT_MS)
        assert execute_list_items(refused) == "401", service.name

        page = visit(f"{service.url}/docs")
        page.page.wait_for_selector(".opblock", timeout=RENDER_TIMEOUT_MS)
        page.page.click("button.authorize")
        # One scheme: the key, or the token without "Bearer " (Swagger UI adds it).
        (credential,) = service.credentials.values()
        page.page.fill(".auth-container input", credential.removeprefix("Bearer "))
        page.page.click(".auth-btn-wrapper button.authorize")
        page.page.click(".auth-btn-wrapper button.btn-done")

        assert execute_list_items(page.page) == "200", service.name
        assert page.refused == [], service.name
        assert page.errors == [], service.name
