"""Licences, their owners and their seats (seed 000)."""

from sqlalchemy import select

from domain import memberships, validation
from domain.audit import AuditAction, snapshot
from domain.errors import Conflict, Invalid
from domain.local_time import local_today
from domain.models import (
    ALL_STAFF_NAME, GroupKind, Licence, Membership, MembershipRole, Organisation, OrganisationKind, Person, Seat,
    StaffGroup, SubscriptionKind,
)
from resolvers import groups, outbox
from resolvers.context import RequestContext
from resolvers.members import person_by_email
from resolvers.pagination import Order, Page, Window, paginate
from resolvers.targets import SeatOnLicence
from resolvers.unit_of_work import UnitOfWork


async def list_seats(
    ctx: RequestContext, licence: Licence, *, window: Window, active: bool | None
) -> Page[Seat]:
    stmt = select(Seat).join(Person, Person.id == Seat.person_id).where(Seat.licence_id == licence.id)
    if active is not None:
        stmt = stmt.where(Seat.active.is_(active))
    return await paginate(ctx, stmt, [Order(Person.display_name), Order(Seat.id)], window)


async def _ensure_administrator(uow: UnitOfWork, organisation_id: int, person_id: int) -> list[int]:
    """Make the person an Administrator of the school. A full administrator manages every
    group, so any delegations they held end; their group ids are returned for the log."""
    membership = (
        await uow.session.execute(
            select(Membership).where(
                Membership.organisation_id == organisation_id, Membership.person_id == person_id
            )
        )
    ).scalar_one_or_none()
    if membership is None:
        membership = Membership(organisation_id=organisation_id, person_id=person_id, role=MembershipRole.ADMINISTRATOR)
        uow.session.add(membership)
    membership.role = MembershipRole.ADMINISTRATOR
    await uow.session.flush()
    return await groups.end_delegations(uow, organisation_id, person_id)


async def create_licence(
    uow: UnitOfWork, school: Organisation, *, owner_email: str, owner_display_name: str
) -> Licence:
    """Platform support sells a school its licence. The owner becomes an Administrator
    of the school and takes the first All Access Pass PLUS seat."""
    # The owner's email and name are named first, before what the school is or holds.
    validation.email(owner_email, "ownerEmail")
    validation.name(owner_display_name, "ownerDisplayName")
    if school.kind != OrganisationKind.SCHOOL:
        raise Invalid("Only a school can hold a licence.", "organisationId")
    if (await uow.session.execute(select(Licence.id).where(Licence.organisation_id == school.id))).first():
        raise Conflict(f"{school.name} already has a licence.", "organisationId")
    owner, _ = await person_by_email(uow, owner_email, owner_display_name, ("ownerEmail", "ownerDisplayName"))
    await _ensure_administrator(uow, school.id, owner.id)
    licence = Licence(organisation_id=school.id, owner_id=owner.id)
    uow.session.add(licence)
    await uow.session.flush()
    seat = Seat(licence_id=licence.id, person_id=owner.id, subscription=SubscriptionKind.ALL_ACCESS_PASS_PLUS)
    uow.session.add(seat)
    uow.session.add(StaffGroup(licence_id=licence.id, name=ALL_STAFF_NAME, kind=GroupKind.ALL_STAFF))
    await uow.session.flush()
    await uow.audit(AuditAction.LICENCE_CREATED, target=licence, organisation_id=school.id, licence_id=licence.id,
                    what=f"created a licence for {school.name} owned by {owner.display_name}",
                    after=snapshot(licence, owner=snapshot(owner), seat=snapshot(seat)))
    return licence


async def transfer_ownership(uow: UnitOfWork, licence: Licence, *, new_owner_id: int) -> Licence:
    """Only platform support moves ownership; the new owner must belong to the school
    and becomes an Administrator. The old owner stays an Administrator."""
    school = await uow.session.get_one(Organisation, licence.organisation_id)
    member = (
        await uow.session.execute(
            select(Membership).where(
                Membership.organisation_id == school.id, Membership.person_id == new_owner_id
            )
        )
    ).scalar_one_or_none()
    if member is None:
        raise Invalid(f"The new owner must be a member of {school.name}.", "newOwnerId")
    memberships.check_staff(member.role, "newOwnerId", "own a licence")
    if licence.owner_id == new_owner_id:
        raise Conflict("This person already owns the licence.", "newOwnerId")
    before = snapshot(licence)
    ended = await _ensure_administrator(uow, school.id, new_owner_id)
    licence.owner_id = new_owner_id
    new_owner = await uow.session.get_one(Person, new_owner_id)
    await uow.audit(AuditAction.OWNERSHIP_TRANSFERRED, target=licence, organisation_id=school.id,
                    licence_id=licence.id,
                    what=f"transferred ownership of {school.name}'s licence to {new_owner.display_name}",
                    before=before,
                    after=snapshot(licence, ended_delegation_group_ids=ended) if ended else snapshot(licence))
    return licence


async def add_seat(uow: UnitOfWork, licence: Licence, *, person_id: int, subscription: SubscriptionKind) -> Seat:
    school = await uow.session.get_one(Organisation, licence.organisation_id)
    found = (
        await uow.session.execute(
            select(Person, Membership.role)
            .join(Membership, Membership.person_id == Person.id)
            .where(Person.id == person_id, Membership.organisation_id == school.id)
        )
    ).first()
    if found is None:
        raise Invalid(f"A seat can only go to a member of {school.name}.", "personId")
    person, role = found
    memberships.check_staff(role, "personId", "hold a seat")
    existing = (
        await uow.session.execute(select(Seat).where(Seat.licence_id == licence.id, Seat.person_id == person.id))
    ).scalar_one_or_none()
    if existing is not None:
        state = "an active" if existing.active else "a deactivated"
        raise Conflict(f"{person.display_name} already has {state} seat on this licence.", "personId")
    seat = Seat(licence_id=licence.id, person_id=person.id, subscription=subscription)
    uow.session.add(seat)
    await uow.session.flush()
    await outbox.reach_changed(uow, school.id, licence.id, person.id)
    await uow.audit(AuditAction.SEAT_ADDED, target=seat, organisation_id=school.id, licence_id=licence.id,
                    what=f"gave {person.display_name} a seat in {school.name}", after=snapshot(seat))
    return seat


async def set_seat_active(uow: UnitOfWork, found: SeatOnLicence, *, active: bool, reason: str = "") -> Seat:
    """Deactivate or reactivate a seat. A seat that comes back loses a leaving date already
    past, which would otherwise end it again at the scheduler's next tick."""
    seat, licence = found.seat, found.licence
    if seat.active == active:
        raise Conflict(f"This seat is already {'active' if active else 'deactivated'}.", "seatId")
    if active and not (
        await uow.session.execute(
            select(Membership.id).where(
                Membership.organisation_id == licence.organisation_id, Membership.person_id == seat.person_id
            )
        )
    ).first():
        raise Invalid("This person is no longer a member of the school; add them again first.", "seatId")
    person = await uow.session.get_one(Person, seat.person_id)
    school = await uow.session.get_one(Organisation, licence.organisation_id)
    before = snapshot(seat)
    if not active:
        await outbox.reach_changed(uow, school.id, licence.id, seat.person_id)
    seat.active = active
    if active and seat.leaves_on is not None and seat.leaves_on <= local_today(school.time_zone):
        seat.leaves_on = None
    await uow.session.flush()
    if active:
        await outbox.reach_changed(uow, school.id, licence.id, seat.person_id)
    await uow.audit(
        AuditAction.SEAT_REACTIVATED if active else AuditAction.SEAT_DEACTIVATED,
        target=seat,
        organisation_id=school.id,
        licence_id=licence.id,
        what=f"{'reactivated' if active else 'deactivated'} "
             f"{person.display_name}'s seat in {school.name}{reason}",
        before=before,
        after=snapshot(seat),
    )
    return seat
