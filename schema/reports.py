"""Completion reports: per course, per person (the seed's 'Previous Reporting') and per
staff group (the seed's pie chart)."""

from datetime import date, datetime
from typing import Annotated, Any, Self

import strawberry

from domain import models, validation
from permissions.policy import Ability
from resolvers import reports as report_resolvers
from schema import access
from schema.connection import Connection, connection, page_size
from schema.nodes import Course, Person
from schema.permission import field

EnrolmentStatus = strawberry.enum(report_resolvers.EnrolmentStatus)
StaffState = strawberry.enum(
    report_resolvers.StaffState, description="OVERDUE: at least one target course past its effective due date."
)
TargetListRef = Annotated["TargetList", strawberry.lazy("schema.groups")]


@strawberry.type(description="A person's progress in one course.")
class CourseEnrolment:
    started_at: datetime
    progress_percent: int
    seconds_spent: int = strawberry.field(description="Time recorded in the course.")
    completed_at: datetime | None
    person_id: strawberry.Private[int]
    course_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: models.Enrolment) -> Self:
        return cls(
            started_at=row.started_at, progress_percent=row.progress_percent, seconds_spent=row.seconds_spent,
            completed_at=row.completed_at, person_id=row.person_id, course_id=row.course_id,
        )

    @strawberry.field
    def status(self) -> EnrolmentStatus:
        return EnrolmentStatus.COMPLETED if self.completed_at else EnrolmentStatus.IN_PROGRESS

    @field(Ability.VIEW_PERSON, description="Whose progress it is.")
    async def person(self, info: strawberry.Info) -> Person | None:
        return await access.node(info, Person, self.person_id)

    @field(Ability.VIEW_CATALOGUE, description="The course.")
    async def course(self, info: strawberry.Info) -> Course | None:
        return await access.node(info, Course, self.course_id)


@strawberry.input(description="Narrows a completion report.")
class ReportFilter:
    status: EnrolmentStatus | None = None
    completed_since: datetime | None = strawberry.field(default=None, description="Completed at or after.")
    completed_until: datetime | None = strawberry.field(default=None, description="Completed before.")

    def to_filter(self) -> report_resolvers.ReportFilter:
        validation.period(self.completed_since, self.completed_until, "filter.completedSince", "filter.completedUntil")
        return report_resolvers.ReportFilter(self.status, self.completed_since, self.completed_until)


def enrolments(page: Any) -> Connection[CourseEnrolment]:
    return connection(page, lambda pair: CourseEnrolment.from_row(pair[0]))


@strawberry.type(description="Completion counts. Overdue counts courses not completed past their effective "
                 "due date, judged by the school's local date.")
class StatusCounts:
    completed: int
    in_progress: int
    not_started: int
    overdue: int
    total: int
    percent_complete: float

    @classmethod
    def of(cls, counts: report_resolvers.Counts) -> Self:
        return cls(**counts.__dict__)

    @classmethod
    def empty(cls) -> Self:
        return cls(completed=0, in_progress=0, not_started=0, overdue=0, total=0, percent_complete=0.0)


@strawberry.type
class CourseCounts:
    counts: StatusCounts
    course_id: strawberry.Private[int]

    @field(Ability.VIEW_CATALOGUE, description="The course.")
    async def course(self, info: strawberry.Info) -> Course | None:
        return await access.node(info, Course, self.course_id)


@strawberry.type(description="Completion of one target list of the group, and of each of its courses.")
class TargetListReport:
    counts: StatusCounts
    courses: list[CourseCounts] = field(Ability.VIEW_GROUP_REPORT, description="Its courses, in list order.")
    list_row: strawberry.Private[Any]

    @field(Ability.VIEW_GROUP, description="The target list.")
    async def target_list(self, info: strawberry.Info) -> TargetListRef | None:
        return await access.node(info, "TargetList", self.list_row.id)


@strawberry.type(description="One member's standing in the group's targets.")
class StaffProgress:
    person: Person = field(Ability.VIEW_PERSON, description="The member.")
    targets: int
    completed: int
    overdue: int

    @strawberry.field
    def state(self) -> StaffState:
        return StaffState.OVERDUE if self.overdue else StaffState.ON_TRACK


@strawberry.type(description="Completion within a staff group: the seed's pie chart, with its numbers.")
class GroupReport:
    on: date = strawberry.field(description="The school-local date overdue is judged on.")
    overall: StatusCounts = strawberry.field(description="Each member and target course once.")
    target_lists: list[TargetListReport] = field(Ability.VIEW_GROUP_REPORT, description="Each target list.")
    found: strawberry.Private[Any]

    @field(Ability.VIEW_GROUP_REPORT, description="Members, by name, with their targets; filter to OVERDUE or "
           "ON_TRACK.")
    async def staff(
        self, info: strawberry.Info, first: int | None = None, after: str | None = None, state: StaffState | None = None
    ) -> Connection[StaffProgress]:
        page = await report_resolvers.staff_page(
            info.context, self.found, self.on, state=state,
            first=page_size(info, first), after=after,
        )
        people = await access.rows(info, Person, [row[0] for row in page.items])
        return connection(
            page, lambda row: StaffProgress(person=people.pop(0), targets=row[1], completed=row[2], overdue=row[3]),
        )
