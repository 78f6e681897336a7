"""Learning targets across a trust (resolvers/trust_targets.py): the summary a trust's
analysts group as they like, and the trust-wide list of who stands where."""

from datetime import date, datetime
from typing import Annotated

import strawberry

from domain import models, validation
from permissions import policy
from permissions.policy import Ability
from resolvers import trust_targets
from resolvers.pagination import Page, Window
from schema import access, ids
from schema.connection import Connection, connected
from schema.enums import described
from schema.nodes import Course, Organisation
from schema.permission import field
from schema.trust_vocabulary import ProgressStatus, StaffGroupRef
from schema.workflow import Term

TargetDimension = described(trust_targets.TargetDimension, {
    trust_targets.TargetDimension.SCHOOL: "Per granting school (`school`).",
    trust_targets.TargetDimension.STAFF_GROUP: "Per staff group setting the target (`staffGroup`), each judged by "
    "its own lists: a (school, group) row equals that group's own report.",
    trust_targets.TargetDimension.COURSE: "Per course (`course`).",
    trust_targets.TargetDimension.STATUS: "Per status (`status`).",
    trust_targets.TargetDimension.DUE_MONTH: "Per month of the effective due date (`dueMonth`, YYYY-MM); null for "
    "undated targets.",
    trust_targets.TargetDimension.TERM: "Per school term holding the effective due date (`term`); null when no "
    "term holds it.",
}, name="TargetDimension", description="What a target summary is grouped by, and the row field each fills.")

SCHOOL_IDS = Annotated[list[strawberry.ID] | None, strawberry.argument(
    description="Only these granting schools; left out, all of them. Any other school is NOT_FOUND."
)]


@strawberry.input(description="Narrows a trust's learning targets. Every condition given must hold.")
class TargetFilter:
    course_id: strawberry.ID | None = strawberry.field(default=None, description="One course of the catalogue.")
    staff_group_id: strawberry.ID | None = strawberry.field(
        default=None, description="The targets one staff group sets, judged by its own lists (its report's figures).")
    staff_group_name: str | None = strawberry.field(
        default=None, description="The targets set by every granting school's staff group of this name (any case), "
        "such as 'Early Career Teachers'; judged by each group's own lists.")
    status: ProgressStatus | None = strawberry.field(default=None, description="Targets in this state.")
    due_from: date | None = strawberry.field(default=None, description="Effective due date on this day or later.")
    due_to: date | None = strawberry.field(default=None, description="Effective due date on this day or earlier.")
    search: str | None = strawberry.field(default=None, description="Part of a person's name or a course title.")

    def to_filter(self) -> trust_targets.TargetFilter:
        validation.days(self.due_from, self.due_to, "filter.dueFrom", "filter.dueTo")
        return trust_targets.TargetFilter(
            course_id=ids.decode(self.course_id, "Course", "filter.courseId") if self.course_id else None,
            staff_group_id=(
                ids.decode(self.staff_group_id, "StaffGroup", "filter.staffGroupId") if self.staff_group_id else None
            ),
            staff_group_name=self.staff_group_name, status=self.status, due_from=self.due_from, due_to=self.due_to,
            search=self.search,
        )


def _where(filter: TargetFilter | None) -> trust_targets.TargetFilter:
    return filter.to_filter() if filter else trust_targets.TargetFilter()


def _schools(school_ids: list[strawberry.ID] | None) -> list[int] | None:
    return [ids.decode(s, "Organisation", "schoolIds") for s in school_ids] if school_ids else None


@strawberry.type(description="One row of a target summary: the dimensions grouped by (null where not grouped "
                 "by) and the counts, as a school's group report counts them.")
class TargetSummaryRow:
    status: ProgressStatus | None = strawberry.field(description="For STATUS.")
    due_month: str | None = strawberry.field(description="YYYY-MM, for DUE_MONTH.")
    targets: int = strawberry.field(description="How many (person, course) targets the row holds.")
    completed: int = strawberry.field(description="Of those, completed.")
    in_progress: int = strawberry.field(description="Of those, enrolled and not completed.")
    not_started: int = strawberry.field(description="Of those, not enrolled.")
    overdue: int = strawberry.field(description="Of those, not completed and past the effective due date by the "
                                    "school's local date (whether enrolled or not).")
    percent_complete: float = strawberry.field(description="completed / targets x 100, to one decimal.")
    school: Organisation | None = field(Ability.VIEW_ORGANISATION, description="For SCHOOL.")
    course: Course | None = field(Ability.VIEW_CATALOGUE, description="For COURSE.")
    staff_group: StaffGroupRef | None = strawberry.field(description="For STAFF_GROUP.")
    term: Term | None = field(Ability.VIEW_ORGANISATION, description="For TERM: the school's term.")


@strawberry.type(description="One learning target of one staff member of a granting school.")
class TrustTarget:
    person_name: str = strawberry.field(description="Whose target it is.")
    person_email: str = strawberry.field(description="Their email address.")
    school: Organisation = field(Ability.VIEW_ORGANISATION, description="The school setting it.")
    staff_group: StaffGroupRef | None = strawberry.field(description="The group setting it, when the list is "
                                                         "filtered by staff group; otherwise null (the person's "
                                                         "whole path).")
    course: Course = field(Ability.VIEW_CATALOGUE, description="The course.")
    status: ProgressStatus = strawberry.field(description="Completed, overdue, in progress or not started.")
    due_on: date | None = strawberry.field(description="The effective due date (school-local); null if undated.")
    days_overdue: int | None = strawberry.field(description="Whole days past the due date, by the school's today; "
                                                "null unless OVERDUE.")
    progress_percent: int | None = strawberry.field(description="0-100; null when not enrolled.")
    completed_at: datetime | None = strawberry.field(description="When it was completed.")


async def target_summary(info: strawberry.Info, trust_id: int, group_by: list[trust_targets.TargetDimension],
                         school_ids: list[strawberry.ID] | None, filter: TargetFilter | None) -> list[TargetSummaryRow]:
    rows = await trust_targets.summary(
        info.context, trust_id=trust_id, school_ids=_schools(school_ids), where=_where(filter), dimensions=group_by,
        granted=policy.granting_schools(info.context.principal, trust_id),
    )
    schools = await access.nodes_by_id(info, Organisation, (r.school_id for r in rows))
    courses = await access.nodes_by_id(info, Course, (r.course_id for r in rows))
    terms = await access.nodes_by_id(info, Term, (r.term_id for r in rows))
    groups = await info.context.loaders.rows(models.StaffGroup, (r.staff_group_id for r in rows))
    return [
        TargetSummaryRow(
            status=ProgressStatus(r.status) if r.status else None, due_month=r.due_month,
            targets=r.counts.total, completed=r.counts.completed, in_progress=r.counts.in_progress,
            not_started=r.counts.not_started, overdue=r.counts.overdue, percent_complete=r.counts.percent_complete,
            school=schools.get(r.school_id) if r.school_id is not None else None,
            course=courses.get(r.course_id) if r.course_id is not None else None,
            staff_group=StaffGroupRef(id=ids.global_id("StaffGroup", r.staff_group_id),
                                      name=groups[r.staff_group_id].name) if r.staff_group_id is not None else None,
            term=terms.get(r.term_id) if r.term_id is not None else None,
        )
        for r in rows
    ]


async def target_page(info: strawberry.Info, trust_id: int, school_ids: list[strawberry.ID] | None,
                      filter: TargetFilter | None, window: Window) -> Connection[TrustTarget]:
    page: Page[trust_targets.TargetLine] = await trust_targets.target_list(
        info.context, trust_id=trust_id, school_ids=_schools(school_ids), where=_where(filter),
        granted=policy.granting_schools(info.context.principal, trust_id), window=window,
    )
    schools = await access.nodes(info, Organisation, [t.school_id for t in page.items])
    courses = await access.nodes(info, Course, [t.course_id for t in page.items])
    return connected(page, [
        TrustTarget(
            person_name=t.person_name, person_email=t.person_email, school=school, course=course,
            staff_group=StaffGroupRef(id=ids.global_id("StaffGroup", t.staff_group_id), name=t.staff_group_name)
            if t.staff_group_id is not None else None,
            status=ProgressStatus(t.status), due_on=t.due_on, days_overdue=t.days_overdue,
            progress_percent=t.progress_percent, completed_at=t.completed_at,
        ) if school and course else None
        for t, school, course in zip(page.items, schools, courses, strict=True)
    ])


GROUP_BY = Annotated[list[TargetDimension], strawberry.argument(
    description="The dimensions, each at most once; none for a single row over everything."
)]
