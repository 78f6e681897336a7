"""Loading a learning path: two statements, however long the path, its courses and the
person's progress in them included."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, bindparam, exists, func, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import aliased

from infra.gathered import gathered, split
from domain import learning_paths
from domain.calendar import DueDate
from domain.learning_paths_sql import in_force
from domain.learning_paths import ListItem, PathItem, Progress, Status, TargetListIn
from domain.local_time import local_date, local_today
from domain.models import (
    Course, Enrolment, Licence, Membership, NotificationSettings, Organisation, Seat, StaffGroup, TargetExtension,
    TargetList, TargetListItem,
)
from domain.notifications import Rules
from permissions import policy
from permissions.policy import Ability, Subject
from resolvers import staff
from resolvers.catalogue import COURSE_COLUMNS, courses_known
from resolvers.context import RequestContext


@dataclass
class LearningPath:
    licence_id: int
    person_id: int
    on: date
    items: list[PathItem]
    list_names: dict[int, str]
    subject: Subject  # what the policy decided on: the person, their school and their groups
    extension_ids: dict[int, int]  # course id -> the extension in force that sets its date


LICENCE_ID, PERSON_ID = bindparam("licence_id"), bindparam("person_id")


def _head(licence: Any) -> Select:
    """One row for the licence `licence` names: its school, the school's time zone and
    due-soon days, whether the person is of the school, the groups that reach them and
    their extensions in force there."""
    member = exists().where(Membership.organisation_id == Licence.organisation_id, Membership.person_id == PERSON_ID)
    extensions = select(TargetExtension).where(in_force(Licence.id, PERSON_ID))
    return (
        select(Licence.id, Licence.organisation_id, Organisation.name.label("school"), Organisation.time_zone,
               NotificationSettings.due_soon_days, member.label("member"),
               gathered(staff.groups_of_person(Licence.id, PERSON_ID), StaffGroup.id).label("groups"),
               gathered(extensions, TargetExtension.course_id, TargetExtension.due_on, TargetExtension.id)
               .label("extensions"))
        .join(Organisation, Organisation.id == Licence.organisation_id)
        .outerjoin(NotificationSettings, NotificationSettings.organisation_id == Licence.organisation_id)
        .where(Licence.id == licence)
    )


_seated, _seat_licence = aliased(Seat), aliased(Licence)
# `me { learningPath }` with no licence named: the first where the person holds an active seat.
_DEFAULT_LICENCE = (
    select(func.min(_seated.licence_id))
    .join(_seat_licence, _seat_licence.id == _seated.licence_id)
    .where(_seated.person_id == PERSON_ID, _seated.active.is_(True),
           exists().where(Membership.organisation_id == _seat_licence.organisation_id,
                         Membership.person_id == PERSON_ID))
    .scalar_subquery()
)
# The licences where the person holds an active seat.
_SEATED = select(Seat.licence_id).where(Seat.person_id == PERSON_ID, Seat.active.is_(True)).order_by(Seat.licence_id)
# Built once: composing them on every request cost more than running them.
HEAD, DEFAULT_HEAD = _head(LICENCE_ID), _head(_DEFAULT_LICENCE)
GROUP_IDS = bindparam("group_ids", expanding=True)
# Each item of the lists that reach the person, with its course and the person's
# enrolment in it (one per person and course), in list order.
LISTS = (
    select(TargetList.id, TargetList.name, TargetListItem.due_on, TargetListItem.renew_months, *COURSE_COLUMNS,
           Enrolment.id.label("enrolment_id"), Enrolment.completed_at, Enrolment.last_completed_at)
    .join(TargetListItem, TargetListItem.list_id == TargetList.id)
    .join(Course, Course.id == TargetListItem.course_id)
    .outerjoin(Enrolment, (Enrolment.course_id == TargetListItem.course_id) & (Enrolment.person_id == PERSON_ID))
    .where(TargetList.group_id.in_(GROUP_IDS))
    .order_by(TargetList.id, TargetListItem.position)
)


async def path(ctx: RequestContext, *, licence_id: int | None, person_id: int, on: date | None) -> LearningPath | None:
    """A person's path in one licence (None: where they hold their first active seat), or
    None when the caller may not see it. Two statements, however long the path."""
    async with ctx.db.read() as session:
        # Plain rows on the session's connection: the ORM's result machinery would cost
        # more than the statements themselves on this, the busiest read.
        connection = await session.connection()
        head = await _read_head(connection, licence_id, person_id)
        if head is None:
            return None  # no such licence, or not of this school: nothing to see, not even that they exist
        group_ids = _groups(head)
        subject = Subject(organisation_id=head.organisation_id, person_id=person_id, groups=frozenset(group_ids))
        if not policy.can_on(ctx.principal, Ability.VIEW_PATH, subject):
            return None
        rows = await _lists(connection, group_ids, person_id)
    courses_known(ctx, rows)
    extensions = _extensions(head)
    today, merged, names = _merged(head, rows, on, extensions)
    setting = {}
    for item in merged:
        if item.effective_due_on != item.unextended_due_on:  # moved: by its own extension if that date is the one
            own = extensions.get(item.course_id)
            setting[item.course_id] = (own if own and own[1] == item.effective_due_on else extensions[None])[0]
    return LearningPath(licence_id=head.id, person_id=person_id, on=today, items=merged, list_names=names,
                        subject=subject, extension_ids=setting)


async def _read_head(connection: AsyncConnection, licence_id: int | None, person_id: int) -> Any:
    """HEAD's row (DEFAULT_HEAD's without a licence), or None where the licence does not
    exist or the person is not of its school."""
    head = (await connection.execute(HEAD if licence_id is not None else DEFAULT_HEAD,
                                     {"licence_id": licence_id, "person_id": person_id})).first()
    return head if head is not None and head.member else None


def _groups(head: Any) -> list[int]:
    return [int(group) for group, in split(head.groups)]


async def _lists(connection: AsyncConnection, group_ids: list[int], person_id: int) -> Sequence[Any]:
    if not group_ids:
        return []
    return (await connection.execute(LISTS, {"group_ids": group_ids, "person_id": person_id})).all()


def _extensions(head: Any) -> dict[int | None, tuple[int, date]]:
    """The person's extensions in force in the head's licence: course id (None for every
    target) -> (extension id, date)."""
    return {int(course) if course else None: (int(pk), date.fromisoformat(until))
            for course, until, pk in split(head.extensions)}


def _merged(head: Any, rows: Sequence[Any], on: date | None,
            extensions: dict[int | None, tuple[int, date]]) -> tuple[date, list[PathItem], dict[int, str]]:
    """The path the lists' rows and the person's extensions make on `on` (their school's
    today if none), and the lists' names."""
    zone = head.time_zone
    # DUE_SOON is the school's reminder window, the one its due-soon emails use.
    due_soon_days = Rules().due_soon_days if head.due_soon_days is None else head.due_soon_days
    names: dict[int, str] = {}
    items: dict[int, list[ListItem]] = defaultdict(list)
    for row in rows:
        names[row.id] = row.name
        items[row.id].append(ListItem(row.course_id, row.due_on, row.renew_months))
    progress = {
        row.course_id: Progress(
            started=True, completed_on=local_date(row.completed_at, zone) if row.completed_at else None,
            last_completed_on=local_date(row.last_completed_at, zone) if row.last_completed_at else None)
        for row in rows if row.enrolment_id is not None
    }
    today = on or local_today(zone)
    merged = learning_paths.learning_path(
        [TargetListIn(list_id, list_items) for list_id, list_items in items.items()], progress, today, due_soon_days,
        {course: until for course, (_pk, until) in extensions.items()},
    )
    return today, merged, names


async def today_and_items(connection: AsyncConnection, licence_id: int, person_id: int
                          ) -> tuple[date, list[PathItem]] | None:
    """The person's path in the licence on their school's today, with no caller: for a use
    case that has already decided who may act. None when they are not of the school."""
    head = await _read_head(connection, licence_id, person_id)
    if head is None:
        return None
    rows = await _lists(connection, _groups(head), person_id)
    today, merged, _names = _merged(head, rows, None, _extensions(head))
    return today, merged


async def due_dates(connection: AsyncConnection, person_id: int) -> tuple[list[DueDate], str | None]:
    """The person's dated targets still to complete, or due again when a completion renews,
    in every school where they hold an active seat, by date; and the time zone of the
    first such school. Their calendar feed:
    no caller, the feed's secret is the authority. Two statements per such school."""
    licences = (await connection.execute(_SEATED, {"person_id": person_id})).scalars().all()
    found: list[DueDate] = []
    zone = None
    for licence_id in licences:
        head = await _read_head(connection, licence_id, person_id)
        if head is None:
            continue
        zone = zone or head.time_zone
        rows = await _lists(connection, _groups(head), person_id)
        titles = {row.course_id: row.title for row in rows}
        _today, merged, names = _merged(head, rows, None, _extensions(head))
        found += [
            DueDate(person_id=person_id, licence_id=licence_id, course_id=item.course_id, on=item.effective_due_on,
                    title=titles[item.course_id], school=head.school,
                    lists=", ".join(names[i] for i in item.list_ids), renewal=item.status == Status.COMPLETED)
            # A completed course that renews is due again on its renewal date: in the calendar already.
            for item in merged
            if item.effective_due_on is not None and (item.status != Status.COMPLETED or item.renews_on is not None)
        ]
    return sorted(found, key=lambda d: (d.on, d.licence_id, d.course_id)), zone
