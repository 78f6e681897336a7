"""Staff of a licence (domain/staff.py says who counts), and the groups that reach them.

The All Staff group is exactly this set, computed on every read, so it follows seat
changes at once with nothing to sync.
"""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import GroupKind, Seat, StaffGroup, StaffGroupMember
from domain.staff import staff_seat


def staff_seats(licence_id: Any) -> Select:
    return select(Seat.person_id).where(Seat.licence_id == licence_id, staff_seat())


async def individuals(session: AsyncSession, licence_id: int) -> int:
    """Active seats on the licence: the seed's 'individuals as part of your school licence'."""
    stmt = select(func.count()).where(Seat.licence_id == licence_id, Seat.active.is_(True))
    return (await session.execute(stmt)).scalar_one()


async def staff_among(session: AsyncSession, licence_id: int, person_ids: Iterable[int]) -> set[int]:
    ids = list(person_ids)
    if not ids:
        return set()
    stmt = staff_seats(licence_id).where(Seat.person_id.in_(ids))
    return set((await session.execute(stmt)).scalars())


def groups_of_person(licence_id: Any, person_id: Any) -> Select:
    """The ids of the groups that reach a person: All Staff while they are staff, and
    every group they were put in (again only while they are staff). The staff check names
    the group's own licence, so the statement also nests in one that picks the licence."""
    is_staff = staff_seats(StaffGroup.licence_id).where(Seat.person_id == person_id).exists()
    picked = select(StaffGroupMember.group_id).where(StaffGroupMember.person_id == person_id)
    return select(StaffGroup.id).where(
        StaffGroup.licence_id == licence_id,
        is_staff,
        (StaffGroup.kind == GroupKind.ALL_STAFF) | StaffGroup.id.in_(picked),
    )


def members_of_group(group: StaffGroup) -> Select:
    """Person ids of a group's current members, as a subquery."""
    seats = staff_seats(group.licence_id)
    if group.kind == GroupKind.ALL_STAFF:
        return seats
    return seats.where(
        Seat.person_id.in_(select(StaffGroupMember.person_id).where(StaffGroupMember.group_id == group.id))
    )
