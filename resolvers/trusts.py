"""Multi-academy trusts (seed 001): a school grants its trust, and the trust's
Administrators see the course progress of the schools that granted it."""

from collections.abc import Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import Select, select

from domain.audit import AuditAction, snapshot
from domain.errors import Conflict, Invalid, NotFound
from domain.local_time import local_today
from domain.models import (
    ACADEMIES, Course, Enrolment, Licence, Membership, MembershipRole, Organisation, OrganisationKind, Person, StaffGroup,
    TrustGrant,
)
from permissions import policy
from permissions.policy import Ability
from resolvers.catalogue import COURSE_COLUMNS
from resolvers.context import RequestContext
from resolvers.pagination import Order, Page, Window, paginate
from resolvers.search import searched
from resolvers.trust_scope import ProgressFilter, staff_enrolments
from resolvers.unit_of_work import UnitOfWork


def _school(school: Organisation) -> Organisation:
    if school.kind != OrganisationKind.SCHOOL:
        raise Invalid("Only a school grants a trust access.", "schoolId")
    return school


async def _current(uow: UnitOfWork, school_id: int) -> TrustGrant | None:
    stmt = select(TrustGrant).where(TrustGrant.school_id == school_id)
    return (await uow.session.execute(stmt)).scalar_one_or_none()


async def _log_both(uow: UnitOfWork, action: AuditAction, school: Organisation,
                    trust: Organisation, what: str, before: dict | None, after: dict | None) -> None:
    """Granting and withdrawing are written in the school's log and in the trust's."""
    for organisation in (school, trust):
        await uow.audit(action, target=school, organisation_id=organisation.id, what=what, before=before, after=after)


async def grant(uow: UnitOfWork, school: Organisation, *, trust_id: int) -> TrustGrant:
    """The school chooses its Multi Academy Trust; choosing another replaces it."""
    _school(school)
    trust = await uow.session.get(Organisation, trust_id)
    if trust is None or trust.kind != OrganisationKind.TRUST:
        raise NotFound("No trust with that trustId.", "trustId")
    current = await _current(uow, school.id)
    if current is not None and current.trust_id == trust.id:
        raise Conflict(f"{school.name} already grants {trust.name} access.", "trustId")
    if current is not None:
        previous = await uow.session.get_one(Organisation, current.trust_id)
        before = snapshot(current)
        await uow.session.delete(current)
        await uow.session.flush()
        await _log_both(uow, AuditAction.TRUST_WITHDRAWN, school, previous,
                        f"withdrew {previous.name}'s access to {school.name}'s course progress",
                        before, None)
    new = TrustGrant(school_id=school.id, trust_id=trust.id, granted_by_id=uow.principal.person_id)
    uow.session.add(new)
    await uow.session.flush()
    await _log_both(uow, AuditAction.TRUST_GRANTED, school, trust,
                    f"granted {trust.name} access to {school.name}'s course progress",
                    None, snapshot(new))
    return new


async def withdraw(uow: UnitOfWork, school: Organisation) -> Organisation:
    """Access ends on the trust's next request."""
    _school(school)
    current = await _current(uow, school.id)
    if current is None:
        raise Conflict(f"{school.name} grants no trust access.", "schoolId")
    trust = await uow.session.get_one(Organisation, current.trust_id)
    before = snapshot(current)
    await uow.session.delete(current)
    await _log_both(uow, AuditAction.TRUST_WITHDRAWN, school, trust,
                    f"withdrew {trust.name}'s access to {school.name}'s "
                    "course progress", before, None)
    return school


async def current_grant(ctx: RequestContext, school_id: int) -> tuple[TrustGrant, Organisation] | None:
    """The school's chosen trust."""
    async with ctx.db.read() as session:
        row = (
            await session.execute(
                select(TrustGrant, Organisation)
                .join(Organisation, Organisation.id == TrustGrant.trust_id)
                .where(TrustGrant.school_id == school_id)
            )
        ).first()
    return (row[0], row[1]) if row else None


async def directory(ctx: RequestContext, *, search: str | None, window: Window) -> Page[Organisation]:
    """Trusts by name, for school Administrators choosing theirs; empty for anyone else."""
    if not policy.can_browse_trusts(ctx.principal):
        return Page.empty()
    stmt = select(Organisation).where(Organisation.kind == OrganisationKind.TRUST)
    stmt = searched(stmt, search, Organisation.name)
    return await paginate(ctx, stmt, [Order(Organisation.name), Order(Organisation.id)], window)


async def find_trust(ctx: RequestContext, trust_id: int) -> Organisation | None:
    """A trust the caller may see, or None."""
    row = await ctx.loaders.by_id(Organisation).load(trust_id)
    if row is None or row.kind != OrganisationKind.TRUST:
        return None
    return row if policy.can(ctx.principal, Ability.VIEW_ORGANISATION, row.id) else None


async def administrators(ctx: RequestContext, trust_id: int) -> list[Person]:
    """The trust's Administrators by name: whom a Member asks for access."""
    async with ctx.db.read() as session:
        found = await session.execute(
            select(Person).join(Membership, Membership.person_id == Person.id)
            .where(Membership.organisation_id == trust_id, Membership.role == MembershipRole.ADMINISTRATOR)
            .order_by(Person.display_name, Person.id)
        )
        return list(found.scalars())


async def sight(ctx: RequestContext, trust_id: int) -> tuple[policy.TrustSight, str, list[Person]]:
    """What the caller sees of a trust's school progress, as a sentence naming whom to ask,
    with the trust's Administrators."""
    trust = await ctx.loaders.by_id(Organisation).load(trust_id)
    people = await administrators(ctx, trust_id)
    seen = policy.trust_sight(ctx.principal, trust_id, academies=trust.designation == ACADEMIES)
    ask = ", ".join(f"{p.display_name} ({p.email})" for p in people) or "platform support"
    message = {
        policy.TrustSight.SEES: f"You see the course progress of the schools that granted {trust.name} access.",
        policy.TrustSight.NO_SCHOOL_GRANTED: f"No school has granted {trust.name} access to its course progress "
        "yet; a school's Administrators grant it with grantTrustAccess.",
        policy.TrustSight.NEEDS_ADMINISTRATOR: "Seeing the schools' course progress needs Administrator rights in "
        f"{trust.name}. Ask one of its Administrators: {ask}.",
        policy.TrustSight.NEEDS_ACADEMIES: f"{trust.name} is not designated 'Academies', so it sees no school's "
        f"course progress. Its Administrators: {ask}.",
    }[seen]
    return seen, message, people


def require_granted(ctx: RequestContext, trust_id: int, school_id: int, field: str = "schoolId") -> None:
    if not policy.can_view_trust_progress(ctx.principal, trust_id, school_id):
        raise NotFound("Not a school that grants this trust access to its course progress.", field)


async def chosen_schools(ctx: RequestContext, trust_id: int, school_ids: Sequence[int] | None,
                         granted: Sequence[int]) -> dict[int, str]:
    """The schools a trust's question is about (all granting ones unless named; any other
    is NOT_FOUND naming schoolIds), each with its time zone."""
    chosen = list(dict.fromkeys(school_ids)) if school_ids else list(granted)
    for school in chosen:
        require_granted(ctx, trust_id, school, field="schoolIds")
    schools = await ctx.loaders.by_id(Organisation).load_many(chosen)
    return {school.id: school.time_zone for school in schools}


def school_progress_statement(school_id: int, zone: str, where: ProgressFilter) -> Select:
    """Enrolments of a school's staff, filtered, each with its status: SchoolEnrolmentRow's
    columns, with the course's (COURSE_COLUMNS) for its node."""
    return _school_progress(school_id, zone, local_today(zone), where)


# Building the statement took longer than running it for a page of 500: it is built once
# per school, school day and filter (a statement is immutable, so one serves them all).
@lru_cache(maxsize=128)
def _school_progress(school_id: int, zone: str, today: date, where: ProgressFilter) -> Select:
    scope = staff_enrolments({school_id: zone}, {school_id: today})
    stmt = (
        select(Person.display_name, Person.email, scope.status.label("status"), Enrolment.progress_percent,
               Enrolment.seconds_spent, Enrolment.started_at, Enrolment.completed_at, *COURSE_COLUMNS)
        .select_from(Enrolment)
        .join(Person, Person.id == Enrolment.person_id)
        .join(Course, Course.id == Enrolment.course_id)
    )
    return scope.filtered(scope.join(stmt), where)


class SchoolEnrolmentRow(NamedTuple):
    """A row of school_progress_statement, read as plain values: a page of 500 as model
    objects cost more than its statement."""

    display_name: str
    email: str
    status: str
    progress_percent: int
    seconds_spent: int
    started_at: datetime
    completed_at: datetime | None
    course_id: int
    code: str
    title: str
    retired_at: datetime | None


PROGRESS_ORDER = [Order(Person.display_name), Order(Enrolment.id)]


async def school_progress(
    ctx: RequestContext, *, trust_id: int, school_id: int, where: ProgressFilter, window: Window
) -> Page[SchoolEnrolmentRow]:
    """Every course enrolment of a granting school's staff, with its progress."""
    require_granted(ctx, trust_id, school_id)
    if where.staff_group_id is not None:
        async with ctx.db.read() as session:
            group = await session.get(StaffGroup, where.staff_group_id)
            licence = await session.get(Licence, group.licence_id) if group else None
        if licence is None or licence.organisation_id != school_id:
            raise NotFound("No staff group of this school with that staffGroupId.", "filter.staffGroupId")
    school = await ctx.loaders.by_id(Organisation).load(school_id)
    page = await paginate(ctx, school_progress_statement(school_id, school.time_zone, where), PROGRESS_ORDER, window)
    page.items = [SchoolEnrolmentRow._make(item) for item in page.items]
    return page
