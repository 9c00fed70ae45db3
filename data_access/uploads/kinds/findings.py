"""问题整改: a problem an evaluation found and its rectification; every status change is kept."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert

from data_access.models import Finding, FindingDeadlineRevision, FindingStatusChange
from data_access.uploads.cells import display
from data_access.uploads.choices import CATEGORY, FINDING_STATUS
from data_access.uploads.context import Ctx, Row
from data_access.uploads.lookups import DepartmentLookup, RegionLookup, department_in_scope, evaluation_lookup
from data_access.uploads.spec import Cell, Column, Spec, Synonyms
from data_access.uploads.write import Written


def rectified_date_agrees(ctx: Ctx, row: Row) -> bool:
    """A 完成日期 beside a status other than 已整改 is worth a second look (a warning)."""
    if row.values.get("rectified_date") and row.values["status"] != "rectified":
        ctx.warn(row, "rectified_date", "status_date_mismatch",
                 f"{row.label}填写了完成日期，但整改状态是“{display(row.raw.get('status'))}”，请核对。")
    return True


def verification_follows_status(ctx: Ctx, row: Row, current: Any) -> dict[str, Any]:
    """A file that changes a verified finding's status undoes the bureau's verification (销号): the
    finding is no longer the one that was verified."""
    if current is not None and current.verified_at is not None and current.status != row.values["status"]:
        return {"verified_at": None, "verified_by": None}
    return {}


def histories(ctx: Ctx, written: list[Written]) -> None:
    """A new finding, or one whose status the file changed, gets a FindingStatusChange naming the batch;
    a deadline the file moved gets a FindingDeadlineRevision (the append-only deadline history), its
    reason naming the batch, since an upload carries none."""
    history = [{"finding_id": w.id, "from_status": None if w.before is None else w.before["status"],
                "to_status": w.values["status"]}
               for w in written if w.before is None or "status" in w.before]
    if history:
        comment = f"导入批次 #{ctx.batch_id}"
        ctx.session.execute(insert(FindingStatusChange), [
            {**h, "changed_at": ctx.now, "changed_by": ctx.user, "comment": comment} for h in history])
    moves = [{"finding_id": w.id, "old_deadline": w.before["deadline"], "new_deadline": w.values["deadline"]}
             for w in written if w.before is not None and "deadline" in w.before]
    if moves:
        reason = f"导入批次 #{ctx.batch_id}（上传文件未写理由）"
        ctx.session.execute(insert(FindingDeadlineRevision), [
            {**m, "revised_at": ctx.now, "revised_by": ctx.user, "reason": reason} for m in moves])


SPEC = Spec(
    kind="findings", title="问题整改", model=Finding,
    columns=(
        Column("finding_code", "问题编号", "finding_code", Cell.CODE, True, example="HP2023-0001"),
        Column("subject", "评价对象", "subject", Cell.NAME, True, example="学位供给保障项目"),
        Column("department", "预算单位", "department", Cell.DEPARTMENT, True, Synonyms.DEPARTMENT, "区教育局"),
        Column("region", "行政区", "region", Cell.REGION, True, Synonyms.REGION, "黄埔区"),
        Column("year", "预算年度", "year", Cell.YEAR, True, Synonyms.YEAR, 2023),
        Column("category", "问题类别", "category", CATEGORY, True, ("问题类型",), "项目管理"),
        Column("description", "问题描述", "description", Cell.TEXT, True, example="项目验收资料不完整"),
        Column("deadline", "整改期限", "deadline", Cell.DATE, True, ("整改时限",), "2024-06-30"),
        Column("status", "整改状态", "status", FINDING_STATUS, True, ("整改情况",), "整改中"),
        Column("recommendation", "整改建议", "recommendation", Cell.TEXT, example="完善项目验收管理制度"),
        Column("measures", "整改措施", "measures", Cell.TEXT, example="已补充验收资料"),
        Column("feedback_date", "书面反馈日期", "feedback_date", Cell.DATE, False, ("反馈日期",), "2024-05-20"),
        Column("rectified_date", "完成日期", "rectified_date", Cell.DATE, False, ("整改完成日期",)),
        Column("published", "是否公开", "published", Cell.BOOL, False, Synonyms.PUBLISHED, "是"),
    ),
    key=("region_id", "year", "finding_code"),
    checks=(RegionLookup(), DepartmentLookup(), department_in_scope, evaluation_lookup, rectified_date_agrees),
    record="问题",
    history=("finding_code", "subject", "status", "deadline"),
    same_row_ignores=("department",),
    extra_values=verification_follows_status,
    after_write=histories,
)
