"""The staff pages' cached loaders: one small function per page view, each opening a session on
the app's engine and calling `data_access` queries.

Every loader is keyed on the database URL, the data version (bumped by every import and write)
and the page's filters; loaders whose figures depend on a setting (the execution rule) take the
settings too, so a changed rule never shows a cached status. Results are shared between
sessions: never mutate one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st
from sqlmodel import Session

from dashboard.resources import data_version, database_url, get_engine
from data_access import notices, publishing, users
from data_access import rectification as workflow
from data_access.queries import entry, evaluation, exante, execution, indicators, rectification, uploads
from data_access.queries.audit import audit_actions, audit_entries
from data_access.queries.cockpit import Cockpit, cockpit
from data_access.queries.kpis import (
    completion_summary,
    evaluation_kpis,
    ex_ante_kpis,
    indicator_kpis,
    rectification_kpis,
    region_names,
    years,
)
from data_access.report import Report, build_report
from data_access.settings import Settings

Version = int


def key() -> tuple[str, Version]:
    """The cache key every loader starts with: the database and its data version."""
    return database_url(), data_version()


@st.cache_data(ttl=600, show_spinner=False)
def region_years(url: str, version: Version) -> tuple[list[str], dict[str, list[int]], dict[str, int]]:
    """Every region, the fiscal years each holds any record of, newest first (the sidebar's choices), and
    the newest year holding its projects or evaluations (where the pages open)."""
    with Session(get_engine()) as s:
        regions = region_names(session=s)
        main = {r: years(session=s, region=r) for r in regions}
        return (regions, {r: years(session=s, region=r, every_record=True) for r in regions},
                {r: found[0] for r, found in main.items() if found})


@st.cache_data(ttl=600, show_spinner=False)
def cockpit_view(url: str, version: Version, region: str, year: int, as_of: dt.date, settings: Settings,
                 today: dt.date) -> Cockpit:
    """领导驾驶舱: `kpis` of the year and the year before, each card's change, and rectification as of today."""
    with Session(get_engine()) as s:
        return cockpit(session=s, year=year, region=region, as_of=as_of, settings=settings, today=today)


@st.cache_data(ttl=600, show_spinner=False)
def execution_year(url: str, version: Version, region: str, year: int, month: int,
                   settings: Settings) -> dict[str, pd.DataFrame]:
    """执行监控's figures that no filter of the page changes: the monthly curve (a pass over every monitoring
    row of the year), the lifecycle projects and the departments' targets. Worked out once per region, year,
    month and data version, whichever department, fund or toggle a reader picks."""
    with Session(get_engine()) as s:
        return {"curve": execution.monthly_curve(session=s, year=year, region=region, upto=max(month, 1)),
                "lifecycle": execution.lifecycle_projects(session=s, year=year, region=region, settings=settings),
                "targets": execution.target_achievement(session=s, year=year, region=region)}


@st.cache_data(ttl=600, show_spinner=False)
def execution_projects(url: str, version: Version, region: str, year: int, month: int, fund: str | None,
                       key_only: bool, settings: Settings) -> execution.Projects:
    """执行监控: every project at the month, furthest behind first, without exact rates (the page adds them to
    the rows it shows), the departments with theirs and the key figures. The page picks a department's
    projects from these, so one carry-forward serves every department."""
    with Session(get_engine()) as s:
        return execution.projects_at(session=s, year=year, region=region, month=month, fund_source=fund,
                                     key_only=key_only, settings=settings, rates=False)


@st.cache_data(ttl=600, show_spinner=False)
def project_detail(url: str, version: Version, project_id: int) -> dict[str, pd.DataFrame]:
    """One project's curve, targets, evaluations and findings."""
    with Session(get_engine()) as s:
        return execution.project_detail(session=s, project_id=project_id)


@st.cache_data(ttl=600, show_spinner=False)
def evaluation_view(url: str, version: Version, region: str, year: int, methods: tuple[str, ...],
                    settings: Settings) -> dict[str, Any]:
    """绩效评价: grade blocks, subjects, completion, history, self against finance, results applied."""
    with Session(get_engine()) as s:
        return {
            "kpis": evaluation_kpis(session=s, year=year, region=region),
            "rows": evaluation.evaluation_rows(session=s, year=year, region=region, methods=methods),
            "completion": completion_summary(session=s, year=year, region=region, methods=methods),
            "self_vs": evaluation.self_vs_finance(session=s, year=year, region=region, settings=settings),
            "applied": evaluation.results_application(session=s, year=year, region=region),
            "history": evaluation.finance_history(session=s),
            "bounds": evaluation.grade_bounds(session=s, region=region),
        }


@st.cache_data(ttl=600, show_spinner=False)
def ex_ante_view(url: str, version: Version, region: str, year: int) -> dict[str, Any]:
    """事前评估: the figures and every assessment (the page's pictures are drawn from them)."""
    with Session(get_engine()) as s:
        return {"kpis": ex_ante_kpis(session=s, year=year, region=region),
                "rows": exante.assessments(session=s, year=year, region=region)}


@st.cache_data(ttl=600, show_spinner=False)
def indicator_view(url: str, version: Version, region: str, text: str, level1: str, scope: str,
                   core: bool) -> dict[str, Any]:
    """指标库: the library's counts, the indicators found and how many projects use each."""
    with Session(get_engine()) as s:
        found, total = indicators.search(session=s, region=region, text=text or None, level1=level1 or None,
                                         scope=scope or None, core_only=core)
        used = indicators.usage_counts(session=s, region=region)
        return {"kpis": indicator_kpis(session=s, region=region), "counts": indicators.counts(session=s, region=region),
                "found": found, "total": total, "used": used}


@st.cache_data(ttl=600, show_spinner=False)
def indicator_usage(url: str, version: Version, region: str, name: str) -> pd.DataFrame:
    """The projects that set an indicator as a target."""
    with Session(get_engine()) as s:
        return indicators.projects_using(session=s, region=region, name=name)


@st.cache_data(ttl=600, show_spinner=False)
def rectification_view(url: str, version: Version, region: str, year: int, as_of: dt.date) -> dict[str, Any]:
    """问题整改: the figures as of a date, counts by category and department, every finding, the overdue ones,
    and how many rectified ones the bureau verified."""
    with Session(get_engine()) as s:
        return {
            "kpis": rectification_kpis(session=s, year=year, region=region, as_of=as_of),
            "by_category": rectification.counts_by(session=s, year=year, region=region, column="category"),
            "by_department": rectification.counts_by(session=s, year=year, region=region, column="department"),
            "rows": rectification.finding_rows(session=s, year=year, region=region),
            "overdue": rectification.overdue(session=s, year=year, region=region, as_of=as_of),
            "closure": rectification.closure_counts(session=s, year=year, region=region),
        }


@st.cache_data(ttl=600, show_spinner=False)
def workflow_role(url: str, version: Version, region: str, username: str, role: str,
                  department_ids: frozenset[int] | None) -> bool:
    """Whether this user acts as the region's finance bureau (verifies, sends back, moves deadlines)."""
    with Session(get_engine()) as s:
        return workflow.is_bureau_of(s, workflow.Actor(username, role, department_ids), region)


@st.cache_data(ttl=600, show_spinner=False)
def owed(url: str, version: Version, region: str, today: dt.date, department_ids: frozenset[int] | None,
         due_within: int) -> rectification.Owed:
    """我的整改任务: what these departments (None: all) still owe, every year, as of today."""
    with Session(get_engine()) as s:
        return rectification.owed(session=s, region=region, today=today, department_ids=department_ids,
                                  due_within=due_within)


@st.cache_data(ttl=600, show_spinner=False)
def finding_view(url: str, version: Version, finding_id: int, username: str, role: str,
                 department_ids: frozenset[int] | None) -> dict[str, Any]:
    """One finding: its detail, status and deadline histories, and the steps this user may take on it."""
    with Session(get_engine()) as s:
        return {
            "detail": rectification.finding_detail(session=s, finding_id=finding_id),
            "history": rectification.history(session=s, finding_id=finding_id),
            "deadlines": rectification.deadline_history(session=s, finding_id=finding_id),
            "steps": workflow.allowed_actions(s, finding_id, workflow.Actor(username, role, department_ids)),
        }


@st.cache_data(ttl=600, show_spinner=False)
def feedback_view(url: str, version: Version, region: str, year: int) -> pd.DataFrame:
    """书面反馈: the year's finance evaluations, their findings and the departments' written feedback."""
    with Session(get_engine()) as s:
        return rectification.feedback_rows(session=s, year=year, region=region)


@st.cache_data(ttl=600, show_spinner=False)
def notice_list(url: str, version: Version, region: str, year: int, month: int, on: dt.date,
                settings: Settings) -> pd.DataFrame:
    """预警督办: the departments behind on spending or with overdue findings."""
    with Session(get_engine()) as s:
        return notices.candidates(session=s, region=region, year=year, month=month, on=on, settings=settings)


@st.cache_data(ttl=600, show_spinner=False)
def notice_view(url: str, version: Version, region: str, year: int, department_id: int, month: int, on: dt.date,
                settings: Settings) -> tuple[notices.Notice, list[notices.NoticeTable], list[str], bytes]:
    """One department's notice: the notice, its tables and text as the page shows them, and the .docx."""
    with Session(get_engine()) as s:
        n = notices.notice(session=s, region=region, year=year, department_id=department_id, month=month, on=on,
                           settings=settings)
    return n, notices.tables(n), notices.paragraphs(n), notices.docx_bytes(n)


@st.cache_data(ttl=600, show_spinner=False)
def notices_zip(url: str, version: Version, region: str, year: int, department_ids: tuple[int, ...], month: int,
                on: dt.date, settings: Settings) -> bytes:
    """Every listed department's notice in one .zip."""
    with Session(get_engine()) as s:
        return notices.zip_bytes([notices.notice(session=s, region=region, year=year, department_id=d, month=month,
                                                 on=on, settings=settings) for d in department_ids])


@st.cache_data(ttl=600, show_spinner=False)
def execution_publication(url: str, version: Version, region: str, year: int) -> tuple[str, dt.datetime] | None:
    """公开管理: who published the region's budget execution by department for the year, and when; None if not."""
    with Session(get_engine()) as s:
        row = publishing.execution_publication(session=s, region=region, year=year)
        return (row.published_by, row.published_at) if row else None


@st.cache_data(ttl=600, show_spinner=False)
def publishable(url: str, version: Version, entity: str, region: str, year: int,
                department_ids: frozenset[int] | None) -> pd.DataFrame:
    """公开管理: the records a user may publish or withdraw, with who published them when."""
    with Session(get_engine()) as s:
        return publishing.publishable(session=s, entity=entity, region=region, year=year, department_ids=department_ids)


@st.cache_data(ttl=600, show_spinner=False)
def accounts(url: str, version: Version) -> tuple[list[users.Account], dict[int, str]]:
    """用户管理: every account, and every department a scope can name."""
    with Session(get_engine()) as s:
        return users.accounts(session=s), users.department_labels(session=s)


@st.cache_data(ttl=600, show_spinner=False)
def department_labels(url: str, version: Version) -> dict[int, str]:
    """Every department as '区 · 单位' (a scoped user's departments, named)."""
    with Session(get_engine()) as s:
        return users.department_labels(session=s)


@st.cache_data(ttl=600, show_spinner=False)
def finance_bureaus(url: str, version: Version) -> dict[str, int | None]:
    """用户管理: each region's finance bureau department, if marked."""
    with Session(get_engine()) as s:
        return users.finance_bureaus(session=s)


@st.cache_data(ttl=600, show_spinner=False)
def audit_action_codes(url: str, version: Version) -> list[str]:
    """操作记录: every action the log holds."""
    with Session(get_engine()) as s:
        return audit_actions(session=s)


@st.cache_data(ttl=600, show_spinner=False)
def audit_log(url: str, version: Version, action: str | None, actor: str | None) -> pd.DataFrame:
    """操作记录: the latest entries, newest first, of an action and an actor (None: any)."""
    with Session(get_engine()) as s:
        return audit_entries(session=s, action=action, actor=actor)


@st.cache_data(ttl=600, show_spinner=False)
def upload_history(url: str, version: Version, kind: str | None, department_ids: frozenset[int] | None,
                   username: str) -> list[uploads.Batch]:
    """上传记录: the batches the user may see (all, or their own and those touching their departments)."""
    with Session(get_engine()) as s:
        return uploads.upload_batches(session=s, kind=kind, department_ids=department_ids, uploaded_by=username)


@st.cache_data(ttl=600, show_spinner=False)
def batch_rows(url: str, version: Version, batch_id: int,
               department_ids: frozenset[int] | None) -> list[dict[str, Any]]:
    """The records a committed batch wrote, of the user's departments when scoped."""
    with Session(get_engine()) as s:
        return uploads.batch_rows(session=s, batch_id=batch_id, department_ids=department_ids)


@st.cache_data(ttl=600, show_spinner=False)
def submissions(url: str, version: Version, region: str, year: int, today: dt.date,
                department_ids: frozenset[int] | None) -> dict[str, dict[int, str]]:
    """报送情况: per department of the user's scope and month, whether monitoring data arrived."""
    with Session(get_engine()) as s:
        return uploads.submission_matrix(session=s, region=region, year=year, today=today,
                                         department_ids=department_ids)


@st.cache_data(ttl=600, show_spinner=False)
def report_draft(url: str, version: Version, region: str, year: int, as_of: dt.date, settings: Settings) -> Report:
    """年度报告: the drafted report of a region and year, as of a date."""
    with Session(get_engine()) as s:
        return build_report(session=s, year=year, region=region, as_of=as_of, settings=settings)


@st.cache_data(ttl=600, show_spinner=False)
def entry_projects(url: str, version: Version, region: str, year: int,
                   department_ids: frozenset[int] | None) -> pd.DataFrame:
    """数据录入: the projects a user may enter a month for, with budget and latest month."""
    with Session(get_engine()) as s:
        return entry.project_choices(session=s, region=region, year=year, department_ids=department_ids)


@st.cache_data(ttl=600, show_spinner=False)
def entry_targets(url: str, version: Version, project_id: int) -> pd.DataFrame:
    """数据录入: a project's targets and their mid-year progress."""
    with Session(get_engine()) as s:
        return entry.target_choices(session=s, project_id=project_id)
