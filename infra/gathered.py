"""Rows carried in one value: a scalar subquery gathers rows as text (',' between rows, ':'
between columns), so one statement can answer a list beside its own row: a principal's
grants, the groups that reach a person. The values gathered are ids, codes, numbers and
ISO dates (infra/database.py pins PostgreSQL's DateStyle), which hold neither separator."""

from typing import Any

from sqlalchemy import String, cast, func, literal


def _joined(*columns: Any) -> Any:
    joined = func.coalesce(cast(columns[0], String), "")
    for column in columns[1:]:
        joined = joined.concat(literal(":")).concat(func.coalesce(cast(column, String), ""))
    return joined


def gathered(stmt: Any, *columns: Any) -> Any:
    """Every row of `stmt`, as `columns`, in one text value: a scalar subquery."""
    return stmt.with_only_columns(func.aggregate_strings(_joined(*columns), ",")).scalar_subquery()


def split(value: str | None) -> list[list[str]]:
    """The rows of a gathered value, each a list of its columns' text."""
    return [row.split(":") for row in value.split(",")] if value else []
