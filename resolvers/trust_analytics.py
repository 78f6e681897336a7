"""Ad hoc progress queries for trust analysts: one aggregate over the staff enrolments of
the granting schools (resolvers/trust_scope.py), grouped by any of a few dimensions, computed in a single SQL statement on SQLite and
PostgreSQL alike (the median through window functions, which both have)."""

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Float, Select, and_, case, cast, func, or_, select
from sqlalchemy.orm import aliased

from domain.errors import Invalid
from domain.local_time import local_date_sql, local_month_sql
from domain.models import Course, Enrolment, Person
from resolvers.context import RequestContext
from resolvers.trust_scope import ProgressFilter, ProgressStatus, staff_enrolments, term_holding
from resolvers.trusts import chosen_schools


class Dimension(StrEnum):
    SCHOOL = "SCHOOL"
    COURSE = "COURSE"
    STAFF_GROUP = "STAFF_GROUP"
    MONTH_COMPLETED = "MONTH_COMPLETED"
    TERM_COMPLETED = "TERM_COMPLETED"
    STATUS = "STATUS"


@dataclass
class SummaryRow:
    school_id: int | None
    course_id: int | None
    staff_group_id: int | None
    month_completed: str | None
    term_id: int | None
    status: ProgressStatus | None
    enrolments: int
    completed: int
    in_progress: int
    not_started: int
    overdue: int
    completion_rate: float
    mean_seconds: float | None
    median_seconds: float | None


def summary_statement(
    dialect: str, zones: dict[int, str], where: ProgressFilter, dimensions: Sequence[Dimension]
) -> Select:
    """The one statement over the staff enrolments of the schools in `zones` (school ->
    time zone)."""
    scope = staff_enrolments(zones)
    reach = scope.reach
    columns: dict[Dimension, Any] = {
        Dimension.SCHOOL: scope.school,
        Dimension.COURSE: Enrolment.course_id,
        Dimension.STAFF_GROUP: reach.c.group_id,
        Dimension.MONTH_COMPLETED: local_month_sql(dialect, Enrolment.completed_at, scope.zone),
        Dimension.TERM_COMPLETED: term_holding(scope.school, local_date_sql(dialect, Enrolment.completed_at, scope.zone)),
        Dimension.STATUS: scope.status,
    }
    dims = [columns[d].label(d.lower()) for d in dimensions]
    base = scope.join(
        select(
            *dims,
            Enrolment.seconds_spent.label("seconds"),
            case((Enrolment.completed_at.is_not(None), 1), else_=0).label("is_completed"),
            case((and_(Enrolment.completed_at.is_(None), Enrolment.progress_percent > 0), 1), else_=0)
            .label("is_in_progress"),
            case((and_(Enrolment.completed_at.is_(None), Enrolment.progress_percent == 0), 1), else_=0)
            .label("is_not_started"),
            case((scope.overdue, 1), else_=0).label("is_overdue"),
        )
    )
    if Dimension.STAFF_GROUP in dimensions:
        base = base.join(reach, reach.c.seat_id == scope.staff.c.seat_id)
        if where.staff_group_id is not None:
            base = base.where(reach.c.group_id == where.staff_group_id)
    elif Dimension.SCHOOL not in dimensions:
        # Someone on the staff of two of the schools counts once, under the first of them;
        # grouped by school (or by a school's groups) they count in each.
        other = aliased(scope.staff)
        first_school = (
            select(func.min(other.c.school_id)).where(other.c.person_id == Enrolment.person_id).scalar_subquery()
        )
        base = base.where(scope.school == first_school)
    if where.search:
        base = base.join(Person, Person.id == Enrolment.person_id).join(Course, Course.id == Enrolment.course_id)
    base = scope.filtered(base, where).cte("base")
    keys = [base.c[d.lower()] for d in dimensions]
    ranked = select(
        base,
        func.row_number().over(partition_by=keys or None, order_by=base.c.seconds).label("rn"),
        func.count().over(partition_by=keys or None).label("cnt"),
    ).cte("ranked")
    rkeys = [ranked.c[d.lower()] for d in dimensions]
    middle = or_(ranked.c.rn == (ranked.c.cnt + 1) // 2, ranked.c.rn == (ranked.c.cnt + 2) // 2)
    total = func.count()
    completed = func.sum(ranked.c.is_completed)
    return (
        select(
            *rkeys,
            total.label("enrolments"),
            completed.label("completed"),
            func.sum(ranked.c.is_in_progress).label("in_progress"),
            func.sum(ranked.c.is_not_started).label("not_started"),
            func.sum(ranked.c.is_overdue).label("overdue"),
            (cast(completed, Float) / total).label("completion_rate"),
            func.avg(cast(ranked.c.seconds, Float)).label("mean_seconds"),
            func.avg(case((middle, cast(ranked.c.seconds, Float)))).label("median_seconds"),
        )
        .group_by(*rkeys)
        .order_by(*(key.asc().nulls_last() for key in rkeys))
    )


def _int(value: Any) -> int | None:
    return int(value) if value is not None else None


async def summary(
    ctx: RequestContext,
    *,
    trust_id: int,
    school_ids: Sequence[int] | None,
    where: ProgressFilter,
    dimensions: Sequence[Dimension],
    granted: Sequence[int],
) -> list[SummaryRow]:
    """Rows of the aggregate, one per combination of the dimensions' values present."""
    if len(set(dimensions)) != len(dimensions):
        raise Invalid("groupBy names a dimension twice.", "groupBy")
    zones = await chosen_schools(ctx, trust_id, school_ids, granted)
    if not zones:
        return []
    async with ctx.db.read() as session:
        stmt = summary_statement(ctx.db.engine.dialect.name, zones, where, dimensions)
        # Plain dicts: a row mapping's get() goes through the abstract Mapping's, per key.
        rows = [dict(row) for row in (await session.execute(stmt)).mappings()]
    return [
        SummaryRow(
            school_id=_int(row.get("school")),
            course_id=_int(row.get("course")),
            staff_group_id=_int(row.get("staff_group")),
            month_completed=row.get("month_completed"),
            term_id=_int(row.get("term_completed")),
            status=ProgressStatus(row["status"]) if row.get("status") else None,
            enrolments=int(row["enrolments"]),
            completed=int(row["completed"] or 0),
            in_progress=int(row["in_progress"] or 0),
            not_started=int(row["not_started"] or 0),
            overdue=int(row["overdue"] or 0),
            completion_rate=round(float(row["completion_rate"] or 0.0), 4),
            mean_seconds=float(row["mean_seconds"]) if row["mean_seconds"] is not None else None,
            median_seconds=float(row["median_seconds"]) if row["median_seconds"] is not None else None,
        )
        for row in rows
    ]
