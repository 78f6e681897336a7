"""What the audit log records: the actions, and JSON snapshots of rows."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlmodel import SQLModel


class AuditAction(StrEnum):
    ORGANISATION_CREATED = "organisation.created"
    DESIGNATION_SET = "organisation.designation_set"
    MEMBER_ADDED = "member.added"
    MEMBER_REMOVED = "member.removed"
    MEMBER_PROMOTED = "member.promoted"
    MEMBER_DEMOTED = "member.demoted"
    ADMINISTRATOR_APPOINTED = "member.administrator_appointed"
    LICENCE_CREATED = "licence.created"
    OWNERSHIP_TRANSFERRED = "licence.ownership_transferred"
    SEAT_ADDED = "seat.added"
    SEAT_DEACTIVATED = "seat.deactivated"
    SEAT_REACTIVATED = "seat.reactivated"
    SEAT_CHANGED = "seat.subscription_changed"
    ROSTER_IMPORTED = "roster.imported"
    GROUP_CREATED = "group.created"
    GROUP_RENAMED = "group.renamed"
    GROUP_MEMBERS_ADDED = "group.members_added"
    GROUP_MEMBERS_REMOVED = "group.members_removed"
    GROUP_DELETED = "group.deleted"
    GROUP_RULE_SET = "group.rule_set"
    GROUP_RULE_FOLLOWED = "group.rule_followed"
    DELEGATE_ADDED = "group.delegate_added"
    DELEGATE_REMOVED = "group.delegate_removed"
    TARGET_LIST_CREATED = "target_list.created"
    TARGET_LIST_RENAMED = "target_list.renamed"
    TARGET_COURSES_ADDED = "target_list.courses_added"
    TARGET_COURSE_REMOVED = "target_list.course_removed"
    TARGET_LIST_REORDERED = "target_list.reordered"
    TARGET_DUE_DATE_SET = "target_list.due_date_set"
    TARGET_RENEWAL_SET = "target_list.renewal_set"
    TARGET_LIST_DELETED = "target_list.deleted"
    TARGET_EXTENDED = "target.extended"
    TARGET_EXTENSION_ENDED = "target.extension_ended"
    TRUST_GRANTED = "trust.granted"
    TRUST_WITHDRAWN = "trust.withdrawn"
    PROGRESS_RECORDED = "progress.recorded"
    COURSE_ADDED = "course.added"
    COURSE_RENAMED = "course.renamed"
    COURSE_RETIRED = "course.retired"
    SUPPORT_APPOINTED = "person.support_appointed"
    TOKEN_CREATED = "token.created"
    TOKEN_REVOKED = "token.revoked"
    CALENDAR_FEED_CREATED = "calendar_feed.created"
    CALENDAR_FEED_ROTATED = "calendar_feed.rotated"
    NOTIFICATION_SETTINGS_UPDATED = "notification.settings_updated"
    NOTIFICATION_RETRIED = "notification.retried"
    OVERDUE_SUMMARY_SET = "notification.overdue_summary_set"
    # Workflow, records and supervisors (seed 002).
    WORKFLOW_PHASE_CONFIGURED = "workflow.phase_configured"
    REGISTRATION_ADVANCED = "workflow.registration_advanced"
    ATTENDANCE_RECORDED = "records.attendance_recorded"
    BEHAVIOUR_NOTED = "records.behaviour_noted"
    ASSESSMENT_RECORDED = "records.assessment_recorded"
    MENTOR_ADDED = "supervisors.mentor_added"
    MENTOR_REMOVED = "supervisors.mentor_removed"
    LEARNERS_ASSIGNED = "supervisors.learners_assigned"
    LEARNERS_UNASSIGNED = "supervisors.learners_unassigned"
    HEADTEACHER_ADDED = "supervisors.headteacher_added"
    HEADTEACHER_REMOVED = "supervisors.headteacher_removed"
    SUPERVISOR_LABELS_RENAMED = "supervisors.labels_renamed"
    TERM_CREATED = "site.term_created"
    TERM_UPDATED = "site.term_updated"
    SCHOOL_COURSE_CREATED = "site.course_created"
    COURSE_PARTICIPANTS_ADDED = "site.course_participants_added"
    COURSE_PARTICIPANTS_REMOVED = "site.course_participants_removed"
    PARENT_LINKED = "site.parent_linked"
    PARENT_UNLINKED = "site.parent_unlinked"
    ATTENDANCE_CODE_ADDED = "site.attendance_code_added"
    ATTENDANCE_CODE_UPDATED = "site.attendance_code_updated"
    ATTENDANCE_CODE_RETIRED = "site.attendance_code_retired"


# Changes to who a school's staff are, their standing, seats or groups: after one, the
# school's rule-based groups follow their rules (resolvers/group_rules.py).
PEOPLE_CHANGED = frozenset({
    AuditAction.MEMBER_ADDED, AuditAction.MEMBER_REMOVED, AuditAction.MEMBER_PROMOTED, AuditAction.MEMBER_DEMOTED,
    AuditAction.ADMINISTRATOR_APPOINTED, AuditAction.SEAT_ADDED, AuditAction.SEAT_DEACTIVATED,
    AuditAction.SEAT_REACTIVATED, AuditAction.SEAT_CHANGED, AuditAction.ROSTER_IMPORTED,
    AuditAction.GROUP_MEMBERS_ADDED, AuditAction.GROUP_MEMBERS_REMOVED, AuditAction.GROUP_DELETED,
})


SUMMARY_LENGTH = 500  # audit_event.summary's column


def summary_line(text: str) -> str:
    """A summary that fits its column: a long one (a change naming a hundred people) is
    cut with an ellipsis; the event's before and after keep every detail."""
    return text if len(text) <= SUMMARY_LENGTH else text[:SUMMARY_LENGTH - 1] + "…"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def snapshot(row: SQLModel | None, exclude: set[str] | None = None, **extra: Any) -> dict[str, Any] | None:
    """The row's columns as JSON-ready values, plus any context worth keeping."""
    if row is None:
        return None
    data = {key: _plain(value) for key, value in row.model_dump(exclude=exclude).items()}
    data.update({key: _plain(value) for key, value in extra.items()})
    return data
