"""Supervisors and the site (seed 002): a school's workflow and supervisor settings, the
headteacher's overview of mentors, the supervisor entry of `me`, the supervisor
mutations, and the Query fields for records and registrations."""

from typing import Any, Self

import strawberry

from domain import models, workflow
from permissions import policy
from permissions.policy import Ability
from resolvers import records as record_resolvers
from resolvers import site as site_resolvers
from resolvers import supervisors as supervisor_resolvers
from resolvers import workflow as workflow_resolvers
from schema import errors, ids
from schema.connection import Connection, connection, page_size
from schema.mutations import attempt
from schema.nodes import Organisation
from schema.permission import field, mutation
from schema.records import Assessment, AttendanceCode, AttendanceRecord, BehaviourNote, RecordFilter
from schema.site import CourseParticipant, CourseRole, ParentLink
from schema.workflow import (
    InformationArea,
    PersonRef,
    PhaseKind,
    RegistrationScope,
    SchoolCourse,
    Term,
    Workflow,
    WorkflowPhase,
)

SupervisorEntryKind = strawberry.enum(workflow.EntryKind, name="SupervisorEntryKind",
                                      description="MENTOR or HEADTEACHER, or SUPERVISOR for someone who is both.")


@strawberry.type(description="A site's names for its two supervisor roles.")
class SupervisorLabels:
    mentor: str
    headteacher: str

    @classmethod
    def from_labels(cls, labels: supervisor_resolvers.Labels) -> Self:
        return cls(mentor=labels.mentor, headteacher=labels.headteacher)


@strawberry.type(description="Which supervisor entry to show the caller for one organisation, and its label.")
class SupervisorEntry:
    organisation: Organisation
    kind: SupervisorEntryKind
    label: str = strawberry.field(description="The entry's title: the site's Mentor or Headteacher label, or "
                                  "'Supervisor' for the combined entry.")
    labels: SupervisorLabels

    @classmethod
    def from_entry(cls, entry: supervisor_resolvers.Entry) -> Self:
        label = {
            workflow.EntryKind.MENTOR: entry.labels.mentor, workflow.EntryKind.HEADTEACHER: entry.labels.headteacher,
        }.get(entry.kind, workflow.SUPERVISOR_LABEL)
        return cls(organisation=Organisation.from_row(entry.organisation), kind=entry.kind, label=label,
                   labels=SupervisorLabels.from_labels(entry.labels))


@strawberry.type(description="How many of the term's assessment registrations sit in one phase.")
class PhaseCount:
    phase: PhaseKind
    scopes: int


@strawberry.type(description="One mentor's work in a term, for their headteacher.")
class MentorOverview:
    mentor: PersonRef
    learners: int = strawberry.field(description="Learners assigned to the mentor.")
    attendance_rate: float | None = strawberry.field(description="Sessions attended (present, late or an "
                                                     "approved activity) over sessions recorded, 0 to 1; null "
                                                     "with none recorded.")
    sessions: int
    positive_notes: int
    negative_notes: int
    assessment_scopes: list[PhaseCount] = strawberry.field(description="Assessment registrations of the "
                                                           "courses the mentor's learners are in, per phase.")

    @classmethod
    def from_overview(cls, item: supervisor_resolvers.MentorOverview) -> Self:
        return cls(
            mentor=PersonRef.from_row(item.mentor), learners=item.learners, attendance_rate=item.attendance_rate,
            sessions=item.sessions, positive_notes=item.positive_notes, negative_notes=item.negative_notes,
            assessment_scopes=[
                PhaseCount(phase=p.kind, scopes=item.assessment_scopes.get(p.kind, 0))
                for p in workflow.default_phases(workflow.Area.ASSESSMENT)
            ],
        )


@strawberry.type(description="A school's workflow and supervisor settings (itslearning's 'site').")
class Site:
    school: Organisation

    @strawberry.field(description="The three areas' phases, in order.")
    async def workflows(self, info: strawberry.Info) -> list[Workflow]:
        phases = await workflow_resolvers.site_phases(info.context, self.school.id)
        return [Workflow(area=area, phases=[WorkflowPhase.from_row(p) for p in rows]) for area, rows in phases.items()]

    @strawberry.field
    async def labels(self, info: strawberry.Info) -> SupervisorLabels:
        return SupervisorLabels.from_labels(await supervisor_resolvers.labels_of(info.context, self.school.id))

    @strawberry.field
    async def terms(self, info: strawberry.Info) -> list[Term]:
        return [Term.from_row(t) for t in await workflow_resolvers.terms_of(info.context, self.school.id)]

    @strawberry.field
    async def attendance_codes(self, info: strawberry.Info) -> list[AttendanceCode]:
        return [AttendanceCode.from_row(c) for c in await workflow_resolvers.codes_of(info.context, self.school.id)]

    @strawberry.field(description="The courses the school teaches its learners.")
    async def courses(self, info: strawberry.Info) -> list[SchoolCourse]:
        return [SchoolCourse.from_row(c) for c in await workflow_resolvers.courses_of(info.context, self.school.id)]

    @strawberry.field(description="The teachers and learners of the school's courses, by course and name, for "
                      "those who may see its members; empty for anyone else.")
    async def course_participants(
        self, info: strawberry.Info, course_id: strawberry.ID | None = None, role: CourseRole | None = None,
        first: int | None = None, after: str | None = None,
    ) -> Connection[CourseParticipant]:
        page = await site_resolvers.list_participants(
            info.context, self.school.id, role=role, first=page_size(info, first), after=after,
            course_id=ids.decode(course_id, "SchoolCourse", "courseId") if course_id else None,
        )
        return connection(page, CourseParticipant.from_row)

    @strawberry.field(description="Parents linked to the school's learners, by learner, for the school's "
                      "Administrators; empty for anyone else.")
    async def parent_links(
        self, info: strawberry.Info, learner_id: strawberry.ID | None = None, first: int | None = None,
        after: str | None = None,
    ) -> Connection[ParentLink]:
        page = await site_resolvers.list_parent_links(
            info.context, self.school.id, first=page_size(info, first), after=after,
            learner_id=ids.decode(learner_id, "Person", "learnerId") if learner_id else None,
        )
        return connection(page, ParentLink.from_row)

    @strawberry.field(description="The school's mentors and their work in a term, for its headteachers and "
                      "Administrators; empty for anyone else. One SQL statement.")
    async def mentor_overview(self, info: strawberry.Info, term_id: strawberry.ID) -> list[MentorOverview]:
        rows = await supervisor_resolvers.overview(info.context, school_id=self.school.id,
                                                   term_id=ids.decode(term_id, "Term", "termId"))
        return [MentorOverview.from_overview(r) for r in rows]


async def _records(info: strawberry.Info, fetch: Any, filter: RecordFilter | None, first: int | None,
                   after: str | None, to_node: Any) -> Any:
    where = filter.to_filter() if filter else record_resolvers.RecordFilter()
    return connection(await fetch(info.context, where, first=page_size(info, first), after=after), to_node)


@strawberry.type
class WorkflowQuery:
    @field(Ability.SIGNED_IN, description="A school's workflow and supervisor settings, for those who may see "
           "the school; null otherwise.")
    async def site(self, info: strawberry.Info, school_id: strawberry.ID) -> Site | None:
        row = await info.context.loaders.by_id(models.Organisation).load(ids.decode(school_id, "Organisation",
                                                                                     "schoolId"))
        if row is None or row.kind != models.OrganisationKind.SCHOOL or not policy.can(
            info.context.principal, Ability.VIEW_ORGANISATION, row.id
        ):
            return None
        return Site(school=Organisation.from_row(row))

    @field(Ability.SIGNED_IN, description="A school's registration scopes the caller may see, with their phase: "
           "all for Administrators and headteachers, their courses' for teachers, their learners' and group's "
           "for mentors.")
    async def registration_scopes(
        self,
        info: strawberry.Info,
        school_id: strawberry.ID,
        area: InformationArea | None = None,
        term_id: strawberry.ID | None = None,
        phase: PhaseKind | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[RegistrationScope]:
        page = await workflow_resolvers.list_scopes(
            info.context, school_id=ids.decode(school_id, "Organisation", "schoolId"), area=area,
            term_id=ids.decode(term_id, "Term", "termId") if term_id else None, phase=phase,
            first=page_size(info, first), after=after,
        )
        return connection(page, lambda rows: RegistrationScope.from_rows(info, rows))

    @field(Ability.SIGNED_IN, description="Attendance records the caller may see, newest first: learners and "
           "parents only in phases that tick them, external systems only their school's in phases ticking them.")
    async def attendance_records(
        self, info: strawberry.Info, filter: RecordFilter | None = None, first: int | None = None,
        after: str | None = None,
    ) -> Connection[AttendanceRecord]:
        return await _records(info, record_resolvers.attendance, filter, first, after, AttendanceRecord.from_rows)

    @field(Ability.SIGNED_IN, description="Behaviour notes the caller may see, newest first, by the same rule.")
    async def behaviour_notes(
        self, info: strawberry.Info, filter: RecordFilter | None = None, first: int | None = None,
        after: str | None = None,
    ) -> Connection[BehaviourNote]:
        return await _records(info, record_resolvers.behaviour, filter, first, after, BehaviourNote.from_rows)

    @field(Ability.SIGNED_IN, description="Assessments the caller may see, newest first, by the same rule.")
    async def assessments(
        self, info: strawberry.Info, filter: RecordFilter | None = None, first: int | None = None,
        after: str | None = None,
    ) -> Connection[Assessment]:
        return await _records(info, record_resolvers.assessments, filter, first, after, Assessment.from_rows)


# --- Mutations ---------------------------------------------------------------------------


@strawberry.input
class MentorInput:
    school_id: strawberry.ID
    person_id: strawberry.ID = strawberry.field(description="A member of the school.")


@strawberry.input(description="Make a person headteacher of an organisation they are a member of.")
class HeadteacherInput:
    organisation_id: strawberry.ID
    person_id: strawberry.ID


@strawberry.input(description="Assign learners one by one, or every learner of whole courses at once.")
class AssignLearnersInput:
    school_id: strawberry.ID
    mentor_id: strawberry.ID
    learner_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    course_ids: list[strawberry.ID] = strawberry.field(default_factory=list, description="SchoolCourse ids.")


@strawberry.input
class UnassignLearnersInput:
    school_id: strawberry.ID
    mentor_id: strawberry.ID
    learner_ids: list[strawberry.ID]


@strawberry.input
class RenameSupervisorLabelsInput:
    school_id: strawberry.ID
    mentor_label: str = strawberry.field(description="Replaces 'Mentor'.")
    headteacher_label: str = strawberry.field(description="Replaces 'Headteacher'.")


@strawberry.type
class SupervisorPayload:
    organisation: Organisation
    person: PersonRef
    is_mentor: bool
    is_headteacher: bool


@strawberry.type
class MentorLearnersPayload:
    mentor: PersonRef
    changed_learner_ids: list[strawberry.ID] = strawberry.field(description="The learners assigned or taken off.")


@strawberry.type
class SupervisorLabelsPayload:
    labels: SupervisorLabels


def _learners(found: tuple[models.Person, list[int]]) -> MentorLearnersPayload:
    mentor, changed = found
    return MentorLearnersPayload(mentor=PersonRef.from_row(mentor),
                                 changed_learner_ids=[ids.global_id("Person", i) for i in changed])


def _decode_all(values: list[str], type_name: str, field: str) -> list[int]:
    return [ids.decode(v, type_name, field) for v in values]


async def _role(info: strawberry.Info, change: Any, organisation_id: str, person_id: str, field: str) -> Any:
    """Give or take a supervisor role, answering the person's roles in the organisation."""
    async def work() -> Any:
        membership, person = await change(
            info.context, ids.decode(organisation_id, "Organisation", field), ids.decode(person_id, "Person", "personId")
        )
        organisation = await info.context.loaders.by_id(models.Organisation).load(membership.organisation_id)
        return SupervisorPayload(
            organisation=Organisation.from_row(organisation), person=PersonRef.from_row(person),
            is_mentor=membership.is_mentor, is_headteacher=membership.is_headteacher,
        )

    return await attempt(work, lambda payload: payload)


@strawberry.type
class SupervisorMutations:
    @mutation(Ability.SIGNED_IN, description="Make a member of the school a mentor. Site administrators with "
              "supervisor management only.")
    async def add_mentor(self, info: strawberry.Info, input: MentorInput) -> errors.result("addMentor",
                                                                                           SupervisorPayload):
        return await _role(info, lambda ctx, o, p: supervisor_resolvers.add_mentor(ctx, school_id=o, person_id=p),
                           input.school_id, input.person_id, "schoolId")

    @mutation(Ability.SIGNED_IN, description="Stop a person being a mentor; their learners are unassigned. "
              "Site administrators with supervisor management only.")
    async def remove_mentor(self, info: strawberry.Info, input: MentorInput) -> errors.result("removeMentor",
                                                                                              SupervisorPayload):
        return await _role(info, lambda ctx, o, p: supervisor_resolvers.remove_mentor(ctx, school_id=o, person_id=p),
                           input.school_id, input.person_id, "schoolId")

    @mutation(Ability.SIGNED_IN, description="Make a person headteacher of an organisation. Only organisations "
              "the person is a member of can be chosen. Administrators of the organisation only.")
    async def add_headteacher(self, info: strawberry.Info, input: HeadteacherInput) -> errors.result(
        "addHeadteacher", SupervisorPayload
    ):
        return await _role(
            info, lambda ctx, o, p: supervisor_resolvers.add_headteacher(ctx, organisation_id=o, person_id=p),
            input.organisation_id, input.person_id, "organisationId",
        )

    @mutation(Ability.SIGNED_IN, description="Stop a person being headteacher of an organisation. "
              "Administrators of the organisation only.")
    async def remove_headteacher(self, info: strawberry.Info, input: HeadteacherInput) -> errors.result(
        "removeHeadteacher", SupervisorPayload
    ):
        return await _role(
            info, lambda ctx, o, p: supervisor_resolvers.remove_headteacher(ctx, organisation_id=o, person_id=p),
            input.organisation_id, input.person_id, "organisationId",
        )

    @mutation(Ability.SIGNED_IN, description="Assign learners to a mentor (many to many). Site administrators "
              "with supervisor management only.")
    async def assign_learners(self, info: strawberry.Info, input: AssignLearnersInput) -> errors.result(
        "assignLearners", MentorLearnersPayload
    ):
        return await attempt(lambda: supervisor_resolvers.assign_learners(
            info.context, school_id=ids.decode(input.school_id, "Organisation", "schoolId"),
            mentor_id=ids.decode(input.mentor_id, "Person", "mentorId"),
            learner_ids=_decode_all(input.learner_ids, "Person", "learnerIds"),
            course_ids=_decode_all(input.course_ids, "SchoolCourse", "courseIds"),
        ), _learners)

    @mutation(Ability.SIGNED_IN, description="Take learners off a mentor. Site administrators with supervisor "
              "management only.")
    async def unassign_learners(self, info: strawberry.Info, input: UnassignLearnersInput) -> errors.result(
        "unassignLearners", MentorLearnersPayload
    ):
        return await attempt(lambda: supervisor_resolvers.unassign_learners(
            info.context, school_id=ids.decode(input.school_id, "Organisation", "schoolId"),
            mentor_id=ids.decode(input.mentor_id, "Person", "mentorId"),
            learner_ids=_decode_all(input.learner_ids, "Person", "learnerIds"),
        ), _learners)

    @mutation(Ability.SIGNED_IN, description="Rename the site's 'Mentor' and 'Headteacher'. Site administrators "
              "with supervisor management only.")
    async def rename_supervisor_labels(self, info: strawberry.Info, input: RenameSupervisorLabelsInput) -> (
        errors.result("renameSupervisorLabels", SupervisorLabelsPayload)
    ):
        return await attempt(lambda: supervisor_resolvers.rename_labels(
            info.context, school_id=ids.decode(input.school_id, "Organisation", "schoolId"),
            mentor=input.mentor_label, headteacher=input.headteacher_label,
        ), lambda labels: SupervisorLabelsPayload(labels=SupervisorLabels.from_labels(labels)))
