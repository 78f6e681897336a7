"""target extensions: one person's later due date for one course or all their targets

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import domain.models

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'target_extension',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('licence_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=True),
        sa.Column('group_id', sa.Integer(), nullable=True),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('granted_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', domain.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('ended_at', domain.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column('ended_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['licence_id'], ['licence.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['person_id'], ['person.id']),
        sa.ForeignKeyConstraint(['course_id'], ['course.id']),
        sa.ForeignKeyConstraint(['group_id'], ['staff_group.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['granted_by_id'], ['person.id']),
        sa.ForeignKeyConstraint(['ended_by_id'], ['person.id']),
        sa.PrimaryKeyConstraint('id'),
        sqlite_autoincrement=True,
    )
    op.create_index('ix_target_extension_person', 'target_extension', ['licence_id', 'person_id'])
    for name, columns, where in (
        ('ix_target_extension_course', ['licence_id', 'person_id', 'course_id'],
         'ended_at IS NULL AND course_id IS NOT NULL'),
        ('ix_target_extension_all', ['licence_id', 'person_id'], 'ended_at IS NULL AND course_id IS NULL'),
    ):
        op.create_index(name, 'target_extension', columns, unique=True, sqlite_where=sa.text(where),
                        postgresql_where=sa.text(where))


def downgrade() -> None:
    op.drop_index('ix_target_extension_person', table_name='target_extension')
    op.drop_index('ix_target_extension_all', table_name='target_extension')
    op.drop_index('ix_target_extension_course', table_name='target_extension')
    op.drop_table('target_extension')
