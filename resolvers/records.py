"""Attendance, behaviour and assessment records (seed 002): kept by teachers for their
courses and mentors for their learners while the scope's phase lets them, and seen by
whoever the policy allows in the scope's current phase, filtered in SQL."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, literal, select

from domain import records
from domain.audit import AuditAction, snapshot
from domain.errors import Invalid, NotFound
from domain.models import (
    Assessment, AttendanceCode, AttendanceRecord, BehaviourNote, CourseParticipant, Organisation, Person,
    RegistrationScope, SchoolCourse, Term, WorkflowPhase, utcnow,
)
from domain.records import CourseRole
from domain.workflow import Area
from permissions import policy
from resolvers import targets
from resolvers.context import RequestContext
from resolvers.pagination import Page, Window, by_id
from resolvers.unit_of_work import UnitOfWork
from resolvers.workflow import as_phase, ensure_site, require_school, scope_for


@dataclass
class RecordFilter:
    school_id: int | None = None
    course_id: int | None = None
    learner_id: int | None = None
    term_id: int | None = None


async def _learner(uow: UnitOfWork, course: SchoolCourse, learner_id: int) -> Person:
    """A learner of the course, or VALIDATION: records are kept for the course's learners only."""
    row = (await uow.session.execute(
        select(Person).join(CourseParticipant, CourseParticipant.person_id == Person.id).where(
            CourseParticipant.course_id == course.id, CourseParticipant.person_id == learner_id,
            CourseParticipant.role == CourseRole.LEARNER,
        )
    )).scalar_one_or_none()
    if row is None:
        raise Invalid(f"That person is not a learner of {course.title}.", "learnerId")
    return row


async def _school_learner(uow: UnitOfWork, school_id: int, learner_id: int) -> Person:
    """A learner of any of the school's courses."""
    row = (await uow.session.execute(
        select(Person).where(Person.id == learner_id, Person.id.in_(
            select(CourseParticipant.person_id).join(SchoolCourse, SchoolCourse.id == CourseParticipant.course_id)
            .where(SchoolCourse.organisation_id == school_id, CourseParticipant.role == CourseRole.LEARNER)
        ))
    )).scalar_one_or_none()
    if row is None:
        raise Invalid("That person is not a learner of this school.", "learnerId")
    return row


async def _terms(uow: UnitOfWork, school_id: int) -> list[records.TermDates]:
    rows = await uow.session.execute(
        select(Term.id, Term.starts_on, Term.ends_on).where(Term.organisation_id == school_id)
    )
    return [records.TermDates(*row) for row in rows]


async def _term(uow: UnitOfWork, school_id: int, term_id: int) -> Term:
    term = await uow.session.get(Term, term_id)
    if term is None or term.organisation_id != school_id:
        raise NotFound("No term of this school with that termId.", "termId")
    return term


async def _may_edit(uow: UnitOfWork, phase: WorkflowPhase, school_id: int, learner_id: int,
                    course_id: int | None) -> None:
    """Whether the caller teaches the course and mentors the learner, read in one statement,
    then the policy's decision for the scope's phase."""
    principal = uow.principal
    teaches = policy.teaches(principal, literal(course_id)) if course_id is not None else literal(False)
    facts = (await uow.session.execute(
        select(teaches, policy.mentors_learner(principal, literal(school_id), literal(learner_id)))
    )).one()
    policy.authorize_edit_records(principal, as_phase(phase), school_id, teaches=bool(facts[0]),
                                  mentors=bool(facts[1]))


async def record_attendance(
    uow: UnitOfWork, course: SchoolCourse, *, learner_id: int, session_date: date, code: str
) -> AttendanceRecord:
    """A learner's attendance at one session of a course; a second call for the same
    session replaces the code."""
    school_id = course.organisation_id
    learner = await _learner(uow, course, learner_id)
    await ensure_site(uow.session, school_id)
    term_id = records.term_of(session_date, await _terms(uow, school_id), "sessionDate")
    scope, phase = await scope_for(uow, school_id=school_id, area=Area.ATTENDANCE, term_id=term_id,
                                   course_id=course.id)
    await _may_edit(uow, phase, school_id, learner.id, course.id)
    found = (await uow.session.execute(
        select(AttendanceCode).where(AttendanceCode.organisation_id == school_id,
                                     AttendanceCode.code == code.strip())
    )).scalar_one_or_none()
    if found is None:
        raise Invalid(f"{code!r} is not one of the school's attendance codes.", "code")
    row = (await uow.session.execute(
        select(AttendanceRecord).where(AttendanceRecord.learner_id == learner.id,
                                       AttendanceRecord.course_id == course.id,
                                       AttendanceRecord.session_date == session_date)
    )).scalar_one_or_none()
    if found.retired_at is not None and (row is None or row.code_id != found.id):
        # Records that already hold a retired code keep it; nothing new takes it.
        raise Invalid(f"The code {found.code} is retired; choose another.", "code")
    before = snapshot(row)
    if row is None:
        row = AttendanceRecord(organisation_id=school_id, scope_id=scope.id, learner_id=learner.id,
                               course_id=course.id, session_date=session_date, code_id=found.id)
        uow.session.add(row)
    row.code_id, row.recorded_by_id, row.recorded_at = found.id, uow.principal.person_id, utcnow()
    await uow.session.flush()
    await uow.audit(
        AuditAction.ATTENDANCE_RECORDED, target=row,
        organisation_id=school_id,
        what=f"recorded {learner.display_name} as {found.name.lower()} in "
             f"{course.title} on {session_date.isoformat()}",
        before=before, after=snapshot(row, code=found.code),
    )
    return row


async def add_behaviour_note(
    uow: UnitOfWork, school: Organisation, *, learner_id: int, noted_on: date, positive: bool, type: str,
    weight: int, text: str,
) -> BehaviourNote:
    """A note in the caller's mentor group: mentors keep behaviour for their learners."""
    require_school(school)
    learner = await _school_learner(uow, school.id, learner_id)
    await ensure_site(uow.session, school.id)
    term_id = records.term_of(noted_on, await _terms(uow, school.id), "notedOn")
    scope, phase = await scope_for(uow, school_id=school.id, area=Area.BEHAVIOUR, term_id=term_id,
                                   mentor_id=uow.principal.person_id)
    await _may_edit(uow, phase, school.id, learner.id, None)
    kind = records.text(type, "type", 100)
    body = records.text(text, "text")
    records.weight(weight)
    row = BehaviourNote(
        organisation_id=school.id, scope_id=scope.id, learner_id=learner.id, mentor_id=uow.principal.person_id,
        noted_on=noted_on, positive=positive, type=kind, weight=weight, text=body,
        recorded_by_id=uow.principal.person_id,
    )
    uow.session.add(row)
    await uow.session.flush()
    await uow.audit(
        AuditAction.BEHAVIOUR_NOTED, target=row, organisation_id=school.id,
        what=f"noted {'positive' if positive else 'negative'} behaviour "
             f"({kind}) of {learner.display_name} on {noted_on.isoformat()}",
        after=snapshot(row),
    )
    return row


async def record_assessment(
    uow: UnitOfWork, course: SchoolCourse, *, learner_id: int, term_id: int, result: str, comment: str
) -> Assessment:
    """A learner's result in a course for a term; a second call replaces it."""
    school_id = course.organisation_id
    learner = await _learner(uow, course, learner_id)
    term = await _term(uow, school_id, term_id)
    await ensure_site(uow.session, school_id)
    scope, phase = await scope_for(uow, school_id=school_id, area=Area.ASSESSMENT, term_id=term.id,
                                   course_id=course.id)
    await _may_edit(uow, phase, school_id, learner.id, course.id)
    cleaned = records.text(result, "result", records.MAX_RESULT)
    remark = records.text(comment, "comment", required=False)
    row = (await uow.session.execute(
        select(Assessment).where(Assessment.learner_id == learner.id, Assessment.course_id == course.id,
                                 Assessment.term_id == term.id)
    )).scalar_one_or_none()
    before = snapshot(row)
    if row is None:
        row = Assessment(organisation_id=school_id, scope_id=scope.id, learner_id=learner.id, course_id=course.id,
                         term_id=term.id, result=cleaned, comment=remark)
        uow.session.add(row)
    row.result, row.comment = cleaned, remark
    row.recorded_by_id, row.recorded_at = uow.principal.person_id, utcnow()
    await uow.session.flush()
    await uow.audit(AuditAction.ASSESSMENT_RECORDED, target=row, organisation_id=school_id,
                    what=f"assessed {learner.display_name} in {course.title} for {term.name}: {cleaned}",
                    before=before, after=snapshot(row))
    return row


def _filtered(stmt: Select, record: Any, where: RecordFilter) -> Select:
    for column, value in (
        (record.organisation_id, where.school_id), (getattr(record, "course_id", None), where.course_id),
        (record.learner_id, where.learner_id), (RegistrationScope.term_id, where.term_id),
    ):
        if value is not None:
            if column is None:
                raise Invalid("Behaviour notes are not kept per course.", "filter.courseId")
            stmt = stmt.where(column == value)
    return stmt


async def _page(ctx: RequestContext, record: Any, where: RecordFilter, window: Window) -> Page[Any]:
    """The records the caller may see, filtered, newest first: rows of
    `targets.records_statement`."""
    stmt = targets.records_statement(ctx.principal, record).where(targets.records_audience(ctx.principal, record))
    return await by_id(ctx, _filtered(stmt, record, where), record.id, window)


async def attendance(ctx: RequestContext, where: RecordFilter, *, window: Window) -> Page[Any]:
    return await _page(ctx, AttendanceRecord, where, window)


async def behaviour(ctx: RequestContext, where: RecordFilter, *, window: Window) -> Page[Any]:
    return await _page(ctx, BehaviourNote, where, window)


async def assessments(ctx: RequestContext, where: RecordFilter, *, window: Window) -> Page[Any]:
    return await _page(ctx, Assessment, where, window)
