"""Target lists (seed 000's 'learning target groups'): many per staff group, courses
added, removed and reordered, optional dates with the effective-date rule, a course at
most once, deleting with `YES` only, and who may change them."""

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from infra.database import Database
from domain.models import Course
from schema.ids import global_id
from tests.graphql.test_staff_groups import (
    AUDIT,
    BAD_NAMES,
    LIST_OPS,
    REFUSED,
    WRONG_CONFIRMATIONS,
    Setup,
    es1,  # noqa: F401 (fixture)
    group_of,
    list_of,
    make_group,
    make_list,
    new_courses,
    path_courses,
    pk,
    run,
    school_state,
    succeed,
    token,
)
from tests.world import World


def order(target_list: dict) -> list[str]:
    return [i["course"]["id"] for i in target_list["items"]]


async def test_a_group_holds_many_target_lists(gql, world: World, es1: Setup) -> None:
    """Each list keeps its own courses; the group shows them by name; members get them all."""
    c1, c2, c3 = es1.courses
    maths = await make_list(gql, world, es1.group, [c3], name="Maths")
    catch_up = await make_list(gql, world, es1.group, [c2, c3], name="Catch up")
    lists = (await group_of(gql, world, es1.group))["targetLists"]
    assert [(t["id"], t["name"], order(t)) for t in lists] == [
        (catch_up, "Catch up", [c2, c3]), (maths, "Maths", [c3]), (es1.target_list, "Phonics", [c1, c2]),
    ]
    path = await gql("{ me { learningPath { items { course { id } sourceLists { id } } } } }",
                     token=world["staff"].token)
    sources = {i["course"]["id"]: {s["id"] for s in i["sourceLists"]} for i in path["me"]["learningPath"]["items"]}
    assert sources == {c1: {es1.target_list}, c2: {es1.target_list, catch_up}, c3: {maths, catch_up}}


@pytest.mark.parametrize("actor", ["owner", "admin"])
async def test_courses_are_added_at_the_end_and_removed(gql, world: World, es1: Setup, actor: str) -> None:
    c1, c2, c3 = es1.courses
    added = await succeed(gql, "addTargetCourses",
                          {"targetListId": es1.target_list, "courses": [{"courseId": c3, "dueOn": "2031-06-30"}]},
                          world[actor].token)
    assert [(i["position"], i["course"]["id"], i["dueOn"]) for i in added["targetList"]["items"]] == [
        (0, c1, None), (1, c2, None), (2, c3, "2031-06-30"),
    ]
    assert await path_courses(gql, world, "staff") == [c1, c2, c3]

    removed = await succeed(gql, "removeTargetCourse", {"targetListId": es1.target_list, "courseId": c2},
                            world[actor].token)
    assert [(i["position"], i["course"]["id"]) for i in removed["targetList"]["items"]] == [(0, c1), (1, c3)]
    assert [(i["position"], i["course"]["id"]) for i in (await list_of(gql, world, es1.target_list))["items"]] == [
        (0, c1), (1, c3),
    ]
    assert await path_courses(gql, world, "staff") == [c1, c3]


async def test_removing_the_first_course_renumbers_the_rest_from_zero(gql, world: World, es1: Setup) -> None:
    c1, c2, c3 = es1.courses
    await succeed(gql, "addTargetCourses", {"targetListId": es1.target_list, "courses": [{"courseId": c3}]},
                  world["owner"].token)
    await succeed(gql, "removeTargetCourse", {"targetListId": es1.target_list, "courseId": c1}, world["owner"].token)
    items = (await list_of(gql, world, es1.target_list))["items"]
    assert [(i["position"], i["course"]["id"]) for i in items] == [(0, c2), (1, c3)]
    # A course added afterwards goes after them, not into a gap.
    await succeed(gql, "addTargetCourses", {"targetListId": es1.target_list, "courses": [{"courseId": c1}]},
                  world["owner"].token)
    items = (await list_of(gql, world, es1.target_list))["items"]
    assert [(i["position"], i["course"]["id"]) for i in items] == [(0, c2), (1, c3), (2, c1)]


@pytest.mark.parametrize("actor", ["owner", "admin"])
async def test_a_reorder_takes_the_whole_new_order(gql, world: World, es1: Setup, actor: str) -> None:
    c1, c2, c3 = es1.courses
    await succeed(gql, "addTargetCourses", {"targetListId": es1.target_list, "courses": [{"courseId": c3}]},
                  world["owner"].token)
    result = await succeed(gql, "reorderTargetList", {"targetListId": es1.target_list, "courseIds": [c3, c1, c2]},
                           world[actor].token)
    assert order(result["targetList"]) == [c3, c1, c2]
    items = (await list_of(gql, world, es1.target_list))["items"]
    assert [(i["position"], i["course"]["id"]) for i in items] == [(0, c3), (1, c1), (2, c2)]
    assert await path_courses(gql, world, "staff") == [c3, c1, c2]


@pytest.mark.parametrize("actor", ["owner", "admin"])
async def test_a_date_is_set_and_cleared(gql, world: World, es1: Setup, actor: str) -> None:
    c1, c2 = es1.courses[:2]
    await succeed(gql, "setTargetDueDate", {"targetListId": es1.target_list, "courseId": c2, "dueOn": "2031-04-30"},
                  world[actor].token)
    items = (await list_of(gql, world, es1.target_list))["items"]
    assert [(i["dueOn"], i["effectiveDueOn"]) for i in items] == [(None, "2031-04-30"), ("2031-04-30", "2031-04-30")]

    await succeed(gql, "setTargetDueDate", {"targetListId": es1.target_list, "courseId": c2, "dueOn": None},
                  world[actor].token)
    items = (await list_of(gql, world, es1.target_list))["items"]
    assert [(i["course"]["id"], i["dueOn"], i["effectiveDueOn"]) for i in items] == [(c1, None, None), (c2, None, None)]


async def test_the_seeds_phonics_example(gql, world: World, db: Database, es1: Setup) -> None:
    """Seed 000: drag Phonics 6 above Phonics 5 for the order 1, 2, 3, 4, 6, 5; a date on
    Phonics 4 means Phonics 1 to 4 are all due by then, and 6 and 5 have no date."""
    titles = ["Phonics 1: Introduction", "Phonics 2: Sounds", "Phonics 3: Blending", "Phonics 4: Segmenting",
              "Phonics 5: Phonics Lesson Content", "Phonics 6: Phonics Lesson Structure"]
    p = await new_courses(db, titles)
    target_list = await make_list(gql, world, es1.group, p, name="Phonics programme")
    owner = world["owner"].token
    await succeed(gql, "reorderTargetList",
                  {"targetListId": target_list, "courseIds": [p[0], p[1], p[2], p[3], p[5], p[4]]}, owner)
    await succeed(gql, "setTargetDueDate", {"targetListId": target_list, "courseId": p[3], "dueOn": "2031-03-20"},
                  owner)

    items = (await list_of(gql, world, target_list))["items"]
    assert [(i["course"]["title"][:9], i["dueOn"], i["effectiveDueOn"]) for i in items] == [
        ("Phonics 1", None, "2031-03-20"),
        ("Phonics 2", None, "2031-03-20"),
        ("Phonics 3", None, "2031-03-20"),
        ("Phonics 4", "2031-03-20", "2031-03-20"),
        ("Phonics 6", None, None),
        ("Phonics 5", None, None),
    ]

    # A later date on the last course covers only what has no earlier date; an earlier
    # date higher up brings forward only the courses above it.
    await succeed(gql, "setTargetDueDate", {"targetListId": target_list, "courseId": p[4], "dueOn": "2031-07-01"},
                  owner)
    await succeed(gql, "setTargetDueDate", {"targetListId": target_list, "courseId": p[1], "dueOn": "2031-02-01"},
                  owner)
    items = (await list_of(gql, world, target_list))["items"]
    assert [i["effectiveDueOn"] for i in items] == [
        "2031-02-01", "2031-02-01", "2031-03-20", "2031-03-20", "2031-07-01", "2031-07-01",
    ]


# --- A course at most once, and only real courses -------------------------------------


async def _retired_course(db: Database) -> str:
    async with db.write() as session:
        row = Course(code="OLD1", title="Retired course", retired_at=datetime(2020, 1, 1, tzinfo=UTC))
        session.add(row)
        await session.flush()
        return global_id("Course", row.id)


BAD_COURSES: dict[str, Callable[[World, Setup, str], tuple[str, dict]]] = {
    "create with a duplicate": lambda w, s, r: ("createTargetList", {
        "groupId": s.group, "name": "Twice", "courses": [{"courseId": s.courses[2]}, {"courseId": s.courses[2]}]}),
    "add a course already on the list": lambda w, s, r: ("addTargetCourses", {
        "targetListId": s.target_list, "courses": [{"courseId": s.courses[2]}, {"courseId": s.courses[0]}]}),
    "add the same course twice": lambda w, s, r: ("addTargetCourses", {
        "targetListId": s.target_list, "courses": [{"courseId": s.courses[2]}, {"courseId": s.courses[2]}]}),
    "create with an unknown course": lambda w, s, r: ("createTargetList", {
        "groupId": s.group, "name": "Unknown", "courses": [{"courseId": global_id("Course", 999_999)}]}),
    "add an unknown course": lambda w, s, r: ("addTargetCourses", {
        "targetListId": s.target_list, "courses": [{"courseId": global_id("Course", 999_999)}]}),
    "create with a person for a course": lambda w, s, r: ("createTargetList", {
        "groupId": s.group, "name": "Typo", "courses": [{"courseId": w["staff"].gid}]}),
    "add a garbled id": lambda w, s, r: ("addTargetCourses", {
        "targetListId": s.target_list, "courses": [{"courseId": "Q291cnNl"}]}),
    "add a retired course": lambda w, s, r: ("addTargetCourses", {
        "targetListId": s.target_list, "courses": [{"courseId": r}]}),
    "add nothing": lambda w, s, r: ("addTargetCourses", {"targetListId": s.target_list, "courses": []}),
}


@pytest.mark.parametrize("case", BAD_COURSES)
async def test_a_course_appears_at_most_once_and_must_be_in_the_catalogue(
    gql, world: World, db: Database, es1: Setup, case: str
) -> None:
    retired = await _retired_course(db)
    op, input = BAD_COURSES[case](world, es1, retired)
    before = await school_state(gql, world, db)
    result = await run(gql, op, input, world["owner"].token)
    assert (result["code"], result["field"]) == ("VALIDATION", "courses"), result
    assert await school_state(gql, world, db) == before


BAD_ORDERS: dict[str, Callable[[list[str]], list[str]]] = {
    "drops a course": lambda c: [c[1], c[0]],
    "repeats a course": lambda c: [c[2], c[1], c[0], c[2]],
    "repeats instead of naming one": lambda c: [c[2], c[1], c[1]],
    "names a course not on the list": lambda c: [c[2], c[1], c[0], global_id("Course", 999_999)],
    "names a person": lambda c: [c[2], c[1], c[0], "UGVyc29uOjE="],
    "is empty": lambda c: [],
}


@pytest.mark.parametrize("case", BAD_ORDERS)
async def test_a_reorder_must_name_every_course_once(gql, world: World, db: Database, es1: Setup, case: str) -> None:
    await succeed(gql, "addTargetCourses", {"targetListId": es1.target_list, "courses": [{"courseId": es1.courses[2]}]},
                  world["owner"].token)
    before = await school_state(gql, world, db)
    result = await run(gql, "reorderTargetList",
                       {"targetListId": es1.target_list, "courseIds": BAD_ORDERS[case](es1.courses)},
                       world["owner"].token)
    assert (result["code"], result["field"]) == ("VALIDATION", "courseIds"), result
    assert order(await list_of(gql, world, es1.target_list)) == es1.courses
    assert await school_state(gql, world, db) == before


@pytest.mark.parametrize("op", ["removeTargetCourse", "setTargetDueDate"])
async def test_a_course_not_on_the_list_is_not_found(gql, world: World, db: Database, es1: Setup, op: str) -> None:
    before = await school_state(gql, world, db)
    extra = {"dueOn": "2031-01-01"} if op == "setTargetDueDate" else {}
    result = await run(gql, op, {"targetListId": es1.target_list, "courseId": es1.courses[2], **extra},
                       world["owner"].token)
    assert (result["code"], result["field"]) == ("NOT_FOUND", "courseId"), result
    assert await school_state(gql, world, db) == before


@pytest.mark.parametrize("name", BAD_NAMES.values(), ids=BAD_NAMES.keys())
@pytest.mark.parametrize("op", ["createTargetList", "renameTargetList"])
async def test_a_list_name_must_be_1_to_200_characters(
    gql, world: World, db: Database, es1: Setup, op: str, name: str
) -> None:
    target = {"groupId": es1.group} if op == "createTargetList" else {"targetListId": es1.target_list}
    before = await school_state(gql, world, db)
    result = await run(gql, op, {**target, "name": name}, world["owner"].token)
    assert (result["code"], result["field"]) == ("VALIDATION", "name"), result
    assert await school_state(gql, world, db) == before


@pytest.mark.parametrize("list_id,code", [
    (global_id("TargetList", 999_999), "NOT_FOUND"),
    (global_id("StaffGroup", 1), "VALIDATION"),
    ("not-an-id", "VALIDATION"),
], ids=["unknown", "a group's id", "garbage"])
@pytest.mark.parametrize("op", LIST_OPS)
async def test_a_bad_list_id_is_a_typed_error_naming_targetListId(
    gql, world: World, db: Database, es1: Setup, op: str, list_id: str, code: str
) -> None:
    before = await school_state(gql, world, db)
    result = await run(gql, op, {**LIST_OPS[op](world, es1), "targetListId": list_id}, world["owner"].token)
    assert (result["code"], result["field"]) == (code, "targetListId"), result
    assert await school_state(gql, world, db) == before


# --- Deleting a target list -----------------------------------------------------------


@pytest.mark.parametrize("confirmation", WRONG_CONFIRMATIONS)
async def test_deleting_a_list_needs_exactly_YES(
    gql, world: World, db: Database, es1: Setup, confirmation: str
) -> None:
    before = await school_state(gql, world, db)
    result = await run(gql, "deleteTargetList", {"targetListId": es1.target_list, "confirmation": confirmation},
                       world["owner"].token)
    assert (result["code"], result["field"]) == ("CONFIRMATION_REQUIRED", "confirmation")
    assert "YES" in result["message"]
    assert await school_state(gql, world, db) == before
    assert await list_of(gql, world, es1.target_list) is not None


@pytest.mark.parametrize("actor", ["owner", "admin"])
async def test_YES_deletes_the_list_only_and_the_audit_keeps_its_items(
    gql, world: World, es1: Setup, actor: str
) -> None:
    c1, c2, c3 = es1.courses
    maths = await make_list(gql, world, es1.group, [c3], name="Maths")
    await succeed(gql, "setTargetDueDate",
                  {"targetListId": es1.target_list, "courseId": c2, "dueOn": "2031-09-01"}, world["owner"].token)
    result = await succeed(gql, "deleteTargetList", {"targetListId": es1.target_list, "confirmation": "YES"},
                           world[actor].token)
    assert result == {"__typename": "DeletedPayload", "deletedId": es1.target_list}
    assert await list_of(gql, world, es1.target_list) is None
    group = await group_of(gql, world, es1.group)
    assert [t["id"] for t in group["targetLists"]] == [maths]
    assert await path_courses(gql, world, "staff") == [c3]

    log = await gql(AUDIT, {"filter": {"actions": ["TARGET_LIST_DELETED"], "targetId": es1.target_list}},
                    token=world["owner"].token)
    [event] = log["auditLog"]["nodes"]
    assert event["after"] is None and event["staffGroupId"] == es1.group
    assert (event["before"]["id"], event["before"]["name"]) == (pk(es1.target_list), "Phonics")
    assert [(i["course_id"], i["position"], i["due_on"]) for i in event["before"]["items"]] == [
        (pk(c1), 0, None), (pk(c2), 1, "2031-09-01"),
    ]


# --- Who may change lists -------------------------------------------------------------


@pytest.mark.parametrize("op", LIST_OPS)
@pytest.mark.parametrize("actor", ["owner", "admin"])
async def test_full_administrators_may_do_every_list_operation(
    gql, world: World, db: Database, es1: Setup, actor: str, op: str
) -> None:
    before = await school_state(gql, world, db)
    await succeed(gql, op, LIST_OPS[op](world, es1), world[actor].token)
    after = await school_state(gql, world, db)
    assert after[0] != before[0] and after[1] == before[1] + 1


# One caller refused each way per operation; every caller against every mutation is
# tests/graphql/test_refusals.py's, and every role against every ability the policy grid's.
@pytest.mark.parametrize("op", LIST_OPS)
@pytest.mark.parametrize("actor", ["staff", "support"])
async def test_no_one_else_may_do_a_list_operation(
    gql, world: World, db: Database, es1: Setup, actor: str, op: str
) -> None:
    """Staff in the group included: being targeted is not managing."""
    before = await school_state(gql, world, db)
    result = await run(gql, op, LIST_OPS[op](world, es1), token(world, actor))
    assert result["code"] == REFUSED[actor], result
    assert await school_state(gql, world, db) == before


@pytest.mark.parametrize("op", [o for o in LIST_OPS if o != "deleteTargetList"])
async def test_a_delegate_edits_the_lists_of_their_group(gql, world: World, db: Database, es1: Setup, op: str) -> None:
    await succeed(gql, "addGroupDelegate", {"groupId": es1.group, "personId": world["staff"].gid},
                  world["owner"].token)
    before = await school_state(gql, world, db)
    await succeed(gql, op, LIST_OPS[op](world, es1), world["staff"].token)
    assert (await school_state(gql, world, db))[0] != before[0]


async def test_a_delegate_creates_a_list_in_their_group(gql, world: World, es1: Setup) -> None:
    await succeed(gql, "addGroupDelegate", {"groupId": es1.group, "personId": world["staff2"].gid},
                  world["owner"].token)
    created = await make_list(gql, world, es1.group, [es1.courses[2]], name="Maths", actor="staff2")
    assert (await list_of(gql, world, created, "staff2"))["name"] == "Maths"


async def test_a_delegate_may_not_delete_a_list(gql, world: World, db: Database, es1: Setup) -> None:
    await succeed(gql, "addGroupDelegate", {"groupId": es1.group, "personId": world["staff"].gid},
                  world["owner"].token)
    before = await school_state(gql, world, db)
    result = await run(gql, "deleteTargetList", {"targetListId": es1.target_list, "confirmation": "YES"},
                       world["staff"].token)
    assert result["code"] == "FORBIDDEN", result
    assert await school_state(gql, world, db) == before
    assert await list_of(gql, world, es1.target_list, "staff") is not None


async def test_a_delegate_may_not_touch_lists_of_another_group(gql, world: World, db: Database, es1: Setup) -> None:
    other = await make_group(gql, world, "Stage 2", ("staff2",))
    other_list = await make_list(gql, world, other, [es1.courses[0]], name="Stage 2 list")
    await succeed(gql, "addGroupDelegate", {"groupId": es1.group, "personId": world["staff"].gid},
                  world["owner"].token)
    before = await school_state(gql, world, db)
    for op, make in LIST_OPS.items():
        result = await run(gql, op, {**make(world, es1), "targetListId": other_list}, world["staff"].token)
        assert result["code"] == "NOT_FOUND", (op, result)
    assert await school_state(gql, world, db) == before
    assert await list_of(gql, world, other_list, "staff") is None
