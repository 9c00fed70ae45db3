"""SQLModel tables for the whole budget-performance cycle (DOMAIN.md).

Money is integer fen (1 yuan = 100 fen) in BIGINT columns, so sums are exact on every
database. Scores and rates are integer hundredths (90.34 points -> 9034, 97.55 % -> 9755).
Enumerations are stored as short English codes; their Chinese labels live in `enums.py`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, CheckConstraint, Index, Text, UniqueConstraint, false, text
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlmodel import Field, SQLModel

from data_access.settings import SETTINGS


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _deadline_as_inserted(context: DefaultExecutionContext) -> dt.date | None:
    """A new finding's original deadline is its deadline: every insert (ORM, bulk, import) fills it."""
    return context.get_current_parameters().get("deadline")


class Region(SQLModel, table=True):
    """A district (行政区); grade boundaries are a per-region setting."""

    __tablename__ = "region"
    __table_args__ = (
        CheckConstraint("grade_fair < grade_good AND grade_good < grade_excellent", name="grade_order"),
    )
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=50)
    full_name: str | None = Field(default=None, max_length=100)
    grade_excellent: int = Field(default=SETTINGS.grade_excellent)
    grade_good: int = Field(default=SETTINGS.grade_good)
    grade_fair: int = Field(default=SETTINGS.grade_fair)


class Department(SQLModel, table=True):
    """A budget unit (预算部门/单位) of one region."""

    __tablename__ = "department"
    __table_args__ = (UniqueConstraint("region_id", "name", name="uq_department_name"),)
    id: int | None = Field(default=None, primary_key=True)
    region_id: int = Field(foreign_key="region.id", index=True)
    code: str | None = Field(default=None, max_length=50)
    name: str = Field(max_length=100)
    # The region's finance bureau (区财政局): its finance users verify rectification and revise deadlines.
    is_finance_bureau: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class Project(SQLModel, table=True):
    """A budget line of one department for one fiscal year."""

    __tablename__ = "project"
    __table_args__ = (
        UniqueConstraint("region_id", "year", "code", name="uq_project_code"),
        CheckConstraint("budget_adjusted_fen >= 0", name="budget_adjusted_nonneg"),
        CheckConstraint("budget_initial_fen IS NULL OR budget_initial_fen >= 0", name="budget_initial_nonneg"),
        CheckConstraint("kind IN ('recurring', 'one_off')", name="project_kind"),
        Index("ix_project_region_year_dept", "region_id", "year", "department_id"),
        Index("ix_project_code", "code", "year"),  # uploads name projects by code (migration 0009)
    )
    id: int | None = Field(default=None, primary_key=True)
    region_id: int = Field(foreign_key="region.id")
    department_id: int = Field(foreign_key="department.id")
    year: int
    code: str = Field(max_length=50)
    name: str = Field(max_length=200)
    budget_initial_fen: int | None = Field(default=None, sa_type=BigInteger)
    budget_adjusted_fen: int = Field(sa_type=BigInteger)
    fund_source: str = Field(default="一般公共预算", max_length=20)
    kind: str = Field(default="recurring", max_length=10)
    is_new: bool = Field(default=False)


class Monitoring(SQLModel, table=True):
    """One month's cumulative spending of a project (双监控); budget blank = carried forward."""

    __tablename__ = "monitoring"
    __table_args__ = (
        UniqueConstraint("project_id", "month", name="uq_monitoring_month"),
        CheckConstraint("month BETWEEN 1 AND 12", name="month_range"),
        CheckConstraint("spent_cumulative_fen >= 0", name="spent_nonneg"),
        CheckConstraint("budget_fen IS NULL OR budget_fen >= 0", name="budget_nonneg"),
        # The carry-forward (core.project_execution) reads each project's latest spending and latest
        # recorded budget at a month from these alone (migration 0006).
        Index("ix_monitoring_spent", "project_id", "month", "spent_cumulative_fen"),
        Index("ix_monitoring_budget", "project_id", "month", "budget_fen",
              sqlite_where=text("budget_fen IS NOT NULL"), postgresql_where=text("budget_fen IS NOT NULL")),
    )
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    month: int
    spent_cumulative_fen: int = Field(sa_type=BigInteger)
    budget_fen: int | None = Field(default=None, sa_type=BigInteger)
    target_progress: str | None = Field(default=None, sa_type=Text)
    deviation_reason: str | None = Field(default=None, sa_type=Text)
    batch_id: int | None = Field(default=None, foreign_key="upload_batch.id")
    submitted_at: dt.datetime | None = Field(default=None)


class Indicator(SQLModel, table=True):
    """A performance indicator: in the library (no project) or a project's target (三级指标)."""

    __tablename__ = "indicator"
    __table_args__ = (
        CheckConstraint("scope IN ('general', 'specific')", name="indicator_scope"),
        CheckConstraint(
            "will_meet IS NULL OR will_meet IN ('certain', 'possible', 'impossible')", name="will_meet"
        ),
        Index("ix_indicator_region_project", "region_id", "project_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    region_id: int = Field(foreign_key="region.id")
    department_id: int | None = Field(default=None, foreign_key="department.id")
    project_id: int | None = Field(default=None, foreign_key="project.id")
    name: str = Field(max_length=200)
    level1: str = Field(max_length=20)
    level2: str = Field(max_length=20)
    scope: str = Field(default="general", max_length=10)
    unit: str | None = Field(default=None, max_length=20)
    operator: str | None = Field(default=None, max_length=4)
    target_value: str | None = Field(default=None, max_length=100)
    is_core: bool = Field(default=False)
    # The year an expert review of performance targets (绩效目标专家评审) set or confirmed this
    # indicator: the annual report counts the reviewed departments, projects and key indicators.
    review_year: int | None = Field(default=None)
    # Mid-year target monitoring (as of the setting's date, 7月31日 by default).
    value_to_date: str | None = Field(default=None, max_length=100)
    expected_year_end: str | None = Field(default=None, max_length=100)
    will_meet: str | None = Field(default=None, max_length=12)
    deviation_category: str | None = Field(default=None, max_length=20)
    deviation_note: str | None = Field(default=None, sa_type=Text)
    corrective_measure: str | None = Field(default=None, sa_type=Text)


class Evaluation(SQLModel, table=True):
    """A performance evaluation (绩效评价); the grade is derived from the score, never stored."""

    __tablename__ = "evaluation"
    __table_args__ = (
        UniqueConstraint("region_id", "year", "department_id", "subject", "method", name="uq_evaluation"),
        CheckConstraint("score_centi BETWEEN 0 AND 10000", name="score_range"),
        CheckConstraint("method IN ('self', 'review', 'key')", name="evaluation_method"),
        CheckConstraint("subject_type IN ('project', 'policy', 'department')", name="subject_type"),
        CheckConstraint("funds_fen IS NULL OR funds_fen >= 0", name="funds_nonneg"),
        Index("ix_evaluation_region_year", "region_id", "year", "method"),
    )
    id: int | None = Field(default=None, primary_key=True)
    region_id: int = Field(foreign_key="region.id")
    department_id: int = Field(foreign_key="department.id")
    year: int
    subject: str = Field(max_length=200)
    subject_type: str = Field(max_length=12)
    method: str = Field(max_length=8)
    score_centi: int
    project_id: int | None = Field(default=None, foreign_key="project.id")
    evaluator: str | None = Field(default=None, max_length=100)
    funds_fen: int | None = Field(default=None, sa_type=BigInteger)
    budget_completion_centi: int | None = Field(default=None)
    recommendations: int | None = Field(default=None)
    # 资金来源 of the evaluated subject when it is not a budget line of this year (a project of an
    # earlier year, a policy); blank: the linked project's. The report counts 专项债券 projects by it.
    fund_source: str | None = Field(default=None, max_length=20)
    report_summary: str | None = Field(default=None, sa_type=Text)
    published: bool = Field(default=False)
    published_at: dt.datetime | None = Field(default=None)
    published_by: str | None = Field(default=None, max_length=50)
    # The department's written feedback (书面反馈) on this evaluation, and who recorded it when.
    feedback_date: dt.date | None = Field(default=None)
    feedback_text: str | None = Field(default=None, sa_type=Text)
    feedback_by: str | None = Field(default=None, max_length=50)
    feedback_at: dt.datetime | None = Field(default=None)


class Finding(SQLModel, table=True):
    """A problem found by an evaluation (问题) and its rectification (整改)."""

    __tablename__ = "finding"
    __table_args__ = (
        UniqueConstraint("region_id", "year", "finding_code", name="uq_finding_code"),
        CheckConstraint("status IN ('not_started', 'in_progress', 'rectified')", name="finding_status"),
        Index("ix_finding_region_year", "region_id", "year"),
    )
    id: int | None = Field(default=None, primary_key=True)
    region_id: int = Field(foreign_key="region.id")
    department_id: int = Field(foreign_key="department.id")
    year: int
    finding_code: str = Field(max_length=50)
    evaluation_id: int | None = Field(default=None, foreign_key="evaluation.id")
    subject: str = Field(max_length=200)
    category: str = Field(max_length=20)
    description: str = Field(sa_type=Text)
    recommendation: str | None = Field(default=None, sa_type=Text)
    measures: str | None = Field(default=None, sa_type=Text)
    # The current target date; moved only with a reason (FindingDeadlineRevision keeps every move).
    deadline: dt.date
    # The deadline first set, never moved: days overdue are shown against it too. Filled on insert.
    original_deadline: dt.date | None = Field(default=None, sa_column_kwargs={"default": _deadline_as_inserted})
    status: str = Field(default="not_started", max_length=12)
    feedback_date: dt.date | None = Field(default=None)
    rectified_date: dt.date | None = Field(default=None)
    # The bureau's verification of a rectified finding: rectified and verified = closed (销号).
    verified_at: dt.datetime | None = Field(default=None)
    verified_by: str | None = Field(default=None, max_length=50)
    published: bool = Field(default=False)
    published_at: dt.datetime | None = Field(default=None)
    published_by: str | None = Field(default=None, max_length=50)


class FindingStatusChange(SQLModel, table=True):
    """Append-only history of a finding's rectification: who, when, from, to, and for a workflow step
    (data_access/rectification.py) its action, measures, evidence, the date it states and the reason.

    Migration 0002 adds triggers refusing UPDATE and DELETE of these rows on both backends. `action`
    is blank for rows written before the workflow (imports, the sample data's filing).
    """

    __tablename__ = "finding_status_change"
    __table_args__ = (
        CheckConstraint("to_status IN ('not_started', 'in_progress', 'rectified')", name="status_change_to"),
        CheckConstraint(
            "from_status IS NULL OR from_status IN ('not_started', 'in_progress', 'rectified')",
            name="status_change_from",
        ),
        CheckConstraint("action IS NULL OR action IN ('start', 'rectify', 'verify', 'send_back')",
                        name="status_change_action"),
    )
    id: int | None = Field(default=None, primary_key=True)
    finding_id: int = Field(foreign_key="finding.id", index=True)
    changed_at: dt.datetime = Field(default_factory=utcnow)
    changed_by: str = Field(max_length=50)
    from_status: str | None = Field(default=None, max_length=12)
    to_status: str = Field(max_length=12)
    comment: str | None = Field(default=None, sa_type=Text)  # the reason of a send-back, a verifier's note
    action: str | None = Field(default=None, max_length=12)
    measures: str | None = Field(default=None, sa_type=Text)
    evidence: str | None = Field(default=None, sa_type=Text)
    step_date: dt.date | None = Field(default=None)


class FindingDeadlineRevision(SQLModel, table=True):
    """Append-only history of a finding's deadline: every move, who, when and why (never a silent deferral).

    Migration 0005 adds triggers refusing UPDATE and DELETE of these rows on both backends.
    """

    __tablename__ = "finding_deadline_revision"
    __table_args__ = (
        CheckConstraint("new_deadline <> old_deadline", name="deadline_revision_moves"),
        CheckConstraint("length(trim(reason)) > 0", name="deadline_revision_reason"),
    )
    id: int | None = Field(default=None, primary_key=True)
    finding_id: int = Field(foreign_key="finding.id", index=True)
    revised_at: dt.datetime = Field(default_factory=utcnow)
    revised_by: str = Field(max_length=50)
    old_deadline: dt.date
    new_deadline: dt.date
    reason: str = Field(sa_type=Text)


class ExAnte(SQLModel, table=True):
    """An ex-ante assessment (事前绩效评估) of a requested project."""

    __tablename__ = "ex_ante"
    __table_args__ = (
        UniqueConstraint("region_id", "year", "department_id", "name", name="uq_ex_ante"),
        CheckConstraint("conclusion IN ('supported', 'partial', 'rejected')", name="ex_ante_conclusion"),
        CheckConstraint("requested_fen >= 0 AND recommended_fen >= 0", name="ex_ante_nonneg"),
        CheckConstraint("recommended_fen <= requested_fen", name="ex_ante_recommended_le_requested"),
        CheckConstraint("conclusion <> 'rejected' OR recommended_fen = 0", name="ex_ante_rejected_zero"),
    )
    id: int | None = Field(default=None, primary_key=True)
    region_id: int = Field(foreign_key="region.id")
    department_id: int = Field(foreign_key="department.id")
    year: int
    name: str = Field(max_length=200)
    code: str | None = Field(default=None, max_length=50)
    requested_fen: int = Field(sa_type=BigInteger)
    recommended_fen: int = Field(sa_type=BigInteger)
    conclusion: str = Field(max_length=10)
    # Optional dimension scores (hundredths of a point).
    score_necessity: int | None = Field(default=None)
    score_economy: int | None = Field(default=None)
    score_targets: int | None = Field(default=None)
    score_feasibility: int | None = Field(default=None)
    score_compliance: int | None = Field(default=None)
    published: bool = Field(default=False)
    published_at: dt.datetime | None = Field(default=None)
    published_by: str | None = Field(default=None, max_length=50)


class ExecutionPublication(SQLModel, table=True):
    """A region's decision to publish a year's department-level budget execution on the portal: the row
    is the switch (present = published; withdrawing deletes it, both recorded in the audit log)."""

    __tablename__ = "execution_publication"
    __table_args__ = (UniqueConstraint("region_id", "year", name="uq_execution_publication"),)
    id: int | None = Field(default=None, primary_key=True)
    region_id: int = Field(foreign_key="region.id")
    year: int
    published_at: dt.datetime = Field(default_factory=utcnow)
    published_by: str = Field(max_length=50)


class DataVersion(SQLModel, table=True):
    """One row counting the commits that changed data (data_access/version.py): every app process
    keys its cached figures on it, and it only moves forward in commit order."""

    __tablename__ = "data_version"
    id: int = Field(primary_key=True)
    version: int = Field(default=0, sa_type=BigInteger)


class UploadBatch(SQLModel, table=True):
    """One import attempt, committed or rejected, with its error report."""

    __tablename__ = "upload_batch"
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)
    file_name: str = Field(max_length=255)
    sha256: str = Field(max_length=64, index=True)
    uploaded_by: str = Field(max_length=50)
    uploaded_at: dt.datetime = Field(default_factory=utcnow)
    dry_run: bool = Field(default=False)
    committed: bool = Field(default=False)
    rows_total: int = 0
    rows_valid: int = 0
    rows_rejected: int = 0
    report_json: str | None = Field(default=None, sa_type=Text)


class AuditLog(SQLModel, table=True):
    """Who changed what: logins, imports, status changes, publishing; values before and after."""

    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=50)
    action: str = Field(max_length=30)
    entity: str | None = Field(default=None, max_length=30)
    entity_id: int | None = Field(default=None)
    batch_id: int | None = Field(default=None, foreign_key="upload_batch.id")
    detail_json: str | None = Field(default=None, sa_type=Text)


class User(SQLModel, table=True):
    """A staff account; the password is stored only as an argon2 hash."""

    __tablename__ = "app_user"
    __table_args__ = (CheckConstraint("role IN ('admin', 'finance', 'leader')", name="user_role"),)
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, max_length=50)
    role: str = Field(max_length=10)
    password_hash: str = Field(max_length=255)
    # Comma-separated department ids a finance user may edit; empty means every department.
    department_scope: str | None = Field(default=None, max_length=1000)
    failed_attempts: int = 0
    locked_until: dt.datetime | None = None
    is_active: bool = True
    created_at: dt.datetime = Field(default_factory=utcnow)


class UserSession(SQLModel, table=True):
    """A signed-in browser: only the SHA-256 of its cookie token is kept, so a leaked table signs no one in."""

    __tablename__ = "user_session"
    __table_args__ = (UniqueConstraint("token_sha256", name="uq_user_session_token"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    token_sha256: str = Field(max_length=64)
    created_at: dt.datetime = Field(default_factory=utcnow)
    last_seen_at: dt.datetime = Field(default_factory=utcnow)
    ended_at: dt.datetime | None = None
