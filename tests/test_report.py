"""The drafted annual report: every figure sentence of the two seed reports that the data supports,
dated at the year end, fill-in places instead of invented text, and a .docx and .xlsx that read
back as the page shows them.

The expected sentences are copied from the seeds. Where the sample data names a subject a little
differently, or the one structure chosen for both seeds words a fact the other seed's way, the
comment beside the sentence says so. White space is ignored in the comparison: the seeds' text
came out of PDFs and spaces digits inconsistently (对9个部门的25个项目 beside 自评预算部门共 77 个).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import docx
import openpyxl
import pytest
from sqlmodel import Session

from data_access.__main__ import main
from data_access.db import make_engine
from data_access.models import Region
from data_access.report import FillIn, Report, Section, annex_xlsx, build_report, docx_bytes, text

HUANGPU_2022 = [
    # 一（一） ex-ante and the review of targets.
    "区财政部门委托专家对 18 个预算单位的 34 个重大预算项目开展事前绩效评估（评审），涉及财政资金 16.6 亿元。",
    "经评审，专家建议立项项目 33 个，建议不予立项 1 个，建议核减金额 3.79 "
    "亿元，建议核减率 23.25%，评估（评审）结论作为预算安排的重要依据。",
    # The seed's 对人大重点审议的其中 6 个…: which departments the NPC chose is not data, so the draft says 对 6 个….
    "6 个部门（街道）整体绩效目标和 75 个项目绩效目标开展专家评审，梳理形成关键指标 769 个",
    # 一（二） monitoring. The fund sources are the setting's names (专项债券资金; the seed writes 债券资金).
    "重点监控年度预算 200 万元以上项目以及中央直达资金、涉农资金、专项债券资金等项目。",
    "6 个部门开展重点监控，涉及预算资金 177.6 亿元、预算项目 40 个。",
    "对新增 500 万元以上的经常性项目和 1000 万元以上一次性项目实施全生命周期跟踪问效",
    # 一（三） the evaluations carried out in 2022, of fiscal 2021.
    "2022 年评价涉及资金 111 亿元",
    "共对区国资局等 8 个部门（镇、单位）整体支出、加快 IAB 产业发展政策等 9 个政策支出、区级粮食风险专项资金等 18 个"
    "项目支出（含萝岗水质净化厂二期工程等 3 个使用专项债券资金项目）开展评价。",
    # 二 rectification of the 2021 findings.
    "二、2021 年度被评价部门绩效问题整改落实情况",
    "（一）整改工作落实情况",
    "所有被评部门均书面反馈整改情况",
    "（二）评价发现问题整改工作成效",
    # 三 the fiscal 2022 evaluations (the sample's policy is named “先进制造业10条”2.0版).
    "三、2022 年度区级财政支出绩效评价情况",
    "（一）基本情况",
    "对区住房城乡建设局等 10 个部门（单位）开展整体支出绩效评价。",
    "另外，对“先进制造业10条”2.0版等 9 个政策支出、基本公共卫生服务补助经费等 "
    "19 个项目（含 3 个专项债券资金项目）支出开展财政绩效评价",
    "总体来看，经评价绩效等级为：优：4 个，占 10.53%；良：31 个，占 81.58%；中：3 个，占 7.89%。项目优良率为 92.11%。",
    "（评价结果详见附件 1，自评复核项目情况详见附件 2，财政重点评价项目绩效报告详见附件 3）",
    "（二）被评部门取得的成效",
    "（三）存在的问题",
    "四、下一步预算绩效管理工作要点",
    # The annexes (the seed's (第三方独立评价) in half-width brackets).
    "1.2022 年度区本级财政支出绩效评价结果汇总",
    "2.2022 年度财政支出自评复核项目绩效情况表",
    "3.2022 年度支出财政重点评价（第三方独立评价）项目绩效报告",
]

LIWAN_2020 = [
    # 一（一）2 the indicator library.
    "共 7104 条，其中通用类指标 225 条，部门个性化指标 6879 条",
    # Ex-ante in the Huangpu seed's words (荔湾区: 涉及预算资金0.79亿元 … 核减预算金额0.12亿元，核减率15.15%).
    "区财政部门委托专家对 2 个预算单位的 3 个重大预算项目开展事前绩效评估（评审），涉及财政资金 0.79 亿元。",
    "经评审，专家建议立项项目 3 个，建议核减金额 0.12 亿元，建议核减率 15.15%",
    "“予以支持”2 个、“部分予以支持”1 个",
    # 一（二）4 the evaluations of the year. The seed's 32 个部门（单位）10 个项目开展重点评价 contradicts its own
    # 二（一）2 (10 个部门（单位）的10个重点项目); the data has 10.
    "自评预算部门共 77 个，自评预算项目 3755 个，项目自评优良等级有 3406 项，占 90.71%。",
    "区财政共组织 9 个部门（单位）25 个项目开展复核，10 个部门（单位）"
    "10 个项目开展重点评价，2 个部门整体绩效开展重点评价。",
    "共提出 86 条建议。",
    # 二 the evaluations, in this draft's 三.
    "涉及财政资金 7.66 亿元",
    "委托第三方机构对9个部门的25个项目进行了自评复核，涉及资金0.26亿元。"
    "经评价，这25个项目绩效等级分别为：2个优、18个良、5个中，"
    "项目优良率80%。项目总体预算完成率98%，其中预算完成率为100%的项目16个，90%以上的项目7个，90%以下的项目2个",
    "委托第三方机构对10个部门（单位）的10个重点项目进行了第三方评价，"
    "涉及资金2.67亿元。经评价，该10个项目绩效等级分别为："
    "1个优、9个良，项目优良率100%。项目总体预算完成率97.55%，"
    "其中预算完成率为100%的项目7个，90%以上的项目2个，90%以下的项目1个",
    # The seed writes 等两个部门.
    "对区人力和社会保障局、多宝街办事处等 2 个部门进行了评价，涉及资金4.73亿元，区人力和社会保障局预算完成率90.06%，"
    "部门整体绩效评价结果综合得分为 90.34 分；多宝街办事处预算完成率 95.33%，部门整体绩效评价结果综合得分为 85.82 分",
]


def squeeze(value: str) -> str:
    return re.sub(r"\s+", "", value)


def draft(url: str, year: int, region: str, as_of: dt.date | None = None) -> Report:
    engine = make_engine(url)
    with Session(engine) as session:
        report = build_report(session=session, year=year, region=region, as_of=as_of)
    engine.dispose()
    return report


def docx_text(data: bytes) -> str:
    d = docx.Document(io.BytesIO(data))
    return "\n".join([p.text for p in d.paragraphs] + [c.text for t in d.tables for r in t.rows for c in r.cells])


@pytest.mark.parametrize(("region", "year", "sentences"), [("黄埔区", 2022, HUANGPU_2022),
                                                           ("荔湾区", 2020, LIWAN_2020)])
def test_the_draft_writes_each_seed_sentence_the_data_supports(any_seeded_url: str, region: str, year: int,
                                                              sentences: list[str]) -> None:
    report = draft(any_seeded_url, year, region)
    written, in_docx = squeeze(text(report)), squeeze(docx_text(docx_bytes(report)))
    missing = [s for s in sentences if squeeze(s) not in written]
    assert missing == []
    assert [s for s in sentences if squeeze(s) not in in_docx] == []


def test_title_and_headings(seeded_url: str) -> None:
    report = draft(seeded_url, 2022, "黄埔区")
    assert report.title == "黄埔区、广州开发区 2022 年度区本级财政支出绩效情况的报告"
    assert [s.heading for s in report.blocks if isinstance(s, Section) and s.level == 1] == [
        "一、2022 年度预算绩效管理工作开展情况", "二、2021 年度被评价部门绩效问题整改落实情况",
        "三、2022 年度区级财政支出绩效评价情况", "四、下一步预算绩效管理工作要点",
        "附件 1  2022 年度区本级财政支出绩效评价结果汇总", "附件 2  2022 年度财政支出自评复核项目绩效情况表",
        "附件 3  2022 年度支出财政重点评价（第三方独立评价）项目绩效报告"]
    assert draft(seeded_url, 2020, "荔湾区").title == "荔湾区 2020 年度区本级财政支出绩效情况的报告"


def test_a_past_year_is_dated_at_its_year_end_or_the_date_chosen(seeded_url: str) -> None:
    report = draft(seeded_url, 2022, "黄埔区")
    written = text(report)
    assert report.as_of == dt.date(2022, 12, 31) and "数据截至 2022 年 12 月 31 日" in report.subtitle
    today = dt.date.today()
    assert f"{today.year} 年 {today.month} 月 {today.day} 日" not in written and today.isoformat() not in written
    assert "截至 2022 年 12 月 31 日，所有被评部门均书面反馈整改情况" in written
    # As of the end of 2021 no department had sent its written feedback yet.
    early = text(draft(seeded_url, 2022, "黄埔区", as_of=dt.date(2021, 12, 31)))
    assert "数据截至 2021 年 12 月 31 日" in early and "所有被评部门均书面反馈整改情况" not in early
    assert re.search(r"截至 2021 年 12 月 31 日，\d+ 个被评部门中 0 个已书面反馈整改情况", early)


@pytest.mark.parametrize(("region", "year"), [("黄埔区", 2022), ("荔湾区", 2020)])
def test_no_heading_names_a_department_twice(seeded_url: str, region: str, year: int) -> None:
    headings = [b.heading for b in draft(seeded_url, year, region).walk() if isinstance(b, Section)]
    assert any("区人力" in h or "区住房城乡建设局" in h for h in headings)  # department evaluations have headings
    # Neither 区住房城乡建设局（区住房城乡建设局） nor 社区网格化管理经费（区统计局）（区统计局）.
    assert [h for h in headings if any(h.count(name) > 1 for name in re.findall(r"（([^（）]+)）", h))] == []
    assert [h for h in headings if re.search(r"(.+)（\1）", h)] == []


@pytest.mark.parametrize(("region", "year"), [("黄埔区", 2022), ("荔湾区", 2020)])
def test_what_people_write_is_a_marked_place_never_boilerplate(seeded_url: str, region: str, year: int) -> None:
    report = draft(seeded_url, year, region)
    fill_ins = report.fill_ins()
    prompts = [f.prompt for f in fill_ins]
    assert len(prompts) == len(set(prompts)), prompts  # no prompt repeated
    assert 4 <= len(prompts) <= 12  # a handful of places, not one per evaluated subject
    assert any(p.startswith("被评部门取得的成效") for p in prompts) and any(p.startswith("存在的问题") for p in prompts)
    written = text(report)
    assert written.count("【待填写：") == len(prompts)
    # The achievements section holds nothing but its place to fill in: no sentence is invented.
    three = next(b for b in report.blocks if isinstance(b, Section) and b.heading.startswith("三、"))
    achieved = next(b for b in three.blocks if isinstance(b, Section) and b.heading == "（二）被评部门取得的成效")
    assert [type(s) for p in achieved.blocks for s in p.sentences] == [FillIn]  # type: ignore[union-attr]


def test_the_docx_sets_the_east_asian_font_on_every_run(seeded_url: str) -> None:
    data = docx_bytes(draft(seeded_url, 2022, "黄埔区"))
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    runs = re.findall(r"<w:r>.*?</w:r>|<w:r .*?</w:r>", xml, flags=re.S)
    with_text = [r for r in runs if "<w:t" in r]
    assert len(with_text) > 100
    assert [r for r in with_text if 'w:eastAsia="' not in r] == []
    styles = zipfile.ZipFile(io.BytesIO(data)).read("word/styles.xml").decode()
    normal = re.search(r'<w:style [^>]*w:styleId="Normal".*?</w:style>', styles, flags=re.S)
    assert normal and 'w:eastAsia="SimSun"' in normal.group(0)
    assert "eastAsiaTheme" not in re.search(  # type: ignore[union-attr]
        r'<w:style [^>]*w:styleId="Heading1".*?</w:style>', styles, flags=re.S).group(0)


@pytest.mark.parametrize(("region", "year"), [("黄埔区", 2022), ("荔湾区", 2020)])
def test_docx_and_xlsx_read_back_as_the_report_tables(seeded_url: str, region: str, year: int) -> None:
    report = draft(seeded_url, year, region)
    tables = report.tables()
    assert len(tables) >= 3
    document = docx.Document(io.BytesIO(docx_bytes(report)))
    assert ([[[c.text for c in r.cells] for r in t.rows] for t in document.tables]
            == [[t.header, *t.rows()] for t in tables])
    book = openpyxl.load_workbook(io.BytesIO(annex_xlsx(report)))
    assert len(book.worksheets) == len(tables)
    for sheet, table in zip(book.worksheets, tables, strict=True):
        rows = list(sheet.iter_rows(values_only=True))
        assert list(rows[0]) == table.header
        for column, values in zip(table.columns, zip(*rows[1:], strict=True), strict=True):
            expected = [None if v is None else (float(v) if column.number_format else str(v)) for v in column.values]
            assert list(values) == expected, column.header


def test_annex_amounts_are_in_the_unit_their_header_names(seeded_url: str) -> None:
    report = draft(seeded_url, 2020, "荔湾区")
    annex1 = next(t for t in report.tables() if t.title == "2020 年度区本级财政支出绩效评价结果汇总")
    funds = next(c for c in annex1.columns if c.header == "涉及资金（万元）")
    assert sum(Decimal(v) for v in funds.values if v is not None) == Decimal(76600)  # 7.66 亿元 = 76,600 万元


def test_a_region_without_data_gets_places_to_fill_in_not_guesses(db_url: str) -> None:
    engine = make_engine(db_url)
    with Session(engine) as session:
        session.add(Region(name="天河区"))
        session.commit()
    report = draft(db_url, 2023, "天河区")
    prompts = [f.prompt for f in report.fill_ins()]
    assert "事前绩效评估情况（数据库中没有 2023 年度的事前评估记录）" in prompts
    assert "评价基本情况（数据库中没有 2023 年度的财政评价记录）" in prompts
    assert "整改工作落实情况（数据库中没有 2022 年度的评价问题记录）" in prompts
    assert "绩效运行监控情况（数据库中没有 2023 年度的预算项目）" in prompts
    assert report.tables() and all(not t.rows() for t in report.tables())  # the annexes are there, empty
    assert (docx.Document(io.BytesIO(docx_bytes(report))).paragraphs[0].text == report.title
            == "天河区 2023 年度区本级财政支出绩效情况的报告")


# ---- the command line ------------------------------------------------------------------------------
def test_the_cli_writes_the_draft_and_its_annexes(seeded_url: str, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "huangpu.docx"
    assert main(["--db", seeded_url, "report", "--year", "2022", "--region", "黄埔区", "--out", str(out)]) == 0
    assert docx_text(out.read_bytes()) == docx_text(docx_bytes(draft(seeded_url, 2022, "黄埔区")))
    annexes = tmp_path / "huangpu.xlsx"
    assert main(["--db", seeded_url, "report", "--year", "2022", "--region", "黄埔区", "--out", str(annexes)]) == 0
    assert openpyxl.load_workbook(annexes).sheetnames == ["表1 问题整改（按类别）", "附件1 评价结果汇总",
                                                          "附件2 自评复核项目", "附件3 重点评价项目"]
    dated = tmp_path / "dated.docx"
    assert main(["--db", seeded_url, "report", "--year", "2022", "--region", "黄埔区", "--as-of", "2023-06-30",
                 "--out", str(dated)]) == 0
    assert "数据截至 2023 年 6 月 30 日" in docx_text(dated.read_bytes())


@pytest.mark.parametrize("name", ["r.txt", "r.doc", "r"])
def test_the_cli_refuses_another_format(seeded_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        name: str) -> None:
    out = tmp_path / name
    assert main(["--db", seeded_url, "report", "--year", "2022", "--region", "黄埔区", "--out", str(out)]) == 1
    assert not out.exists()
    err = capsys.readouterr().err
    assert f"“{name}”" in err and ".docx" in err and ".xlsx" in err


def test_report_unknown_region(seeded_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "x.docx"
    assert main(["--db", seeded_url, "report", "--year", "2022", "--region", "天河区", "--out", str(out)]) == 1
    assert not out.exists() and "未找到行政区“天河区”" in capsys.readouterr().err
