"""retry at: when a digest's next attempt is due

A RETRYING digest carries the moment its next attempt is due, so only the retry the
broker holds may claim it, and the scheduler hands it over again only once that retry is
overdue (its message lost), never while it waits: one retry chain per digest.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import domain.models

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('notification_delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retry_at', domain.models.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('notification_delivery', schema=None) as batch_op:
        batch_op.drop_column('retry_at')
