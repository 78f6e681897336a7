"""A school's workflow (seed 002): its phases per area, configured by its administrators,
and registration scopes moved from phase to phase by the responsible role."""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import records, workflow
from domain.audit import AuditAction, snapshot
from domain.errors import Invalid
from domain.models import (
    AttendanceCode, Organisation, OrganisationKind, Person, RegistrationScope, SchoolCourse, Term, WorkflowPhase,
    utcnow,
)
from domain.workflow import Area, PhaseKind, Role
from permissions import policy
from resolvers import targets
from resolvers.context import RequestContext
from resolvers.pagination import Order, Page, Window, paginate
from resolvers.targets import ScopeInPhase
from resolvers.unit_of_work import UnitOfWork


def as_phase(row: WorkflowPhase) -> workflow.Phase:
    return workflow.Phase(
        kind=PhaseKind(row.kind), responsible=Role(row.responsible) if row.responsible else None,
        learner=row.learner_sees, parent=row.parent_sees, external_systems=row.external_sees,
    )


def default_rows(school_id: int, area: Area) -> list[WorkflowPhase]:
    return [
        WorkflowPhase(organisation_id=school_id, area=area, kind=p.kind, position=i, responsible=p.responsible,
                      learner_sees=p.learner, parent_sees=p.parent, external_sees=p.external_systems)
        for i, p in enumerate(workflow.default_phases(area))
    ]


async def ensure_site(session: AsyncSession, school_id: int) -> None:
    """A school's workflow and attendance codes start as the defaults, written the first
    time anything needs them (in the caller's transaction)."""
    has_phases = (await session.execute(
        select(func.count()).select_from(WorkflowPhase).where(WorkflowPhase.organisation_id == school_id)
    )).scalar_one()
    if not has_phases:
        session.add_all(row for area in Area for row in default_rows(school_id, area))
    has_codes = (await session.execute(
        select(func.count()).select_from(AttendanceCode).where(AttendanceCode.organisation_id == school_id)
    )).scalar_one()
    if not has_codes:
        session.add_all(
            AttendanceCode(organisation_id=school_id, code=c.code, name=c.name, category=c.category)
            for c in records.DEFAULT_CODES
        )
    await session.flush()


def require_school(organisation: Organisation, field: str = "schoolId") -> Organisation:
    if organisation.kind != OrganisationKind.SCHOOL:
        raise Invalid("Only a school has a workflow.", field)
    return organisation


async def site_phases(ctx: RequestContext, school_id: int) -> dict[Area, list[WorkflowPhase]]:
    """Every area's phases in order: the school's own, or the defaults before it has any."""
    async with ctx.db.read() as session:
        rows = (await session.execute(
            select(WorkflowPhase).where(WorkflowPhase.organisation_id == school_id).order_by(WorkflowPhase.position)
        )).scalars().all()
    found: dict[Area, list[WorkflowPhase]] = {area: [] for area in Area}
    for row in rows:
        found[Area(row.area)].append(row)
    return {area: phases or default_rows(school_id, area) for area, phases in found.items()}


async def configure_phase(
    uow: UnitOfWork, school: Organisation, *, area: Area, phase: PhaseKind, learner: bool, parent: bool,
    external_systems: bool, responsible: Role | None,
) -> WorkflowPhase:
    """Which audiences see an area's records in a phase, and which role moves it on."""
    require_school(school)
    if phase not in [p.kind for p in workflow.default_phases(area)]:
        raise Invalid(f"{area.title()} has no {workflow.PHASE_NAMES[phase].lower()} phase.", "phase")
    workflow.check_responsible(phase, responsible)
    await ensure_site(uow.session, school.id)
    row = (await uow.session.execute(
        select(WorkflowPhase).where(WorkflowPhase.organisation_id == school.id, WorkflowPhase.area == area,
                                    WorkflowPhase.kind == phase)
    )).scalar_one()
    before = snapshot(row)
    row.learner_sees, row.parent_sees, row.external_sees = learner, parent, external_systems
    row.responsible = responsible
    await uow.session.flush()
    seen = [a.title().replace("_", " ").lower() for a, on in (
        (workflow.Audience.LEARNER, learner), (workflow.Audience.PARENT, parent),
        (workflow.Audience.EXTERNAL_SYSTEM, external_systems)) if on]
    await uow.audit(
        AuditAction.WORKFLOW_PHASE_CONFIGURED, target=row,
        organisation_id=school.id,
        what=f"set {area.lower()} {workflow.PHASE_NAMES[phase].lower()} at "
             f"{school.name}: seen by {', '.join(seen) or 'staff only'}"
                + (f", moved on by the {responsible.lower()}" if responsible else ""),
        before=before, after=snapshot(row),
    )
    return row


async def scope_for(
    uow: UnitOfWork, *, school_id: int, area: Area, term_id: int, course_id: int | None = None,
    mentor_id: int | None = None,
) -> tuple[RegistrationScope, WorkflowPhase]:
    """The registration scope records go into, created at the area's first phase."""
    stmt = select(RegistrationScope, WorkflowPhase).join(WorkflowPhase, WorkflowPhase.id == RegistrationScope.phase_id)
    stmt = stmt.where(RegistrationScope.organisation_id == school_id, RegistrationScope.area == area,
                      RegistrationScope.term_id == term_id)
    if workflow.scope_kind(area) == workflow.ScopeKind.COURSE:
        stmt = stmt.where(RegistrationScope.course_id == course_id)
    else:
        stmt = stmt.where(RegistrationScope.mentor_id == mentor_id)
    found = (await uow.session.execute(stmt)).first()
    if found is not None:
        return found[0], found[1]
    first = (await uow.session.execute(
        select(WorkflowPhase).where(WorkflowPhase.organisation_id == school_id, WorkflowPhase.area == area)
        .order_by(WorkflowPhase.position).limit(1)
    )).scalar_one()
    scope = RegistrationScope(organisation_id=school_id, area=area, term_id=term_id, course_id=course_id,
                              mentor_id=mentor_id, phase_id=first.id)
    uow.session.add(scope)
    await uow.session.flush()
    return scope, first


async def list_scopes(
    ctx: RequestContext, *, school_id: int, area: Area | None, term_id: int | None, phase: PhaseKind | None,
    window: Window,
) -> Page[tuple]:  # type: ignore[type-arg]
    principal = ctx.principal
    stmt = targets.scopes_statement(principal).where(
        RegistrationScope.organisation_id == school_id,
        policy.scopes_clause(principal, organisation_id=RegistrationScope.organisation_id,
                             course_id=RegistrationScope.course_id, mentor_id=RegistrationScope.mentor_id),
    )
    if area is not None:
        stmt = stmt.where(RegistrationScope.area == area)
    if term_id is not None:
        stmt = stmt.where(RegistrationScope.term_id == term_id)
    if phase is not None:
        stmt = stmt.where(WorkflowPhase.kind == phase)
    return await paginate(ctx, stmt, [Order(RegistrationScope.id)], window)


def describe(scope: RegistrationScope, term: Term, course: SchoolCourse | None, mentor: Person | None) -> str:
    whose = course.title if course else f"{mentor.display_name}'s group" if mentor else "?"
    return f"{scope.area.lower()} of {whose} for {term.name}"


async def advance(uow: UnitOfWork, found: ScopeInPhase, *, from_phase: PhaseKind) -> RegistrationScope:
    """The responsible role's action (the policy allowed it): the teacher submits to the
    mentor, the mentor submits, the headteacher completes."""
    scope, phase = found.scope, found.phase
    current = as_phase(phase)
    phases = (await uow.session.execute(
        select(WorkflowPhase).where(WorkflowPhase.organisation_id == scope.organisation_id,
                                    WorkflowPhase.area == scope.area).order_by(WorkflowPhase.position)
    )).scalars().all()
    following = workflow.transition([PhaseKind(p.kind) for p in phases], current.kind, from_phase)
    new = next(p for p in phases if p.kind == following)
    before = snapshot(scope, phase=phase.kind)
    scope.phase_id = new.id
    scope.updated_at = utcnow()
    await uow.session.flush()
    await uow.audit(
        AuditAction.REGISTRATION_ADVANCED, target=scope,
        organisation_id=scope.organisation_id,
        what=f"{workflow.ACTIONS[current.kind]} the "
             f"{describe(scope, found.term, found.course, found.mentor)}: now "
                f"{workflow.PHASE_NAMES[following].lower()}",
        before=before, after=snapshot(scope, phase=new.kind),
    )
    return scope


async def terms_of(ctx: RequestContext, school_id: int) -> list[Term]:
    async with ctx.db.read() as session:
        return list((await session.execute(
            select(Term).where(Term.organisation_id == school_id).order_by(Term.starts_on, Term.id)
        )).scalars())


async def codes_of(ctx: RequestContext, school_id: int) -> list[AttendanceCode]:
    """The school's attendance codes, or the defaults before it has any."""
    async with ctx.db.read() as session:
        rows = list((await session.execute(
            select(AttendanceCode).where(AttendanceCode.organisation_id == school_id).order_by(AttendanceCode.id)
        )).scalars())
    return rows or [AttendanceCode(organisation_id=school_id, code=c.code, name=c.name, category=c.category)
                    for c in records.DEFAULT_CODES]


async def courses_of(ctx: RequestContext, school_id: int) -> list[SchoolCourse]:
    async with ctx.db.read() as session:
        return list((await session.execute(
            select(SchoolCourse).where(SchoolCourse.organisation_id == school_id)
            .order_by(SchoolCourse.title, SchoolCourse.id)
        )).scalars())

