"""Workflow (seed 002): `WorkflowPhase` and `Workflow`, registration scopes, and the
mutations that configure phases and move scopes on."""

from datetime import date, datetime
from typing import Any, Self

import strawberry

from domain import models, workflow
from permissions import policy
from permissions.policy import Ability
from resolvers import workflow as workflow_resolvers
from schema import errors, ids
from schema.mutations import attempt
from schema.permission import mutation

InformationArea = strawberry.enum(workflow.Area, name="InformationArea",
                                  description="Attendance, behaviour or assessment: each has its own phases.")
PhaseKind = strawberry.enum(workflow.PhaseKind, name="PhaseKind")
ResponsibleRole = strawberry.enum(workflow.Role, name="ResponsibleRole",
                                  description="Who keeps records and moves a phase on.")


@strawberry.type(description="A person named on a record or a scope.")
class PersonRef:
    id: strawberry.ID = strawberry.field(description="A Person id.")
    display_name: str

    @classmethod
    def from_row(cls, row: models.Person) -> Self:
        return cls(id=ids.global_id("Person", row.id), display_name=row.display_name)


@strawberry.type(description="A named period of a school's year (school-local dates, both included).")
class Term:
    id: strawberry.ID
    name: str
    starts_on: date
    ends_on: date

    @classmethod
    def from_row(cls, row: models.Term) -> Self:
        return cls(id=ids.global_id("Term", row.id), name=row.name, starts_on=row.starts_on, ends_on=row.ends_on)


@strawberry.type(description="A course a school teaches its learners.")
class SchoolCourse:
    id: strawberry.ID
    title: str

    @classmethod
    def from_row(cls, row: models.SchoolCourse) -> Self:
        return cls(id=ids.global_id("SchoolCourse", row.id), title=row.title)


@strawberry.type(description="One phase of an area's workflow: who sees the area's records while a "
                 "registration is in it, and who moves it on.")
class WorkflowPhase:
    kind: PhaseKind
    name: str
    position: int
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
    area: InformationArea
    phases: list[WorkflowPhase]


@strawberry.type(description="Where one set of records is in its workflow: a course's records of an area "
                 "for a term, or (for behaviour) a mentor's group's.")
class RegistrationScope:
    id: strawberry.ID
    area: InformationArea
    term: Term
    course: SchoolCourse | None
    mentor: PersonRef | None = strawberry.field(description="The mentor whose group this is, for behaviour.")
    phase: WorkflowPhase
    updated_at: datetime
    viewer_can_move_on: bool = strawberry.field(description="Whether the caller is the role responsible for "
                                                "the current phase.")

    @classmethod
    def from_rows(cls, info: strawberry.Info, rows: Any) -> Self:
        scope, phase, term, course, mentor, teaches, mentors = rows
        return cls(
            id=ids.global_id("RegistrationScope", scope.id), area=workflow.Area(scope.area),
            term=Term.from_row(term), course=SchoolCourse.from_row(course) if course else None,
            mentor=PersonRef.from_row(mentor) if mentor else None, phase=WorkflowPhase.from_row(phase),
            updated_at=scope.updated_at,
            viewer_can_move_on=policy.can_move_on(
                info.context.principal, workflow.Role(phase.responsible) if phase.responsible else None,
                scope.organisation_id, teaches=bool(teaches), mentors=bool(mentors),
            ),
        )


@strawberry.input(description="Set who sees an area's records in one phase and who moves it on.")
class ConfigureWorkflowPhaseInput:
    school_id: strawberry.ID
    area: InformationArea
    phase: PhaseKind
    learner: bool = False
    parent: bool = False
    external_systems: bool = False
    responsible: ResponsibleRole | None = strawberry.field(default=None, description="Required except for "
                                                           "COMPLETED, which has none.")


@strawberry.type
class WorkflowPhasePayload:
    area: InformationArea
    phase: WorkflowPhase


@strawberry.input(description="Move a registration scope on: the teacher submits to the mentor, the mentor "
                  "submits, the headteacher completes.")
class AdvanceRegistrationInput:
    scope_id: strawberry.ID
    from_phase: PhaseKind = strawberry.field(description="The phase the scope is in now; any other is refused "
                                             "and nothing changes.")


@strawberry.type
class RegistrationScopePayload:
    registration_scope: RegistrationScope


@strawberry.type
class WorkflowMutations:
    @mutation(Ability.SIGNED_IN, description="Configure one phase of a school's workflow. The school's "
              "Administrators only.")
    async def configure_workflow_phase(
        self, info: strawberry.Info, input: ConfigureWorkflowPhaseInput
    ) -> errors.result("configureWorkflowPhase", WorkflowPhasePayload):
        async def work() -> Any:
            return await workflow_resolvers.configure_phase(
                info.context, school_id=ids.decode(input.school_id, "Organisation", "schoolId"), area=input.area,
                kind=input.phase, learner=input.learner, parent=input.parent,
                external_systems=input.external_systems, responsible=input.responsible,
            )

        return await attempt(work, lambda row: WorkflowPhasePayload(area=workflow.Area(row.area),
                                                                    phase=WorkflowPhase.from_row(row)))

    @mutation(Ability.SIGNED_IN, description="Move a registration scope to its next phase. Only the role "
              "responsible for the current phase may.")
    async def advance_registration(
        self, info: strawberry.Info, input: AdvanceRegistrationInput
    ) -> errors.result("advanceRegistration", RegistrationScopePayload):
        async def work() -> Any:
            return await workflow_resolvers.advance(
                info.context, scope_id=ids.decode(input.scope_id, "RegistrationScope", "scopeId"),
                from_phase=input.from_phase,
            )

        return await attempt(work, lambda rows: RegistrationScopePayload(
            registration_scope=RegistrationScope.from_rows(info, rows)))
