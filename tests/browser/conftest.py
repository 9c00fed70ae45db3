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
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from tests.conftest import close_counted

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every browser test is `browser` and `slow` (an app server and chromium): `-m "not slow"` skips them."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)


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
    yield from serve_url(f"sqlite:///{db}", db.parent / "streamlit.log")


def serve_url(db_url: str, log_path: Path) -> Iterator[AppServer]:
    """`streamlit run dashboard/app.py` on the database at db_url, its output in log_path, until closed."""
    port = _free_port()
    SERVER_LOGS.append(log_path)
    env = {**os.environ, "DATABASE_URL": db_url, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard/app.py", "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    listening = threading.Event()

    def copy_log() -> None:  # to the log file, noting the line Streamlit prints once it listens
        with open(log_path, "w") as log:
            for line in proc.stdout:  # type: ignore[union-attr]
                log.write(line)
                log.flush()
                if base in line:
                    listening.set()
        listening.set()  # the server exited: stop waiting, the health check below says why

    threading.Thread(target=copy_log, daemon=True).start()
    listening.wait(timeout=60)
    try:
        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=5) as r:
            healthy = r.status == 200
    except OSError:
        healthy = False
    if not healthy:
        os.killpg(proc.pid, signal.SIGKILL)
        raise RuntimeError(f"streamlit did not start: {log_path.read_text()[-2000:]}")
    try:
        yield AppServer(base, db_url)
    finally:  # on close() too, which is how a test stops one server early
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        close_counted(b.close)  # chromium's processes exit unreaped by this one: keep their CPU in the report


# Counts, in the page, the script runs Streamlit reports finished over its websocket. A run ends
# with a ForwardMsg whose `script_finished` (an enum, so a varint) says how; a run cut short by
# st.rerun() ends "early for rerun" and is not counted, the run it starts is. Each document gets
# its own id, so a navigation (goto, reload) counts afresh. Field number and statuses come from
# Streamlit's own protobuf module.
FINISHED_FIELD = ForwardMsg.DESCRIPTOR.fields_by_name["script_finished"].number
FINISHED_RUNS = sorted(v for name, v in ForwardMsg.ScriptFinishedStatus.items() if name != "FINISHED_EARLY_FOR_RERUN")
RUN_COUNTER = """
(() => {
  const Native = window.WebSocket;
  window.__streamlitDoc = Math.random();
  window.__streamlitRuns = 0;
  const finishedStatus = (buffer) => {  // the top-level fields of one ForwardMsg
    const b = new Uint8Array(buffer);
    let i = 0;
    const varint = () => {
      let v = 0, m = 1, x;
      do { x = b[i++]; v += (x & 0x7f) * m; m *= 128; } while (x & 0x80);
      return v;
    };
    while (i < b.length) {
      const key = varint(), field = Math.floor(key / 8), wire = key % 8;
      if (wire === 0) { const v = varint(); if (field === FINISHED_FIELD) return v; }
      else if (wire === 2) { const length = varint(); i += length; }  // not i += varint(): i is read first
      else if (wire === 1) i += 8;
      else if (wire === 5) i += 4;
      else return -1;
    }
    return -1;
  };
  // What a failed wait reports (`script_run`): the socket's state, what went each way, how runs ended.
  window.__streamlitTraffic = {sockets: 0, sent: 0, received: 0, closed: 0, endings: [], socket: null};
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      const traffic = window.__streamlitTraffic;
      traffic.sockets += 1;
      traffic.socket = this;
      this.addEventListener("close", () => { traffic.closed += 1; });
      this.addEventListener("message", (event) => {
        traffic.received += 1;
        const status = event.data instanceof ArrayBuffer ? finishedStatus(event.data) : -1;
        if (status >= 0) traffic.endings.push([status, Math.round(performance.now())]);
        if (FINISHED_RUNS.includes(status)) window.__streamlitRuns += 1;
      });
    }
    send(data) {
      window.__streamlitTraffic.sent += 1;
      return super.send(data);
    }
  };
})();
""".replace("FINISHED_FIELD", str(FINISHED_FIELD)).replace("FINISHED_RUNS", str(FINISHED_RUNS))


VIEWPORT = {"width": 1400, "height": 1000}
FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[pytest.TestReport]:
    """Note a browser test's failure (setup or call), so `page` does not hand its tab on."""
    report = yield
    if report.failed:
        item.stash[FAILED] = True
    return report


@pytest.fixture(scope="session")
def _tab() -> Iterator[list[object]]:
    """The tab `page` hands from test to test in this process (a list: a failed test's tab is replaced)."""
    tab: list[object] = []
    yield tab
    for pg in tab:
        pg.context.close()  # type: ignore[attr-defined]


@pytest.fixture
def page(browser, _tab: list[object], request: pytest.FixtureRequest) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A tab as the tests' reader has it (`new_page`), signed out, 1400×1000, kept for the next test of this
    process. A new tab costs chromium 2-3.5 s of CPU more than opening a URL in a tab already open (a renderer
    process to start, Streamlit's scripts to compile, the CJK fonts to load): as much as the rest of a test
    opening one page. Each test still meets the app as a new reader: it opens its URL with `goto` (a new
    document and a new Streamlit session), the context's cookies are cleared first (a sign-in's session
    with them), and what the page stored for its origin (Streamlit keeps the sidebar's width and state
    there) is cleared afterwards. After a failed test the tab is closed and the next test gets a new one."""
    if not _tab:
        _tab.append(new_page(browser))
    pg = _tab[0]
    pg.context.clear_cookies()  # type: ignore[attr-defined]
    pg.set_viewport_size(VIEWPORT)  # type: ignore[attr-defined]
    yield pg
    if request.node.stash.get(FAILED, False) or pg.is_closed():  # type: ignore[attr-defined]
        _tab.pop().context.close()  # type: ignore[attr-defined]
        return
    try:
        pg.evaluate("() => { localStorage.clear(); sessionStorage.clear(); }")  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - a page that cannot be cleared is not handed on
        _tab.pop().context.close()  # type: ignore[attr-defined]


def new_page(browser, **options):  # type: ignore[no-untyped-def]
    """A page in a context of its own as the tests' reader has it: 1400×1000, Chinese, the script runs
    counted (`script_run`), 30 s waits; options go to the context (cookies to start with, say). Close
    its context when done. Tests take the `page` fixture unless they need a browser of their own (a
    second reader at the same time, cookies of their own kept across the test's readers)."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", accept_downloads=True, **options)
    context.add_init_script(RUN_COUNTER)
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    return pg


@pytest.fixture(scope="session")
def admin(app_server: AppServer) -> tuple[str, str]:
    """An admin account on the shared app server: (username, password)."""
    ensure_user(app_server.db_url, "browser-admin", "admin", "browser-password")
    return "browser-admin", "browser-password"


@pytest.fixture(scope="session")
def admin_state(browser, app_server: AppServer, admin: tuple[str, str]) -> dict:  # type: ignore[no-untyped-def]
    """The cookies of a signed-in admin: a context made with them opens every page signed in."""
    page = new_page(browser)
    sign_in(page, app_server.url, *admin)
    page.wait_for_function("() => document.cookie.includes('perf_session=')")
    state = page.context.storage_state()
    page.context.close()
    return state  # type: ignore[no-any-return]


@contextmanager
def script_run(page) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Around an action that makes Streamlit run the script (a click, an upload, a page load):
    afterwards wait until that run has finished and the page is drawn (`wait_ready`).

    The browser's script state alone cannot tell: right after a click it still reads "notRunning"
    from the last run until the server's answer arrives. The websocket says when the run is over.
    """
    before = page.evaluate("() => [window.__streamlitDoc ?? null, window.__streamlitRuns ?? 0]")
    yield
    try:
        page.wait_for_function(
            "([doc, runs]) => window.__streamlitDoc === doc ? window.__streamlitRuns > runs"
            " : window.__streamlitRuns > 0", arg=before, timeout=60_000)
    except Exception as error:  # say what the page and the servers saw: a run that never finished
        raise AssertionError(f"no script run finished within 60 s after the action on {page.url}\n"
                             + page_state(page, before) + "\n" + server_logs()) from error
    wait_ready(page)


def page_state(page, before) -> str:  # type: ignore[no-untyped-def]
    """For a failure message: the page's websocket traffic and script state, with a screenshot kept."""
    try:
        state = page.evaluate("""() => {
          const t = window.__streamlitTraffic ?? {};
          return {runs: window.__streamlitRuns, doc: window.__streamlitDoc, sockets: t.sockets,
                  socket_state: t.socket?.readyState,
                  sent: t.sent, received: t.received, closed: t.closed, endings: (t.endings ?? []).slice(-6),
                  now: Math.round(performance.now()),
                  script: document.querySelector('[data-testid="stApp"]')?.dataset.testScriptState,
                  status: document.querySelector('[data-testid="stStatusWidget"]')?.innerText ?? null}; }""")
        state["runs_before"] = before[1]
        state["same_document"] = state.pop("doc") == before[0]
        shot = screenshot(page, f"failure-{int(time.time())}")
        return f"page: {state}\nscreenshot: {shot}"
    except Exception as error:  # noqa: BLE001 - a report on a page that is gone must not hide the failure
        return f"page state unavailable: {error}"


SERVER_LOGS: list[Path] = []  # the log file of every app server this worker started


def server_logs(lines: int = 30) -> str:
    """The last lines of each app server's log, for a failure message."""
    return "\n".join(f"--- {log} ---\n" + "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
                     for log in SERVER_LOGS if log.exists())


def click(page, target) -> None:  # type: ignore[no-untyped-def]
    """Click a control that makes Streamlit run the script, and wait for that run (`script_run`).

    Twice in CI a click on 公开, just below a multiselect whose list had closed, brought no run in 60 s.
    Where the browser turned the click into no message to the server at all (nothing sent on the
    websocket within 10 s), it is clicked once more, as a reader would. A click that did reach the server
    and brought no run still fails, with the page's traffic and the servers' logs."""
    sent = page.evaluate("() => window.__streamlitTraffic.sent")
    with script_run(page):
        target.click()
        try:
            page.wait_for_function("(sent) => window.__streamlitTraffic.sent > sent", arg=sent, timeout=10_000)
        except PlaywrightTimeoutError:
            print(f"a click on {target} sent nothing to the server in 10 s: clicked again", file=sys.stderr)
            target.click()


def goto(page, url: str) -> None:  # type: ignore[no-untyped-def]
    """Open url and wait for its first script run to be drawn."""
    with script_run(page):
        page.goto(url)


def wait_ready(page) -> None:  # type: ignore[no-untyped-def]
    """Wait until the page shows a finished run: script state "notRunning", nothing stale, every chart
    and visible table drawn, fonts loaded and a frame painted. After an action, wait with `script_run` instead: it
    waits for the run the action brings first.
    """
    page.wait_for_function(
        "() => document.querySelector('[data-testid=\"stApp\"]')?.dataset.testScriptState === 'notRunning'"
        " && !document.querySelector('[data-stale=\"true\"]')"
        " && !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " && !document.querySelector('[data-testid=\"stSkeleton\"]')"
        " && [...document.querySelectorAll('[data-testid=\"stVegaLiteChart\"]')]"
        "      .every(c => c.querySelector('canvas, svg'))"
        # a table is drawn once its grid holds its header row (cells follow in the same render)
        " && [...document.querySelectorAll('[data-testid=\"stDataFrame\"]')]"
        "      .every(d => !d.checkVisibility() || d.querySelector('[role=\"columnheader\"]'))",
        timeout=60_000,
    )
    page.evaluate("() => document.fonts.ready.then(() => new Promise(done =>"
                  " requestAnimationFrame(() => requestAnimationFrame(done))))")


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
    """Open base/path, sign in through its login form and wait until the signed-in sidebar has been drawn."""
    goto(page, f"{base}/{path}")
    sign_in_here(page, username, password)


def sign_in_here(page, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    """Sign in through the login form the page shows (after a sign-out, say) and wait until the signed-in
    sidebar has been drawn."""
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    with script_run(page):
        page.get_by_role("button", name="登录").click()
    page.get_by_role("button", name="退出登录").wait_for(state="visible")


def ensure_user(db_url: str, username: str, role: str, password: str) -> None:
    """The account on the served database, created unless a test of this worker already did (a module's
    fixtures can be set up twice on one worker when the two workers share a file's tests)."""
    from sqlalchemy import func, select
    from sqlmodel import Session

    from data_access.auth import create_user
    from data_access.db import make_engine
    from data_access.models import User

    engine = make_engine(db_url)
    with Session(engine) as session:
        if session.execute(select(User.id).where(func.lower(User.username) == username.lower())).first() is None:
            create_user(session, username, role, password)
    engine.dispose()


def no_error_box(page) -> None:  # type: ignore[no-untyped-def]
    """Fail on any Streamlit exception or error element on the page."""
    errors = page.locator('[data-testid="stException"]')
    assert errors.count() == 0, errors.first.inner_text()
