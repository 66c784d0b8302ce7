"""A real browser against the production server: sign up, log in, create, edit, delete.

Headless Chromium through Playwright: PLAYWRIGHT_CHROMIUM_EXECUTABLE when set, else Playwright's
own (`uv run playwright install chromium`), else a system Chromium (e.g. Debian's chromium).
Screenshots of each page go to ARTIFACTS_DIR (default .artifacts/screenshots).
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Error, Page, Playwright, expect, sync_playwright

PROJECT_ROOT = Path(__file__).resolve().parent.parent
COMMAND = [
    str(Path(sys.executable).parent / "gunicorn"),
    "--config",
    "gunicorn.conf.py",
    "flask_full_stack.wsgi:app",
]
# Flags for a container or CI runner: no sandbox (no user namespaces), no GPU, no phoning home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = Path(os.environ.get("ARTIFACTS_DIR", PROJECT_ROOT / ".artifacts" / "screenshots"))


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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def server(app: Flask) -> Iterator[str]:
    """The Dockerfile's command on a loopback port, in production mode, on the test database."""
    port = _free_port()
    env = dict(
        os.environ,
        HOST="127.0.0.1",
        PORT=str(port),
        WEB_CONCURRENCY="1",
        ENVIRONMENT="production",
        SECRET_KEY="browser-test-" + "k" * 40,
    )
    process = subprocess.Popen(
        COMMAND, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                output = process.stdout.read().decode() if process.stdout else ""
                pytest.fail(f"gunicorn exited with {process.returncode}:\n{output}")
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("gunicorn did not answer /health within 30 s")
                time.sleep(0.1)
        yield base
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=15)
        if process.stdout:
            process.stdout.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium; fails (never skips) when no browser can be started."""
    with sync_playwright() as playwright:
        executable = chromium_executable(playwright)
        try:
            chromium = playwright.chromium.launch(
                executable_path=executable, headless=True, args=CHROMIUM_ARGS
            )
        except Error as exc:
            pytest.fail(
                f"Chromium ({executable or 'bundled with Playwright'}) did not start. Run `uv"
                f" run playwright install chromium` or set PLAYWRIGHT_CHROMIUM_EXECUTABLE.\n{exc}"
            )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context (no cookies) per test."""
    context = browser.new_context()
    yield context.new_page()
    context.close()


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_sign_up_log_in_and_manage_items(server: str, page: Page) -> None:
    page.goto(f"{server}/auth/signup")
    _shot(page, "signup")
    page.get_by_label("Email").fill("grace@example.com")
    page.get_by_label("Password", exact=True).fill("a long passphrase")
    page.get_by_label("Repeat password").fill("a long passphrase")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("status")).to_contain_text("Welcome!")

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{server}/auth/login")
    _shot(page, "login")
    page.get_by_label("Email").fill("grace@example.com")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".error")).to_have_text("Wrong email or password")
    page.get_by_label("Password").fill("a long passphrase")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{server}/items")

    page.get_by_role("link", name="New item").click()
    page.get_by_label("Name").fill("teapot")
    page.get_by_label("Description").fill("short and stout")
    _shot(page, "item-new")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("cell", name="teapot")).to_be_visible()
    _shot(page, "items")

    page.get_by_role("link", name="Edit").click()
    expect(page.get_by_label("Name")).to_have_value("teapot")
    page.get_by_label("Name").fill("kettle")
    _shot(page, "item-edit")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("cell", name="kettle")).to_be_visible()

    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("No items yet.")).to_be_visible()
    _shot(page, "items-empty")


def test_items_page_sends_a_visitor_to_log_in(server: str, page: Page) -> None:
    page.goto(f"{server}/items")
    expect(page).to_have_url(f"{server}/auth/login?next=%2Fitems")
    expect(page.get_by_role("status")).to_contain_text("Please log in")
