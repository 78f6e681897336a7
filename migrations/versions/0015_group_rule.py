"""rule-based groups: a staff group's rule, and a seat's job title for rules to test

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable, no default: a metadata-only change on both engines.
    op.add_column('staff_group', sa.Column('rule', sa.JSON(), nullable=True))
    op.add_column('seat', sa.Column('job_title', sa.String(length=200), nullable=True))


def downgrade() -> None:
    # Rebuilt on SQLite: kept AUTOINCREMENT, so ids are still never reused (0006).
    with op.batch_alter_table('seat', table_kwargs={'sqlite_autoincrement': True}) as batch:
        batch.drop_column('job_title')
    with op.batch_alter_table('staff_group', table_kwargs={'sqlite_autoincrement': True}) as batch:
        batch.drop_column('rule')
