"""Loading a learning path: a fixed handful of statements, however long the path."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from domain import learning_paths
from domain.learning_paths import ListItem, PathItem, Progress, TargetListIn
from domain.local_time import local_date, local_today
from domain.models import (
    Enrolment, Licence, Membership, NotificationSettings, Organisation, Seat, TargetList, TargetListItem,
)
from domain.notifications import Rules
from permissions import policy
from permissions.policy import Ability, Subject
from resolvers import staff
from resolvers.context import RequestContext


@dataclass
class LearningPath:
    licence: Licence
    person_id: int
    on: date
    items: list[PathItem]
    lists: dict[int, TargetList]
    subject: Subject  # what the policy decided on: the person, their school and their groups


async def path(ctx: RequestContext, *, licence_id: int, person_id: int, on: date | None) -> LearningPath | None:
    """A person's path in one licence, or None when the caller may not see it."""
    async with ctx.db.read() as session:
        row = (
            await session.execute(
                select(Licence, Organisation.time_zone, NotificationSettings.due_soon_days)
                .join(Organisation, Organisation.id == Licence.organisation_id)
                .outerjoin(NotificationSettings, NotificationSettings.organisation_id == Licence.organisation_id)
                .where(Licence.id == licence_id)
            )
        ).first()
        if row is None:
            return None
        licence, zone, due_soon_days = row
        if due_soon_days is None:  # the school has never changed its settings
            due_soon_days = Rules().due_soon_days
        member = await session.execute(
            select(Membership.id).where(
                Membership.organisation_id == licence.organisation_id, Membership.person_id == person_id
            )
        )
        if member.first() is None:
            return None  # not of this school: nothing to see, not even that they exist
        group_ids = list((await session.execute(staff.groups_of_person(licence_id, person_id))).scalars())
        subject = Subject(organisation_id=licence.organisation_id, person_id=person_id, groups=frozenset(group_ids))
        if not policy.can_on(ctx.principal, Ability.VIEW_PATH, subject):
            return None
        rows = (
            await session.execute(
                select(TargetList, TargetListItem)
                .join(TargetListItem, TargetListItem.list_id == TargetList.id)
                .where(TargetList.group_id.in_(group_ids))
                .order_by(TargetList.id, TargetListItem.position)
            )
        ).all() if group_ids else []
        course_ids = sorted({item.course_id for _, item in rows})
        enrolments = (
            await session.execute(
                select(Enrolment).where(Enrolment.person_id == person_id, Enrolment.course_id.in_(course_ids))
            )
        ).scalars().all() if course_ids else []
    lists: dict[int, TargetList] = {}
    items: dict[int, list[ListItem]] = defaultdict(list)
    for target_list, item in rows:
        lists[target_list.id] = target_list
        items[target_list.id].append(ListItem(item.course_id, item.due_on))
    progress = {
        e.course_id: Progress(
            started=True, completed_on=local_date(e.completed_at, zone) if e.completed_at else None
        )
        for e in enrolments
    }
    today = on or local_today(zone)
    # DUE_SOON is the school's reminder window, the one its due-soon emails use.
    merged = learning_paths.learning_path(
        [TargetListIn(list_id, list_items) for list_id, list_items in items.items()], progress, today, due_soon_days
    )
    return LearningPath(licence=licence, person_id=person_id, on=today, items=merged, lists=lists, subject=subject)


async def default_licence(ctx: RequestContext) -> int | None:
    """The licence of the caller's `me { learningPath }`: where they hold an active seat."""
    person_id = ctx.principal.person_id
    if person_id is None:
        return None
    async with ctx.db.read() as session:
        stmt = (
            select(Seat.licence_id)
            .join(Licence, Licence.id == Seat.licence_id)
            .join(Membership, (Membership.organisation_id == Licence.organisation_id) & (Membership.person_id == person_id))
            .where(Seat.person_id == person_id, Seat.active.is_(True))
            .order_by(Seat.licence_id)
        )
        return (await session.execute(stmt)).scalars().first()
