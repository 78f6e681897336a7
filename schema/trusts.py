"""Multi-academy trusts: the `Trust` view of a trust organisation, schools granting it
access, and their course progress (seed 001)."""

from datetime import date, datetime
from typing import Annotated, Any, Self

import strawberry

from domain import models, validation
from permissions import policy
from permissions.policy import Ability
from resolvers import trust_analytics, trust_scope
from resolvers import trusts as trust_resolvers
from resolvers.catalogue import course_rows
from resolvers.pagination import Window
from schema import access, ids, trust_targets
from schema.connection import After, Before, Connection, First, Last, connection, filtered
from schema.enums import described
from schema.ids import ref
from schema.mutation import mutation
from schema.nodes import Course, Organisation, TrustGrant, TrustListing
from schema.permission import field
from schema.reports import ENROLMENT
from schema.trust_vocabulary import ProgressStatus, StaffGroupRef
from schema.workflow import Term

ProgressDimension = described(trust_analytics.Dimension, {
    trust_analytics.Dimension.SCHOOL: "Per granting school (`school`).",
    trust_analytics.Dimension.COURSE: "Per course (`course`).",
    trust_analytics.Dimension.STAFF_GROUP: "Per staff group reaching the person (`staffGroup`): someone in two "
    "groups counts in each.",
    trust_analytics.Dimension.MONTH_COMPLETED: "Per month of completion in the school's time zone "
    "(`monthCompleted`); null for enrolments not completed.",
    trust_analytics.Dimension.TERM_COMPLETED: "Per school term holding the school-local day of completion "
    "(`termCompleted`); null for enrolments not completed or completed outside any term.",
    trust_analytics.Dimension.STATUS: "Per status (`status`).",
}, name="ProgressDimension", description="What a progress summary is grouped by, and the row field each fills.")


# A status by its value: calling the enum costs more than the rest of the row.
_STATUS = {status.value: status for status in ProgressStatus}


@strawberry.type(description="One course enrolment of a granting school, as its trust sees it.")
class SchoolEnrolment:
    person_name: str = strawberry.field(description="Whose enrolment it is.")
    person_email: str = strawberry.field(description="Their email address.")
    course: Course = field(Ability.VIEW_CATALOGUE, description="The course.")
    status: ProgressStatus = strawberry.field(description="Completed, overdue, in progress or not started.")
    progress_percent: int = strawberry.field(description=ENROLMENT["progress_percent"])
    seconds_spent: int = strawberry.field(description=ENROLMENT["seconds_spent"])
    started_at: datetime = strawberry.field(description=ENROLMENT["started_at"])
    completed_at: datetime | None = strawberry.field(description=ENROLMENT["completed_at"])

    @classmethod
    def from_row(cls, row: trust_resolvers.SchoolEnrolmentRow, course: Course) -> Self:
        """From the page's own join: no further lookups per enrolment."""
        return cls(
            person_name=row.display_name, person_email=row.email, course=course,
            status=_STATUS[row.status], progress_percent=row.progress_percent, seconds_spent=row.seconds_spent,
            started_at=row.started_at, completed_at=row.completed_at,
        )


@strawberry.input(description="Narrows a school's course progress. Every condition given must hold.")
class SchoolProgressFilter:
    course_id: strawberry.ID | None = strawberry.field(default=None, description="One course of the catalogue.")
    staff_group_id: strawberry.ID | None = strawberry.field(default=None, description="Members of one of the "
                                                            "school's staff groups.")
    status: ProgressStatus | None = strawberry.field(default=None, description="Enrolments in this state.")
    started_since: datetime | None = strawberry.field(default=None, description="Started at or after.")
    started_until: datetime | None = strawberry.field(default=None, description="Started before.")
    completed_since: datetime | None = strawberry.field(default=None, description="Completed at or after.")
    completed_until: datetime | None = strawberry.field(default=None, description="Completed before.")
    started_from: date | None = strawberry.field(default=None, description="Started on this school-local day or "
                                                 "later.")
    started_to: date | None = strawberry.field(default=None, description="Started on this school-local day or "
                                               "earlier.")
    completed_from: date | None = strawberry.field(default=None, description="Completed on this school-local day "
                                                   "or later.")
    completed_to: date | None = strawberry.field(default=None, description="Completed on this school-local day or "
                                                 "earlier.")
    search: str | None = strawberry.field(default=None, description="Part of a person's name or a course title.")

    def to_filter(self) -> trust_scope.ProgressFilter:
        validation.period(self.started_since, self.started_until, "filter.startedSince", "filter.startedUntil")
        validation.period(self.completed_since, self.completed_until, "filter.completedSince", "filter.completedUntil")
        validation.days(self.started_from, self.started_to, "filter.startedFrom", "filter.startedTo")
        validation.days(self.completed_from, self.completed_to, "filter.completedFrom", "filter.completedTo")
        return trust_scope.ProgressFilter(
            course_id=ids.decode(self.course_id, "Course", "filter.courseId") if self.course_id else None,
            staff_group_id=(
                ids.decode(self.staff_group_id, "StaffGroup", "filter.staffGroupId") if self.staff_group_id else None
            ),
            status=self.status,
            started_since=self.started_since, started_until=self.started_until,
            completed_since=self.completed_since, completed_until=self.completed_until,
            started_from=self.started_from, started_to=self.started_to,
            completed_from=self.completed_from, completed_to=self.completed_to,
            search=self.search,
        )


TrustSight = described(policy.TrustSight, {
    policy.TrustSight.SEES: "The caller sees the progress of the schools that granted the trust.",
    policy.TrustSight.NO_SCHOOL_GRANTED: "The caller may see progress, but no school has granted the trust access "
    "yet.",
    policy.TrustSight.NEEDS_ADMINISTRATOR: "Seeing progress needs Administrator rights in the trust.",
    policy.TrustSight.NEEDS_ACADEMIES: "Only a trust designated 'Academies' sees its schools' progress.",
}, name="TrustSight", description="Whether the caller sees a trust's school progress, and if not, why.")


@strawberry.type(description="An Administrator of a trust, whom its Members ask for access.")
class TrustContact:
    name: str = strawberry.field(description="Their name.")
    email: str = strawberry.field(description="Their email address.")


@strawberry.type(description="What the caller sees of a trust's school progress, in words they can act on.")
class TrustProgressAccess:
    sight: TrustSight = strawberry.field(description="Whether they see it, and if not, why.")
    message: str = strawberry.field(description="The same, as a sentence for a person.")
    administrators: list[TrustContact] = field(Ability.VIEW_ORGANISATION, description="The trust's Administrators, "
                                               "by name.")


@strawberry.type(description="A trust: an organisation of kind TRUST. Only a trust designated 'Academies' "
                 "sees progress, only its Administrators see it, and only of schools that granted it.")
class Trust:
    organisation: Organisation = field(Ability.VIEW_ORGANISATION, description="The trust itself.")

    @strawberry.field(description="True when the designation lets the trust see school progress.")
    def is_academies(self) -> bool:
        return self.organisation.designation == models.ACADEMIES

    @field(Ability.VIEW_ORGANISATION, description="Whether the caller sees the schools' progress, and if not, why "
           "and whom to ask. The progress fields of a caller who does not are empty.")
    async def progress_access(self, info: strawberry.Info) -> TrustProgressAccess | None:
        sight, message, people = await trust_resolvers.sight(info.context, self.organisation.id)
        return TrustProgressAccess(sight=TrustSight(sight), message=message,
                                   administrators=[TrustContact(name=p.display_name, email=p.email) for p in people])

    @field(Ability.VIEW_TRUST_PROGRESS, description="Schools that granted this trust access; empty unless the "
           "caller may see their progress.")
    async def granting_schools(self, info: strawberry.Info) -> list[Organisation]:
        school_ids = policy.granting_schools(info.context.principal, self.organisation.id)
        found = await access.nodes(info, Organisation, school_ids)
        return sorted((o for o in found if o), key=lambda o: (o.name, o.id))

    @field(Ability.VIEW_TRUST_PROGRESS, description="Every course enrolment of one granting school, with its "
           "progress, by the person's name.")
    async def school_progress(
        self,
        info: strawberry.Info,
        school_id: Annotated[strawberry.ID, strawberry.argument(description="A school that granted this trust "
                                                                "access; any other is NOT_FOUND.")],
        filter: filtered(SchoolProgressFilter) = None,
        first: First = None, after: After = None, last: Last = None, before: Before = None,
    ) -> Connection[SchoolEnrolment] | None:
        page = await trust_resolvers.school_progress(
            info.context,
            trust_id=self.organisation.id,
            school_id=ids.decode(school_id, "Organisation", "schoolId"),
            where=filter.to_filter() if filter else trust_scope.ProgressFilter(),
            window=Window(first, after, last, before),
        )
        # One node per course of the page, not per enrolment: the executor completes
        # each once (schema/execution.py).
        rows = course_rows(page.items)
        courses = dict(zip(rows, await access.rows(info, Course, list(rows.values())), strict=True))
        return connection(page, lambda row: SchoolEnrolment.from_row(row, courses[row.course_id]))

    @field(Ability.VIEW_TRUST_PROGRESS, description="Course enrolments of the granting schools' staff (seed 001's "
           "list: every course a staff member started, target or not) with their progress, aggregated over the "
           "granting schools (or the chosen ones), grouped by the dimensions asked for, in a single SQL statement. "
           "For what schools set their staff, with due dates, see targetSummary.")
    async def progress_summary(
        self,
        info: strawberry.Info,
        group_by: Annotated[list[ProgressDimension], strawberry.argument(
            description="The dimensions, each at most once; none for a single row over everything."
        )],
        school_ids: Annotated[list[strawberry.ID] | None, strawberry.argument(
            description="Only these granting schools; left out, all of them. Any other school is NOT_FOUND."
        )] = None,
        filter: filtered(SchoolProgressFilter) = None,
    ) -> list["ProgressSummaryRow"] | None:
        rows = await trust_analytics.summary(
            info.context,
            trust_id=self.organisation.id,
            school_ids=[ids.decode(s, "Organisation", "schoolIds") for s in school_ids] if school_ids else None,
            where=filter.to_filter() if filter else trust_scope.ProgressFilter(),
            dimensions=group_by,
            granted=policy.granting_schools(info.context.principal, self.organisation.id),
        )
        return await summary_rows(info, rows)


    @field(Ability.VIEW_TRUST_PROGRESS, description="Learning targets (what the granting schools set their staff, "
           "with effective due dates) counted as the schools' own group reports count them, grouped by the "
           "dimensions asked for, in a single SQL statement. Grouped or filtered by staff group, each (school, group) "
           "equals that group's report; otherwise each target is judged on the person's learning path.")
    async def target_summary(
        self, info: strawberry.Info, group_by: trust_targets.GROUP_BY, school_ids: trust_targets.SCHOOL_IDS = None,
        filter: filtered(trust_targets.TargetFilter) = None,
    ) -> list[trust_targets.TargetSummaryRow] | None:
        return await trust_targets.target_summary(info, self.organisation.id, group_by, school_ids, filter)

    @field(Ability.VIEW_TRUST_PROGRESS, description="Every learning target of the granting schools' staff, person by "
           "person, by name: who is overdue across the trust is `filter: {status: OVERDUE}`. One SQL statement per "
           "page; the same list as CSV at /reports/trusts/{id}/targets.csv.")
    async def targets(
        self, info: strawberry.Info, school_ids: trust_targets.SCHOOL_IDS = None,
        filter: filtered(trust_targets.TargetFilter) = None,
        first: First = None, after: After = None, last: Last = None, before: Before = None,
    ) -> Connection[trust_targets.TrustTarget] | None:
        return await trust_targets.target_page(info, self.organisation.id, school_ids, filter,
                                               Window(first, after, last, before))


@strawberry.type(description="One row of an ad hoc progress query: the dimensions grouped by (null where "
                 "not grouped by) and the measures.")
class ProgressSummaryRow:
    month_completed: str | None = strawberry.field(description="YYYY-MM in the school's time zone, for "
                                                   "MONTH_COMPLETED.")
    status: ProgressStatus | None = strawberry.field(description="For STATUS.")
    enrolments: int = strawberry.field(description="How many enrolments the row holds.")
    completed: int = strawberry.field(description="Of those, completed.")
    in_progress: int = strawberry.field(description="Of those, above 0% and not completed.")
    not_started: int = strawberry.field(description="Of those, at 0% and not completed.")
    overdue: int = strawberry.field(description="Not completed, and past its effective due date on a target list "
                                    "that reaches the person, by the school's local date.")
    completion_rate: float = strawberry.field(description="completed / enrolments, from 0 to 1.")
    mean_seconds_spent: float | None = strawberry.field(description="The mean time recorded per enrolment, in "
                                                        "seconds.")
    median_seconds_spent: float | None = strawberry.field(description="The median time recorded per enrolment, in "
                                                          "seconds.")
    school: Organisation | None = field(Ability.VIEW_ORGANISATION, description="For SCHOOL.")
    course: Course | None = field(Ability.VIEW_CATALOGUE, description="For COURSE.")
    staff_group: StaffGroupRef | None = strawberry.field(description="For STAFF_GROUP.")
    term_completed: Term | None = field(Ability.VIEW_ORGANISATION, description="For TERM_COMPLETED: the school's "
                                        "term.")


async def summary_rows(info: strawberry.Info, rows: list[trust_analytics.SummaryRow]) -> list[ProgressSummaryRow]:
    """The rows with their schools, courses and groups, fetched in one batch each rather
    than awaited row by row."""
    schools = await access.nodes_by_id(info, Organisation, (r.school_id for r in rows))
    courses = await access.nodes_by_id(info, Course, (r.course_id for r in rows))
    groups = await info.context.loaders.rows(models.StaffGroup, (r.staff_group_id for r in rows))
    terms = await access.nodes_by_id(info, Term, (r.term_id for r in rows))
    return [
        ProgressSummaryRow(
            month_completed=r.month_completed, status=ProgressStatus(r.status) if r.status else None,
            enrolments=r.enrolments, completed=r.completed, in_progress=r.in_progress, not_started=r.not_started,
            overdue=r.overdue, completion_rate=r.completion_rate, mean_seconds_spent=r.mean_seconds,
            median_seconds_spent=r.median_seconds,
            school=schools.get(r.school_id) if r.school_id is not None else None,
            course=courses.get(r.course_id) if r.course_id is not None else None,
            staff_group=StaffGroupRef(id=ids.global_id("StaffGroup", r.staff_group_id),
                                      name=groups[r.staff_group_id].name) if r.staff_group_id is not None else None,
            term_completed=terms.get(r.term_id) if r.term_id is not None else None,
        )
        for r in rows
    ]


@strawberry.input(description="Choose the school's Multi Academy Trust; it replaces any earlier choice.")
class GrantTrustAccessInput:
    school_id: strawberry.ID = ref("Organisation", acted_on=True, description="The school.")
    trust_id: strawberry.ID = ref("Organisation", description="The trust, from trustDirectory.")


@strawberry.input(description="The school whose trust loses access.")
class WithdrawTrustAccessInput:
    school_id: strawberry.ID = ref("Organisation", description="The school.")


@strawberry.type(description="The school and the trust it now grants, if any.")
class TrustGrantPayload:
    school: Organisation = strawberry.field(description="The school.")
    trust_grant: TrustGrant | None = field(Ability.GRANT_TRUST, description="Null once withdrawn.")

    @classmethod
    async def of(cls, info: strawberry.Info, result: Any) -> Self:
        """From a grant made, or from the school whose grant was withdrawn."""
        if isinstance(result, models.TrustGrant):
            school = await access.node(info, Organisation, result.school_id)
            trust = await info.context.loaders.by_id(models.Organisation).load(result.trust_id)
            grant = TrustGrant(trust=TrustListing.from_row(trust), granted_at=result.granted_at)
            return cls(school=school, trust_grant=access.about(grant, access.subject_of(school)))
        return cls(school=await access.shown(info, Organisation, result), trust_grant=None)


@strawberry.type
class TrustMutations:
    grant_trust_access = mutation(
        "grantTrustAccess", GrantTrustAccessInput, TrustGrantPayload, ability=Ability.GRANT_TRUST,
        target=Organisation, use=trust_resolvers.grant,
        description="Grant a trust access to the school's course progress. The school's Administrators only.",
    )
    withdraw_trust_access = mutation(
        "withdrawTrustAccess", WithdrawTrustAccessInput, TrustGrantPayload, ability=Ability.GRANT_TRUST,
        target=Organisation, use=trust_resolvers.withdraw,
        description="Withdraw the trust's access; it ends on the trust's next request. The school's "
        "Administrators only.",
    )
