"""Who a licence's targets reach, and the paths they make, as a fixed set of statements
however many staff the school has: the shared ground of planning a day's reminders
(jobs/planning.py) and of previewing a change (resolvers/previews.py).

Effective due dates follow the learning-path rule (domain/learning_paths.py), which
depends only on the set of groups reaching a person, on their extensions and on their
completions of courses that renew. So SQL gives each staff member a signature naming
that set (a person with extensions in force is a set of their own; the days of
completions that may be due again are part of a set), and the rule runs once per
distinct signature in Python.
"""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    CTE, ColumnElement, CompoundSelect, String, case, cast, exists, func, literal, select, union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from domain import learning_paths
from domain.learning_paths import ListItem, TargetListIn
from domain.learning_paths_sql import in_force
from domain.local_time import local_date_sql
from domain.models import (
    Enrolment, GroupKind, Organisation, Seat, StaffGroup, StaffGroupMember, TargetExtension, TargetList, TargetListItem,
)
from domain.staff import staff_seat

NO_RENEWALS: Mapping[int, datetime] = {}
EVER = datetime(9999, 1, 1, tzinfo=UTC)  # before which every completion was made


def with_targets(licence_id: int):  # type: ignore[no-untyped-def]
    """Groups of the licence holding at least one target."""
    return (
        select(TargetList.group_id)
        .join(TargetListItem, TargetListItem.list_id == TargetList.id)
        .join(StaffGroup, StaffGroup.id == TargetList.group_id)
        .where(StaffGroup.licence_id == licence_id)
    )


def reaching(licence_id: int) -> CompoundSelect:
    """(person_id, group_id) for each group with targets and each staff member it
    reaches. Groups reach only holders of an active PLUS seat."""
    seats = select(Seat.person_id).where(Seat.licence_id == licence_id, staff_seat())
    groups = with_targets(licence_id)
    picked = select(StaffGroupMember.person_id, StaffGroupMember.group_id).where(
        StaffGroupMember.group_id.in_(groups), StaffGroupMember.person_id.in_(seats)
    )
    everyone = (
        select(Seat.person_id, StaffGroup.id.label("group_id"))
        .join(StaffGroup, StaffGroup.licence_id == Seat.licence_id)
        .where(
            Seat.licence_id == licence_id, staff_seat(),
            StaffGroup.kind == GroupKind.ALL_STAFF, StaffGroup.id.in_(groups),
        )
    )
    return union_all(picked, everyone)


def person_signatures(licence_id: int, renewing: Mapping[int, datetime] = NO_RENEWALS, dialect: str = "sqlite",
                      zone: str = "UTC") -> CTE:
    """(person_id, signature): the sorted ids of the groups with targets that reach each
    staff member, as text; followed by `:<person id>` for someone with extensions in force;
    and by `|<course>@<day>,` per course for someone with a completion of a course in `renewing`
    before its instant (see `renewing`), each with its school-local day. People with the
    same groups completing the same courses on the same days share a signature."""
    reach = reaching(licence_id).subquery("reach")
    groups = func.aggregate_strings(cast(reach.c.group_id, String), ",").over(
        partition_by=reach.c.person_id, order_by=reach.c.group_id, rows=(None, None)
    )
    each = select(reach.c.person_id, groups.label("groups")).distinct().subquery("each")
    extended = exists().where(in_force(licence_id), TargetExtension.person_id == each.c.person_id)
    signature: ColumnElement[str] = case(
        (extended, each.c.groups.concat(":").concat(cast(each.c.person_id, String))), else_=each.c.groups)
    if renewing:
        day = cast(local_date_sql(dialect, Enrolment.last_completed_at, zone), String)
        # One part per renewing course, in course order: a signature must read the same in
        # every statement that computes it, or the paths staged for it would not join back.
        completions: ColumnElement[str] = literal("")
        for course, before in sorted(renewing.items()):
            part = (
                select(cast(Enrolment.course_id, String).concat("@").concat(day).concat(","))
                .where(Enrolment.person_id == each.c.person_id, Enrolment.course_id == course,
                       Enrolment.last_completed_at < before)
                .scalar_subquery()
            )
            completions = completions.concat(func.coalesce(part, ""))
        signature = case((completions != "", signature.concat("|").concat(completions)), else_=signature)
    # Materialised: computed once per statement, however the planner joins it.
    return select(each.c.person_id, signature.label("signature")).cte("person_targets").prefix_with("MATERIALIZED")


@dataclass(frozen=True)
class Item:
    group_id: int
    list_id: int
    name: str
    course_id: int
    due_on: date | None
    renew_months: int | None


async def list_items(session: AsyncSession, licence_id: int) -> list[Item]:
    rows = await session.execute(
        select(TargetList.group_id, TargetList.id, TargetList.name, TargetListItem.course_id, TargetListItem.due_on,
               TargetListItem.renew_months)
        .join(TargetListItem, TargetListItem.list_id == TargetList.id)
        .where(TargetList.group_id.in_(with_targets(licence_id)))
        .order_by(TargetList.id, TargetListItem.position)
    )
    return [Item(*row) for row in rows]


def renewing(items: Sequence[Item], day: date, due_soon_days: int, zone: str) -> dict[int, datetime]:
    """Course -> the instant before which a completion of it may be due again on `day`:
    with the shortest period any list gives the course, the completion's renewal date is
    within the school's due-soon days. Such a completion's day is part of the person's
    signature, and the path staged for it says whether it really is due again."""
    shortest: dict[int, int] = {}
    for item in items:
        if item.renew_months is not None:
            shortest[item.course_id] = min(item.renew_months, shortest.get(item.course_id, item.renew_months))
    horizon = day + timedelta(days=due_soon_days)
    found = {}
    for course_id, months in shortest.items():
        latest = learning_paths.add_months(horizon, -months)  # the last completion day renewing by the horizon
        while learning_paths.add_months(latest, months) > horizon:
            latest -= timedelta(days=1)
        while learning_paths.add_months(latest + timedelta(days=1), months) <= horizon:
            latest += timedelta(days=1)
        found[course_id] = datetime.combine(latest + timedelta(days=1), time(), ZoneInfo(zone))
    return found


@dataclass(frozen=True)
class Placed:
    """A course on the path a signature makes, with its effective due date."""

    course_id: int
    due_on: date | None
    list_ids: tuple[int, ...]
    reopened: bool  # due again though completed: its renewal has come


@dataclass
class Reach:
    """A licence's staff and their paths on one day."""

    people: CTE  # (person_id, signature)
    paths: dict[str, list[Placed]]  # signature -> its path
    list_names: dict[int, str]


async def reach(session: AsyncSession, licence_id: int, organisation_id: int, day: date, due_soon_days: int, *,
                whole_paths: bool = False) -> Reach:
    """Two statements; one more where courses renew (the school's time zone), and one more
    where someone has extensions in force. The paths are as reminders need them: a
    completed course that renews is on the path by its renewal date only once it may be
    due again, unless `whole_paths`, which asks for every completion's (as the person's
    own path shows it)."""
    items = await list_items(session, licence_id)
    zone, renewals = "UTC", NO_RENEWALS
    if any(item.renew_months is not None for item in items):
        zone = (await session.get_one(Organisation, organisation_id)).time_zone
        renewals = renewing(items, day, due_soon_days, zone)
        if whole_paths:
            renewals = {course: EVER for course in renewals}
    people = person_signatures(licence_id, renewals, session.bind.dialect.name, zone)
    signatures = (await session.execute(select(people.c.signature).distinct())).scalars().all()
    paths = await _paths(session, licence_id, items, signatures, day, due_soon_days)
    return Reach(people, paths, {item.list_id: item.name for item in items})


async def _paths(session: AsyncSession, licence_id: int, items: Sequence[Item], signatures: Sequence[str],
                 day: date, due_soon_days: int) -> dict[str, list[Placed]]:
    lists_of_group: dict[int, dict[int, list[ListItem]]] = defaultdict(lambda: defaultdict(list))
    for item in items:
        lists_of_group[item.group_id][item.list_id].append(ListItem(item.course_id, item.due_on, item.renew_months))
    extensions: dict[int, dict[int | None, date]] = defaultdict(dict)
    if any(":" in signature for signature in signatures):
        found = await session.execute(
            select(TargetExtension.person_id, TargetExtension.course_id, TargetExtension.due_on)
            .where(in_force(licence_id))
        )
        for person_id, course_id, due_on in found:
            extensions[person_id][course_id] = due_on
    paths = {}
    for signature in signatures:
        head, _, completed = signature.partition("|")
        groups, _, person = head.partition(":")
        lists = [
            TargetListIn(list_id, list_items)
            for group_id in map(int, groups.split(","))
            for list_id, list_items in lists_of_group[group_id].items()
        ]
        progress = {}
        for pair in filter(None, completed.split(",")):
            course, _, completed_on = pair.partition("@")
            on = date.fromisoformat(completed_on)
            progress[int(course)] = learning_paths.Progress(True, on, on)
        if person or progress:
            path = learning_paths.learning_path(lists, progress, day, due_soon_days,
                                                extensions[int(person)] if person else learning_paths.NONE)
            paths[signature] = [Placed(p.course_id, p.effective_due_on, p.list_ids, p.last_completed_on is not None)
                                for p in path]
        else:
            paths[signature] = [Placed(c, effective, list_ids, False)
                                for c, _own, effective, list_ids in learning_paths.order(lists)]
    return paths
