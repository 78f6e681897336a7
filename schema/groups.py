"""Staff groups, target lists and learning paths."""

from datetime import date, datetime
from typing import Annotated, ClassVar, Self

import strawberry
from strawberry.scalars import JSON
from sqlmodel import SQLModel
from strawberry import relay

from domain import group_rules, learning_paths, models
from permissions import policy
from permissions.policy import Ability, Subject
from resolvers import groups as group_resolvers
from resolvers import reports as report_resolvers
from resolvers.learning_paths import LearningPath as PathResult
from resolvers.pagination import Window
from schema import access
from schema.group_rules import shown
from schema.access import SecuredNode
from schema.connection import After, Before, Connection, First, Last, SearchName
from schema.enums import described
from schema.ids import global_id
from schema.nodes import CREATED_AT, Licence, OfCourse, Person
from schema.permission import field
from schema.reports import CourseCounts, GroupReport, StatusCounts, TargetListReport

GroupKind = described(models.GroupKind, {
    models.GroupKind.STAFF: "Members picked by hand from the licence's staff.",
    models.GroupKind.ALL_STAFF: "All Staff: every holder of an active All Access Pass PLUS seat, kept up to date; "
    "it cannot be renamed, edited by hand or deleted.",
}, description="How a group's members are chosen.")
CourseStatus = described(learning_paths.Status, {
    learning_paths.Status.NOT_STARTED: "No progress recorded.",
    learning_paths.Status.IN_PROGRESS: "Progress recorded, not completed by the path's date.",
    learning_paths.Status.COMPLETED: "Completed by the path's date: it stays on the path, never due or overdue.",
}, name="CourseStatus", description="Where the person stands in a course of their path.")
DueState = described(learning_paths.Urgency, {
    learning_paths.Urgency.DUE_SOON: "Due within the school's due-soon window (its notification settings' "
    "dueSoonDays, 14 unless changed), the days its due-soon reminders cover.",
    learning_paths.Urgency.DUE_TODAY: "Due on the path's date.",
    learning_paths.Urgency.OVERDUE: "Its effective due date has passed.",
}, name="DueState", description="How pressing a course not yet completed is, by its effective due date and the "
    "path's school-local date.")
JudgedOn = Annotated[date | None, strawberry.argument(
    description="The school-local date to judge due dates on; left out, the school's today."
)]


@strawberry.type(description="What the caller may do on a group, straight from the policy.")
class GroupPermissions:
    edit: bool = strawberry.field(description="Change its members (not All Staff's), name and target lists.")
    delete: bool = strawberry.field(description="Delete it with its target lists (never All Staff).")
    delegate: bool = strawberry.field(description="Add and remove its delegates.")
    report: bool = strawberry.field(description="Read its completion report.")


@strawberry.type(description="A named set of staff of one licence; ALL_STAFF is the dynamic All Staff group.")
class StaffGroup(SecuredNode):
    ability: ClassVar[Ability] = Ability.VIEW_GROUP
    model: ClassVar[type[SQLModel]] = models.StaffGroup

    id: relay.NodeID[int]
    name: str = strawberry.field(description="Its name, up to 200 characters.")
    kind: GroupKind = strawberry.field(description="Picked by hand, or the dynamic All Staff.")
    created_at: datetime = strawberry.field(description=CREATED_AT)
    licence_id: strawberry.Private[int]
    row: strawberry.Private[models.StaffGroup]

    @classmethod
    def _from_row(cls, row: models.StaffGroup) -> Self:
        return cls(id=row.id, name=row.name, kind=GroupKind(row.kind), created_at=row.created_at,
                   licence_id=row.licence_id, row=row)

    @strawberry.field(description="True for All Staff: its members follow the licence's seats.")
    def is_dynamic(self) -> bool:
        return self.kind == GroupKind.ALL_STAFF

    @strawberry.field(description="Its rule, in GroupRuleInput's shape, when its members follow one (setGroupRule); "
                      "null when they are picked by hand. A group it names that the caller may not see shows as "
                      "null.")
    async def rule(self, info: strawberry.Info) -> JSON | None:
        if self.row.rule is None:
            return None
        named = group_rules.groups_named(self.row.rule)
        seen = set(await access.nodes_by_id(info, StaffGroup, named)) if named else set()
        return shown(self.row.rule, seen)

    @field(Ability.VIEW_LICENCE, description="The licence the group belongs to.")
    async def licence(self, info: strawberry.Info) -> Licence | None:
        return await access.node(info, Licence, self.licence_id)

    @field(Ability.VIEW_GROUP, description="Current members, by name: staff with an active All Access Pass PLUS "
           "seat.")
    async def members(
        self, info: strawberry.Info,
        first: First = None, after: After = None, last: Last = None, before: Before = None,
        search: SearchName = None,
    ) -> Connection[Person]:
        page = await group_resolvers.list_members(
            info.context, self.row, window=Window(first, after, last, before), search=search
        )
        return await access.connection(info, Person, page)

    @field(Ability.VIEW_GROUP, description="Staff members put in charge of this group.")
    async def delegates(self, info: strawberry.Info) -> list[Person]:
        found = await access.rows(info, Person, await info.context.loaders.delegates_of_group.load(self.id))
        return [p for p in found if p is not None]

    @field(Ability.VIEW_GROUP, description="The group's target lists, by name.")
    async def target_lists(self, info: strawberry.Info) -> list["TargetList"]:
        subject = access.subject_of(self)
        lists = await info.context.loaders.lists_of_group.load(self.id)
        found = await access.rows(info, TargetList, [(t, subject) for t in lists])
        return [t for t in found if t is not None]

    @field(Ability.VIEW_GROUP_REPORT, description="Completion within the group, for its delegates and full "
           "administrators; null for anyone else.")
    async def report(self, info: strawberry.Info, on: JudgedOn = None) -> GroupReport | None:
        found, result = await report_resolvers.report_for(info.context, self.id, on)
        lists = await info.context.loaders.lists_of_group.load(self.id)
        report = GroupReport(
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
        return access.about(report, access.subject_of(self))

    @strawberry.field(description="What the caller may do here, so no front end re-implements the policy.")
    def viewer_can(self, info: strawberry.Info) -> GroupPermissions:
        subject = access.subject_of(self) or Subject()

        def can(ability: Ability) -> bool:
            return policy.can_on(info.context.principal, ability, subject)

        return GroupPermissions(
            edit=can(Ability.EDIT_GROUP),
            delete=can(Ability.DELETE_GROUP) and not self.is_dynamic(),
            delegate=can(Ability.DELEGATE_GROUP),
            report=can(Ability.VIEW_GROUP_REPORT),
        )


@strawberry.type(description="One course of a target list.")
class TargetListItem(OfCourse):
    position: int = strawberry.field(description="0 is done first.")
    due_on: date | None = strawberry.field(description="The date set on this course, if any.")
    effective_due_on: date | None = strawberry.field(
        description="When it is really due: the earliest date on it or on any course after it in the list."
    )
    renew_months: int | None = strawberry.field(
        description="How many months a completion holds before the course is due again; null: it holds for good."
    )


@strawberry.type(description="The seed's 'learning target group': an ordered list of courses in a staff group.")
class TargetList(SecuredNode):
    ability: ClassVar[Ability] = Ability.VIEW_GROUP
    model: ClassVar[type[SQLModel]] = models.TargetList

    id: relay.NodeID[int]
    name: str = strawberry.field(description="Its name, up to 200 characters.")
    group_id: strawberry.Private[int]

    @classmethod
    def _from_row(cls, row: models.TargetList) -> Self:
        return cls(id=row.id, name=row.name, group_id=row.group_id)

    @field(Ability.VIEW_GROUP, description="The staff group it belongs to.")
    async def group(self, info: strawberry.Info) -> StaffGroup | None:
        return await access.node(info, StaffGroup, self.group_id)

    @field(Ability.VIEW_GROUP, description="The courses in order.")
    async def items(self, info: strawberry.Info) -> list[TargetListItem]:
        rows = await info.context.loaders.items_of_list.load(self.id)
        effective = learning_paths.effective_due_dates(
            [learning_paths.ListItem(r.course_id, r.due_on) for r in rows]
        )
        return [
            TargetListItem(position=r.position, due_on=r.due_on, effective_due_on=e, renew_months=r.renew_months,
                           course_id=r.course_id)
            for r, e in zip(rows, effective, strict=True)
        ]


@strawberry.type(description="A target list a path item came from.")
class PathSource:
    id: strawberry.ID = strawberry.field(description="The TargetList's id.")
    name: str = strawberry.field(description="The list's name.")


@strawberry.type(description="One course on a learning path.")
class LearningPathItem(OfCourse):
    status: CourseStatus = strawberry.field(description="Not started, in progress or completed, on the path's date.")
    completed_on: date | None = strawberry.field(
        description="The school-local date it was completed (where it renews, the latest completion's)."
    )
    due_on: date | None = strawberry.field(description="The earliest date set on this course itself.")
    effective_due_on: date | None = strawberry.field(
        description="When it is really due, across every list: the earliest date on it or on anything "
        "that must come after it, or the later date an extension in force gives the person."
    )
    list_due_on: date | None = strawberry.field(
        description="The effective due date the lists alone set: differs from effectiveDueOn while an extension "
        "moves it."
    )
    due_state: DueState | None = strawberry.field(description="Never set for a completed course.")
    renews_on: date | None = strawberry.field(
        description="Where the course renews and has been completed: the school-local date its latest completion "
        "stops holding. From the school's due-soon days before it, the course is due again by that date."
    )
    last_completed_on: date | None = strawberry.field(
        description="While a renewing course is due again: the school-local date of the completion that held."
    )
    source_lists: list[PathSource] = field(Ability.VIEW_PATH, description="The target lists it came from.")
    extension_id: strawberry.Private[int | None]

    @field(Ability.VIEW_PATH, description="The extension in force that sets effectiveDueOn; null when the lists "
           "set the date.")
    async def extension(self, info: strawberry.Info) -> Annotated["TargetExtension", strawberry.lazy(
            "schema.extensions")] | None:
        return None if self.extension_id is None else await access.node(info, "TargetExtension", self.extension_id)


@strawberry.type(description="One staff member's merged, ordered to-do list in one licence.")
class LearningPath:
    on: date = strawberry.field(description="The school-local date the path is judged on.")
    items: list[LearningPathItem] = field(Ability.VIEW_PATH, description="In the order to take them.")
    person_id: strawberry.Private[int]
    licence_id: strawberry.Private[int]

    @classmethod
    def from_result(cls, result: PathResult) -> Self:
        """A path the policy let the caller see (resolvers.learning_paths.path)."""
        items = [
            access.about(LearningPathItem(
                status=CourseStatus(item.status),
                completed_on=item.completed_on,
                due_on=item.own_due_on,
                effective_due_on=item.effective_due_on,
                list_due_on=item.list_due_on,
                extension_id=result.extension_ids.get(item.course_id),
                due_state=DueState(item.urgency) if item.urgency else None,
                renews_on=item.renews_on,
                last_completed_on=item.last_completed_on,
                source_lists=[
                    PathSource(id=global_id("TargetList", i), name=result.list_names[i]) for i in item.list_ids
                ],
                course_id=item.course_id,
            ), result.subject)
            for item in result.items
        ]
        return access.about(cls(on=result.on, items=items, person_id=result.person_id, licence_id=result.licence_id),
                            result.subject)

    @field(Ability.VIEW_PERSON, description="Whose path it is.")
    async def person(self, info: strawberry.Info) -> Person | None:
        return await access.node(info, Person, self.person_id)

    @field(Ability.VIEW_LICENCE, description="The licence it is in.")
    async def licence(self, info: strawberry.Info) -> Licence | None:
        return await access.node(info, Licence, self.licence_id)
