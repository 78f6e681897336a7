"""The effective due date as SQL, the same rule as domain/learning_paths.py's: a course
is due by the earliest date on itself or on any course that must come after it, following
every list's order from one list into another (cycles included). A property test holds
the two equal on random lists and dates, on both engines.

Reports judge it within one scope at a time: a staff group's lists, or (for the trust's
figures) every list reaching one staff seat, which is that person's learning path. The
items come in as a selectable with columns scope, list_id, course_id, position and
due_on; a list may appear in several scopes.

`extended_due` is domain/learning_paths.py's `extended`: a person's extensions in force
move a dated target later, never earlier. `renewed` is its renewal: a completed course
that renews is due on the date its latest completion stops holding, and counts as done
only before then. The same property test holds them equal.
"""

from typing import Any

from sqlalchemy import CTE, ColumnElement, Date, and_, case, cast, func, or_, select, type_coerce
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from domain.local_time import local_date_sql
from domain.models import TargetExtension


def effective_due_dates(items: Any, name: str = "effective") -> CTE:
    """(scope, course_id, effective_due, renew_months) for every course of every scope in
    `items` (which carry renew_months too): renew_months the shortest its items set."""
    ordered = select(
        items.c.scope, items.c.course_id, items.c.due_on, items.c.renew_months,
        func.lead(items.c.course_id).over(partition_by=[items.c.scope, items.c.list_id], order_by=items.c.position)
        .label("next_course"),
    ).cte(f"{name}_ordered")
    reach = select(ordered.c.scope, ordered.c.course_id.label("start"), ordered.c.course_id.label("node")).cte(
        f"{name}_reach", recursive=True
    )
    # UNION, not UNION ALL: pairs already reached are not walked again, so cycles end.
    reach = reach.union(
        select(reach.c.scope, reach.c.start, ordered.c.next_course)
        .join(ordered, and_(ordered.c.scope == reach.c.scope, ordered.c.course_id == reach.c.node))
        .where(ordered.c.next_course.is_not(None))
    )
    own = reach.c.node == reach.c.start  # the course's own items, where its renewal is set
    return (
        select(reach.c.scope, reach.c.start.label("course_id"),
               type_coerce(func.min(ordered.c.due_on), Date).label("effective_due"),
               func.min(case((own, ordered.c.renew_months))).label("renew_months"))
        .join(ordered, and_(ordered.c.scope == reach.c.scope, ordered.c.course_id == reach.c.node))
        .group_by(reach.c.scope, reach.c.start)
        .cte(name)
    )


def in_force(licence_id: Any, person_id: Any = None) -> ColumnElement[bool]:
    """The extensions in force in a licence (of one person, if given)."""
    clause = and_(TargetExtension.licence_id == licence_id, TargetExtension.ended_at.is_(None))
    return clause if person_id is None else and_(clause, TargetExtension.person_id == person_id)


def extended_due(effective: Any, licence_id: Any, person_id: Any, course_id: Any) -> ColumnElement:
    """`effective` for that person's course in that licence, moved to the latest of their
    extensions in force that covers it (one for the course, one for every target)."""
    latest = (
        select(func.max(TargetExtension.due_on))
        .where(in_force(licence_id, person_id),
               or_(TargetExtension.course_id == course_id, TargetExtension.course_id.is_(None)))
        .scalar_subquery()
    )
    # Null against a null `effective` (undated stays undated) or no extension: `effective`.
    return type_coerce(case((latest > effective, latest), else_=effective), Date)


class renews_on(FunctionElement[Any]):
    """renews_on(instant, zone, months): the school-local date of `instant` in `zone` plus
    `months`, on the month's last day where that month is shorter (domain/learning_paths.py's
    `add_months` of the completion's day); null if any is null."""

    type = Date()
    inherit_cache = True
    name = "renews_on"


@compiles(renews_on)
def _renews_on(element: renews_on, compiler: Any, **kw: Any) -> str:
    instant, zone, months = list(element.clauses)
    day = local_date_sql(compiler.dialect.name, instant, zone)
    if compiler.dialect.name == "postgresql":
        later = cast(day + func.make_interval(0, months), Date)  # PostgreSQL keeps to the month's end itself
    else:
        # SQLite rolls 29 February plus a year over into March: the earlier of that and the
        # target month's last day is the date.
        text_day = func.date(day)
        rolled = func.date(text_day, func.printf("+%d months", months))
        month_end = func.date(text_day, "start of month", func.printf("+%d months", months + 1), "-1 day")
        # printf reads a null as 0: a null period has no date.
        later = type_coerce(case((months.is_not(None), func.min(rolled, month_end))), Date)
    return compiler.process(later, **kw)


def renewed(effective: Any, renew_months: Any, completed_at: Any, last_completed_at: Any, zone: Any,
            today: Any) -> tuple[ColumnElement, ColumnElement]:
    """A target's (due, completed_at) as its renewal makes them on the school-local `today`:
    a completed course that renews is due on the date its latest completion stops holding,
    and completed (at that completion) only before then. Others keep `effective` and
    `completed_at`. Extensions apply to the due date afterwards."""
    renews = renews_on(last_completed_at, zone, renew_months)
    due = type_coerce(func.coalesce(renews, effective), Date)
    done = case((renew_months.is_(None), completed_at), (renews > today, last_completed_at), else_=None)
    return due, done
