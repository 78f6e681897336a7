"""Mutations on staff groups, their delegates and their target lists. Each answers
NOT_AVAILABLE while the licence has fewer than two individuals (deleting excepted)."""

from datetime import date
from typing import Any

import strawberry

from permissions.policy import Ability
from resolvers import groups as group_resolvers
from resolvers import target_lists as list_resolvers
from resolvers.target_lists import Target
from schema import errors
from schema.groups import StaffGroup, TargetList
from schema.ids import decode, global_id
from schema.mutations import attempt
from schema.permission import mutation


@strawberry.type
class StaffGroupPayload:
    staff_group: StaffGroup


@strawberry.type
class TargetListPayload:
    target_list: TargetList


@strawberry.type(description="What was deleted. The audit event keeps its full content.")
class DeletedPayload:
    deleted_id: strawberry.ID


@strawberry.input(description="A course for a target list, with an optional date.")
class TargetInput:
    course_id: strawberry.ID
    due_on: date | None = strawberry.field(default=None, description="A school-local date.")


@strawberry.input(description="Step one: a name and the group's staff.")
class CreateStaffGroupInput:
    licence_id: strawberry.ID
    name: str
    member_ids: list[strawberry.ID] = strawberry.field(default_factory=list, description="People with staff seats.")


@strawberry.input
class RenameStaffGroupInput:
    group_id: strawberry.ID
    name: str


@strawberry.input
class StaffGroupMembersInput:
    group_id: strawberry.ID
    person_ids: list[strawberry.ID]


@strawberry.input
class GroupDelegateInput:
    group_id: strawberry.ID
    person_id: strawberry.ID


@strawberry.input
class DeleteStaffGroupInput:
    group_id: strawberry.ID
    confirmation: str = strawberry.field(description="Exactly YES, in capitals: there is no undo.")


@strawberry.input(description="Steps two and three: a named list of target courses, in order, with any dates.")
class CreateTargetListInput:
    group_id: strawberry.ID
    name: str
    courses: list[TargetInput] = strawberry.field(default_factory=list)


@strawberry.input
class RenameTargetListInput:
    target_list_id: strawberry.ID
    name: str


@strawberry.input(description="Courses to add at the end of a list.")
class AddTargetCoursesInput:
    target_list_id: strawberry.ID
    courses: list[TargetInput]


@strawberry.input
class TargetCourseInput:
    target_list_id: strawberry.ID
    course_id: strawberry.ID


@strawberry.input(description="The whole new order: every course of the list, once.")
class ReorderTargetListInput:
    target_list_id: strawberry.ID
    course_ids: list[strawberry.ID]


@strawberry.input
class SetTargetDueDateInput:
    target_list_id: strawberry.ID
    course_id: strawberry.ID
    due_on: date | None = strawberry.field(description="A school-local date; null clears it.")


@strawberry.input
class DeleteTargetListInput:
    target_list_id: strawberry.ID
    confirmation: str = strawberry.field(description="Exactly YES, in capitals: there is no undo.")


def _group(row: Any) -> StaffGroupPayload:
    return StaffGroupPayload(staff_group=StaffGroup.from_row(row))


def _list(row: Any) -> TargetListPayload:
    return TargetListPayload(target_list=TargetList.from_row(row))


def _deleted(type_name: str) -> Any:
    return lambda row: DeletedPayload(deleted_id=global_id(type_name, row.id))


def _targets(courses: list[TargetInput]) -> list[Target]:
    return [Target(decode(c.course_id, "Course", "courses"), c.due_on) for c in courses]


def _people(ids: list[strawberry.ID], field: str) -> list[int]:
    return [decode(i, "Person", field) for i in ids]


def _group_id(value: strawberry.ID) -> int:
    return decode(value, "StaffGroup", "groupId")


def _list_id(value: strawberry.ID) -> int:
    return decode(value, "TargetList", "targetListId")


@strawberry.type
class GroupMutations:
    @mutation(Ability.SIGNED_IN, description="Create a staff group: its name and staff (step one of three). "
              "Full administrators only.")
    async def create_staff_group(
        self, info: strawberry.Info, input: CreateStaffGroupInput
    ) -> errors.result("createStaffGroup", StaffGroupPayload):
        return await attempt(
            lambda: group_resolvers.create_group(
                info.context, licence_id=decode(input.licence_id, "Licence", "licenceId"), name=input.name,
                member_ids=_people(input.member_ids, "memberIds"),
            ),
            _group,
        )

    @mutation(Ability.SIGNED_IN, description="Rename a staff group (not All Staff).")
    async def rename_staff_group(
        self, info: strawberry.Info, input: RenameStaffGroupInput
    ) -> errors.result("renameStaffGroup", StaffGroupPayload):
        return await attempt(
            lambda: group_resolvers.rename_group(info.context, group_id=_group_id(input.group_id), name=input.name),
            _group,
        )

    @mutation(Ability.SIGNED_IN, description="Add staff to a group. All Staff's members follow the seats instead.")
    async def add_staff_group_members(
        self, info: strawberry.Info, input: StaffGroupMembersInput
    ) -> errors.result("addStaffGroupMembers", StaffGroupPayload):
        return await attempt(
            lambda: group_resolvers.change_members(
                info.context, group_id=_group_id(input.group_id), person_ids=_people(input.person_ids, "personIds"),
                add=True,
            ),
            _group,
        )

    @mutation(Ability.SIGNED_IN, description="Take staff out of a group. Their progress stays.")
    async def remove_staff_group_members(
        self, info: strawberry.Info, input: StaffGroupMembersInput
    ) -> errors.result("removeStaffGroupMembers", StaffGroupPayload):
        return await attempt(
            lambda: group_resolvers.change_members(
                info.context, group_id=_group_id(input.group_id), person_ids=_people(input.person_ids, "personIds"),
                add=False,
            ),
            _group,
        )

    @mutation(Ability.SIGNED_IN, description="Delete a staff group and its target lists. Needs confirmation "
              "YES; All Staff cannot be deleted. Full administrators only.")
    async def delete_staff_group(
        self, info: strawberry.Info, input: DeleteStaffGroupInput
    ) -> errors.result("deleteStaffGroup", DeletedPayload):
        return await attempt(
            lambda: group_resolvers.delete_group(
                info.context, group_id=_group_id(input.group_id), confirmation=input.confirmation
            ),
            _deleted("StaffGroup"),
        )

    @mutation(Ability.SIGNED_IN, description="Put a staff member in charge of a group. Full administrators "
              "only, and a full administrator cannot be made a delegate.")
    async def add_group_delegate(
        self, info: strawberry.Info, input: GroupDelegateInput
    ) -> errors.result("addGroupDelegate", StaffGroupPayload):
        return await attempt(
            lambda: group_resolvers.change_delegate(
                info.context, group_id=_group_id(input.group_id),
                person_id=decode(input.person_id, "Person", "personId"), add=True,
            ),
            _group,
        )

    @mutation(Ability.SIGNED_IN, description="End a delegate's charge of a group. Full administrators only.")
    async def remove_group_delegate(
        self, info: strawberry.Info, input: GroupDelegateInput
    ) -> errors.result("removeGroupDelegate", StaffGroupPayload):
        return await attempt(
            lambda: group_resolvers.change_delegate(
                info.context, group_id=_group_id(input.group_id),
                person_id=decode(input.person_id, "Person", "personId"), add=False,
            ),
            _group,
        )

    @mutation(Ability.SIGNED_IN, description="Add a target list to a group: its courses in order, with any "
              "dates (steps two and three). A course appears at most once.")
    async def create_target_list(
        self, info: strawberry.Info, input: CreateTargetListInput
    ) -> errors.result("createTargetList", TargetListPayload):
        return await attempt(
            lambda: list_resolvers.create_list(
                info.context, group_id=_group_id(input.group_id), name=input.name, courses=_targets(input.courses)
            ),
            _list,
        )

    @mutation(Ability.SIGNED_IN, description="Rename a target list.")
    async def rename_target_list(
        self, info: strawberry.Info, input: RenameTargetListInput
    ) -> errors.result("renameTargetList", TargetListPayload):
        return await attempt(
            lambda: list_resolvers.rename_list(
                info.context, list_id=_list_id(input.target_list_id), name=input.name
            ),
            _list,
        )

    @mutation(Ability.SIGNED_IN, description="Add courses at the end of a target list.")
    async def add_target_courses(
        self, info: strawberry.Info, input: AddTargetCoursesInput
    ) -> errors.result("addTargetCourses", TargetListPayload):
        return await attempt(
            lambda: list_resolvers.add_courses(
                info.context, list_id=_list_id(input.target_list_id), courses=_targets(input.courses)
            ),
            _list,
        )

    @mutation(Ability.SIGNED_IN, description="Take a course off a target list. Progress in it stays.")
    async def remove_target_course(
        self, info: strawberry.Info, input: TargetCourseInput
    ) -> errors.result("removeTargetCourse", TargetListPayload):
        return await attempt(
            lambda: list_resolvers.remove_course(
                info.context, list_id=_list_id(input.target_list_id),
                course_id=decode(input.course_id, "Course", "courseId"),
            ),
            _list,
        )

    @mutation(Ability.SIGNED_IN, description="Set the whole order of a target list at once.")
    async def reorder_target_list(
        self, info: strawberry.Info, input: ReorderTargetListInput
    ) -> errors.result("reorderTargetList", TargetListPayload):
        return await attempt(
            lambda: list_resolvers.reorder(
                info.context, list_id=_list_id(input.target_list_id),
                course_ids=[decode(c, "Course", "courseIds") for c in input.course_ids],
            ),
            _list,
        )

    @mutation(Ability.SIGNED_IN, description="Set or clear the date of one course on a target list.")
    async def set_target_due_date(
        self, info: strawberry.Info, input: SetTargetDueDateInput
    ) -> errors.result("setTargetDueDate", TargetListPayload):
        return await attempt(
            lambda: list_resolvers.set_due_date(
                info.context, list_id=_list_id(input.target_list_id),
                course_id=decode(input.course_id, "Course", "courseId"), due_on=input.due_on,
            ),
            _list,
        )

    @mutation(Ability.SIGNED_IN, description="Delete a target list. Needs confirmation YES. Full "
              "administrators only.")
    async def delete_target_list(
        self, info: strawberry.Info, input: DeleteTargetListInput
    ) -> errors.result("deleteTargetList", DeletedPayload):
        return await attempt(
            lambda: list_resolvers.delete_list(
                info.context, list_id=_list_id(input.target_list_id), confirmation=input.confirmation
            ),
            _deleted("TargetList"),
        )
