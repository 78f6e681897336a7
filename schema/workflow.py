"""Workflow (seed 002): `WorkflowPhase` and `Workflow`, registration scopes, and the
mutations that configure phases and move scopes on."""

from datetime import date, datetime
from typing import Any, ClassVar, Self

import strawberry
from sqlmodel import SQLModel
from strawberry import relay

from domain import models, workflow
from permissions import policy
from permissions.policy import Ability, Subject
from resolvers import workflow as workflow_resolvers
from resolvers.targets import ScopeInPhase
from schema import access, ids
from schema.access import SecuredNode
from schema.enums import described
from schema.ids import ref
from schema.mutation import mutation
from schema.nodes import Organisation
from schema.permission import field

InformationArea = described(workflow.Area, {
    workflow.Area.ATTENDANCE: "Attendance at course sessions, registered per course and term.",
    workflow.Area.BEHAVIOUR: "Behaviour notes, registered per mentor's group and term.",
    workflow.Area.ASSESSMENT: "Results, registered per course and term.",
}, name="InformationArea", description="Attendance, behaviour or assessment: each has its own phases.")
PhaseKind = described(workflow.PhaseKind, {
    workflow.PhaseKind.COURSE_REGISTRATION: "A course's records are registered; by default the teacher submits "
    "them to the mentor. Attendance and assessment only.",
    workflow.PhaseKind.GROUP_REGISTRATION: "A mentor's group's records are registered; by default the mentor "
    "submits them.",
    workflow.PhaseKind.ORGANISATION_APPROVAL: "By default the headteacher approves and completes them; the mentor "
    "can still edit.",
    workflow.PhaseKind.COMPLETED: "Final: no one changes the records or moves them on.",
}, name="PhaseKind", description="A step of an area's workflow, in this order.")
ResponsibleRole = described(workflow.Role, {
    workflow.Role.TEACHER: "The course's teachers.",
    workflow.Role.MENTOR: "The learners' mentors.",
    workflow.Role.HEADTEACHER: "The school's headteachers.",
}, name="ResponsibleRole", description="Who keeps records and moves a phase on.")


@strawberry.type(description="A person named on a record or a scope.")
class PersonRef:
    id: strawberry.ID = strawberry.field(description="A Person id.")
    display_name: str = strawberry.field(description="Their name.")

    @classmethod
    def from_row(cls, row: models.Person) -> Self:
        return cls(id=ids.global_id("Person", row.id), display_name=row.display_name)


@strawberry.type(description="A named period of a school's year (school-local dates, both included).")
class Term(SecuredNode):
    ability: ClassVar[Ability] = Ability.VIEW_ORGANISATION
    model: ClassVar[type[SQLModel]] = models.Term

    id: relay.NodeID[int]
    name: str = strawberry.field(description="Such as 'Autumn 2026'.")
    starts_on: date = strawberry.field(description="Its first day.")
    ends_on: date = strawberry.field(description="Its last day, included.")

    @classmethod
    def _from_row(cls, row: models.Term) -> Self:
        return cls(id=row.id, name=row.name, starts_on=row.starts_on, ends_on=row.ends_on)


@strawberry.type(description="A course a school teaches its learners.")
class SchoolCourse(SecuredNode):
    ability: ClassVar[Ability] = Ability.VIEW_ORGANISATION
    model: ClassVar[type[SQLModel]] = models.SchoolCourse

    id: relay.NodeID[int]
    title: str = strawberry.field(description="Its title, up to 200 characters.")

    @classmethod
    def _from_row(cls, row: models.SchoolCourse) -> Self:
        return cls(id=row.id, title=row.title)


@strawberry.type(description="One phase of an area's workflow: who sees the area's records while a "
                 "registration is in it, and who moves it on.")
class WorkflowPhase:
    kind: PhaseKind = strawberry.field(description="Which phase.")
    name: str = strawberry.field(description="Its name as shown, such as 'Group registration'.")
    position: int = strawberry.field(description="Its place in the area's order; 0 comes first.")
    responsible: ResponsibleRole | None = strawberry.field(description="Null for completed.")
    learner: bool = strawberry.field(description="Learners see their own records in this phase.")
    parent: bool = strawberry.field(description="Parents see their children's records in this phase.")
    external_systems: bool = strawberry.field(description="The school's external systems see its records.")

    @classmethod
    def from_row(cls, row: models.WorkflowPhase) -> Self:
        kind = workflow.PhaseKind(row.kind)
        return cls(
            kind=kind, name=workflow.PHASE_NAMES[kind], position=row.position,
            responsible=workflow.Role(row.responsible) if row.responsible else None,
            learner=row.learner_sees, parent=row.parent_sees, external_systems=row.external_sees,
        )


@strawberry.type(description="A school's ordered phases for one information area.")
class Workflow:
    area: InformationArea = strawberry.field(description="The information area.")
    phases: list[WorkflowPhase] = field(Ability.VIEW_ORGANISATION, description="In order.")


@strawberry.type(description="Where one set of records is in its workflow: a course's records of an area "
                 "for a term, or (for behaviour) a mentor's group's.")
class RegistrationScope(SecuredNode):
    ability: ClassVar[Ability] = Ability.VIEW_SCOPE
    model: ClassVar[type[SQLModel]] = models.RegistrationScope

    id: relay.NodeID[int]
    area: InformationArea = strawberry.field(description="Which records: attendance, behaviour or assessment.")
    mentor: PersonRef | None = strawberry.field(description="The mentor whose group this is, for behaviour.")
    phase: WorkflowPhase = strawberry.field(description="The phase it is in now.")
    updated_at: datetime = strawberry.field(description="When it last moved on, or was opened.")
    source: strawberry.Private[ScopeInPhase]

    @classmethod
    def _from_row(cls, row: ScopeInPhase) -> Self:
        return cls(
            id=row.scope.id, area=workflow.Area(row.scope.area),
            mentor=PersonRef.from_row(row.mentor) if row.mentor else None, phase=WorkflowPhase.from_row(row.phase),
            updated_at=row.scope.updated_at, source=row,
        )

    @field(Ability.VIEW_ORGANISATION, description="The term it is for.")
    def term(self, info: strawberry.Info) -> Term | None:
        return access.local(info, Term, self.source.term)

    @field(Ability.VIEW_ORGANISATION, description="The course whose records these are, except for behaviour.")
    def course(self, info: strawberry.Info) -> SchoolCourse | None:
        return access.local(info, SchoolCourse, self.source.course)

    @strawberry.field(description="Whether the caller is the role responsible for the current phase.")
    def viewer_can_move_on(self, info: strawberry.Info) -> bool:
        return policy.can_on(info.context.principal, Ability.MOVE_ON, access.subject_of(self) or Subject())


@strawberry.input(description="Set who sees an area's records in one phase and who moves it on.")
class ConfigureWorkflowPhaseInput:
    school_id: strawberry.ID = ref("Organisation", description="The school.")
    area: InformationArea = strawberry.field(description="Attendance, behaviour or assessment.")
    phase: PhaseKind = strawberry.field(description="One of the area's phases.")
    learner: bool = strawberry.field(default=False, description="Learners see their own records in it.")
    parent: bool = strawberry.field(default=False, description="Parents see their children's records in it.")
    external_systems: bool = strawberry.field(default=False, description="The school's external systems see them.")
    responsible: ResponsibleRole | None = strawberry.field(default=None, description="Required except for "
                                                           "COMPLETED, which has none.")


@strawberry.type(description="The phase as it now is.")
class WorkflowPhasePayload:
    area: InformationArea = strawberry.field(description="The area whose phase it is.")
    phase: WorkflowPhase = strawberry.field(description="The phase as it now is.")

    @classmethod
    async def of(cls, info: strawberry.Info, row: Any) -> Self:
        return cls(area=workflow.Area(row.area), phase=WorkflowPhase.from_row(row))


@strawberry.input(description="Move a registration scope on: the teacher submits to the mentor, the mentor "
                  "submits, the headteacher completes.")
class AdvanceRegistrationInput:
    scope_id: strawberry.ID = ref("RegistrationScope", description="The scope.")
    from_phase: PhaseKind = strawberry.field(description="The phase the scope is in now; any other is refused "
                                             "and nothing changes.")


@strawberry.type(description="The scope as it now is.")
class RegistrationScopePayload:
    registration_scope: RegistrationScope = strawberry.field(description="The scope in its new phase.")

    @classmethod
    async def of(cls, info: strawberry.Info, moved: models.RegistrationScope) -> Self:
        scope = await access.node(info, RegistrationScope, moved.id)
        if scope is None:
            raise RuntimeError("the policy lets the caller move a scope on but not see it")
        return cls(registration_scope=scope)


@strawberry.type
class WorkflowMutations:
    configure_workflow_phase = mutation(
        "configureWorkflowPhase", ConfigureWorkflowPhaseInput, WorkflowPhasePayload,
        ability=Ability.CONFIGURE_WORKFLOW, target=Organisation, use=workflow_resolvers.configure_phase,
        description="Configure one phase of a school's workflow. The school's Administrators only.",
    )
    advance_registration = mutation(
        "advanceRegistration", AdvanceRegistrationInput, RegistrationScopePayload, ability=Ability.MOVE_ON,
        target=RegistrationScope, lock=True, use=workflow_resolvers.advance,
        description="Move a registration scope to its next phase. Only the role responsible for the current phase "
        "may.",
    )
