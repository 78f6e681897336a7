"""Completion reports (seed 000). Every count is computed in SQL, in a fixed number of
statements whatever the number of rows."""

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Date, Float, Select, and_, case, cast, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.learning_paths_sql import effective_due_dates, extended_due, renewed
from domain.local_time import local_today
from domain.models import Course, Enrolment, Licence, Membership, Person, StaffGroup, TargetList, TargetListItem
from permissions import policy
from permissions.policy import Ability, Subject
from resolvers import staff, targets
from resolvers.context import RequestContext
from resolvers.pagination import Order, Page, Window, paginate
from resolvers.targets import GroupInSchool


class EnrolmentStatus(StrEnum):
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"


class StaffState(StrEnum):
    ON_TRACK = "ON_TRACK"
    OVERDUE = "OVERDUE"


@dataclass
class ReportFilter:
    status: EnrolmentStatus | None = None
    completed_since: datetime | None = None
    completed_until: datetime | None = None


@dataclass
class Counts:
    completed: int
    in_progress: int
    not_started: int
    overdue: int
    total: int
    percent_complete: float


def _filtered(stmt: Select, where: ReportFilter) -> Select:
    if where.status == EnrolmentStatus.COMPLETED:
        stmt = stmt.where(Enrolment.completed_at.is_not(None))
    elif where.status == EnrolmentStatus.IN_PROGRESS:
        stmt = stmt.where(Enrolment.completed_at.is_(None))
    if where.completed_since is not None:
        stmt = stmt.where(Enrolment.completed_at >= where.completed_since)
    if where.completed_until is not None:
        stmt = stmt.where(Enrolment.completed_at < where.completed_until)
    return stmt


async def course_report(
    ctx: RequestContext, *, licence: Licence, course_id: int, where: ReportFilter, window: Window
) -> Page[tuple[Enrolment, Person]]:
    """Who in the school took a course: when they started and completed, and for how long."""
    stmt = (
        select(Enrolment, Person)
        .join(Person, Person.id == Enrolment.person_id)
        .join(Membership, and_(Membership.person_id == Person.id, Membership.organisation_id == licence.organisation_id))
        .where(Enrolment.course_id == course_id)
    )
    return await paginate(ctx, _filtered(stmt, where), [Order(Person.display_name), Order(Enrolment.id)], window)


async def person_report(
    ctx: RequestContext, *, licence: Licence, person_id: int, where: ReportFilter, window: Window
) -> Page[tuple[Enrolment, Course]]:
    """Every course a person took, with the same facts. Themself and full administrators."""
    async with ctx.db.read() as session:
        member = (
            await session.execute(
                select(Membership.id).where(
                    Membership.person_id == person_id, Membership.organisation_id == licence.organisation_id
                )
            )
        ).first()
        subject = Subject(organisation_id=licence.organisation_id, person_id=person_id)
        if member is None or not policy.can_on(ctx.principal, Ability.VIEW_PERSON_REPORT, subject):
            return Page.empty()
        stmt = select(Enrolment, Course).join(Course, Course.id == Enrolment.course_id).where(
            Enrolment.person_id == person_id
        )
        return await paginate(ctx, _filtered(stmt, where), [Order(Course.title), Order(Enrolment.id)], window)


def _effective_due(group_id: int) -> Any:
    """Each target course of a group with its effective due date across all the group's
    lists, as on a learning path (domain/learning_paths_sql.py)."""
    return effective_due_dates(
        select(TargetList.group_id.label("scope"), TargetListItem.list_id, TargetListItem.course_id,
               TargetListItem.position, TargetListItem.due_on, TargetListItem.renew_months)
        .join(TargetList, TargetList.id == TargetListItem.list_id)
        .where(TargetList.group_id == group_id)
        .subquery("group_items")
    )


def _cells(found: GroupInSchool, on: date) -> Any:
    """One row per (member, list, course) of a group: the course's effective due date, as
    the member's completion renews it and their extensions move it, and the member's
    enrolment, if any, completed only while its completion holds on the school-local `on`."""
    effective = _effective_due(found.group.id)
    items = (
        select(TargetListItem.list_id, TargetListItem.course_id, TargetListItem.position, effective.c.effective_due,
               effective.c.renew_months)
        .join(TargetList, TargetList.id == TargetListItem.list_id)
        .join(effective, effective.c.course_id == TargetListItem.course_id)
        .where(TargetList.group_id == found.group.id)
        .cte("items")
    )
    members = staff.members_of_group(found.group).cte("members")
    due, completed_at = renewed(items.c.effective_due, items.c.renew_months, Enrolment.completed_at,
                                Enrolment.last_completed_at, literal(found.school.time_zone), literal(on, Date))
    return (
        select(
            items.c.list_id, items.c.course_id, items.c.position,
            extended_due(due, found.licence.id, members.c.person_id, items.c.course_id).label("effective_due"),
            members.c.person_id, Enrolment.id.label("enrolment_id"), completed_at.label("completed_at"),
            Enrolment.progress_percent,
        )
        .select_from(items.join(members, literal(True)))
        .outerjoin(Enrolment, and_(Enrolment.person_id == members.c.person_id, Enrolment.course_id == items.c.course_id))
        .cte("cells")
    )


def _counting(cells: Any, today: date) -> list[Any]:
    done = cells.c.completed_at.is_not(None)
    completed = func.sum(case((done, 1), else_=0))
    total = func.count()
    return [
        completed.label("completed"),
        func.sum(case((and_(~done, cells.c.enrolment_id.is_not(None)), 1), else_=0)).label("in_progress"),
        func.sum(case((cells.c.enrolment_id.is_(None), 1), else_=0)).label("not_started"),
        func.sum(case((and_(~done, cells.c.effective_due < today), 1), else_=0)).label("overdue"),
        total.label("total"),
        func.coalesce(100.0 * cast(completed, Float) / func.nullif(total, 0), 0.0).label("percent_complete"),
    ]


def _counts(row: Any) -> Counts:
    return Counts(
        completed=int(row.completed or 0), in_progress=int(row.in_progress or 0),
        not_started=int(row.not_started or 0), overdue=int(row.overdue or 0), total=int(row.total or 0),
        percent_complete=round(float(row.percent_complete or 0.0), 1),
    )


@dataclass
class GroupReport:
    on: date
    overall: Counts
    lists: dict[int, Counts]  # list id -> counts
    courses: dict[int, list[tuple[int, Counts]]]  # list id -> [(course id, counts)] in list order


async def group_report(session: AsyncSession, found: GroupInSchool, on: date) -> GroupReport:
    """Completion within a group, overall, per target list and per course. Overdue is
    judged by each course's effective due date against the school-local `on`."""
    cells = _cells(found, on)
    per_course = (
        await session.execute(
            select(cells.c.list_id, cells.c.course_id, *_counting(cells, on))
            .group_by(cells.c.list_id, cells.c.course_id, cells.c.position)
            .order_by(cells.c.list_id, cells.c.position)
        )
    ).all()
    per_list = (
        await session.execute(select(cells.c.list_id, *_counting(cells, on)).group_by(cells.c.list_id))
    ).all()
    # Overall, a course on two lists counts once per person, due by its earlier date.
    pairs = (
        select(
            cells.c.person_id, cells.c.course_id,
            func.min(cells.c.effective_due).label("effective_due"),
            func.max(cells.c.enrolment_id).label("enrolment_id"),
            func.max(cells.c.completed_at).label("completed_at"),
        )
        .group_by(cells.c.person_id, cells.c.course_id)
        .subquery()
    )
    overall = (await session.execute(select(*_counting(pairs, on)))).one()
    courses: dict[int, list[tuple[int, Counts]]] = {}
    for row in per_course:
        courses.setdefault(row.list_id, []).append((row.course_id, _counts(row)))
    return GroupReport(
        on=on, overall=_counts(overall), lists={row.list_id: _counts(row) for row in per_list}, courses=courses
    )


def _per_person(found: GroupInSchool, on: date) -> Any:
    """Per member: how many target courses, how many completed, how many overdue."""
    cells = _cells(found, on)
    pairs = (
        select(
            cells.c.person_id,
            func.min(cells.c.effective_due).label("effective_due"),
            func.max(cells.c.completed_at).label("completed_at"),
        )
        .group_by(cells.c.person_id, cells.c.course_id)
        .subquery()
    )
    done = pairs.c.completed_at.is_not(None)
    overdue = func.sum(case((and_(~done, pairs.c.effective_due < on), 1), else_=0))
    return (
        select(
            pairs.c.person_id,
            func.count().label("targets"),
            func.sum(case((done, 1), else_=0)).label("completed"),
            overdue.label("overdue"),
        )
        .group_by(pairs.c.person_id)
        .subquery()
    )


async def staff_page(
    ctx: RequestContext, found: GroupInSchool, on: date, *, state: StaffState | None, window: Window
) -> Page[tuple[Person, int, int, int]]:
    per_person = _per_person(found, on)
    members = staff.members_of_group(found.group).subquery()
    stmt = (
        select(
            Person,
            func.coalesce(per_person.c.targets, 0),
            func.coalesce(per_person.c.completed, 0),
            func.coalesce(per_person.c.overdue, 0),
        )
        .join(members, members.c.person_id == Person.id)
        .outerjoin(per_person, per_person.c.person_id == Person.id)
    )
    if state == StaffState.OVERDUE:
        stmt = stmt.where(per_person.c.overdue > 0)
    elif state == StaffState.ON_TRACK:
        stmt = stmt.where(func.coalesce(per_person.c.overdue, 0) == 0)
    return await paginate(ctx, stmt, [Order(Person.display_name), Order(Person.id)], window)


async def report_for(
    ctx: RequestContext, group_id: int, on: date | None, field: str = "groupId"
) -> tuple[GroupInSchool, GroupReport]:
    """A group's report, raising NOT_FOUND for a group the caller may not see and
    FORBIDDEN for one whose report they may not read."""
    async with ctx.db.read() as session:
        found = await targets.authorized(session, ctx.principal, StaffGroup, group_id, read=Ability.VIEW_GROUP,
                                         act=Ability.VIEW_GROUP_REPORT, field=field)
        return found, await group_report(session, found, on or local_today(found.school.time_zone))


@dataclass
class MatrixColumn:
    course_id: int
    code: str
    title: str


async def matrix_columns(session: AsyncSession, found: GroupInSchool) -> list[MatrixColumn]:
    """The group's target courses, each once, in list-name then list order."""
    rows = await session.execute(
        select(Course.id, Course.code, Course.title)
        .join(TargetListItem, TargetListItem.course_id == Course.id)
        .join(TargetList, TargetList.id == TargetListItem.list_id)
        .where(TargetList.group_id == found.group.id)
        .order_by(TargetList.name, TargetList.id, TargetListItem.position)
    )
    seen: dict[int, MatrixColumn] = {}
    for course_id, code, title in rows:
        seen.setdefault(course_id, MatrixColumn(course_id, code, title))
    return list(seen.values())


def matrix_cells(found: GroupInSchool, on: date) -> Select:
    """(person, course) cells of the training matrix on the school-local `on`, by person:
    effective due date, completion and progress. Rows come person by person, ordered by
    name; a member with no targets yet has one row with no course."""
    cells = _cells(found, on)
    members = staff.members_of_group(found.group).subquery()
    return (
        select(
            Person.id, Person.display_name, Person.email, cells.c.course_id,
            func.min(cells.c.effective_due).label("effective_due"),
            func.max(cells.c.completed_at).label("completed_at"),
            func.max(cells.c.progress_percent).label("progress_percent"),
            func.max(cells.c.enrolment_id).label("enrolment_id"),
        )
        .join(members, members.c.person_id == Person.id)
        .outerjoin(cells, cells.c.person_id == Person.id)
        .group_by(Person.id, Person.display_name, Person.email, cells.c.course_id)
        .order_by(Person.display_name, Person.id)
    )
