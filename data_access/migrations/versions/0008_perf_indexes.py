"""monitoring indexes for the carry-forward: latest spending and latest recorded budget at a month

Issue 13. core.project_execution looks up, for every project, its latest monitoring row with
month ≤ M (spending) and its latest such row with a recorded budget. ix_monitoring_spent answers
the first from the index alone; ix_monitoring_budget, partial on recorded budgets, answers the
second without visiting the months that carry the budget forward (most of them).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

RECORDED = sa.text("budget_fen IS NOT NULL")


def upgrade() -> None:
    op.create_index("ix_monitoring_spent", "monitoring", ["project_id", "month", "spent_cumulative_fen"])
    op.create_index("ix_monitoring_budget", "monitoring", ["project_id", "month", "budget_fen"],
                    sqlite_where=RECORDED, postgresql_where=RECORDED)


def downgrade() -> None:
    op.drop_index("ix_monitoring_budget", table_name="monitoring")
    op.drop_index("ix_monitoring_spent", table_name="monitoring")
