"""Staff groups, target lists and learning paths."""

from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Self

import strawberry
from sqlmodel import SQLModel
from strawberry import relay

from domain import learning_paths, models
from domain.errors import DomainError
from permissions import policy
from permissions.policy import Ability
from resolvers import groups as group_resolvers
from resolvers import reports as report_resolvers
from resolvers.learning_paths import LearningPath as PathResult
from schema.connection import Connection, connection, page_size
from schema.ids import global_id
from schema.nodes import Course, Licence, Person, SecuredNode
from schema.reports import CourseCounts, GroupReport, StatusCounts, TargetListReport

GroupKind = strawberry.enum(
    models.GroupKind, description="STAFF groups are picked by hand; ALL_STAFF is every active seat holder."
)
CourseStatus = strawberry.enum(learning_paths.Status, name="CourseStatus")
DueState = strawberry.enum(
    learning_paths.Urgency, name="DueState",
    description="Judged by the school's local date: due within 14 days, due today, or past its date.",
)


async def _group_visible(info: strawberry.Info, group_id: int, licence_id: int) -> bool:
    licence = await info.context.loaders.by_id(models.Licence).load(licence_id)
    return policy.can_on_group(info.context.principal, Ability.VIEW_GROUP, group_id, licence.organisation_id)


@strawberry.type(description="What the caller may do on a group, straight from the policy.")
class GroupPermissions:
    edit: bool = strawberry.field(description="Change its members (not All Staff's), name and target lists.")
    delete: bool
    delegate: bool = strawberry.field(description="Add and remove its delegates.")
    report: bool


@strawberry.type(description="A named set of staff of one licence; ALL_STAFF is the dynamic All Staff group.")
class StaffGroup(SecuredNode):
    ability: ClassVar[Ability] = Ability.VIEW_GROUP
    model: ClassVar[type[SQLModel]] = models.StaffGroup

    id: relay.NodeID[int]
    name: str
    kind: GroupKind
    created_at: datetime
    licence_id: strawberry.Private[int]
    row: strawberry.Private[models.StaffGroup]

    @classmethod
    def from_row(cls, row: models.StaffGroup) -> Self:
        return cls(id=row.id, name=row.name, kind=GroupKind(row.kind), created_at=row.created_at,
                   licence_id=row.licence_id, row=row)

    @classmethod
    async def visible(cls, info: strawberry.Info, row: models.StaffGroup) -> bool:
        return await _group_visible(info, row.id, row.licence_id)

    @strawberry.field(description="True for All Staff: its members follow the licence's seats.")
    def is_dynamic(self) -> bool:
        return self.kind == GroupKind.ALL_STAFF

    @strawberry.field
    async def licence(self, info: strawberry.Info) -> Licence:
        return Licence.from_row(await info.context.loaders.by_id(models.Licence).load(self.licence_id))

    @strawberry.field(description="Current members: staff with an active All Access Pass PLUS seat.")
    async def members(
        self,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        search: Annotated[str | None, strawberry.argument(description="Part of a name.")] = None,
    ) -> Connection[Person]:
        page = await group_resolvers.list_members(
            info.context, self.row, first=page_size(info, first), after=after, search=search
        )
        return connection(page, Person.from_row)

    @strawberry.field(description="Staff members put in charge of this group.")
    async def delegates(self, info: strawberry.Info) -> list[Person]:
        return [Person.from_row(p) for p in await info.context.loaders.delegates_of_group.load(self.id)]

    @strawberry.field(description="The group's target lists, by name.")
    async def target_lists(self, info: strawberry.Info) -> list["TargetList"]:
        return [TargetList.from_row(t) for t in await info.context.loaders.lists_of_group.load(self.id)]

    @strawberry.field(description="Completion within the group, for its delegates and full administrators; "
                      "null for anyone else. `on` judges overdue on another school-local date.")
    async def report(self, info: strawberry.Info, on: date | None = None) -> GroupReport | None:
        try:
            found, result = await report_resolvers.report_for(info.context, self.id, on)
        except DomainError:
            return None
        lists = await info.context.loaders.lists_of_group.load(self.id)
        return GroupReport(
            on=result.on,
            overall=StatusCounts.of(result.overall),
            target_lists=[
                TargetListReport(
                    counts=StatusCounts.of(result.lists[t.id]) if t.id in result.lists else StatusCounts.empty(),
                    courses=[CourseCounts(counts=StatusCounts.of(c), course_id=i) for i, c in result.courses.get(t.id, [])],
                    list_row=t,
                )
                for t in lists
            ],
            found=found,
        )

    @strawberry.field(description="What the caller may do here, so no front end re-implements the policy.")
    async def viewer_can(self, info: strawberry.Info) -> GroupPermissions:
        licence = await info.context.loaders.by_id(models.Licence).load(self.licence_id)
        principal, org = info.context.principal, licence.organisation_id

        def can(ability: Ability) -> bool:
            return policy.can_on_group(principal, ability, self.id, org)

        return GroupPermissions(
            edit=can(Ability.EDIT_GROUP),
            delete=can(Ability.DELETE_GROUP) and not self.is_dynamic(),
            delegate=can(Ability.DELEGATE_GROUP),
            report=can(Ability.VIEW_GROUP_REPORT),
        )


@strawberry.type(description="One course of a target list.")
class TargetListItem:
    position: int = strawberry.field(description="0 is done first.")
    due_on: date | None = strawberry.field(description="The date set on this course, if any.")
    effective_due_on: date | None = strawberry.field(
        description="When it is really due: the earliest date on it or on any course after it in the list."
    )
    course_id: strawberry.Private[int]

    @strawberry.field
    async def course(self, info: strawberry.Info) -> Course:
        return Course.from_row(await info.context.loaders.by_id(models.Course).load(self.course_id))


@strawberry.type(description="The seed's 'learning target group': an ordered list of courses in a staff group.")
class TargetList(SecuredNode):
    ability: ClassVar[Ability] = Ability.VIEW_GROUP
    model: ClassVar[type[SQLModel]] = models.TargetList

    id: relay.NodeID[int]
    name: str
    group_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: models.TargetList) -> Self:
        return cls(id=row.id, name=row.name, group_id=row.group_id)

    @classmethod
    async def visible(cls, info: strawberry.Info, row: models.TargetList) -> bool:
        group = await info.context.loaders.by_id(models.StaffGroup).load(row.group_id)
        return await _group_visible(info, group.id, group.licence_id)

    @strawberry.field
    async def group(self, info: strawberry.Info) -> StaffGroup:
        return StaffGroup.from_row(await info.context.loaders.by_id(models.StaffGroup).load(self.group_id))

    @strawberry.field(description="The courses in order.")
    async def items(self, info: strawberry.Info) -> list[TargetListItem]:
        rows = await info.context.loaders.items_of_list.load(self.id)
        effective = learning_paths.effective_due_dates(
            [learning_paths.ListItem(r.course_id, r.due_on) for r in rows]
        )
        return [
            TargetListItem(position=r.position, due_on=r.due_on, effective_due_on=e, course_id=r.course_id)
            for r, e in zip(rows, effective, strict=True)
        ]


@strawberry.type(description="A target list a path item came from.")
class PathSource:
    id: strawberry.ID = strawberry.field(description="The TargetList's id.")
    name: str


@strawberry.type(description="One course on a learning path.")
class LearningPathItem:
    status: CourseStatus
    completed_on: date | None = strawberry.field(description="The school-local date it was completed.")
    due_on: date | None = strawberry.field(description="The earliest date set on this course itself.")
    effective_due_on: date | None = strawberry.field(
        description="When it is really due, across every list: the earliest date on it or on anything "
        "that must come after it."
    )
    due_state: DueState | None = strawberry.field(description="Never set for a completed course.")
    source_lists: list[PathSource]
    course_id: strawberry.Private[int]

    @strawberry.field
    async def course(self, info: strawberry.Info) -> Course:
        return Course.from_row(await info.context.loaders.by_id(models.Course).load(self.course_id))


@strawberry.type(description="One staff member's merged, ordered to-do list in one licence.")
class LearningPath:
    on: date = strawberry.field(description="The school-local date the path is judged on.")
    items: list[LearningPathItem]
    person_id: strawberry.Private[int]
    licence_row: strawberry.Private[Any]

    @classmethod
    def from_result(cls, result: PathResult) -> Self:
        items = [
            LearningPathItem(
                status=CourseStatus(item.status),
                completed_on=item.completed_on,
                due_on=item.own_due_on,
                effective_due_on=item.effective_due_on,
                due_state=DueState(item.urgency) if item.urgency else None,
                source_lists=[
                    PathSource(id=global_id("TargetList", i), name=result.lists[i].name) for i in item.list_ids
                ],
                course_id=item.course_id,
            )
            for item in result.items
        ]
        return cls(on=result.on, items=items, person_id=result.person_id, licence_row=result.licence)

    @strawberry.field
    async def person(self, info: strawberry.Info) -> Person:
        return Person.from_row(await info.context.loaders.by_id(models.Person).load(self.person_id))

    @strawberry.field
    def licence(self) -> Licence:
        return Licence.from_row(self.licence_row)
