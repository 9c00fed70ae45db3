"""project index by code: an upload's rows name their projects by 项目编码

Issue 13. An import resolves a file's (year, code) pairs to projects across regions
(uploads.lookups.load_projects); the only index holding the code was the unique
(region_id, year, code), which cannot be searched by code alone, so each lookup of a
few hundred codes read all the projects (a 100,000-row monitoring file: 0.1 s of SQLite
scans of 100,000 projects).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_project_code", "project", ["code", "year"])


def downgrade() -> None:
    op.drop_index("ix_project_code", table_name="project")
