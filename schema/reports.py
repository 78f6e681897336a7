"""Completion reports: per course, per person (the seed's 'Previous Reporting') and per
staff group (the seed's pie chart)."""

from datetime import date, datetime
from typing import Annotated, Any, Self

import strawberry

from domain import models, validation
from permissions.policy import Ability
from resolvers import reports as report_resolvers
from resolvers.loaders import COMPLETIONS_SHOWN
from resolvers.pagination import Window
from schema import access
from schema.connection import After, Before, Connection, First, Last, connection
from schema.enums import described
from schema.nodes import OfCourse, Person
from schema.permission import field

EnrolmentStatus = described(report_resolvers.EnrolmentStatus, {
    report_resolvers.EnrolmentStatus.IN_PROGRESS: "Started, not completed.",
    report_resolvers.EnrolmentStatus.COMPLETED: "Completed.",
}, description="Where a person stands in a course they have started.")
StaffState = described(report_resolvers.StaffState, {
    report_resolvers.StaffState.ON_TRACK: "No target course overdue.",
    report_resolvers.StaffState.OVERDUE: "At least one target course not completed past its effective due date.",
}, description="A group member's standing in their targets.")
TargetListRef = Annotated["TargetList", strawberry.lazy("schema.groups")]

# An enrolment's facts, as a school's reports and its trust both show them.
ENROLMENT = {
    "started_at": "When its first progress was recorded.",
    "progress_percent": "0 to 100; it never goes down, and is 100 once completed.",
    "seconds_spent": "Time recorded in the course, in seconds.",
    "completed_at": "When it was first completed, kept once set; null until then.",
    "last_completed_at": "When it was last completed: for a course that renews, the completion that counts.",
}


@strawberry.type(description="A person's progress in one course.")
class CourseEnrolment(OfCourse):
    started_at: datetime = strawberry.field(description=ENROLMENT["started_at"])
    progress_percent: int = strawberry.field(description=ENROLMENT["progress_percent"])
    seconds_spent: int = strawberry.field(description=ENROLMENT["seconds_spent"])
    completed_at: datetime | None = strawberry.field(description=ENROLMENT["completed_at"])
    last_completed_at: datetime | None = strawberry.field(description=ENROLMENT["last_completed_at"])
    person_id: strawberry.Private[int]
    enrolment_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: models.Enrolment) -> Self:
        return cls(
            started_at=row.started_at, progress_percent=row.progress_percent, seconds_spent=row.seconds_spent,
            completed_at=row.completed_at, last_completed_at=row.last_completed_at, person_id=row.person_id,
            enrolment_id=row.id, course_id=row.course_id,
        )

    @strawberry.field(description=f"Every completion, the latest first (at most {COMPLETIONS_SHOWN}): the first, "
                      "each renewal, and any recorded late for an earlier cycle.")
    async def completions(self, info: strawberry.Info) -> list[datetime]:
        return await info.context.loaders.completions_of_enrolment.load(self.enrolment_id)

    @strawberry.field(description="Completed, or still in progress.")
    def status(self) -> EnrolmentStatus:
        return EnrolmentStatus.COMPLETED if self.completed_at else EnrolmentStatus.IN_PROGRESS

    @field(Ability.VIEW_PERSON, description="Whose progress it is.")
    async def person(self, info: strawberry.Info) -> Person | None:
        return await access.node(info, Person, self.person_id)


@strawberry.input(description="Narrows a completion report.")
class ReportFilter:
    status: EnrolmentStatus | None = strawberry.field(default=None, description="Only completed enrolments, or "
                                                      "only those in progress.")
    completed_since: datetime | None = strawberry.field(default=None, description="Completed at or after.")
    completed_until: datetime | None = strawberry.field(default=None, description="Completed before.")

    def to_filter(self) -> report_resolvers.ReportFilter:
        validation.period(self.completed_since, self.completed_until, "filter.completedSince", "filter.completedUntil")
        return report_resolvers.ReportFilter(self.status, self.completed_since, self.completed_until)


def enrolments(page: Any) -> Connection[CourseEnrolment]:
    return connection(page, lambda pair: CourseEnrolment.from_row(pair[0]))


@strawberry.type(description="Completion counts, each of (member, target course) pairs. Overdue is judged by "
                 "the effective due date and the school's local date.")
class StatusCounts:
    completed: int = strawberry.field(description="Completed.")
    in_progress: int = strawberry.field(description="Started, not completed.")
    not_started: int = strawberry.field(description="No progress recorded.")
    overdue: int = strawberry.field(description="Not completed and past the effective due date; also counted as in "
                                    "progress or not started.")
    total: int = strawberry.field(description="Every pair: completed, in progress and not started together.")
    percent_complete: float = strawberry.field(description="completed / total as a percentage, 0 to 100 to one "
                                               "decimal place; 0 with no pairs.")

    @classmethod
    def of(cls, counts: report_resolvers.Counts) -> Self:
        return cls(**counts.__dict__)

    @classmethod
    def empty(cls) -> Self:
        return cls(completed=0, in_progress=0, not_started=0, overdue=0, total=0, percent_complete=0.0)


@strawberry.type(description="Completion of one course of a target list.")
class CourseCounts(OfCourse):
    counts: StatusCounts = strawberry.field(description="Each member of the group once, with this course.")


@strawberry.type(description="Completion of one target list of the group, and of each of its courses.")
class TargetListReport:
    counts: StatusCounts = strawberry.field(description="Each member with each course of the list.")
    courses: list[CourseCounts] = field(Ability.VIEW_GROUP_REPORT, description="Its courses, in list order.")
    list_row: strawberry.Private[Any]

    @field(Ability.VIEW_GROUP, description="The target list.")
    async def target_list(self, info: strawberry.Info) -> TargetListRef | None:
        return await access.node(info, "TargetList", self.list_row.id)


@strawberry.type(description="One member's standing in the group's targets.")
class StaffProgress:
    person: Person = field(Ability.VIEW_PERSON, description="The member.")
    targets: int = strawberry.field(description="How many target courses the group sets them, each counted once.")
    completed: int = strawberry.field(description="Of those, how many they completed.")
    overdue: int = strawberry.field(description="Of those, how many are not completed and past their effective due "
                                    "date.")

    @strawberry.field(description="OVERDUE when any target is overdue.")
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
        self, info: strawberry.Info, first: First = None, after: After = None, last: Last = None, before: Before = None,
        state: Annotated[StaffState | None, strawberry.argument(description="Only members in this state.")] = None,
    ) -> Connection[StaffProgress]:
        page = await report_resolvers.staff_page(
            info.context, self.found, self.on, state=state,
            window=Window(first, after, last, before),
        )
        people = await access.rows(info, Person, [row[0] for row in page.items])
        return connection(
            page, lambda row: StaffProgress(person=people.pop(0), targets=row[1], completed=row[2], overdue=row[3]),
        )
