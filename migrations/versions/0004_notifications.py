"""notifications

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import domain.models

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('notification_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('created_at', domain.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('planned_on', sa.Date(), nullable=True),
    sa.Column('planned_at', domain.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('notification_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_notification_outbox_pending', ['organisation_id', 'planned_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_outbox_person_id'), ['person_id'], unique=False)

    op.create_table('notification_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('planned_at', domain.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organisation_id', 'local_date')
    )
    op.create_table('notification_settings',
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('due_soon_days', sa.Integer(), nullable=False),
    sa.Column('overdue_days', sa.Integer(), nullable=False),
    sa.Column('send_hour', sa.Integer(), nullable=False),
    sa.Column('assigned', sa.Boolean(), nullable=False),
    sa.Column('removed', sa.Boolean(), nullable=False),
    sa.Column('due_soon', sa.Boolean(), nullable=False),
    sa.Column('due_today', sa.Boolean(), nullable=False),
    sa.Column('overdue', sa.Boolean(), nullable=False),
    sa.Column('updated_at', domain.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('organisation_id')
    )
    op.create_table('notification_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('created_at', domain.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('enqueued_at', domain.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('claimed_at', domain.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', domain.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['plan_id'], ['notification_plan.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('person_id', 'organisation_id', 'local_date')
    )
    with op.batch_alter_table('notification_delivery', schema=None) as batch_op:
        batch_op.create_index('ix_notification_delivery_school', ['organisation_id', 'local_date', 'id'], unique=False)
        batch_op.create_index('ix_notification_delivery_status', ['status', 'enqueued_at'], unique=False)

    op.create_table('notification_plan_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('signature', sa.String(length=2000), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('list_names', sa.String(length=1000), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('reminder', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], ),
    sa.ForeignKeyConstraint(['plan_id'], ['notification_plan.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('notification_plan_target', schema=None) as batch_op:
        batch_op.create_index('ix_notification_plan_target', ['plan_id', 'signature'], unique=False)

    op.create_table('notification_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('course_title', sa.String(length=200), nullable=True),
    sa.Column('list_names', sa.String(length=1000), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['notification_plan.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('notification_item', schema=None) as batch_op:
        batch_op.create_index('ix_notification_item_plan', ['plan_id', 'person_id'], unique=False)
        batch_op.create_index('ix_notification_item_person', ['person_id', 'course_id'], unique=False)
        batch_op.create_index('uq_notification_item_reminder', ['person_id', 'kind', 'course_id', 'due_on'], unique=True, sqlite_where=sa.text("kind IN ('DUE_SOON', 'DUE_TODAY', 'OVERDUE')"), postgresql_where=sa.text("kind IN ('DUE_SOON', 'DUE_TODAY', 'OVERDUE')"))



def downgrade() -> None:
    with op.batch_alter_table('notification_item', schema=None) as batch_op:
        batch_op.drop_index('uq_notification_item_reminder', sqlite_where=sa.text("kind IN ('DUE_SOON', 'DUE_TODAY', 'OVERDUE')"), postgresql_where=sa.text("kind IN ('DUE_SOON', 'DUE_TODAY', 'OVERDUE')"))
        batch_op.drop_index('ix_notification_item_person')
        batch_op.drop_index('ix_notification_item_plan')

    op.drop_table('notification_item')
    with op.batch_alter_table('notification_plan_target', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_plan_target')

    op.drop_table('notification_plan_target')
    with op.batch_alter_table('notification_delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_delivery_status')
        batch_op.drop_index('ix_notification_delivery_school')

    op.drop_table('notification_delivery')
    op.drop_table('notification_settings')
    op.drop_table('notification_plan')
    with op.batch_alter_table('notification_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_outbox_person_id'))
        batch_op.drop_index('ix_notification_outbox_pending')

    op.drop_table('notification_outbox')
