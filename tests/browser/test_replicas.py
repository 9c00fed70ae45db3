"""Two app replicas behind nginx on one PostgreSQL, as docs/deployment.md sets them up.

nginx runs deploy/nginx.conf (only its ports changed) as the current user, with its pid, logs and
temporary files in tmp_path. The test shows, in Debian's chromium:
- the nginx cookie keeps a browser on one replica (every request of its page load, websocket included);
- a user signed in on one replica stays signed in when the route moves to the other one;
- two clerks importing at the same moment through different replicas lose no row;
- an upload committed through one replica shows on the other at once;
- when a replica stops, its users go on, signed in, on the other.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import Session, col

from dashboard.ui import money
from data_access.auth import create_user
from data_access.db import make_engine
from data_access.models import Department, Project, Region
from data_access.money import yuan_to_fen
from data_access.queries.kpis import kpis
from tests.browser.conftest import RUN_COUNTER, script_run, serve_url, sign_in
from tests.browser.test_upload import _cockpit_spent, _file
from tests.conftest import pg_seeded_copy

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
NGINX_CONF = ROOT / "deploy" / "nginx.conf"
PASSWORD = "replica-clerk-password"
ROWS = 300  # projects each clerk imports


def _nginx() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


@pytest.fixture(scope="module")
def pg_seeded(request: pytest.FixtureRequest) -> Iterator[str]:
    yield from pg_seeded_copy(request)


@dataclass(frozen=True)
class Proxy:
    url: str
    replicas: tuple[str, str]  # host:port of each replica, as nginx names them
    access_log: Path
    stop_replica: Callable[[int], None]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def nginx_config(tmp: Path, listen: int, upstreams: list[str]) -> Path:
    """deploy/nginx.conf with this run's ports, inside a main config that keeps everything in tmp."""
    snippet = NGINX_CONF.read_text(encoding="utf-8")
    servers = re.findall(r"^\s*server 127\.0\.0\.1:\d+;\n", snippet, flags=re.M)
    assert len(servers) == 2, "deploy/nginx.conf names two replicas"
    snippet = snippet.replace("".join(servers), "".join(f"    server {u};\n" for u in upstreams))
    snippet, n = re.subn(r"listen 80;", f"listen 127.0.0.1:{listen};", snippet)
    assert n == 1
    for d in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp / d).mkdir(exist_ok=True)
    user = "user root;\n" if os.geteuid() == 0 else ""  # as root nginx would hand its workers to nobody
    conf = tmp / "nginx.conf"
    conf.write_text(f"""{user}daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log info;
events {{ worker_connections 256; }}
http {{
    log_format route '$cookie_perf_route $upstream_addr $request_uri';
    access_log {tmp}/access.log route;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
{snippet}
}}
""", encoding="utf-8")
    return conf


def _get(port: int, path: str, cookie: str = "") -> bytes:
    """One request through nginx, read to the end of the connection: by then nginx has logged it."""
    header = f"Cookie: {cookie}\r\n" if cookie else ""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{header}Connection: close\r\n\r\n".encode())
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def _wait_listening(proc: subprocess.Popen[bytes], port: int, tmp: Path) -> None:
    """Until nginx answers on its port through to a replica; fail at once if it exits."""
    deadline = time.monotonic() + 30
    while True:
        try:
            assert b"200 OK" in _get(port, "/_stcore/health")
            return
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                raise
        try:
            proc.wait(timeout=0.05)  # doubles as the pause between two tries
        except subprocess.TimeoutExpired:
            continue
        raise RuntimeError(f"nginx exited: {(tmp / 'error.log').read_text()[-2000:]}")


@pytest.fixture(scope="module")
def proxy(pg_seeded: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    nginx = _nginx()
    if nginx is None:
        pytest.skip("nginx is not installed (scripts/test.sh installs Debian's nginx-light)")
    tmp = tmp_path_factory.mktemp("replicas")
    servers = [serve_url(pg_seeded, tmp / f"streamlit-{i}.log") for i in (1, 2)]
    apps = [next(s) for s in servers]
    upstreams = [a.url.removeprefix("http://") for a in apps]
    listen = _free_port()
    conf = nginx_config(tmp, listen, upstreams)
    proc = subprocess.Popen([nginx, "-p", str(tmp), "-c", str(conf), "-e", str(tmp / "error.log")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_listening(proc, listen, tmp)
        yield Proxy(f"http://127.0.0.1:{listen}", (upstreams[0], upstreams[1]), tmp / "access.log",
                    lambda i: servers[i].close())
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
        for s in servers:
            s.close()


def _upstream_of(proxy: Proxy, route: str) -> str:
    port = int(proxy.url.rsplit(":", 1)[1])
    _get(port, f"/_stcore/health?probe={route}", f"perf_route={route}")
    line = next(x for x in reversed(proxy.access_log.read_text().splitlines()) if f"probe={route}" in x)
    return line.split()[1]


def routes(proxy: Proxy) -> tuple[str, str]:
    """A perf_route cookie value that nginx sends to each replica."""
    found: dict[str, str] = {}
    for i in range(64):
        found.setdefault(_upstream_of(proxy, f"r{i}"), f"r{i}")
        if len(found) == 2:
            return found[proxy.replicas[0]], found[proxy.replicas[1]]
    raise AssertionError(f"64 routes all went to {found}")


def _page(browser, proxy: Proxy, route: str | None):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    context.add_init_script(RUN_COUNTER)
    if route:
        context.add_cookies([{"name": "perf_route", "value": route, "url": proxy.url}])
    page = context.new_page()
    page.set_default_timeout(60_000)
    return page


def _projects_csv(tmp: Path, name: str, region: str, department: str, prefix: str) -> Path:
    lines = ["项目编码,项目名称,预算单位,行政区,预算年度,调整后预算数（元）"]
    lines += [f"{prefix}{i:04d},{department}并发导入项目{i},{department},{region},2022,{1000 + i}" for i in range(ROWS)]
    path = tmp / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _to_preview(page, base: str, label: str, file: Path, valid: str) -> None:  # type: ignore[no-untyped-def]
    with script_run(page):
        page.locator('[data-testid="stSidebarNav"] a[href$="/upload"]').first.click()
    page.get_by_role("heading", name="数据填报").wait_for()
    kind = page.locator('[data-testid="stSelectbox"]').first
    if kind.get_by_role("combobox").input_value() != label:  # choosing the chosen kind again runs nothing
        kind.click()
        with script_run(page):
            page.get_by_role("option", name=label).click()
    with script_run(page):
        page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(file))
    page.get_by_text(valid).wait_for()


def _signed_in_cookie(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_function("() => document.cookie.includes('perf_session=')")


def test_two_replicas_behind_nginx(proxy: Proxy, pg_seeded: str, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(pg_seeded)
    with Session(engine) as s:
        for name in ("replica_clerk_1", "replica_clerk_2"):
            create_user(s, name, "finance", PASSWORD)
        huangpu = s.execute(select(Region).where(col(Region.name) == "黄埔区")).scalar_one()
        depts = s.execute(select(Department.name).where(col(Department.region_id) == huangpu.id)
                          .order_by(col(Department.id)).limit(2)).scalars().all()
        projects_before = s.execute(select(func.count()).select_from(Project)).scalar_one()
    route_1, route_2 = routes(proxy)

    # Sticky: a browser without a route gets one from nginx, and every request it makes afterwards
    # (the page, its scripts, the websocket) reaches the same replica.
    fresh = _page(browser, proxy, None)
    with script_run(fresh):
        fresh.goto(f"{proxy.url}/portal")
    route = next(c["value"] for c in fresh.context.cookies() if c["name"] == "perf_route")
    served = {line.split()[1] for line in proxy.access_log.read_text().splitlines() if line.startswith(f"{route} ")}
    assert len(served) == 1 and served <= set(proxy.replicas), served
    fresh.context.close()

    # Signed in through replica 1, still signed in when the browser's route moves to replica 2.
    a = _page(browser, proxy, route_1)
    sign_in(a, proxy.url, "replica_clerk_1", PASSWORD, path="upload")
    _signed_in_cookie(a)
    a.context.add_cookies([{"name": "perf_route", "value": route_2, "url": proxy.url}])
    with script_run(a):
        a.goto(f"{proxy.url}/upload")
    a.get_by_role("heading", name="数据填报").wait_for()
    assert a.get_by_text("已登录：replica_clerk_1").count() == 1
    assert a.get_by_label("密码").count() == 0
    served = {line.split()[1] for line in proxy.access_log.read_text().splitlines() if line.startswith(f"{route_2} ")}
    assert served == {proxy.replicas[1]}  # that page came from replica 2 (its websocket is logged once closed)
    a.context.add_cookies([{"name": "perf_route", "value": route_1, "url": proxy.url}])
    with script_run(a):
        a.goto(f"{proxy.url}/upload")
    a.get_by_role("heading", name="数据填报").wait_for()

    # Two clerks, one on each replica, confirm their imports at the same moment: no row is lost.
    b = _page(browser, proxy, route_2)
    sign_in(b, proxy.url, "replica_clerk_2", PASSWORD, path="upload")
    files = [_projects_csv(tmp_path, f"projects-{i}.csv", "黄埔区", dept, f"REPL{i}-")
             for i, dept in enumerate(depts, 1)]
    for page, file in ((a, files[0]), (b, files[1])):
        _to_preview(page, proxy.url, "项目预算", file, f"校验通过：{ROWS} 行数据可以提交。")
    with script_run(a), script_run(b):
        a.get_by_role("button", name="确认提交").click()
        b.get_by_role("button", name="确认提交").click()
    for page in (a, b):
        page.get_by_text(re.compile(rf"已提交（批次 #\d+）：新增 {ROWS} 条，更新 0 条")).wait_for()
    with Session(engine) as s:
        assert s.execute(select(func.count()).select_from(Project)).scalar_one() == projects_before + 2 * ROWS
        for i in (1, 2):
            assert s.execute(select(func.count()).where(col(Project.code).startswith(f"REPL{i}-"))).scalar_one() == ROWS

    # The cockpit on replica 2 shows a monitoring upload committed through replica 1 at once.
    shown_before = _cockpit_spent(b, proxy.url)
    a.context.close()  # a fresh page: after a commit the kind's list would not open in the test's browser
    a = _page(browser, proxy, route_1)
    sign_in(a, proxy.url, "replica_clerk_1", PASSWORD, path="upload")
    _to_preview(a, proxy.url, "执行监控（月报）", _file(tmp_path), "校验通过：1 行数据可以提交。")
    with script_run(a):
        a.get_by_role("button", name="确认提交").click()
    a.get_by_text(re.compile(r"已提交（批次 #\d+）：新增 0 条，更新 1 条")).wait_for()
    with Session(engine) as s:
        spent = kpis(session=s, year=2022, region="黄埔区", as_of=dt.date(2022, 12, 31))["execution"]["spent_total"]
    shown_after = _cockpit_spent(b, proxy.url)
    assert shown_after == money(yuan_to_fen(spent)) != shown_before

    # Replica 1 stops (an upgrade restarts the replicas one at a time): nginx sends its users to
    # replica 2, where they are still signed in.
    proxy.stop_replica(0)
    with script_run(a):
        a.goto(f"{proxy.url}/upload")
    a.get_by_role("heading", name="数据填报").wait_for()
    assert a.get_by_text("已登录：replica_clerk_1").count() == 1
    port = int(proxy.url.rsplit(":", 1)[1])
    assert b"200 OK" in _get(port, "/_stcore/health?after=stop", f"perf_route={route_1}")
    line = next(x for x in reversed(proxy.access_log.read_text().splitlines()) if "after=stop" in x)
    assert line.split()[1].endswith(proxy.replicas[1])  # tried replica 1 first ("a, b"), served by replica 2
    engine.dispose()
