"""Attendance, behaviour and assessment records (seed 002): the site's attendance codes,
terms, and the checks on what a record may hold."""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from domain.errors import Invalid


class AttendanceCategory(StrEnum):
    PRESENT = "PRESENT"
    LATE = "LATE"
    AUTHORISED_ABSENCE = "AUTHORISED_ABSENCE"
    UNAUTHORISED_ABSENCE = "UNAUTHORISED_ABSENCE"
    APPROVED_ACTIVITY = "APPROVED_ACTIVITY"  # off site but taught: a trip, a match


# Categories that count as attending, for attendance rates.
ATTENDING = frozenset({AttendanceCategory.PRESENT, AttendanceCategory.LATE, AttendanceCategory.APPROVED_ACTIVITY})


@dataclass(frozen=True)
class Code:
    code: str
    name: str
    category: AttendanceCategory


# Every school starts with these; the codes are the site's own from then on.
DEFAULT_CODES = [
    Code("/", "Present", AttendanceCategory.PRESENT),
    Code("L", "Late", AttendanceCategory.LATE),
    Code("M", "Medical appointment", AttendanceCategory.AUTHORISED_ABSENCE),
    Code("I", "Illness", AttendanceCategory.AUTHORISED_ABSENCE),
    Code("N", "No reason yet", AttendanceCategory.UNAUTHORISED_ABSENCE),
    Code("O", "Unauthorised absence", AttendanceCategory.UNAUTHORISED_ABSENCE),
    Code("V", "Educational visit", AttendanceCategory.APPROVED_ACTIVITY),
]


class CourseRole(StrEnum):
    TEACHER = "TEACHER"
    LEARNER = "LEARNER"


MAX_WEIGHT = 5
MAX_TEXT = 2000
MAX_RESULT = 50


@dataclass(frozen=True)
class TermDates:
    id: int
    starts_on: date
    ends_on: date


def term_of(day: date, terms: list[TermDates], field: str) -> int:
    """The term a school-local date falls in (terms include both their first and last day)."""
    for term in terms:
        if term.starts_on <= day <= term.ends_on:
            return term.id
    raise Invalid(f"{day.isoformat()} falls in none of the school's terms.", field)


def text(value: str, field: str, max_length: int = MAX_TEXT, required: bool = True) -> str:
    cleaned = value.strip()
    if required and not cleaned:
        raise Invalid(f"{field} must not be empty.", field)
    if len(cleaned) > max_length:
        raise Invalid(f"{field} must be at most {max_length} characters.", field)
    return cleaned


def weight(value: int) -> int:
    if not 1 <= value <= MAX_WEIGHT:
        raise Invalid(f"weight must be between 1 and {MAX_WEIGHT}.", "weight")
    return value


MAX_CODE = 8


def term_dates(starts_on: date, ends_on: date) -> None:
    if ends_on < starts_on:
        raise Invalid("endsOn must not be before startsOn.", "endsOn")


def overlapping(starts_on: date, ends_on: date, other: TermDates) -> bool:
    """Terms include both their days, so sharing one day is an overlap."""
    return starts_on <= other.ends_on and other.starts_on <= ends_on


def code(value: str) -> str:
    cleaned = value.strip()
    if not cleaned or len(cleaned) > MAX_CODE or any(c.isspace() for c in cleaned):
        raise Invalid(f"code must be 1 to {MAX_CODE} characters, without spaces.", "code")
    return cleaned


def category(value: str) -> AttendanceCategory:
    """Categories are fixed (attendance rates count some of them as attending); a site
    chooses its own codes within them."""
    try:
        return AttendanceCategory(value.strip().upper())
    except ValueError:
        choices = ", ".join(AttendanceCategory)
        raise Invalid(f"category must be one of {choices}.", "category") from None
