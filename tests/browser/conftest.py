"""A real app server on 127.0.0.1 and Debian's chromium driven by playwright.

The app is started with `streamlit run dashboard/app.py` on a copy of the seeded database,
exactly as users start it; screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@dataclass(frozen=True)
class AppServer:
    url: str
    db_url: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def app_server(_seeded_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """The app served on 127.0.0.1 over a private copy of the sample database."""
    db = tmp_path_factory.mktemp("browser") / "app.db"
    shutil.copy(_seeded_template, db)
    yield from serve(db)


def serve(db: Path) -> Iterator[AppServer]:
    """`streamlit run dashboard/app.py` on the SQLite file db until the generator is closed."""
    db_url = f"sqlite:///{db}"
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": db_url, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    log = open(db.parent / "streamlit.log", "w")  # noqa: SIM115 - closed at teardown
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard/app.py", "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            log.close()
            raise RuntimeError(f"streamlit did not start: {(db.parent / 'streamlit.log').read_text()[-2000:]}")
        time.sleep(0.3)
    yield AppServer(base, db_url)
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
    log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser) -> Iterator[object]:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN", accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    context.close()


def wait_ready(page) -> None:  # type: ignore[no-untyped-def]
    """Wait until Streamlit has finished running the script and drawn every chart.

    The app root carries `data-test-script-state`; "notRunning" once a run has finished. A click
    can leave it "notRunning" for a moment before the rerun starts, so callers that act wait for
    the element their action brings (see `sign_in`) rather than relying on timing.
    """
    page.wait_for_selector('[data-testid="stAppViewContainer"]', state="visible")
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => document.querySelector('[data-testid=\"stApp\"]')?.dataset.testScriptState === 'notRunning'"
        " && !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " && !document.querySelector('[data-testid=\"stSkeleton\"]')"
        " && [...document.querySelectorAll('[data-testid=\"stVegaLiteChart\"]')]"
        "      .every(c => c.querySelector('canvas, svg'))",
        timeout=60_000,
    )
    page.wait_for_timeout(300)


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    """The whole page: Streamlit scrolls inside its own container, so grow the viewport to fit it."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    size = page.viewport_size
    height = page.evaluate(
        "() => Math.max(...['stMain', 'stSidebarContent', 'stAppViewContainer']"
        "  .map(id => document.querySelector(`[data-testid=\"${id}\"]`)?.scrollHeight || 0))"
    )
    if height > size["height"]:
        page.set_viewport_size({"width": size["width"], "height": min(height + 40, 12_000)})
        wait_ready(page)
    page.screenshot(path=str(path), full_page=True)
    if height > size["height"]:
        page.set_viewport_size(size)
    return path


def sign_in(page, base: str, username: str, password: str, path: str = "login") -> None:  # type: ignore[no-untyped-def]
    """Sign in through the login form and wait until the signed-in sidebar has been drawn."""
    page.goto(f"{base}/{path}")
    wait_ready(page)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("button", name="退出登录").wait_for(state="visible")
    wait_ready(page)


def no_error_box(page) -> None:  # type: ignore[no-untyped-def]
    """Fail on any Streamlit exception or error element on the page."""
    errors = page.locator('[data-testid="stException"]')
    assert errors.count() == 0, errors.first.inner_text()
