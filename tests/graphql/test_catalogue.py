"""The course catalogue (issue 4): search by title or code, retired courses hidden unless
asked for, and platform support alone adding, renaming and retiring courses, each act
audited. A retired course cannot become a new target but stays in lists, paths and reports."""

from typing import Any

import pytest

from infra.database import Database
from schema.ids import global_id
from tests.graphql.test_reports import REPORT, at, counts, create_group, create_list, enrol
from tests.world import World

ERROR = "... on Error { code message field }"
COURSE = "id code title retiredAt"
COURSES = f"""
query($search: String, $all: Boolean! = false, $first: Int, $after: String) {{
  courses(search: $search, includeRetired: $all, first: $first, after: $after) {{
    totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ {COURSE} }} }} }}
"""
ADD = f"""
mutation($code: String!, $title: String!) {{ addCourse(input: {{code: $code, title: $title}}) {{
  __typename ... on CoursePayload {{ course {{ {COURSE} }} }} {ERROR} }} }}
"""
RENAME = f"""
mutation($id: ID!, $title: String!) {{ renameCourse(input: {{courseId: $id, title: $title}}) {{
  __typename ... on CoursePayload {{ course {{ {COURSE} }} }} {ERROR} }} }}
"""
RETIRE = f"""
mutation($id: ID!) {{ retireCourse(input: {{courseId: $id}}) {{
  __typename ... on CoursePayload {{ course {{ {COURSE} }} }} {ERROR} }} }}
"""
COURSE_EVENTS = """
{ auditLog(filter: {actions: [COURSE_ADDED, COURSE_RENAMED, COURSE_RETIRED]}) {
  totalCount nodes { action actorName summary targetId before after } } }
"""


def course_id(world: World, i: int) -> str:
    return global_id("Course", world.courses[i])


async def catalogue(gql, world: World, who: str = "staff", **variables: Any) -> dict:
    return (await gql(COURSES, variables, token=world[who].token))["courses"]


async def titles(gql, world: World, **variables: Any) -> list[str]:
    return [c["title"] for c in (await catalogue(gql, world, **variables))["nodes"]]


async def add(gql, world: World, code: str, title: str, who: str = "support") -> dict:
    return (await gql(ADD, {"code": code, "title": title}, token=world[who].token))["addCourse"]


async def retire(gql, world: World, course: str, who: str = "support") -> dict:
    return (await gql(RETIRE, {"id": course}, token=world[who].token))["retireCourse"]


async def state(gql, world: World) -> tuple:
    """The whole catalogue, retired included, and support's course events."""
    everything = await catalogue(gql, world, "support", all=True)
    events = (await gql(COURSE_EVENTS, token=world["support"].token))["auditLog"]["totalCount"]
    return everything["nodes"], events


async def more_courses(gql, world: World) -> dict[str, str]:
    ids = {}
    for code, title in (("SAF101", "Safeguarding Essentials"), ("FA200", "First Aid at Work"),
                        ("PH100", "100% Phonics"), ("SEND1", "Send Awareness")):
        ids[code] = (await add(gql, world, code, title))["course"]["id"]
    return ids


# --- Searching --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("safeguard", ["Safeguarding Essentials"]),
        ("SAFEGUARDING essentials", ["Safeguarding Essentials"]),
        ("saf101", ["Safeguarding Essentials"]),
        ("Fa2", ["First Aid at Work"]),
        ("course", ["Course 1", "Course 2", "Course 3"]),
        ("c2", ["Course 2"]),
        ("send", ["Send Awareness"]),  # title and code both match: once
        ("%", ["100% Phonics"]),  # a literal percent sign, not a wildcard
        ("_", []),
        ("  aid  ", ["First Aid at Work"]),
        ("nothing like it", []),
    ],
)
async def test_search_matches_title_or_code_ignoring_case(
    gql, world: World, search: str, expected: list[str]
) -> None:
    await more_courses(gql, world)
    assert await titles(gql, world, search=search) == expected


async def test_the_catalogue_is_listed_by_title_and_paginated(gql, world: World) -> None:
    await more_courses(gql, world)
    everything = await titles(gql, world)
    assert everything == ["100% Phonics", "Course 1", "Course 2", "Course 3", "First Aid at Work",
                          "Safeguarding Essentials", "Send Awareness"]
    first = await catalogue(gql, world, first=4)
    rest = await catalogue(gql, world, first=4, after=first["pageInfo"]["endCursor"])
    assert [c["title"] for c in first["nodes"] + rest["nodes"]] == everything
    assert (first["pageInfo"]["hasNextPage"], rest["pageInfo"]["hasNextPage"]) == (True, False)
    assert first["totalCount"] == rest["totalCount"] == 7


@pytest.mark.parametrize("who", ["staff", "owner", "owner_b", "trust_member", "support"])
async def test_anyone_signed_in_reads_the_catalogue(gql, world: World, who: str) -> None:
    assert await titles(gql, world, who=who) == ["Course 1", "Course 2", "Course 3"]


async def test_the_catalogue_needs_a_token(gql, world: World) -> None:
    errors = await gql.errors(COURSES, {})
    assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_retired_courses_are_hidden_unless_asked_for(gql, world: World) -> None:
    answer = await retire(gql, world, course_id(world, 1))
    assert answer["course"]["retiredAt"] is not None
    assert await titles(gql, world) == ["Course 1", "Course 3"]
    assert await titles(gql, world, search="course 2") == []
    assert await titles(gql, world, all=True) == ["Course 1", "Course 2", "Course 3"]
    retired = await catalogue(gql, world, search="C2", all=True)
    assert [(c["code"], c["retiredAt"] is not None) for c in retired["nodes"]] == [("C2", True)]


# --- Support adds, renames and retires ------------------------------------------------


async def test_support_adds_a_course_and_the_act_is_audited(gql, world: World) -> None:
    answer = await add(gql, world, " saf101 ", "  Safeguarding   Essentials ")
    assert answer["__typename"] == "CoursePayload"
    course = answer["course"]
    assert (course["code"], course["title"], course["retiredAt"]) == ("SAF101", "Safeguarding Essentials", None)
    assert await titles(gql, world, search="SAF101") == ["Safeguarding Essentials"]

    events = (await gql(COURSE_EVENTS, token=world["support"].token))["auditLog"]
    assert events["totalCount"] == 1
    event = events["nodes"][0]
    assert (event["action"], event["actorName"], event["targetId"]) == ("COURSE_ADDED", "Support", course["id"])
    assert "SAF101" in event["summary"] and event["before"] is None
    assert event["after"]["title"] == "Safeguarding Essentials"


async def test_support_renames_a_course_and_the_act_is_audited(gql, world: World, db: Database) -> None:
    await enrol(db, [(world["staff"].person_id, world.courses[0], at("2026-01-05 09:00"), 10, 60, None)])
    answer = (await gql(RENAME, {"id": course_id(world, 0), "title": "Phonics for All"},
                        token=world["support"].token))["renameCourse"]
    assert answer["course"] == {"id": course_id(world, 0), "code": "C1", "title": "Phonics for All",
                                "retiredAt": None}
    assert await titles(gql, world, search="phonics") == ["Phonics for All"]
    event = (await gql(COURSE_EVENTS, token=world["support"].token))["auditLog"]["nodes"][0]
    assert event["action"] == "COURSE_RENAMED"
    assert (event["before"]["title"], event["after"]["title"]) == ("Course 1", "Phonics for All")
    # Reports name the course as it is called now.
    report = await gql("query($l: ID!, $p: ID!) { personReport(licenceId: $l, personId: $p) { "
                       "nodes { course { title } } } }",
                       {"l": world.licence("ashdown"), "p": world["staff"].gid}, token=world["owner"].token)
    assert report["personReport"]["nodes"] == [{"course": {"title": "Phonics for All"}}]


async def test_support_retires_a_course_once_and_the_act_is_audited(gql, world: World) -> None:
    answer = await retire(gql, world, course_id(world, 2))
    assert answer["course"]["code"] == "C3" and answer["course"]["retiredAt"] is not None
    before = await state(gql, world)
    again = await retire(gql, world, course_id(world, 2))
    assert (again["code"], again["field"]) == ("CONFLICT", "courseId")
    assert await state(gql, world) == before
    event = (await gql(COURSE_EVENTS, token=world["support"].token))["auditLog"]["nodes"][0]
    assert event["action"] == "COURSE_RETIRED"
    assert event["before"]["retired_at"] is None and event["after"]["retired_at"] is not None


@pytest.mark.parametrize("who", ["owner", "admin", "staff", "owner_b", "trust_admin", "system"])
async def test_only_platform_support_changes_the_catalogue(gql, world: World, who: str) -> None:
    token = world.system_token if who == "system" else world[who].token
    before = await state(gql, world)
    answers = [
        (await gql(ADD, {"code": "NEW1", "title": "New"}, token=token))["addCourse"],
        (await gql(RENAME, {"id": course_id(world, 0), "title": "Renamed"}, token=token))["renameCourse"],
        (await gql(RETIRE, {"id": course_id(world, 0)}, token=token))["retireCourse"],
        (await gql(RETIRE, {"id": global_id("Course", 999_999)}, token=token))["retireCourse"],
    ]
    # A course that never existed is not found, whoever asks; the real one is not theirs to change.
    assert [a["code"] for a in answers] == ["FORBIDDEN"] * 3 + ["NOT_FOUND"]
    assert await state(gql, world) == before


@pytest.mark.parametrize("code", ["C1", "c1", " C1 "])
async def test_a_code_in_use_is_a_conflict(gql, world: World, code: str) -> None:
    before = await state(gql, world)
    answer = await add(gql, world, code, "Another")
    assert (answer["code"], answer["field"]) == ("CONFLICT", "code")
    assert "C1" in answer["message"]
    assert await state(gql, world) == before


async def test_a_retired_courses_code_stays_taken(gql, world: World) -> None:
    """History and reports still name it; a new course must not take its code."""
    await retire(gql, world, course_id(world, 0))
    answer = await add(gql, world, "C1", "Another")
    assert (answer["code"], answer["field"]) == ("CONFLICT", "code")


@pytest.mark.parametrize(
    ("mutation", "variables", "field"),
    [
        (ADD, {"code": "", "title": "Title"}, "code"),
        (ADD, {"code": "X" * 33, "title": "Title"}, "code"),
        (ADD, {"code": "OK1", "title": "  "}, "title"),
        (ADD, {"code": "OK1", "title": "T" * 201}, "title"),
        (RENAME, {"id": "COURSE", "title": " "}, "title"),
        (RENAME, {"id": "UNKNOWN", "title": "Fine"}, "courseId"),
        (RENAME, {"id": "PERSON", "title": "Fine"}, "courseId"),
        (RETIRE, {"id": "UNKNOWN"}, "courseId"),
        (RETIRE, {"id": "garbage"}, "courseId"),
    ],
)
async def test_bad_catalogue_input_names_its_field_and_changes_nothing(
    gql, world: World, mutation: str, variables: dict, field: str
) -> None:
    replace = {"COURSE": course_id(world, 0), "UNKNOWN": global_id("Course", 999_999),
               "PERSON": world["staff"].gid}
    variables = {k: replace.get(v, v) for k, v in variables.items()}
    before = await state(gql, world)
    data = await gql(mutation, variables, token=world["support"].token)
    answer = next(iter(data.values()))
    assert answer["field"] == field, answer
    assert answer["code"] == ("NOT_FOUND" if variables.get("id") == replace["UNKNOWN"] else "VALIDATION")
    assert await state(gql, world) == before


# --- A retired course in lists, paths and reports ------------------------------------

ADD_TARGETS = """
mutation($list: ID!, $courses: [TargetInput!]!) { addTargetCourses(input: {targetListId: $list, courses: $courses}) {
  __typename ... on Error { code message field } } }
"""
CREATE_LIST = """
mutation($group: ID!, $courses: [TargetInput!]!) { createTargetList(input: {groupId: $group, name: "New",
  courses: $courses}) { __typename ... on Error { code message field } } }
"""
GROUP_LISTS = """
query($id: ID!) { node(id: $id) { ... on StaffGroup { targetLists { name items { course { code retiredAt } } } } } }
"""


async def test_a_retired_course_cannot_become_a_new_target(gql, world: World) -> None:
    group = await create_group(gql, world, "Year 2", ["staff"])
    target_list = await create_list(gql, world, group, "Autumn", [(0, None)])
    await retire(gql, world, course_id(world, 1))
    before = await gql(GROUP_LISTS, {"id": group}, token=world["owner"].token)

    added = await gql(ADD_TARGETS, {"list": target_list, "courses": [{"courseId": course_id(world, 1)}]},
                      token=world["owner"].token)
    created = await gql(CREATE_LIST, {"group": group, "courses": [{"courseId": course_id(world, 2)},
                                                                    {"courseId": course_id(world, 1)}]},
                        token=world["owner"].token)
    for answer in (added["addTargetCourses"], created["createTargetList"]):
        assert (answer["code"], answer["field"]) == ("VALIDATION", "courses")
        assert "Course 2" in answer["message"]
    assert await gql(GROUP_LISTS, {"id": group}, token=world["owner"].token) == before


async def test_a_retired_course_stays_in_lists_paths_and_reports(gql, world: World, db: Database) -> None:
    group = await create_group(gql, world, "Year 2", ["staff", "staff2"])
    await create_list(gql, world, group, "Autumn", [(0, None), (1, "2026-06-01")])
    await enrol(db, [(world["staff"].person_id, world.courses[0], at("2026-02-01 09:00"), 100, 1800,
                      at("2026-03-01 09:00"))])
    await retire(gql, world, course_id(world, 0))
    owner = world["owner"].token

    lists = await gql(GROUP_LISTS, {"id": group}, token=owner)
    items = lists["node"]["targetLists"][0]["items"]
    assert [i["course"]["code"] for i in items] == ["C1", "C2"]
    assert items[0]["course"]["retiredAt"] is not None

    path = await gql("query($l: ID!, $p: ID!) { learningPath(licenceId: $l, personId: $p) { "
                     "items { course { code } status } } }",
                     {"l": world.licence("ashdown"), "p": world["staff"].gid}, token=owner)
    assert {"course": {"code": "C1"}, "status": "COMPLETED"} in path["learningPath"]["items"]

    report = await gql("query($l: ID!, $c: ID!) { courseReport(licenceId: $l, courseId: $c) { "
                       "nodes { person { id } secondsSpent status } } }",
                       {"l": world.licence("ashdown"), "c": course_id(world, 0)}, token=owner)
    assert report["courseReport"]["nodes"] == [
        {"person": {"id": world["staff"].gid}, "secondsSpent": 1800, "status": "COMPLETED"}
    ]

    group_report = (await gql(REPORT, {"id": group, "on": "2026-06-15"}, token=owner))["node"]["report"]
    courses = group_report["targetLists"][0]["courses"]
    assert courses[0] == {"course": {"id": course_id(world, 0)}, "counts": counts(1, 0, 1, 1)}
    assert group_report["overall"] == counts(1, 0, 3, 3)

    node = await gql("query($id: ID!) { node(id: $id) { ... on Course { code retiredAt } } }",
                     {"id": course_id(world, 0)}, token=world["staff"].token)
    assert node["node"]["code"] == "C1" and node["node"]["retiredAt"] is not None
