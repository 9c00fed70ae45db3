"""finding status history: append-only in the database, statuses checked

DOMAIN.md §5: every status change keeps who, when, from, to and a comment, and the history is
never rewritten. Until now only the application kept that promise; a trigger now refuses any
UPDATE or DELETE (and, on PostgreSQL, TRUNCATE) of finding_status_change on both backends, and
CHECK constraints keep its statuses to the three the finding itself allows.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

STATUSES = "('not_started', 'in_progress', 'rectified')"
MESSAGE = "finding_status_change is append-only: status history is never rewritten"


def upgrade() -> None:
    # Constraints first: on SQLite the batch rebuilds the table, which would drop its triggers.
    with op.batch_alter_table("finding_status_change") as batch_op:
        batch_op.create_check_constraint("status_change_to", f"to_status IN {STATUSES}")
        batch_op.create_check_constraint("status_change_from", f"from_status IS NULL OR from_status IN {STATUSES}")
    if op.get_bind().dialect.name == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER finding_status_change_no_{event.lower()} BEFORE {event} ON finding_status_change "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )
    else:
        op.execute(
            "CREATE FUNCTION finding_status_change_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation'; END $$"
        )
        op.execute(
            "CREATE TRIGGER finding_status_change_no_rewrite BEFORE UPDATE OR DELETE ON finding_status_change "
            "FOR EACH ROW EXECUTE FUNCTION finding_status_change_append_only()"
        )
        op.execute(
            "CREATE TRIGGER finding_status_change_no_truncate BEFORE TRUNCATE ON finding_status_change "
            "FOR EACH STATEMENT EXECUTE FUNCTION finding_status_change_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS finding_status_change_no_update")
        op.execute("DROP TRIGGER IF EXISTS finding_status_change_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS finding_status_change_no_truncate ON finding_status_change")
        op.execute("DROP TRIGGER IF EXISTS finding_status_change_no_rewrite ON finding_status_change")
        op.execute("DROP FUNCTION IF EXISTS finding_status_change_append_only()")
    with op.batch_alter_table("finding_status_change") as batch_op:
        batch_op.drop_constraint("status_change_from", type_="check")
        batch_op.drop_constraint("status_change_to", type_="check")
