"""绩效评价: an evaluation of a project, policy or department; the grade is derived from the score."""

from __future__ import annotations

from data_access.enums import GRADES
from data_access.models import Evaluation, Region
from data_access.queries.core import grade_of
from data_access.uploads.cells import display
from data_access.uploads.choices import GRADE, METHOD, SUBJECT_TYPE
from data_access.uploads.context import Ctx, Row
from data_access.uploads.lookups import (
    DepartmentLookup,
    ProjectLookup,
    RegionLookup,
    department_in_scope,
    fund_source_known,
)
from data_access.uploads.spec import Cell, Column, Spec, Synonyms


def grade_matches_score(ctx: Ctx, row: Row) -> bool:
    """A grade given beside a score agrees with it, by the region's own boundaries (DOMAIN.md)."""
    grade = row.values.get("grade")
    if grade:
        region: Region = row.resolved["region"]
        expected = grade_of(row.values["score_centi"], region.grade_excellent, region.grade_good, region.grade_fair)
        if expected != grade:
            ctx.error(row, "grade", "grade_mismatch",
                      f"{ctx.cell(row, 'grade')}与得分 {display(row.raw['score_centi'])} 不符："
                      f"按{region.name}的等级标准"
                      f"（优≥{region.grade_excellent}，良≥{region.grade_good}，中≥{region.grade_fair}）"
                      f"应为“{GRADES[expected]}”。")
    return True


SPEC = Spec(
    kind="evaluations", title="绩效评价", model=Evaluation,
    columns=(
        Column("subject", "评价对象", "subject", Cell.NAME, True, ("评价项目", "项目名称"), "学位供给保障项目"),
        Column("subject_type", "对象类型", "subject_type", SUBJECT_TYPE, True, ("评价类型",), "项目"),
        Column("department", "预算单位", "department", Cell.DEPARTMENT, True, Synonyms.DEPARTMENT, "区教育局"),
        Column("region", "行政区", "region", Cell.REGION, True, Synonyms.REGION, "黄埔区"),
        Column("year", "预算年度", "year", Cell.YEAR, True, Synonyms.YEAR, 2023),
        Column("method", "评价方式", "method", METHOD, True, example="重点评价"),
        Column("score_centi", "得分", "score", Cell.SCORE, True, ("评价得分", "综合得分", "分数"), 88.5),
        Column("code", "项目编码", "code", Cell.CODE, False, Synonyms.CODE, "HP2023P001"),
        Column("grade", "等级", "grade", GRADE, False, ("评价等级", "评价结果"), "良"),
        Column("evaluator", "评价机构", "evaluator", Cell.TEXT, False, ("第三方机构",),
               "某会计师事务所有限公司（第三方）"),
        Column("fund_source", "资金来源", "fund_source", Cell.TEXT, example="专项债券"),
        Column("funds_fen", "涉及资金", "funds", Cell.AMOUNT, False, ("评价金额", "涉及金额"), "12,000,000.00"),
        Column("budget_completion_centi", "预算完成率", "budget_completion_rate", Cell.RATE, False, ("预算执行率",),
               "97.55%"),
        Column("published", "是否公开", "published", Cell.BOOL, False, Synonyms.PUBLISHED, "是"),
        Column("recommendations", "建议条数", "recommendations", Cell.INT, False, ("建议数",), 3),
        Column("report_summary", "评价摘要", "report_summary", Cell.TEXT, False, ("报告摘要", "评价结论"),
               "项目实施总体顺利，产出指标基本完成。"),
    ),
    key=("region_id", "year", "department_id", "subject", "method"),
    checks=(fund_source_known, RegionLookup(), DepartmentLookup(), department_in_scope, ProjectLookup(stop=False),
            grade_matches_score),
    history=("subject", "year", "method", "score_centi", "funds_fen"),
    same_row_ignores=("department",),
)
