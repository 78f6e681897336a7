"""seat leaves on: a leaver's last day, kept until it comes

A roster's future leaving date is kept on the seat; the scheduler ends the seat once the
school's local day reaches it, so an import made in advance needs no second run.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('seat', schema=None) as batch_op:
        batch_op.add_column(sa.Column('leaves_on', sa.Date(), nullable=True))
    op.create_index('ix_seat_leaves_on', 'seat', ['leaves_on'], unique=False,
                    sqlite_where=sa.text('leaves_on IS NOT NULL'), postgresql_where=sa.text('leaves_on IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('ix_seat_leaves_on', table_name='seat')
    with op.batch_alter_table('seat', schema=None) as batch_op:
        batch_op.drop_column('leaves_on')
