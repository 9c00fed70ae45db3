"""Column headers of the display tables, and the units their headers name."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    "col.no": ("序号", "No."),
    "col.subject": ("评价对象", "Subject"),
    "col.subject_type": ("类型", "Type"),
    "col.department": ("预算单位", "Department"),
    "col.method": ("评价方式", "Method"),
    "col.score": ("得分", "Score"),
    "col.grade": ("等级", "Grade"),
    "col.funds": ("涉及资金", "Funds"),
    "col.completion": ("预算完成率", "Budget completion"),
    "col.finding_code": ("问题编号", "Finding"),
    "col.category": ("问题类别", "Category"),
    "col.description": ("问题描述", "Description"),
    "col.deadline": ("整改期限", "Deadline"),
    "col.status": ("整改状态", "Status"),
    "col.feedback_date": ("书面反馈日期", "Written feedback"),
    "col.measures": ("整改措施", "Measures"),
    "col.project": ("项目名称", "Project"),
    "col.requested": ("申报金额", "Requested"),
    "col.recommended": ("建议金额", "Recommended"),
    "col.cut": ("核减金额", "Cut"),
    "col.conclusion": ("评估结论", "Conclusion"),
    # Units named in a column's header: every number in a table and its downloads is in that unit.
    "unit.header": ("{name}（{unit}）", "{name} ({unit})"),
    "unit.wan": ("万元", "10k yuan"),
    "unit.yuan": ("元", "yuan"),
    "unit.pct": ("%", "%"),
    "unit.pp": ("百分点", "pp"),
}
