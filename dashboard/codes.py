"""Codes data_access stores, in the reader's words: audit actions, record kinds and a change's details.

A code without words yet (a new action, a field added later) still shows, as stored.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from dashboard.i18n import catalogue, lang, t
from data_access import formatting
from data_access.enums import FINDING_STATUSES
from data_access.rectification import RectificationError
from data_access.uploads.kinds import SPECS


def _known(key: str, fallback: str) -> str:
    return t(key) if key in catalogue() else fallback


@cache
def _fields() -> dict[str, tuple[str, str]]:
    """Model field -> (Chinese column name, English alias) from the upload specs (one name per field)."""
    return {c.field: (c.zh, c.alias.replace("_", " ")) for spec in SPECS.values() for c in spec.columns}


def action(code: str) -> str:
    return _known(f"audit.act.{code}", code)


def entity(code: object) -> str:
    return _known(f"audit.entity.{code}", code) if isinstance(code, str) and code else ""  # NULL reads back as NaN


def field(name: str) -> str:
    if f"audit.key.{name}" in catalogue():
        return t(f"audit.key.{name}")
    zh, en = _fields().get(name.removesuffix("_id"), (name, name))
    return zh if lang() == "zh" else en


def _value(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return t("audit.yes" if value else "audit.no")
    if isinstance(value, dict):
        return t("ui.comma_sep").join(f"{field(k)} {_value(k, v)}" for k, v in value.items())
    if isinstance(value, list):
        return t("ui.list_sep").join(_value(key, v) for v in value) or "—"
    if value is None:
        return "—"
    if key.endswith("_fen") and isinstance(value, int):  # amounts are stored in fen: show them in yuan
        return f"{formatting.yuan(value)} {t('unit.yuan')}"
    text = str(value)
    if key in ("from", "to", "status") and text in FINDING_STATUSES:
        return t(f"workflow.state.{text}")
    if key == "role":
        return _known(f"role.{text}", text)
    if key == "reason":
        return _known(f"audit.reason.{text}", text)
    if key == "action":
        return _known(f"audit.act.finding_{text}", text)
    return text


def detail(detail_json: str | None) -> str:
    """A change's details ('{"from": "not_started", ...}') as 'key: value' in words."""
    if not detail_json:
        return ""
    try:
        data = json.loads(detail_json)
    except ValueError:
        return detail_json
    if not isinstance(data, dict):
        return _value("", data)
    return t("ui.clause_sep").join(f"{field(k)}{t('ui.colon')}{_value(k, v)}" for k, v in data.items())


def refusal(exc: RectificationError) -> str:
    """Why the rectification service refused a step, in the reader's language: in Chinese its own sentence,
    in English the same code and parameters in English words (stored names stay as written)."""
    if lang() == "zh" or f"refusal.{exc.code}" not in catalogue():
        return str(exc)
    p = exc.params
    words: dict[str, object] = dict(p)
    if "what" in p:
        kind, *names = p["what"]
        what = t(f"refusal.what.{kind}", **dict(zip(("code", "subject") if kind == "finding" else ("subject",),
                                                    names, strict=True)))
        words |= {"what": what, "What": what[:1].upper() + what[1:]}
    if "action" in p:
        step = p["action"]
        words["action"] = t("workflow.feedback.record") if step == "feedback" else t(f"workflow.action.{step}")
    if "state" in p:
        words |= {"state": t(f"workflow.state.{p['state']}"), "rectified": t("workflow.state.rectified")}
    if "field" in p:
        words["field"] = t(f"refusal.field.{p['field']}")
    if "mine" in p:
        words["mine"] = t("ui.list_sep").join(p["mine"]) or t("refusal.none")
    if "value" in p:
        words["value"] = p["value"] or t("refusal.empty")
    return t(f"refusal.{exc.code}", message=str(exc), **words)
