"""Learning paths: one staff member's ordered to-do list, merged from every target
list of every group they are in (seed 000). Plain values in, plain values out.

The rules
- Effective due date: a course is due by the earliest date found on itself or on
  any course that must come after it, in any of the person's lists (a date on C
  makes A and B, above it, due by then too).
- Order: every list's order holds. Among the courses free to come next, the one with
  the earliest effective due date goes first, dated before undated; ties go to the
  course that stands higher in its lists (its smallest position), then the lower
  course id.
- Conflicting orders (list 1 says A before B, list 2 says B before A) cannot all
  hold. When every remaining course waits on another, the one picked is the best
  by the rule above among the courses that wait only on each other (a cycle that
  nothing outside holds back); only the orders inside that cycle give way.
- A course on several lists appears once and names every list it came from.
- Nothing depends on the order in which the lists arrive.
- Extensions (issue 17): an extension in force for the person moves a dated course's
  effective due date later, to the extension's date, never earlier; one for every
  target moves each dated course due before it. An undated course stays undated. The
  path is ordered by the dates as extended: the ones the person is held to.
- Renewal (issue 17): a course whose item carries a renewal period (the shortest, where
  several of the person's lists set one) is completed for that many months from the
  school-local date of its latest completion: it renews on that date plus the months,
  the month's last day where the month is shorter (29 February plus a year is 28
  February). That date is its effective due date from the completion on (as extensions
  move it), and the path is ordered by it; from the school's due-soon days before it,
  the course is due again: no longer completed. The date is the course's own: the
  courses above it keep theirs.
"""

import calendar
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum


@dataclass(frozen=True)
class ListItem:
    course_id: int
    due_on: date | None = None
    renew_months: int | None = None


@dataclass(frozen=True)
class TargetListIn:
    list_id: int
    items: Sequence[ListItem]


class Status(StrEnum):
    NOT_STARTED = "NOT_STARTED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"


class Urgency(StrEnum):
    DUE_SOON = "DUE_SOON"
    DUE_TODAY = "DUE_TODAY"
    OVERDUE = "OVERDUE"


@dataclass(frozen=True)
class Progress:
    started: bool = False
    completed_on: date | None = None  # the first completion
    last_completed_on: date | None = None  # the latest; the first's if not given


# Extensions in force for one person: course id -> its later date; None -> every target's.
Extensions = Mapping[int | None, date]
NONE: Extensions = {}
NONE_RENEWING: Mapping[int, date] = {}  # course id -> the date its completion renews


@dataclass(frozen=True)
class PathItem:
    course_id: int
    own_due_on: date | None
    effective_due_on: date | None  # as extended
    list_due_on: date | None  # as the lists alone make it
    list_ids: tuple[int, ...]
    status: Status
    completed_on: date | None
    urgency: Urgency | None
    renews_on: date | None = None  # when its latest completion stops holding, where it renews
    last_completed_on: date | None = None  # that completion, while the course is due again

    @property
    def unextended_due_on(self) -> date | None:
        """The date before extensions: the completion's renewal date where the course renews,
        else the lists'."""
        return self.renews_on or self.list_due_on


@dataclass
class _Course:
    own: list[date] = field(default_factory=list)
    renew: list[int] = field(default_factory=list)
    after: set[int] = field(default_factory=set)  # courses that must come after this one
    before: set[int] = field(default_factory=set)
    lists: set[int] = field(default_factory=set)
    position: int = 1 << 30


def effective_due_dates(items: Sequence[ListItem]) -> list[date | None]:
    """One list on its own: each course is due by the earliest date at or below it."""
    result: list[date | None] = []
    earliest: date | None = None
    for item in reversed(items):
        if item.due_on is not None and (earliest is None or item.due_on < earliest):
            earliest = item.due_on
        result.append(earliest)
    return result[::-1]


def _graph(lists: Iterable[TargetListIn]) -> dict[int, _Course]:
    courses: dict[int, _Course] = defaultdict(_Course)
    for target_list in lists:
        previous: int | None = None
        for position, item in enumerate(target_list.items):
            course = courses[item.course_id]
            course.lists.add(target_list.list_id)
            course.position = min(course.position, position)
            if item.due_on is not None:
                course.own.append(item.due_on)
            if item.renew_months is not None:
                course.renew.append(item.renew_months)
            if previous is not None and previous != item.course_id:
                courses[previous].after.add(item.course_id)
                course.before.add(previous)
            previous = item.course_id
    return dict(courses)


def _effective(courses: dict[int, _Course]) -> dict[int, date | None]:
    """Earliest own date over everything reachable below each course (cycles included)."""
    result: dict[int, date | None] = {}
    for start in courses:
        best: date | None = None
        seen, stack = {start}, [start]
        while stack:
            current = courses[stack.pop()]
            for own in current.own:
                if best is None or own < best:
                    best = own
            for nxt in current.after - seen:
                seen.add(nxt)
                stack.append(nxt)
        result[start] = best
    return result


def extended(effective: date | None, course_id: int, extensions: Extensions) -> date | None:
    """The effective due date once the person's extensions apply (the module's rule)."""
    if effective is None or not extensions:
        return effective
    later = [on for course, on in extensions.items() if course is None or course == course_id]
    return max([effective, *later])


def add_months(day: date, months: int) -> date:
    """`day` so many months on, on the month's last day where that month is shorter."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def renewal_months(lists: Iterable[TargetListIn]) -> dict[int, int]:
    """Course id -> the renewal period the lists give it (the shortest), for the courses
    that renew."""
    return {course_id: min(course.renew) for course_id, course in _graph(lists).items() if course.renew}


def _key(course_id: int, courses: dict[int, _Course], effective: dict[int, date | None]) -> tuple:
    due = effective[course_id]
    return (due is None, due or date.max, courses[course_id].position, course_id)


def _reaches(courses: dict[int, _Course], start: int, remaining: set[int]) -> set[int]:
    seen, stack = {start}, [start]
    while stack:
        for nxt in courses[stack.pop()].after & remaining:
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def _cycle_break(courses: dict[int, _Course], remaining: set[int], key) -> int:  # type: ignore[no-untyped-def]
    """The best course among those held back only by courses that they hold back in turn."""
    candidates = []
    for course_id in remaining:
        below = _reaches(courses, course_id, remaining)
        if all(blocker in below for blocker in courses[course_id].before & remaining):
            candidates.append(course_id)
    return min(candidates, key=key)


def _placed(
    courses: dict[int, _Course], extensions: Extensions, renewals: Mapping[int, date] = NONE_RENEWING,
) -> list[tuple[int, date | None, date | None, tuple[int, ...], date | None]]:
    by_lists = _effective(courses)
    effective = {c: extended(renewals.get(c, due), c, extensions) for c, due in by_lists.items()}

    def key(course_id: int) -> tuple:
        return _key(course_id, courses, effective)

    remaining = set(courses)
    waiting = {c: len(courses[c].before) for c in courses}
    result = []
    while remaining:
        ready = [c for c in remaining if waiting[c] == 0]
        chosen = min(ready, key=key) if ready else _cycle_break(courses, remaining, key)
        remaining.discard(chosen)
        for nxt in courses[chosen].after:
            waiting[nxt] -= 1
        own = min(courses[chosen].own) if courses[chosen].own else None
        result.append((chosen, own, effective[chosen], tuple(sorted(courses[chosen].lists)), by_lists[chosen]))
    return result


def order(
    lists: Iterable[TargetListIn], extensions: Extensions = NONE
) -> list[tuple[int, date | None, date | None, tuple[int, ...]]]:
    """(course id, own date, effective date as extended, source list ids) in path order."""
    return [placed[:4] for placed in _placed(_graph(lists), extensions)]


def urgency(effective_due_on: date | None, today: date, due_soon_days: int) -> Urgency | None:
    if effective_due_on is None:
        return None
    if today > effective_due_on:
        return Urgency.OVERDUE
    if today == effective_due_on:
        return Urgency.DUE_TODAY
    if effective_due_on - today <= timedelta(days=due_soon_days):
        return Urgency.DUE_SOON
    return None


def learning_path(
    lists: Iterable[TargetListIn],
    progress: dict[int, Progress],
    today: date,
    due_soon_days: int = 14,
    extensions: Extensions = NONE,
) -> list[PathItem]:
    """The path as it stands on `today` (a school-local date). Completed courses stay on
    it, marked completed, and are never due or overdue, until a renewal makes one due
    again."""
    courses = _graph(lists)
    renewals: dict[int, date] = {}  # course -> when its latest completion stops holding
    for course_id, course in courses.items():
        done = progress.get(course_id)
        last = done and (done.last_completed_on or done.completed_on)
        if course.renew and last is not None:  # judged on a past day too, as the reports' SQL does
            renewals[course_id] = add_months(last, min(course.renew))
    again = {c for c, on in renewals.items() if today >= on - timedelta(days=due_soon_days)}
    items = []
    for course_id, own, effective, list_ids, by_lists in _placed(courses, extensions, renewals):
        done = progress.get(course_id, Progress())
        last = done.last_completed_on or done.completed_on
        completed = done.completed_on is not None and done.completed_on <= today and course_id not in again
        status = Status.COMPLETED if completed else Status.IN_PROGRESS if done.started else Status.NOT_STARTED
        items.append(PathItem(
            course_id=course_id,
            own_due_on=own,
            effective_due_on=effective,
            list_due_on=by_lists,
            list_ids=list_ids,
            status=status,
            completed_on=(last if course_id in renewals else done.completed_on) if completed else None,
            urgency=None if completed else urgency(effective, today, due_soon_days),
            renews_on=renewals.get(course_id),
            last_completed_on=last if course_id in again else None,
        ))
    return items


def holds(item: PathItem, today: date) -> bool:
    """Whether the item's completion counts as done on `today`, as reports count it: a
    renewing course's until the day it renews, though the path shows it due again from
    the due-soon days before."""
    completed = item.status == Status.COMPLETED or item.last_completed_on is not None
    return completed and (item.renews_on is None or today < item.renews_on)
