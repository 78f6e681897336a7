"""overdue summaries: administrators' and delegates' opt-in, and the name on a summary line

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import domain.models

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'overdue_summary',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('frequency', sa.String(length=16), nullable=False),
        sa.Column('weekday', sa.Integer(), nullable=False),
        sa.Column('last_sent_on', sa.Date(), nullable=True),
        sa.Column('updated_at', domain.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['person_id'], ['person.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('organisation_id', 'person_id'),
        sqlite_autoincrement=True,
    )
    # Nullable, no default: a metadata-only change on both engines, whatever the table's size.
    op.add_column('notification_item', sa.Column('about_person_id', sa.Integer(), nullable=True))
    op.add_column('notification_item', sa.Column('about_name', sa.String(length=200), nullable=True))


def downgrade() -> None:
    # Rebuilt on SQLite: kept AUTOINCREMENT, so ids are still never reused (0006).
    with op.batch_alter_table('notification_item', table_kwargs={'sqlite_autoincrement': True}) as batch:
        batch.drop_column('about_name')
        batch.drop_column('about_person_id')
    op.drop_table('overdue_summary')
