"""Checks on user input. Each returns the cleaned value or raises Invalid naming the field."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from domain.errors import Invalid

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def name(value: str, field: str, max_length: int = 200) -> str:
    cleaned = " ".join(value.split())
    if not cleaned:
        raise Invalid(f"{field} must not be empty.", field)
    if len(cleaned) > max_length:
        raise Invalid(f"{field} must be at most {max_length} characters.", field)
    return cleaned


def email(value: str, field: str = "email") -> str:
    cleaned = value.strip().lower()
    if len(cleaned) > 254 or not _EMAIL.match(cleaned):
        raise Invalid(f"{field} is not a valid email address.", field)
    return cleaned


def time_zone(value: str, field: str = "timeZone") -> str:
    try:
        if value not in available_timezones():
            raise ZoneInfoNotFoundError(value)
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(f"{field} must be an IANA time zone such as Europe/London.", field) from None
    return value


def period(since: datetime | None, until: datetime | None, since_field: str, until_field: str) -> None:
    """Instants carry a UTC offset, and a period ends after it starts."""
    for field, instant in ((since_field, since), (until_field, until)):
        if instant is not None and instant.utcoffset() is None:
            raise Invalid(f"{field} needs a UTC offset, such as 2026-09-01T00:00:00Z.", field)
    if since is not None and until is not None and until <= since:
        raise Invalid(f"{until_field} must be after {since_field}.", until_field)


def days(first: date | None, last: date | None, first_field: str, last_field: str) -> None:
    """A range of days, both included, that does not end before it starts."""
    if first is not None and last is not None and last < first:
        raise Invalid(f"{last_field} must not be before {first_field}.", last_field)
