"""Driving the app through its entrypoint in AppTest: open a URL, sign in, take a download."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from data_access import auth
from data_access.auth import create_user
from data_access.db import make_engine

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard" / "app.py")


_hash_once = functools.cache(auth.hash_password)
_check_once = functools.cache(auth.verify_password)


def remember_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """For the rest of the test, remember argon2 hashes and checks within the test process.

    argon2id costs about 0.2 s of CPU a hash and a check, by design; a page test signing in pays it twice
    (the user's hash, the sign-in's check), over a third of a short page test. A check is a pure function of
    (hash, password), and a remembered hash is a real argon2id hash of that password with the app's
    parameters, so the sign-in code runs unchanged and answers as it would. `app` does this; a module that
    creates its users first takes the `remembered_passwords` fixture. Tests of argon2 itself
    (tests/test_auth.py, the direct calls in tests/test_auth_attacks.py) do neither."""
    monkeypatch.setattr(auth, "hash_password", _hash_once)
    monkeypatch.setattr(auth, "verify_password", _check_once)


def app(monkeypatch: pytest.MonkeyPatch, url: str) -> AppTest:
    """The app through its entrypoint on the database at url (password hashes and checks remembered for the
    rest of the test: `remember_passwords`)."""
    monkeypatch.setenv("DATABASE_URL", url)
    remember_passwords(monkeypatch)
    return AppTest.from_file(APP, default_timeout=60)


def open_url(at: AppTest, url_path: str) -> AppTest:
    """Open a page by its URL path, as a browser would (hidden pages have no script file). Before the first run
    the page is asked for by the hash Streamlit gives its URL path, as a browser opening that URL would
    (`st.Page` hashes its url_path); after it, the path must be one the app registered."""
    pages = at._registered_pages  # noqa: SLF001 - AppTest has no public way to open a URL
    if not pages:
        at._page_hash = calc_hash(url_path)  # noqa: SLF001
        at.run()
        opened = at._registered_pages.get(at._finished_page_script_hash, {})  # noqa: SLF001
        assert opened.get("url_pathname") == url_path, f"{url_path} opened {opened} (the app's fallback page)"
        return at
    at._page_hash = next(h for h, info in pages.items() if info.get("url_pathname") == url_path)  # noqa: SLF001
    return at.run()


def sign_in(at: AppTest, username: str, password: str) -> AppTest:
    """Fill the login form on the login page and submit it."""
    open_url(at, "login")
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    next(b for b in at.button if b.proto.is_form_submitter).click()
    return at.run()


def signed_in(monkeypatch: pytest.MonkeyPatch, url: str, role: str = "leader") -> AppTest:
    """A fresh app session signed in as a new user of that role."""
    at = app(monkeypatch, url)
    with Session(make_engine(url)) as session:
        create_user(session, f"{role}-test", role, "test-password")
    return sign_in(at, f"{role}-test", "test-password")


def nodes(at: AppTest) -> Iterator:  # type: ignore[type-arg]
    """Every block and element of the page, depth first (AppTest exposes no whole-tree walk)."""

    def walk(node):  # type: ignore[no-untyped-def]
        yield node
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                yield from walk(child)

    yield from walk(at._tree)  # noqa: SLF001


class Files(dict):  # type: ignore[type-arg]
    """url or deferred file id -> (file name, bytes); a deferred file is written when first looked up,
    as a click on its button would."""

    def __getitem__(self, key: str) -> tuple[str, bytes]:
        name, data = super().__getitem__(key)
        if callable(data):
            data = data()
            data = data if isinstance(data, bytes) else data.encode()
            self[key] = (name, data)
        return name, data


def capture_downloads(monkeypatch: pytest.MonkeyPatch) -> Files:
    """Every file handed to a download button, by the URL (or deferred file id) the button carries.

    AppTest swaps its media store for each run, so the bytes (or the callable that writes them on a
    click) are kept as they are handed over.
    """
    files = Files()
    original, original_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def add(self, path_or_data, mimetype, coordinates, file_name=None, is_for_static_download=False):  # type: ignore[no-untyped-def]
        url = original(self, path_or_data, mimetype, coordinates, file_name, is_for_static_download)
        if isinstance(path_or_data, bytes | str):
            files[url] = (file_name or "", path_or_data if isinstance(path_or_data, bytes) else path_or_data.encode())
        return url

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):  # type: ignore[no-untyped-def]
        file_id = original_deferred(self, data_callable, mimetype, coordinates, file_name, **kwargs)
        files[file_id] = (file_name or "", data_callable)
        return file_id

    monkeypatch.setattr(MediaFileManager, "add", add)
    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return files


def file_of(files: Files, button) -> tuple[str, bytes]:  # type: ignore[no-untyped-def]
    """The file name and bytes a click on this download button gives."""
    return files[button.proto.url or button.proto.deferred_file_id]


def download(at: AppTest, files: Files, key: str) -> tuple[str, bytes]:
    """The file name and bytes behind the download button of that key, as a visitor would get them."""
    button = next(b for b in at.get("download_button") if b.proto.id.endswith(f"-{key}"))
    return file_of(files, button)


WITHDRAWN = "区老人院运营"  # a 2022 review result of the sample, published like every reported record


def _sample_result(session: Session):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from data_access.models import Evaluation

    return session.execute(select(Evaluation).where(Evaluation.subject == WITHDRAWN,
                                                    Evaluation.method == "review")).scalar_one()


def withdraw_sample_result(url: str) -> int:
    """Withdraw WITHDRAWN from the portal (as finance would, with an audit row) and return its id:
    the sample publishes everything its reports cover, so a test that publishes needs one held back."""
    from data_access.publishing import set_published

    with Session(make_engine(url)) as s:
        evaluation_id = _sample_result(s).id
        set_published(s, "evaluation", [evaluation_id], False, "test-setup")
    return evaluation_id


def republish_sample_result(url: str) -> None:
    """Undo withdraw_sample_result (a test that failed half-way leaves a shared server as it found it)."""
    from data_access.publishing import set_published

    with Session(make_engine(url)) as s:
        evaluation = _sample_result(s)
        if not evaluation.published:
            set_published(s, "evaluation", [evaluation.id], True, "test-teardown")
