"""Staff groups (seed 000): made in three steps, a person in many groups, the dynamic
All Staff group that follows the seats, the two-individual threshold, deleting with
`YES` only, bad input, and who may do what. Each refusal must change nothing.

The helpers at the top are shared with test_target_lists.py and test_delegation.py."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from strawberry.relay import GlobalID

from infra.database import Database
from domain import tokens
from domain.models import ApiToken, AuditEvent, Course, Enrolment, TargetList, TargetListItem, utcnow
from schema.ids import global_id
from tests.world import World

# --- Shared helpers -------------------------------------------------------------------

ERROR = "... on Error { code message field }"
GROUP_PAYLOAD = "... on StaffGroupPayload { staffGroup { id name kind isDynamic members { nodes { id } } } }"
LIST_PAYLOAD = (
    "... on TargetListPayload { targetList { id name items { position dueOn effectiveDueOn course { id } } } }"
)
DELETED_PAYLOAD = "... on DeletedPayload { deletedId }"

MUTATIONS = {
    "createStaffGroup": ("CreateStaffGroupInput", GROUP_PAYLOAD),
    "renameStaffGroup": ("RenameStaffGroupInput", GROUP_PAYLOAD),
    "addStaffGroupMembers": ("StaffGroupMembersInput", GROUP_PAYLOAD),
    "removeStaffGroupMembers": ("StaffGroupMembersInput", GROUP_PAYLOAD),
    "deleteStaffGroup": ("DeleteStaffGroupInput", DELETED_PAYLOAD),
    "addGroupDelegate": ("GroupDelegateInput", GROUP_PAYLOAD),
    "removeGroupDelegate": ("GroupDelegateInput", GROUP_PAYLOAD),
    "createTargetList": ("CreateTargetListInput", LIST_PAYLOAD),
    "renameTargetList": ("RenameTargetListInput", LIST_PAYLOAD),
    "addTargetCourses": ("AddTargetCoursesInput", LIST_PAYLOAD),
    "removeTargetCourse": ("TargetCourseInput", LIST_PAYLOAD),
    "reorderTargetList": ("ReorderTargetListInput", LIST_PAYLOAD),
    "setTargetDueDate": ("SetTargetDueDateInput", LIST_PAYLOAD),
    "deleteTargetList": ("DeleteTargetListInput", DELETED_PAYLOAD),
}
SUCCESS = {
    "createStaffGroup": "StaffGroupPayload", "renameStaffGroup": "StaffGroupPayload",
    "addStaffGroupMembers": "StaffGroupPayload", "removeStaffGroupMembers": "StaffGroupPayload",
    "addGroupDelegate": "StaffGroupPayload", "removeGroupDelegate": "StaffGroupPayload",
    "deleteStaffGroup": "DeletedPayload", "deleteTargetList": "DeletedPayload",
    "createTargetList": "TargetListPayload", "renameTargetList": "TargetListPayload",
    "addTargetCourses": "TargetListPayload", "removeTargetCourse": "TargetListPayload",
    "reorderTargetList": "TargetListPayload", "setTargetDueDate": "TargetListPayload",
}

GROUP_FIELDS = """
  id name kind isDynamic
  members(first: 100) { nodes { id } }
  delegates { id }
  targetLists { id name items { position dueOn effectiveDueOn course { id } } }
"""
GROUP = "query($id: ID!) { node(id: $id) { ... on StaffGroup { " + GROUP_FIELDS + " } } }"
LIST = """
query($id: ID!) { node(id: $id) { ... on TargetList {
  id name group { id } items { position dueOn effectiveDueOn course { id title } } } } }
"""
SCHOOL_GROUPS = "query($id: ID!) { node(id: $id) { ... on Licence { staffGroups(first: 100) { nodes { " + \
    GROUP_FIELDS + " } } } } }"
PATH = """
query($licence: ID) { me { learningPath(licenceId: $licence) { items { course { id } sourceLists { id name } } } } }
"""


def token(world: World, actor: str) -> str:
    return world.system_token if actor == "system" else world[actor].token


async def run(gql, name: str, input: dict[str, Any], token: str) -> dict[str, Any]:
    """One group or list mutation; its result (a payload or a typed error)."""
    input_type, payload = MUTATIONS[name]
    query = f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ __typename {payload} {ERROR} }} }}"
    return (await gql(query, {"input": input}, token=token))[name]


async def succeed(gql, name: str, input: dict[str, Any], token: str) -> dict[str, Any]:
    result = await run(gql, name, input, token)
    assert result["__typename"] == SUCCESS[name], result
    return result


def course(world: World, index: int) -> str:
    return global_id("Course", world.courses[index])


def pk(gid: str) -> int:
    return int(GlobalID.from_id(gid).node_id)


def ids(nodes: list[dict[str, Any]]) -> set[str]:
    return {n["id"] for n in nodes}


async def make_group(gql, world: World, name: str = "ES1", members: tuple[str, ...] = ("staff",),
                     actor: str = "owner", licence: str = "ashdown") -> str:
    result = await succeed(gql, "createStaffGroup", {
        "licenceId": world.licence(licence), "name": name, "memberIds": [world[m].gid for m in members],
    }, world[actor].token)
    return result["staffGroup"]["id"]


async def make_list(gql, world: World, group: str, courses: list[str], name: str = "Phonics",
                    actor: str = "owner", dates: dict[str, str] | None = None) -> str:
    dates = dates or {}
    result = await succeed(gql, "createTargetList", {
        "groupId": group, "name": name, "courses": [{"courseId": c, "dueOn": dates.get(c)} for c in courses],
    }, world[actor].token)
    return result["targetList"]["id"]


async def group_of(gql, world: World, group: str, actor: str = "owner") -> dict[str, Any] | None:
    return (await gql(GROUP, {"id": group}, token=token(world, actor)))["node"]


async def list_of(gql, world: World, target_list: str, actor: str = "owner") -> dict[str, Any] | None:
    return (await gql(LIST, {"id": target_list}, token=token(world, actor)))["node"]


async def members_of(gql, world: World, group: str, actor: str = "owner") -> set[str]:
    found = await group_of(gql, world, group, actor)
    assert found is not None
    return ids(found["members"]["nodes"])


async def path_courses(gql, world: World, actor: str, licence: str = "ashdown") -> list[str] | None:
    """The course ids on the actor's own learning path in a licence, in order."""
    path = (await gql(PATH, {"licence": world.licence(licence)}, token=world[actor].token))["me"]["learningPath"]
    return None if path is None else [item["course"]["id"] for item in path["items"]]


async def audit_count(db: Database) -> int:
    """Straight from the table, so nothing the API hides can hide an event."""
    async with db.read() as session:
        return (await session.execute(select(func.count()).select_from(AuditEvent))).scalar_one()


async def school_state(gql, world: World, db: Database, school: str = "ashdown") -> tuple[Any, int]:
    """Every group of a school with its members, delegates and lists, as its owner sees
    them, and the number of audit events: what a refused mutation must leave alone."""
    owner = "owner" if school == "ashdown" else "owner_b"
    groups = (await gql(SCHOOL_GROUPS, {"id": world.licence(school)}, token=world[owner].token))["node"]
    return groups, await audit_count(db)


async def new_courses(db: Database, titles: list[str]) -> list[str]:
    """More catalogue courses; their global ids in the order given."""
    async with db.write() as session:
        rows = [Course(code=f"X{i}-{t[:20]}", title=t) for i, t in enumerate(titles)]
        session.add_all(rows)
        await session.flush()
        return [global_id("Course", r.id) for r in rows]


ADD_MEMBER = """
mutation($org: ID!, $email: String!, $name: String!) {
  addMember(input: {organisationId: $org, email: $email, displayName: $name}) {
    ... on MembershipPayload { membership { id person { id } } } } }
"""
ADD_SEAT = """
mutation($licence: ID!, $person: ID!, $subscription: SubscriptionKind!) {
  addSeat(input: {licenceId: $licence, personId: $person, subscription: $subscription}) {
    __typename ... on SeatPayload { seat { id } } } }
"""
SEAT = "mutation($id: ID!) { %s(input: {seatId: $id}) { __typename } }"


async def add_person(gql, org: str, licence: str, email: str, seat: str | None, owner_token: str) -> str:
    """A new member of a school, with a seat of the given subscription (or none); their Person id."""
    added = await gql(ADD_MEMBER, {"org": org, "email": email, "name": email.split("@")[0].title()},
                      token=owner_token)
    person = added["addMember"]["membership"]["person"]["id"]
    if seat is not None:
        data = await gql(ADD_SEAT, {"licence": licence, "person": person, "subscription": seat}, token=owner_token)
        assert data["addSeat"]["__typename"] == "SeatPayload", data
    return person


async def new_person(gql, world: World, email: str, seat: str | None = "ALL_ACCESS_PASS_PLUS") -> str:
    """A new member of Ashdown, added by its owner."""
    return await add_person(gql, world.org("ashdown"), world.licence("ashdown"), email, seat, world["owner"].token)


async def set_seat(gql, world: World, actor: str, active: bool) -> None:
    mutation = "reactivateSeat" if active else "deactivateSeat"
    data = await gql(SEAT % mutation, {"id": world.seat(actor)}, token=world["owner"].token)
    assert data[mutation]["__typename"] == "SeatPayload", data


async def person_token(db: Database, person_id: int) -> str:
    """A bearer token for someone the world did not make (a new school's owner)."""
    plain = tokens.new_token()
    async with db.write() as session:
        session.add(ApiToken(token_hash=tokens.digest(plain), name="test", person_id=person_id,
                             expires_at=utcnow() + timedelta(days=30)))
    return plain


@dataclass
class Setup:
    """Ashdown with a group ES1 (Staff in it) holding a list Phonics of courses 1 and 2."""

    group: str
    target_list: str
    courses: list[str]


@pytest.fixture
async def es1(gql, world: World) -> Setup:
    group = await make_group(gql, world, "ES1", ("staff",))
    courses = [course(world, i) for i in range(3)]
    target_list = await make_list(gql, world, group, courses[:2])
    return Setup(group, target_list, courses)


# What each group operation asks, on `es1`; each changes something when allowed.
GROUP_OPS: dict[str, Callable[[World, Setup], dict[str, Any]]] = {
    "renameStaffGroup": lambda w, s: {"groupId": s.group, "name": "Stage 1"},
    "addStaffGroupMembers": lambda w, s: {"groupId": s.group, "personIds": [w["staff2"].gid]},
    "removeStaffGroupMembers": lambda w, s: {"groupId": s.group, "personIds": [w["staff"].gid]},
    "deleteStaffGroup": lambda w, s: {"groupId": s.group, "confirmation": "YES"},
    "createTargetList": lambda w, s: {"groupId": s.group, "name": "Maths", "courses": [{"courseId": s.courses[2]}]},
}
LIST_OPS: dict[str, Callable[[World, Setup], dict[str, Any]]] = {
    "renameTargetList": lambda w, s: {"targetListId": s.target_list, "name": "Phonics (revised)"},
    "addTargetCourses": lambda w, s: {"targetListId": s.target_list, "courses": [{"courseId": s.courses[2]}]},
    "removeTargetCourse": lambda w, s: {"targetListId": s.target_list, "courseId": s.courses[0]},
    "reorderTargetList": lambda w, s: {"targetListId": s.target_list, "courseIds": [s.courses[1], s.courses[0]]},
    "setTargetDueDate": lambda w, s: {"targetListId": s.target_list, "courseId": s.courses[0], "dueOn": "2031-01-31"},
    "deleteTargetList": lambda w, s: {"targetListId": s.target_list, "confirmation": "YES"},
}

# Everyone but Ashdown's full administrators, and what a group mutation tells them: none
# of them may see Ashdown's groups except support, who may look but runs no school's business.
REFUSED = {
    "staff": "NOT_FOUND",
    "staff2": "NOT_FOUND",
    "owner_b": "NOT_FOUND",
    "staff_b": "NOT_FOUND",
    "trust_admin": "NOT_FOUND",
    "trust_member": "NOT_FOUND",
    "system": "NOT_FOUND",
    "support": "FORBIDDEN",
}

# --- The seed's three steps -----------------------------------------------------------


@pytest.mark.parametrize("actor", ["owner", "admin"])
async def test_a_group_is_made_in_the_seeds_three_steps(gql, world: World, actor: str) -> None:
    """Step 1 name and staff, step 2 target courses, step 3 order and dates: each step shows at once."""
    c1, c2, c3 = (course(world, i) for i in range(3))
    step1 = await succeed(gql, "createStaffGroup", {
        "licenceId": world.licence("ashdown"), "name": "ES1", "memberIds": [world["staff"].gid, world["staff2"].gid],
    }, world[actor].token)
    group = step1["staffGroup"]
    assert (group["name"], group["kind"], group["isDynamic"]) == ("ES1", "STAFF", False)
    assert ids(group["members"]["nodes"]) == {world["staff"].gid, world["staff2"].gid}

    step2 = await succeed(gql, "createTargetList", {
        "groupId": group["id"], "name": "Phonics", "courses": [{"courseId": c} for c in (c1, c2, c3)],
    }, world[actor].token)
    target_list = step2["targetList"]["id"]
    assert [i["course"]["id"] for i in step2["targetList"]["items"]] == [c1, c2, c3]
    assert [i["position"] for i in step2["targetList"]["items"]] == [0, 1, 2]

    await succeed(gql, "reorderTargetList", {"targetListId": target_list, "courseIds": [c1, c3, c2]},
                  world[actor].token)
    await succeed(gql, "setTargetDueDate", {"targetListId": target_list, "courseId": c3, "dueOn": "2031-02-01"},
                  world[actor].token)

    saved = await group_of(gql, world, group["id"])
    assert saved["targetLists"] == [{"id": target_list, "name": "Phonics", "items": [
        {"position": 0, "dueOn": None, "effectiveDueOn": "2031-02-01", "course": {"id": c1}},
        {"position": 1, "dueOn": "2031-02-01", "effectiveDueOn": "2031-02-01", "course": {"id": c3}},
        {"position": 2, "dueOn": None, "effectiveDueOn": None, "course": {"id": c2}},
    ]}]
    # The group's staff now have these targets, in this order.
    assert await path_courses(gql, world, "staff") == [c1, c3, c2]


async def test_courses_can_be_added_later(gql, world: World) -> None:
    """A group can be saved with an empty list and its courses assigned afterwards, at the end."""
    c1, c2, c3 = (course(world, i) for i in range(3))
    group = await make_group(gql, world, "New to School", ("staff",))
    target_list = await make_list(gql, world, group, [], name="Induction")
    assert (await list_of(gql, world, target_list))["items"] == []
    assert await path_courses(gql, world, "staff") == []

    await succeed(gql, "addTargetCourses", {"targetListId": target_list, "courses": [
        {"courseId": c2}, {"courseId": c1, "dueOn": "2031-05-01"}]}, world["owner"].token)
    await succeed(gql, "addTargetCourses", {"targetListId": target_list, "courses": [{"courseId": c3}]},
                  world["owner"].token)
    items = (await list_of(gql, world, target_list))["items"]
    assert [(i["position"], i["course"]["id"], i["dueOn"]) for i in items] == [
        (0, c2, None), (1, c1, "2031-05-01"), (2, c3, None),
    ]
    assert await path_courses(gql, world, "staff") == [c2, c1, c3]


# --- Groups and their members ---------------------------------------------------------


async def test_a_person_can_be_in_many_groups_and_gets_every_groups_targets(gql, world: World) -> None:
    c1, c2 = course(world, 0), course(world, 1)
    stage = await make_group(gql, world, "Stage 1", ("staff", "staff2"))
    early = await make_group(gql, world, "Early Career Teachers", ("staff",))
    stage_list = await make_list(gql, world, stage, [c1], name="Stage 1 basics")
    early_list = await make_list(gql, world, early, [c2], name="Catch up")

    assert world["staff"].gid in await members_of(gql, world, stage)
    assert world["staff"].gid in await members_of(gql, world, early)
    path = (await gql(PATH, {"licence": world.licence("ashdown")}, token=world["staff"].token))["me"]["learningPath"]
    assert {(i["course"]["id"], i["sourceLists"][0]["id"]) for i in path["items"]} == {
        (c1, stage_list), (c2, early_list),
    }
    assert sorted(await path_courses(gql, world, "staff2")) == [c1]


@pytest.mark.parametrize("actor", ["owner", "admin"])
async def test_members_are_added_and_removed(gql, world: World, actor: str) -> None:
    c1 = course(world, 0)
    group = await make_group(gql, world, "ES1", ("staff",))
    await make_list(gql, world, group, [c1])

    added = await succeed(gql, "addStaffGroupMembers", {"groupId": group, "personIds": [world["staff2"].gid]},
                          world[actor].token)
    assert ids(added["staffGroup"]["members"]["nodes"]) == {world["staff"].gid, world["staff2"].gid}
    assert await path_courses(gql, world, "staff2") == [c1]

    removed = await succeed(gql, "removeStaffGroupMembers", {"groupId": group, "personIds": [world["staff"].gid]},
                            world[actor].token)
    assert ids(removed["staffGroup"]["members"]["nodes"]) == {world["staff2"].gid}
    assert await members_of(gql, world, group) == {world["staff2"].gid}
    assert await path_courses(gql, world, "staff") == []


@pytest.mark.parametrize("op,person", [
    ("addStaffGroupMembers", "staff"),  # already in
    ("removeStaffGroupMembers", "staff2"),  # not in
], ids=["add-someone-already-in", "remove-someone-not-in"])
async def test_a_membership_change_that_changes_nothing_is_a_conflict(
    gql, world: World, db: Database, es1: Setup, op: str, person: str
) -> None:
    before = await school_state(gql, world, db)
    result = await run(gql, op, {"groupId": es1.group, "personIds": [world[person].gid]}, world["owner"].token)
    assert (result["code"], result["field"]) == ("CONFLICT", "personIds")
    assert await school_state(gql, world, db) == before


@pytest.mark.parametrize("actor", ["owner", "admin"])
async def test_a_group_is_renamed(gql, world: World, es1: Setup, actor: str) -> None:
    result = await succeed(gql, "renameStaffGroup", {"groupId": es1.group, "name": "  Stage   1 "},
                           world[actor].token)
    assert result["staffGroup"]["name"] == "Stage 1"
    assert (await group_of(gql, world, es1.group))["name"] == "Stage 1"


async def test_a_hand_picked_member_whose_seat_lapses_leaves_and_returns_with_it(
    gql, world: World, es1: Setup
) -> None:
    """Only staff are group members: a deactivated seat takes Staff out of ES1, reactivating brings them back."""
    await set_seat(gql, world, "staff", active=False)
    assert await members_of(gql, world, es1.group) == set()
    await set_seat(gql, world, "staff", active=True)
    assert await members_of(gql, world, es1.group) == {world["staff"].gid}


# --- All Staff ------------------------------------------------------------------------


@pytest.mark.parametrize("school", ["ashdown", "birchwood"])
async def test_each_licence_has_one_all_staff_group_listed_first(gql, world: World, db: Database, school: str) -> None:
    await make_group(gql, world, "Aardvarks", ("staff",) if school == "ashdown" else ("staff_b",),
                     actor="owner" if school == "ashdown" else "owner_b", licence=school)
    groups = (await school_state(gql, world, db, school))[0]["staffGroups"]["nodes"]
    dynamic = [g for g in groups if g["isDynamic"]]
    assert len(dynamic) == 1
    assert groups[0] == dynamic[0]
    assert (groups[0]["id"], groups[0]["name"], groups[0]["kind"]) == (
        world.all_staff_group(school), "All Staff", "ALL_STAFF",
    )


async def test_all_staff_is_exactly_the_active_plus_seat_holders(gql, world: World) -> None:
    """Members without a seat, or with a seat that is not All Access Pass PLUS, are not staff."""
    await new_person(gql, world, "unseated@example.org", seat=None)
    await new_person(gql, world, "basic@example.org", seat="ALL_ACCESS_PASS")
    assert await members_of(gql, world, world.all_staff_group("ashdown")) == {
        world[k].gid for k in ("owner", "admin", "staff", "staff2")
    }
    assert await members_of(gql, world, world.all_staff_group("birchwood"), "owner_b") == {
        world[k].gid for k in ("owner_b", "staff_b")
    }


async def test_all_staff_follows_seat_changes_at_once(gql, world: World) -> None:
    """Deactivating, reactivating and adding seats change All Staff and its targets with no other step."""
    all_staff, c1 = world.all_staff_group("ashdown"), course(world, 0)
    await make_list(gql, world, all_staff, [c1], name="Welcome")
    assert await path_courses(gql, world, "staff2") == [c1]

    await set_seat(gql, world, "staff2", active=False)
    assert world["staff2"].gid not in await members_of(gql, world, all_staff)
    assert await path_courses(gql, world, "staff2") == []

    await set_seat(gql, world, "staff2", active=True)
    assert world["staff2"].gid in await members_of(gql, world, all_staff)
    assert await path_courses(gql, world, "staff2") == [c1]

    newcomer = await new_person(gql, world, "newcomer@example.org")
    assert newcomer in await members_of(gql, world, all_staff)
    path = (await gql(
        "query($l: ID!, $p: ID!) { learningPath(licenceId: $l, personId: $p) { items { course { id } } } }",
        {"l": world.licence("ashdown"), "p": newcomer}, token=world["owner"].token,
    ))["learningPath"]
    assert [i["course"]["id"] for i in path["items"]] == [c1]


@pytest.mark.parametrize("op,person", [
    ("addStaffGroupMembers", "staff_b"), ("addStaffGroupMembers", "staff"), ("removeStaffGroupMembers", "staff"),
])
async def test_all_staff_members_cannot_be_edited_by_hand(
    gql, world: World, db: Database, op: str, person: str
) -> None:
    before = await school_state(gql, world, db)
    result = await run(gql, op, {"groupId": world.all_staff_group("ashdown"), "personIds": [world[person].gid]},
                       world["owner"].token)
    assert result["code"] == "CONFLICT"
    assert "All Staff" in result["message"]
    assert await school_state(gql, world, db) == before


@pytest.mark.parametrize("op,input", [
    ("renameStaffGroup", {"name": "Everyone"}),
    ("deleteStaffGroup", {"confirmation": "YES"}),
])
@pytest.mark.parametrize("actor", ["owner", "admin"])
async def test_all_staff_cannot_be_renamed_or_deleted(
    gql, world: World, db: Database, op: str, input: dict, actor: str
) -> None:
    before = await school_state(gql, world, db)
    result = await run(gql, op, {"groupId": world.all_staff_group("ashdown"), **input}, world[actor].token)
    assert result["code"] == "CONFLICT"
    assert await school_state(gql, world, db) == before
    assert (await group_of(gql, world, world.all_staff_group("ashdown")))["name"] == "All Staff"


async def test_a_target_list_on_all_staff_reaches_every_staff_member(gql, world: World) -> None:
    c1, c2 = course(world, 0), course(world, 1)
    target_list = await make_list(gql, world, world.all_staff_group("ashdown"), [c2, c1], name="Demo lessons")
    for actor in ("owner", "admin", "staff", "staff2"):
        path = (await gql(PATH, {"licence": None}, token=world[actor].token))["me"]["learningPath"]
        assert [(i["course"]["id"], i["sourceLists"]) for i in path["items"]] == [
            (c2, [{"id": target_list, "name": "Demo lessons"}]),
            (c1, [{"id": target_list, "name": "Demo lessons"}]),
        ], actor
    # Birchwood's staff are not Ashdown's.
    assert await path_courses(gql, world, "staff_b", "birchwood") == []


# --- Two individuals before learning targets -----------------------------------------

CREATE_ORGANISATION = """
mutation($name: String!) { createOrganisation(input: {kind: SCHOOL, name: $name}) {
  ... on OrganisationPayload { organisation { id } } } }
"""
CREATE_LICENCE = """
mutation($org: ID!) { createLicence(input: {organisationId: $org, ownerEmail: "head@larch.example.org",
  ownerDisplayName: "Larch Head"}) {
  ... on LicencePayload { licence { id owner { id } } } } }
"""


async def test_a_new_school_gets_learning_targets_once_it_has_two_individuals(gql, world: World, db: Database) -> None:
    """A school whose licence holds only its owner is told clearly that targets are not available yet."""
    support = world["support"].token
    org = (await gql(CREATE_ORGANISATION, {"name": "Larch Primary"}, token=support))["createOrganisation"]
    org_id = org["organisation"]["id"]
    licence = (await gql(CREATE_LICENCE, {"org": org_id}, token=support))["createLicence"]["licence"]
    head = await person_token(db, pk(licence["owner"]["id"]))
    groups = (await gql(SCHOOL_GROUPS, {"id": licence["id"]}, token=head))["node"]["staffGroups"]["nodes"]
    assert [(g["name"], g["kind"], ids(g["members"]["nodes"])) for g in groups] == [
        ("All Staff", "ALL_STAFF", {licence["owner"]["id"]}),
    ]
    all_staff = groups[0]["id"]

    refused = [
        await run(gql, "createStaffGroup", {"licenceId": licence["id"], "name": "ES1",
                                            "memberIds": [licence["owner"]["id"]]}, head),
        await run(gql, "createTargetList", {"groupId": all_staff, "name": "Welcome",
                                            "courses": [{"courseId": course(world, 0)}]}, head),
    ]
    for result in refused:
        assert result["code"] == "NOT_AVAILABLE", result
        assert "not available" in result["message"].lower()
        assert "2" in result["message"] and "individuals" in result["message"]
    after = (await gql(SCHOOL_GROUPS, {"id": licence["id"]}, token=head))["node"]["staffGroups"]["nodes"]
    assert [(g["name"], g["targetLists"]) for g in after] == [("All Staff", [])]

    # A second individual with a seat, and the same calls work.
    second = await add_person(gql, org_id, licence["id"], "teacher@larch.example.org", "ALL_ACCESS_PASS_PLUS", head)
    created = await run(gql, "createStaffGroup", {"licenceId": licence["id"], "name": "ES1",
                                                  "memberIds": [licence["owner"]["id"], second]}, head)
    assert created["__typename"] == "StaffGroupPayload", created
    listed = await run(gql, "createTargetList", {"groupId": all_staff, "name": "Welcome",
                                                 "courses": [{"courseId": course(world, 0)}]}, head)
    assert listed["__typename"] == "TargetListPayload", listed


# With only the owner's seat active, every group and target mutation but deleting is not
# available (the contract stated in schema/group_mutations.py).
NOT_YET = {**{k: v for k, v in GROUP_OPS.items() if k != "deleteStaffGroup"},
           **{k: v for k, v in LIST_OPS.items() if k != "deleteTargetList"},
           "createStaffGroup": lambda w, s: {"licenceId": w.licence("ashdown"), "name": "Stage 2",
                                             "memberIds": [w["owner"].gid]},
           "addGroupDelegate": lambda w, s: {"groupId": s.group, "personId": w["staff"].gid}}


@pytest.mark.parametrize("op", NOT_YET)
async def test_target_mutations_are_not_available_while_the_licence_has_one_individual(
    gql, world: World, db: Database, es1: Setup, op: str
) -> None:
    """Seats lapsing back below two individuals suspends target changes; nothing changes meanwhile."""
    for actor in ("admin", "staff", "staff2"):
        await set_seat(gql, world, actor, active=False)
    before = await school_state(gql, world, db)
    result = await run(gql, op, NOT_YET[op](world, es1), world["owner"].token)
    assert result["code"] == "NOT_AVAILABLE", result
    assert "not available" in result["message"].lower()
    assert await school_state(gql, world, db) == before


@pytest.mark.parametrize("op", ["deleteStaffGroup", "deleteTargetList"])
async def test_deleting_stays_possible_with_one_individual(gql, world: World, es1: Setup, op: str) -> None:
    for actor in ("admin", "staff", "staff2"):
        await set_seat(gql, world, actor, active=False)
    await succeed(gql, op, {**GROUP_OPS, **LIST_OPS}[op](world, es1), world["owner"].token)


# --- Deleting a staff group -----------------------------------------------------------

WRONG_CONFIRMATIONS = ["yes", " YES", "YES ", "", "Yes"]


@pytest.mark.parametrize("confirmation", WRONG_CONFIRMATIONS)
async def test_deleting_a_group_needs_exactly_YES(
    gql, world: World, db: Database, es1: Setup, confirmation: str
) -> None:
    before = await school_state(gql, world, db)
    result = await run(gql, "deleteStaffGroup", {"groupId": es1.group, "confirmation": confirmation},
                       world["owner"].token)
    assert (result["code"], result["field"]) == ("CONFIRMATION_REQUIRED", "confirmation")
    assert "YES" in result["message"]
    assert await school_state(gql, world, db) == before
    assert await list_of(gql, world, es1.target_list) is not None


@pytest.mark.parametrize("actor", ["owner", "admin"])
async def test_YES_deletes_the_group_and_all_its_target_lists(
    gql, world: World, db: Database, es1: Setup, actor: str
) -> None:
    second = await make_list(gql, world, es1.group, [es1.courses[2]], name="Maths")
    result = await succeed(gql, "deleteStaffGroup", {"groupId": es1.group, "confirmation": "YES"},
                           world[actor].token)
    assert result == {"__typename": "DeletedPayload", "deletedId": es1.group}
    assert await group_of(gql, world, es1.group) is None
    assert await list_of(gql, world, es1.target_list) is None
    assert await list_of(gql, world, second) is None
    groups = (await school_state(gql, world, db))[0]["staffGroups"]["nodes"]
    assert ids(groups) == {world.all_staff_group("ashdown")}
    assert await path_courses(gql, world, "staff") == []
    async with db.read() as session:
        lists = (await session.execute(select(func.count()).select_from(TargetList))).scalar_one()
        items = (await session.execute(select(func.count()).select_from(TargetListItem))).scalar_one()
    assert (lists, items) == (0, 0)


AUDIT = """
query($filter: AuditLogFilter) { auditLog(filter: $filter) { nodes {
  action summary targetId staffGroupId before after } } }
"""


async def test_the_deletion_is_audited_with_everything_the_group_held(gql, world: World, es1: Setup) -> None:
    """There is no undo, so the GROUP_DELETED event must be enough to rebuild the group by hand."""
    owner = world["owner"].token
    c1, c2, c3 = es1.courses
    await succeed(gql, "addStaffGroupMembers", {"groupId": es1.group, "personIds": [world["staff2"].gid]}, owner)
    await succeed(gql, "addGroupDelegate", {"groupId": es1.group, "personId": world["staff"].gid}, owner)
    await succeed(gql, "reorderTargetList", {"targetListId": es1.target_list, "courseIds": [c2, c1]}, owner)
    await succeed(gql, "setTargetDueDate", {"targetListId": es1.target_list, "courseId": c1, "dueOn": "2031-03-01"},
                  owner)
    maths = await make_list(gql, world, es1.group, [c3], name="Maths")
    await succeed(gql, "deleteStaffGroup", {"groupId": es1.group, "confirmation": "YES"}, owner)

    log = await gql(AUDIT, {"filter": {"actions": ["GROUP_DELETED"], "targetId": es1.group}}, token=owner)
    [event] = log["auditLog"]["nodes"]
    assert event["staffGroupId"] == es1.group and event["after"] is None
    assert "ES1" in event["summary"]
    before = event["before"]
    assert (before["id"], before["name"], before["kind"]) == (pk(es1.group), "ES1", "STAFF")
    assert before["member_ids"] == sorted([world["staff"].person_id, world["staff2"].person_id])
    assert before["delegate_ids"] == [world["staff"].person_id]
    lists = sorted(before["target_lists"], key=lambda t: t["name"])
    assert [(t["id"], t["name"]) for t in lists] == [(pk(maths), "Maths"), (pk(es1.target_list), "Phonics")]
    assert [[(i["course_id"], i["position"], i["due_on"]) for i in t["items"]] for t in lists] == [
        [(pk(c3), 0, None)],
        [(pk(c2), 0, None), (pk(c1), 1, "2031-03-01")],
    ]


async def enrolments(db: Database, person_id: int) -> list[tuple]:
    async with db.read() as session:
        rows = (await session.execute(
            select(Enrolment).where(Enrolment.person_id == person_id).order_by(Enrolment.course_id)
        )).scalars().all()
    return [(r.course_id, r.progress_percent, r.seconds_spent, r.completed_at) for r in rows]


async def test_progress_is_never_deleted_by_group_list_or_seat_changes(
    gql, world: World, db: Database, es1: Setup
) -> None:
    """Enrolments outlive removing a course, a member, a list, a whole group, the seat and the membership."""
    owner, staff = world["owner"].token, world["staff"]
    async with db.write() as session:
        now = utcnow()
        session.add_all([
            Enrolment(person_id=staff.person_id, course_id=world.courses[0], started_at=now, progress_percent=100,
                      seconds_spent=3600, completed_at=now),
            Enrolment(person_id=staff.person_id, course_id=world.courses[1], started_at=now, progress_percent=40,
                      seconds_spent=900),
        ])
    kept = await enrolments(db, staff.person_id)
    assert len(kept) == 2
    other = await make_list(gql, world, es1.group, [es1.courses[1]], name="Other")
    steps = [
        ("removeTargetCourse", {"targetListId": es1.target_list, "courseId": es1.courses[0]}),
        ("removeStaffGroupMembers", {"groupId": es1.group, "personIds": [staff.gid]}),
        ("deleteTargetList", {"targetListId": other, "confirmation": "YES"}),
        ("deleteStaffGroup", {"groupId": es1.group, "confirmation": "YES"}),
    ]
    for op, input in steps:
        await succeed(gql, op, input, owner)
        assert await enrolments(db, staff.person_id) == kept, op
    await set_seat(gql, world, "staff", active=False)
    assert await enrolments(db, staff.person_id) == kept
    removed = await gql("mutation($id: ID!) { removeMember(input: {membershipId: $id}) { __typename } }",
                        {"id": staff.membership("ashdown")}, token=owner)
    assert removed["removeMember"]["__typename"] == "RemoveMemberPayload"
    assert await enrolments(db, staff.person_id) == kept


# --- Bad input ------------------------------------------------------------------------

BAD_NAMES = {"empty": "", "whitespace": " \t  ", "too long": "x" * 201}


@pytest.mark.parametrize("name", BAD_NAMES.values(), ids=BAD_NAMES.keys())
@pytest.mark.parametrize("op", ["createStaffGroup", "renameStaffGroup"])
async def test_a_group_name_must_be_1_to_200_characters(
    gql, world: World, db: Database, es1: Setup, op: str, name: str
) -> None:
    target = {"licenceId": world.licence("ashdown")} if op == "createStaffGroup" else {"groupId": es1.group}
    before = await school_state(gql, world, db)
    result = await run(gql, op, {**target, "name": name}, world["owner"].token)
    assert (result["code"], result["field"]) == ("VALIDATION", "name")
    assert await school_state(gql, world, db) == before


async def test_a_200_character_name_is_accepted(gql, world: World, es1: Setup) -> None:
    result = await succeed(gql, "renameStaffGroup", {"groupId": es1.group, "name": "y" * 200}, world["owner"].token)
    assert result["staffGroup"]["name"] == "y" * 200


async def _person_without_staff_seat(gql, world: World, who: str) -> str:
    match who:
        case "no seat":
            return await new_person(gql, world, "unseated@example.org", seat=None)
        case "basic seat":
            return await new_person(gql, world, "basic@example.org", seat="ALL_ACCESS_PASS")
        case "deactivated seat":
            await set_seat(gql, world, "staff2", active=False)
            return world["staff2"].gid
        case "other school":
            return world["staff_b"].gid
        case "no such person":
            return global_id("Person", 999_999)
    raise AssertionError(who)


@pytest.mark.parametrize("who", ["no seat", "basic seat", "deactivated seat", "other school", "no such person"])
@pytest.mark.parametrize("op,field", [("createStaffGroup", "memberIds"), ("addStaffGroupMembers", "personIds")])
async def test_only_staff_can_be_put_in_a_group(
    gql, world: World, db: Database, es1: Setup, op: str, field: str, who: str
) -> None:
    """Staff are active All Access Pass PLUS seat holders of this licence; anyone else is refused by field."""
    person = await _person_without_staff_seat(gql, world, who)
    before = await school_state(gql, world, db)
    if op == "createStaffGroup":
        input = {"licenceId": world.licence("ashdown"), "name": "Stage 2", "memberIds": [world["staff"].gid, person]}
    else:
        input = {"groupId": es1.group, "personIds": [person]}
    result = await run(gql, op, input, world["owner"].token)
    assert (result["code"], result["field"]) == ("VALIDATION", field), result
    assert await school_state(gql, world, db) == before


BAD_IDS = [
    # (operation, input, code, field)
    ("createStaffGroup", lambda w, s: {"licenceId": global_id("Licence", 999_999), "name": "X"},
     "NOT_FOUND", "licenceId"),
    ("createStaffGroup", lambda w, s: {"licenceId": course(w, 0), "name": "X"}, "VALIDATION", "licenceId"),
    ("createStaffGroup", lambda w, s: {"licenceId": "not-an-id", "name": "X"}, "VALIDATION", "licenceId"),
    ("createStaffGroup", lambda w, s: {"licenceId": w.licence("ashdown"), "name": "X", "memberIds": [course(w, 0)]},
     "VALIDATION", "memberIds"),
    ("renameStaffGroup", lambda w, s: {"groupId": global_id("StaffGroup", 999_999), "name": "X"},
     "NOT_FOUND", "groupId"),
    ("renameStaffGroup", lambda w, s: {"groupId": s.target_list, "name": "X"}, "VALIDATION", "groupId"),
    ("renameStaffGroup", lambda w, s: {"groupId": "", "name": "X"}, "VALIDATION", "groupId"),
    ("addStaffGroupMembers", lambda w, s: {"groupId": s.group, "personIds": [w["staff2"].membership("ashdown")]},
     "VALIDATION", "personIds"),
    ("removeStaffGroupMembers", lambda w, s: {"groupId": w.licence("ashdown"), "personIds": [w["staff"].gid]},
     "VALIDATION", "groupId"),
    ("addStaffGroupMembers", lambda w, s: {"groupId": s.group, "personIds": []}, "VALIDATION", "personIds"),
    ("removeStaffGroupMembers", lambda w, s: {"groupId": s.group, "personIds": []}, "VALIDATION", "personIds"),
    ("deleteStaffGroup", lambda w, s: {"groupId": global_id("StaffGroup", 999_999), "confirmation": "YES"},
     "NOT_FOUND", "groupId"),
    ("deleteStaffGroup", lambda w, s: {"groupId": w.seat("staff"), "confirmation": "YES"}, "VALIDATION", "groupId"),
]


@pytest.mark.parametrize("op,input,code,field", BAD_IDS,
                         ids=[f"{b[0]}-{b[2]}-{b[3]}-{i}" for i, b in enumerate(BAD_IDS)])
async def test_unknown_and_wrong_type_ids_are_typed_errors_naming_the_field(
    gql, world: World, db: Database, es1: Setup, op: str, input: Callable, code: str, field: str
) -> None:
    before = await school_state(gql, world, db)
    result = await run(gql, op, input(world, es1), world["owner"].token)
    assert (result["code"], result["field"]) == (code, field), result
    assert await school_state(gql, world, db) == before


# --- Who may do what ------------------------------------------------------------------


@pytest.mark.parametrize("op", GROUP_OPS)
@pytest.mark.parametrize("actor", ["owner", "admin"])
async def test_full_administrators_may_do_every_group_operation(
    gql, world: World, db: Database, es1: Setup, actor: str, op: str
) -> None:
    before = await school_state(gql, world, db)
    await succeed(gql, op, GROUP_OPS[op](world, es1), world[actor].token)
    after = await school_state(gql, world, db)
    assert after[0] != before[0] and after[1] == before[1] + 1


# One caller refused each way per operation; every caller against every mutation is
# tests/graphql/test_refusals.py's, and every role against every ability the policy grid's.
@pytest.mark.parametrize("op", GROUP_OPS)
@pytest.mark.parametrize("actor", ["staff", "support"])
async def test_no_one_else_may_do_a_group_operation(
    gql, world: World, db: Database, es1: Setup, actor: str, op: str
) -> None:
    before = await school_state(gql, world, db)
    result = await run(gql, op, GROUP_OPS[op](world, es1), token(world, actor))
    assert result["code"] == REFUSED[actor], result
    assert await school_state(gql, world, db) == before


# Those who may see Ashdown's licence are refused; to the rest it does not exist.
CREATE_REFUSED = {**{a: "NOT_FOUND" for a in REFUSED}, "staff": "FORBIDDEN", "staff2": "FORBIDDEN",
                  "support": "FORBIDDEN"}


@pytest.mark.parametrize("actor", CREATE_REFUSED)
async def test_only_full_administrators_create_a_group(gql, world: World, db: Database, actor: str) -> None:
    before = await school_state(gql, world, db)
    result = await run(gql, "createStaffGroup", {
        "licenceId": world.licence("ashdown"), "name": "Stage 2", "memberIds": [world["staff"].gid],
    }, token(world, actor))
    assert result["code"] == CREATE_REFUSED[actor], result
    assert await school_state(gql, world, db) == before


VISIBLE = """
query($group: ID!, $list: ID!, $licence: ID!) {
  me { staffGroups { totalCount nodes { id } } }
  group: node(id: $group) { id }
  list: node(id: $list) { id }
  licence: node(id: $licence) { ... on Licence { staffGroups { totalCount nodes { id } } } }
}
"""


@pytest.mark.parametrize("actor", [a for a in REFUSED if a != "support"])
async def test_groups_a_caller_may_not_see_appear_nowhere(gql, world: World, es1: Setup, actor: str) -> None:
    """Not in `me`, not under the licence, not by id: not even Staff, who is a member of ES1."""
    data = await gql(VISIBLE, {"group": es1.group, "list": es1.target_list, "licence": world.licence("ashdown")},
                     token=token(world, actor))
    ashdown = {es1.group, world.all_staff_group("ashdown")}
    assert not ids(data["me"]["staffGroups"]["nodes"]) & ashdown
    assert data["group"] is None and data["list"] is None
    assert data["licence"] is None or data["licence"]["staffGroups"] == {"totalCount": 0, "nodes": []}


@pytest.mark.parametrize("actor", ["owner", "admin"])
async def test_full_administrators_see_every_group_of_their_school_only(
    gql, world: World, es1: Setup, actor: str
) -> None:
    data = await gql(VISIBLE, {"group": es1.group, "list": es1.target_list, "licence": world.licence("ashdown")},
                     token=world[actor].token)
    expected = [world.all_staff_group("ashdown"), es1.group]
    assert [n["id"] for n in data["me"]["staffGroups"]["nodes"]] == expected
    assert [n["id"] for n in data["licence"]["staffGroups"]["nodes"]] == expected
    assert data["group"] == {"id": es1.group} and data["list"] == {"id": es1.target_list}
