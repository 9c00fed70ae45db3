"""Publishing: finance staff publish a record and the portal shows it at once; scope; history."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlmodel import Session

from data_access.auth import create_user
from data_access.db import make_engine
from data_access.models import AuditLog, Evaluation
from data_access.publishing import PublishingError, set_published
from tests.apptest import WITHDRAWN, app, sign_in, withdraw_sample_result
from tests.test_portal_permalinks import _table

# Users are made before the app is opened: remember their argon2 hashes and checks (tests/apptest.py).
pytestmark = pytest.mark.usefixtures("remembered_passwords")

HIDDEN = WITHDRAWN  # a 2022 review result, withdrawn for the test


def _portal_subjects(at) -> set[str]:  # type: ignore[no-untyped-def]
    at.switch_page("../pages/portal_evaluations.py").run()
    return set(_table(at)["评价对象"])  # the linked names as the reader sees them


def test_finance_publishes_and_portal_shows_it(monkeypatch: pytest.MonkeyPatch, seeded_url: str) -> None:
    engine = make_engine(seeded_url)
    with Session(engine) as s:
        create_user(s, "fin1", "finance", "finance-password")
    hidden_id = withdraw_sample_result(seeded_url)
    visitor = app(monkeypatch, seeded_url).run()
    assert HIDDEN not in _portal_subjects(visitor)
    staff = sign_in(app(monkeypatch, seeded_url), "fin1", "finance-password")
    staff.switch_page("../pages/publishing.py").run()
    assert not staff.exception
    with Session(engine) as s:
        assert set_published(s, "evaluation", [hidden_id], True, "fin1") == 1
    visitor.run()
    assert HIDDEN in _portal_subjects(visitor)
    with Session(engine) as s:
        row = s.get(Evaluation, hidden_id)
        assert row.published_by == "fin1" and row.published_at is not None
        assert s.execute(select(AuditLog).where(AuditLog.action == "publish", AuditLog.entity_id == hidden_id)).first()


def test_finance_scope_limits_publishing(seeded_url: str) -> None:
    withdraw_sample_result(seeded_url)
    with Session(make_engine(seeded_url)) as s:
        row = s.execute(select(Evaluation).where(Evaluation.subject == HIDDEN,
                                                 Evaluation.method == "review")).scalar_one()
        with pytest.raises(PublishingError, match="无权"):
            set_published(s, "evaluation", [row.id], True, "fin2", allowed_department_ids=frozenset({-1}))
        s.refresh(row)
        assert row.published is False



def test_publishing_reaches_a_year_holding_only_ex_ante_drafts(monkeypatch: pytest.MonkeyPatch,
                                                               seeded_url: str) -> None:
    """黄埔区 2023 holds only its ex-ante drafts (no project or evaluation yet): 公开管理 offers the year and
    its drafts; pages still open on 2022, the newest year with projects."""
    with Session(make_engine(seeded_url)) as s:
        create_user(s, "fin1", "finance", "finance-password")
    staff = sign_in(app(monkeypatch, seeded_url), "fin1", "finance-password")
    staff.switch_page("../pages/publishing.py").run()
    year = staff.selectbox(key="filter_year_黄埔区")
    assert year.value == 2022 and "2023" in year.options
    year.select(2023).run()
    staff.segmented_control(key="publishing_kind").set_value("ex_ante").run()
    drafts = staff.dataframe[0].value
    assert len(drafts) == 4 and set(drafts["公开"]) == {""}
    assert len(staff.multiselect(key="publishing_add_ex_ante").options) == 4
