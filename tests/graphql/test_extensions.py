"""Extensions (issue 17): one staff member given a later due date, for one course of a list
or for every dated target, with a reason. Who may give one (each role tried), what is
refused and changes nothing, and that the person's path, calendar feed and group report
use the extended date until it ends. Reminders: tests/jobs/test_planning.py; the trust's
figures: tests/graphql/test_trust_targets.py; the matrix: tests/http/test_report_endpoints.py."""

import asyncio
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from domain.models import TargetExtension
from infra.database import Database
from schema.ids import global_id
from tests.graphql.test_audit_log import event_count
from tests.graphql.test_calendar_feed import events, feed_url
from tests.graphql.test_reports import group_report
from tests.graphql.test_staff_groups import course, make_group, make_list, succeed
from tests.world import World

ERROR = "... on Error { code message field }"
EXTENSION = "targetExtension { id dueOn reason endedAt person { id } course { id } }"
EXTEND = f"""mutation($input: ExtendTargetInput!) {{ extendTarget(input: $input) {{
  __typename ... on TargetExtensionPayload {{ {EXTENSION} }} {ERROR} }} }}"""
EXTEND_ALL = f"""mutation($input: ExtendAllTargetsInput!) {{ extendAllTargets(input: $input) {{
  __typename ... on TargetExtensionPayload {{ {EXTENSION} }} {ERROR} }} }}"""
END = f"""mutation($e: ID!) {{ endTargetExtension(input: {{extensionId: $e}}) {{
  __typename ... on TargetExtensionPayload {{ {EXTENSION} }} {ERROR} }} }}"""
PATH_OF = """query($l: ID!, $p: ID!) { learningPath(licenceId: $l, personId: $p) { items {
  course { id } effectiveDueOn listDueOn extension { id dueOn reason } } } }"""

LIST_DATE, LATER = "2031-03-10", "2031-03-25"


class School:
    """Ashdown's ES1 (Staff and Staff2) with Phonics: Course 1 due 10 March 2031, Course 2
    undated; Staff2 delegates ES1. Year 2 (Admin), delegated to Staff, has nothing of theirs."""

    async def build(self, gql, world: World) -> "School":  # type: ignore[no-untyped-def]
        self.gql, self.world = gql, world
        self.c1, self.c2, self.c3 = course(world, 0), course(world, 1), course(world, 2)
        self.group = await make_group(gql, world, "ES1", ("staff", "staff2"))
        self.list = await make_list(gql, world, self.group, [self.c1, self.c2], dates={self.c1: LIST_DATE})
        self.other = await make_group(gql, world, "Year 2", ("admin",))
        for group, delegate in ((self.group, "staff2"), (self.other, "staff")):
            await succeed(gql, "addGroupDelegate", {"groupId": group, "personId": world[delegate].gid},
                          world["owner"].token)
        return self

    async def extend(self, by: str, *, person: str = "staff", course: str | None = None, due_on: str = LATER,
                     reason: str = "A long absence", target_list: str | None = None) -> dict[str, Any]:
        variables = {"targetListId": target_list or self.list, "personId": self.world[person].gid,
                     "courseId": course or self.c1, "dueOn": due_on, "reason": reason}
        return (await self.gql(EXTEND, {"input": variables}, token=self.world[by].token))["extendTarget"]

    async def extend_all(self, by: str, *, person: str = "staff", due_on: str = LATER) -> dict[str, Any]:
        variables = {"licenceId": self.world.licence("ashdown"), "personId": self.world[person].gid,
                     "dueOn": due_on, "reason": "A late start"}
        return (await self.gql(EXTEND_ALL, {"input": variables}, token=self.world[by].token))["extendAllTargets"]

    async def dates(self, person: str = "staff") -> dict[str, tuple[str | None, str | None]]:
        """course -> (effectiveDueOn, listDueOn) on the person's path, as the owner sees it."""
        data = await self.gql(PATH_OF, {"l": self.world.licence("ashdown"), "p": self.world[person].gid},
                              token=self.world["owner"].token)
        return {i["course"]["id"]: (i["effectiveDueOn"], i["listDueOn"]) for i in data["learningPath"]["items"]}


@pytest.fixture
async def school(gql, world: World) -> School:  # type: ignore[no-untyped-def]
    return await School().build(gql, world)


# Seed 000's roles, and issue 17: full administrators and the delegates of the list's group.
EXTEND_BY = {
    "owner": "TargetExtensionPayload", "admin": "TargetExtensionPayload", "staff2": "TargetExtensionPayload",
    "staff": "NOT_FOUND",  # the person themself, delegate of another group: ES1 is not theirs to see
    "support": "FORBIDDEN",  # sees every group, runs no school's business
    "owner_b": "NOT_FOUND", "staff_b": "NOT_FOUND", "trust_admin": "NOT_FOUND",
}
EXTEND_ALL_BY = {
    "owner": "TargetExtensionPayload", "admin": "TargetExtensionPayload",
    "staff2": "FORBIDDEN", "staff": "FORBIDDEN", "support": "FORBIDDEN",  # see the licence, extend no one
    "owner_b": "NOT_FOUND", "trust_admin": "NOT_FOUND",
}


def answer(result: dict[str, Any]) -> str:
    return result.get("code") or result["__typename"]


@pytest.mark.parametrize("how, by", [("extend", by) for by in sorted(EXTEND_BY)]
                         + [("extend_all", by) for by in sorted(EXTEND_ALL_BY)])
async def test_who_may_extend_one_course_or_every_target(school: School, db: Database, how: str, by: str) -> None:
    before = await event_count(db)
    result = await getattr(school, how)(by)
    assert answer(result) == (EXTEND_BY if how == "extend" else EXTEND_ALL_BY)[by], result
    granted = result["__typename"] == "TargetExtensionPayload"
    assert await event_count(db) == before + granted
    assert (await school.dates())[school.c1] == (LATER if granted else LIST_DATE, LIST_DATE)


async def test_a_caller_who_may_not_see_the_list_learns_nothing_of_it(school: School, world: World) -> None:
    """For an outsider, the list's id and an id that never existed answer alike, whatever else is wrong."""
    real = await school.extend("owner_b", due_on="2000-01-01", reason="")
    missing = await school.extend("owner_b", target_list=global_id("TargetList", 999_999))
    assert real == missing
    assert (real["code"], real["field"]) == ("NOT_FOUND", "targetListId")


@pytest.mark.parametrize("change, field", [
    ({"due_on": LIST_DATE}, "dueOn"),  # not later than the lists' date
    ({"due_on": "2031-03-01"}, "dueOn"),  # earlier
    ({"due_on": "2040-01-01"}, "dueOn"),  # beyond five years: a typing slip
    ({"course": "c2"}, "courseId"),  # undated on the path: nothing to extend
    ({"course": "c3"}, "courseId"),  # not on the list
    ({"person": "admin"}, "personId"),  # not reached by the list's group
    ({"person": "staff_b"}, "personId"),  # another school's
    ({"reason": "  "}, "reason"),
    ({"reason": "x" * 501}, "reason"),
])
async def test_bad_input_is_refused_naming_the_field_and_changes_nothing(
    school: School, db: Database, change: dict[str, str], field: str
) -> None:
    if "course" in change:
        change = {"course": getattr(school, change["course"])}
    before = await event_count(db)
    result = await school.extend("admin", **change)
    assert (result["code"], result["field"]) == ("VALIDATION", field), result
    assert await event_count(db) == before
    assert (await school.dates())[school.c1] == (LIST_DATE, LIST_DATE)


async def test_a_person_who_does_not_exist_is_refused_like_one_the_group_does_not_reach(school: School) -> None:
    reached_not = await school.extend("admin", person="admin")
    variables = {"targetListId": school.list, "personId": global_id("Person", 999_999), "courseId": school.c1,
                 "dueOn": LATER, "reason": "r"}
    nobody = (await school.gql(EXTEND, {"input": variables}, token=school.world["admin"].token))["extendTarget"]
    assert nobody == reached_not


async def test_the_path_feed_and_report_use_the_extended_date_until_it_ends(
    school: School, gql, client, world: World
) -> None:
    url = await feed_url(gql, world, "staff")
    granted = await school.extend("staff2", reason="Back from leave on 1 March")
    extension = granted["targetExtension"]
    assert extension | {"id": None} == {"id": None, "dueOn": LATER, "reason": "Back from leave on 1 March",
                                        "endedAt": None, "person": {"id": world["staff"].gid},
                                        "course": {"id": school.c1}}
    # The person sees it on their own path, with why.
    mine = await gql("{ me { learningPath { items { effectiveDueOn listDueOn extension { id reason } } } } }",
                     token=world["staff"].token)
    assert mine["me"]["learningPath"]["items"][0] == {
        "effectiveDueOn": LATER, "listDueOn": LIST_DATE,
        "extension": {"id": extension["id"], "reason": "Back from leave on 1 March"}}
    assert await school.dates("staff2") == {school.c1: (LIST_DATE, LIST_DATE), school.c2: (None, None)}
    assert sorted(on for on, _ in (await events(client, url)).values()) == [date(2031, 3, 25)]
    # On 15 March only Staff2 is overdue; Staff has until the 25th.
    report = await group_report(gql, world, school.group, on="2031-03-15")
    assert report["overall"]["overdue"] == 1
    assert {n["person"]["id"] for n in report["overdue"]["nodes"]} == {world["staff2"].gid}

    ended = (await gql(END, {"e": extension["id"]}, token=world["staff2"].token))["endTargetExtension"]
    assert ended["targetExtension"]["endedAt"]
    assert (await school.dates())[school.c1] == (LIST_DATE, LIST_DATE)
    assert sorted(on for on, _ in (await events(client, url)).values()) == [date(2031, 3, 10)]
    assert (await group_report(gql, world, school.group, on="2031-03-15"))["overall"]["overdue"] == 2
    # Ending it again changes nothing and writes nothing.
    again = (await gql(END, {"e": extension["id"]}, token=world["owner"].token))["endTargetExtension"]
    assert again["targetExtension"]["endedAt"] == ended["targetExtension"]["endedAt"]


async def test_a_new_extension_replaces_the_one_in_force(school: School, gql, world: World) -> None:
    first = (await school.extend("admin"))["targetExtension"]
    second = (await school.extend("admin", due_on="2031-03-20"))["targetExtension"]
    assert (await school.dates())[school.c1] == ("2031-03-20", LIST_DATE)  # the newer, though earlier
    opened = await gql("query($id: ID!) { node(id: $id) { ... on TargetExtension { endedAt } } }",
                       {"id": first["id"]}, token=world["owner"].token)
    assert opened["node"]["endedAt"] is not None and second["endedAt"] is None


async def test_every_target_moves_those_due_before_it_and_no_other(school: School, gql, world: World) -> None:
    c3 = school.c3
    await make_list(gql, world, school.group, [c3], name="Later", dates={c3: "2031-06-01"})
    extended = await school.extend_all("admin", due_on="2031-04-01")
    assert extended["__typename"] == "TargetExtensionPayload" and extended["targetExtension"]["course"] is None
    assert await school.dates() == {school.c1: ("2031-04-01", LIST_DATE), school.c2: (None, None),
                                    c3: ("2031-06-01", "2031-06-01")}
    nothing = await school.extend_all("admin", due_on=LIST_DATE)  # moves none of them
    assert (nothing["code"], nothing["field"]) == ("VALIDATION", "dueOn")


async def test_whoever_may_see_the_path_sees_the_extension_and_no_one_else(school: School, gql, world: World) -> None:
    extension = (await school.extend("admin"))["targetExtension"]["id"]
    node = "query($id: ID!) { node(id: $id) { ... on TargetExtension { id } } }"
    seen = {who: (await gql(node, {"id": extension}, token=world[who].token))["node"] is not None
            for who in ("owner", "admin", "staff", "staff2", "owner_b", "trust_admin", "support")}
    assert seen == {"owner": True, "admin": True, "staff": True, "staff2": True,
                    "owner_b": False, "trust_admin": False, "support": False}


async def test_a_delegate_may_end_their_groups_extension_not_one_of_every_target(school: School, gql,
                                                                               world: World) -> None:
    every = (await school.extend_all("admin"))["targetExtension"]["id"]
    refused = (await gql(END, {"e": every}, token=world["staff2"].token))["endTargetExtension"]
    assert refused["code"] == "FORBIDDEN"  # they see it on the path of their group's member
    assert (await school.dates())[school.c1][0] == LATER


async def test_a_delegate_cannot_end_an_extension_once_its_person_leaves_their_group(school: School, gql,
                                                                                   world: World) -> None:
    extension = (await school.extend("staff2"))["targetExtension"]["id"]
    await succeed(gql, "removeStaffGroupMembers", {"groupId": school.group, "personIds": [world["staff"].gid]},
                  world["owner"].token)
    refused = (await gql(END, {"e": extension}, token=world["staff2"].token))["endTargetExtension"]
    missing = (await gql(END, {"e": global_id("TargetExtension", 999_999)}, token=world["staff2"].token))
    assert refused == missing["endTargetExtension"] and refused["code"] == "NOT_FOUND"
    ended = (await gql(END, {"e": extension}, token=world["admin"].token))["endTargetExtension"]
    assert ended["targetExtension"]["endedAt"]  # the administrator still may


async def test_a_delegate_cannot_replace_an_extension_they_may_not_end(school: School, gql, world: World) -> None:
    """The administrator gave Staff until 1 May through an All Staff list; ES1's delegate
    may not end it, so may not replace it with an earlier date either."""
    whole = await make_list(gql, world, world.all_staff_group("ashdown"), [school.c1], name="Whole school",
                            dates={school.c1: "2031-04-01"})
    given = await school.extend("admin", due_on="2031-05-01", target_list=whole)
    assert given["__typename"] == "TargetExtensionPayload", given
    replaced = await school.extend("staff2", due_on="2031-03-12")
    assert replaced["code"] == "FORBIDDEN"
    assert (await school.dates())[school.c1][0] == "2031-05-01"


async def test_two_grants_at_once_leave_one_extension_in_force(school: School, db: Database) -> None:
    """Each answers a payload or CONFLICT, never an internal error; one is in force after,
    and each success wrote its event."""
    before = await event_count(db)
    results = await asyncio.gather(school.extend("admin", due_on="2031-03-20"),
                                   school.extend("owner", due_on="2031-03-25"))
    answers = [answer(r) for r in results]
    assert set(answers) <= {"TargetExtensionPayload", "CONFLICT"} and "TargetExtensionPayload" in answers, results
    async with db.read() as session:
        in_force = (await session.execute(
            select(func.count()).select_from(TargetExtension).where(TargetExtension.ended_at.is_(None))
        )).scalar_one()
    assert in_force == 1
    assert await event_count(db) == before + answers.count("TargetExtensionPayload")
    assert (await school.dates())[school.c1][0] in {"2031-03-20", "2031-03-25"}
