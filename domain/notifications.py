"""Email notifications (seed 000): what a day's digest says, and when a day is due.
Plain values in, plain values out; the SQL that applies them is in jobs/planning.py.

The rules
- Five kinds: targets assigned or updated, all targets removed, due soon (by default
  14 days before the effective due date), due today, overdue (by default the day after).
- One digest per person per school-local day, holding everything for that day; none
  when there is nothing to say; nothing about a course the person has completed.
- A reminder of a kind for a (person, course, due date) is sent once. 'Due soon' and
  'overdue' are windows, not single days, so a day the scheduler missed is caught up
  by the next digest (once); 'due today' belongs to its day alone.
- A school's day is planned once its local send hour has come. Before that hour, the
  day to plan is yesterday, so a day missed entirely is planned on the next run.
- Overdue summaries (issue 17): a full administrator or a group delegate who opts in gets,
  daily or on one weekday, their people's overdue targets (past the effective due date,
  as the reports count them) in that day's one digest: those not in their last summary
  first, then those still overdue since it. Never a second email that day: someone
  already sent the day's digest gets theirs on the next summary day.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from domain.errors import Invalid


class NotificationKind(StrEnum):
    ASSIGNED = "ASSIGNED"  # targets assigned to them, or updated
    REMOVED = "REMOVED"  # all their targets removed
    DUE_SOON = "DUE_SOON"
    DUE_TODAY = "DUE_TODAY"
    OVERDUE = "OVERDUE"
    # An overdue summary's lines: one of the recipient's people and one of their targets.
    NEWLY_OVERDUE = "NEWLY_OVERDUE"  # not in the recipient's last summary
    STILL_OVERDUE = "STILL_OVERDUE"  # in their last summary too


REMINDERS = (NotificationKind.DUE_SOON, NotificationKind.DUE_TODAY, NotificationKind.OVERDUE)
SUMMARY = (NotificationKind.NEWLY_OVERDUE, NotificationKind.STILL_OVERDUE)
# A summary lists this many lines of each kind, the latest dates first; the group reports
# hold the rest.
SUMMARY_LINES = 50


class SummaryFrequency(StrEnum):
    DAILY = "DAILY"
    WEEKLY = "WEEKLY"  # on its weekday


def check_weekday(value: int, field: str) -> int:
    """ISO weekdays: 1 is Monday, 7 is Sunday."""
    if not 1 <= value <= 7:
        raise Invalid(f"{field} must be 1 (Monday) to 7 (Sunday); got {value}.", field)
    return value


class DeliveryStatus(StrEnum):
    PENDING = "PENDING"  # planned, waiting for a worker
    SENDING = "SENDING"  # claimed by a worker
    SENT = "SENT"
    RETRYING = "RETRYING"  # the mail server failed; a retry is scheduled
    FAILED = "FAILED"  # retries exhausted; platform support may retry by hand


@dataclass(frozen=True)
class Rules:
    """A school's settings as the planner reads them."""

    due_soon_days: int = 14
    overdue_days: int = 1
    send_hour: int = 7
    enabled: frozenset[NotificationKind] = frozenset(NotificationKind)


MAX_DAYS = 365


def check_days(value: int, field: str) -> int:
    if not 0 <= value <= MAX_DAYS:
        raise Invalid(f"{field} must be between 0 and {MAX_DAYS} days; got {value}.", field)
    return value


def check_overdue_days(value: int, field: str) -> int:
    """Overdue starts at least the day after the due date: on the day it is 'due today'."""
    if not 1 <= value <= MAX_DAYS:
        raise Invalid(f"{field} must be between 1 and {MAX_DAYS} days; got {value}.", field)
    return value


def check_hour(value: int, field: str) -> int:
    if not 0 <= value <= 23:
        raise Invalid(f"{field} must be an hour from 0 to 23; got {value}.", field)
    return value


def reminder(effective_due_on: date | None, day: date, rules: Rules) -> NotificationKind | None:
    """The reminder a target with this effective due date is eligible for on `day`, if
    any and if the school has it on. Whether it was already sent is the planner's check."""
    if effective_due_on is None:
        return None
    if effective_due_on == day:
        kind = NotificationKind.DUE_TODAY
    elif day < effective_due_on <= day + timedelta(days=rules.due_soon_days):
        kind = NotificationKind.DUE_SOON
    elif effective_due_on + timedelta(days=rules.overdue_days) <= day:
        kind = NotificationKind.OVERDUE
    else:
        return None
    return kind if kind in rules.enabled else None


def day_to_plan(now: datetime, zone: str, send_hour: int) -> date:
    """The latest school-local day whose send hour has come."""
    local = now.astimezone(ZoneInfo(zone))
    return local.date() if local.hour >= send_hour else local.date() - timedelta(days=1)


SUBJECTS = {
    NotificationKind.ASSIGNED: "Your learning targets were updated",
    NotificationKind.REMOVED: "Your learning targets were removed",
    NotificationKind.DUE_SOON: "Learning targets due soon",
    NotificationKind.DUE_TODAY: "Learning targets due today",
    NotificationKind.OVERDUE: "Learning targets overdue",
    NotificationKind.NEWLY_OVERDUE: "Your people's overdue targets",
    NotificationKind.STILL_OVERDUE: "Your people's overdue targets",
}


def subject(kinds: set[NotificationKind], school: str) -> str:
    """The most pressing kind names the email."""
    for kind in (NotificationKind.OVERDUE, NotificationKind.DUE_TODAY, NotificationKind.DUE_SOON,
                 NotificationKind.ASSIGNED, NotificationKind.REMOVED, *SUMMARY):
        if kind in kinds:
            more = " and more" if len(kinds) > 1 else ""
            return f"{SUBJECTS[kind]}{more} — {school}"
    raise ValueError("a digest has at least one kind")
