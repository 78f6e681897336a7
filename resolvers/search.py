"""A list's `search`: part of a name, an email, a title, in any case."""

from typing import Any

from sqlalchemy import Select, func, or_


def searched(stmt: Select, search: str | None, *columns: Any) -> Select:
    """`stmt` narrowed to rows where any of `columns` holds the search text, ignoring case
    (LIKE's own wildcards in it match themselves); unchanged without one."""
    if not search or not search.strip():
        return stmt
    needle = search.strip().lower()
    return stmt.where(or_(*(func.lower(column).contains(needle, autoescape=True) for column in columns)))
