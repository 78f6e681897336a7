"""THE policy: every authorization decision in Trellis is made here and only here.

Deny by default. The GraphQL layer declares the ability a field or a type needs; list
resolvers ask `scope()` for the organisations to filter by in SQL; node resolvers and
mutations ask `can()` / `authorize()` about one organisation.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, false, or_, select, true, union

from domain.errors import Forbidden, NotFound
from domain.models import (
    CourseParticipant, GroupDelegate, GroupKind, Licence, Membership, MembershipRole, MentorLearner, ParentLink,
    StaffGroup, StaffGroupMember,
)
from domain.records import CourseRole
from domain.workflow import Phase, Role, editors
from permissions.principal import Principal, is_full_administrator


class Ability(StrEnum):
    # Field-level: held or not regardless of organisation.
    PUBLIC = "public"  # anyone, token or not: `me` and introspection
    SIGNED_IN = "signed_in"  # any valid token; the resolver then scopes by organisation
    PLATFORM_SUPPORT = "platform_support"  # create organisations and licences, designations, ownership
    # Organisation-level.
    VIEW_ORGANISATION = "view_organisation"
    VIEW_MEMBERS = "view_members"
    MANAGE_MEMBERS = "manage_members"  # add, remove, promote and demote members
    VIEW_LICENCE = "view_licence"
    VIEW_SEATS = "view_seats"  # other people's seats
    MANAGE_SEATS = "manage_seats"
    IMPORT_ROSTER = "import_roster"  # a school's staff from a CSV: people, seats, group joins and leaves
    VIEW_AUDIT = "view_audit"
    VIEW_CATALOGUE = "view_catalogue"
    CREATE_GROUP = "create_group"
    VIEW_REPORTS = "view_reports"  # per course and per person completion reports
    GRANT_TRUST = "grant_trust"  # choose or withdraw the school's Multi Academy Trust
    MANAGE_NOTIFICATIONS = "manage_notifications"  # email settings and the school's delivery log
    RECORD_PROGRESS = "record_progress"  # for anyone in the school
    VIEW_PATHS = "view_paths"  # every staff member's learning path
    # Workflow and supervisors (seed 002).
    MANAGE_SUPERVISORS = "manage_supervisors"  # 'Supervisor management': mentors, headteachers, labels
    CONFIGURE_WORKFLOW = "configure_workflow"  # phases' audiences and responsible roles
    VIEW_RECORDS = "view_records"  # every attendance, behaviour and assessment record of the school
    VIEW_SUPERVISION = "view_supervision"  # every registration scope and the mentors' overviews
    MANAGE_SITE = "manage_site"  # terms, the school's courses and their people, parent links, attendance codes
    # Group-level: held by the school's full administrators, and in part by the group's delegates.
    VIEW_GROUP = "view_group"
    EDIT_GROUP = "edit_group"  # members, name and target lists
    DELETE_GROUP = "delete_group"
    DELEGATE_GROUP = "delegate_group"
    VIEW_GROUP_REPORT = "view_group_report"
    # Give a staff member a later due date: on a list's course (full administrators and the
    # list's group's delegates), or on every target (full administrators); and end one.
    EXTEND_TARGETS = "extend_targets"
    SET_GROUP_RULE = "set_group_rule"
    # Object-level: decided by `can_on` from the object's facts (a Subject), not by a
    # table of roles alone.
    VIEW_PERSON = "view_person"  # themself, or anyone who may see a members list they are on
    VIEW_MEMBERSHIP = "view_membership"  # one's own, or the organisation's members list
    VIEW_SEAT = "view_seat"  # its holder while in the school, or whoever sees the licence's seats
    VIEW_AUDIT_EVENT = "view_audit_event"  # the school's log, or the log of one's delegated group
    VIEW_DELIVERY = "view_delivery"  # one's own digest, the school's delivery log, platform support
    VIEW_PATH = "view_path"  # one staff member's learning path, and the extensions on it
    OWN_CALENDAR_FEED = "own_calendar_feed"  # a person's calendar feed: theirs alone
    OVERDUE_SUMMARY = "overdue_summary"  # one's own summary of one's people overdue, in a school
    VIEW_PERSON_REPORT = "view_person_report"  # one person's completion report
    VIEW_SCOPE = "view_scope"  # one registration scope and its phase
    MOVE_ON = "move_on"  # move a registration scope to its next phase
    KEEP_RECORDS = "keep_records"  # attendance and assessments of one of the school's courses
    KEEP_BEHAVIOUR = "keep_behaviour"  # behaviour notes in the school
    VIEW_RECORD = "view_record"  # one attendance, behaviour or assessment record
    VIEW_TRUST_PROGRESS = "view_trust_progress"  # a trust's view of the schools that granted it


GLOBAL = frozenset({Ability.PUBLIC, Ability.SIGNED_IN, Ability.PLATFORM_SUPPORT, Ability.VIEW_CATALOGUE})

# Organisation abilities held by each standing. Administrators of a school are its
# full licence administrators (DOMAIN.md), so one role answers for both.
_GROUP = frozenset({
    Ability.VIEW_GROUP, Ability.EDIT_GROUP, Ability.DELETE_GROUP, Ability.DELEGATE_GROUP, Ability.VIEW_GROUP_REPORT,
    Ability.EXTEND_TARGETS, Ability.SET_GROUP_RULE,
})
_ADMINISTRATOR = frozenset({
    Ability.VIEW_ORGANISATION, Ability.VIEW_MEMBERS, Ability.MANAGE_MEMBERS,
    Ability.VIEW_LICENCE, Ability.VIEW_SEATS, Ability.MANAGE_SEATS, Ability.IMPORT_ROSTER, Ability.VIEW_AUDIT,
    Ability.CREATE_GROUP, Ability.VIEW_PATHS, Ability.VIEW_REPORTS, Ability.RECORD_PROGRESS, Ability.GRANT_TRUST,
    Ability.MANAGE_NOTIFICATIONS,
    Ability.MANAGE_SUPERVISORS, Ability.CONFIGURE_WORKFLOW, Ability.VIEW_RECORDS, Ability.VIEW_SUPERVISION,
    Ability.MANAGE_SITE,
}) | _GROUP
# A delegate manages the members and target lists of their groups, and sees their
# reports, and extends their people's dates for their lists' courses; never deleting,
# delegating, other groups or licence settings (seed 000).
_DELEGATE = frozenset({Ability.VIEW_GROUP, Ability.EDIT_GROUP, Ability.VIEW_GROUP_REPORT, Ability.EXTEND_TARGETS})
_MEMBER = frozenset({Ability.VIEW_ORGANISATION, Ability.VIEW_MEMBERS, Ability.VIEW_LICENCE})
# Learners and parents see that their school exists; which records they see is the records
# clause's decision, per phase. Never the staff and members list, nor the licence.
_LEARNER_OR_PARENT = frozenset({Ability.VIEW_ORGANISATION})
_BY_ROLE = {
    MembershipRole.ADMINISTRATOR: _ADMINISTRATOR,
    MembershipRole.MEMBER: _MEMBER,
    MembershipRole.LEARNER: _LEARNER_OR_PARENT,
    MembershipRole.PARENT: _LEARNER_OR_PARENT,
}
# A headteacher monitors the mentors of their organisations: every record and registration
# of its learners, and the overviews (seed 002).
_HEADTEACHER = frozenset({Ability.VIEW_RECORDS, Ability.VIEW_SUPERVISION})
# A school's external system (an MIS, a course player) may record its people's progress.
_EXTERNAL_SYSTEM = frozenset({Ability.VIEW_ORGANISATION, Ability.RECORD_PROGRESS})
# Platform support reads everything so it can do its acts, but runs no school's business.
_SUPPORT_READS = frozenset({
    Ability.VIEW_ORGANISATION, Ability.VIEW_MEMBERS, Ability.VIEW_LICENCE, Ability.VIEW_SEATS, Ability.VIEW_AUDIT,
    Ability.VIEW_GROUP,
})
# ...and brings a new school's staff in from its roster, on its first day.
_SUPPORT = _SUPPORT_READS | {Ability.IMPORT_ROSTER}


def _holds_globally(principal: Principal, ability: Ability) -> bool:
    match ability:
        case Ability.PUBLIC:
            return True
        case Ability.SIGNED_IN:
            return principal.authenticated
        case Ability.PLATFORM_SUPPORT:
            return principal.is_platform_support
        case Ability.VIEW_CATALOGUE:
            return principal.authenticated
    return False


def can(principal: Principal, ability: Ability, organisation_id: int | None = None) -> bool:
    if ability in GLOBAL:
        return _holds_globally(principal, ability)
    if not principal.authenticated:
        return False
    if principal.is_platform_support and ability in _SUPPORT:
        return True
    if organisation_id is None:
        return False
    if principal.system_organisation_id is not None:
        return principal.system_organisation_id == organisation_id and ability in _EXTERNAL_SYSTEM
    if ability == Ability.VIEW_ORGANISATION and organisation_id in principal.trust_schools:
        return True  # a trust viewer sees which schools granted the trust
    role = principal.roles.get(organisation_id)
    if role is None:
        return False
    if ability in _HEADTEACHER and organisation_id in principal.headteacher_of:
        return True
    return ability in _BY_ROLE.get(role, frozenset())


def authorize(principal: Principal, ability: Ability, organisation_id: int | None = None) -> None:
    if not can(principal, ability, organisation_id):
        raise Forbidden("You do not have permission to do this.")


class Scope:
    """The organisations in which an ability holds: every one, or a set of ids."""

    def __init__(self, ids: frozenset[int] | None) -> None:
        self.ids = ids  # None means every organisation

    @property
    def everything(self) -> bool:
        return self.ids is None

    def allows(self, organisation_id: int | None) -> bool:
        return self.ids is None or organisation_id in self.ids

    def clause(self, column: ColumnElement) -> ColumnElement[bool]:
        if self.ids is None:
            return true()
        return column.in_(sorted(self.ids)) if self.ids else false()


def scope(principal: Principal, ability: Ability) -> Scope:
    if not principal.authenticated:
        return Scope(frozenset())
    if principal.is_platform_support and ability in _SUPPORT:
        return Scope(None)
    if principal.system_organisation_id is not None:
        held = ability in _EXTERNAL_SYSTEM
        return Scope(frozenset({principal.system_organisation_id}) if held else frozenset())
    held = {o for o in principal.roles if can(principal, ability, o)}
    if ability == Ability.VIEW_ORGANISATION:
        held |= set(principal.trust_schools)
    return Scope(frozenset(held))


def can_on_group(principal: Principal, ability: Ability, group_id: int, organisation_id: int) -> bool:
    """A group ability: the school's full administrators hold all of them, a group's
    delegates the delegate's share."""
    if can(principal, ability, organisation_id):
        return True
    return principal.delegations.get(group_id) == organisation_id and ability in _DELEGATE


def administers(principal: Principal, organisation_id: int) -> bool:
    return is_full_administrator(principal.roles.get(organisation_id, ""))


def groups_clause(principal: Principal, group_id: ColumnElement, organisation_id: ColumnElement) -> ColumnElement[bool]:
    """The staff groups a caller may see, as one SQL condition: `can_on(VIEW_GROUP)` in SQL."""
    delegated = group_id.in_(sorted(principal.delegations)) if principal.delegations else false()
    return or_(scope(principal, Ability.VIEW_GROUP).clause(organisation_id), delegated)


def audit_clause(principal: Principal, organisation_id: ColumnElement, group_id: ColumnElement) -> ColumnElement[bool]:
    """Audit events a caller may read, as one SQL condition: `can_on(VIEW_AUDIT_EVENT)` in SQL."""
    delegated = group_id.in_(sorted(principal.delegations)) if principal.delegations else false()
    return or_(scope(principal, Ability.VIEW_AUDIT).clause(organisation_id), delegated)


@dataclass(frozen=True, slots=True)
class Subject:
    """What a decision about one object needs to know of it. Read from the database with
    the object itself, by the one loader path (resolvers/subjects.py)."""

    organisation_id: int | None = None  # the organisation it belongs to
    group_id: int | None = None  # the staff group it belongs to
    person_id: int | None = None  # the person it is, is held by, or is about
    organisations: frozenset[int] = frozenset()  # a person's organisations
    groups: frozenset[int] = frozenset()  # the staff groups that reach a person (their path)
    teaches: bool = False  # the caller teaches its course
    mentors: bool = False  # the caller mentors its learners, or it is the caller's mentor group
    responsible: Role | None = None  # who moves its current phase on (registration scopes)
    audience: bool = False  # the caller is in a record's audience now (`records_clause`, read in SQL)


def _self(principal: Principal, subject: Subject) -> bool:
    return principal.person_id is not None and principal.person_id == subject.person_id


def can_on(principal: Principal, ability: Ability, subject: Subject) -> bool:
    """May the caller do `ability` on one object? Every check on an object, for seeing it
    (a type's read ability) or acting on it (a mutation's), is this function."""
    if ability in GLOBAL:
        return _holds_globally(principal, ability)
    org = subject.organisation_id
    match ability:
        case Ability.VIEW_PERSON:
            return _self(principal, subject) or any(can(principal, Ability.VIEW_MEMBERS, o) for o in subject.organisations)
        case Ability.VIEW_MEMBERSHIP:
            return _self(principal, subject) or can(principal, Ability.VIEW_MEMBERS, org)
        case Ability.VIEW_SEAT:
            # The holder, while still in the school; and those who see the licence's seats.
            holder = _self(principal, subject) and can(principal, Ability.VIEW_LICENCE, org)
            return holder or can(principal, Ability.VIEW_SEATS, org)
        case Ability.VIEW_AUDIT_EVENT:
            delegated = subject.group_id is not None and subject.group_id in principal.delegations
            return delegated or can(principal, Ability.VIEW_AUDIT, org)
        case Ability.VIEW_DELIVERY:
            return (_self(principal, subject) or principal.is_platform_support
                    or can(principal, Ability.MANAGE_NOTIFICATIONS, org))
        case Ability.VIEW_PATH:
            # Its owner, the school's full administrators, and delegates of a group it comes from.
            if _self(principal, subject) and principal.is_member(org):
                return True
            return can(principal, Ability.VIEW_PATHS, org) or any(
                principal.delegations.get(g) == org for g in subject.groups
            )
        case Ability.OVERDUE_SUMMARY:
            # A school's full administrators and its group delegates: those who have people there.
            if org is None or org not in principal.school_ids:
                return False
            return can(principal, Ability.VIEW_PATHS, org) or org in principal.delegations.values()
        case Ability.EXTEND_TARGETS if subject.person_id is not None:
            # An extension in force: the school's full administrators, and delegates of the
            # group it was given through while that group still reaches its person.
            delegated = subject.group_id in subject.groups and principal.delegations.get(subject.group_id) == org
            return delegated or can(principal, Ability.EXTEND_TARGETS, org)
        case Ability.OWN_CALENDAR_FEED:
            return _self(principal, subject)
        case Ability.VIEW_PERSON_REPORT:
            return (_self(principal, subject) and principal.is_member(org)) or can(principal, Ability.VIEW_REPORTS, org)
        case Ability.RECORD_PROGRESS if subject.organisations or subject.person_id is not None:
            # Progress is recorded by the person themself, a full administrator of one of their
            # schools, or one of their schools' external systems.
            return _self(principal, subject) or any(
                can(principal, Ability.RECORD_PROGRESS, o) for o in subject.organisations
            )
        case Ability.VIEW_SCOPE:
            return can(principal, Ability.VIEW_SUPERVISION, org) or (
                principal.person_id is not None and (subject.teaches or subject.mentors)
            )
        case Ability.MOVE_ON:
            return org is not None and can_move_on(
                principal, subject.responsible, org, teaches=subject.teaches, mentors=subject.mentors
            )
        case Ability.KEEP_RECORDS:
            # The course's teachers, mentors of its learners and the school's headteachers:
            # every role a phase can make responsible. The phase decides the rest.
            return principal.person_id is not None and (
                subject.teaches or subject.mentors or org in principal.headteacher_of
            )
        case Ability.VIEW_TRUST_PROGRESS:
            # Seed 001: an Administrator of a trust designated 'Academies' (the principal
            # carries the schools that granted such trusts); which schools, per school.
            return org is not None and org in set(principal.trust_schools.values())
        case Ability.VIEW_RECORD:
            # Decided in SQL with the record (its phase's audiences, the caller's teaching and
            # mentoring), by `records_clause`, the one statement of the rule.
            return subject.audience
        case Ability.KEEP_BEHAVIOUR:
            # Notes go into the writer's own mentor group, so only the school's mentors write them.
            return principal.person_id is not None and org in principal.mentor_of
    if ability in _GROUP and subject.group_id is not None:
        return org is not None and can_on_group(principal, ability, subject.group_id, org)
    return can(principal, ability, org)


def authorize_on(principal: Principal, subject: Subject | None, *, read: Ability, act: Ability, field: str) -> None:
    """The one order of a refusal: what the caller may not see does not exist (NOT_FOUND,
    the same answer as for an id that never existed), what they may see but not act on is
    FORBIDDEN. Nothing about the input's content has been looked at yet."""
    if subject is not None and can_on(principal, act, subject):
        return
    if subject is not None and can_on(principal, read, subject):
        raise Forbidden("You do not have permission to do this.")
    raise NotFound(f"Nothing with that {field} was found.", field)


def can_view_trust_progress(principal: Principal, trust_id: int, school_id: int) -> bool:
    """Seed 001: all three hold — the trust is designated 'Academies', the caller is an
    Administrator of it, and the school granted it (the principal carries only such
    schools)."""
    return principal.trust_schools.get(school_id) == trust_id


def granting_schools(principal: Principal, trust_id: int) -> list[int]:
    return sorted(school for school, trust in principal.trust_schools.items() if trust == trust_id)


class TrustSight(StrEnum):
    """Whether a trust's member sees its schools' progress, and if not, what is missing."""

    SEES = "SEES"
    NO_SCHOOL_GRANTED = "NO_SCHOOL_GRANTED"  # may see, but no school has granted access yet
    NEEDS_ADMINISTRATOR = "NEEDS_ADMINISTRATOR"
    NEEDS_ACADEMIES = "NEEDS_ACADEMIES"  # the trust is not designated 'Academies'


def trust_sight(principal: Principal, trust_id: int, *, academies: bool) -> TrustSight:
    """Seed 001's three conditions, in the order a trust's member can act on them."""
    if not academies:
        return TrustSight.NEEDS_ACADEMIES
    if principal.roles.get(trust_id) != MembershipRole.ADMINISTRATOR:
        return TrustSight.NEEDS_ADMINISTRATOR
    return TrustSight.SEES if granting_schools(principal, trust_id) else TrustSight.NO_SCHOOL_GRANTED


def can_browse_trusts(principal: Principal) -> bool:
    """School Administrators look trusts up by name to choose theirs."""
    return any(can(principal, Ability.GRANT_TRUST, o) for o in principal.school_ids)


# --- Workflow, records and supervisors (seed 002) ----------------------------------------
# Who keeps, moves on and sees attendance, behaviour and assessment records. The facts
# (who teaches a course, who mentors whom, whose parent one is) are read in SQL; the
# visibility of records is decided per row by a phase's audiences, also in SQL.


def teaches(principal: Principal, course_id: ColumnElement) -> ColumnElement[bool]:
    """The caller teaches the course."""
    if principal.person_id is None:
        return false()
    return exists().where(
        CourseParticipant.course_id == course_id,
        CourseParticipant.person_id == principal.person_id,
        CourseParticipant.role == CourseRole.TEACHER,
    )


def mentors_learner(principal: Principal, organisation_id: ColumnElement, learner_id: ColumnElement) -> ColumnElement[bool]:
    """The caller is a mentor of the school with this learner assigned."""
    if principal.person_id is None or not principal.mentor_of:
        return false()
    return exists().where(
        MentorLearner.mentor_id == principal.person_id,
        MentorLearner.learner_id == learner_id,
        MentorLearner.organisation_id == organisation_id,
        MentorLearner.organisation_id.in_(sorted(principal.mentor_of)),
    )


def mentors_course(principal: Principal, organisation_id: ColumnElement, course_id: ColumnElement) -> ColumnElement[bool]:
    """The caller mentors a learner of the course."""
    if principal.person_id is None or not principal.mentor_of:
        return false()
    return exists().where(
        CourseParticipant.course_id == course_id,
        CourseParticipant.role == CourseRole.LEARNER,
        MentorLearner.learner_id == CourseParticipant.person_id,
        MentorLearner.mentor_id == principal.person_id,
        MentorLearner.organisation_id == organisation_id,
        MentorLearner.organisation_id.in_(sorted(principal.mentor_of)),
    )


def records_clause(
    principal: Principal,
    *,
    organisation_id: ColumnElement,
    learner_id: ColumnElement,
    course_id: ColumnElement | None,
    learner_sees: ColumnElement,
    parent_sees: ColumnElement,
    external_sees: ColumnElement,
) -> ColumnElement[bool]:
    """The records a caller may see, as one SQL condition over a record joined to its
    scope's current phase. Administrators and headteachers see their schools' records,
    teachers their courses' (`course_id`, None for behaviour), mentors their learners';
    learners, parents and the school's external systems only in phases ticking them."""
    if not principal.authenticated:
        return false()
    if principal.system_organisation_id is not None:
        return and_(organisation_id == principal.system_organisation_id, external_sees.is_(True))
    if principal.person_id is None:
        return false()
    me = principal.person_id
    children = select(ParentLink.learner_id).where(ParentLink.parent_id == me)
    clauses = [
        scope(principal, Ability.VIEW_RECORDS).clause(organisation_id),
        and_(learner_id == me, learner_sees.is_(True)),
        and_(learner_id.in_(children), parent_sees.is_(True)),
        mentors_learner(principal, organisation_id, learner_id),
    ]
    if course_id is not None:
        clauses.append(teaches(principal, course_id))
    return or_(*clauses)


def scopes_clause(
    principal: Principal, *, organisation_id: ColumnElement, course_id: ColumnElement, mentor_id: ColumnElement
) -> ColumnElement[bool]:
    """Registration scopes a caller may see: all of their schools' for administrators and
    headteachers, their courses' for teachers, and for mentors their own group's and
    those of courses their learners are in."""
    if principal.person_id is None:
        return false()
    own_group = (
        and_(mentor_id == principal.person_id, organisation_id.in_(sorted(principal.mentor_of)))
        if principal.mentor_of else false()
    )
    return or_(
        scope(principal, Ability.VIEW_SUPERVISION).clause(organisation_id),
        teaches(principal, course_id),
        mentors_course(principal, organisation_id, course_id),
        own_group,
    )


def can_move_on(
    principal: Principal, responsible: Role | None, organisation_id: int, *, teaches: bool, mentors: bool
) -> bool:
    """Only the phase's responsible role moves a scope on: the course's teacher, a mentor
    of the school whose learners (or group) it holds, a headteacher of the school.
    Administrators hold no role by being administrators; a completed phase no one."""
    if principal.person_id is None:
        return False
    match responsible:
        case Role.TEACHER:
            return teaches
        case Role.MENTOR:
            return mentors and organisation_id in principal.mentor_of
        case Role.HEADTEACHER:
            return organisation_id in principal.headteacher_of
    return False


def can_edit_records(principal: Principal, phase: Phase, organisation_id: int, *, teaches: bool, mentors: bool) -> bool:
    """A scope's records are changed by whoever may act in its phase (domain.workflow.editors)."""
    return any(
        can_move_on(principal, role, organisation_id, teaches=teaches, mentors=mentors) for role in editors(phase)
    )


def authorize_edit_records(principal: Principal, phase: Phase, organisation_id: int, *, teaches: bool,
                           mentors: bool) -> None:
    if not can_edit_records(principal, phase, organisation_id, teaches=teaches, mentors=mentors):
        raise Forbidden("You cannot change these records in this phase.")


def authorize_preview(principal: Principal, organisation_id: int, *, of_group: bool) -> None:
    """A preview tells of people's learning paths and digests (issue 18): the school's full
    administrators see those, and a delegate, through a change to their group or its lists,
    those of the group's people. Asked once the change itself was allowed."""
    if not (of_group or can(principal, Ability.VIEW_PATHS, organisation_id)):
        raise Forbidden("Previewing shows people's learning paths: only the school's full administrators may "
                        "preview this.", "preview")


# --- Overdue summaries (issue 17) -----------------------------------------------------
# Whose overdue targets a summary tells its recipient, and which reports it links to: the
# paths they may see (VIEW_PATH) and the group reports they may read, as SQL for the
# planner, which has no principal of theirs.


def overseen(recipients: Any, organisation_id: int, licence_id: int, staff: Any) -> Select:
    """(recipient, person_id): the people of `staff` (a selectable of person_id, the
    school's staff) whom each recipient (column `recipient`) oversees: every one for a full
    administrator of the school; for a delegate, the members of their groups."""
    administrators = (
        select(recipients.c.recipient, staff.c.person_id)
        .join(Membership, and_(Membership.person_id == recipients.c.recipient,
                               Membership.organisation_id == organisation_id, is_full_administrator(Membership.role)))
        .join(staff, true())
    )
    delegated = (
        select(GroupDelegate.person_id.label("recipient"), GroupDelegate.group_id, StaffGroup.kind)
        .join(StaffGroup, StaffGroup.id == GroupDelegate.group_id)
        .where(StaffGroup.licence_id == licence_id, GroupDelegate.person_id.in_(select(recipients.c.recipient)))
        .cte("delegated")
    )
    picked = (
        select(delegated.c.recipient, staff.c.person_id)
        .join(StaffGroupMember, StaffGroupMember.group_id == delegated.c.group_id)
        .join(staff, staff.c.person_id == StaffGroupMember.person_id)
    )
    everyone = select(delegated.c.recipient, staff.c.person_id).join(staff, true()).where(
        delegated.c.kind == GroupKind.ALL_STAFF
    )
    return union(administrators, picked, everyone)


def report_groups(person_id: int, organisation_id: int) -> Select:
    """(id, name) of the staff groups whose reports the person reads in the school: every
    one for a full administrator, a delegate's own (VIEW_GROUP_REPORT)."""
    administers = select(Membership.id).where(
        Membership.person_id == person_id, Membership.organisation_id == organisation_id,
        is_full_administrator(Membership.role),
    ).exists()
    delegates = select(GroupDelegate.group_id).where(GroupDelegate.person_id == person_id)
    return (
        select(StaffGroup.id, StaffGroup.name)
        .join(Licence, Licence.id == StaffGroup.licence_id)
        .where(Licence.organisation_id == organisation_id, or_(administers, StaffGroup.id.in_(delegates)))
        .order_by(StaffGroup.kind, StaffGroup.name, StaffGroup.id)
    )
