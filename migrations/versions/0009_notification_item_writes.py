"""notification items: no foreign key, no person index

A large school's day writes millions of digest lines in one statement. PostgreSQL
checks a foreign key row by row (a third of the time on 100,000 staff), and the
(person_id, course_id) index served no query. Lines are written only by planning, in the
transaction that makes their plan, and plans are never deleted.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite's copy of the key has no name: the convention gives it one to drop it by.
NAMING = {"fk": "%(table_name)s_%(column_0_name)s_fkey"}


def upgrade() -> None:
    op.drop_index('ix_notification_item_person', table_name='notification_item')
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_constraint('notification_item_plan_id_fkey', 'notification_item', type_='foreignkey')
        return
    # SQLite rebuilds the table: it keeps AUTOINCREMENT and the ids already given (0006).
    given = bind.execute(sa.text("SELECT seq FROM sqlite_sequence WHERE name = 'notification_item'")).scalar()
    with op.batch_alter_table('notification_item', naming_convention=NAMING,
                              table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.drop_constraint('notification_item_plan_id_fkey', type_='foreignkey')
    if given:
        bind.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = 'notification_item'"))
        bind.execute(sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES ('notification_item', :s)"), {"s": given})


def downgrade() -> None:
    with op.batch_alter_table('notification_item', table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.create_foreign_key('notification_item_plan_id_fkey', 'notification_plan', ['plan_id'], ['id'],
                                    ondelete='CASCADE')
    op.create_index('ix_notification_item_person', 'notification_item', ['person_id', 'course_id'], unique=False)
