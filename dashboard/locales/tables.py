"""Column headers of the display tables."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    "col.no": ("序号", "No."),
    "col.subject": ("评价对象", "Subject"),
    "col.subject_type": ("类型", "Type"),
    "col.department": ("预算单位", "Department"),
    "col.method": ("评价方式", "Method"),
    "col.score": ("得分", "Score"),
    "col.grade": ("等级", "Grade"),
    "col.funds_wan": ("涉及资金（万元）", "Funds (10k yuan)"),
    "col.completion": ("预算完成率", "Budget completion"),
    "col.finding_code": ("问题编号", "Finding"),
    "col.category": ("问题类别", "Category"),
    "col.description": ("问题描述", "Description"),
    "col.deadline": ("整改期限", "Deadline"),
    "col.status": ("整改状态", "Status"),
    "col.feedback_date": ("书面反馈日期", "Written feedback"),
    "col.measures": ("整改措施", "Measures"),
    "col.project": ("项目名称", "Project"),
    "col.requested_wan": ("申报金额（万元）", "Requested (10k yuan)"),
    "col.recommended_wan": ("建议金额（万元）", "Recommended (10k yuan)"),
    "col.cut_wan": ("核减金额（万元）", "Cut (10k yuan)"),
    "col.conclusion": ("评估结论", "Conclusion"),
}
