"""The effective due date as SQL, the same rule as domain/learning_paths.py's: a course
is due by the earliest date on itself or on any course that must come after it, following
every list's order from one list into another (cycles included). A property test holds
the two equal on random lists and dates, on both engines.

Reports judge it within one scope at a time: a staff group's lists, or (for the trust's
figures) every list reaching one staff seat, which is that person's learning path. The
items come in as a selectable with columns scope, list_id, course_id, position and
due_on; a list may appear in several scopes.
"""

from typing import Any

from sqlalchemy import CTE, Date, and_, func, select, type_coerce


def effective_due_dates(items: Any, name: str = "effective") -> CTE:
    """(scope, course_id, effective_due) for every course of every scope in `items`."""
    ordered = select(
        items.c.scope, items.c.course_id, items.c.due_on,
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
    return (
        select(reach.c.scope, reach.c.start.label("course_id"),
               type_coerce(func.min(ordered.c.due_on), Date).label("effective_due"))
        .join(ordered, and_(ordered.c.scope == reach.c.scope, ordered.c.course_id == reach.c.node))
        .group_by(reach.c.scope, reach.c.start)
        .cte(name)
    )
