"""report fields: the target review year of an indicator and the fund source of an evaluation

The annual report states how many departments' and projects' targets an expert review covered
and how many key indicators it formed (黄埔区 2022: 6, 75, 769), and how many evaluated projects
were funded by special bonds (19 个项目（含 3 个专项债券资金项目）). Neither was held: an
indicator gets the year of the review that set it, an evaluation the fund source of a subject
that is not a budget line of its year. Both are optional (nullable), so existing rows stay valid.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("indicator", sa.Column("review_year", sa.Integer(), nullable=True))
    op.add_column("evaluation", sa.Column("fund_source", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("evaluation") as batch:
        batch.drop_column("fund_source")
    with op.batch_alter_table("indicator") as batch:
        batch.drop_column("review_year")
