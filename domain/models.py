"""The tables. Enumerations are stored as short strings so both engines agree."""

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Index, String, Text, TypeDecorator, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from domain.audit import SUMMARY_LENGTH
from domain.notifications import REMINDERS


class UTCDateTime(TypeDecorator):
    """Instants are stored as UTC and always read back timezone-aware.

    SQLite keeps no offset, so without this a value read back would be naive.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: instants must carry a time zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _instant(**kwargs: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kwargs)


class OrganisationKind(StrEnum):
    SCHOOL = "SCHOOL"
    TRUST = "TRUST"


class MembershipRole(StrEnum):
    ADMINISTRATOR = "ADMINISTRATOR"
    MEMBER = "MEMBER"
    # A school's learners and parents (seed 002): they belong to the school, but are not
    # its staff, so they see neither its members nor its licence.
    LEARNER = "LEARNER"
    PARENT = "PARENT"


# Standings that make someone staff: only these move between Member and Administrator,
# hold seats, own licences or supervise.
STAFF_ROLES = frozenset({MembershipRole.ADMINISTRATOR, MembershipRole.MEMBER})


class SubscriptionKind(StrEnum):
    ALL_ACCESS_PASS_PLUS = "ALL_ACCESS_PASS_PLUS"
    ALL_ACCESS_PASS = "ALL_ACCESS_PASS"


# Only this designation lets a trust see the progress of schools that grant it (seed 001).
ACADEMIES = "Academies"


class Organisation(SQLModel, table=True):
    __tablename__ = "organisation"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(sa_type=String(16))
    name: str = Field(sa_type=String(200))
    designation: str | None = Field(default=None, sa_type=String(100))
    time_zone: str = Field(sa_type=String(64))
    created_at: datetime = _instant(default_factory=utcnow)


class Person(SQLModel, table=True):
    __tablename__ = "person"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(sa_type=String(254), unique=True)
    display_name: str = Field(sa_type=String(200))
    is_platform_support: bool = False
    created_at: datetime = _instant(default_factory=utcnow)


class Membership(SQLModel, table=True):
    """A person's standing in an organisation: Administrator or Member (seed 001), or in a
    school Learner or Parent (seed 002)."""

    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("organisation_id", "person_id"),
        Index("ix_membership_person", "person_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE")
    role: str = Field(sa_type=String(16))
    created_at: datetime = _instant(default_factory=utcnow)
    # Supervisor roles (seed 002), held within this organisation: a mentor of the school's
    # learners, a headteacher of the organisation. Kept here so the principal loads them
    # with the person's standing and a headteacher is always a member.
    is_mentor: bool = False
    is_headteacher: bool = False


class Licence(SQLModel, table=True):
    """A school's subscription. Its full administrators are the school's Administrators."""

    __tablename__ = "licence"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", unique=True)
    owner_id: int = Field(foreign_key="person.id")
    created_at: datetime = _instant(default_factory=utcnow)


class Seat(SQLModel, table=True):
    __tablename__ = "seat"
    __table_args__ = (
        UniqueConstraint("licence_id", "person_id"),
        Index("ix_seat_person", "person_id"),
        # The scheduler looks for leaving dates that have come on every tick: the few seats
        # that carry one, not the whole table.
        Index("ix_seat_leaves_on", "leaves_on", sqlite_where=text("leaves_on IS NOT NULL"),
              postgresql_where=text("leaves_on IS NOT NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    licence_id: int = Field(foreign_key="licence.id", ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id")
    subscription: str = Field(sa_type=String(32))
    active: bool = True
    created_at: datetime = _instant(default_factory=utcnow)
    # The school-local day a leaver's seat ends (from a roster import); null for none.
    leaves_on: date | None = None
    # The holder's job in the school, as its roster names it ("Teaching Assistant"); null for none.
    job_title: str | None = Field(default=None, sa_type=String(200))


class Course(SQLModel, table=True):
    """The platform-wide course catalogue."""

    __tablename__ = "course"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_type=String(32), unique=True)
    title: str = Field(sa_type=String(200))
    retired_at: datetime | None = _instant(default=None)
    created_at: datetime = _instant(default_factory=utcnow)


class Enrolment(SQLModel, table=True):
    """A person's progress in one catalogue course. Never deleted by group or seat changes."""

    __tablename__ = "enrolment"
    __table_args__ = (
        UniqueConstraint("person_id", "course_id"),
        Index("ix_enrolment_course", "course_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id")
    course_id: int = Field(foreign_key="course.id")
    started_at: datetime = _instant()
    progress_percent: int = 0
    seconds_spent: int = 0
    completed_at: datetime | None = _instant(default=None)  # the first completion, kept once set
    # The latest completion: where the course renews, the one that holds (domain/learning_paths.py).
    last_completed_at: datetime | None = _instant(default=None)
    updated_at: datetime = _instant(default_factory=utcnow)


class CourseCompletion(SQLModel, table=True):
    """Every completion of an enrolment, the first and each later one (a course that
    renews is completed once a cycle), including one recorded late for an earlier cycle."""

    __tablename__ = "course_completion"
    __table_args__ = (UniqueConstraint("enrolment_id", "completed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    enrolment_id: int = Field(foreign_key="enrolment.id")
    completed_at: datetime = _instant()
    recorded_at: datetime = _instant(default_factory=utcnow)


class ProgressRecord(SQLModel, table=True):
    """One accepted progress call, kept so a retry with the same idempotency key
    counts once."""

    __tablename__ = "progress_record"
    __table_args__ = (UniqueConstraint("person_id", "idempotency_key"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id")
    course_id: int = Field(foreign_key="course.id")
    idempotency_key: str = Field(sa_type=String(200))
    # What the call asked for, so the same key with a different request is refused.
    request: dict[str, Any] = Field(sa_type=JSON)
    recorded_at: datetime = _instant(default_factory=utcnow)


class ApiToken(SQLModel, table=True):
    """A bearer token, kept only as its SHA-256. It belongs to a person or to a
    school's external system (an MIS, say), never both."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(sa_type=String(64), unique=True)
    name: str = Field(sa_type=String(200))
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    created_at: datetime = _instant(default_factory=utcnow)
    expires_at: datetime = _instant()
    revoked_at: datetime | None = _instant(default=None)


class CalendarFeed(SQLModel, table=True):
    """A person's private calendar feed, `GET /calendar/<secret>.ics`. The secret is made
    from the service's FEED_KEY, the person and this row's salt (domain/calendar.py), so the person can
    be shown their URL again; the table keeps only its SHA-256, so the table alone opens no
    feed. Rotating gives a new salt: the old URL then finds nothing."""

    __tablename__ = "calendar_feed"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", unique=True)
    salt: str = Field(sa_type=String(64))
    secret_hash: str = Field(sa_type=String(64), unique=True)
    created_at: datetime = _instant(default_factory=utcnow)
    rotated_at: datetime | None = _instant(default=None)


class AuditEvent(SQLModel, table=True):
    """Who changed what, when and where, with the full record before and after."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_org_id", "organisation_id", "id"),
        Index("ix_audit_actor_id", "actor_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    occurred_at: datetime = _instant(default_factory=utcnow)
    actor_id: int | None = Field(default=None, foreign_key="person.id")
    # Kept as written at the time, so the log still reads right after renames.
    actor_name: str = Field(sa_type=String(200))
    action: str = Field(sa_type=String(64))
    target_type: str = Field(sa_type=String(64))
    target_id: int
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    licence_id: int | None = Field(default=None, foreign_key="licence.id")
    # The staff group an event concerns, so its delegates see it. No foreign key:
    # the event outlives a deleted group.
    staff_group_id: int | None = Field(default=None, index=True)
    summary: str = Field(sa_type=String(SUMMARY_LENGTH))
    before: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    after: dict[str, Any] | None = Field(default=None, sa_type=JSON)


class TrustGrant(SQLModel, table=True):
    """A school's choice of its Multi Academy Trust (seed 001): one trust per school."""

    __tablename__ = "trust_grant"
    __table_args__ = (Index("ix_trust_grant_trust", "trust_id"),)

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="organisation.id", unique=True)
    trust_id: int = Field(foreign_key="organisation.id")
    granted_by_id: int | None = Field(default=None, foreign_key="person.id")
    granted_at: datetime = _instant(default_factory=utcnow)


ALL_STAFF_NAME = "All Staff"


class GroupKind(StrEnum):
    STAFF = "STAFF"
    ALL_STAFF = "ALL_STAFF"  # dynamic: every active All Access Pass PLUS seat holder


class StaffGroup(SQLModel, table=True):
    __tablename__ = "staff_group"
    __table_args__ = (
        Index("ix_staff_group_licence", "licence_id"),
        # One All Staff group per licence.
        Index(
            "uq_staff_group_all_staff", "licence_id", unique=True,
            sqlite_where=text("kind = 'ALL_STAFF'"), postgresql_where=text("kind = 'ALL_STAFF'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    licence_id: int = Field(foreign_key="licence.id", ondelete="CASCADE")
    name: str = Field(sa_type=String(200))
    kind: str = Field(sa_type=String(16), default=GroupKind.STAFF)
    created_at: datetime = _instant(default_factory=utcnow)
    # A STAFF group's rule (domain/group_rules.py): its members follow it. Null: picked by hand.
    rule: dict | None = Field(default=None, sa_type=JSON(none_as_null=True))


class StaffGroupMember(SQLModel, table=True):
    """A hand-picked member of a STAFF group. The All Staff group has no rows here."""

    __tablename__ = "staff_group_member"
    __table_args__ = (
        UniqueConstraint("group_id", "person_id"),
        Index("ix_staff_group_member_person", "person_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="staff_group.id", ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id")
    added_at: datetime = _instant(default_factory=utcnow)


class GroupDelegate(SQLModel, table=True):
    """A staff member put in charge of one group by a full administrator."""

    __tablename__ = "group_delegate"
    __table_args__ = (
        UniqueConstraint("group_id", "person_id"),
        Index("ix_group_delegate_person", "person_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="staff_group.id", ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id")
    created_at: datetime = _instant(default_factory=utcnow)


class TargetList(SQLModel, table=True):
    """The seed's 'learning target group': a named, ordered list of courses in a staff group."""

    __tablename__ = "target_list"
    __table_args__ = (Index("ix_target_list_group", "group_id"),)

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="staff_group.id", ondelete="CASCADE")
    name: str = Field(sa_type=String(200))
    created_at: datetime = _instant(default_factory=utcnow)


class TargetListItem(SQLModel, table=True):
    __tablename__ = "target_list_item"
    __table_args__ = (
        UniqueConstraint("list_id", "course_id"),
        Index("ix_target_list_item_order", "list_id", "position"),
    )

    id: int | None = Field(default=None, primary_key=True)
    list_id: int = Field(foreign_key="target_list.id", ondelete="CASCADE")
    course_id: int = Field(foreign_key="course.id")
    position: int
    # A school-local date: the course should be complete by the end of that day.
    due_on: date | None = Field(default=None, sa_type=Date)
    # A completion holds this many months, then the course is due again; null: for good.
    renew_months: int | None = None


class TargetExtension(SQLModel, table=True):
    """One person's later due date in one licence, with its reason: for one course, or
    (`course_id` null) for every dated target due before it. In force until ended; an
    ended one stays as history. At most one in force per person and course (or all)."""

    __tablename__ = "target_extension"
    __table_args__ = (
        Index("ix_target_extension_person", "licence_id", "person_id"),
        Index("ix_target_extension_course", "licence_id", "person_id", "course_id", unique=True,
              sqlite_where=text("ended_at IS NULL AND course_id IS NOT NULL"),
              postgresql_where=text("ended_at IS NULL AND course_id IS NOT NULL")),
        Index("ix_target_extension_all", "licence_id", "person_id", unique=True,
              sqlite_where=text("ended_at IS NULL AND course_id IS NULL"),
              postgresql_where=text("ended_at IS NULL AND course_id IS NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    licence_id: int = Field(foreign_key="licence.id", ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id")
    course_id: int | None = Field(default=None, foreign_key="course.id")
    # The group whose list it was granted through (its delegates may end it); null for
    # every target, or once that group is gone.
    group_id: int | None = Field(default=None, foreign_key="staff_group.id", ondelete="SET NULL")
    due_on: date = Field(sa_type=Date)  # school-local
    reason: str = Field(sa_type=String(500))
    granted_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = _instant(default_factory=utcnow)
    ended_at: datetime | None = _instant(default=None)
    ended_by_id: int | None = Field(default=None, foreign_key="person.id")


class NotificationSettings(SQLModel, table=True):
    """A school's email notification settings (seed 000). No row means the defaults."""

    __tablename__ = "notification_settings"

    organisation_id: int = Field(foreign_key="organisation.id", primary_key=True, ondelete="CASCADE")
    due_soon_days: int = 14
    overdue_days: int = 1
    send_hour: int = 7  # school-local hour at which the day's digest goes out
    assigned: bool = True
    removed: bool = True
    due_soon: bool = True
    due_today: bool = True
    overdue: bool = True
    updated_at: datetime = _instant(default_factory=utcnow)


class NotificationOutbox(SQLModel, table=True):
    """Written in a mutation's own transaction: what reaches this person changed.
    The day's plan consumes it, so a change is told once, in the next digest."""

    __tablename__ = "notification_outbox"
    __table_args__ = (Index("ix_notification_outbox_pending", "organisation_id", "planned_on"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", index=True)
    created_at: datetime = _instant(default_factory=utcnow)
    # Set by the plan that tells it: its day, and the instant of that planning run.
    planned_on: date | None = Field(default=None, sa_type=Date)
    planned_at: datetime | None = _instant(default=None)


class NotificationPlan(SQLModel, table=True):
    """One school-local day planned for one school. Its unique key is what stops two
    schedulers planning the same day."""

    __tablename__ = "notification_plan"
    __table_args__ = (UniqueConstraint("organisation_id", "local_date"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", ondelete="CASCADE")
    local_date: date = Field(sa_type=Date)
    planned_at: datetime = _instant(default_factory=utcnow)


class PreviewReach(SQLModel, table=True):
    """Scratch rows of a change being previewed (resolvers/previews.py): each staff
    member's signature before and after it. Never committed: a preview rolls back."""

    __tablename__ = "preview_reach"
    __table_args__ = (Index("ix_preview_reach", "phase", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    phase: str = Field(sa_type=String(8))
    person_id: int
    signature: str = Field(sa_type=Text)  # every renewing completion's day: no length is enough


class NotificationPlanTarget(SQLModel, table=True):
    """Scratch rows of a plan being made: the targets shared by everyone reached by
    the same set of groups, with their effective due dates. Emptied before commit."""

    __tablename__ = "notification_plan_target"
    __table_args__ = (Index("ix_notification_plan_target", "plan_id", "signature"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="notification_plan.id", ondelete="CASCADE")
    signature: str = Field(sa_type=String(2000))
    course_id: int = Field(foreign_key="course.id")
    list_names: str = Field(sa_type=String(1000))
    due_on: date | None = Field(default=None, sa_type=Date)
    reminder: str | None = Field(default=None, sa_type=String(16))
    # Due again though completed: the completion's renewal has come (a personal signature).
    reopened: bool = False


class NotificationDelivery(SQLModel, table=True):
    """One digest: at most one per person per school per school-local day. Claimed
    before sending."""

    __tablename__ = "notification_delivery"
    __table_args__ = (
        UniqueConstraint("person_id", "organisation_id", "local_date"),
        Index("ix_notification_delivery_school", "organisation_id", "local_date", "id"),
        Index("ix_notification_delivery_status", "status", "enqueued_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id")
    organisation_id: int = Field(foreign_key="organisation.id", ondelete="CASCADE")
    plan_id: int = Field(foreign_key="notification_plan.id", ondelete="CASCADE")
    local_date: date = Field(sa_type=Date)
    status: str = Field(sa_type=String(16), default="PENDING")
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=String(500))
    created_at: datetime = _instant(default_factory=utcnow)
    enqueued_at: datetime | None = _instant(default=None)
    claimed_at: datetime | None = _instant(default=None)
    sent_at: datetime | None = _instant(default=None)
    # RETRYING: when the next attempt is due; only then may it be claimed.
    retry_at: datetime | None = _instant(default=None)


# The once-only key of a reminder, and the reminders' kinds (domain.notifications) as SQL,
# so an ON CONFLICT clause can name the partial index exactly.
REMINDER_KEY = ("person_id", "kind", "course_id", "due_on")
IS_REMINDER = f"kind IN ({', '.join(repr(str(kind)) for kind in REMINDERS)})"


class NotificationItem(SQLModel, table=True):
    """One line of a digest: its digest is the plan's delivery to the person. A reminder
    of a kind for a (person, course, due date) is sent once: the partial unique index
    says so. Written by the million when a large school's day is planned, only there and
    in the transaction that makes its plan (never deleted), so it checks no foreign key,
    which PostgreSQL would check row by row; the course's title is kept on the line."""

    __tablename__ = "notification_item"
    __table_args__ = (
        Index("ix_notification_item_plan", "plan_id", "person_id"),
        Index(
            "uq_notification_item_reminder", *REMINDER_KEY, unique=True,
            sqlite_where=text(IS_REMINDER), postgresql_where=text(IS_REMINDER),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int
    person_id: int
    kind: str = Field(sa_type=String(16))
    course_id: int | None = None
    # Kept as planned, so the digest and its log read the same after renames.
    course_title: str | None = Field(default=None, sa_type=String(200))
    list_names: str | None = Field(default=None, sa_type=String(1000))
    due_on: date | None = Field(default=None, sa_type=Date)
    # An overdue summary's line is about one of the recipient's people: who, and their name as planned.
    about_person_id: int | None = None
    about_name: str | None = Field(default=None, sa_type=String(200))


class RemindedPerson(SQLModel, table=True):
    """Someone sent (or planned) a reminder at least once, in any school. Who is not here
    has no reminder line, so their lines cannot meet the once-only key and are written
    without ON CONFLICT, whose per-row speculative insertion was a third of a large
    school's first day on PostgreSQL. Being here only means the lines are checked; so it
    is written only by planning, in the plan's transaction, and never deleted."""

    __tablename__ = "reminded_person"

    person_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})


class OverdueSummary(SQLModel, table=True):
    """A full administrator's or group delegate's opt-in to a summary of their people's
    overdue targets in one school, daily or weekly (domain/notifications.py)."""

    __tablename__ = "overdue_summary"
    __table_args__ = (UniqueConstraint("organisation_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id")
    frequency: str = Field(sa_type=String(16))
    weekday: int = 1  # ISO, for WEEKLY: 1 is Monday
    # The school-local day of the last summary planned: what is overdue since is new.
    last_sent_on: date | None = Field(default=None, sa_type=Date)
    updated_at: datetime = _instant(default_factory=utcnow)


def digest_order() -> tuple[Any, ...]:
    """A digest's lines as read: dated first, soonest first, then by course."""
    return (NotificationItem.due_on.is_(None), NotificationItem.due_on, NotificationItem.course_title,
            NotificationItem.id)


# --- Workflow, records and supervisors (seed 002) ----------------------------------------


class Term(SQLModel, table=True):
    """A named period of a school's year; school-local dates, both days included."""

    __tablename__ = "term"
    __table_args__ = (Index("ix_term_organisation", "organisation_id", "starts_on"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", ondelete="CASCADE")
    name: str = Field(sa_type=String(100))
    starts_on: date = Field(sa_type=Date)
    ends_on: date = Field(sa_type=Date)


class SchoolCourse(SQLModel, table=True):
    """A course a school teaches its learners (a class), unlike the staff catalogue's."""

    __tablename__ = "school_course"
    __table_args__ = (Index("ix_school_course_organisation", "organisation_id"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", ondelete="CASCADE")
    title: str = Field(sa_type=String(200))


class CourseParticipant(SQLModel, table=True):
    """A course's teachers and learners (domain.records.CourseRole)."""

    __tablename__ = "course_participant"
    __table_args__ = (
        UniqueConstraint("course_id", "person_id"),
        Index("ix_course_participant_person", "person_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    course_id: int = Field(foreign_key="school_course.id", ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id")
    role: str = Field(sa_type=String(16))


class ParentLink(SQLModel, table=True):
    __tablename__ = "parent_link"
    __table_args__ = (
        UniqueConstraint("parent_id", "learner_id"),
        Index("ix_parent_link_learner", "learner_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    parent_id: int = Field(foreign_key="person.id")
    learner_id: int = Field(foreign_key="person.id")


class MentorLearner(SQLModel, table=True):
    """A learner assigned to a mentor of the school: many to many."""

    __tablename__ = "mentor_learner"
    __table_args__ = (
        UniqueConstraint("organisation_id", "mentor_id", "learner_id"),
        Index("ix_mentor_learner_learner", "learner_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", ondelete="CASCADE")
    mentor_id: int = Field(foreign_key="person.id")
    learner_id: int = Field(foreign_key="person.id")
    created_at: datetime = _instant(default_factory=utcnow)


class SupervisorLabels(SQLModel, table=True):
    """A site's own names for 'Mentor' and 'Headteacher'; none means the defaults."""

    __tablename__ = "supervisor_labels"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", unique=True, ondelete="CASCADE")
    mentor_label: str = Field(sa_type=String(50))
    headteacher_label: str = Field(sa_type=String(50))


class AttendanceCode(SQLModel, table=True):
    __tablename__ = "attendance_code"
    __table_args__ = (UniqueConstraint("organisation_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", ondelete="CASCADE")
    code: str = Field(sa_type=String(8))
    name: str = Field(sa_type=String(100))
    category: str = Field(sa_type=String(32))
    # A retired code is kept for the records that hold it, but no new record may use it.
    retired_at: datetime | None = _instant(default=None)


class WorkflowPhase(SQLModel, table=True):
    """One phase of a school's workflow for one area (domain.workflow), with who sees the
    area's records in it and who moves it on."""

    __tablename__ = "workflow_phase"
    __table_args__ = (UniqueConstraint("organisation_id", "area", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", ondelete="CASCADE")
    area: str = Field(sa_type=String(16))
    kind: str = Field(sa_type=String(32))
    position: int
    responsible: str | None = Field(default=None, sa_type=String(16))
    learner_sees: bool = False
    parent_sees: bool = False
    external_sees: bool = False


class RegistrationScope(SQLModel, table=True):
    """Where a set of records is in its workflow: a course's records of an area for a
    term, or a mentor's group's."""

    __tablename__ = "registration_scope"
    __table_args__ = (
        Index("ix_registration_scope_organisation", "organisation_id", "area", "term_id"),
        Index(
            "uq_registration_scope_course", "area", "term_id", "course_id", unique=True,
            sqlite_where=text("course_id IS NOT NULL"), postgresql_where=text("course_id IS NOT NULL"),
        ),
        Index(
            "uq_registration_scope_mentor", "organisation_id", "area", "term_id", "mentor_id", unique=True,
            sqlite_where=text("mentor_id IS NOT NULL"), postgresql_where=text("mentor_id IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", ondelete="CASCADE")
    area: str = Field(sa_type=String(16))
    term_id: int = Field(foreign_key="term.id")
    course_id: int | None = Field(default=None, foreign_key="school_course.id")
    mentor_id: int | None = Field(default=None, foreign_key="person.id")
    phase_id: int = Field(foreign_key="workflow_phase.id")
    updated_at: datetime = _instant(default_factory=utcnow)


class AttendanceRecord(SQLModel, table=True):
    __tablename__ = "attendance_record"
    __table_args__ = (
        UniqueConstraint("learner_id", "course_id", "session_date"),
        Index("ix_attendance_record_scope", "scope_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", ondelete="CASCADE")
    scope_id: int = Field(foreign_key="registration_scope.id")
    learner_id: int = Field(foreign_key="person.id")
    course_id: int = Field(foreign_key="school_course.id")
    session_date: date = Field(sa_type=Date)
    code_id: int = Field(foreign_key="attendance_code.id")
    recorded_by_id: int | None = Field(default=None, foreign_key="person.id")
    recorded_at: datetime = _instant(default_factory=utcnow)


class BehaviourNote(SQLModel, table=True):
    __tablename__ = "behaviour_note"
    __table_args__ = (
        Index("ix_behaviour_note_scope", "scope_id"),
        Index("ix_behaviour_note_learner", "learner_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", ondelete="CASCADE")
    scope_id: int = Field(foreign_key="registration_scope.id")
    learner_id: int = Field(foreign_key="person.id")
    mentor_id: int = Field(foreign_key="person.id")
    noted_on: date = Field(sa_type=Date)
    positive: bool
    type: str = Field(sa_type=String(100))
    weight: int
    text: str = Field(sa_type=Text)
    recorded_by_id: int | None = Field(default=None, foreign_key="person.id")
    recorded_at: datetime = _instant(default_factory=utcnow)


class Assessment(SQLModel, table=True):
    __tablename__ = "assessment"
    __table_args__ = (
        UniqueConstraint("learner_id", "course_id", "term_id"),
        Index("ix_assessment_scope", "scope_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", ondelete="CASCADE")
    scope_id: int = Field(foreign_key="registration_scope.id")
    learner_id: int = Field(foreign_key="person.id")
    course_id: int = Field(foreign_key="school_course.id")
    term_id: int = Field(foreign_key="term.id")
    result: str = Field(sa_type=String(50))
    comment: str = Field(sa_type=Text)
    recorded_by_id: int | None = Field(default=None, foreign_key="person.id")
    recorded_at: datetime = _instant(default_factory=utcnow)


# Ids are never handed out twice: SQLite would reuse a deleted row's id unless its table is
# AUTOINCREMENT (migration 0006); PostgreSQL's sequences never reuse one.
for _table in SQLModel.metadata.tables.values():
    if "id" in _table.c and _table.c.id.primary_key:
        _table.dialect_options["sqlite"]["autoincrement"] = True
