"""A school's days and months: an instant falls on the day and in the month of the
school's IANA time zone, not UTC's. One rule, in Python and as SQL (PostgreSQL converts
with `timezone()`; SQLite, which has no time zones, with infra/database.py's
`local_clock`, the same conversion registered on each connection); a property test
holds the three equal."""

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Date, String, cast, func, type_coerce

from domain.models import utcnow


def local_date(instant: datetime, zone: str) -> date:
    return instant.astimezone(ZoneInfo(zone)).date()


def local_today(zone: str) -> date:
    return local_date(utcnow(), zone)


def local_month(instant: datetime, zone: str) -> str:
    """YYYY-MM."""
    return local_date(instant, zone).isoformat()[:7]


def local_date_sql(dialect: str, instant: Any, zone: Any) -> ColumnElement[date]:
    """`local_date` of an instant column in the zone given by `zone` (a column or value)."""
    if dialect == "postgresql":
        return cast(func.timezone(zone, instant), Date)
    return type_coerce(func.substr(func.local_clock(instant, zone), 1, 10), Date)


def local_month_sql(dialect: str, instant: Any, zone: Any) -> ColumnElement[str]:
    """`local_month` of an instant column in the zone given by `zone` (a column or value)."""
    if dialect == "postgresql":
        return func.to_char(func.timezone(zone, instant), "YYYY-MM")
    return type_coerce(func.substr(func.local_clock(instant, zone), 1, 7), String)
