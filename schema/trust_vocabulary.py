"""What a trust's answers share: the status of an enrolment or a target, and a staff
group named for the trust's analysts."""

import strawberry

from resolvers import trust_scope
from schema.enums import described

ProgressStatus = described(trust_scope.ProgressStatus, {
    trust_scope.ProgressStatus.NOT_STARTED: "Not completed, not overdue, and for an enrolment at 0% (for a "
    "target: not enrolled).",
    trust_scope.ProgressStatus.IN_PROGRESS: "Not completed, not overdue, and for an enrolment above 0% (for a "
    "target: enrolled).",
    trust_scope.ProgressStatus.OVERDUE: "Not completed, and past its effective due date by the school's local "
    "date: the date on the person's learning path, or on the group's own lists where a staff group is asked about.",
    trust_scope.ProgressStatus.COMPLETED: "Completed.",
}, description="Where an enrolment or a learning target stands, as its trust sees it: completed, else overdue, "
    "else how far along.")


@strawberry.type(description="A staff group of a granting school, named for a trust's analysts.")
class StaffGroupRef:
    id: strawberry.ID = strawberry.field(description="The StaffGroup's global id.")
    name: str = strawberry.field(description="The group's name.")
