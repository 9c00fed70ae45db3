"""事前评估: the ex-ante assessment of a requested project, keyed by (region, year, department, name)."""

from __future__ import annotations

from data_access.formatting import yuan
from data_access.models import ExAnte
from data_access.uploads.cells import display
from data_access.uploads.choices import CONCLUSION
from data_access.uploads.context import Ctx, Row
from data_access.uploads.lookups import DepartmentLookup, RegionLookup, department_in_scope
from data_access.uploads.spec import Cell, Column, Spec, Synonyms


def amounts_agree(ctx: Ctx, row: Row) -> bool:
    """建议金额 is at most 申报金额, and 0 when the conclusion is 不予支持."""
    requested, recommended = row.values["requested_fen"], row.values["recommended_fen"]
    if recommended > requested:
        ctx.error(row, "recommended_fen", "recommended_exceeds_requested",
                  f"{ctx.cell(row, 'recommended_fen')}（{yuan(recommended)} 元）大于申报金额 {yuan(requested)} 元。")
    if row.values["conclusion"] == "rejected" and recommended > 0:
        ctx.error(row, "recommended_fen", "rejected_with_amount",
                  f"{row.label}评估结论为“不予支持”，建议金额应为 0，但填写了“{display(row.raw['recommended_fen'])}”。")
    return True


SPEC = Spec(
    kind="ex-ante", title="事前评估", model=ExAnte,
    columns=(
        Column("name", "项目名称", "name", Cell.NAME, True, example="校园安全提升工程"),
        Column("department", "预算单位", "department", Cell.DEPARTMENT, True, Synonyms.DEPARTMENT, "区教育局"),
        Column("region", "行政区", "region", Cell.REGION, True, Synonyms.REGION, "黄埔区"),
        Column("year", "预算年度", "year", Cell.YEAR, True, Synonyms.YEAR, 2024),
        Column("requested_fen", "申报金额", "requested", Cell.AMOUNT, True, ("申报数",), "3,000,000.00"),
        Column("recommended_fen", "建议金额", "recommended", Cell.AMOUNT, True, ("建议安排金额", "评估建议金额"),
               "2,500,000.00"),
        Column("conclusion", "评估结论", "conclusion", CONCLUSION, True, example="部分支持"),
        Column("code", "项目编码", "code", Cell.CODE, False, Synonyms.CODE),
        Column("published", "是否公开", "published", Cell.BOOL, False, Synonyms.PUBLISHED, "是"),
        Column("score_necessity", "立项必要性", "score_necessity", Cell.SCORE, example=18),
        Column("score_economy", "投入经济性", "score_economy", Cell.SCORE, example=15),
        Column("score_targets", "绩效目标合理性", "score_targets", Cell.SCORE, example=16),
        Column("score_feasibility", "实施方案可行性", "score_feasibility", Cell.SCORE, example=17),
        Column("score_compliance", "筹资合规性", "score_compliance", Cell.SCORE, example=18),
    ),
    key=("region_id", "year", "department_id", "name"),
    checks=(amounts_agree, RegionLookup(), DepartmentLookup(), department_in_scope),
    history=("name", "year", "requested_fen", "recommended_fen", "conclusion"),
    same_row_ignores=("department",),
)
