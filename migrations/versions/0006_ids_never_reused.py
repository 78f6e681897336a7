"""ids never reused: every SQLite table with an integer id becomes AUTOINCREMENT

SQLite hands the highest id out again once its row is deleted, unless a table is
AUTOINCREMENT (PostgreSQL's sequences never do). Each such table is rebuilt with every
row, index and constraint it had (alembic's batch mode: copy, drop, rename), and its
sequence starts past any id the audit log remembers, so an object deleted before this
migration does not hand its id to a new one either.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Tables whose integer id is theirs to hand out, with the name the audit log files them
# under (AuditEvent.target_type); None where no event names them.
TABLES = {
    "organisation": "Organisation", "person": "Person", "membership": "Membership", "licence": "Licence",
    "seat": "Seat", "course": "Course", "enrolment": "Enrolment", "progress_record": None, "api_token": "ApiToken",
    "audit_event": None, "trust_grant": None, "staff_group": "StaffGroup", "staff_group_member": None,
    "group_delegate": None, "target_list": "TargetList", "target_list_item": None, "notification_outbox": None,
    "notification_plan": None, "notification_plan_target": None, "notification_delivery": "NotificationDelivery",
    "notification_item": None, "term": "Term", "school_course": "SchoolCourse", "course_participant": None,
    "parent_link": "ParentLink", "mentor_learner": None, "supervisor_labels": None,
    "attendance_code": "AttendanceCode", "workflow_phase": "WorkflowPhase", "registration_scope": "RegistrationScope",
    "attendance_record": "AttendanceRecord", "behaviour_note": "BehaviourNote", "assessment": "Assessment",
}


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    for table, audited_as in TABLES.items():
        with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": True}):
            pass
        remembered = (
            bind.execute(sa.text("SELECT MAX(target_id) FROM audit_event WHERE target_type = :t"), {"t": audited_as})
            .scalar() if audited_as else None
        )
        highest = bind.execute(sa.text(f'SELECT MAX(id) FROM "{table}"')).scalar()
        start = max(remembered or 0, highest or 0)
        if start:
            bind.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = :n"), {"n": table})
            bind.execute(sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES (:n, :s)"), {"n": table, "s": start})


def downgrade() -> None:
    """AUTOINCREMENT is kept: handing ids out again is the fault this revision removes."""
