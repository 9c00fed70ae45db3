"""Every page opens at its own URL, with its filters, for every role that may see it: no deep link meets
Streamlit's English "Page not found" (the default page used to live at / only, so /portal_home and, for
a signed-in user, /overview were unknown)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.app import PAGES
from tests.apptest import app, open_url, signed_in

PUBLIC = [Path(p).stem for p, _s, roles, _t, _i in PAGES if roles is None]


def _url_paths(at: AppTest) -> set[str]:
    return {info.get("url_pathname") for info in at._registered_pages.values()}  # noqa: SLF001


@pytest.mark.parametrize("role", [None, "finance", *(pytest.param(r, marks=pytest.mark.slow)
                                                     for r in ("leader", "admin"))])
def test_every_page_a_role_may_see_has_its_own_url(monkeypatch: pytest.MonkeyPatch, seeded_url: str,
                                                   role: str | None) -> None:
    at = signed_in(monkeypatch, seeded_url, role) if role else app(monkeypatch, seeded_url).run()
    visible = [Path(p).stem for p, _s, roles, _t, _i in PAGES if roles is None or (role is not None and role in roles)]
    assert set(visible) <= _url_paths(at)
    for stem in visible:
        open_url(at, stem)
        assert not at.exception, (role, stem)
        assert at.title, (role, stem)


def test_a_deep_link_to_the_home_page_keeps_its_filters(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    at = app(monkeypatch, seeded_url)
    at.query_params.update({"region": "荔湾区", "year": "2020"})
    at.run()
    open_url(at, "portal_home")
    assert at.selectbox(key="portal_region").value == "荔湾区"
    assert any("荔湾区 2020" in c.value for c in at.caption)


def test_a_leader_opens_the_cockpit_and_the_portal_by_their_urls(monkeypatch: pytest.MonkeyPatch,
                                                                 seeded_url: str) -> None:
    at = signed_in(monkeypatch, seeded_url, "leader")
    open_url(at, "overview")
    assert not at.exception and at.title[0].value == "领导驾驶舱"
    at.query_params.update({"region": "荔湾区", "year": "2020"})
    open_url(at, "portal_evaluations")
    assert "荔湾区 2020" in at.header[0].value


def test_the_root_opens_the_first_page_at_its_own_url(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    at = app(monkeypatch, seeded_url)
    at.query_params.update({"region": "荔湾区", "year": "2020", "lang": "en"})
    at.run()
    assert not at.exception
    assert at.title[0].value == "Public disclosure"
    assert any("荔湾区" in c.value and "2020" in c.value for c in at.caption)


def test_signing_in_writes_the_cookie_on_the_page_the_front_door_opens(monkeypatch: pytest.MonkeyPatch,
                                                                      seeded_url: str) -> None:
    """After a sign-in the login URL is gone: / opens the cockpit with a page switch, which drops what
    the run drew. The cookie's script must be drawn on the cockpit, or a reload would sign the user out."""
    at = signed_in(monkeypatch, seeded_url, "leader")
    assert at.title[0].value == "领导驾驶舱"
    scripts = [h.proto.body for h in at.get("html") if "document.cookie" in h.proto.body]
    assert len(scripts) == 1 and "perf_session=" in scripts[0] and "max-age=0" not in scripts[0]
