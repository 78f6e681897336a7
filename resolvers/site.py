"""Keeping a school's site (seed 002): its terms, the courses it teaches and their teachers
and learners, parents linked to learners, and its attendance codes. The school's
Administrators only (Ability.MANAGE_SITE)."""

from collections.abc import Sequence
from datetime import date

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import aliased

from domain import records, validation
from domain.audit import AuditAction, snapshot
from domain.errors import Conflict, Invalid, NotFound
from domain.models import (
    STAFF_ROLES, AttendanceCode, AttendanceRecord, CourseParticipant, Membership, MembershipRole, Organisation,
    ParentLink, Person, RegistrationScope, SchoolCourse, Term, utcnow,
)
from domain.records import CourseRole
from resolvers.context import RequestContext
from resolvers.members import lock_organisation
from resolvers.pagination import Order, Page, Window, paginate
from resolvers.unit_of_work import UnitOfWork
from resolvers.workflow import ensure_site, require_school


# --- Terms -------------------------------------------------------------------------------


async def _check_term(uow: UnitOfWork, school_id: int, starts_on: date, ends_on: date,
                      term_id: int | None = None) -> None:
    """A school's terms never overlap, so a date falls in one term at most (records.term_of)."""
    records.term_dates(starts_on, ends_on)
    stmt = select(Term).where(Term.organisation_id == school_id, Term.starts_on <= ends_on,
                              Term.ends_on >= starts_on)
    if term_id is not None:
        stmt = stmt.where(Term.id != term_id)
    clash = (await uow.session.execute(stmt.order_by(Term.starts_on).limit(1))).scalar_one_or_none()
    if clash is not None:
        raise Invalid(f"This term overlaps {clash.name} ({clash.starts_on.isoformat()} to "
                      f"{clash.ends_on.isoformat()}); a school's terms must not overlap.", "startsOn")


async def create_term(uow: UnitOfWork, school: Organisation, *, name: str, starts_on: date, ends_on: date) -> Term:
    require_school(school)
    name = validation.name(name, "name", 100)
    await lock_organisation(uow, school.id)  # two overlapping terms created at once: one waits
    await _check_term(uow, school.id, starts_on, ends_on)
    term = Term(organisation_id=school.id, name=name, starts_on=starts_on, ends_on=ends_on)
    uow.session.add(term)
    await uow.session.flush()
    await uow.audit(
        AuditAction.TERM_CREATED, target=term, organisation_id=school.id,
        what=f"added the term {term.name} ({starts_on.isoformat()} to "
             f"{ends_on.isoformat()}) to {school.name}",
        after=snapshot(term),
    )
    return term


async def update_term(uow: UnitOfWork, term: Term, *, name: str | None, starts_on: date | None,
                      ends_on: date | None) -> Term:
    """Rename a term or move its dates. Dates may not leave out attendance already recorded in it."""
    if name is None and starts_on is None and ends_on is None:
        raise Invalid("Name something to change: name, startsOn or endsOn.", "termId")
    before = snapshot(term)
    new_name = validation.name(name, "name", 100) if name is not None else term.name
    start, end = starts_on or term.starts_on, ends_on or term.ends_on
    if (start, end) != (term.starts_on, term.ends_on):
        await lock_organisation(uow, term.organisation_id)
        await _check_term(uow, term.organisation_id, start, end, term.id)
        outside = (await uow.session.execute(
            select(AttendanceRecord.session_date)
            .join(RegistrationScope, RegistrationScope.id == AttendanceRecord.scope_id)
            .where(RegistrationScope.term_id == term.id,
                   or_(AttendanceRecord.session_date < start, AttendanceRecord.session_date > end))
            .order_by(AttendanceRecord.session_date).limit(1)
        )).scalar_one_or_none()
        if outside is not None:
            raise Invalid(f"Attendance is recorded in this term on {outside.isoformat()}, outside the new "
                          "dates.", "startsOn" if outside < start else "endsOn")
    term.name, term.starts_on, term.ends_on = new_name, start, end
    await uow.session.flush()
    await uow.audit(
        AuditAction.TERM_UPDATED, target=term, organisation_id=term.organisation_id,
        what=f"changed the term {before['name']}: now {term.name}, "
             f"{start.isoformat()} to {end.isoformat()}",
        before=before, after=snapshot(term),
    )
    return term


# --- Courses and their people ------------------------------------------------------------


async def _standings(uow: UnitOfWork, school_id: int, person_ids: Sequence[int]) -> dict[int, str]:
    rows = await uow.session.execute(
        select(Membership.person_id, Membership.role)
        .where(Membership.organisation_id == school_id, Membership.person_id.in_(set(person_ids)))
    )
    return dict(rows.all())


async def _check_people(uow: UnitOfWork, school: Organisation, person_ids: Sequence[int], role: CourseRole,
                        field: str) -> list[int]:
    """Every one a member of the school; teachers are staff, learners hold the LEARNER standing."""
    wanted = sorted(set(person_ids))
    standings = await _standings(uow, school.id, wanted)
    strangers = [p for p in wanted if p not in standings]
    if strangers:
        raise Invalid(f"{len(strangers)} of these people are not members of {school.name}.", field)
    allowed = STAFF_ROLES if role == CourseRole.TEACHER else {MembershipRole.LEARNER}
    misplaced = [p for p in wanted if standings[p] not in allowed]
    if misplaced:
        what = "staff" if role == CourseRole.TEACHER else "learners of the school"
        raise Invalid(f"{len(misplaced)} of these people are not {what}, so cannot be a course's "
                      f"{role.lower()}s.", field)
    return wanted


async def create_course(uow: UnitOfWork, school: Organisation, *, title: str, teacher_ids: Sequence[int],
                        learner_ids: Sequence[int]) -> tuple[SchoolCourse, list[int]]:
    require_school(school)
    title = validation.name(title, "title")
    teachers = await _check_people(uow, school, teacher_ids, CourseRole.TEACHER, "teacherIds")
    learners = await _check_people(uow, school, learner_ids, CourseRole.LEARNER, "learnerIds")
    if set(teachers) & set(learners):
        raise Invalid("Someone cannot both teach and learn in one course.", "learnerIds")
    course = SchoolCourse(organisation_id=school.id, title=title)
    uow.session.add(course)
    await uow.session.flush()
    uow.session.add_all([
        *(CourseParticipant(course_id=course.id, person_id=p, role=CourseRole.TEACHER) for p in teachers),
        *(CourseParticipant(course_id=course.id, person_id=p, role=CourseRole.LEARNER) for p in learners),
    ])
    await uow.session.flush()
    await uow.audit(
        AuditAction.SCHOOL_COURSE_CREATED, target=course,
        organisation_id=school.id,
        what=f"added the course {course.title} to {school.name} with "
             f"{len(teachers)} teacher(s) and {len(learners)} learner(s)",
        after=snapshot(course, teacher_ids=teachers, learner_ids=learners),
    )
    return course, teachers + learners


async def change_participants(uow: UnitOfWork, course: SchoolCourse, *, role: CourseRole,
                              person_ids: Sequence[int], add: bool) -> tuple[SchoolCourse, list[int]]:
    """Add teachers or learners to a course, or take them off it. Records already kept for a
    learner stay; a removed teacher stops keeping the course's records."""
    school = await uow.session.get_one(Organisation, course.organisation_id)
    if not person_ids:
        raise Invalid("Name at least one person.", "personIds")
    present = dict((await uow.session.execute(
        select(CourseParticipant.person_id, CourseParticipant.role)
        .where(CourseParticipant.course_id == course.id, CourseParticipant.person_id.in_(set(person_ids)))
    )).all())
    if add:
        wanted = await _check_people(uow, school, person_ids, role, "personIds")
        other = [p for p in wanted if present.get(p, role) != role]
        if other:
            raise Conflict(f"{len(other)} of these people are already in {course.title} in another role.",
                           "personIds")
        changed = [p for p in wanted if p not in present]
        if not changed:
            raise Conflict(f"Every one of these people is already a {role.lower()} of {course.title}.",
                           "personIds")
        uow.session.add_all(CourseParticipant(course_id=course.id, person_id=p, role=role) for p in changed)
    else:
        changed = sorted(set(person_ids))
        if any(present.get(p) != role for p in changed):
            raise Invalid(f"Not every one of these people is a {role.lower()} of {course.title}.", "personIds")
        await uow.session.execute(delete(CourseParticipant).where(
            CourseParticipant.course_id == course.id, CourseParticipant.person_id.in_(changed)))
    await uow.session.flush()
    detail = {"course_id": course.id, "role": role, "person_ids": changed}
    await uow.audit(
        AuditAction.COURSE_PARTICIPANTS_ADDED if add else AuditAction.COURSE_PARTICIPANTS_REMOVED,
        target=course, organisation_id=school.id,
        what=f"{'added' if add else 'removed'} {len(changed)} "
             f"{role.lower()}(s) {'to' if add else 'from'} {course.title}",
        before=None if add else detail, after=detail if add else None,
    )
    return course, changed


# --- Parents -----------------------------------------------------------------------------


async def _family(uow: UnitOfWork, school: Organisation, parent_id: int, learner_id: int) -> tuple[Person, Person]:
    """Both members of the school; the learner a learner of it (by standing or by one of its
    courses); the parent not a learner; never oneself."""
    if parent_id == learner_id:
        raise Invalid("A person cannot be linked as their own parent.", "parentId")
    standings = await _standings(uow, school.id, [parent_id, learner_id])
    if parent_id not in standings:
        raise Invalid(f"The parent must be a member of {school.name}.", "parentId")
    if standings[parent_id] == MembershipRole.LEARNER:
        raise Invalid("A learner cannot be linked as a parent.", "parentId")
    if learner_id not in standings:
        raise Invalid(f"The learner must be a member of {school.name}.", "learnerId")
    if standings[learner_id] != MembershipRole.LEARNER:
        learns = (await uow.session.execute(
            select(CourseParticipant.id).join(SchoolCourse, SchoolCourse.id == CourseParticipant.course_id)
            .where(SchoolCourse.organisation_id == school.id, CourseParticipant.person_id == learner_id,
                   CourseParticipant.role == CourseRole.LEARNER).limit(1)
        )).first()
        if learns is None:
            raise Invalid(f"That person is not a learner of {school.name}.", "learnerId")
    people = (await uow.session.execute(select(Person).where(Person.id.in_([parent_id, learner_id])))).scalars()
    found = {p.id: p for p in people}
    return found[parent_id], found[learner_id]


async def link_parent(uow: UnitOfWork, school: Organisation, *, parent_id: int, learner_id: int,
                      link: bool) -> tuple[Person, Person]:
    require_school(school)
    parent, learner = await _family(uow, school, parent_id, learner_id)
    existing = (await uow.session.execute(
        select(ParentLink).where(ParentLink.parent_id == parent.id, ParentLink.learner_id == learner.id)
    )).scalar_one_or_none()
    if link:
        if existing is not None:
            raise Conflict(f"{parent.display_name} is already linked to {learner.display_name}.", "learnerId")
        row = ParentLink(parent_id=parent.id, learner_id=learner.id)
        uow.session.add(row)
        await uow.session.flush()
    else:
        if existing is None:
            raise Invalid(f"{parent.display_name} is not linked to {learner.display_name}.", "learnerId")
        row = existing
        await uow.session.delete(row)
        await uow.session.flush()
    await uow.audit(
        AuditAction.PARENT_LINKED if link else AuditAction.PARENT_UNLINKED, target=row, organisation_id=school.id,
        what=f"{'linked' if link else 'unlinked'} {parent.display_name} "
             f"{'to' if link else 'from'} {learner.display_name} as parent",
        before=None if link else snapshot(row), after=snapshot(row) if link else None,
    )
    return parent, learner


# --- Attendance codes --------------------------------------------------------------------


async def _code(uow: UnitOfWork, school: Organisation, code: str) -> AttendanceCode:
    await ensure_site(uow.session, school.id)  # the defaults become the site's own rows first
    row = (await uow.session.execute(
        select(AttendanceCode).where(AttendanceCode.organisation_id == school.id,
                                     AttendanceCode.code == code.strip())
    )).scalar_one_or_none()
    if row is None:
        raise NotFound(f"{code!r} is not one of {school.name}'s attendance codes.", "code")
    return row


async def add_code(uow: UnitOfWork, school: Organisation, *, code: str, name: str, category: str) -> AttendanceCode:
    require_school(school)
    code, name = records.code(code), validation.name(name, "name", 100)
    kind = records.category(category)
    await ensure_site(uow.session, school.id)
    taken = (await uow.session.execute(
        select(AttendanceCode.id).where(AttendanceCode.organisation_id == school.id, AttendanceCode.code == code)
    )).first()
    if taken is not None:
        raise Conflict(f"{school.name} already has the code {code!r} (retired codes keep theirs).", "code")
    row = AttendanceCode(organisation_id=school.id, code=code, name=name, category=kind)
    uow.session.add(row)
    await uow.session.flush()
    await uow.audit(AuditAction.ATTENDANCE_CODE_ADDED, target=row, organisation_id=school.id,
                    what=f"added the attendance code {code} ({name}) to {school.name}", after=snapshot(row))
    return row


async def update_code(uow: UnitOfWork, school: Organisation, *, code: str, name: str | None,
                      category: str | None) -> AttendanceCode:
    """A code's name or category; records holding it follow (attendance rates included)."""
    require_school(school)
    if name is None and category is None:
        raise Invalid("Name something to change: name or category.", "code")
    new_name = validation.name(name, "name", 100) if name is not None else None
    kind = records.category(category) if category is not None else None
    row = await _code(uow, school, code)
    before = snapshot(row)
    row.name, row.category = new_name or row.name, kind or row.category
    await uow.session.flush()
    await uow.audit(
        AuditAction.ATTENDANCE_CODE_UPDATED, target=row,
        organisation_id=school.id,
        what=f"changed the attendance code {row.code} of {school.name}: "
             f"{row.name}, {row.category.lower().replace('_', ' ')}",
        before=before, after=snapshot(row),
    )
    return row


async def retire_code(uow: UnitOfWork, school: Organisation, *, code: str) -> AttendanceCode:
    require_school(school)
    row = await _code(uow, school, code)
    if row.retired_at is not None:
        raise Conflict(f"The code {row.code} is already retired.", "code")
    before = snapshot(row)
    row.retired_at = utcnow()
    await uow.session.flush()
    await uow.audit(AuditAction.ATTENDANCE_CODE_RETIRED, target=row, organisation_id=school.id,
                    what=f"retired the attendance code {row.code} ({row.name}) of {school.name}", before=before,
                    after=snapshot(row))
    return row


# --- Who is on which course, and whose parent -----------------------------------------------


async def list_participants(ctx: RequestContext, school_id: int, *, course_id: int | None, role: CourseRole | None,
                            window: Window) -> Page[tuple[CourseParticipant, Person, SchoolCourse]]:
    """The school's courses' teachers and learners, by course and name: one statement a page."""
    stmt = (
        select(CourseParticipant, Person, SchoolCourse)
        .join(Person, Person.id == CourseParticipant.person_id)
        .join(SchoolCourse, SchoolCourse.id == CourseParticipant.course_id)
        .where(SchoolCourse.organisation_id == school_id)
    )
    if course_id is not None:
        stmt = stmt.where(SchoolCourse.id == course_id)
    if role is not None:
        stmt = stmt.where(CourseParticipant.role == role)
    return await paginate(ctx, stmt, [Order(SchoolCourse.title), Order(SchoolCourse.id),
                                      Order(Person.display_name), Order(CourseParticipant.id)], window)


async def list_parent_links(ctx: RequestContext, school_id: int, *, learner_id: int | None,
                            window: Window) -> Page[tuple[ParentLink, Person, Person]]:
    """Parents linked to the school's learners (a link belongs to no school: it is shown
    where the learner is a member), for those who keep the site."""
    parent, learner = aliased(Person), aliased(Person)
    stmt = (
        select(ParentLink, parent, learner)
        .join(parent, parent.id == ParentLink.parent_id)
        .join(learner, learner.id == ParentLink.learner_id)
        .join(Membership, Membership.person_id == ParentLink.learner_id)
        .where(Membership.organisation_id == school_id)
    )
    if learner_id is not None:
        stmt = stmt.where(ParentLink.learner_id == learner_id)
    return await paginate(ctx, stmt, [Order(learner.display_name), Order(ParentLink.id)], window)
