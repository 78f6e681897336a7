"""A school's staff roster, as a spreadsheet exports it: what a CSV says, and what it would
change. Plain functions; resolvers/roster.py reads the school and applies the plan.

The file has a header row and these columns, in any order, named without regard to case,
spaces or hyphens (`Leaving date` is `leaving_date`):

- name: the person's name, used only when they are new to Trellis;
- email: who they are (matched without regard to case); once per file;
- seat: their subscription, ALL_ACCESS_PASS_PLUS (staff) or ALL_ACCESS_PASS;
- groups (optional column): the school's staff groups they are in, separated by `;`. When
  the column is there it is the whole list: they join the groups named and leave the others
  (blank: no group). Every group must exist already; All Staff follows the seats and is
  never named. Only an ALL_ACCESS_PASS_PLUS seat makes someone staff, so only they have groups;
- job_title (optional column): their job in the school, up to 200 characters, which
  rule-based groups can test (domain/group_rules.py); a blank cell clears it;
- leaving_date (optional column): an ISO date, YYYY-MM-DD. On and after it (the school's
  local day) the person is a leaver: their seat is ended (deactivated; their progress, groups
  and membership are kept) and nothing else about them changes; a leaver who holds no seat
  changes nothing. Before it they are staff like anyone else, and the date is kept on their
  seat: the scheduler ends the seat when the day comes. When the column is there a blank
  cell clears a kept date; someone whose seat comes back loses a date already past.

People of the school who are not in the file are left as they are. A plan made again
from the same file after it was applied is empty.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from domain import validation
from domain.errors import Invalid
from domain.models import ALL_STAFF_NAME, MembershipRole, SubscriptionKind

COLUMNS = ("name", "email", "seat", "groups", "job_title", "leaving_date")
REQUIRED = ("name", "email", "seat")
FIELD = "csv"  # the input field every error names


@dataclass(frozen=True)
class RosterRow:
    row: int  # the spreadsheet's row number: the header is row 1
    name: str
    email: str
    seat: SubscriptionKind
    groups: tuple[str, ...] | None  # None when the file has no groups column
    leaving_on: date | None
    leaving_column: bool = False  # the file has a leaving_date column: a blank cell means none
    job_title: str | None = None  # None with no job_title column; "" for a blank cell


class ChangeKind(StrEnum):
    PERSON_ADDED = "PERSON_ADDED"  # new to Trellis
    MEMBER_ADDED = "MEMBER_ADDED"  # joins the school as a Member
    SEAT_ADDED = "SEAT_ADDED"
    SEAT_CHANGED = "SEAT_CHANGED"  # another subscription
    SEAT_REACTIVATED = "SEAT_REACTIVATED"
    SEAT_ENDED = "SEAT_ENDED"  # a leaver's seat, deactivated
    LEAVING_SET = "LEAVING_SET"  # a leaving date to come, kept on the seat
    LEAVING_CLEARED = "LEAVING_CLEARED"
    GROUP_JOINED = "GROUP_JOINED"
    GROUP_LEFT = "GROUP_LEFT"
    JOB_TITLE_SET = "JOB_TITLE_SET"  # detail: the new title, empty when cleared


@dataclass(frozen=True)
class Change:
    row: int
    email: str
    kind: ChangeKind
    detail: str  # the seat kind, `OLD -> NEW`, the group's name, or the leaving date

    def __str__(self) -> str:
        words = self.kind.replace("_", " ").lower()
        return f"row {self.row}: {self.email}: {words}" + (f" ({self.detail})" if self.detail else "")


@dataclass(frozen=True)
class Held:
    """What the school holds of one person now."""

    person_id: int | None = None  # None: not in Trellis
    role: str | None = None  # their standing in the school; None: not a member
    seat: SubscriptionKind | None = None  # None: no seat on the school's licence
    seat_active: bool = False
    groups: frozenset[str] = frozenset()  # their staff groups (not All Staff)
    leaves_on: date | None = None  # the leaving date kept on their seat
    job_title: str | None = None  # the job title kept on their seat


def _error(row: int, column: str, message: str) -> Invalid:
    return Invalid(f"Row {row}, column {column}: {message}", FIELD)


def _column(header: str) -> str:
    return "_".join(header.strip().lower().replace("-", " ").split())


def parse(text: str) -> list[RosterRow]:
    """The rows of a roster CSV (UTF-8, a byte-order mark allowed). Any fault is VALIDATION
    naming its row and column, and nothing of the file is used."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        lines = list(reader)
    except csv.Error as error:
        raise Invalid(f"The CSV cannot be read: {error}.", FIELD) from None
    header = [_column(h) for h in lines[0]] if lines else []
    if not any(header):
        raise Invalid("The CSV is empty: its first row must name the columns " + ", ".join(COLUMNS) + ".", FIELD)
    for position, column in enumerate(header):
        if column not in COLUMNS:
            raise _error(1, column or f"number {position + 1}", "Trellis knows no such column; the columns are "
                         + ", ".join(COLUMNS) + ".")
        if header.index(column) != position:
            raise _error(1, column, "it is named twice.")
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise _error(1, missing[0], "the column is missing; name, email and seat are required.")
    rows: list[RosterRow] = []
    seen: dict[str, int] = {}
    for number, cells in enumerate(lines[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            raise _error(number, f"number {len(header) + 1}", "the row has more cells than the header has columns.")
        values = dict(zip(header, [c.strip() for c in cells], strict=False))
        rows.append(_row(number, values, "groups" in header, "leaving_date" in header, "job_title" in header))
        email = rows[-1].email
        if email in seen:
            raise _error(number, "email", f"{email} is on row {seen[email]} already.")
        seen[email] = number
    return rows


def _row(number: int, values: dict[str, str], has_groups: bool, has_leaving: bool, has_title: bool) -> RosterRow:
    try:
        email = validation.email(values.get("email", ""))
    except Invalid:
        raise _error(number, "email", f"'{values.get('email', '')}' is not an email address.") from None
    try:
        name = validation.name(values.get("name", ""), "name")
    except Invalid as error:
        raise _error(number, "name", error.message) from None
    seat_text = values.get("seat", "").upper()
    try:
        seat = SubscriptionKind(seat_text)
    except ValueError:
        kinds = " or ".join(SubscriptionKind)
        raise _error(number, "seat", f"'{values.get('seat', '')}' is not a seat; use {kinds}.") from None
    groups = None
    if has_groups:
        groups = tuple(dict.fromkeys(g.strip() for g in values.get("groups", "").split(";") if g.strip()))
    leaving_on = None
    if values.get("leaving_date"):
        try:
            leaving_on = date.fromisoformat(values["leaving_date"])
        except ValueError:
            given = values["leaving_date"]
            raise _error(number, "leaving_date", f"'{given}' is not a date such as 2026-07-22.") from None
    job_title = None
    if has_title:
        job_title = " ".join(values.get("job_title", "").split())
        if len(job_title) > 200:
            raise _error(number, "job_title", "a job title is at most 200 characters.")
    return RosterRow(number, name, email, seat, groups, leaving_on, has_leaving, job_title)


def plan(
    rows: list[RosterRow], held: dict[str, Held], group_names: set[str], today: date, school: str,
    rule_groups: frozenset[str] = frozenset(),
) -> list[Change]:
    """What applying `rows` would change, row by row, in the order it is applied. `held`
    is what the school holds of each email of the file (missing: not in Trellis),
    `group_names` its hand-picked staff groups (`rule_groups` those that keep themselves,
    which a file cannot name), `today` its local day. A row that cannot be applied
    (an unknown group, a learner given a seat) is VALIDATION naming it."""
    changes: list[Change] = []
    for row in rows:
        now = held.get(row.email, Held())

        def change(kind: ChangeKind, detail: str = "", row: RosterRow = row) -> None:
            changes.append(Change(row.row, row.email, kind, detail))

        if now.role is not None and now.role not in (MembershipRole.ADMINISTRATOR, MembershipRole.MEMBER):
            raise _error(row.row, "email", f"{row.email} is a {now.role.title()} of {school}; only staff hold seats.")
        if row.leaving_on is not None and row.leaving_on <= today:
            if now.seat is not None and now.seat_active:
                change(ChangeKind.SEAT_ENDED, f"left on {row.leaving_on.isoformat()}")
            continue
        if row.groups is not None:
            for name in row.groups:
                if name.casefold() == ALL_STAFF_NAME.casefold():
                    raise _error(row.row, "groups", f"{ALL_STAFF_NAME} follows the seats; leave it out.")
                if name in rule_groups:
                    raise _error(row.row, "groups", f"'{name}' keeps itself by its rule; leave it out.")
                if name not in group_names:
                    raise _error(row.row, "groups", f"{school} has no staff group '{name}'; create it first.")
            if row.groups and row.seat != SubscriptionKind.ALL_ACCESS_PASS_PLUS:
                raise _error(row.row, "groups", "only staff, with an ALL_ACCESS_PASS_PLUS seat, are in groups.")
        if now.person_id is None:
            change(ChangeKind.PERSON_ADDED, row.name)
        if now.role is None:
            change(ChangeKind.MEMBER_ADDED)
        if now.seat is None:
            change(ChangeKind.SEAT_ADDED, row.seat)
        else:
            if not now.seat_active:
                change(ChangeKind.SEAT_REACTIVATED)
            if now.seat != row.seat:
                change(ChangeKind.SEAT_CHANGED, f"{now.seat} -> {row.seat}")
        reactivated_after_leaving = not now.seat_active and now.leaves_on is not None and now.leaves_on <= today
        leaves_on = row.leaving_on if row.leaving_column else (None if reactivated_after_leaving else now.leaves_on)
        if leaves_on is not None and leaves_on != now.leaves_on:
            change(ChangeKind.LEAVING_SET, leaves_on.isoformat())
        elif leaves_on is None and now.leaves_on is not None:
            change(ChangeKind.LEAVING_CLEARED, now.leaves_on.isoformat())
        if row.job_title is not None and row.job_title != (now.job_title or ""):
            change(ChangeKind.JOB_TITLE_SET, row.job_title)
        if row.groups is not None:
            for name in row.groups:
                if name not in now.groups:
                    change(ChangeKind.GROUP_JOINED, name)
            for name in sorted(now.groups - set(row.groups)):
                change(ChangeKind.GROUP_LEFT, name)
    return changes
