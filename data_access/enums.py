"""Enumerations: the stored English code and the Chinese label the seeds and uploads use."""

from __future__ import annotations

METHODS = {"self": "单位自评", "review": "自评复核", "key": "重点评价"}
FINANCE_METHODS = ("review", "key")
SPECIAL_BOND = "专项债券"  # the fund source the report counts evaluated projects of (含 3 个专项债券资金项目)
SUBJECT_TYPES = {"project": "项目", "policy": "政策", "department": "部门整体"}
GRADES = {"excellent": "优", "good": "良", "fair": "中", "poor": "差"}
FINDING_STATUSES = {"not_started": "未整改", "in_progress": "整改中", "rectified": "已整改"}
CONCLUSIONS = {"supported": "予以支持", "partial": "部分支持", "rejected": "不予支持"}
PROJECT_KINDS = {"recurring": "经常性", "one_off": "一次性"}
SCOPES = {"general": "通用", "specific": "个性"}
WILL_MEET = {"certain": "确定能", "possible": "有可能", "impossible": "完全不可能"}
DEVIATION_CATEGORIES = ("经费保障", "制度保障", "人员保障", "硬件条件保障", "其他")
FINDING_CATEGORIES = (
    "绩效目标设置", "预算编制", "绩效监控与自评", "项目管理",
    "资产管理", "采购管理", "内部控制", "政策制定与实施",
)
LEVEL1 = ("产出指标", "效益指标", "满意度指标", "成本指标")
LEVEL2 = {
    "产出指标": ("数量指标", "质量指标", "时效指标", "成本指标"),
    "效益指标": ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"),
    "满意度指标": ("服务对象满意度指标",),
    "成本指标": ("经济成本指标", "社会成本指标", "生态环境成本指标"),
}
OPERATORS = (">", "≥", "=", "≤", "<", "定性")
ROLES = ("admin", "finance", "leader")
# A budget execution's status against time progress (queries.core.status_expr): its open-data labels.
EXECUTION_STATUSES = {"green": "正常", "yellow": "关注", "red": "预警"}
