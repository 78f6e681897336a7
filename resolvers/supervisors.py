"""Supervisors (seed 002): site administrators add and remove mentors and headteachers,
assign learners to mentors, and rename the two labels; headteachers see an overview of
their organisations' mentors, computed in one SQL statement."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Float, and_, case, cast, delete, distinct, func, select

from domain import memberships, workflow
from domain.audit import AuditAction, snapshot
from domain.errors import Conflict, Invalid, NotFound
from domain.models import (
    AttendanceCode, AttendanceRecord, BehaviourNote, CourseParticipant, Membership, MentorLearner, Organisation, Person,
    RegistrationScope, SchoolCourse, SupervisorLabels, WorkflowPhase,
)
from domain.records import ATTENDING, CourseRole
from domain.workflow import Area, PhaseKind, Role
from resolvers.context import RequestContext
from resolvers.unit_of_work import UnitOfWork
from resolvers.workflow import require_school


@dataclass
class Labels:
    mentor: str = workflow.DEFAULT_LABELS[Role.MENTOR]
    headteacher: str = workflow.DEFAULT_LABELS[Role.HEADTEACHER]


@dataclass
class Entry:
    organisation: Organisation
    kind: workflow.EntryKind
    labels: Labels


@dataclass
class MentorOverview:
    mentor: Person
    learners: int
    sessions: int
    attended: int
    positive_notes: int
    negative_notes: int
    assessment_scopes: dict[PhaseKind, int] = field(default_factory=dict)

    @property
    def attendance_rate(self) -> float | None:
        return round(self.attended / self.sessions, 4) if self.sessions else None


async def _membership(uow: UnitOfWork, organisation: Organisation, person_id: int, field: str,
                      refusal: str) -> tuple[Membership, Person]:
    row = (await uow.session.execute(
        select(Membership, Person).join(Person, Person.id == Membership.person_id)
        .where(Membership.organisation_id == organisation.id, Membership.person_id == person_id)
    )).first()
    if row is None:
        raise Invalid(refusal.format(organisation=organisation.name), field)
    return row[0], row[1]


async def _set_role(uow: UnitOfWork, organisation: Organisation, *, person_id: int, role: Role, on: bool,
                    field: str, action: AuditAction) -> tuple[Membership, Person]:
    """Give or take a supervisor role: a flag on the person's membership of the organisation.
    Only organisations the person is a member of can be chosen (seed 002)."""
    if role == Role.MENTOR:
        require_school(organisation)
    membership, person = await _membership(
        uow, organisation, person_id, field,
        "Only organisations the person is a member of can be chosen: they are not a member of {organisation}.",
    )
    if on:
        memberships.check_staff(membership.role, field, f"be a {role.lower()}")
    attribute = "is_mentor" if role == Role.MENTOR else "is_headteacher"
    if getattr(membership, attribute) == on:
        raise Conflict(f"{person.display_name} is {'already' if on else 'not'} a {role.lower()} of "
                       f"{organisation.name}.", field)
    before = snapshot(membership)
    extra = {}
    if role == Role.MENTOR and not on:
        # A removed mentor's group goes with them; the audit event keeps who was in it.
        learners = (await uow.session.execute(
            select(MentorLearner.learner_id).where(MentorLearner.organisation_id == organisation.id,
                                                  MentorLearner.mentor_id == person.id)
        )).scalars().all()
        extra["learner_ids"] = sorted(learners)
        await uow.session.execute(delete(MentorLearner).where(
            MentorLearner.organisation_id == organisation.id, MentorLearner.mentor_id == person.id))
    setattr(membership, attribute, on)
    await uow.session.flush()
    labels = await _labels(uow.session, organisation.id)
    title = labels.mentor if role == Role.MENTOR else labels.headteacher
    await uow.audit(
        action, target=membership, organisation_id=organisation.id,
        what=f"{'made' if on else 'removed'} {person.display_name} "
             f"{'a' if on else 'as'} {title.lower()} {'of' if on else 'from'} {organisation.name}",
        before=before | extra if before else before, after=snapshot(membership),
    )
    return membership, person


async def add_mentor(uow: UnitOfWork, school: Organisation, *, person_id: int) -> tuple[Membership, Person]:
    return await _set_role(uow, school, person_id=person_id, role=Role.MENTOR, on=True,
                           field="personId", action=AuditAction.MENTOR_ADDED)


async def remove_mentor(uow: UnitOfWork, school: Organisation, *, person_id: int) -> tuple[Membership, Person]:
    return await _set_role(uow, school, person_id=person_id, role=Role.MENTOR, on=False,
                           field="personId", action=AuditAction.MENTOR_REMOVED)


async def add_headteacher(uow: UnitOfWork, organisation: Organisation, *, person_id: int) -> tuple[Membership, Person]:
    return await _set_role(uow, organisation, person_id=person_id, role=Role.HEADTEACHER,
                           on=True, field="organisationId", action=AuditAction.HEADTEACHER_ADDED)


async def remove_headteacher(uow: UnitOfWork, organisation: Organisation, *,
                             person_id: int) -> tuple[Membership, Person]:
    return await _set_role(uow, organisation, person_id=person_id, role=Role.HEADTEACHER,
                           on=False, field="personId", action=AuditAction.HEADTEACHER_REMOVED)


async def _mentor(uow: UnitOfWork, school: Organisation, mentor_id: int) -> Person:
    row = (await uow.session.execute(
        select(Person).join(Membership, Membership.person_id == Person.id).where(
            Membership.organisation_id == school.id, Membership.person_id == mentor_id,
            Membership.is_mentor.is_(True))
    )).scalar_one_or_none()
    if row is None:
        raise Invalid(f"That person is not a mentor of {school.name}.", "mentorId")
    return row


async def assign_learners(
    uow: UnitOfWork, school: Organisation, *, mentor_id: int, learner_ids: Sequence[int], course_ids: Sequence[int],
) -> tuple[Person, list[int]]:
    """Assign learners to a mentor one by one, or every learner of whole courses at once.
    A learner may have several mentors and a mentor many learners."""
    require_school(school)
    mentor = await _mentor(uow, school, mentor_id)
    if not learner_ids and not course_ids:
        raise Invalid("Name learners, courses, or both.", "learnerIds")
    courses = set((await uow.session.execute(
        select(SchoolCourse.id).where(SchoolCourse.id.in_(course_ids), SchoolCourse.organisation_id == school.id)
    )).scalars())
    if len(courses) != len(set(course_ids)):
        raise NotFound("No course of this school with one of those courseIds.", "courseIds")
    school_learners = (
        select(CourseParticipant.person_id).join(SchoolCourse, SchoolCourse.id == CourseParticipant.course_id)
        .where(SchoolCourse.organisation_id == school.id, CourseParticipant.role == CourseRole.LEARNER)
    )
    named = set((await uow.session.execute(
        school_learners.where(CourseParticipant.person_id.in_(learner_ids))
    )).scalars())
    if len(named) != len(set(learner_ids)):
        raise Invalid(f"{len(set(learner_ids) - named)} of these people are not learners of {school.name}.",
                      "learnerIds")
    whole = set((await uow.session.execute(
        school_learners.where(CourseParticipant.course_id.in_(courses))
    )).scalars()) if courses else set()
    already = set((await uow.session.execute(
        select(MentorLearner.learner_id).where(MentorLearner.organisation_id == school.id,
                                               MentorLearner.mentor_id == mentor.id)
    )).scalars())
    added = sorted((named | whole) - already)
    if not added:
        raise Conflict(f"Every one of these learners is already assigned to {mentor.display_name}.",
                       "learnerIds")
    uow.session.add_all(MentorLearner(organisation_id=school.id, mentor_id=mentor.id, learner_id=learner)
                        for learner in added)
    await uow.session.flush()
    await uow.audit(AuditAction.LEARNERS_ASSIGNED, target=mentor, organisation_id=school.id,
                    what=f"assigned {len(added)} learner(s) to {mentor.display_name}",
                    after={"mentor_id": mentor.id, "learner_ids": added, "course_ids": sorted(courses)})
    return mentor, added


async def unassign_learners(
    uow: UnitOfWork, school: Organisation, *, mentor_id: int, learner_ids: Sequence[int]
) -> tuple[Person, list[int]]:
    require_school(school)
    mentor = await _mentor(uow, school, mentor_id)
    mine = and_(MentorLearner.organisation_id == school.id, MentorLearner.mentor_id == mentor.id,
                MentorLearner.learner_id.in_(learner_ids))
    removed = sorted((await uow.session.execute(select(MentorLearner.learner_id).where(mine))).scalars())
    if len(removed) != len(set(learner_ids)) or not removed:
        raise Invalid(f"Not every one of these learners is assigned to {mentor.display_name}.", "learnerIds")
    await uow.session.execute(delete(MentorLearner).where(mine))
    await uow.audit(AuditAction.LEARNERS_UNASSIGNED, target=mentor, organisation_id=school.id,
                    what=f"took {len(removed)} learner(s) from {mentor.display_name}",
                    before={"mentor_id": mentor.id, "learner_ids": removed})
    return mentor, removed


async def _labels(session, organisation_id: int) -> Labels:  # type: ignore[no-untyped-def]
    row = (await session.execute(
        select(SupervisorLabels).where(SupervisorLabels.organisation_id == organisation_id)
    )).scalar_one_or_none()
    return Labels(row.mentor_label, row.headteacher_label) if row else Labels()


async def rename_labels(uow: UnitOfWork, school: Organisation, *, mentor_label: str, headteacher_label: str) -> Labels:
    """The site's own words for 'Mentor' and 'Headteacher'."""
    require_school(school)
    mentor_label = workflow.label(mentor_label, "mentorLabel")
    headteacher_label = workflow.label(headteacher_label, "headteacherLabel")
    row = (await uow.session.execute(
        select(SupervisorLabels).where(SupervisorLabels.organisation_id == school.id)
    )).scalar_one_or_none()
    before = snapshot(row)
    if row is None:
        row = SupervisorLabels(organisation_id=school.id, mentor_label=mentor_label,
                               headteacher_label=headteacher_label)
        uow.session.add(row)
    row.mentor_label, row.headteacher_label = mentor_label, headteacher_label
    await uow.session.flush()
    await uow.audit(AuditAction.SUPERVISOR_LABELS_RENAMED, target=school, organisation_id=school.id,
                    what=f"renamed the supervisor labels of {school.name}: '{mentor_label}' and '{headteacher_label}'",
                    before=before, after=snapshot(row))
    return Labels(mentor_label, headteacher_label)


async def labels_of(ctx: RequestContext, organisation_id: int) -> Labels:
    async with ctx.db.read() as session:
        return await _labels(session, organisation_id)


async def entries(ctx: RequestContext) -> list[Entry]:
    """The supervisor entry to show in each organisation where the caller mentors or is a
    headteacher, under that organisation's labels: one statement."""
    principal = ctx.principal
    ids = principal.mentor_of | principal.headteacher_of
    if not ids:
        return []
    async with ctx.db.read() as session:
        rows = (await session.execute(
            select(Organisation, SupervisorLabels)
            .outerjoin(SupervisorLabels, SupervisorLabels.organisation_id == Organisation.id)
            .where(Organisation.id.in_(sorted(ids)))
            .order_by(Organisation.name, Organisation.id)
        )).all()
    found = []
    for organisation, labels in rows:
        kind = workflow.entry_kind(organisation.id in principal.mentor_of, organisation.id in principal.headteacher_of)
        if kind is not None:
            found.append(Entry(organisation, kind, Labels(labels.mentor_label, labels.headteacher_label)
                               if labels else Labels()))
    return found


def overview_statement(school_id: int, term_id: int):  # type: ignore[no-untyped-def]
    """Per mentor of the school: their learners, those learners' attendance in the term,
    positive and negative behaviour notes, and the term's assessment scopes of the courses
    they are in, by phase. One row per mentor and phase; one statement."""
    pairs = (
        select(MentorLearner.mentor_id, MentorLearner.learner_id)
        .where(MentorLearner.organisation_id == school_id).cte("pairs")
    )
    learners = (
        select(pairs.c.mentor_id, func.count(distinct(pairs.c.learner_id)).label("learners"))
        .group_by(pairs.c.mentor_id).cte("learners")
    )
    attended = case((AttendanceCode.category.in_(sorted(ATTENDING)), 1), else_=0)
    attendance = (
        select(pairs.c.mentor_id, func.count().label("sessions"), func.sum(attended).label("attended"))
        .select_from(pairs)
        .join(AttendanceRecord, and_(AttendanceRecord.learner_id == pairs.c.learner_id,
                                     AttendanceRecord.organisation_id == school_id))
        .join(RegistrationScope, RegistrationScope.id == AttendanceRecord.scope_id)
        .join(AttendanceCode, AttendanceCode.id == AttendanceRecord.code_id)
        .where(RegistrationScope.term_id == term_id)
        .group_by(pairs.c.mentor_id).cte("attendance")
    )
    behaviour = (
        select(pairs.c.mentor_id,
               func.sum(case((BehaviourNote.positive.is_(True), 1), else_=0)).label("positive"),
               func.sum(case((BehaviourNote.positive.is_(True), 0), else_=1)).label("negative"))
        .select_from(pairs)
        .join(BehaviourNote, and_(BehaviourNote.learner_id == pairs.c.learner_id,
                                  BehaviourNote.organisation_id == school_id))
        .join(RegistrationScope, RegistrationScope.id == BehaviourNote.scope_id)
        .where(RegistrationScope.term_id == term_id)
        .group_by(pairs.c.mentor_id).cte("behaviour")
    )
    scopes = (
        select(pairs.c.mentor_id, WorkflowPhase.kind.label("phase"),
               func.count(distinct(RegistrationScope.id)).label("scopes"))
        .select_from(pairs)
        .join(CourseParticipant, and_(CourseParticipant.person_id == pairs.c.learner_id,
                                      CourseParticipant.role == CourseRole.LEARNER))
        .join(RegistrationScope, and_(RegistrationScope.course_id == CourseParticipant.course_id,
                                      RegistrationScope.organisation_id == school_id,
                                      RegistrationScope.area == Area.ASSESSMENT,
                                      RegistrationScope.term_id == term_id))
        .join(WorkflowPhase, WorkflowPhase.id == RegistrationScope.phase_id)
        .group_by(pairs.c.mentor_id, WorkflowPhase.kind).cte("scopes")
    )
    return (
        select(Person, learners.c.learners, attendance.c.sessions, cast(attendance.c.attended, Float),
               behaviour.c.positive, behaviour.c.negative, scopes.c.phase, scopes.c.scopes)
        .select_from(Membership)
        .join(Person, Person.id == Membership.person_id)
        .outerjoin(learners, learners.c.mentor_id == Person.id)
        .outerjoin(attendance, attendance.c.mentor_id == Person.id)
        .outerjoin(behaviour, behaviour.c.mentor_id == Person.id)
        .outerjoin(scopes, scopes.c.mentor_id == Person.id)
        .where(Membership.organisation_id == school_id, Membership.is_mentor.is_(True))
        .order_by(Person.display_name, Person.id)
    )


async def overview(ctx: RequestContext, *, school_id: int, term_id: int) -> list[MentorOverview]:
    """The school's mentors' overview (Site.mentorOverview declares who may see it)."""
    async with ctx.db.read() as session:
        rows = (await session.execute(overview_statement(school_id, term_id))).all()
    found: dict[int, MentorOverview] = {}
    for person, learners, sessions, attended, positive, negative, phase, count in rows:
        item = found.setdefault(person.id, MentorOverview(
            mentor=person, learners=int(learners or 0), sessions=int(sessions or 0), attended=int(attended or 0),
            positive_notes=int(positive or 0), negative_notes=int(negative or 0),
        ))
        if phase is not None:
            item.assessment_scopes[PhaseKind(phase)] = int(count)
    return list(found.values())
