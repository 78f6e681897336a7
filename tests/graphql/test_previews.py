"""Previews (issue 18): a mutation that changes who is in a group, what a list holds, its
order or its dates, asked with `preview: true`, changes nothing (no row, no audit event, no
outbox row) and answers the change it would make to people's learning paths. Each is then
applied, and what the paths became, read through the API person by person, is exactly
what the preview said: on both engines."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from domain.models import (
    AuditEvent, Enrolment, NotificationItem, NotificationOutbox, TargetListItem, digest_order, utcnow,
)
from domain.local_time import local_today
from infra.database import Database
from jobs.planning import plan_day
from schema.ids import global_id
from tests.graphql.test_staff_groups import course, make_group, make_list, new_courses, pk, succeed
from tests.jobs.test_planning import add_staff
from tests.world import World

ERROR = "... on Error { code message field }"
PREVIEW = """... on ChangePreview { on peopleAffected people { person { id } added { id } removed { id }
  moved { course { id } was now } overdueAtOnce { id } } }"""
PATH_OF = """query($l: ID!, $p: ID!) { learningPath(licenceId: $l, personId: $p) { items {
  course { id } status effectiveDueOn } } }"""
STAFF = ("owner", "admin", "staff", "staff2")  # Ashdown's seated people


def day(offset: int) -> str:
    return (local_today("Europe/London") + timedelta(days=offset)).isoformat()


class School:
    """Ashdown's ES1 (Staff and Staff2) with Phonics: Course 1, then Course 2 due in ten
    days; All Staff's Everyone: Course 3 due in forty. Staff completed Course 1."""

    async def build(self, gql, world: World, db: Database) -> "School":  # type: ignore[no-untyped-def]
        self.gql, self.world, self.db = gql, world, db
        self.c1, self.c2, self.c3 = (course(world, i) for i in range(3))
        self.c4, = await new_courses(db, ["First Aid"])
        self.group = await make_group(gql, world, "ES1", ("staff", "staff2"))
        self.list = await make_list(gql, world, self.group, [self.c1, self.c2], dates={self.c2: day(10)})
        self.everyone = await make_list(gql, world, world.all_staff_group("ashdown"), [self.c3], name="Everyone",
                                        dates={self.c3: day(40)})
        async with db.write() as session:
            done = datetime.now(UTC) - timedelta(days=3)
            session.add(Enrolment(person_id=world["staff"].person_id, course_id=pk(self.c1), started_at=done,
                                  progress_percent=100, completed_at=done, last_completed_at=done))
        return self

    async def paths(self) -> dict[str, dict[str, tuple[str, str | None]]]:
        """person -> course -> (status, effective due date), as the owner reads each path."""
        out = {}
        for who in STAFF:
            data = await self.gql(PATH_OF, {"l": self.world.licence("ashdown"), "p": self.world[who].gid},
                                  token=self.world["owner"].token)
            path = data["learningPath"]  # none once they are no longer of the school
            out[self.world[who].gid] = {i["course"]["id"]: (i["status"], i["effectiveDueOn"])
                                        for i in (path["items"] if path else [])}
        return out

    async def counts(self) -> tuple[int, ...]:
        async with self.db.read() as session:
            return tuple([(await session.execute(select(func.count()).select_from(model))).scalar_one()
                          for model in (AuditEvent, NotificationOutbox, TargetListItem)])


@pytest.fixture
async def school(gql, world: World, db: Database) -> School:  # type: ignore[no-untyped-def]
    return await School().build(gql, world, db)


def expected(before: dict, after: dict, today: str) -> dict[str, dict[str, Any]]:
    """The change each person's path went through, worked out from the paths themselves."""
    changes = {}
    for person in before:
        was, now = before[person], after[person]
        moved = sorted((c, was[c][1], now[c][1]) for c in now if c in was and was[c][1] != now[c][1])
        change = {"added": sorted(c for c in now if c not in was), "removed": sorted(c for c in was if c not in now),
                  "moved": moved}
        if any(change.values()):
            change["overdueAtOnce"] = sorted(
                c for c in now if now[c][1] is not None and now[c][1] < today and now[c][0] != "COMPLETED"
                and not (c in was and was[c][1] is not None and was[c][1] < today))
            changes[person] = change
    return changes


def told(preview: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["person"]["id"]: {
        "added": sorted(c["id"] for c in p["added"]), "removed": sorted(c["id"] for c in p["removed"]),
        "moved": sorted((m["course"]["id"], m["was"], m["now"]) for m in p["moved"]),
        "overdueAtOnce": sorted(c["id"] for c in p["overdueAtOnce"]),
    } for p in preview["people"]}


# name -> (input, as the School makes it)
CASES = {
    "setTargetDueDate: a date brought into the past": ("setTargetDueDate", lambda s: {
        "targetListId": s.list, "courseId": s.c2, "dueOn": day(-2)}),
    "setTargetDueDate: a date cleared": ("setTargetDueDate", lambda s: {
        "targetListId": s.list, "courseId": s.c2, "dueOn": None}),
    "reorderTargetList": ("reorderTargetList", lambda s: {"targetListId": s.list, "courseIds": [s.c2, s.c1]}),
    "addTargetCourses": ("addTargetCourses", lambda s: {"targetListId": s.list, "courses": [
        {"courseId": s.c4, "dueOn": day(-1)}]}),
    "removeTargetCourse": ("removeTargetCourse", lambda s: {"targetListId": s.list, "courseId": s.c2}),
    "setTargetRenewal": ("setTargetRenewal", lambda s: {"targetListId": s.list, "courseId": s.c1,
                                                        "renewMonths": 1}),
    "addStaffGroupMembers": ("addStaffGroupMembers", lambda s: {"groupId": s.group,
                                                                "personIds": [s.world["admin"].gid]}),
    "removeStaffGroupMembers": ("removeStaffGroupMembers", lambda s: {"groupId": s.group,
                                                                      "personIds": [s.world["staff2"].gid]}),
    "createTargetList": ("createTargetList", lambda s: {"groupId": s.group, "name": "Late", "courses": [
        {"courseId": s.c4, "dueOn": day(-5)}, {"courseId": s.c3}]}),
    "deleteTargetList": ("deleteTargetList", lambda s: {"targetListId": s.list, "confirmation": "YES"}),
    "deleteStaffGroup": ("deleteStaffGroup", lambda s: {"groupId": s.group, "confirmation": "YES"}),
    "setGroupRule": ("setGroupRule", lambda s: {"groupId": s.group, "rule": {"role": "ADMINISTRATOR"}}),
    # Who is staff, and so in All Staff and the groups: seats, members, the roster.
    "deactivateSeat": ("deactivateSeat", lambda s: {"seatId": s.world.seat("staff2")}),
    "removeMember": ("removeMember", lambda s: {"membershipId": s.world["staff2"].membership("ashdown")}),
    "importRoster": ("importRoster", lambda s: {"schoolId": s.world.org("ashdown"), "csv": (
        "name,email,seat\nStaff Two,staff2@example.org,ALL_ACCESS_PASS\n")}),
    "createStaffGroup": ("createStaffGroup", lambda s: {"licenceId": s.world.licence("ashdown"), "name": "New",
                                                        "memberIds": [s.world["admin"].gid]}),
    # The owner and the admin are in no other group: they are left with no target at all.
    "deleteTargetList: All Staff's": ("deleteTargetList", lambda s: {"targetListId": s.everyone,
                                                                     "confirmation": "YES"}),
}


def mutation(name: str) -> str:
    input_type = {"addStaffGroupMembers": "StaffGroupMembersInput", "removeStaffGroupMembers": "StaffGroupMembersInput",
                  "removeTargetCourse": "TargetCourseInput", "deactivateSeat": "SeatInput",
                  "removeMember": "MembershipInput"}.get(name, name[0].upper() + name[1:] + "Input")
    return f"""mutation($input: {input_type}!, $preview: Boolean!) {{ {name}(input: $input, preview: $preview) {{
      __typename {PREVIEW} {ERROR} }} }}"""


@pytest.mark.parametrize("case", sorted(CASES))
async def test_a_preview_changes_nothing_and_says_exactly_what_applying_does(school: School, case: str) -> None:
    name, make = CASES[case]
    before, counts = await school.paths(), await school.counts()
    asked = await school.gql(mutation(name), {"input": make(school), "preview": True},
                             token=school.world["owner"].token)
    preview = asked[name]
    assert preview["__typename"] == "ChangePreview", preview
    assert await school.paths() == before and await school.counts() == counts  # nothing kept, nothing audited
    applied = await school.gql(mutation(name), {"input": make(school), "preview": False},
                               token=school.world["owner"].token)
    assert applied[name]["__typename"] not in ("ChangePreview",) and "code" not in applied[name], applied
    after = await school.paths()
    wanted = expected(before, after, preview["on"])
    assert told(preview) == wanted
    assert preview["peopleAffected"] == len(wanted)


async def test_the_cases_change_paths_and_make_targets_overdue(school: School) -> None:
    """The cases above are not all empty: the first one turns two people overdue."""
    name, make = CASES["setTargetDueDate: a date brought into the past"]
    asked = await school.gql(mutation(name), {"input": make(school), "preview": True},
                             token=school.world["owner"].token)
    people = told(asked[name])
    assert set(people) == {school.world["staff"].gid, school.world["staff2"].gid}
    assert people[school.world["staff2"].gid]["overdueAtOnce"] == sorted([school.c1, school.c2])
    assert people[school.world["staff"].gid]["overdueAtOnce"] == [school.c2]  # Course 1 is completed


# As applying: a caller who may not see the group is told NOT_FOUND; one who may see it but
# not change it, FORBIDDEN; and nothing is previewed.
REFUSED = {"staff": "NOT_FOUND", "owner_b": "NOT_FOUND", "trust_admin": "NOT_FOUND", "support": "FORBIDDEN"}


@pytest.mark.parametrize("actor", sorted(REFUSED))
async def test_a_preview_the_caller_may_not_apply_is_refused_like_the_apply(school: School, actor: str) -> None:
    name, make = CASES["setTargetDueDate: a date brought into the past"]
    counts = await school.counts()
    for preview in (True, False):
        answer = (await school.gql(mutation(name), {"input": make(school), "preview": preview},
                                   token=school.world[actor].token))[name]
        assert answer.get("code") == REFUSED[actor], answer
    assert await school.counts() == counts


async def test_a_preview_with_bad_input_is_refused_naming_the_field(school: School) -> None:
    answer = (await school.gql(mutation("setTargetRenewal"), {"input": {
        "targetListId": school.list, "courseId": school.c1, "renewMonths": 0}, "preview": True},
        token=school.world["owner"].token))["setTargetRenewal"]
    assert (answer["code"], answer["field"]) == ("VALIDATION", "renewMonths")


async def test_a_delegate_previews_their_own_groups_change(school: School) -> None:
    await succeed(school.gql, "addGroupDelegate", {"groupId": school.group, "personId": school.world["staff2"].gid},
                  school.world["owner"].token)
    name, make = CASES["removeStaffGroupMembers"]
    preview = (await school.gql(mutation(name), {"input": make(school), "preview": True},
                                token=school.world["staff2"].token))[name]
    assert preview["__typename"] == "ChangePreview" and preview["peopleAffected"] == 1
    assert told(preview)[school.world["staff2"].gid]["removed"] == sorted([school.c1, school.c2])


async def test_a_preview_takes_as_many_statements_for_40_staff_as_for_4(school: School, count_statements) -> None:  # type: ignore[no-untyped-def]
    name, make = CASES["setTargetDueDate: a date brought into the past"]

    async def previewed() -> tuple[int, int]:
        before = count_statements.count
        answer = (await school.gql(mutation(name), {"input": make(school), "preview": True},
                                   token=school.world["owner"].token))[name]
        return answer["peopleAffected"], count_statements.count - before

    few = await previewed()
    await add_staff(school.db, school.world, "ashdown", 36, [pk(school.group)])
    many = await previewed()
    assert (few[0], many[0]) == (2, 38) and few[1] == many[1]


async def sent(school: School, day: str, people: dict[str, Any]) -> dict[str, list[tuple]]:
    """The lines of `people`'s digests when `day` is planned for real, as a preview shows them."""
    planned = await plan_day(school.db, school.world.organisations["ashdown"], date.fromisoformat(day), utcnow())
    assert planned is not None
    async with school.db.read() as session:
        rows = (await session.execute(select(NotificationItem).where(NotificationItem.plan_id == planned.plan_id)
                                      .order_by(NotificationItem.person_id, *digest_order()))).scalars().all()
    lines: dict[str, list[tuple]] = {person: [] for person in people}
    for row in rows:
        person = global_id("Person", row.person_id)
        if person in lines:
            lines[person].append((row.kind, row.course_title, row.due_on.isoformat() if row.due_on else None))
    return lines


DIGEST = """... on ChangePreview { nextSend people { person { id } nextDigest { kind courseTitle dueOn } } }"""


@pytest.mark.parametrize("case", ["setTargetDueDate: a date brought into the past", "removeStaffGroupMembers",
                                  "addTargetCourses"])
async def test_the_next_digests_a_preview_shows_are_the_ones_the_next_send_carries(school: School, case: str) -> None:
    name, make = CASES[case]
    query = mutation(name).replace(PREVIEW, DIGEST)
    preview = (await school.gql(query, {"input": make(school), "preview": True},
                                token=school.world["owner"].token))[name]
    shown = {p["person"]["id"]: [(line["kind"], line["courseTitle"], line["dueOn"]) for line in p["nextDigest"]]
             for p in preview["people"]}
    assert shown and any(shown.values())
    await school.gql(query, {"input": make(school), "preview": False}, token=school.world["owner"].token)
    assert await sent(school, preview["nextSend"], shown) == shown


async def test_a_delegate_sees_whose_path_changes_but_not_their_digest(school: School) -> None:
    """Digests are their person's and the full administrators' (VIEW_DELIVERY): a delegate
    previewing a change to their group is shown the change, not what the email will say."""
    await succeed(school.gql, "addGroupDelegate", {"groupId": school.group, "personId": school.world["staff2"].gid},
                  school.world["owner"].token)
    query = mutation("removeStaffGroupMembers").replace(PREVIEW, DIGEST)
    variables = {"input": {"groupId": school.group, "personIds": [school.world["staff"].gid]}, "preview": True}
    digests = {}
    for who in ("owner", "staff2"):
        answer = (await school.gql(query, variables, token=school.world[who].token))["removeStaffGroupMembers"]
        digests[who] = {p["person"]["id"]: p["nextDigest"] for p in answer["people"]}
    assert set(digests["owner"]) == set(digests["staff2"]) == {school.world["staff"].gid}
    assert digests["owner"][school.world["staff"].gid] and digests["staff2"][school.world["staff"].gid] == []


SETTINGS = """mutation($s: ID!, $days: Int, $preview: Boolean!) {
  updateNotificationSettings(input: {organisationId: $s, dueSoonDays: $days}, preview: $preview) {
    __typename ... on ChangePreview { peopleAffected nextSend people { person { id } added { id } moved { was }
      nextDigest { kind courseTitle dueOn } } } ... on Error { code message field } } }"""


async def test_a_settings_preview_lists_whose_next_digest_changes_and_the_send_carries_it(school: School) -> None:
    """Due-soon days from 14 to 3: Course 2, due in ten days, is no longer due soon for
    Staff and Staff2, whose next digests change; the owner's and the admin's do not."""
    token, ashdown = school.world["owner"].token, school.world.org("ashdown")
    counts = await school.counts()
    preview = (await school.gql(SETTINGS, {"s": ashdown, "days": 3, "preview": True},
                                token=token))["updateNotificationSettings"]
    assert preview["__typename"] == "ChangePreview", preview
    assert await school.counts() == counts
    shown = {p["person"]["id"]: [(line["kind"], line["courseTitle"], line["dueOn"]) for line in p["nextDigest"]]
             for p in preview["people"]}
    assert set(shown) == {school.world["staff"].gid, school.world["staff2"].gid}
    assert preview["peopleAffected"] == 2 and all(p["added"] == [] and p["moved"] == [] for p in preview["people"])
    assert all(kind != "DUE_SOON" for lines in shown.values() for kind, _, _ in lines)
    applied = await school.gql(SETTINGS, {"s": ashdown, "days": 3, "preview": False}, token=token)
    assert applied["updateNotificationSettings"]["__typename"] == "NotificationSettingsPayload", applied
    assert await sent(school, preview["nextSend"], shown) == shown


@pytest.mark.parametrize("actor", ["staff", "owner_b", "trust_admin"])
async def test_a_settings_preview_is_refused_as_the_change_is(school: School, actor: str) -> None:
    answers = [(await school.gql(SETTINGS, {"s": school.world.org("ashdown"), "days": 3, "preview": preview},
                                 token=school.world[actor].token))["updateNotificationSettings"]
               for preview in (True, False)]
    assert answers[0] == answers[1] and answers[0]["code"] in ("FORBIDDEN", "NOT_FOUND"), answers


async def test_platform_support_may_import_a_roster_but_not_preview_peoples_paths(school: School) -> None:
    query = mutation("importRoster")
    variables = {"input": CASES["importRoster"][1](school), "preview": True}
    preview = (await school.gql(query, variables, token=school.world["support"].token))["importRoster"]
    assert (preview["code"], preview["field"]) == ("FORBIDDEN", "preview"), preview
    owner = (await school.gql(query, variables, token=school.world["owner"].token))["importRoster"]
    assert owner["__typename"] == "ChangePreview"


async def test_a_preview_where_there_is_no_licence_answers_as_the_change_would(school: School) -> None:
    """A trust has no licence: its settings change is refused as it would be, preview or not."""
    answers = [(await school.gql(SETTINGS, {"s": school.world.org("trust"), "days": 3, "preview": preview},
                                 token=school.world["trust_admin"].token))["updateNotificationSettings"]
               for preview in (True, False)]
    assert answers[0] == answers[1] and answers[0]["__typename"].endswith("Error"), answers
