"""Mutations on staff groups, their delegates and their target lists. Each answers
NOT_AVAILABLE while the licence has fewer than two individuals (deleting excepted)."""

from datetime import date
from functools import partial
from typing import Any, Self

import strawberry

from permissions.policy import Ability
from resolvers import groups as group_resolvers
from resolvers import target_lists as list_resolvers
from schema import group_rules as group_rule_schema
from schema.group_rules import SetGroupRuleInput
from schema.groups import StaffGroup, TargetList
from schema.ids import global_id, ref
from schema.mutation import mutation, node_payload
from schema.nodes import Licence


StaffGroupPayload = node_payload("StaffGroupPayload", StaffGroup, "The staff group as it now is.")


TargetListPayload = node_payload("TargetListPayload", TargetList, "The target list as it now is.")


@strawberry.type(description="What was deleted. The audit event keeps its full content.")
class DeletedPayload:
    deleted_id: strawberry.ID = strawberry.field(description="The global id it had; it is never handed out again.")

    @classmethod
    async def of(cls, info: strawberry.Info, row: Any) -> Self:
        return cls(deleted_id=global_id(type(row).__name__, row.id))


@strawberry.input(description="A course for a target list, with an optional date.")
class TargetInput:
    course_id: strawberry.ID = ref("Course", description="A course of the catalogue.")
    due_on: date | None = strawberry.field(default=None, description="A school-local date; null for none.")
    renew_months: int | None = strawberry.field(
        default=None, description="Months a completion holds before the course is due again (1 to 120); null: for "
        "good.",
    )


@strawberry.input(description="Step one: a name and the group's staff.")
class CreateStaffGroupInput:
    licence_id: strawberry.ID = ref("Licence", description="The school's licence.")
    name: str = strawberry.field(description="Up to 200 characters.")
    member_ids: list[strawberry.ID] = ref("Person", default_factory=list, description="People with staff seats.")


@strawberry.input(description="A new name for a group.")
class RenameStaffGroupInput:
    group_id: strawberry.ID = ref("StaffGroup", description="The group.")
    name: str = strawberry.field(description="Up to 200 characters.")


@strawberry.input(description="Staff to add to a group or take out of it.")
class StaffGroupMembersInput:
    group_id: strawberry.ID = ref("StaffGroup", description="The group.")
    person_ids: list[strawberry.ID] = ref("Person", description="At least one person.")


@strawberry.input(description="A group and a staff member to put in charge of it, or take out of charge.")
class GroupDelegateInput:
    group_id: strawberry.ID = ref("StaffGroup", description="The group.")
    person_id: strawberry.ID = ref("Person", description="A staff member of the school, not a full administrator.")


@strawberry.input(description="A group to delete, with its target lists.")
class DeleteStaffGroupInput:
    group_id: strawberry.ID = ref("StaffGroup", description="The group.")
    confirmation: str = strawberry.field(description="Exactly YES, in capitals: there is no undo.")


@strawberry.input(description="Steps two and three: a named list of target courses, in order, with any dates.")
class CreateTargetListInput:
    group_id: strawberry.ID = ref("StaffGroup", description="The group the list belongs to.")
    name: str = strawberry.field(description="Up to 200 characters.")
    courses: list[TargetInput] = strawberry.field(default_factory=list, description="In order; each at most once.")


@strawberry.input(description="A new name for a target list.")
class RenameTargetListInput:
    target_list_id: strawberry.ID = ref("TargetList", description="The list.")
    name: str = strawberry.field(description="Up to 200 characters.")


@strawberry.input(description="Courses to add at the end of a list.")
class AddTargetCoursesInput:
    target_list_id: strawberry.ID = ref("TargetList", description="The list.")
    courses: list[TargetInput] = strawberry.field(description="At least one; none already on the list.")


@strawberry.input(description="One course of one target list.")
class TargetCourseInput:
    target_list_id: strawberry.ID = ref("TargetList", description="The list.")
    course_id: strawberry.ID = ref("Course", description="A course on the list.")


@strawberry.input(description="The whole new order: every course of the list, once.")
class ReorderTargetListInput:
    target_list_id: strawberry.ID = ref("TargetList", description="The list.")
    course_ids: list[strawberry.ID] = ref("Course", description="Every course of the list, once, in the new order.")


@strawberry.input(description="A date for one course of a list, or none.")
class SetTargetDueDateInput:
    target_list_id: strawberry.ID = ref("TargetList", description="The list.")
    course_id: strawberry.ID = ref("Course", description="A course on the list.")
    due_on: date | None = strawberry.field(description="A school-local date; null clears it.")


@strawberry.input(description="A renewal period for one course of a list, or none.")
class SetTargetRenewalInput:
    target_list_id: strawberry.ID = ref("TargetList", description="The list.")
    course_id: strawberry.ID = ref("Course", description="A course on the list.")
    renew_months: int | None = strawberry.field(
        description="Months a completion holds before the course is due again (1 to 120); null clears it."
    )


@strawberry.input(description="A target list to delete.")
class DeleteTargetListInput:
    target_list_id: strawberry.ID = ref("TargetList", description="The list.")
    confirmation: str = strawberry.field(description="Exactly YES, in capitals: there is no undo.")


@strawberry.type
class GroupMutations:
    create_staff_group = mutation(
        "createStaffGroup", CreateStaffGroupInput, StaffGroupPayload, ability=Ability.CREATE_GROUP, target=Licence,
        previewable=True, use=group_resolvers.create_group,
        description="Create a staff group: its name and staff (step one of three). Full administrators only.",
    )
    rename_staff_group = mutation(
        "renameStaffGroup", RenameStaffGroupInput, StaffGroupPayload, ability=Ability.EDIT_GROUP, target=StaffGroup,
        use=group_resolvers.rename_group, description="Rename a staff group (not All Staff).",
    )
    add_staff_group_members = mutation(
        "addStaffGroupMembers", StaffGroupMembersInput, StaffGroupPayload, ability=Ability.EDIT_GROUP,
        target=StaffGroup, previewable=True, use=partial(group_resolvers.change_members, add=True),
        description="Add staff to a group. All Staff's members follow the seats instead.",
    )
    remove_staff_group_members = mutation(
        "removeStaffGroupMembers", StaffGroupMembersInput, StaffGroupPayload, ability=Ability.EDIT_GROUP,
        target=StaffGroup, previewable=True, use=partial(group_resolvers.change_members, add=False),
        description="Take staff out of a group. Their progress stays.",
    )
    delete_staff_group = mutation(
        "deleteStaffGroup", DeleteStaffGroupInput, DeletedPayload, ability=Ability.DELETE_GROUP, target=StaffGroup,
        previewable=True, use=group_resolvers.delete_group,
        description="Delete a staff group and its target lists. Needs confirmation YES; All Staff cannot be "
        "deleted. Full administrators only.",
    )
    set_group_rule = mutation(
        "setGroupRule", SetGroupRuleInput, StaffGroupPayload, ability=Ability.SET_GROUP_RULE, target=StaffGroup,
        previewable=True, use=group_rule_schema.set_rule,
        description="Give a staff group a rule: its members are then the school's staff the rule picks, joining "
        "and leaving as people change, each move audited with its reason; no one is added or removed by hand. "
        "Null clears it. Full administrators only; delegates still edit its lists.",
    )
    add_group_delegate = mutation(
        "addGroupDelegate", GroupDelegateInput, StaffGroupPayload, ability=Ability.DELEGATE_GROUP, target=StaffGroup,
        use=partial(group_resolvers.change_delegate, add=True),
        description="Put a staff member in charge of a group. Full administrators only, and a full "
        "administrator cannot be made a delegate.",
    )
    remove_group_delegate = mutation(
        "removeGroupDelegate", GroupDelegateInput, StaffGroupPayload, ability=Ability.DELEGATE_GROUP,
        target=StaffGroup, use=partial(group_resolvers.change_delegate, add=False),
        description="End a delegate's charge of a group. Full administrators only.",
    )
    create_target_list = mutation(
        "createTargetList", CreateTargetListInput, TargetListPayload, ability=Ability.EDIT_GROUP, target=StaffGroup,
        previewable=True, use=list_resolvers.create_list,
        description="Add a target list to a group: its courses in order, with any dates (steps two and three). "
        "A course appears at most once.",
    )
    rename_target_list = mutation(
        "renameTargetList", RenameTargetListInput, TargetListPayload, ability=Ability.EDIT_GROUP, target=TargetList,
        use=list_resolvers.rename_list, description="Rename a target list.",
    )
    add_target_courses = mutation(
        "addTargetCourses", AddTargetCoursesInput, TargetListPayload, ability=Ability.EDIT_GROUP, target=TargetList,
        previewable=True, use=list_resolvers.add_courses, description="Add courses at the end of a target list.",
    )
    remove_target_course = mutation(
        "removeTargetCourse", TargetCourseInput, TargetListPayload, ability=Ability.EDIT_GROUP, target=TargetList,
        previewable=True, use=list_resolvers.remove_course,
        description="Take a course off a target list. Progress in it stays.",
    )
    reorder_target_list = mutation(
        "reorderTargetList", ReorderTargetListInput, TargetListPayload, ability=Ability.EDIT_GROUP,
        target=TargetList, previewable=True, use=list_resolvers.reorder,
        description="Set the whole order of a target list at once.",
    )
    set_target_due_date = mutation(
        "setTargetDueDate", SetTargetDueDateInput, TargetListPayload, ability=Ability.EDIT_GROUP, target=TargetList,
        previewable=True, use=list_resolvers.set_due_date,
        description="Set or clear the date of one course on a target list.",
    )
    set_target_renewal = mutation(
        "setTargetRenewal", SetTargetRenewalInput, TargetListPayload, ability=Ability.EDIT_GROUP, target=TargetList,
        previewable=True, use=list_resolvers.set_renewal,
        description="Set or clear how long a completion of one course on a target list holds: from the school's "
        "due-soon days before it lapses, the course is due again on each path.",
    )
    delete_target_list = mutation(
        "deleteTargetList", DeleteTargetListInput, DeletedPayload, ability=Ability.DELETE_GROUP, target=TargetList,
        previewable=True, use=list_resolvers.delete_list,
        description="Delete a target list. Needs confirmation YES. Full administrators only.",
    )
