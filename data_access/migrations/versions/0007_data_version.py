"""data version: one counter row that every commit changing data moves on

Issue 13. Several app processes share one PostgreSQL and key their cached figures on the data
version. The newest upload batch and audit ids (the version before) can miss a commit: PostgreSQL
hands out an id when the row is inserted, so an import that took its batch id first and commits
last adds no new maximum. The counter is moved by each such commit just before it commits, under
the row's lock, so it grows in commit order (data_access/version.py).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "data_version",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
    )
    op.bulk_insert(table, [{"id": 1, "version": 0}])


def downgrade() -> None:
    op.drop_table("data_version")
