"""Delegated administration (seed 000): only full administrators delegate a group; a
full administrator can never be a delegate; a delegate manages their group's members
and lists and sees its audit events, but never deletes, delegates or sees other groups.
Promotion or leaving the school ends a person's delegations."""

import pytest

from infra.database import Database
from tests.graphql.test_staff_groups import (
    REFUSED,
    Setup,
    es1,  # noqa: F401 (fixture)
    group_of,
    ids,
    list_of,
    make_group,
    make_list,
    members_of,
    pk,
    run,
    school_state,
    set_seat,
    succeed,
    token,
)
from tests.world import World

MY_GROUPS = """
query($licence: ID!) {
  me { staffGroups { nodes { id name viewerCan { edit delete delegate report } } } }
  licence: node(id: $licence) { ... on Licence { staffGroups { nodes { id } } } }
}
"""
DELEGATE_LOG = "{ auditLog(first: 100) { totalCount nodes { action staffGroupId targetType } } }"
GROUP_LOG = """
query($group: ID!) { auditLog(first: 100, filter: {staffGroupId: $group}) { totalCount nodes { id action } } }
"""
PROMOTE = "mutation($id: ID!) { promoteMember(input: {membershipId: $id}) { __typename } }"
REMOVE = "mutation($id: ID!) { removeMember(input: {membershipId: $id}) { __typename } }"
ALL = {"edit": True, "delete": True, "delegate": True, "report": True}
DELEGATE_CAN = {"edit": True, "delete": False, "delegate": False, "report": True}


async def delegate(gql, world: World, group: str, person: str, actor: str = "owner") -> None:
    result = await succeed(gql, "addGroupDelegate", {"groupId": group, "personId": world[person].gid},
                           world[actor].token)
    assert world[person].gid in ids((await group_of(gql, world, group))["delegates"]), result


async def delegates_of(gql, world: World, group: str) -> set[str]:
    return ids((await group_of(gql, world, group))["delegates"])


@pytest.fixture
async def es2(gql, world: World, es1: Setup) -> str:
    """A second group, Stage 2, with its own list, that Staff does not manage."""
    group = await make_group(gql, world, "Stage 2", ("staff2",))
    await make_list(gql, world, group, [es1.courses[2]], name="Stage 2 list")
    return group


# --- Who delegates --------------------------------------------------------------------


@pytest.mark.parametrize("actor", ["owner", "admin"])
async def test_a_full_administrator_adds_and_removes_a_delegate(gql, world: World, es1: Setup, actor: str) -> None:
    added = await succeed(gql, "addGroupDelegate", {"groupId": es1.group, "personId": world["staff2"].gid},
                          world[actor].token)
    assert added["staffGroup"]["id"] == es1.group
    assert await delegates_of(gql, world, es1.group) == {world["staff2"].gid}
    assert await group_of(gql, world, es1.group, "staff2") is not None

    await succeed(gql, "removeGroupDelegate", {"groupId": es1.group, "personId": world["staff2"].gid},
                  world[actor].token)
    assert await delegates_of(gql, world, es1.group) == set()
    # The charge ends at once: the group is gone from their view and their hands.
    assert await group_of(gql, world, es1.group, "staff2") is None
    result = await run(gql, "renameStaffGroup", {"groupId": es1.group, "name": "Mine"}, world["staff2"].token)
    assert result["code"] == "NOT_FOUND"


# Staff is a delegate of ES1 here, so is refused outright; everyone else as for any group.
DELEGATION_REFUSED = {**REFUSED, "staff": "FORBIDDEN"}


@pytest.mark.parametrize("op,person", [("addGroupDelegate", "staff2"), ("removeGroupDelegate", "staff")])
# The group's own delegate, a fellow member and another school's administrator; every caller
# against every mutation is tests/graphql/test_refusals.py's.
@pytest.mark.parametrize("actor", ["staff", "staff2", "owner_b"])
async def test_only_full_administrators_delegate(
    gql, world: World, db: Database, es1: Setup, actor: str, op: str, person: str
) -> None:
    """Not staff, not the group's own delegate (for others or themself), not another school, trust or system."""
    await delegate(gql, world, es1.group, "staff")
    before = await school_state(gql, world, db)
    result = await run(gql, op, {"groupId": es1.group, "personId": world[person].gid}, token(world, actor))
    assert result["code"] == DELEGATION_REFUSED[actor], result
    assert await school_state(gql, world, db) == before


@pytest.mark.parametrize("person", ["owner", "admin"])
@pytest.mark.parametrize("actor", ["owner", "admin"])
async def test_a_full_administrator_cannot_be_made_a_delegate(
    gql, world: World, db: Database, es1: Setup, actor: str, person: str
) -> None:
    before = await school_state(gql, world, db)
    result = await run(gql, "addGroupDelegate", {"groupId": es1.group, "personId": world[person].gid},
                       world[actor].token)
    assert (result["code"], result["field"]) == ("CONFLICT", "personId"), result
    assert "full administrator" in result["message"] and world[person].name in result["message"]
    assert await school_state(gql, world, db) == before


@pytest.mark.parametrize("op,person,code", [
    ("addGroupDelegate", "staff_b", "VALIDATION"),  # not a member of this school
    ("addGroupDelegate", "trust_admin", "VALIDATION"),
    ("addGroupDelegate", "staff", "CONFLICT"),  # already a delegate
    ("removeGroupDelegate", "staff2", "CONFLICT"),  # not a delegate
])
async def test_delegate_changes_that_make_no_sense_are_refused(
    gql, world: World, db: Database, es1: Setup, op: str, person: str, code: str
) -> None:
    await delegate(gql, world, es1.group, "staff")
    before = await school_state(gql, world, db)
    result = await run(gql, op, {"groupId": es1.group, "personId": world[person].gid}, world["owner"].token)
    assert (result["code"], result["field"]) == (code, "personId"), result
    assert await school_state(gql, world, db) == before


# --- What a delegate may do -----------------------------------------------------------


async def test_a_delegate_manages_their_groups_members_and_lists(gql, world: World, es1: Setup) -> None:
    await delegate(gql, world, es1.group, "staff2")
    me = world["staff2"].token
    await succeed(gql, "addStaffGroupMembers", {"groupId": es1.group, "personIds": [world["admin"].gid]}, me)
    await succeed(gql, "removeStaffGroupMembers", {"groupId": es1.group, "personIds": [world["staff"].gid]}, me)
    assert await members_of(gql, world, es1.group) == {world["admin"].gid}
    await succeed(gql, "renameStaffGroup", {"groupId": es1.group, "name": "ES1 (2031)"}, me)
    maths = await make_list(gql, world, es1.group, [es1.courses[2]], name="Maths", actor="staff2")
    await succeed(gql, "setTargetDueDate", {"targetListId": maths, "courseId": es1.courses[2], "dueOn": "2031-10-10"},
                  me)
    group = await group_of(gql, world, es1.group, "staff2")
    assert group["name"] == "ES1 (2031)"
    assert [(t["name"], t["items"][-1]["dueOn"]) for t in group["targetLists"]] == [
        ("Maths", "2031-10-10"), ("Phonics", None),
    ]


async def test_a_delegate_sees_only_their_groups_with_what_they_may_do(
    gql, world: World, es1: Setup, es2: str
) -> None:
    await delegate(gql, world, es1.group, "staff")
    data = await gql(MY_GROUPS, {"licence": world.licence("ashdown")}, token=world["staff"].token)
    assert data["me"]["staffGroups"]["nodes"] == [{"id": es1.group, "name": "ES1", "viewerCan": DELEGATE_CAN}]
    assert data["licence"]["staffGroups"]["nodes"] == [{"id": es1.group}]
    assert await group_of(gql, world, es2, "staff") is None
    assert await group_of(gql, world, world.all_staff_group("ashdown"), "staff") is None


@pytest.mark.parametrize("actor", ["owner", "admin"])
async def test_full_administrators_may_do_everything_but_delete_all_staff(
    gql, world: World, es1: Setup, actor: str
) -> None:
    data = await gql(MY_GROUPS, {"licence": world.licence("ashdown")}, token=world[actor].token)
    assert data["me"]["staffGroups"]["nodes"] == [
        {"id": world.all_staff_group("ashdown"), "name": "All Staff", "viewerCan": {**ALL, "delete": False}},
        {"id": es1.group, "name": "ES1", "viewerCan": ALL},
    ]


async def test_a_delegate_reads_the_audit_events_of_their_group_only(
    gql, world: World, es1: Setup, es2: str
) -> None:
    """Not another group's, and not the school's seat or membership events."""
    owner = world["owner"].token
    await delegate(gql, world, es1.group, "staff")
    await succeed(gql, "renameStaffGroup", {"groupId": es2, "name": "Stage 2 (2031)"}, owner)
    await succeed(gql, "addStaffGroupMembers", {"groupId": es1.group, "personIds": [world["staff2"].gid]}, owner)
    await set_seat(gql, world, "admin", active=False)
    await make_list(gql, world, world.all_staff_group("ashdown"), [es1.courses[0]], name="Welcome")

    theirs = (await gql(DELEGATE_LOG, token=world["staff"].token))["auditLog"]
    expected = (await gql(GROUP_LOG, {"group": es1.group}, token=owner))["auditLog"]
    assert {n["staffGroupId"] for n in theirs["nodes"]} == {es1.group}
    assert [n["action"] for n in theirs["nodes"]] == [n["action"] for n in expected["nodes"]] == [
        "GROUP_MEMBERS_ADDED", "DELEGATE_ADDED", "TARGET_LIST_CREATED", "GROUP_CREATED",
    ]
    # Asking for the other group's events, or one of them by id, finds nothing.
    other = (await gql(GROUP_LOG, {"group": es2}, token=owner))["auditLog"]
    assert other["totalCount"] > 0
    assert (await gql(GROUP_LOG, {"group": es2}, token=world["staff"].token))["auditLog"]["totalCount"] == 0
    node = await gql("query($id: ID!) { node(id: $id) { id } }", {"id": other["nodes"][0]["id"]},
                     token=world["staff"].token)
    assert node["node"] is None


NOT_THEIRS = {
    # (operation, input, what the delegate is told)
    "delete their group": ("deleteStaffGroup", lambda w, s, h: {"groupId": s.group, "confirmation": "YES"},
                           "FORBIDDEN"),
    "delegate their group": ("addGroupDelegate", lambda w, s, h: {"groupId": s.group, "personId": w["staff2"].gid},
                             "FORBIDDEN"),
    "create a group": ("createStaffGroup", lambda w, s, h: {"licenceId": w.licence("ashdown"), "name": "Mine",
                                                           "memberIds": [w["staff"].gid]}, "FORBIDDEN"),
    "rename another group": ("renameStaffGroup", lambda w, s, h: {"groupId": h, "name": "Mine"}, "NOT_FOUND"),
    "add to another group": ("addStaffGroupMembers", lambda w, s, h: {"groupId": h, "personIds": [w["staff"].gid]},
                             "NOT_FOUND"),
    "list in another group": ("createTargetList", lambda w, s, h: {"groupId": h, "name": "Mine"}, "NOT_FOUND"),
    "delete another group": ("deleteStaffGroup", lambda w, s, h: {"groupId": h, "confirmation": "YES"},
                             "NOT_FOUND"),
    "list in All Staff": ("createTargetList", lambda w, s, h: {"groupId": w.all_staff_group("ashdown"),
                                                               "name": "Mine"}, "NOT_FOUND"),
}


@pytest.mark.parametrize("case", NOT_THEIRS)
async def test_what_a_delegate_may_not_do(
    gql, world: World, db: Database, es1: Setup, es2: str, case: str
) -> None:
    await delegate(gql, world, es1.group, "staff")
    op, make, code = NOT_THEIRS[case]
    before = await school_state(gql, world, db)
    result = await run(gql, op, make(world, es1, es2), world["staff"].token)
    assert result["code"] == code, result
    assert await school_state(gql, world, db) == before


# --- When delegations end -------------------------------------------------------------

PROMOTED = """
query($id: ID!) { auditLog(filter: {actions: [MEMBER_PROMOTED], targetId: $id}) { nodes { after } } }
"""


async def test_promoting_a_delegate_to_administrator_ends_their_delegations(
    gql, world: World, es1: Setup, es2: str
) -> None:
    """A full administrator already manages every group, so the delegations go, and the log says which."""
    for group in (es1.group, es2):
        await delegate(gql, world, group, "staff")
    membership = world["staff"].membership("ashdown")
    assert (await gql(PROMOTE, {"id": membership}, token=world["owner"].token))["promoteMember"]["__typename"] == \
        "MembershipPayload"

    assert await delegates_of(gql, world, es1.group) == set()
    assert await delegates_of(gql, world, es2) == set()
    [event] = (await gql(PROMOTED, {"id": membership}, token=world["owner"].token))["auditLog"]["nodes"]
    assert event["after"]["ended_delegation_group_ids"] == sorted([pk(es1.group), pk(es2)])
    assert event["after"]["role"] == "ADMINISTRATOR"
    # They now manage everything as a full administrator.
    data = await gql(MY_GROUPS, {"licence": world.licence("ashdown")}, token=world["staff"].token)
    assert [g["viewerCan"] for g in data["me"]["staffGroups"]["nodes"]] == [{**ALL, "delete": False}, ALL, ALL]


TRANSFER = """
mutation($licence: ID!, $person: ID!) { transferOwnership(input: {licenceId: $licence, newOwnerId: $person}) {
  __typename } }
"""


async def test_becoming_the_owner_also_ends_a_delegates_delegations(gql, world: World, es1: Setup) -> None:
    """Taking ownership makes a Member a full administrator just as promotion does, and a full
    administrator can never be a group delegate."""
    await delegate(gql, world, es1.group, "staff")
    data = await gql(TRANSFER, {"licence": world.licence("ashdown"), "person": world["staff"].gid},
                     token=world["support"].token)
    assert data["transferOwnership"]["__typename"] == "LicencePayload"
    assert await delegates_of(gql, world, es1.group) == set()


REMOVED = """
query($id: ID!) { auditLog(filter: {actions: [MEMBER_REMOVED], targetId: $id}) { nodes { after } } }
"""


async def test_leaving_the_school_ends_delegations_and_group_memberships(
    gql, world: World, es1: Setup, es2: str
) -> None:
    await delegate(gql, world, es2, "staff")
    membership = world["staff"].membership("ashdown")
    assert (await gql(REMOVE, {"id": membership}, token=world["owner"].token))["removeMember"]["__typename"] == \
        "RemoveMemberPayload"

    assert await delegates_of(gql, world, es2) == set()
    assert world["staff"].gid not in await members_of(gql, world, es1.group)
    data = await gql(MY_GROUPS, {"licence": world.licence("ashdown")}, token=world["staff"].token)
    assert data["me"]["staffGroups"]["nodes"] == [] and data["licence"] is None
    assert await list_of(gql, world, es1.target_list, "staff") is None
    [event] = (await gql(REMOVED, {"id": membership}, token=world["owner"].token))["auditLog"]["nodes"]
    assert event["after"]["ended_delegation_group_ids"] == [pk(es2)]
    assert event["after"]["left_group_ids"] == [pk(es1.group)]


async def test_a_returning_member_does_not_get_old_groups_back(gql, world: World, es1: Setup) -> None:
    """Leaving took them out of ES1; being added to the school again with a seat puts them only in All Staff."""
    await gql(REMOVE, {"id": world["staff"].membership("ashdown")}, token=world["owner"].token)
    await gql("""mutation($org: ID!, $email: String!) { addMember(input: {organisationId: $org, email: $email,
      displayName: "Staff"}) { __typename } }""", {"org": world.org("ashdown"), "email": world["staff"].email},
              token=world["owner"].token)
    await set_seat(gql, world, "staff", active=True)
    assert world["staff"].gid in await members_of(gql, world, world.all_staff_group("ashdown"))
    assert world["staff"].gid not in await members_of(gql, world, es1.group)
