"""renewing targets: a renewal period on a list item, every completion kept, the latest one

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import domain.models

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable, no default: metadata-only changes on both engines, whatever the tables' size.
    op.add_column('target_list_item', sa.Column('renew_months', sa.Integer(), nullable=True))
    op.add_column('enrolment', sa.Column('last_completed_at', domain.models.UTCDateTime(timezone=True), nullable=True))
    op.add_column('notification_plan_target', sa.Column('reopened', sa.Boolean(), nullable=False,
                                                        server_default=sa.false()))
    op.create_table(
        'course_completion',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('enrolment_id', sa.Integer(), nullable=False),
        sa.Column('completed_at', domain.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('recorded_at', domain.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('enrolment_id', 'completed_at'),
        sqlite_autoincrement=True,
    )
    # Every completion so far is each enrolment's first and latest.
    op.execute("UPDATE enrolment SET last_completed_at = completed_at WHERE completed_at IS NOT NULL")
    op.execute("INSERT INTO course_completion (enrolment_id, completed_at, recorded_at) "
               "SELECT id, completed_at, updated_at FROM enrolment WHERE completed_at IS NOT NULL")


def downgrade() -> None:
    op.drop_table('course_completion')
    # Rebuilt on SQLite: kept AUTOINCREMENT, so ids are still never reused (0006).
    for table, column in (('notification_plan_target', 'reopened'), ('enrolment', 'last_completed_at'),
                          ('target_list_item', 'renew_months')):
        with op.batch_alter_table(table, table_kwargs={'sqlite_autoincrement': True}) as batch:
            batch.drop_column(column)
