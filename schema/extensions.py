"""Extensions: one staff member's later due date, for one course or for every target."""

from datetime import date, datetime
from typing import ClassVar, Self

import strawberry
from strawberry import relay
from sqlmodel import SQLModel

from domain import models
from permissions.policy import Ability
from resolvers import extensions as extension_resolvers
from schema import access
from schema.access import SecuredNode
from schema.ids import ref
from schema.mutation import mutation, node_payload
from schema.groups import TargetList
from schema.nodes import Course, Licence, Person
from schema.permission import field


@strawberry.type(description="A later due date for one staff member: for one course, or for every dated target due "
                 "before it. Their learning path, reminders, calendar feed, group reports, training matrix and their "
                 "trust's figures all use it while it is in force.")
class TargetExtension(SecuredNode):
    ability: ClassVar[Ability] = Ability.VIEW_PATH  # seen with the path it moves dates on
    model: ClassVar[type[SQLModel]] = models.TargetExtension

    id: relay.NodeID[int]
    due_on: date = strawberry.field(description="The school-local date they now have until.")
    reason: str = strawberry.field(description="Why it was given, as the giver wrote it.")
    created_at: datetime = strawberry.field(description="When it was given.")
    ended_at: datetime | None = strawberry.field(description="When it was ended, or replaced by a newer one; null "
                                                 "while in force.")
    person_id: strawberry.Private[int]
    course_id: strawberry.Private[int | None]
    licence_id: strawberry.Private[int]

    @classmethod
    def _from_row(cls, row: models.TargetExtension) -> Self:
        return cls(id=row.id, due_on=row.due_on, reason=row.reason, created_at=row.created_at, ended_at=row.ended_at,
                   person_id=row.person_id, course_id=row.course_id, licence_id=row.licence_id)

    @field(Ability.VIEW_PERSON, description="Whose dates it moves.")
    async def person(self, info: strawberry.Info) -> Person | None:
        return await access.node(info, Person, self.person_id)

    @field(Ability.VIEW_CATALOGUE, description="The course it moves; null when it moves every dated target.")
    async def course(self, info: strawberry.Info) -> Course | None:
        return None if self.course_id is None else await access.node(info, Course, self.course_id)

    @field(Ability.VIEW_LICENCE, description="The licence it is in.")
    async def licence(self, info: strawberry.Info) -> Licence | None:
        return await access.node(info, Licence, self.licence_id)


@strawberry.input(description="A later date for one course of a target list, for one staff member its group reaches.")
class ExtendTargetInput:
    target_list_id: strawberry.ID = ref("TargetList", description="A list holding the course: full administrators "
                                        "and the delegates of its group may extend its courses.")
    person_id: strawberry.ID = ref("Person", description="A staff member the list's group reaches.")
    course_id: strawberry.ID = ref("Course", description="A dated course of the list (dated on their path).")
    due_on: date = strawberry.field(description="School-local; after the date their lists set, within five years.")
    reason: str = strawberry.field(description="Why, in up to 500 characters: a long absence, a late start.")


@strawberry.input(description="A later date for every dated target of one staff member due before it.")
class ExtendAllTargetsInput:
    licence_id: strawberry.ID = ref("Licence", description="The school's licence.")
    person_id: strawberry.ID = ref("Person", description="A staff member of the school.")
    due_on: date = strawberry.field(description="School-local; after at least one of their dates still to meet, "
                                    "within five years.")
    reason: str = strawberry.field(description="Why, in up to 500 characters.")


@strawberry.input(description="An extension to end.")
class EndTargetExtensionInput:
    extension_id: strawberry.ID = ref("TargetExtension", description="The extension.")


TargetExtensionPayload = node_payload("TargetExtensionPayload", TargetExtension, "The extension as it now is.")


@strawberry.type
class ExtensionMutations:
    extend_target = mutation(
        "extendTarget", ExtendTargetInput, TargetExtensionPayload, ability=Ability.EXTEND_TARGETS, target=TargetList,
        use=extension_resolvers.extend_target,
        description="Give one staff member a later due date for one course of a list, with a reason. It moves that "
        "course only (courses above it keep their lists' dates), replaces any extension of theirs in force for it, "
        "and they hear of it in their next digest.",
    )
    extend_all_targets = mutation(
        "extendAllTargets", ExtendAllTargetsInput, TargetExtensionPayload, ability=Ability.EXTEND_TARGETS,
        target=Licence, use=extension_resolvers.extend_all_targets,
        description="Give one staff member until a later date for every dated target due before it (a long "
        "absence, a late start), with a reason. It replaces any such extension of theirs in force.",
    )
    end_target_extension = mutation(
        "endTargetExtension", EndTargetExtensionInput, TargetExtensionPayload, ability=Ability.EXTEND_TARGETS,
        target=TargetExtension, lock=True, use=extension_resolvers.end_extension,
        description="End an extension: the dates their lists set apply again. Ending an ended one changes nothing.",
    )
