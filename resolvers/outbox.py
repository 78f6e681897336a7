"""Outbox rows, written in the mutation's own transaction when what reaches a person
changes: a list or group that reaches them, or the groups they are in. The day's plan
turns them into 'assigned or updated' or 'all removed' (jobs/planning.py).

Rows are written only where targets are involved (the group holds some, or the person
is reached by some), so 'all your targets were removed' is told only to someone who had
targets. Each is one INSERT ... SELECT, however many people it reaches.
"""

from collections.abc import Iterable

from sqlalchemy import ColumnElement, Select, insert, literal, select

from domain.models import NotificationOutbox, Seat, StaffGroup, TargetList, TargetListItem, UTCDateTime, utcnow
from resolvers import staff
from resolvers.unit_of_work import UnitOfWork


def _holds_targets(groups: ColumnElement[bool]) -> ColumnElement[bool]:
    return (
        select(TargetListItem.id)
        .join(TargetList, TargetList.id == TargetListItem.list_id)
        .where(groups)
        .exists()
    )


async def _write(uow: UnitOfWork, organisation_id: int, people: Select) -> None:
    await uow.session.execute(
        insert(NotificationOutbox).from_select(
            ["organisation_id", "person_id", "created_at"],
            select(literal(organisation_id), people.subquery().c[0], literal(utcnow(), UTCDateTime())),
        )
    )


# Each is called where the targets in question still reach the people: after an
# addition, before a removal.

async def group_changed(uow: UnitOfWork, organisation_id: int, group: StaffGroup) -> None:
    """A target list of `group` changed, or the group is about to go: everyone it
    reaches hears of it, if it holds targets."""
    holds = _holds_targets(TargetList.group_id == group.id)
    await _write(uow, organisation_id, staff.members_of_group(group).where(holds))


async def members_changed(uow: UnitOfWork, organisation_id: int, group: StaffGroup,
                          person_ids: Iterable[int] | Select) -> None:
    """People joined or are leaving `group` (their ids, or a statement selecting them):
    they hear of it if it holds targets."""
    holds = _holds_targets(TargetList.group_id == group.id)
    named = person_ids if isinstance(person_ids, Select) else list(person_ids)
    people = staff.staff_seats(group.licence_id).where(Seat.person_id.in_(named), holds)
    await _write(uow, organisation_id, people)


async def reach_changed(uow: UnitOfWork, organisation_id: int, licence_id: int, person_id: int) -> None:
    """A person became staff, or is about to stop being staff (a seat change, leaving
    the school): they hear of it if any of their groups holds targets."""
    holds = _holds_targets(TargetList.group_id.in_(staff.groups_of_person(licence_id, person_id)))
    await _write(uow, organisation_id, select(literal(person_id)).where(holds))
