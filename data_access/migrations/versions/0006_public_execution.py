"""public budget execution: a per-region-year switch for the portal's department-level summary

Issue 12 item 4. A row of execution_publication says the region publishes that year's budget
execution by department (spending against time progress) on the public portal; no row, nothing
shown. Publishing and withdrawing go through data_access/publishing.py with an audit-log row.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "execution_publication",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("region_id", sa.Integer(), sa.ForeignKey("region.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("published_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("published_by", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.UniqueConstraint("region_id", "year", name="uq_execution_publication"),
    )


def downgrade() -> None:
    op.drop_table("execution_publication")
