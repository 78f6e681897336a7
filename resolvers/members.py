"""Members and Administrators of an organisation (seed 001; in a school, seed 000's
full licence administrators)."""

from sqlalchemy import and_, delete, func, or_, select, update

from domain import memberships, validation
from domain.audit import AuditAction, snapshot
from domain.errors import Conflict
from domain.models import (
    CourseParticipant, Licence, Membership, MembershipRole, MentorLearner, Organisation, ParentLink, Person,
    SchoolCourse, Seat,
)
from resolvers import groups, outbox
from resolvers.context import RequestContext
from resolvers.pagination import Order, Page, Window, paginate
from resolvers.search import searched
from resolvers.unit_of_work import UnitOfWork


async def list_members(
    ctx: RequestContext,
    organisation_id: int,
    *,
    window: Window,
    role: MembershipRole | None,
    search: str | None,
) -> Page[tuple[Membership, Person]]:
    stmt = (
        select(Membership, Person)
        .join(Person, Person.id == Membership.person_id)
        .where(Membership.organisation_id == organisation_id)
    )
    if role is not None:
        stmt = stmt.where(Membership.role == role)
    stmt = searched(stmt, search, Person.display_name, Person.email)
    return await paginate(ctx, stmt, [Order(Person.display_name), Order(Membership.id)], window)


async def lock_organisation(uow: UnitOfWork, organisation_id: int) -> Organisation:
    """Serialise role changes within one organisation (PostgreSQL row lock; SQLite's
    BEGIN IMMEDIATE already serialises every write)."""
    stmt = select(Organisation).where(Organisation.id == organisation_id).with_for_update()
    return (await uow.session.execute(stmt)).scalar_one()


async def _administrators(uow: UnitOfWork, organisation_id: int) -> int:
    stmt = select(func.count()).where(
        Membership.organisation_id == organisation_id, Membership.role == MembershipRole.ADMINISTRATOR
    )
    return (await uow.session.execute(stmt)).scalar_one()


async def _owner_id(uow: UnitOfWork, organisation_id: int) -> int | None:
    stmt = select(Licence.owner_id).where(Licence.organisation_id == organisation_id)
    return (await uow.session.execute(stmt)).scalar_one_or_none()


async def person_by_email(uow: UnitOfWork, email: str, display_name: str, fields: tuple[str, str] = (
    "email", "displayName",
)) -> tuple[Person, bool]:
    """The person with this email, and whether they are new: someone new to Trellis is
    created with this name; someone known keeps their account (a teacher moving schools)."""
    email = validation.email(email, fields[0])
    display_name = validation.name(display_name, fields[1])
    person = (await uow.session.execute(select(Person).where(Person.email == email))).scalar_one_or_none()
    if person is not None:
        return person, False
    person = Person(email=email, display_name=display_name)
    uow.session.add(person)
    await uow.session.flush()
    return person, True


async def add_member(
    uow: UnitOfWork, organisation: Organisation, *, email: str, display_name: str, role: MembershipRole
) -> Membership:
    """Add a person by email. Someone new to Trellis gets an account; someone who already
    has one (a teacher moving schools, say) keeps it and joins."""
    memberships.check_standing(role, organisation.kind)
    person, new = await person_by_email(uow, email, display_name)
    if not new:
        existing = await uow.session.execute(
            select(Membership.id).where(
                Membership.organisation_id == organisation.id, Membership.person_id == person.id
            )
        )
        if existing.first() is not None:
            raise Conflict(f"{email} is already a member of {organisation.name}.", "email")
    membership = Membership(organisation_id=organisation.id, person_id=person.id, role=role)
    uow.session.add(membership)
    await uow.session.flush()
    await uow.audit(AuditAction.MEMBER_ADDED, target=membership, organisation_id=organisation.id,
                    what=f"added {person.display_name} to {organisation.name} as {role.title()}",
                    after=snapshot(membership, person=snapshot(person)))
    return membership


async def appoint_first_administrator(
    uow: UnitOfWork, organisation: Organisation, *, email: str, display_name: str
) -> Membership:
    """Platform support starts an organisation that has no Administrator (a new trust,
    say): the person, found or created by email, becomes its first. Once it has one, its
    Administrators add the rest, as in any organisation."""
    organisation = await lock_organisation(uow, organisation.id)
    if await _administrators(uow, organisation.id):
        raise Conflict(f"{organisation.name} has Administrators already; one of them adds more.", "organisationId")
    person, _ = await person_by_email(uow, email, display_name)
    membership = (await uow.session.execute(select(Membership).where(
        Membership.organisation_id == organisation.id, Membership.person_id == person.id))).scalar_one_or_none()
    before = snapshot(membership) if membership is not None else None
    if membership is None:
        membership = Membership(organisation_id=organisation.id, person_id=person.id, role=MembershipRole.MEMBER)
        uow.session.add(membership)
    memberships.check_staff(membership.role, "email", "be an Administrator")
    membership.role = MembershipRole.ADMINISTRATOR
    await uow.session.flush()
    await uow.audit(AuditAction.ADMINISTRATOR_APPOINTED, target=membership, organisation_id=organisation.id,
                    what=f"made {person.display_name} the first Administrator of {organisation.name}",
                    before=before, after=snapshot(membership, person=snapshot(person)))
    return membership


async def change_role(uow: UnitOfWork, membership: Membership, *, role: MembershipRole) -> Membership:
    """Promote a member to Administrator, or demote an Administrator to Member."""
    organisation = await lock_organisation(uow, membership.organisation_id)
    memberships.check_role_change(
        current=membership.role,
        new=role,
        is_owner=await _owner_id(uow, organisation.id) == membership.person_id,
        administrators=await _administrators(uow, organisation.id),
    )
    person = await uow.session.get_one(Person, membership.person_id)
    before = snapshot(membership)
    membership.role = role
    promoted = role == MembershipRole.ADMINISTRATOR
    # A full administrator manages every group already: their delegations end.
    ended = await groups.end_delegations(uow, organisation.id, person.id) if promoted else []
    await uow.audit(
        AuditAction.MEMBER_PROMOTED if promoted else AuditAction.MEMBER_DEMOTED,
        target=membership,
        organisation_id=organisation.id,
        what=(f"promoted {person.display_name} to Administrator" if promoted
              else f"demoted {person.display_name} to Member") + f" in {organisation.name}",
        before=before,
        after=snapshot(membership, ended_delegation_group_ids=ended) if ended else snapshot(membership),
    )
    return membership


async def leave_site(uow: UnitOfWork, organisation_id: int, person_id: int) -> dict[str, list[int]]:
    """End a leaver's ties to the school's workflow: their course places, their mentor
    assignments either way, and parent links with anyone of the school. Records they
    kept or that were kept about them stay. Returns what ended, for the audit event."""
    courses = await uow.session.execute(
        delete(CourseParticipant)
        .where(
            CourseParticipant.person_id == person_id,
            CourseParticipant.course_id.in_(
                select(SchoolCourse.id).where(SchoolCourse.organisation_id == organisation_id)
            ),
        )
        .returning(CourseParticipant.course_id)
    )
    mentoring = await uow.session.execute(
        delete(MentorLearner)
        .where(
            MentorLearner.organisation_id == organisation_id,
            or_(MentorLearner.mentor_id == person_id, MentorLearner.learner_id == person_id),
        )
        .returning(MentorLearner.id)
    )
    school = select(Membership.person_id).where(Membership.organisation_id == organisation_id)
    links = await uow.session.execute(
        delete(ParentLink)
        .where(or_(
            and_(ParentLink.parent_id == person_id, ParentLink.learner_id.in_(school)),
            and_(ParentLink.learner_id == person_id, ParentLink.parent_id.in_(school)),
        ))
        .returning(ParentLink.id)
    )
    return {
        "left_course_ids": sorted(courses.scalars()),
        "ended_mentor_assignment_ids": sorted(mentoring.scalars()),
        "ended_parent_link_ids": sorted(links.scalars()),
    }


async def remove_member(uow: UnitOfWork, membership: Membership) -> tuple[Membership, Organisation]:
    """Take a person out of an organisation. Their seat there is deactivated, and their
    groups, delegations, courses, mentor assignments and parent links there end; their
    account, their progress and the records about them are kept."""
    organisation = await lock_organisation(uow, membership.organisation_id)
    memberships.check_removal(
        current=membership.role,
        is_owner=await _owner_id(uow, organisation.id) == membership.person_id,
        administrators=await _administrators(uow, organisation.id),
    )
    person = await uow.session.get_one(Person, membership.person_id)
    licence_id = (
        await uow.session.execute(select(Licence.id).where(Licence.organisation_id == organisation.id))
    ).scalar_one_or_none()
    if licence_id is not None:
        await outbox.reach_changed(uow, organisation.id, licence_id, person.id)
    seats = await uow.session.execute(
        update(Seat)
        .where(
            Seat.person_id == person.id,
            Seat.active.is_(True),
            Seat.licence_id.in_(select(Licence.id).where(Licence.organisation_id == organisation.id)),
        )
        .values(active=False)
        .returning(Seat.id)
    )
    deactivated = list(seats.scalars())
    ended = await groups.end_delegations(uow, organisation.id, person.id)
    left = await groups.leave_groups(uow, organisation.id, person.id)
    ties = await leave_site(uow, organisation.id, person.id)
    before = snapshot(membership, person=snapshot(person))
    await uow.session.delete(membership)
    await uow.audit(
        AuditAction.MEMBER_REMOVED,
        target=membership,
        organisation_id=organisation.id,
        what=f"removed {person.display_name} from {organisation.name}",
        before=before,
        after={
            "deactivated_seat_ids": deactivated,
            "ended_delegation_group_ids": ended,
            "left_group_ids": left,
            **ties,
        },
    )
    return membership, organisation
