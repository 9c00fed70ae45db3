"""The zh/en catalogue: Chinese by default, English a switch away.

Each area keeps its strings in `dashboard/locales/<area>.py` as
`STRINGS = {"key": ("中文", "English")}`; every module there is merged here. The language
lives in st.session_state["lang"] and the URL query parameter `lang`, so a link keeps it.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

import streamlit as st

from dashboard import locales

LANGS = ("zh", "en")


@cache
def catalogue() -> dict[str, tuple[str, str]]:
    """Every locale module's STRINGS, merged; a key defined twice is a bug."""
    merged: dict[str, tuple[str, str]] = {}
    for info in pkgutil.iter_modules(locales.__path__):
        module = importlib.import_module(f"{locales.__name__}.{info.name}")
        for key, pair in module.STRINGS.items():
            if key in merged and merged[key] != pair:
                raise KeyError(f"i18n key {key!r} defined twice with different texts")
            merged[key] = pair
    return merged


def lang() -> str:
    """The current language: session state, else the URL's ?lang=, else Chinese."""
    current = st.session_state.get("lang")
    if current not in LANGS:
        current = st.query_params.get("lang", "zh")
        current = current if current in LANGS else "zh"
        st.session_state["lang"] = current
    return current


def t(key: str, **fmt: object) -> str:
    """The text for key in the current language, formatted with fmt."""
    pair = catalogue().get(key)
    if pair is None:
        return key  # visible in the UI and caught by tests/test_i18n.py
    text = pair[0] if lang() == "zh" else pair[1]
    return text.format(**fmt) if fmt else text


def language_switch() -> None:
    """A sidebar toggle between 中文 and English, kept in the URL."""
    current = lang()
    choice = st.sidebar.segmented_control(
        "语言 / Language", options=LANGS, default=current, format_func=lambda c: "中文" if c == "zh" else "English",
        key="lang_switch", label_visibility="collapsed",
    )
    if choice and choice != current:
        st.session_state["lang"] = choice
        st.query_params["lang"] = choice
        st.rerun()
    if st.query_params.get("lang") != current and current != "zh":
        st.query_params["lang"] = current
