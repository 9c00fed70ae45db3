"""数据录入 (pages/entry.py): one record typed in a form is checked by the upload spec's rules, written
through the importer's audited path in the user's scope, or refused with the importer's message and
nothing written."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from data_access.auth import create_user
from data_access.db import make_engine
from data_access.models import AuditLog, Department, Evaluation, Indicator, Monitoring, Project, Region, UploadBatch
from tests.apptest import app, open_url, sign_in

# Users are made before the app is opened: remember their argon2 hashes and checks (tests/apptest.py).
pytestmark = pytest.mark.usefixtures("remembered_passwords")

PASSWORD = "correct-horse-battery"
HOUSING = "区住房城乡建设局"
FORBIDDEN = "您的账号无权查看此页面"


@pytest.fixture
def clerk_db(seeded_url: str) -> str:
    """The sample plus a finance clerk limited to 黄埔区's 区住房城乡建设局."""
    with Session(make_engine(seeded_url)) as s:
        hp = s.execute(select(Region.id).where(Region.name == "黄埔区")).scalar_one()
        dept = s.execute(select(Department.id)
                         .where(Department.region_id == hp, Department.name == HOUSING)).scalar_one()
        create_user(s, "housing", "finance", PASSWORD, department_ids=[dept])
    return seeded_url


def entry(monkeypatch: pytest.MonkeyPatch, url: str, view: str = "month") -> AppTest:
    at = sign_in(app(monkeypatch, url), "housing", PASSWORD)
    at.switch_page("../pages/entry.py").run()
    at.sidebar.selectbox(key="filter_region").select("黄埔区").run()
    at.sidebar.selectbox(key="filter_year_黄埔区").select(2022).run()
    if view != "month":
        at.segmented_control(key="entry_view").set_value(view).run()
    assert not at.exception, at.exception
    return at


def month_row(url: str, code: str, month: int) -> Monitoring:
    with Session(make_engine(url)) as s:
        return s.execute(select(Monitoring).join(Project).where(Project.code == code, Project.year == 2022,
                                                                Monitoring.month == month)).scalar_one()


def submit(at: AppTest, form_button_label: str = "校验并保存") -> AppTest:
    next(b for b in at.button if b.proto.is_form_submitter and b.label == form_button_label).click()
    return at.run()


def test_a_clerk_enters_a_projects_month_and_it_is_written_as_an_audited_batch(monkeypatch: pytest.MonkeyPatch,
                                                                                 clerk_db: str) -> None:
    at = entry(monkeypatch, clerk_db)
    projects = at.selectbox(key="entry_month_project")
    assert all(HOUSING in label for label in projects.options)  # only the clerk's department's projects
    assert projects.value is not None
    code = "HP2022K001"
    assert projects.options[0].startswith(f"{code} ")
    shown = {m.label: m.value for m in at.metric}
    assert shown == {"调整后预算": "6.85 亿元", "最近报送月份": "12 月", "最近累计支出": "6.72 亿元"}
    before = month_row(clerk_db, code, 12).spent_cumulative_fen
    at.number_input(key="entry_month_n").set_value(12)
    at.text_input(key="entry_month_spent").input("671,652,900.00")
    at = submit(at)
    assert not at.error and not at.warning
    assert at.success[0].value.startswith("已保存（批次 #") and "更新 1 条" in at.success[0].value
    assert (before, month_row(clerk_db, code, 12).spent_cumulative_fen) == (67_165_280_000, 67_165_290_000)
    with Session(make_engine(clerk_db)) as s:
        batch = s.execute(select(UploadBatch).order_by(UploadBatch.id.desc())).scalars().first()  # type: ignore[union-attr]
        assert (batch.kind, batch.file_name, batch.uploaded_by, batch.committed) == (  # type: ignore[union-attr]
            "monitoring", "表单录入", "housing", True)
        update = s.execute(select(AuditLog).where(AuditLog.action == "import_update",
                                                  AuditLog.batch_id == batch.id)).scalar_one()  # type: ignore[union-attr]
        assert json.loads(update.detail_json)["after"]["spent_cumulative_fen"] == 67_165_290_000  # type: ignore[arg-type]


def test_a_bad_amount_is_refused_with_the_importers_message_and_nothing_is_written(monkeypatch: pytest.MonkeyPatch,
                                                                                   clerk_db: str) -> None:
    at = entry(monkeypatch, clerk_db)
    before = month_row(clerk_db, "HP2022K001", 12).spent_cumulative_fen
    at.number_input(key="entry_month_n").set_value(12)
    at.text_input(key="entry_month_spent").input("六亿")
    at = submit(at)
    assert "「累计支出」的值“六亿”不是数字" in at.error[0].value and not at.success
    assert month_row(clerk_db, "HP2022K001", 12).spent_cumulative_fen == before


def test_a_month_that_needs_a_second_look_waits_for_confirmation(monkeypatch: pytest.MonkeyPatch,
                                                                  clerk_db: str) -> None:
    """Less than November's cumulative spending: the importer's spent_decreased warning, then cancel or save."""
    at = entry(monkeypatch, clerk_db)
    at.number_input(key="entry_month_n").set_value(12)
    at.text_input(key="entry_month_spent").input("100.00")
    at = submit(at)
    assert "减少" in at.warning[0].value
    assert month_row(clerk_db, "HP2022K001", 12).spent_cumulative_fen == 67_165_280_000
    at.button(key="entry_month_cancel").click().run()
    assert not at.warning and month_row(clerk_db, "HP2022K001", 12).spent_cumulative_fen == 67_165_280_000
    at = submit(at)
    at.button(key="entry_month_confirm").click().run()
    assert at.success and month_row(clerk_db, "HP2022K001", 12).spent_cumulative_fen == 10_000


def test_a_targets_mid_year_progress_is_saved_with_its_reason_and_measure(monkeypatch: pytest.MonkeyPatch,
                                                                          clerk_db: str) -> None:
    at = entry(monkeypatch, clerk_db, "target")
    with Session(make_engine(clerk_db)) as s:
        targets = s.execute(select(func.count()).select_from(Indicator)).scalar_one()
    target_id = at.selectbox(key="entry_target_pick").value
    form = at.get("form")[0]  # type: ignore[index]
    inputs = {w.label: w for w in form.text_input}
    inputs["截至目前完成值"].input("88")
    inputs["全年预计完成值"].input("96")
    selects = {w.label: w for w in form.selectbox}
    selects["能否完成"].set_value("possible")
    selects["偏差原因类别"].set_value("人员保障")
    areas = {w.label: w for w in form.text_area}
    areas["纠偏措施"].input("增加施工班组")
    at = submit(at)
    assert not at.error and not at.warning, (at.error, at.warning)
    assert "更新 1 条" in at.success[0].value
    with Session(make_engine(clerk_db)) as s:
        target = s.get(Indicator, target_id)
        assert (target.value_to_date, target.expected_year_end, target.will_meet, target.deviation_category,  # type: ignore[union-attr]
                target.corrective_measure) == ("88", "96", "possible", "人员保障", "增加施工班组")  # type: ignore[union-attr]
        assert s.execute(select(func.count()).select_from(Indicator)).scalar_one() == targets  # updated, not added


def test_written_feedback_is_recorded_from_the_entry_page(monkeypatch: pytest.MonkeyPatch, clerk_db: str) -> None:
    at = entry(monkeypatch, clerk_db, "feedback")
    pick = at.selectbox(key="entry_feedback_pick")
    assert pick.options and all(HOUSING in o for o in pick.options)
    evaluation_id = pick.value
    at.text_area(key="entry_feedback_text").input("已按评价意见完成整改。")
    at = submit(at, "记录书面反馈")
    assert not at.error, at.error
    with Session(make_engine(clerk_db)) as s:
        assert s.get(Evaluation, evaluation_id).feedback_text == "已按评价意见完成整改。"  # type: ignore[union-attr]


def test_a_leader_has_no_entry_page(monkeypatch: pytest.MonkeyPatch, clerk_db: str) -> None:
    with Session(make_engine(clerk_db)) as s:
        create_user(s, "boss", "leader", PASSWORD)
    at = open_url(sign_in(app(monkeypatch, clerk_db), "boss", PASSWORD), "entry")
    assert [e.value for e in at.error] == [FORBIDDEN] and not at.get("form")


def test_the_deviation_categories_read_in_english(monkeypatch: pytest.MonkeyPatch, clerk_db: str) -> None:
    at = entry(monkeypatch, clerk_db, "target")
    at.session_state["lang"] = "en"
    at.run()
    [box] = [w for w in at.get("form")[0].selectbox if w.label == "Deviation category"]  # type: ignore[index]
    assert box.options == ["", "funding", "rules and procedures", "staffing", "equipment and facilities", "other"]
