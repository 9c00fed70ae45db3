"""Enumerations as clerks write them: every label, code and common variant maps to the stored code."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from data_access import enums
from data_access.uploads.cells import CellError, is_blank, key


@dataclass(frozen=True)
class Enumeration:
    """Accepted spellings of an enumeration: every label and code maps to the stored code."""

    label: str
    choices: Mapping[str, str]  # stored code -> Chinese label
    extra: Mapping[str, str] = field(default_factory=dict)  # other spellings -> stored code
    strip_suffix: str = ""  # `数量` = `数量指标`

    def __post_init__(self) -> None:
        object.__setattr__(self, "_table", self._build())

    def _build(self) -> dict[str, str]:
        table: dict[str, str] = {}
        for code, label in self.choices.items():
            for spelling in (code, label, code.replace("_", "-"), code.replace("_", "")):
                table[key(spelling)] = code
        for spelling, code in self.extra.items():
            table[key(spelling)] = code
        if self.strip_suffix:
            for spelling, code in list(table.items()):
                if spelling.endswith(self.strip_suffix):
                    table.setdefault(spelling[: -len(self.strip_suffix)], code)
        return table

    def parse(self, value: object) -> str | None:
        if is_blank(value):
            return None
        k = key(value)
        table: dict[str, str] = self._table  # type: ignore[attr-defined]
        if k in table:
            return table[k]
        if self.strip_suffix and k.endswith(self.strip_suffix) and k[: -len(self.strip_suffix)] in table:
            return table[k[: -len(self.strip_suffix)]]
        allowed = "、".join(self.choices.values())
        raise CellError("unknown_value", f"不是有效的{self.label}（可选：{allowed}）")


def _same(labels: Sequence[str]) -> dict[str, str]:
    return {label: label for label in labels}


METHOD = Enumeration("评价方式", enums.METHODS,
                     {"自评": "self", "单位自评": "self", "复核": "review", "财政重点评价": "key"})
SUBJECT_TYPE = Enumeration("对象类型", enums.SUBJECT_TYPES,
                           {"项目支出": "project", "部门": "department", "部门整体支出": "department",
                            "政策评价": "policy"})
FINDING_STATUS = Enumeration("整改状态", enums.FINDING_STATUSES,
                             {"未开始": "not_started", "进行中": "in_progress", "已完成": "rectified",
                              "完成整改": "rectified"})
CONCLUSION = Enumeration("评估结论", enums.CONCLUSIONS,
                         {"支持": "supported", "同意": "supported", "不支持": "rejected",
                          "partially_supported": "partial", "not_supported": "rejected"})
PROJECT_KIND = Enumeration("项目类型", enums.PROJECT_KINDS,
                           {"经常": "recurring", "一次": "one_off", "oneoff": "one_off"})
SCOPE = Enumeration("指标类型", enums.SCOPES,
                    {"通用指标": "general", "个性指标": "specific", "共性": "general", "共性指标": "general"})
WILL_MEET = Enumeration("能否完成", enums.WILL_MEET,
                        {"能": "certain", "确定": "certain", "可能": "possible", "不能": "impossible"})
LEVEL1 = Enumeration("一级指标", _same(enums.LEVEL1),
                     {"output": "产出指标", "effect": "效益指标", "satisfaction": "满意度指标", "cost": "成本指标"},
                     strip_suffix="指标")
LEVEL2 = Enumeration("二级指标", _same([l2 for l2s in enums.LEVEL2.values() for l2 in l2s]), strip_suffix="指标")
OPERATOR = Enumeration("比较符", _same(enums.OPERATORS),
                       {">=": "≥", "<=": "≤", "==": "=", "≧": "≥", "≦": "≤", "qualitative": "定性"})
CATEGORY = Enumeration("问题类别", _same(enums.FINDING_CATEGORIES), strip_suffix="问题")
DEVIATION = Enumeration("偏差原因类别", _same(enums.DEVIATION_CATEGORIES))
GRADE = Enumeration("等级", enums.GRADES,
                    {"优秀": "excellent", "良好": "good", "中等": "fair", "合格": "fair", "较差": "poor"})
