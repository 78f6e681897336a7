"""Supervisors and the site (seed 002): a school's workflow and supervisor settings, the
headteacher's overview of mentors, the supervisor entry of `me`, the supervisor
mutations, and the Query fields for records and registrations."""

from typing import Annotated, Any, Self

import strawberry

from domain import models, workflow
from permissions.policy import Ability
from resolvers import records as record_resolvers
from resolvers import site as site_resolvers
from resolvers import supervisors as supervisor_resolvers
from resolvers import targets
from resolvers import workflow as workflow_resolvers
from resolvers.pagination import Window
from schema import access, ids
from schema.access import SecuredNode
from schema.connection import After, Before, Connection, First, Last, connection, filtered
from schema.enums import described
from schema.ids import ref
from schema.mutation import mutation
from schema.nodes import Organisation, organisation_of_kind
from schema.permission import field
from schema.records import Assessment, AttendanceCode, AttendanceRecord, BehaviourNote, RecordFilter
from schema.site import CourseParticipant, CourseRole, ParentLink
from schema.workflow import (
    InformationArea, PersonRef, PhaseKind, RegistrationScope, SchoolCourse, Term, Workflow, WorkflowPhase,
)

SupervisorEntryKind = described(workflow.EntryKind, {
    workflow.EntryKind.MENTOR: "A mentor there, under the site's Mentor label.",
    workflow.EntryKind.HEADTEACHER: "A headteacher there, under the site's Headteacher label.",
    workflow.EntryKind.SUPERVISOR: "Both: one combined entry, 'Supervisor'.",
}, name="SupervisorEntryKind", description="Which supervisor entry a front end shows.")
SchoolId = Annotated[strawberry.ID, strawberry.argument(description="The school's Organisation id.")]


@strawberry.type(description="A site's names for its two supervisor roles.")
class SupervisorLabels:
    mentor: str = strawberry.field(description="What the site calls its mentors; 'Mentor' unless renamed.")
    headteacher: str = strawberry.field(description="What the site calls its headteachers; 'Headteacher' unless "
                                        "renamed.")

    @classmethod
    def from_labels(cls, labels: supervisor_resolvers.Labels) -> Self:
        return cls(mentor=labels.mentor, headteacher=labels.headteacher)


@strawberry.type(description="Which supervisor entry to show the caller for one organisation, and its label.")
class SupervisorEntry:
    organisation: Organisation = field(Ability.VIEW_ORGANISATION, description="Where the caller supervises.")
    kind: SupervisorEntryKind = strawberry.field(description="Which entry to show.")
    label: str = strawberry.field(description="The entry's title: the site's Mentor or Headteacher label, or "
                                  "'Supervisor' for the combined entry.")
    labels: SupervisorLabels = strawberry.field(description="The site's names for both roles.")

    @classmethod
    def from_entry(cls, entry: supervisor_resolvers.Entry, organisation: Organisation) -> Self:
        label = {
            workflow.EntryKind.MENTOR: entry.labels.mentor, workflow.EntryKind.HEADTEACHER: entry.labels.headteacher,
        }.get(entry.kind, workflow.SUPERVISOR_LABEL)
        return cls(organisation=organisation, kind=entry.kind, label=label,
                   labels=SupervisorLabels.from_labels(entry.labels))


@strawberry.type(description="How many of the term's assessment registrations sit in one phase.")
class PhaseCount:
    phase: PhaseKind = strawberry.field(description="The phase.")
    scopes: int = strawberry.field(description="How many registrations are in it.")


@strawberry.type(description="One mentor's work in a term, for their headteacher.")
class MentorOverview:
    mentor: PersonRef = strawberry.field(description="The mentor.")
    learners: int = strawberry.field(description="Learners assigned to the mentor.")
    attendance_rate: float | None = strawberry.field(description="Sessions attended (present, late or an "
                                                     "approved activity) over sessions recorded, 0 to 1; null "
                                                     "with none recorded.")
    sessions: int = strawberry.field(description="Attendance records of their learners in the term.")
    positive_notes: int = strawberry.field(description="Positive behaviour notes on their learners in the term.")
    negative_notes: int = strawberry.field(description="Negative behaviour notes on their learners in the term.")
    assessment_scopes: list[PhaseCount] = field(Ability.VIEW_SUPERVISION, description="Assessment "
                                                "registrations of the courses the mentor's learners are in, per "
                                                "phase.")

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
    school: Organisation = field(Ability.VIEW_ORGANISATION, description="The school.")

    @field(Ability.VIEW_ORGANISATION, description="The three areas' phases, in order.")
    async def workflows(self, info: strawberry.Info) -> list[Workflow]:
        phases = await workflow_resolvers.site_phases(info.context, self.school.id)
        subject = access.subject_of(self)
        return [access.about(Workflow(area=area, phases=[WorkflowPhase.from_row(p) for p in rows]), subject)
                for area, rows in phases.items()]

    @strawberry.field(description="The site's names for its mentors and headteachers.")
    async def labels(self, info: strawberry.Info) -> SupervisorLabels:
        return SupervisorLabels.from_labels(await supervisor_resolvers.labels_of(info.context, self.school.id))

    @field(Ability.VIEW_ORGANISATION, description="The school's terms, in date order.")
    async def terms(self, info: strawberry.Info) -> list[Term]:
        terms = await workflow_resolvers.terms_of(info.context, self.school.id)
        return [t for t in (access.local(info, Term, row) for row in terms) if t is not None]

    @field(Ability.VIEW_ORGANISATION, description="The school's attendance codes, retired ones included.")
    async def attendance_codes(self, info: strawberry.Info) -> list[AttendanceCode]:
        return [AttendanceCode.from_row(c) for c in await workflow_resolvers.codes_of(info.context, self.school.id)]

    @field(Ability.VIEW_ORGANISATION, description="The courses the school teaches its learners.")
    async def courses(self, info: strawberry.Info) -> list[SchoolCourse]:
        courses = await workflow_resolvers.courses_of(info.context, self.school.id)
        return [c for c in (access.local(info, SchoolCourse, row) for row in courses) if c is not None]

    @field(Ability.VIEW_MEMBERS, description="The teachers and learners of the school's courses, by course and "
           "name, for those who may see its members; empty for anyone else.")
    async def course_participants(
        self, info: strawberry.Info,
        course_id: Annotated[strawberry.ID | None, strawberry.argument(description="Only this course's (a "
                                                                       "SchoolCourse id).")] = None,
        role: Annotated[CourseRole | None, strawberry.argument(description="Only teachers, or only learners.")] = None,
        first: First = None, after: After = None, last: Last = None, before: Before = None,
    ) -> Connection[CourseParticipant]:
        page = await site_resolvers.list_participants(
            info.context, self.school.id, role=role, window=Window(first, after, last, before),
            course_id=ids.decode(course_id, "SchoolCourse", "courseId") if course_id else None,
        )
        return connection(page, CourseParticipant.from_row)

    @field(Ability.MANAGE_SITE, description="Parents linked to the school's learners, by learner, for the "
           "school's Administrators; empty for anyone else.")
    async def parent_links(
        self, info: strawberry.Info,
        learner_id: Annotated[strawberry.ID | None, strawberry.argument(description="Only this learner's parents (a "
                                                                        "Person id).")] = None,
        first: First = None, after: After = None, last: Last = None, before: Before = None,
    ) -> Connection[ParentLink]:
        page = await site_resolvers.list_parent_links(
            info.context, self.school.id, window=Window(first, after, last, before),
            learner_id=ids.decode(learner_id, "Person", "learnerId") if learner_id else None,
        )
        return connection(page, ParentLink.from_row)

    @field(Ability.VIEW_SUPERVISION, description="The school's mentors and their work in a term, for its "
           "headteachers and Administrators; empty for anyone else. One SQL statement.")
    async def mentor_overview(
        self, info: strawberry.Info,
        term_id: Annotated[strawberry.ID, strawberry.argument(description="The term to look at.")],
    ) -> list[MentorOverview]:
        rows = await supervisor_resolvers.overview(info.context, school_id=self.school.id,
                                                   term_id=ids.decode(term_id, "Term", "termId"))
        subject = access.subject_of(self)
        return [access.about(MentorOverview.from_overview(r), subject) for r in rows]


async def _records(info: strawberry.Info, fetch: Any, filter: RecordFilter | None, window: Window,
                   kind: type[SecuredNode]) -> Any:
    where = filter.to_filter() if filter else record_resolvers.RecordFilter()
    page = await fetch(info.context, where, window=window)
    return await access.connection(info, kind, page, row_of=targets.record_with_facts)


@strawberry.type
class WorkflowQuery:
    @field(Ability.VIEW_ORGANISATION, description="A school's workflow and supervisor settings, for those who "
           "may see the school; null otherwise.")
    async def site(self, info: strawberry.Info, school_id: SchoolId) -> Site | None:
        found = await organisation_of_kind(info, school_id, "schoolId", models.OrganisationKind.SCHOOL)
        return access.about(Site(school=found[0]), found[1]) if found else None

    @field(Ability.VIEW_SCOPE, description="A school's registration scopes the caller may see, with their phase, "
           "oldest first: all for Administrators and headteachers, their courses' for teachers, their learners' and "
           "group's for mentors.")
    async def registration_scopes(
        self,
        info: strawberry.Info,
        school_id: SchoolId,
        area: Annotated[InformationArea | None, strawberry.argument(description="Only this area's.")] = None,
        term_id: Annotated[strawberry.ID | None, strawberry.argument(description="Only this term's.")] = None,
        phase: Annotated[PhaseKind | None, strawberry.argument(description="Only those in this phase now.")] = None,
        first: First = None, after: After = None, last: Last = None, before: Before = None,
    ) -> Connection[RegistrationScope]:
        page = await workflow_resolvers.list_scopes(
            info.context, school_id=ids.decode(school_id, "Organisation", "schoolId"), area=area,
            term_id=ids.decode(term_id, "Term", "termId") if term_id else None, phase=phase,
            window=Window(first, after, last, before),
        )
        return await access.connection(info, RegistrationScope, page, row_of=targets.scope_in_phase)

    @field(Ability.VIEW_RECORD, description="Attendance records the caller may see, newest first: learners and "
           "parents only in phases that tick them, external systems only their school's in phases ticking them.")
    async def attendance_records(
        self, info: strawberry.Info, filter: filtered(RecordFilter) = None,
        first: First = None, after: After = None, last: Last = None, before: Before = None,
    ) -> Connection[AttendanceRecord]:
        return await _records(info, record_resolvers.attendance, filter, Window(first, after, last, before),
                              AttendanceRecord)

    @field(Ability.VIEW_RECORD, description="Behaviour notes the caller may see, newest first, by the same rule.")
    async def behaviour_notes(
        self, info: strawberry.Info, filter: filtered(RecordFilter) = None,
        first: First = None, after: After = None, last: Last = None, before: Before = None,
    ) -> Connection[BehaviourNote]:
        return await _records(info, record_resolvers.behaviour, filter, Window(first, after, last, before),
                              BehaviourNote)

    @field(Ability.VIEW_RECORD, description="Assessments the caller may see, newest first, by the same rule.")
    async def assessments(
        self, info: strawberry.Info, filter: filtered(RecordFilter) = None,
        first: First = None, after: After = None, last: Last = None, before: Before = None,
    ) -> Connection[Assessment]:
        return await _records(info, record_resolvers.assessments, filter, Window(first, after, last, before),
                              Assessment)


# --- Mutations ---------------------------------------------------------------------------


@strawberry.input(description="A member of the school to make a mentor, or stop being one.")
class MentorInput:
    school_id: strawberry.ID = ref("Organisation", description="The school.")
    person_id: strawberry.ID = ref("Person", description="A staff member of the school.")


@strawberry.input(description="Make a person headteacher of an organisation they are a member of.")
class HeadteacherInput:
    organisation_id: strawberry.ID = ref("Organisation", description="The organisation.")
    person_id: strawberry.ID = ref("Person", description="A staff member of it.")


@strawberry.input(description="Assign learners one by one, or every learner of whole courses at once.")
class AssignLearnersInput:
    school_id: strawberry.ID = ref("Organisation", description="The school.")
    mentor_id: strawberry.ID = ref("Person", description="One of the school's mentors.")
    learner_ids: list[strawberry.ID] = ref("Person", default_factory=list, description="Learners of the school.")
    course_ids: list[strawberry.ID] = ref("SchoolCourse", default_factory=list,
                                          description="Courses whose learners are all assigned.")


@strawberry.input(description="Learners to take off a mentor.")
class UnassignLearnersInput:
    school_id: strawberry.ID = ref("Organisation", description="The school.")
    mentor_id: strawberry.ID = ref("Person", description="One of the school's mentors.")
    learner_ids: list[strawberry.ID] = ref("Person", description="Learners assigned to them.")


@strawberry.input(description="The site's own names for its two supervisor roles.")
class RenameSupervisorLabelsInput:
    school_id: strawberry.ID = ref("Organisation", description="The school.")
    mentor_label: str = strawberry.field(description="Replaces 'Mentor'.")
    headteacher_label: str = strawberry.field(description="Replaces 'Headteacher'.")


@strawberry.type(description="A person's supervisor roles in an organisation, as they now are.")
class SupervisorPayload:
    organisation: Organisation = strawberry.field(description="The organisation.")
    person: PersonRef = strawberry.field(description="The person.")
    is_mentor: bool = strawberry.field(description="They mentor there now.")
    is_headteacher: bool = strawberry.field(description="They are headteacher there now.")

    @classmethod
    async def of(cls, info: strawberry.Info, found: tuple[models.Membership, models.Person]) -> Self:
        membership, person = found
        return cls(organisation=await access.node(info, Organisation, membership.organisation_id),
                   person=PersonRef.from_row(person), is_mentor=membership.is_mentor,
                   is_headteacher=membership.is_headteacher)


@strawberry.type(description="The mentor and the learners assigned or taken off.")
class MentorLearnersPayload:
    mentor: PersonRef = strawberry.field(description="The mentor.")
    changed_learner_ids: list[strawberry.ID] = strawberry.field(description="The learners assigned or taken off.")

    @classmethod
    async def of(cls, info: strawberry.Info, found: tuple[models.Person, list[int]]) -> Self:
        mentor, changed = found
        return cls(mentor=PersonRef.from_row(mentor), changed_learner_ids=[ids.global_id("Person", i) for i in changed])


@strawberry.type(description="The site's labels as they now are.")
class SupervisorLabelsPayload:
    labels: SupervisorLabels = strawberry.field(description="The labels as they now are.")

    @classmethod
    async def of(cls, info: strawberry.Info, labels: supervisor_resolvers.Labels) -> Self:
        return cls(labels=SupervisorLabels.from_labels(labels))


@strawberry.type
class SupervisorMutations:
    add_mentor = mutation(
        "addMentor", MentorInput, SupervisorPayload, ability=Ability.MANAGE_SUPERVISORS, target=Organisation,
        use=supervisor_resolvers.add_mentor,
        description="Make a member of the school a mentor. Site administrators with supervisor management only.",
    )
    remove_mentor = mutation(
        "removeMentor", MentorInput, SupervisorPayload, ability=Ability.MANAGE_SUPERVISORS, target=Organisation,
        use=supervisor_resolvers.remove_mentor,
        description="Stop a person being a mentor; their learners are unassigned. Site administrators with "
        "supervisor management only.",
    )
    add_headteacher = mutation(
        "addHeadteacher", HeadteacherInput, SupervisorPayload, ability=Ability.MANAGE_SUPERVISORS,
        target=Organisation, use=supervisor_resolvers.add_headteacher,
        description="Make a person headteacher of an organisation. Only organisations the person is a member of "
        "can be chosen. Administrators of the organisation only.",
    )
    remove_headteacher = mutation(
        "removeHeadteacher", HeadteacherInput, SupervisorPayload, ability=Ability.MANAGE_SUPERVISORS,
        target=Organisation, use=supervisor_resolvers.remove_headteacher,
        description="Stop a person being headteacher of an organisation. Administrators of the organisation only.",
    )
    assign_learners = mutation(
        "assignLearners", AssignLearnersInput, MentorLearnersPayload, ability=Ability.MANAGE_SUPERVISORS,
        target=Organisation, use=supervisor_resolvers.assign_learners,
        description="Assign learners to a mentor (many to many). Site administrators with supervisor management "
        "only.",
    )
    unassign_learners = mutation(
        "unassignLearners", UnassignLearnersInput, MentorLearnersPayload, ability=Ability.MANAGE_SUPERVISORS,
        target=Organisation, use=supervisor_resolvers.unassign_learners,
        description="Take learners off a mentor. Site administrators with supervisor management only.",
    )
    rename_supervisor_labels = mutation(
        "renameSupervisorLabels", RenameSupervisorLabelsInput, SupervisorLabelsPayload,
        ability=Ability.MANAGE_SUPERVISORS, target=Organisation, use=supervisor_resolvers.rename_labels,
        description="Rename the site's 'Mentor' and 'Headteacher'. Site administrators with supervisor management "
        "only.",
    )
