"""问题整改 through the entrypoint: a department's tasks, each step's form, the bureau's verification and
notices, written feedback, and what a leader may not do."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import docx
import pytest
from sqlalchemy import select
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from dashboard.ui import plain
from data_access.auth import create_user
from data_access.db import make_engine
from data_access.models import Department, Evaluation, Finding, FindingDeadlineRevision, FindingStatusChange, Region
from data_access.queries.rectification import owed
from tests.apptest import app, capture_downloads, download, sign_in

# Users are made before the app is opened: remember their argon2 hashes and checks (tests/apptest.py).
pytestmark = pytest.mark.usefixtures("remembered_passwords")

TODAY = dt.date.today()
HOUSING = "区住房城乡建设局"  # 黄埔区: 2022 findings not started, in progress and rectified


def _department(session: Session, name: str) -> int:
    return session.execute(select(Department.id).join(Region, Region.id == Department.region_id)
                           .where(Region.name == "黄埔区", Department.name == name)).scalar_one()


def _user(monkeypatch: pytest.MonkeyPatch, url: str, name: str, role: str, department: str | None = None) -> AppTest:
    with Session(make_engine(url)) as s:
        scope = [_department(s, department)] if department else None
        create_user(s, name, role, "page-test-password", scope)
    at = sign_in(app(monkeypatch, url), name, "page-test-password")
    at.switch_page("../pages/rectification.py").run()
    assert not at.exception, at.exception
    return at


def _view(at: AppTest, view: str) -> AppTest:
    at.segmented_control(key="rectification_view").set_value(view).run()
    assert not at.exception, at.exception
    return at


def _forms(at: AppTest) -> list[str]:
    """The forms on the page, by key: the steps offered."""
    return [f.proto.form.form_id for f in at.form]


def _submit(at: AppTest, form: str) -> AppTest:
    next(b for b in at.button if b.proto.is_form_submitter and b.proto.form_id == form).click()
    at.run()
    assert not at.exception, at.exception
    return at


def _pick(at: AppTest, url: str, code: str) -> AppTest:
    """Choose a finding in 逐项办理 (the select box's values are finding ids)."""
    finding_id = _finding(url, code).id
    at.selectbox(key="rectification_pick").select(finding_id).run()
    assert not at.exception, at.exception
    return at


def _finding(url: str, code: str) -> Finding:
    with Session(make_engine(url)) as s:
        return s.execute(select(Finding).where(Finding.finding_code == code)).scalar_one()


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_a_department_opens_on_what_it_owes(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    at = _user(monkeypatch, seeded_url, "zj-clerk", "finance", HOUSING)
    assert at.segmented_control(key="rectification_view").value == "tasks"
    assert (at.segmented_control(key="rectification_view").options
            == ["整改概况", "我的整改任务", "逐项办理", "书面反馈"])
    with Session(make_engine(seeded_url)) as s:
        expected = owed(session=s, region="黄埔区", today=TODAY, department_ids=frozenset({_department(s, HOUSING)}))
    shown = _metrics(at)
    assert shown["已逾期"] == str(len(expected.overdue)) and shown["未完成整改"] == str(len(expected.open))
    assert shown["待财政局核验"] == "1" and shown["被退回"] == "0"  # HP2022-0001
    overdue = at.dataframe[0].value
    assert list(overdue["问题编号"]) == list(expected.overdue["finding_code"])
    assert set(overdue["预算单位"]) == {HOUSING}  # another department's findings never show
    first = expected.overdue.iloc[0]
    assert overdue["超原定期限（天）"].iloc[0] == str((TODAY - first["original_deadline"]).days)


def test_a_department_starts_and_rectifies_and_the_bureau_sends_back_then_verifies(
        monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    clerk = _view(_user(monkeypatch, seeded_url, "zj-clerk", "finance", HOUSING), "handle")
    _pick(clerk, seeded_url, "HP2022-0026")
    assert _forms(clerk) == ["rectification_start"]  # nothing else offered
    _submit(clerk, "rectification_start")
    assert [e.value for e in clerk.error] == ["请填写“整改措施”"
                                              "（问题 HP2022\\-0026（刘村新村安置房（二期）项目），开始整改）"]
    clerk.text_area(key="rectification_start_measures").input("制定资产盘点方案，明确责任科室")
    _submit(clerk, "rectification_start")
    assert [s.value for s in clerk.success] == ["已保存：开始整改（HP2022\\-0026）。"]
    clerk.text_area(key="rectification_rectify_evidence").input("《固定资产盘点报告》")
    _submit(clerk, "rectification_rectify")
    assert _finding(seeded_url, "HP2022-0026").status == "rectified"
    assert _forms(clerk) == []  # awaiting the bureau: nothing for the clerk
    assert any("等待财政局核验" in i.value for i in clerk.info)

    with Session(make_engine(seeded_url)) as s:  # the region's 区财政局, seeded as the finance bureau
        assert s.execute(select(Department.is_finance_bureau).join(Region, Region.id == Department.region_id)
                         .where(Region.name == "黄埔区", Department.name == "区财政局")).scalar_one() is True
    czj = _view(_user(monkeypatch, seeded_url, "czj-clerk", "finance", "区财政局"), "handle")
    _pick(czj, seeded_url, "HP2022-0026")
    assert _forms(czj) == ["rectification_verify", "rectification_send_back"]
    czj.text_area(key="rectification_send_back_reason").input("盘点报告未附资产清单")
    _submit(czj, "rectification_send_back")
    assert _finding(seeded_url, "HP2022-0026").status == "in_progress"
    assert any("财政局退回理由：盘点报告未附资产清单" in e.value for e in czj.error)

    clerk = _view(_user(monkeypatch, seeded_url, "zj-clerk2", "finance", HOUSING), "tasks")
    assert _metrics(clerk)["被退回"] == "1"
    sent_back = next(d.value for d in clerk.dataframe if "说明/理由" in d.value.columns)
    assert list(sent_back["说明/理由"]) == ["盘点报告未附资产清单"]
    _pick(_view(clerk, "handle"), seeded_url, "HP2022-0026")
    clerk.text_area(key="rectification_rectify_evidence").input("《固定资产盘点报告》及资产清单")
    _submit(clerk, "rectification_rectify")

    _pick(_view(czj, "handle"), seeded_url, "HP2022-0026")
    _submit(czj, "rectification_verify")
    f = _finding(seeded_url, "HP2022-0026")
    assert (f.status, f.verified_by) == ("rectified", "czj-clerk") and f.verified_at is not None
    history = next(d.value for d in czj.dataframe if "操作" in d.value.columns)
    assert list(history["操作"])[-5:] == ["开始整改", "标记已整改", "退回重新整改", "标记已整改", "核验销号"]
    assert list(history["操作人"])[-5:] == ["zj-clerk", "zj-clerk", "czj-clerk", "zj-clerk2", "czj-clerk"]
    assert _forms(czj) == []
    assert any("已核验销号" in i.value for i in czj.info)


def test_the_bureau_moves_a_deadline_with_a_reason_and_the_original_stays(
        monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    czj = _view(_user(monkeypatch, seeded_url, "czj-clerk", "finance", "区财政局"), "handle")
    _pick(czj, seeded_url, "HP2022-0027")
    original = _finding(seeded_url, "HP2022-0027").deadline
    new = TODAY + dt.timedelta(days=90)
    czj.date_input(key="rectification_revise_on").set_value(new)
    _submit(czj, "rectification_revise_deadline")
    assert any("请填写“调整理由”" in e.value for e in czj.error)
    czj.text_area(key="rectification_revise_reason").input("项目用地移交推迟")
    _submit(czj, "rectification_revise_deadline")
    f = _finding(seeded_url, "HP2022-0027")
    assert (f.original_deadline, f.deadline) == (original, new)
    moves = next(d.value for d in czj.dataframe if "新期限" in d.value.columns)
    assert moves.to_dict("records")[0] | {"时间": None} == {
        "时间": None, "操作人": "czj-clerk", "原期限": original.isoformat(), "新期限": new.isoformat(),
        "说明/理由": "项目用地移交推迟"}
    shown = _metrics(czj)
    assert ((shown["当前整改期限"], shown["原定整改期限"], shown["调整次数"])
            == (new.isoformat(), original.isoformat(), "1"))
    assert any(f"已超过原定期限 {(TODAY - original).days} 天；期限已调整" in w.value for w in czj.warning)

    _view(czj, "overview")  # still listed against its original deadline, not counted as overdue
    overdue = next(d.value for d in czj.dataframe if "超原定期限（天）" in d.value.columns)
    row = overdue[overdue["问题编号"] == "HP2022-0027"].iloc[0]
    assert row["超原定期限（天）"] == str((TODAY - original).days) and row["超当前期限（天）"] == ""
    with Session(make_engine(seeded_url)) as s:
        assert s.execute(select(FindingDeadlineRevision.reason)).scalars().all() == ["项目用地移交推迟"]


def test_a_department_cannot_act_on_another_departments_finding_nor_verify(
        monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    """The page offers only the department's findings and steps; the service refuses the rest anyway."""
    clerk = _view(_user(monkeypatch, seeded_url, "zj-clerk", "finance", HOUSING), "handle")
    codes = [o.split(" ", 1)[0] for o in clerk.selectbox(key="rectification_pick").options]
    with Session(make_engine(seeded_url)) as s:
        own = s.execute(select(Finding.finding_code).where(Finding.department_id == _department(s, HOUSING),
                                                           Finding.year == 2022)
                        .order_by(Finding.finding_code)).scalars().all()
    assert codes == list(own)
    _pick(clerk, seeded_url, "HP2022-0001")  # rectified, awaiting verification: the clerk may not verify it
    assert _forms(clerk) == []


def test_a_leader_reads_and_never_acts(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    at = _user(monkeypatch, seeded_url, "leader-1", "leader")
    assert at.segmented_control(key="rectification_view").options == ["整改概况", "逐项办理", "书面反馈"]
    _pick(_view(at, "handle"), seeded_url, "HP2022-0026")
    assert _forms(at) == [] and any("领导账号只能查看" in i.value for i in at.info)
    _view(at, "feedback")
    assert _forms(at) == []


def test_written_feedback_is_recorded_and_shown(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    clerk = _view(_user(monkeypatch, seeded_url, "zj-clerk", "finance", HOUSING), "feedback")
    box = clerk.selectbox(key="rectification_feedback_pick")
    assert all(HOUSING in o for o in box.options)  # only evaluations of the clerk's department
    with Session(make_engine(seeded_url)) as s:
        evaluation_id = s.execute(select(Evaluation.id).where(Evaluation.subject == "刘村新村安置房（二期）项目",
                                                              Evaluation.year == 2022,
                                                              Evaluation.method != "self")).scalar_one()
    box.select(evaluation_id)
    clerk.date_input(key="rectification_feedback_on").set_value(TODAY - dt.timedelta(days=2))
    clerk.text_area(key="rectification_feedback_text").input("已对照评价意见逐项整改，详见整改报告。")
    _submit(clerk, "rectification_feedback")
    assert any("已记录“刘村新村安置房" in s.value for s in clerk.success)
    table = clerk.dataframe[0].value
    row = table[table["评价对象"] == "刘村新村安置房（二期）项目"].iloc[0]
    assert (row["反馈日期"], row["反馈内容"], row["记录人"]) == (
        (TODAY - dt.timedelta(days=2)).isoformat(), "已对照评价意见逐项整改，详见整改报告。", "zj-clerk")
    with Session(make_engine(seeded_url)) as s:
        e = s.execute(select(Evaluation).where(Evaluation.subject == "刘村新村安置房（二期）项目",
                                               Evaluation.year == 2022, Evaluation.method != "self")).scalar_one()
        assert e.feedback_by == "zj-clerk"


def _docx_tables(data: bytes) -> list[list[list[str]]]:
    document = docx.Document(io.BytesIO(data))
    return [[[c.text for c in row.cells] for row in table.rows] for table in document.tables]


def test_the_notice_docx_holds_the_pages_tables(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    files = capture_downloads(monkeypatch)
    czj = _view(_user(monkeypatch, seeded_url, "czj-clerk", "finance", "区财政局"), "notices")
    listed = czj.dataframe[0].value
    assert listed["单位"].iloc[0] == HOUSING  # most overdue findings first
    with Session(make_engine(seeded_url)) as s:
        czj.selectbox(key="rectification_notice_pick").select(_department(s, HOUSING)).run()
    assert not czj.exception
    name, data = download(czj, files, "rectification_notice_docx")
    assert name.endswith(".docx") and HOUSING in name
    page_tables = [d.value for d in czj.dataframe][1:]  # after the list of departments
    read_back = _docx_tables(data)
    assert len(read_back) == len(page_tables) >= 2  # red projects and overdue findings
    for table, frame in zip(read_back, page_tables, strict=True):
        assert table[0] == list(frame.columns)
        assert table[1:] == frame.astype(str).values.tolist()
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    assert f"{HOUSING}：" in text and "个工作日内" in text and "黄埔区财政局" in text
    assert not [b for b in czj.get("download_button") if b.proto.id.endswith("-rectification_notices_zip")]
    czj.button(key="rectification_notices_make").click().run()  # written only when asked: it takes seconds
    zip_name, zipped = download(czj, files, "rectification_notices_zip")
    with zipfile.ZipFile(io.BytesIO(zipped)) as z:
        names = z.namelist()
        assert len(names) == len(listed) and any(HOUSING in n for n in names)
        for n in names:
            docx.Document(io.BytesIO(z.read(n)))  # every one opens
    assert zip_name.endswith(".zip")


def test_history_rows_from_before_the_workflow_show_as_status_changes(monkeypatch: pytest.MonkeyPatch,
                                                                      seeded_url: str) -> None:
    at = _pick(_view(_user(monkeypatch, seeded_url, "leader-1", "leader"), "handle"), seeded_url, "HP2022-0002")
    history = next(d.value for d in at.dataframe if "操作" in d.value.columns)
    assert list(history["操作"]) == ["状态变更", "状态变更"] and list(history["新状态"]) == ["未整改", "整改中"]
    with Session(make_engine(seeded_url)) as s:
        assert s.execute(select(FindingStatusChange.action).where(FindingStatusChange.action.is_not(None))).first()


def test_an_admin_marks_the_finance_bureau_on_the_users_page(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    at = _user(monkeypatch, seeded_url, "chief", "admin")
    at.switch_page("../pages/users.py").run()
    bureaus = next(d.value for d in at.dataframe if "财政局单位" in d.value.columns)
    assert (dict(zip(bureaus["行政区"], bureaus["财政局单位"], strict=True))
            == {"荔湾区": "区财政局", "黄埔区": "区财政局"})
    with Session(make_engine(seeded_url)) as s:
        housing = _department(s, HOUSING)
    at.selectbox(key="users_bureau_region").select("黄埔区").run()
    at.selectbox(key="users_bureau_department").select(housing)
    _submit(at, "users_bureau")
    bureaus = next(d.value for d in at.dataframe if "财政局单位" in d.value.columns)
    assert dict(zip(bureaus["行政区"], bureaus["财政局单位"], strict=True))["黄埔区"] == HOUSING


def test_a_department_with_nothing_owed_is_told_so_by_name(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    at = _user(monkeypatch, seeded_url, "jy-clerk", "finance", "区教育局")  # 2021 findings all verified
    assert any(c.value.startswith("区教育局：截至今天") for c in at.caption)
    assert _metrics(at) == {"已逾期": "0", "30 日内到期": "0", "被退回": "0",
                             "未完成整改": "0", "待财政局核验": "0"}


def test_text_typed_into_the_workflow_is_text_on_every_view(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    """Markdown and HTML in imported findings and in what clerks type (measures, evidence, reasons, feedback)
    show escaped in every view, the notice included."""
    from tests import payloads as P
    from tests.test_plain_text import live_payloads, markdown_texts

    P.import_payloads(make_engine(seeded_url))
    at = _user(monkeypatch, seeded_url, "payload-chief", "admin")
    at.selectbox(key="filter_region").select(P.REGION).run()
    typed = " ".join(P.PAYLOADS)
    live = []
    for view in ("overview", "tasks", "handle", "feedback", "notices"):
        _view(at, view)
        if view == "handle":
            _pick(at, seeded_url, P.FINDING_CODE)
            at.text_area(key="rectification_rectify_measures").input(typed)
            at.text_area(key="rectification_rectify_evidence").input(typed)
            _submit(at, "rectification_rectify")
            _pick(at, seeded_url, P.FINDING_CODE)
            at.text_area(key="rectification_send_back_reason").input(typed)
            _submit(at, "rectification_send_back")
            assert any(plain(f"财政局退回理由：{typed}") == e.value for e in at.error)
        if view == "feedback":
            at.text_area(key="rectification_feedback_text").input(typed)
            _submit(at, "rectification_feedback")
            assert at.success
        # A text area's content is the clerk's own text in a form field, never markdown.
        live += [(view, *hit) for hit in live_payloads(markdown_texts(at)) if hit[0] != "text_area"]
    assert live == []


def test_refusals_read_in_the_readers_language(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    """A refused step says why in English in the English UI, naming the same finding and field; stored
    names (subject, department) stay as written."""
    clerk = _pick(_view(_user(monkeypatch, seeded_url, "zj-clerk", "finance", HOUSING), "handle"), seeded_url,
                  "HP2022-0026")
    clerk.session_state["lang"] = "en"  # AppTest sets widgets by their Chinese labels: choose first, then switch
    _submit(clerk.run(), "rectification_start")
    assert [e.value for e in clerk.error] == [plain("Please fill in “Measures taken” (finding HP2022-0026 "
                                                    "(刘村新村安置房（二期）项目), Start rectification).")]
    clerk.session_state["lang"] = "zh"
    _view(clerk.run(), "feedback")
    clerk.session_state["lang"] = "en"
    _submit(clerk.run(), "rectification_feedback")
    assert len(clerk.error) == 1 and clerk.error[0].value.startswith(plain("Please fill in “Feedback” (evaluation “"))
    assert not any("请" in e.value or "问题" in e.value for e in clerk.error)
