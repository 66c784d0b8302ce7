"""The pages in a real headless Chromium, against the production command on a loopback port."""

import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Error,
    Page,
    Playwright,
    expect,
    sync_playwright,
)
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import create_async_engine

from fastapi_full_stack.config import get_settings
from fastapi_full_stack.db import Base

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS_DIR = Path(os.environ.get("ARTIFACTS_DIR", PROJECT_ROOT / ".artifacts" / "screenshots"))
# Flags for a container or CI runner: no sandbox (no user namespaces), no GPU, no phoning home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SERVER_START_SECONDS = 30
EMAIL = "grace@example.com"
PASSWORD = "a long enough password"  # noqa: S105 - a test account


# Where a system Chromium usually lives when Playwright's own download is not installed.
SYSTEM_CHROMIUMS = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "/usr/bin/chromium",
    "/snap/bin/chromium",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
)


def chromium_executable(playwright: Playwright) -> str | None:
    """PLAYWRIGHT_CHROMIUM_EXECUTABLE, else Playwright's own browser (None), else a system one."""
    configured = os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE")
    if configured:
        if not Path(configured).is_file():
            pytest.fail(f"PLAYWRIGHT_CHROMIUM_EXECUTABLE={configured} does not exist")
        return configured
    if Path(playwright.chromium.executable_path).is_file():
        return None
    for candidate in SYSTEM_CHROMIUMS:
        found = shutil.which(candidate)
        if found:
            return found
    # Fail, never skip: a browser test that silently does not run proves nothing.
    pytest.fail(
        "No Chromium found: run `uv run playwright install chromium`, install your system's"
        " chromium package, or set PLAYWRIGHT_CHROMIUM_EXECUTABLE to a Chromium binary"
    )


def production_command() -> list[str]:
    """The Dockerfile's last CMD: the browser tests run exactly what production runs."""
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    command: list[str] = json.loads(re.findall(r"^CMD (\[.*\])$", dockerfile, re.MULTILINE)[-1])
    return command


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_healthy(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"server exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=1) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"server not healthy after {SERVER_START_SECONDS}s:\n{log.read_text()}")


async def _empty_tables() -> None:
    # The server wrote through its own pool; clean up through a throwaway engine.
    engine = create_async_engine(get_settings().database_url)
    try:
        async with engine.begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                await conn.execute(delete(table))
    finally:
        await engine.dispose()


def _server_env(port: int) -> dict[str, str]:
    env = {
        **os.environ,
        # The venv's scripts (uvicorn), even when pytest was started without activating it.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "ENVIRONMENT": "production",
        "SECRET_KEY": "browser-test-" + "s" * 40,
        "ALLOWED_HOSTS": "localhost,127.0.0.1",
        "UVICORN_HOST": "127.0.0.1",
        "UVICORN_PORT": str(port),
        "WEB_CONCURRENCY": "1",
    }
    # The tests' own settings turn rate limiting off; the server keeps the production default.
    env.pop("RATE_LIMIT", None)
    return env


def test_production_command_refuses_to_start_without_secret_key() -> None:
    env = _server_env(_free_port())
    del env["SECRET_KEY"]
    result = subprocess.run(  # noqa: S603 - our own Dockerfile's command
        production_command(),
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=SERVER_START_SECONDS,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set in the environment in production" in result.stderr


@pytest.fixture(scope="module")
def live_server(_migrated: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The production command serving the test database on a free loopback port."""
    port = _free_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    env = _server_env(port)
    _run_async_cleanup()  # rows a crashed earlier run may have left
    with log.open("wb") as out:
        server = subprocess.Popen(  # noqa: S603 - our own Dockerfile's command
            production_command(), cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        # localhost, not 127.0.0.1: Chromium keeps Secure cookies over plain HTTP only there.
        url = f"http://localhost:{port}"
        _wait_until_healthy(url, server, log)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)
        _run_async_cleanup()


def _run_async_cleanup() -> None:
    # In a thread: Playwright's sync API keeps an event loop running on this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, _empty_tables()).result()


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    """Playwright's driver, for the module."""
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Headless Chromium: the configured one, Playwright's own, or the system's."""
    executable = chromium_executable(playwright)
    try:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
    except Error as exc:
        # Fail, never skip: a browser test that silently does not run proves nothing.
        pytest.fail(
            f"Chromium ({executable or 'bundled with Playwright'}) did not start. Run"
            f" `uv run playwright install chromium` or set PLAYWRIGHT_CHROMIUM_EXECUTABLE.\n{exc}"
        )
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Browser, live_server: str) -> Iterator[Page]:
    """A fresh browser context (no cookies) whose console errors fail the test."""
    context = browser.new_context(base_url=live_server)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []

    def record(message: ConsoleMessage) -> None:
        # A form shown again with its errors is a 422 on purpose; anything else is a defect.
        if message.type == "error" and "status of 422" not in message.text:
            errors.append(message.text)

    page.on("console", record)
    yield page
    context.close()
    # A CSP violation or a missing asset shows up as a console error.
    assert errors == []


def screenshot(page: Page, name: str) -> None:
    """Save the whole page to ARTIFACTS_DIR/<name>.png."""
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS_DIR / f"{name}.png", full_page=True)


def sign_up(page: Page, email: str) -> None:
    """Create an account through the sign-up page."""
    page.goto("/auth/signup")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/items$"))


def test_sign_up_log_in_and_manage_items(page: Page) -> None:
    page.goto("/auth/signup")
    expect(page.get_by_role("heading", name="Sign up")).to_be_visible()
    screenshot(page, "signup")
    sign_up(page, EMAIL)
    expect(page.get_by_role("status")).to_have_text("Welcome! Your account is ready.")

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/auth/login$"))
    expect(page.get_by_role("status")).to_have_text("You are logged out.")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    screenshot(page, "login")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/items$"))
    expect(page.get_by_text("No items yet.")).to_be_visible()

    page.get_by_role("link", name="New item").first.click()
    page.get_by_label("Name").fill("Teapot")
    page.get_by_label("Description").fill("Short and stout")
    screenshot(page, "item-new")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("status")).to_have_text("Created 'Teapot'.")
    expect(page.get_by_role("cell", name="Short and stout")).to_be_visible()
    screenshot(page, "items")

    page.get_by_role("link", name="Edit").click()
    expect(page.get_by_label("Name")).to_have_value("Teapot")
    page.get_by_label("Name").fill("Kettle")
    screenshot(page, "item-edit")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("cell", name="Kettle", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="Teapot")).to_have_count(0)

    page.get_by_role("button", name="Delete Kettle").click()
    expect(page.get_by_role("status")).to_have_text("Item deleted.")
    expect(page.get_by_text("No items yet.")).to_be_visible()


def test_form_errors_show_next_to_fields(page: Page) -> None:
    sign_up(page, "errors@example.com")
    page.goto("/items/new")
    page.get_by_role("button", name="Create").click()
    expect(page.locator("#name-error")).to_have_text("String should have at least 1 character")
    expect(page.get_by_label("Name")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "item-errors")


def test_pages_need_login_in_the_browser(page: Page) -> None:
    page.goto("/items")
    expect(page).to_have_url(re.compile(r"/auth/login\?next=%2Fitems$"))
    expect(page.get_by_role("status")).to_have_text("Please log in to see that page.")


def test_session_cookie_flags_in_production(page: Page) -> None:
    sign_up(page, "cookie@example.com")
    [cookie] = [c for c in page.context.cookies() if c["name"] == "session"]
    assert (cookie["httpOnly"], cookie["secure"], cookie["sameSite"]) == (True, True, "Lax")
