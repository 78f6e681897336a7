"""staff groups and target lists

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import domain.models

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('staff_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('licence_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('created_at', domain.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['licence_id'], ['licence.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('staff_group', schema=None) as batch_op:
        batch_op.create_index('ix_staff_group_licence', ['licence_id'], unique=False)
        batch_op.create_index('uq_staff_group_all_staff', ['licence_id'], unique=True, sqlite_where=sa.text("kind = 'ALL_STAFF'"), postgresql_where=sa.text("kind = 'ALL_STAFF'"))
    # Every licence has its dynamic All Staff group.
    op.execute(
        "INSERT INTO staff_group (licence_id, name, kind, created_at) "
        "SELECT id, 'All Staff', 'ALL_STAFF', CURRENT_TIMESTAMP FROM licence"
    )

    op.create_table('group_delegate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('created_at', domain.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['staff_group.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('group_id', 'person_id')
    )
    with op.batch_alter_table('group_delegate', schema=None) as batch_op:
        batch_op.create_index('ix_group_delegate_person', ['person_id'], unique=False)

    op.create_table('staff_group_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('added_at', domain.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['staff_group.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('group_id', 'person_id')
    )
    with op.batch_alter_table('staff_group_member', schema=None) as batch_op:
        batch_op.create_index('ix_staff_group_member_person', ['person_id'], unique=False)

    op.create_table('target_list',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', domain.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['staff_group.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('target_list', schema=None) as batch_op:
        batch_op.create_index('ix_target_list_group', ['group_id'], unique=False)

    op.create_table('target_list_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], ),
    sa.ForeignKeyConstraint(['list_id'], ['target_list.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('list_id', 'course_id')
    )
    with op.batch_alter_table('target_list_item', schema=None) as batch_op:
        batch_op.create_index('ix_target_list_item_order', ['list_id', 'position'], unique=False)

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_group_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_event_staff_group_id'), ['staff_group_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_staff_group_id'))
        batch_op.drop_column('staff_group_id')

    with op.batch_alter_table('target_list_item', schema=None) as batch_op:
        batch_op.drop_index('ix_target_list_item_order')

    op.drop_table('target_list_item')
    with op.batch_alter_table('target_list', schema=None) as batch_op:
        batch_op.drop_index('ix_target_list_group')

    op.drop_table('target_list')
    with op.batch_alter_table('staff_group_member', schema=None) as batch_op:
        batch_op.drop_index('ix_staff_group_member_person')

    op.drop_table('staff_group_member')
    with op.batch_alter_table('group_delegate', schema=None) as batch_op:
        batch_op.drop_index('ix_group_delegate_person')

    op.drop_table('group_delegate')
    with op.batch_alter_table('staff_group', schema=None) as batch_op:
        batch_op.drop_index('uq_staff_group_all_staff', sqlite_where=sa.text("kind = 'ALL_STAFF'"), postgresql_where=sa.text("kind = 'ALL_STAFF'"))
        batch_op.drop_index('ix_staff_group_licence')

    op.drop_table('staff_group')
