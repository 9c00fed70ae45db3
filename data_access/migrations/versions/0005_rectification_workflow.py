"""rectification workflow: verification, deadline revisions, written feedback, the finance bureau

Issue 11. A finding moves 未整改 → 整改中 → 已整改 through data_access/rectification.py, each
step recorded in finding_status_change with its action, measures, evidence and date; the bureau
verifies a rectified finding (finding.verified_at/by) or sends it back. The deadline moves only
with a reason: finding.original_deadline keeps the first one (backfilled from deadline) and
finding_deadline_revision keeps every move, append-only in the database as 0002 made the status
history. Each evaluation records its department's written feedback. A department flag marks the
region's finance bureau (区财政局), whose finance users verify; departments already named
…财政局 are marked.

Revision ID: 0005
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

STATUS_MESSAGE = "finding_status_change is append-only: status history is never rewritten"
REVISION_MESSAGE = "finding_deadline_revision is append-only: deadline history is never rewritten"
ACTIONS = "('start', 'rectify', 'verify', 'send_back')"


def _append_only(table: str, message: str) -> None:
    """Triggers refusing UPDATE and DELETE (and TRUNCATE on PostgreSQL) of a history table."""
    if op.get_bind().dialect.name == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER IF NOT EXISTS {table}_no_{event.lower()} BEFORE {event} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{message}'); END")
        return
    op.execute(f"CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
               f"BEGIN RAISE EXCEPTION '{message}' USING ERRCODE = 'restrict_violation'; END $$")
    op.execute(f"CREATE TRIGGER {table}_no_rewrite BEFORE UPDATE OR DELETE ON {table} "
               f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()")
    op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
               f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()")


def _drop_append_only(table: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        return
    op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    op.execute(f"DROP TRIGGER IF EXISTS {table}_no_rewrite ON {table}")
    op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    # Plain ADD COLUMN on both backends: a batch would rebuild these tables, which others reference.
    op.add_column("department", sa.Column("is_finance_bureau", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute("UPDATE department SET is_finance_bureau = true WHERE name LIKE '%财政局'")
    op.add_column("evaluation", sa.Column("feedback_date", sa.Date(), nullable=True))
    op.add_column("evaluation", sa.Column("feedback_text", sa.Text(), nullable=True))
    op.add_column("evaluation", sa.Column("feedback_by", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True))
    op.add_column("evaluation", sa.Column("feedback_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.add_column("finding", sa.Column("original_deadline", sa.Date(), nullable=True))
    op.add_column("finding", sa.Column("verified_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.add_column("finding", sa.Column("verified_by", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True))
    op.execute("UPDATE finding SET original_deadline = deadline WHERE original_deadline IS NULL")

    # On SQLite the batch rebuilds the table (for the CHECK), which drops 0002's triggers: put them back.
    with op.batch_alter_table("finding_status_change") as batch_op:
        batch_op.add_column(sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True))
        batch_op.add_column(sa.Column("measures", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("evidence", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("step_date", sa.Date(), nullable=True))
        batch_op.create_check_constraint("status_change_action", f"action IS NULL OR action IN {ACTIONS}")
    if sqlite:
        _append_only("finding_status_change", STATUS_MESSAGE)

    op.create_table(
        "finding_deadline_revision",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("finding_id", sa.Integer(), sa.ForeignKey("finding.id"), nullable=False),
        sa.Column("revised_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("revised_by", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("old_deadline", sa.Date(), nullable=False),
        sa.Column("new_deadline", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.CheckConstraint("new_deadline <> old_deadline", name="deadline_revision_moves"),
        sa.CheckConstraint("length(trim(reason)) > 0", name="deadline_revision_reason"),
    )
    op.create_index("ix_finding_deadline_revision_finding_id", "finding_deadline_revision", ["finding_id"])
    _append_only("finding_deadline_revision", REVISION_MESSAGE)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    _drop_append_only("finding_deadline_revision")
    op.drop_index("ix_finding_deadline_revision_finding_id", table_name="finding_deadline_revision")
    op.drop_table("finding_deadline_revision")
    with op.batch_alter_table("finding_status_change") as batch_op:
        batch_op.drop_constraint("status_change_action", type_="check")
        batch_op.drop_column("step_date")
        batch_op.drop_column("evidence")
        batch_op.drop_column("measures")
        batch_op.drop_column("action")
    if sqlite:
        _append_only("finding_status_change", STATUS_MESSAGE)
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+, PostgreSQL): no rebuild of tables others reference.
    for table, column in (("finding", "verified_by"), ("finding", "verified_at"), ("finding", "original_deadline"),
                          ("evaluation", "feedback_at"), ("evaluation", "feedback_by"), ("evaluation", "feedback_text"),
                          ("evaluation", "feedback_date"), ("department", "is_finance_bureau")):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
