"""Learning targets across a trust: what the granting schools set their staff, with
effective due dates, counted as the schools' own group reports count them, and listed
person by person ("who is overdue across the trust?"). Each answer is one SQL statement.

A target is judged per person (their learning path, a course set by two groups once)
unless a staff group is asked about, by dimension or filter: then per group, by that
group's lists alone, which is exactly that group's report.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import CTE, Float, Select, and_, case, cast, false, func, select

from domain.errors import Invalid
from domain.models import Course, Organisation, Person, StaffGroup
from resolvers.context import RequestContext
from resolvers.pagination import Order, Page, Window, paginate
from domain.local_time import local_today
from resolvers.search import searched
from resolvers.trust_scope import (
    ProgressStatus, reach_of, school_day, staff_of, target_status, targets_of, term_holding,
)
from resolvers.trusts import chosen_schools


class TargetDimension(StrEnum):
    SCHOOL = "SCHOOL"
    STAFF_GROUP = "STAFF_GROUP"
    COURSE = "COURSE"
    STATUS = "STATUS"
    DUE_MONTH = "DUE_MONTH"
    TERM = "TERM"


@dataclass
class TargetFilter:
    """Every condition given must hold. Due days are school-local, both included."""

    course_id: int | None = None
    staff_group_id: int | None = None
    staff_group_name: str | None = None
    status: ProgressStatus | None = None
    due_from: date | None = None
    due_to: date | None = None
    search: str | None = None

    @property
    def names_a_group(self) -> bool:
        return self.staff_group_id is not None or self.staff_group_name is not None


@dataclass
class Targets:
    """The targets of the chosen schools' staff as one CTE, with their status."""

    rows: CTE
    days: dict[int, date]  # school -> its today


def targets(days: dict[int, date], where: TargetFilter, *, per_group: bool = False) -> Targets:
    """Per person, unless `per_group` or the filter names a group."""
    per_group = per_group or where.names_a_group
    staff = staff_of(days)
    reach = reach_of(staff)
    if where.names_a_group:
        groups = select(StaffGroup.id)
        if where.staff_group_id is not None:
            groups = groups.where(StaffGroup.id == where.staff_group_id)
        if where.staff_group_name is not None:
            groups = groups.where(func.lower(StaffGroup.name) == where.staff_group_name.strip().lower())
        reach = select(reach).where(reach.c.group_id.in_(groups)).cte("chosen_reach")
    found = targets_of(staff, reach, days, per_group=per_group)
    status = target_status(found, school_day(found.c.school_id, days))
    stmt = select(found, status.label("status"))
    if where.course_id is not None:
        stmt = stmt.where(found.c.course_id == where.course_id)
    if where.status is not None:
        stmt = stmt.where(status == where.status.value)
    if where.due_from is not None:
        stmt = stmt.where(found.c.effective_due >= where.due_from)
    if where.due_to is not None:
        stmt = stmt.where(found.c.effective_due <= where.due_to)
    if where.search:
        stmt = stmt.join(Person, Person.id == found.c.person_id).join(Course, Course.id == found.c.course_id)
        stmt = searched(stmt, where.search, Person.display_name, Course.title)
    return Targets(stmt.cte("chosen_targets"), days)


@dataclass
class TargetCounts:
    """As a group report counts: completed; enrolled and not completed; not enrolled;
    overdue (not completed, past due, whether enrolled or not); and all of them."""

    completed: int
    in_progress: int
    not_started: int
    overdue: int
    total: int
    percent_complete: float


@dataclass
class TargetSummaryRow:
    school_id: int | None
    staff_group_id: int | None
    course_id: int | None
    status: ProgressStatus | None
    due_month: str | None
    term_id: int | None
    counts: TargetCounts


def _due_month(dialect: str, column: Any) -> Any:
    if dialect == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def summary_statement(
    dialect: str, days: dict[int, date], where: TargetFilter, dimensions: Sequence[TargetDimension]
) -> Select:
    rows = targets(days, where, per_group=TargetDimension.STAFF_GROUP in dimensions).rows
    columns: dict[TargetDimension, Any] = {
        TargetDimension.SCHOOL: rows.c.school_id,
        TargetDimension.STAFF_GROUP: rows.c.group_id,
        TargetDimension.COURSE: rows.c.course_id,
        TargetDimension.STATUS: rows.c.status,
        TargetDimension.DUE_MONTH: _due_month(dialect, rows.c.effective_due),
        TargetDimension.TERM: term_holding(rows.c.school_id, rows.c.effective_due),
    }
    keyed = select(rows, *(columns[d].label(f"by_{d.lower()}") for d in dimensions)).cte("keyed")
    keys = [keyed.c[f"by_{d.lower()}"] for d in dimensions]
    done = keyed.c.completed_at.is_not(None)
    completed = func.sum(case((done, 1), else_=0))
    total = func.count()
    return (
        select(
            *keys,
            completed.label("completed"),
            func.sum(case((and_(~done, keyed.c.enrolment_id.is_not(None)), 1), else_=0)).label("in_progress"),
            func.sum(case((keyed.c.enrolment_id.is_(None), 1), else_=0)).label("not_started"),
            func.sum(case((keyed.c.status == ProgressStatus.OVERDUE.value, 1), else_=0)).label("overdue"),
            total.label("total"),
            (100.0 * cast(completed, Float) / total).label("percent_complete"),
        )
        .group_by(*keys)
        .order_by(*(key.asc().nulls_last() for key in keys))
    )


def _int(value: Any) -> int | None:
    return int(value) if value is not None else None


async def _days(ctx: RequestContext, trust_id: int, school_ids: Sequence[int] | None,
                granted: Sequence[int]) -> dict[int, date]:
    """Each school asked about (all granting ones by default) with its local today."""
    zones = await chosen_schools(ctx, trust_id, school_ids, granted)
    return {school: local_today(zone) for school, zone in zones.items()}


async def summary(
    ctx: RequestContext, *, trust_id: int, school_ids: Sequence[int] | None, where: TargetFilter,
    dimensions: Sequence[TargetDimension], granted: Sequence[int],
) -> list[TargetSummaryRow]:
    if len(set(dimensions)) != len(dimensions):
        raise Invalid("groupBy names a dimension twice.", "groupBy")
    days = await _days(ctx, trust_id, school_ids, granted)
    if not days:
        return []
    async with ctx.db.read() as session:
        stmt = summary_statement(ctx.db.engine.dialect.name, days, where, dimensions)
        found = (await session.execute(stmt)).mappings().all()
    return [
        TargetSummaryRow(
            school_id=_int(row.get("by_school")), staff_group_id=_int(row.get("by_staff_group")),
            course_id=_int(row.get("by_course")),
            status=ProgressStatus(row["by_status"]) if row.get("by_status") else None,
            due_month=row.get("by_due_month"), term_id=_int(row.get("by_term")),
            counts=TargetCounts(
                completed=int(row["completed"] or 0), in_progress=int(row["in_progress"] or 0),
                not_started=int(row["not_started"] or 0), overdue=int(row["overdue"] or 0),
                total=int(row["total"]), percent_complete=round(float(row["percent_complete"] or 0.0), 1),
            ),
        )
        for row in found
    ]


@dataclass
class TargetLine:
    """One target of one person, as the trust-wide list shows it."""

    person_name: str
    person_email: str
    school_id: int
    school_name: str
    staff_group_id: int | None
    staff_group_name: str | None
    course_id: int
    course_code: str
    course_title: str
    status: ProgressStatus
    due_on: date | None
    days_overdue: int | None
    completed_at: Any
    progress_percent: int | None


def list_statement(days: dict[int, date], where: TargetFilter) -> tuple[Select, list[Order]]:
    """Every chosen target with its person, school, course and group, and the list's order."""
    rows = targets(days, where).rows
    stmt = (
        select(
            Person.display_name, Person.email, rows.c.school_id, Organisation.name.label("school_name"),
            rows.c.group_id, StaffGroup.name.label("group_name"), rows.c.course_id, Course.code, Course.title,
            rows.c.status, rows.c.effective_due, rows.c.completed_at, rows.c.progress_percent, rows.c.enrolment_id,
        )
        .select_from(rows)
        .join(Person, Person.id == rows.c.person_id)
        .join(Organisation, Organisation.id == rows.c.school_id)
        .join(Course, Course.id == rows.c.course_id)
        .outerjoin(StaffGroup, StaffGroup.id == rows.c.group_id)
    )
    order = [Order(Person.display_name), Order(rows.c.person_id), Order(rows.c.school_id),
             Order(func.coalesce(rows.c.group_id, 0)), Order(rows.c.course_id)]
    return stmt, order


def line(values: Sequence[Any], days: dict[int, date]) -> TargetLine:
    """From one row of `list_statement`, in its column order."""
    (name, email, school_id, school_name, group_id, group_name, course_id, code, title, status, due,
     completed_at, progress, enrolment_id) = values[:14]
    status = ProgressStatus(status)
    return TargetLine(
        person_name=name, person_email=email, school_id=school_id, school_name=school_name,
        staff_group_id=group_id, staff_group_name=group_name, course_id=course_id, course_code=code,
        course_title=title, status=status, due_on=due,
        days_overdue=(days[school_id] - due).days if status == ProgressStatus.OVERDUE else None,
        completed_at=completed_at, progress_percent=progress if enrolment_id is not None else None,
    )


async def target_list(
    ctx: RequestContext, *, trust_id: int, school_ids: Sequence[int] | None, where: TargetFilter,
    granted: Sequence[int], window: Window,
) -> Page[TargetLine]:
    """A page of the trust-wide list, by person's name."""
    days = await _days(ctx, trust_id, school_ids, granted)
    if not days:
        return Page.empty()
    stmt, order = list_statement(days, where)
    page = await paginate(ctx, stmt, order, window)
    page.items = [line(row, days) for row in page.items]
    return page


async def list_for_export(
    ctx: RequestContext, *, trust_id: int, school_ids: Sequence[int] | None, where: TargetFilter,
    granted: Sequence[int],
) -> tuple[Select, dict[int, date]]:
    """The whole list's statement, checked and ready to stream, with the schools' days."""
    days = await _days(ctx, trust_id, school_ids, granted)
    stmt, order = list_statement(days, where)
    if not days:
        stmt = stmt.where(false())
    return stmt.order_by(*(o.column for o in order)), days
