"""reminded_person: who has ever been sent a reminder

A plan writes the reminder lines of people never reminded without ON CONFLICT (they
cannot meet the once-only key), and the others' with it. Filled here from the reminder
lines already planned, so no one already reminded is taken for new.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The reminders' kinds as 0016 knew them (domain.models.IS_REMINDER then).
IS_REMINDER = "kind IN ('DUE_SOON', 'DUE_TODAY', 'OVERDUE')"


def upgrade() -> None:
    op.create_table('reminded_person',
                    sa.Column('person_id', sa.Integer(), autoincrement=False, nullable=False),
                    sa.PrimaryKeyConstraint('person_id'))
    op.execute(f"INSERT INTO reminded_person (person_id) SELECT DISTINCT person_id FROM notification_item "
               f"WHERE {IS_REMINDER}")


def downgrade() -> None:
    op.drop_table('reminded_person')
