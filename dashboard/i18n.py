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


def t(key: str, /, **fmt: object) -> str:
    """The text for key in the current language, formatted with fmt."""
    pair = catalogue().get(key)
    if pair is None:
        return key  # visible in the UI and caught by tests/test_i18n.py
    text = pair[0] if lang() == "zh" else pair[1]
    return text.format(**fmt) if fmt else text


_CHOICES = "i18n_choice_keys"  # not a widget key: the keys `choice` registered


def choice(key: str) -> str:
    """The key of a widget that chooses among stable values (codes, ids) shown through `format_func` in the
    reader's language. The browser keeps showing the label it last had unless a run sends the value again;
    a language switch does (`_on_switch`), so the same option stays chosen and reads in the new language."""
    st.session_state.setdefault(_CHOICES, set()).add(key)
    return key


def _on_switch() -> None:
    chosen = st.session_state.get("lang_switch")
    if chosen in LANGS:  # a click on the selected option deselects it: keep the language
        st.session_state["lang"] = chosen
        # Each choice's value, read through the last run's labels, is set again: the next run sends it to
        # the browser with the new language's label (a value set through session state always is).
        for key in st.session_state.get(_CHOICES, ()):
            if key in st.session_state:
                st.session_state[key] = st.session_state[key]


def language_switch() -> None:
    """A sidebar toggle between 中文 and English; the choice is kept in the URL (?lang=en)."""
    current = lang()
    if st.session_state.get("lang_switch") != current:
        st.session_state["lang_switch"] = current
    st.sidebar.segmented_control(
        "语言 / Language", options=LANGS, format_func=lambda c: "中文" if c == "zh" else "English",
        key="lang_switch", on_change=_on_switch, label_visibility="collapsed",
    )
    if current == "en":
        st.query_params["lang"] = "en"
    elif "lang" in st.query_params:
        del st.query_params["lang"]
