"""Who and what a trust's figures are about, as SQL shared by every trust field and export.

- People: the staff of the granting schools, by the one rule of domain/staff.py. A learner
  or parent with progress in the catalogue is never counted, listed or exported.
- Targets: each course a staff member's groups set them, with its effective due date
  (domain/learning_paths_sql.py). Judged per person it is their learning path, the one
  they see and are reminded about; judged per group it is that group's report.
- Status: where an enrolment or a target stands on the school's own day, overdue first.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import CTE, ColumnElement, Date, Integer, Select, String, and_, case, func, literal, select

from domain.learning_paths_sql import effective_due_dates, extended_due, renewed
from domain.models import (
    Course, Enrolment, GroupKind, Licence, Organisation, Person, Seat, StaffGroup, StaffGroupMember, TargetList, TargetListItem, Term,
)
from domain.staff import staff_seat
from domain.local_time import local_today
from resolvers.search import searched


class ProgressStatus(StrEnum):
    """One status per enrolment or target: completed, else overdue, else how far along."""

    NOT_STARTED = "NOT_STARTED"
    IN_PROGRESS = "IN_PROGRESS"
    OVERDUE = "OVERDUE"
    COMPLETED = "COMPLETED"


@dataclass(frozen=True)
class ProgressFilter:
    """Conditions on staff enrolments; every one given must hold. The `*_from` and `*_to`
    days are school-local and both included; `*_since` and `*_until` are instants."""

    course_id: int | None = None
    staff_group_id: int | None = None
    status: ProgressStatus | None = None
    started_since: datetime | None = None
    started_until: datetime | None = None
    completed_since: datetime | None = None
    completed_until: datetime | None = None
    started_from: date | None = None
    started_to: date | None = None
    completed_from: date | None = None
    completed_to: date | None = None
    search: str | None = None


def staff_of(schools: Iterable[int]) -> CTE:
    """(seat_id, person_id, school_id, licence_id) for every staff member of the schools."""
    return (
        select(Seat.id.label("seat_id"), Seat.person_id, Licence.organisation_id.label("school_id"),
               Licence.id.label("licence_id"))
        .join(Licence, Licence.id == Seat.licence_id)
        .where(staff_seat(), Licence.organisation_id.in_(sorted(set(schools))))
        .cte("staff")
    )


def reach_of(staff: CTE) -> CTE:
    """(seat_id, person_id, school_id, licence_id, group_id): each group reaching each staff
    member, All Staff and the groups they were put in (as resolvers/staff.py's groups_of_person)."""
    all_staff = select(staff.c.seat_id, staff.c.person_id, staff.c.school_id, staff.c.licence_id,
                       StaffGroup.id.label("group_id")).join(
        StaffGroup, and_(StaffGroup.licence_id == staff.c.licence_id, StaffGroup.kind == GroupKind.ALL_STAFF)
    )
    picked = (
        select(staff.c.seat_id, staff.c.person_id, staff.c.school_id, staff.c.licence_id,
               StaffGroup.id.label("group_id"))
        .join(StaffGroupMember, StaffGroupMember.person_id == staff.c.person_id)
        .join(StaffGroup, and_(StaffGroup.id == StaffGroupMember.group_id, StaffGroup.licence_id == staff.c.licence_id))
    )
    return all_staff.union(picked).cte("reach")


def by_school(school: Any, values: dict[int, Any], kind: Any) -> ColumnElement[Any]:
    """`values` of the school in column `school`, null for any other: for no school at all
    (a trust none has granted yet) null throughout, as SQL's CASE needs a WHEN."""
    if not values:
        return literal(None, kind)
    return case(*((school == s, literal(v, kind)) for s, v in values.items()), else_=literal(None, kind))


def school_day(school: Any, days: dict[int, date]) -> ColumnElement[date]:
    """The school-local date in `days` of the school in column `school`."""
    return by_school(school, days, Date())


def term_holding(school: Any, day: Any) -> ColumnElement[int]:
    """The id of the school's term whose days hold `day` (null if none does)."""
    return (
        select(func.min(Term.id))
        .where(Term.organisation_id == school, Term.starts_on <= day, Term.ends_on >= day)
        .scalar_subquery()
    )


def school_midnight(school: Any, zones: dict[int, str], day: date) -> ColumnElement[datetime]:
    """The instant `day` begins in the time zone of the school in column `school`."""
    instants = {s: datetime.combine(day, time(), ZoneInfo(zone)) for s, zone in zones.items()}
    kind = Enrolment.started_at.type
    if len(set(instants.values())) == 1:
        return literal(next(iter(instants.values())), kind)
    return by_school(school, instants, kind)


def targets_of(staff: CTE, reach: CTE, days: dict[int, date], *, per_group: bool) -> CTE:
    """One row per target: seat_id, person_id, school_id, group_id (null unless
    `per_group`), course_id, effective_due and the person's enrolment in the course
    (enrolment_id, completed_at, progress_percent; null when not enrolled), on each
    school's day in `days`.

    Per person a course set by two groups is one target, due by the person's whole path;
    per group it is one target in each group, due by that group's lists alone; either way
    as the person's completion renews it (completed_at is null once it no longer holds)
    and their extensions move it."""
    item = select(TargetListItem.list_id, TargetListItem.course_id, TargetListItem.position, TargetListItem.due_on,
                  TargetListItem.renew_months)
    if per_group:
        items = item.add_columns(TargetList.group_id.label("scope")).join(
            TargetList, TargetList.id == TargetListItem.list_id
        ).where(TargetList.group_id.in_(select(reach.c.group_id)))
    else:
        items = item.add_columns(reach.c.seat_id.label("scope")).join(
            TargetList, TargetList.id == TargetListItem.list_id
        ).join(reach, reach.c.group_id == TargetList.group_id)
    effective = effective_due_dates(items.subquery("items"), "path")
    if per_group:
        who = select(reach.c.seat_id, reach.c.person_id, reach.c.school_id, reach.c.licence_id, reach.c.group_id,
                     effective.c.course_id, effective.c.effective_due, effective.c.renew_months).join(
            effective, effective.c.scope == reach.c.group_id)
    else:
        who = select(staff.c.seat_id, staff.c.person_id, staff.c.school_id, staff.c.licence_id,
                     literal(None, Integer).label("group_id"), effective.c.course_id, effective.c.effective_due,
                     effective.c.renew_months).join(effective, effective.c.scope == staff.c.seat_id)
    assigned = who.subquery("assigned")
    due, completed_at = renewed(assigned.c.effective_due, assigned.c.renew_months, Enrolment.completed_at,
                                Enrolment.last_completed_at, Organisation.time_zone,
                                school_day(assigned.c.school_id, days))
    return (
        select(assigned.c.seat_id, assigned.c.person_id, assigned.c.school_id, assigned.c.group_id,
               assigned.c.course_id,
               extended_due(due, assigned.c.licence_id, assigned.c.person_id, assigned.c.course_id)
               .label("effective_due"),
               Enrolment.id.label("enrolment_id"), completed_at.label("completed_at"), Enrolment.progress_percent)
        .join(Organisation, Organisation.id == assigned.c.school_id)
        .outerjoin(Enrolment, and_(Enrolment.person_id == assigned.c.person_id,
                                   Enrolment.course_id == assigned.c.course_id))
        .cte("targets")
    )


def target_status(target: Any, today: ColumnElement[date]) -> ColumnElement[str]:
    """A target's status as the school's group reports count it: completed; else overdue
    once its effective due date is before the school's today; else in progress when
    enrolled; else not started."""
    return case(
        (target.c.completed_at.is_not(None), ProgressStatus.COMPLETED.value),
        (target.c.effective_due < today, ProgressStatus.OVERDUE.value),
        (target.c.enrolment_id.is_not(None), ProgressStatus.IN_PROGRESS.value),
        else_=ProgressStatus.NOT_STARTED.value,
    )


@dataclass
class StaffEnrolments:
    """Enrolments of the schools' staff, each with the school it is seen from and, when
    the course is one of the person's targets, its effective due date."""

    staff: CTE
    reach: CTE
    targets: CTE
    zones: dict[int, str]  # school -> its time zone
    days: dict[int, date]  # school -> its today

    @property
    def school(self) -> Any:
        return self.staff.c.school_id

    @property
    def zone(self) -> ColumnElement[str]:
        """The time zone of the school each enrolment is seen from."""
        zones = set(self.zones.values())
        if len(zones) == 1:
            return literal(zones.pop(), String)
        return by_school(self.school, self.zones, String())

    @property
    def overdue(self) -> ColumnElement[bool]:
        """Not completed, and past the target's effective due date by the school's day."""
        return and_(Enrolment.completed_at.is_(None),
                    self.targets.c.effective_due < school_day(self.school, self.days))

    @property
    def status(self) -> ColumnElement[str]:
        return case(
            (Enrolment.completed_at.is_not(None), ProgressStatus.COMPLETED.value),
            (self.overdue, ProgressStatus.OVERDUE.value),
            (Enrolment.progress_percent > 0, ProgressStatus.IN_PROGRESS.value),
            else_=ProgressStatus.NOT_STARTED.value,
        )

    def join(self, stmt: Select) -> Select:
        """`stmt` (selecting from Enrolment) narrowed to the staff's enrolments."""
        return stmt.join(self.staff, self.staff.c.person_id == Enrolment.person_id).outerjoin(
            self.targets, and_(self.targets.c.seat_id == self.staff.c.seat_id,
                               self.targets.c.course_id == Enrolment.course_id)
        )


    def filtered(self, stmt: Select, where: ProgressFilter) -> Select:
        """The filter's conditions; a search needs Person and Course joined."""
        if where.course_id is not None:
            stmt = stmt.where(Enrolment.course_id == where.course_id)
        if where.staff_group_id is not None:
            in_group = select(self.reach.c.seat_id).where(self.reach.c.group_id == where.staff_group_id)
            stmt = stmt.where(self.staff.c.seat_id.in_(in_group))
        if where.status is not None:
            stmt = stmt.where(self.status == where.status.value)
        for column, since, until, first, last in (
            (Enrolment.started_at, where.started_since, where.started_until, where.started_from, where.started_to),
            (Enrolment.completed_at, where.completed_since, where.completed_until, where.completed_from,
             where.completed_to),
        ):
            if since is not None:
                stmt = stmt.where(column >= since)
            if until is not None:
                stmt = stmt.where(column < until)
            if first is not None:
                stmt = stmt.where(column >= school_midnight(self.school, self.zones, first))
            if last is not None:
                stmt = stmt.where(column < school_midnight(self.school, self.zones, last + timedelta(days=1)))
        return searched(stmt, where.search, Person.display_name, Course.title)


def staff_enrolments(zones: dict[int, str], days: dict[int, date] | None = None) -> StaffEnrolments:
    """`zones` maps each school asked about to its time zone; `days` to its today, if not
    now's."""
    staff = staff_of(zones)
    reach = reach_of(staff)
    days = days or {school: local_today(zone) for school, zone in zones.items()}
    return StaffEnrolments(staff, reach, targets_of(staff, reach, days, per_group=False), zones, days)
