"""The upload pages through the entrypoint (AppTest): login gate, preview, confirm, history, submissions."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from data_access.auth import create_user
from data_access.db import make_engine
from data_access.models import Department, Monitoring, Project, Region, UploadBatch
from tests.apptest import sign_in

# Users are made before the app is opened: remember their argon2 hashes and checks (tests/apptest.py).
pytestmark = pytest.mark.usefixtures("remembered_passwords")

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard" / "app.py")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PASSWORD = "correct-horse-battery"


@pytest.fixture
def app_db(seeded_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", seeded_url)
    eng = make_engine(seeded_url)
    with Session(eng) as s:
        create_user(s, "clerk", "finance", PASSWORD)
        hp = s.execute(select(Region.id).where(Region.name == "黄埔区")).scalar_one()
        dept = s.execute(select(Department.id).where(Department.region_id == hp,
                                                     Department.name == "区教育局")).scalar_one()
        create_user(s, "edu_clerk", "finance", PASSWORD, department_ids=[dept])
    eng.dispose()
    return seeded_url


def login(username: str | None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    if username:  # the default page is the public portal: sign in on the login page
        sign_in(at, username, PASSWORD)
        return at.switch_page("../pages/upload.py").run()
    # Anonymous visitors get a login stand-in registered under the page's URL (/upload), not its
    # file, which AppTest.switch_page cannot name: open that URL's page as a browser would.
    at._page_hash = next(h for h, info in at._registered_pages.items() if info.get("url_pathname") == "upload")  # noqa: SLF001
    return at.run()


def monthly_file(rows: list[list[object]]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2022年12月预算执行情况表"])
    ws.append(["单位：万元"])
    ws.append(["项目编码", "项目名称", "预算年度", "月份", "累计支出"])
    for r in rows:
        ws.append(r)
    ws.append(["合计"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def table(at: AppTest, column: str, nth: int = 0):  # type: ignore[no-untyped-def]
    """The nth dataframe on the page that has this column (errors and warnings: 说明; preview: 状态)."""
    frames = [d.value for d in at.dataframe if column in d.value.columns]
    return frames[nth]


def spent(url: str, code: str, month: int) -> int:
    eng = make_engine(url)
    with Session(eng) as s:
        value = s.execute(select(Monitoring.spent_cumulative_fen).join(Project)
                          .where(Project.code == code, Monitoring.month == month)).scalar_one()
    eng.dispose()
    return value


def test_anonymous_visitor_gets_the_login_form_and_no_uploader(app_db: str) -> None:
    at = login(None)
    assert not at.exception
    assert len(at.get("file_uploader")) == 0
    assert [(w.label, w.key) for w in at.text_input] == [("用户名", "login_username"), ("密码", "login_password")]
    assert [b.label for b in at.button if b.proto.is_form_submitter] == ["登录"]


def test_preview_then_confirm_updates_the_figure(app_db: str) -> None:
    at = login("clerk")
    assert not at.exception, at.exception
    at.selectbox(key="upload_kind").select("monitoring").run()
    assert at.info[0].value.startswith("请上传文件")
    data = monthly_file([["HP2022K001", "x", 2022, 12, "12,345.67"], ["HP2022K002", "y", "2022年", "12月", "-"]])
    at.get("file_uploader")[0].upload("2022-12.xlsx", data, XLSX).run()  # type: ignore[attr-defined]
    assert not at.exception, at.exception
    assert [m.value for m in at.metric] == ["2", "2", "0", "2"]
    assert at.success[0].value == "校验通过：2 行数据可以提交。"
    warnings = table(at, "说明")
    assert list(warnings["问题类型"]) == ["累计支出减少", "累计支出减少"]
    assert warnings["说明"][0].startswith("工作表“Sheet”第4行「累计支出」的"
                                          "值“12,345.67”（123,456,700.00 元）低于第11月的累计支出")
    preview = table(at, "状态")
    assert list(preview["行"]) == [4, 5] and set(preview["状态"]) == {"▲ 警告"}
    assert spent(app_db, "HP2022K001", 12) != 12_345_670_000  # nothing written by the preview
    at.button(key="upload_confirm").click().run()
    assert "已提交（批次 #" in at.success[-1].value and "更新 2 条" in at.success[-1].value
    assert spent(app_db, "HP2022K001", 12) == 12_345_670_000 and spent(app_db, "HP2022K002", 12) == 0


def test_errors_are_listed_beside_their_rows_and_block_the_commit(app_db: str) -> None:
    at = login("clerk")
    at.selectbox(key="upload_kind").select("monitoring").run()
    before = spent(app_db, "HP2022K001", 12)
    data = monthly_file([["HP2022K001", "x", 2022, 12, "abc"], ["HP2099K001", "y", 2022, 12, 5]])
    at.get("file_uploader")[0].upload("bad.xlsx", data, XLSX).run()  # type: ignore[attr-defined]
    assert at.error[0].value.startswith("发现 2 个错误")
    errors = table(at, "说明")
    assert list(errors["行"]) == [4, 5]
    assert errors["说明"][0] == "工作表“Sheet”第4行「累计支出」的值“abc”不是数字。"
    assert "不存在" in errors["说明"][1]
    preview = table(at, "状态")
    assert list(preview["状态"]) == ["■ 错误", "■ 错误"]
    assert at.button(key="upload_confirm").disabled
    assert spent(app_db, "HP2022K001", 12) == before


def test_scoped_clerk_may_upload_only_their_departments_rows(app_db: str) -> None:
    at = login("edu_clerk")
    assert "1 个单位" in at.info[0].value
    at.selectbox(key="upload_kind").select("monitoring").run()
    at.get("file_uploader")[0].upload("x.xlsx", monthly_file([["HP2022K001", "x", 2022, 12, 1]]), XLSX).run()  # type: ignore[attr-defined]
    errors = table(at, "说明")
    assert list(errors["问题类型"]) == ["超出可填报单位"]


def test_the_same_file_twice_is_flagged(app_db: str) -> None:
    data = monthly_file([["HP2022K001", "x", 2022, 12, 1]])
    at = login("clerk")
    at.selectbox(key="upload_kind").select("monitoring").run()
    at.get("file_uploader")[0].upload("a.xlsx", data, XLSX).run()  # type: ignore[attr-defined]
    assert not at.warning
    at.button(key="upload_confirm").click().run()
    again = login("clerk")
    again.selectbox(key="upload_kind").select("monitoring").run()
    again.get("file_uploader")[0].upload("a-copy.xlsx", data, XLSX).run()  # type: ignore[attr-defined]
    assert again.warning[0].value.startswith("同一文件此前已上传过（批次 #")


def test_history_and_submission_pages(app_db: str) -> None:
    at = login("clerk")
    at.selectbox(key="upload_kind").select("monitoring").run()
    at.get("file_uploader")[0].upload("b.xlsx", monthly_file([["HP2022K001", "x", 2022, 12, "abc"]]), XLSX).run()  # type: ignore[attr-defined]
    at.switch_page("../pages/upload_history.py").run()
    assert not at.exception, at.exception
    history = table(at, "文件")
    assert history["文件"][0] == "b.xlsx" and history["结果"][0] == "预览" and history["错误"][0] == 1
    at.switch_page("../pages/submissions.py").run()
    assert not at.exception, at.exception
    matrix = table(at, "预算单位")
    assert "预算单位" in matrix.columns and len(matrix) > 0
    assert set(matrix["12月"]) <= {"● 按时", "▲ 逾期", "■ 校验未通过", "○ 未报送", "· 未到期"}
    cells = matrix.drop(columns="预算单位").to_numpy().ravel().tolist()
    assert cells.count("● 按时") > 0.8 * len(cells) and "▲ 逾期" in cells  # most on time, a few late to chase
    assert {b.proto.label for b in at.get("download_button")} >= {"CSV", "Excel"}
    eng = make_engine(app_db)
    with Session(eng) as s:
        assert s.execute(select(UploadBatch.dry_run).order_by(UploadBatch.id.desc())).scalars().first() is True  # type: ignore[union-attr]
    eng.dispose()


def test_a_scoped_clerk_sees_an_upload_that_changed_their_department(app_db: str) -> None:
    at = login("clerk")
    at.selectbox(key="upload_kind").select("monitoring").run()
    at.get("file_uploader")[0].upload(  # type: ignore[attr-defined]
        "two.xlsx", monthly_file([["HP2022K022", "学位", 2022, 12, 1], ["HP2022K001", "住房", 2022, 12, 1]]),
        XLSX).run()
    at.button(key="upload_confirm").click().run()
    assert at.success, [e.value for e in at.error]
    at.get("file_uploader")[0].upload("peek.xlsx", monthly_file([["HP2022K001", "住房", 2022, 12, 2]]), XLSX).run()  # type: ignore[attr-defined]
    edu = login("edu_clerk")
    edu.switch_page("../pages/upload_history.py").run()
    assert not edu.exception, edu.exception
    history = table(edu, "文件")
    # clerk's committed file wrote a row of 区教育局; clerk's preview is clerk's own.
    assert list(history["文件"]) == ["two.xlsx"] and list(history["上传人"]) == ["clerk"]
    rows = table(edu, "变更")
    assert len(rows) == 1 and list(rows["变更"]) == ["更新"]  # 区教育局's row of the two


def test_the_page_in_english(app_db: str) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = "en"
    at.run()
    sign_in(at, "clerk", PASSWORD)
    at.switch_page("../pages/upload.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Data upload"
    at.selectbox(key="upload_kind").select("monitoring").run()
    at.get("file_uploader")[0].upload("x.xlsx", monthly_file([["HP2022K001", "x", 2022, 12, "abc"]]), XLSX).run()  # type: ignore[attr-defined]
    assert at.error[0].value.startswith("1 errors: the file cannot be committed")
    errors = table(at, "Message")
    assert list(errors["Problem"]) == ["not a number"]
    assert list(errors["Message"]) == ["Sheet “Sheet”, row 4, column “累计支出”: “abc” is not a number."]
    at.switch_page("../pages/upload_history.py").run()  # the stored batch reads in English too
    assert not at.exception, at.exception
    stored = table(at, "Message")
    assert list(stored["Message"]) == ["Sheet “Sheet”, row 4, column “累计支出”: “abc” is not a number."]


def _element(at: AppTest, column: str):  # type: ignore[no-untyped-def]
    return next(d for d in at.dataframe if column in d.value.columns)


def test_submissions_put_the_departments_to_chase_first_coloured_and_all_in_view(app_db: str) -> None:
    at = login("clerk")
    at.switch_page("../pages/submissions.py").run()
    assert not at.exception, at.exception
    matrix = table(at, "预算单位")
    cells = matrix.drop(columns="预算单位")
    behind = [sum(v in ("○ 未报送", "■ 校验未通过") for v in row) for row in cells.to_numpy()]
    late = [sum(v == "▲ 逾期" for v in row) for row in cells.to_numpy()]
    assert behind[0] > 0 or late[0] > 0  # the first row is one to chase
    assert list(zip(behind, late, strict=True)) == sorted(zip(behind, late, strict=True),
                                                          key=lambda bl: (-bl[0], -bl[1]))
    element = _element(at, "预算单位")
    # (every department on screen, no 10-row box: tests/browser/test_pages.py measures the grid)
    styles = element.proto.arrow_data.styler.styles  # each status its own colour, beside its symbol
    assert "background-color: #e3f1e6" in styles and "background-color: #fff1c2" in styles  # on time, late


def test_history_in_beijing_time_with_the_period_and_previews_apart(app_db: str) -> None:
    at = login("clerk")
    at.selectbox(key="upload_kind").select("monitoring").run()
    at.get("file_uploader")[0].upload("dec.xlsx", monthly_file([["HP2022K001", "x", 2022, 12, 1]]), XLSX).run()  # type: ignore[attr-defined]
    at.button(key="upload_confirm").click().run()
    at.get("file_uploader")[0].upload("nov.xlsx", monthly_file([["HP2022K001", "x", 2022, 11, 1],  # type: ignore[attr-defined]
                                                                 ["HP2022K002", "x", 2022, 10, 1]]), XLSX).run()
    at.switch_page("../pages/upload_history.py").run()
    assert not at.exception, at.exception
    commits = table(at, "上传时间（北京时间）", 0)
    previews = table(at, "上传时间（北京时间）", 1)
    assert "dec.xlsx" in list(commits["文件"]) and "nov.xlsx" not in list(commits["文件"])
    assert list(previews["文件"])[:2] == ["nov.xlsx", "dec.xlsx"]  # dec.xlsx was previewed before it was committed
    assert set(commits["结果"]) <= {"已提交", "已拒绝"} and set(previews["结果"]) == {"预览"}
    eng = make_engine(app_db)
    with Session(eng) as s:
        stored = s.execute(select(UploadBatch.uploaded_at).where(UploadBatch.file_name == "dec.xlsx",
                                                                 UploadBatch.committed.is_(True))).scalar_one()  # type: ignore[union-attr]
    eng.dispose()
    row = commits[commits["文件"] == "dec.xlsx"].iloc[0]
    assert row["上传时间（北京时间）"] == (stored.replace(tzinfo=None) + dt.timedelta(hours=8)).strftime("%Y-%m-%d "
                                                                                                         "%H:%M:%S")
    assert row["数据期间"] == "2022年12月"
    assert previews[previews["文件"] == "nov.xlsx"].iloc[0]["数据期间"] == "2022年10–11月"
    assert not any("+00:00" in str(v) for v in [*commits.to_numpy().ravel(), *previews.to_numpy().ravel()])


def test_a_file_refused_as_a_whole_marks_no_row_as_passed(app_db: str) -> None:
    """累计支出（元） under 单位：万元 refuses the file (unit_conflict, no row of its own): no preview row
    may say 通过 beside it."""
    at = login("clerk")
    at.selectbox(key="upload_kind").select("monitoring").run()
    wb = openpyxl.Workbook()
    for r in (["单位：万元"], ["项目编码", "项目名称", "预算年度", "月份", "累计支出（元）"],
              ["HP2022K001", "x", 2022, 12, 5]):
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    at.get("file_uploader")[0].upload("conflict.xlsx", buf.getvalue(), XLSX).run()  # type: ignore[attr-defined]
    assert at.error[0].value.startswith("发现 1 个错误")
    assert list(table(at, "说明")["问题类型"]) == ["单位前后不一致"]
    assert list(table(at, "状态")["状态"]) == ["○ 文件被拒绝"]
    assert at.button(key="upload_confirm").disabled
