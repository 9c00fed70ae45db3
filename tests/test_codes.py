"""Codes data_access stores, as a reader sees them in either language (dashboard/codes.py, dashboard/issues.py)."""

from __future__ import annotations

import pytest

from dashboard import codes, issues
from data_access.uploads.report import Issue


@pytest.fixture(params=["zh", "en"])
def language(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr("dashboard.i18n.lang", lambda: request.param)
    monkeypatch.setattr("dashboard.codes.lang", lambda: request.param)
    monkeypatch.setattr("dashboard.issues.lang", lambda: request.param)
    return str(request.param)


@pytest.mark.parametrize(("detail", "zh", "en"), [
    ('{"regions": ["黄埔区", "荔湾区"]}', "行政区：黄埔区、荔湾区", "districts: 黄埔区, 荔湾区"),
    ('{"finding_code": "HP-1", "from": "not_started", "to": "in_progress"}',
     "问题编号：HP-1；原状态：未整改；新状态：整改中", "finding code: HP-1; from: not started; to: in progress"),
    ('{"username": "a", "role": "admin", "departments": []}', "用户名：a；角色：管理员；单位：—",
     "username: a; role: administrator; departments: —"),
    ('{"reason": "wrong_password", "password_ok": false}', "原因：密码错误；密码正确：否",
     "reason: wrong password; password right: no"),
    ('{"before": {"spent_cumulative_fen": 123456700}, "after": {"spent_cumulative_fen": 100}}',
     "修改前：累计支出 1,234,567.00 元；修改后：累计支出 1.00 元",
     "before: spent cumulative 1,234,567.00 yuan; after: spent cumulative 1.00 yuan"),
])
def test_change_details_read_as_words(language: str, detail: str, zh: str, en: str) -> None:
    assert codes.detail(detail) == (zh if language == "zh" else en)


def test_actions_and_kinds_read_as_words(language: str) -> None:
    assert codes.action("seed_sample") == ("加载示例数据" if language == "zh" else "sample data loaded")
    assert codes.entity("ex_ante") == ("事前评估" if language == "zh" else "ex-ante assessment")
    assert codes.action("a_new_action") == "a_new_action"  # added later, not yet worded: shown as stored
    assert codes.entity(float("nan")) == ""  # no record (the sample data's load): blank, not "nan"


def test_an_issue_reads_in_the_readers_language(language: str) -> None:
    issue = Issue("Sheet", 4, "累计支出", "not_a_number", "工作表“Sheet”第4行「累计支出」的值“abc”不是数字。", "abc")
    assert issues.kind(issue) == ("不是数字" if language == "zh" else "not a number")
    assert issues.message(issue) == (issue.message if language == "zh"
                                     else "Sheet “Sheet”, row 4, column “累计支出”: “abc” is not a number.")
    stored_before = Issue("Sheet", 4, "累计支出", "not_a_number", issue.message)  # no value kept: read from the message
    assert issues.message(stored_before) == issues.message(issue)


@pytest.mark.parametrize(("periods", "zh", "en"), [
    ([(2022, 12)], "2022年12月", "2022 M12"),
    ([(2022, 10), (2022, 11)], "2022年10–11月", "2022 M10–11"),
    ([(2022, 1), (2022, 3)], "2022年1、3月", "2022 M1, 3"),
    ([(2023, 0)], "2023年度", "FY2023"),
])
def test_the_period_an_upload_covers(language: str, periods: list[tuple[int, int]], zh: str, en: str) -> None:
    assert issues.period(periods) == (zh if language == "zh" else en)


def test_every_issue_code_the_importer_writes_has_a_name_in_both_languages() -> None:
    """A code the importer or the command line writes (ctx.error/ctx.warn, Issue(...), FileRejected) is
    named in words in Chinese (ISSUE_NAMES) and in English (dashboard/locales/issues.py)."""
    import re
    from pathlib import Path

    from dashboard.locales.issues import _EN_NAMES
    from data_access.uploads.report import ISSUE_NAMES

    root = Path(__file__).resolve().parent.parent / "data_access" / "uploads"
    source = "\n".join(p.read_text(encoding="utf-8") for p in root.rglob("*.py"))
    written = set(re.findall(r'(?:error|warn)\([^,]+, [^,]+, "([a-z_]+)"', source))
    written |= set(re.findall(r'Issue\([^)]*?"([a-z_]+)",', source))
    written |= set(re.findall(r'FileRejected\(\s*"([a-z_]+)"', source))
    assert {"unknown_user", "deviation_unexplained", "unit_conflict", "too_many_columns"} <= written
    assert sorted(written - set(ISSUE_NAMES)) == [] and sorted(written - set(_EN_NAMES)) == []


def _sample_params(code: str) -> dict[str, object]:
    """Parameters of the kind the service gives each refusal (from its Chinese template's fields)."""
    import string

    from data_access.rectification import MESSAGES

    given: dict[str, object] = {"what": ("finding", "HP-1", "课后服务"), "action": "send_back", "state": "in_progress",
                                "field": "measures", "mine": ("区教育局", "区民政局"), "department": "区卫生健康局",
                                "region": "黄埔区", "value": "2030-01-02", "today": "2026-12-01", "n": 2001,
                                "limit": 2000, "id": 7}
    fields = {f for _t, f, _s, _c in string.Formatter().parse(MESSAGES[code]) if f}
    return {k: v for k, v in given.items() if k in fields or (k == "state" and "rectified" in fields)}


def test_every_refusal_reads_in_either_language(language: str) -> None:
    """Each code the rectification service refuses with has English words; the Chinese is its own sentence;
    the English holds no Chinese but the stored names it was given."""
    import re

    from data_access.rectification import MESSAGES, RectificationError

    for code in MESSAGES:
        exc = RectificationError(code, **_sample_params(code))
        shown = codes.refusal(exc)
        if language == "zh":
            assert shown == str(exc)
        else:
            rest = shown
            for name in ("课后服务", "区教育局", "区民政局", "区卫生健康局", "黄埔区"):
                rest = rest.replace(name, "")
            assert not re.search(r"[\u4e00-\u9fff（），。“”]", rest.replace("“", "").replace("”", "")), (code, shown)
            assert "{" not in shown and shown.lstrip("“")[:1].isupper(), (code, shown)
