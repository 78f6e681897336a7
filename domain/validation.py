"""Checks on user input. Each returns the cleaned value or raises Invalid naming the field."""

import re
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
