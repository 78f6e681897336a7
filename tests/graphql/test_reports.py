"""Completion reports (seed 000, 'Completion Reporting'), checked number by number on
fixed data: per course and per person who completed what, when and for how long; per
staff group the seed's pie chart, judged by effective due dates and the school's local
date. Each role sees only what it may.

The builders at the top are shared with tests/http/test_report_endpoints.py and
test_report_statement_counts.py."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from infra.database import Database
from domain.models import Enrolment, utcnow
from schema.ids import global_id
from tests.world import World

# --- Shared builders ------------------------------------------------------------------


def at(text: str) -> datetime:
    """A fixed UTC instant, written '2026-02-10 15:30'."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def enrol(db: Database, rows: list[tuple[int, int, datetime, int, int, datetime | None]]) -> None:
    """Enrolments with fixed facts: (person id, course id, started, percent, seconds, completed)."""
    async with db.write() as session:
        session.add_all(
            Enrolment(person_id=p, course_id=c, started_at=s, progress_percent=pct, seconds_spent=sec,
                      completed_at=done, updated_at=done or s)
            for p, c, s, pct, sec, done in rows
        )


CREATE_GROUP = """
mutation($licence: ID!, $name: String!, $members: [ID!]!) {
  createStaffGroup(input: {licenceId: $licence, name: $name, memberIds: $members}) {
    ... on StaffGroupPayload { staffGroup { id } } ... on Error { code message field } } }
"""
CREATE_LIST = """
mutation($group: ID!, $name: String!, $courses: [TargetInput!]!) {
  createTargetList(input: {groupId: $group, name: $name, courses: $courses}) {
    ... on TargetListPayload { targetList { id } } ... on Error { code message field } } }
"""
ADD_DELEGATE = """
mutation($group: ID!, $person: ID!) { addGroupDelegate(input: {groupId: $group, personId: $person}) {
  __typename ... on Error { code message field } } }
"""
REMOVE_DELEGATE = ADD_DELEGATE.replace("addGroupDelegate", "removeGroupDelegate")


async def create_group(gql, world: World, name: str, members: list[str], *, school: str = "ashdown",
                       by: str = "owner") -> str:
    data = await gql(CREATE_GROUP, {"licence": world.licence(school), "name": name,
                                    "members": [world[m].gid for m in members]}, token=world[by].token)
    assert "staffGroup" in data["createStaffGroup"], data
    return data["createStaffGroup"]["staffGroup"]["id"]


async def create_list(gql, world: World, group: str, name: str, courses: list[tuple[int, str | None]],
                      *, by: str = "owner") -> str:
    """A target list of world.courses[i], in order, each with its own due date or None."""
    targets = [{"courseId": global_id("Course", world.courses[i]), "dueOn": due} for i, due in courses]
    data = await gql(CREATE_LIST, {"group": group, "name": name, "courses": targets}, token=world[by].token)
    assert "targetList" in data["createTargetList"], data
    return data["createTargetList"]["targetList"]["id"]


async def add_delegate(gql, world: World, group: str, person: str) -> None:
    data = await gql(ADD_DELEGATE, {"group": group, "person": world[person].gid}, token=world["owner"].token)
    assert data["addGroupDelegate"]["__typename"] == "StaffGroupPayload", data


@dataclass
class FixedGroup:
    """'Year 1' of Ashdown: Admin, Staff and Staff2, two target lists, fixed progress.

    A Core:    C1, C2, C3 (due 2026-06-01): a date on C3 makes C1 and C2 due by then too.
    B Refresh: C1 (due 2026-07-01): C1 is on both lists.

              C1                       C2                C3
    Admin     done 2026-04-01          done 2026-04-02   done 2026-04-03
    Staff     done 2026-05-31 23:30Z   50%               -
    Staff2    30%                      -                 -
    """

    group: str
    core: str
    refresh: str


async def fixed_group(gql, world: World, db: Database) -> FixedGroup:
    group = await create_group(gql, world, "Year 1", ["admin", "staff", "staff2"])
    core = await create_list(gql, world, group, "A Core", [(0, None), (1, None), (2, "2026-06-01")])
    refresh = await create_list(gql, world, group, "B Refresh", [(0, "2026-07-01")])
    c1, c2, c3 = world.courses
    a, s, s2 = (world[k].person_id for k in ("admin", "staff", "staff2"))
    await enrol(db, [
        (a, c1, at("2026-03-30 09:00"), 100, 1800, at("2026-04-01 10:00")),
        (a, c2, at("2026-04-01 11:00"), 100, 2400, at("2026-04-02 10:00")),
        (a, c3, at("2026-04-02 11:00"), 100, 3000, at("2026-04-03 10:00")),
        (s, c1, at("2026-05-01 09:00"), 100, 3000, at("2026-05-31 23:30")),  # 1 June in London
        (s, c2, at("2026-06-01 09:00"), 50, 1500, None),
        (s2, c1, at("2026-05-10 09:00"), 30, 600, None),
        # Not members of the group: must not count.
        (world["owner"].person_id, c3, at("2026-01-01 09:00"), 100, 60, at("2026-01-02 09:00")),
        (world["staff_b"].person_id, c2, at("2026-01-01 09:00"), 20, 60, None),
    ])
    return FixedGroup(group, core, refresh)


COUNTS = "completed inProgress notStarted overdue total percentComplete"
STAFF = "totalCount nodes { person { id } targets completed overdue state }"
REPORT = f"""
query($id: ID!, $on: Date) {{ node(id: $id) {{ ... on StaffGroup {{ id report(on: $on) {{
  on
  overall {{ {COUNTS} }}
  targetLists {{ targetList {{ id name }} counts {{ {COUNTS} }} courses {{ course {{ id }} counts {{ {COUNTS} }} }} }}
  staff {{ {STAFF} }}
  overdue: staff(state: OVERDUE) {{ {STAFF} }}
  onTrack: staff(state: ON_TRACK) {{ {STAFF} }}
}} }} }} }}
"""


def counts(completed: int, in_progress: int, not_started: int, overdue: int) -> dict[str, Any]:
    total = completed + in_progress + not_started
    return {"completed": completed, "inProgress": in_progress, "notStarted": not_started, "overdue": overdue,
            "total": total, "percentComplete": round(100 * completed / total, 1) if total else 0.0}


async def group_report(gql, world: World, group: str, who: str | None = "owner", on: str | None = None,
                       token: str | None = None) -> dict | None:
    """The group's report as `who` sees it; None when the group itself is hidden too."""
    data = await gql(REPORT, {"id": group, "on": on}, token=token or world[who].token)
    return data["node"]["report"] if data["node"] else None


def course_gid(world: World, i: int) -> str:
    return global_id("Course", world.courses[i])


# --- Per course and per person -------------------------------------------------------

ENROLMENT = "person { id } course { id } startedAt completedAt secondsSpent progressPercent status"
COURSE_REPORT = f"""
query($licence: ID!, $course: ID!, $filter: ReportFilter, $first: Int, $after: String) {{
  courseReport(licenceId: $licence, courseId: $course, filter: $filter, first: $first, after: $after) {{
    totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ {ENROLMENT} }} }} }}
"""
PERSON_REPORT = f"""
query($licence: ID!, $person: ID!, $filter: ReportFilter, $first: Int, $after: String) {{
  personReport(licenceId: $licence, personId: $person, filter: $filter, first: $first, after: $after) {{
    totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ {ENROLMENT} }} }} }}
"""


async def previous_reporting(db: Database, world: World) -> None:
    """The seed's 'Previous Reporting' facts, fixed.

    Course 1: Staff completed 10 Feb after 1h30; Admin completed 1 Mar 08:00 after 1h;
              Staff2 is 40% in after 20 min. Staff B (Birchwood) completed it too.
    Course 2: Staff 70% after 2000 s; Owner completed 1 Apr after 2 h.
    Course 3: Staff completed 15 Mar after 15 min.
    """
    c1, c2, c3 = world.courses
    p = {k: world[k].person_id for k in ("owner", "admin", "staff", "staff2", "staff_b")}
    await enrol(db, [
        (p["staff"], c1, at("2026-01-05 09:00"), 100, 5400, at("2026-02-10 15:30")),
        (p["staff2"], c1, at("2026-01-20 12:00"), 40, 1200, None),
        (p["admin"], c1, at("2026-02-25 08:00"), 100, 3600, at("2026-03-01 08:00")),
        (p["staff_b"], c1, at("2026-01-02 08:00"), 100, 600, at("2026-01-03 08:00")),
        (p["staff"], c2, at("2026-02-01 10:00"), 70, 2000, None),
        (p["owner"], c2, at("2026-03-20 10:00"), 100, 7200, at("2026-04-01 10:00")),
        (p["staff"], c3, at("2026-03-14 10:00"), 100, 900, at("2026-03-15 10:00")),
    ])


def fact(world: World, person: str, course: int, started: str, completed: str | None, seconds: int,
         percent: int) -> tuple:
    return (world[person].gid, course_gid(world, course), at(started), at(completed) if completed else None,
            seconds, percent, "COMPLETED" if completed else "IN_PROGRESS")


def facts(nodes: list[dict]) -> list[tuple]:
    return [
        (n["person"]["id"], n["course"]["id"], datetime.fromisoformat(n["startedAt"]),
         datetime.fromisoformat(n["completedAt"]) if n["completedAt"] else None,
         n["secondsSpent"], n["progressPercent"], n["status"])
        for n in nodes
    ]


def course_1(world: World) -> dict[str, tuple]:
    return {
        "admin": fact(world, "admin", 0, "2026-02-25 08:00", "2026-03-01 08:00", 3600, 100),
        "staff": fact(world, "staff", 0, "2026-01-05 09:00", "2026-02-10 15:30", 5400, 100),
        "staff2": fact(world, "staff2", 0, "2026-01-20 12:00", None, 1200, 40),
    }


def staff_courses(world: World) -> list[tuple]:
    return [
        fact(world, "staff", 0, "2026-01-05 09:00", "2026-02-10 15:30", 5400, 100),
        fact(world, "staff", 1, "2026-02-01 10:00", None, 2000, 70),
        fact(world, "staff", 2, "2026-03-14 10:00", "2026-03-15 10:00", 900, 100),
    ]


async def course_report(gql, world: World, who: str, course: int = 0, school: str = "ashdown",
                        token: str | None = None, **variables: Any) -> dict:
    data = await gql(COURSE_REPORT, {"licence": world.licence(school), "course": course_gid(world, course),
                                     **variables}, token=token or world[who].token)
    return data["courseReport"]


async def person_report(gql, world: World, who: str, person: str, school: str = "ashdown",
                        token: str | None = None, **variables: Any) -> dict:
    data = await gql(PERSON_REPORT, {"licence": world.licence(school), "person": world[person].gid, **variables},
                     token=token or world[who].token)
    return data["personReport"]


@pytest.mark.parametrize("who", ["owner", "admin"])
async def test_a_course_report_says_who_completed_it_when_and_after_how_long(
    gql, world: World, db: Database, who: str
) -> None:
    await previous_reporting(db, world)
    report = await course_report(gql, world, who)
    expected = course_1(world)
    # By name: Admin, Staff, Staff2. Staff B of Birchwood took it too, but is not Ashdown's.
    assert facts(report["nodes"]) == [expected["admin"], expected["staff"], expected["staff2"]]
    assert report["totalCount"] == 3


@pytest.mark.parametrize("who", ["owner", "admin"])
async def test_a_person_report_lists_every_course_with_the_same_facts(
    gql, world: World, db: Database, who: str
) -> None:
    await previous_reporting(db, world)
    report = await person_report(gql, world, who, "staff")
    assert facts(report["nodes"]) == staff_courses(world)
    assert report["totalCount"] == 3


async def test_reports_filter_by_status(gql, world: World, db: Database) -> None:
    await previous_reporting(db, world)
    expected = course_1(world)
    done = await course_report(gql, world, "owner", filter={"status": "COMPLETED"})
    assert facts(done["nodes"]) == [expected["admin"], expected["staff"]]
    going = await course_report(gql, world, "owner", filter={"status": "IN_PROGRESS"})
    assert facts(going["nodes"]) == [expected["staff2"]]
    assert going["totalCount"] == 1

    mine = await person_report(gql, world, "owner", "staff", filter={"status": "COMPLETED"})
    assert facts(mine["nodes"]) == [staff_courses(world)[0], staff_courses(world)[2]]
    mine = await person_report(gql, world, "owner", "staff", filter={"status": "IN_PROGRESS"})
    assert facts(mine["nodes"]) == [staff_courses(world)[1]]


async def test_reports_filter_by_completion_period_since_inclusive_until_exclusive(
    gql, world: World, db: Database
) -> None:
    await previous_reporting(db, world)
    expected = course_1(world)
    february = {"completedSince": "2026-02-01T00:00:00Z", "completedUntil": "2026-03-01T08:00:00Z"}
    report = await course_report(gql, world, "owner", filter=february)
    assert facts(report["nodes"]) == [expected["staff"]]  # Admin's 08:00 is the first instant after it

    march = {"completedSince": "2026-03-01T09:00:00+01:00"}  # the same instant as 08:00Z
    report = await course_report(gql, world, "owner", filter=march)
    assert facts(report["nodes"]) == [expected["admin"]]

    in_march = {"completedSince": "2026-03-01T00:00:00Z", "completedUntil": "2026-04-01T00:00:00Z"}
    report = await person_report(gql, world, "owner", "staff", filter=in_march)
    assert facts(report["nodes"]) == [staff_courses(world)[2]]


@pytest.mark.parametrize("name", ["completedSince", "completedUntil"])
@pytest.mark.parametrize("query", ["course", "person"])
async def test_a_period_without_offset_is_refused_naming_it(gql, world: World, db: Database, name: str,
                                                            query: str) -> None:
    """'2026-03-01T00:00' is a different instant in London and in Sydney: ask which."""
    await previous_reporting(db, world)
    variables = {"licence": world.licence("ashdown"), "filter": {name: "2026-03-01T00:00:00"}}
    if query == "course":
        text, variables["course"] = COURSE_REPORT, course_gid(world, 0)
    else:
        text, variables["person"] = PERSON_REPORT, world["staff"].gid
    errors = await gql.errors(text, variables, token=world["owner"].token)
    assert errors[0]["extensions"] == {"code": "VALIDATION", "field": f"filter.{name}"}
    assert "offset" in errors[0]["message"]


async def test_reports_are_paginated(gql, world: World, db: Database) -> None:
    await previous_reporting(db, world)
    expected = course_1(world)
    first = await course_report(gql, world, "owner", first=2)
    assert facts(first["nodes"]) == [expected["admin"], expected["staff"]]
    assert first["pageInfo"]["hasNextPage"] is True and first["totalCount"] == 3
    rest = await course_report(gql, world, "owner", first=2, after=first["pageInfo"]["endCursor"])
    assert facts(rest["nodes"]) == [expected["staff2"]]
    assert rest["pageInfo"]["hasNextPage"] is False and rest["totalCount"] == 3

    seen, after = [], None
    for _ in range(3):
        page = await person_report(gql, world, "owner", "staff", first=1, after=after)
        seen += facts(page["nodes"])
        after = page["pageInfo"]["endCursor"]
    assert seen == staff_courses(world)
    assert page["pageInfo"]["hasNextPage"] is False


async def test_a_staff_member_sees_their_own_report_and_nobody_elses(gql, world: World, db: Database) -> None:
    await previous_reporting(db, world)
    own = await person_report(gql, world, "staff", "staff")
    assert facts(own["nodes"]) == staff_courses(world)
    own = await person_report(gql, world, "staff2", "staff2")
    assert facts(own["nodes"]) == [course_1(world)["staff2"]]

    for report in (await person_report(gql, world, "staff", "staff2"),
                   await person_report(gql, world, "staff", "admin"),
                   await course_report(gql, world, "staff"),
                   await course_report(gql, world, "staff", course=1)):
        assert report["nodes"] == [] and report["totalCount"] == 0


@pytest.mark.parametrize("who", ["owner_b", "staff_b", "trust_admin", "trust_member", "support", "system"])
async def test_other_schools_the_trust_support_and_systems_see_empty_reports(
    gql, world: World, db: Database, who: str
) -> None:
    await previous_reporting(db, world)
    token = world.system_token if who == "system" else world[who].token
    for report in (await course_report(gql, world, who, token=token),
                   await person_report(gql, world, who, "staff", token=token),
                   await person_report(gql, world, who, "staff2", token=token)):
        assert report == {"totalCount": 0, "pageInfo": {"hasNextPage": False, "endCursor": None}, "nodes": []}


async def test_a_school_reports_only_its_own_people(gql, world: World, db: Database) -> None:
    """Birchwood sees Staff B's completion of Course 1, Ashdown never does, and the other
    way round; a person outside the school has an empty report even for its administrators."""
    await previous_reporting(db, world)
    birchwood = await course_report(gql, world, "owner_b", school="birchwood")
    assert facts(birchwood["nodes"]) == [fact(world, "staff_b", 0, "2026-01-02 08:00", "2026-01-03 08:00", 600, 100)]
    assert (await person_report(gql, world, "owner", "staff_b"))["totalCount"] == 0
    assert (await person_report(gql, world, "owner_b", "staff", school="birchwood"))["totalCount"] == 0


@pytest.mark.parametrize(
    ("query", "variables", "field"),
    [
        (COURSE_REPORT, {"licence": "PERSON", "course": "COURSE"}, "licenceId"),
        (COURSE_REPORT, {"licence": "LICENCE", "course": "PERSON"}, "courseId"),
        (COURSE_REPORT, {"licence": "LICENCE", "course": "garbage"}, "courseId"),
        (PERSON_REPORT, {"licence": "LICENCE", "person": "COURSE"}, "personId"),
        (PERSON_REPORT, {"licence": "garbage", "person": "PERSON"}, "licenceId"),
    ],
)
async def test_a_report_asked_with_the_wrong_kind_of_id_names_the_argument(
    gql, world: World, query: str, variables: dict, field: str
) -> None:
    ids = {"PERSON": world["staff"].gid, "COURSE": course_gid(world, 0), "LICENCE": world.licence("ashdown")}
    errors = await gql.errors(query, {k: ids.get(v, v) for k, v in variables.items()}, token=world["owner"].token)
    assert errors[0]["extensions"] == {"code": "VALIDATION", "field": field}


async def test_unknown_licences_and_courses_give_empty_reports(gql, world: World, db: Database) -> None:
    await previous_reporting(db, world)
    unknown_course = await gql(COURSE_REPORT, {"licence": world.licence("ashdown"),
                                               "course": global_id("Course", 999_999)}, token=world["owner"].token)
    unknown_licence = await gql(PERSON_REPORT, {"licence": global_id("Licence", 999_999),
                                                "person": world["staff"].gid}, token=world["owner"].token)
    assert unknown_course["courseReport"]["totalCount"] == unknown_licence["personReport"]["totalCount"] == 0


async def test_reports_show_progress_recorded_through_the_api(gql, world: World) -> None:
    """The report reads what recordCourseProgress wrote, not a copy."""
    mutation = """
    mutation($input: RecordCourseProgressInput!) { recordCourseProgress(input: $input) { __typename } }"""
    for key, percent, seconds in (("a", 20, 300), ("b", 60, 600)):
        await gql(mutation, {"input": {"personId": world["staff2"].gid, "courseId": course_gid(world, 1),
                                       "idempotencyKey": key, "progressPercent": percent,
                                       "secondsSpent": seconds}}, token=world.system_token)
    report = await person_report(gql, world, "admin", "staff2")
    assert [(n["progressPercent"], n["secondsSpent"], n["status"]) for n in report["nodes"]] == \
        [(60, 900, "IN_PROGRESS")]


# --- The staff group report -----------------------------------------------------------


def person_row(world: World, key: str, targets: int, completed: int, overdue: int) -> dict:
    return {"person": {"id": world[key].gid}, "targets": targets, "completed": completed, "overdue": overdue,
            "state": "OVERDUE" if overdue else "ON_TRACK"}


async def test_group_report_counts_overall_per_list_and_per_course(gql, world: World, db: Database) -> None:
    fixed = await fixed_group(gql, world, db)
    report = await group_report(gql, world, fixed.group, on="2026-06-15")
    assert report["on"] == "2026-06-15"
    # C1 is on both lists but counts once per person overall: 3 people x 3 courses.
    assert report["overall"] == counts(completed=4, in_progress=2, not_started=3, overdue=5)
    core, refresh = report["targetLists"]
    assert core["targetList"] == {"id": fixed.core, "name": "A Core"}
    assert core["counts"] == counts(4, 2, 3, 5)
    assert core["courses"] == [
        {"course": {"id": course_gid(world, 0)}, "counts": counts(2, 1, 0, 1)},
        {"course": {"id": course_gid(world, 1)}, "counts": counts(1, 1, 1, 2)},
        {"course": {"id": course_gid(world, 2)}, "counts": counts(1, 0, 2, 2)},
    ]
    assert refresh["targetList"] == {"id": fixed.refresh, "name": "B Refresh"}
    # Its own date is 1 July, but C1 must come before C3 (due 1 June) in A Core, so Staff2's
    # unfinished C1 is overdue here too: one effective date per course, as on the path.
    assert refresh["counts"] == counts(2, 1, 0, 1)
    assert refresh["courses"] == [{"course": {"id": course_gid(world, 0)}, "counts": counts(2, 1, 0, 1)}]


async def test_group_report_names_on_track_and_overdue_staff(gql, world: World, db: Database) -> None:
    fixed = await fixed_group(gql, world, db)
    report = await group_report(gql, world, fixed.group, on="2026-06-15")
    admin = person_row(world, "admin", 3, 3, 0)
    staff = person_row(world, "staff", 3, 1, 2)
    staff2 = person_row(world, "staff2", 3, 0, 3)
    assert report["staff"] == {"totalCount": 3, "nodes": [admin, staff, staff2]}
    assert report["overdue"] == {"totalCount": 2, "nodes": [staff, staff2]}
    assert report["onTrack"] == {"totalCount": 1, "nodes": [admin]}


@pytest.mark.parametrize(
    ("on", "core_overdue", "refresh_overdue"),
    [
        ("2026-05-31", [0, 0, 0], 0),
        ("2026-06-01", [0, 0, 0], 0),  # due today is not yet overdue
        # C3's date makes C1 and C2 overdue too, wherever they stand: C1 is overdue in the
        # refresh list as well, as on the learning path.
        ("2026-06-02", [1, 2, 2], 1),
        ("2026-07-02", [1, 2, 2], 1),  # the refresh list's own date has passed as well
    ],
)
async def test_overdue_follows_the_effective_due_date_on_the_given_local_date(
    gql, world: World, db: Database, on: str, core_overdue: list[int], refresh_overdue: int
) -> None:
    fixed = await fixed_group(gql, world, db)
    report = await group_report(gql, world, fixed.group, on=on)
    core, refresh = report["targetLists"]
    assert [c["counts"]["overdue"] for c in core["courses"]] == core_overdue
    assert core["counts"]["overdue"] == sum(core_overdue)
    assert refresh["counts"]["overdue"] == refresh_overdue
    # Overall, Staff2's C1 counts once even when both of its lists say overdue.
    assert report["overall"]["overdue"] == sum(core_overdue)
    # Completed courses are never overdue, whatever the date.
    assert report["overall"]["completed"] == 4
    assert report["onTrack"]["nodes"][0]["person"]["id"] == world["admin"].gid


async def test_completed_courses_are_never_overdue(gql, world: World, db: Database) -> None:
    """Everyone completed everything long after the due date: nobody is overdue."""
    group = await create_group(gql, world, "Done", ["staff", "staff2"])
    await create_list(gql, world, group, "Old", [(0, "2026-01-01"), (1, "2026-01-02")])
    rows = [(world[p].person_id, c, at("2026-02-01 09:00"), 100, 60, at("2026-03-01 09:00"))
            for p in ("staff", "staff2") for c in world.courses[:2]]
    await enrol(db, rows)
    report = await group_report(gql, world, group, on="2026-06-15")
    assert report["overall"] == counts(4, 0, 0, 0)
    assert report["overdue"]["totalCount"] == 0
    assert [n["state"] for n in report["staff"]["nodes"]] == ["ON_TRACK", "ON_TRACK"]


async def test_a_course_on_two_lists_is_due_by_the_earlier_date_overall(gql, world: World, db: Database) -> None:
    """List X has C1 due in July; list Y has C1 due in May. C1 is due in May, in each list as
    overall: a course has one effective due date for a person, as on their learning path."""
    group = await create_group(gql, world, "Two dates", ["staff"])
    await create_list(gql, world, group, "X", [(0, "2026-07-01")])
    await create_list(gql, world, group, "Y", [(0, "2026-05-01")])
    report = await group_report(gql, world, group, on="2026-06-01")
    assert [t["counts"]["overdue"] for t in report["targetLists"]] == [1, 1]
    assert report["overall"] == counts(0, 0, 1, 1)
    assert report["overdue"]["nodes"] == [person_row(world, "staff", 1, 0, 1)]


async def test_the_effective_due_date_reaches_across_lists_as_on_the_learning_path(
    gql, world: World, db: Database
) -> None:
    """X says C1 before C2; Y says C2 before C3, due 1 June. So C1 must come before C3 and
    is due by 1 June too (DOMAIN.md: the rule applies across every list reaching the person).
    The group report must agree with the person's own learning path."""
    group = await create_group(gql, world, "Chain", ["staff"])
    await create_list(gql, world, group, "X", [(0, None), (1, None)])
    await create_list(gql, world, group, "Y", [(1, None), (2, "2026-06-01")])
    path = await gql(
        "query($l: ID!, $p: ID!) { learningPath(licenceId: $l, personId: $p, on: \"2026-06-15\") { "
        "items { course { id } effectiveDueOn dueState } } }",
        {"l": world.licence("ashdown"), "p": world["staff"].gid}, token=world["owner"].token,
    )
    overdue_on_path = [i for i in path["learningPath"]["items"] if i["dueState"] == "OVERDUE"]
    assert len(overdue_on_path) == 3

    report = await group_report(gql, world, group, on="2026-06-15")
    assert report["overall"] == counts(0, 0, 3, 3)
    assert report["overdue"]["nodes"] == [person_row(world, "staff", 3, 0, 3)]


async def test_the_all_staff_group_reports_every_staff_member(gql, world: World, db: Database) -> None:
    """All Staff follows the seats: Owner, Admin, Staff and Staff2 hold one in Ashdown."""
    all_staff = world.all_staff_group("ashdown")
    await create_list(gql, world, all_staff, "Safeguarding", [(0, "2026-09-01")])
    await enrol(db, [(world["staff"].person_id, world.courses[0], at("2026-08-01 09:00"), 100, 60,
                      at("2026-08-02 09:00"))])
    report = await group_report(gql, world, all_staff, on="2026-09-02")
    assert report["overall"] == counts(1, 0, 3, 3)
    assert report["staff"]["totalCount"] == 4


async def test_a_group_without_lists_reports_its_members_with_no_targets(gql, world: World, db: Database) -> None:
    group = await create_group(gql, world, "Empty", ["staff", "staff2"])
    report = await group_report(gql, world, group, on="2026-06-15")
    assert report["overall"] == counts(0, 0, 0, 0)
    assert report["targetLists"] == []
    assert report["staff"]["nodes"] == [person_row(world, "staff", 0, 0, 0), person_row(world, "staff2", 0, 0, 0)]


async def test_an_empty_target_list_reports_zero_counts(gql, world: World, db: Database) -> None:
    group = await create_group(gql, world, "Starting", ["staff"])
    empty = await create_list(gql, world, group, "To fill", [])
    await create_list(gql, world, group, "Used", [(0, None)])
    report = await group_report(gql, world, group, on="2026-06-15")
    assert report["targetLists"][0] == {"targetList": {"id": empty, "name": "To fill"},
                                        "counts": counts(0, 0, 0, 0), "courses": []}
    assert report["targetLists"][1]["counts"] == counts(0, 0, 1, 0)
    assert report["overall"] == counts(0, 0, 1, 0)


def local_today(zone: str) -> date:
    return utcnow().astimezone(ZoneInfo(zone)).date()


@pytest.mark.parametrize(("school", "zone", "owner", "member"),
                         [("ashdown", "Europe/London", "owner", "staff"),
                          ("birchwood", "Australia/Sydney", "owner_b", "staff_b")])
async def test_by_default_a_group_is_judged_on_its_schools_local_today(
    gql, world: World, db: Database, school: str, zone: str, owner: str, member: str
) -> None:
    """Sydney's day starts 9 to 11 hours before London's: for part of every day the two
    schools see different 'today's. Both lists carry London's today and yesterday as dates."""
    london = local_today("Europe/London")
    group = await create_group(gql, world, "Zone", [member], school=school, by=owner)
    await create_list(gql, world, group, "L", [(0, (london - timedelta(days=1)).isoformat()),
                                               (1, london.isoformat())], by=owner)
    before = local_today(zone)
    report = await group_report(gql, world, group, who=owner)
    after = local_today(zone)
    on = date.fromisoformat(report["on"])
    assert on in {before, after}
    # C1 is due yesterday in London; C2 today in London, which is already past in Sydney
    # whenever Sydney's date is ahead.
    expected = sum(1 for due in (london - timedelta(days=1), london) if due < on)
    assert report["overall"]["overdue"] == expected


async def test_the_two_schools_today_each_follow_their_own_zone(gql, world: World, db: Database) -> None:
    ashdown = await create_group(gql, world, "A", ["staff"])
    birchwood = await create_group(gql, world, "B", ["staff_b"], school="birchwood", by="owner_b")
    london = {local_today("Europe/London")}
    sydney = {local_today("Australia/Sydney")}
    a = await group_report(gql, world, ashdown, who="owner")
    b = await group_report(gql, world, birchwood, who="owner_b")
    london.add(local_today("Europe/London"))
    sydney.add(local_today("Australia/Sydney"))
    assert date.fromisoformat(a["on"]) in london
    assert date.fromisoformat(b["on"]) in sydney


# --- Who sees a group's report ----------------------------------------------------------

VIEWER_CAN = "query($id: ID!) { node(id: $id) { ... on StaffGroup { viewerCan { report } } } }"


@pytest.mark.parametrize("who", ["owner", "admin", "delegate"])
async def test_full_administrators_and_the_groups_delegate_read_its_report(
    gql, world: World, db: Database, who: str
) -> None:
    fixed = await fixed_group(gql, world, db)
    await add_delegate(gql, world, fixed.group, "staff2")
    actor = "staff2" if who == "delegate" else who
    report = await group_report(gql, world, fixed.group, who=actor, on="2026-06-15")
    assert report == await group_report(gql, world, fixed.group, who="owner", on="2026-06-15")
    assert report["overall"] == counts(4, 2, 3, 5)
    assert (await gql(VIEWER_CAN, {"id": fixed.group}, token=world[actor].token))["node"] == \
        {"viewerCan": {"report": True}}


@pytest.mark.parametrize(
    "who", ["staff", "other delegate", "owner_b", "staff_b", "trust_admin", "trust_member", "system"]
)
async def test_anyone_else_cannot_see_the_group_at_all(gql, world: World, db: Database, who: str) -> None:
    """Staff (even in the group), another group's delegate, other schools, the trust and the
    school's external system: the group is answered as if it did not exist."""
    fixed = await fixed_group(gql, world, db)
    if who == "other delegate":
        other = await create_group(gql, world, "Other", ["staff2"])
        await add_delegate(gql, world, other, "staff")
    token = world.system_token if who == "system" else world["staff" if who == "other delegate" else who].token
    data = await gql(REPORT, {"id": fixed.group, "on": "2026-06-15"}, token=token)
    assert data == {"node": None}


async def test_a_delegate_reads_only_their_own_groups_report(gql, world: World, db: Database) -> None:
    fixed = await fixed_group(gql, world, db)
    other = await create_group(gql, world, "Other", ["staff2"])
    await add_delegate(gql, world, other, "staff")
    assert await group_report(gql, world, other, who="staff", on="2026-06-15") is not None
    assert (await gql(REPORT, {"id": fixed.group, "on": None}, token=world["staff"].token)) == {"node": None}


async def test_support_sees_the_group_but_not_its_report(gql, world: World, db: Database) -> None:
    fixed = await fixed_group(gql, world, db)
    data = await gql(REPORT, {"id": fixed.group, "on": "2026-06-15"}, token=world["support"].token)
    assert data["node"] == {"id": fixed.group, "report": None}
    assert (await gql(VIEWER_CAN, {"id": fixed.group}, token=world["support"].token))["node"] == \
        {"viewerCan": {"report": False}}


async def test_a_former_delegate_no_longer_reads_the_report(gql, world: World, db: Database) -> None:
    fixed = await fixed_group(gql, world, db)
    await add_delegate(gql, world, fixed.group, "staff2")
    assert await group_report(gql, world, fixed.group, who="staff2") is not None
    data = await gql(REMOVE_DELEGATE, {"group": fixed.group, "person": world["staff2"].gid},
                     token=world["owner"].token)
    assert data["removeGroupDelegate"]["__typename"] == "StaffGroupPayload"
    assert (await gql(REPORT, {"id": fixed.group, "on": None}, token=world["staff2"].token)) == {"node": None}
