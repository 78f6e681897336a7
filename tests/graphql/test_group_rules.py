"""Rule-based staff groups (issue 18): a group given a rule holds the school's staff the rule
picks, and follows it as people change: a standing changed, a seat begun or ended, another
group's members, the days passing. Each operator; people entering and leaving; a rule
naming a rule-based group; a cycle refused; what delegates may do; a joiner's targets at
once; and the same statements for 40 staff as for 400."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from domain.local_time import local_today
from domain.models import AuditEvent, NotificationOutbox, Seat
from infra.database import Database
from jobs.leavers import SCHEDULER
from resolvers.group_rules import follow_day
from tests.graphql.test_staff_groups import course, make_group, make_list, members_of, pk, succeed
from tests.jobs.test_planning import add_staff
from tests.mutation_cases import DEMOTE, PROMOTE
from tests.world import World

ERROR = "... on Error { code message field }"
SET_RULE = f"""mutation($g: ID!, $rule: GroupRuleInput, $preview: Boolean! = false) {{
  setGroupRule(input: {{groupId: $g, rule: $rule}}, preview: $preview) {{
    __typename ... on StaffGroupPayload {{ staffGroup {{ rule }} }}
    ... on ChangePreview {{ peopleAffected people {{ person {{ id }} added {{ id }} }} }} {ERROR} }} }}"""
MEMBERS = ("owner", "admin", "staff", "staff2")


async def set_rule(gql, world: World, group: str, rule: dict | None, by: str = "owner",  # type: ignore[no-untyped-def]
                   preview: bool = False) -> dict[str, Any]:
    return (await gql(SET_RULE, {"g": group, "rule": rule, "preview": preview},
                      token=world[by].token))["setGroupRule"]


async def who(gql, world: World, group: str) -> set[str]:  # type: ignore[no-untyped-def]
    """The group's members, by actor name."""
    ids = await members_of(gql, world, group)
    return {name for name in MEMBERS if world[name].gid in ids}


async def started(db: Database, world: World, actor: str, days_ago: int) -> None:
    async with db.write() as session:
        await session.execute(update(Seat).where(Seat.person_id == world[actor].person_id)
                              .values(created_at=datetime.now(UTC) - timedelta(days=days_ago)))


async def next_day(db: Database, world: World, days: int = 0) -> int:
    return await follow_day(db, SCHEDULER, world.organisations["ashdown"],
                            local_today("Europe/London") + timedelta(days=days))


@pytest.fixture
async def group(gql, world: World) -> str:  # type: ignore[no-untyped-def]
    return await make_group(gql, world, "New to School", ())


async def test_a_role_rule_follows_promotion_and_demotion_with_the_reason(gql, world: World, db: Database,
                                                                           group: str) -> None:
    answer = await set_rule(gql, world, group, {"role": "MEMBER"})
    assert answer["staffGroup"]["rule"] == {"role": "MEMBER"}, answer
    assert await who(gql, world, group) == {"staff", "staff2"}
    promoted = await gql(PROMOTE, {"id": world["staff2"].membership("ashdown")}, token=world["owner"].token)
    assert promoted["promoteMember"]["__typename"] == "MembershipPayload"
    assert await who(gql, world, group) == {"staff"}
    async with db.read() as session:
        event = (await session.execute(select(AuditEvent).where(AuditEvent.action == "group.rule_followed")
                                       .order_by(AuditEvent.id.desc()).limit(1))).scalar_one()
    assert event.after == {"joined": [], "left": [world["staff2"].person_id]}
    assert "promoted" in event.summary and "New to School" in event.summary
    await gql(DEMOTE, {"id": world["staff2"].membership("ashdown")}, token=world["owner"].token)
    assert await who(gql, world, group) == {"staff", "staff2"}


RULES = {
    "all": ({"all": [{"role": "ADMINISTRATOR"}, {"joinedWithinDays": 30}]}, {"owner"}),
    "any": ({"any": [{"role": "ADMINISTRATOR"}, {"joinedWithinDays": 30}]}, {"owner", "admin", "staff"}),
    "not": ({"not": {"role": "ADMINISTRATOR"}}, {"staff", "staff2"}),
    "joined within": ({"joinedWithinDays": 30}, {"owner", "staff"}),
    "has a leaving date": ({"hasLeavingDate": True}, {"staff2"}),
    "no leaving date": ({"hasLeavingDate": False}, {"owner", "admin", "staff"}),
    "leaving within": ({"leavingWithinDays": 10}, set()),
    "leaving within, longer": ({"leavingWithinDays": 60}, {"staff2"}),
    "in All Staff": ({"inGroup": "ALL"}, set(MEMBERS)),
    "in a group": ({"inGroup": "ES1"}, {"admin", "staff"}),
}


@pytest.mark.parametrize("name", sorted(RULES))
async def test_each_operator(gql, world: World, db: Database, group: str, name: str) -> None:
    """Owner and Staff began this week; Admin and Staff2 two years ago; Staff2 leaves in 40
    days; ES1 holds Admin and Staff."""
    for actor, days in (("owner", 2), ("admin", 730), ("staff", 5), ("staff2", 730)):
        await started(db, world, actor, days)
    async with db.write() as session:
        await session.execute(update(Seat).where(Seat.person_id == world["staff2"].person_id)
                              .values(leaves_on=local_today("Europe/London") + timedelta(days=40)))
    es1 = await make_group(gql, world, "ES1", ("admin", "staff"))
    rule, wanted = RULES[name]
    if "inGroup" in rule:
        rule = {"inGroup": world.all_staff_group("ashdown") if rule["inGroup"] == "ALL" else es1}
    assert (await set_rule(gql, world, group, rule))["__typename"] == "StaffGroupPayload"
    assert await who(gql, world, group) == wanted


async def test_the_days_passing_move_people_out_of_a_joined_within_rule(gql, world: World, db: Database,
                                                                        group: str) -> None:
    await started(db, world, "staff", 360)
    await set_rule(gql, world, group, {"all": [{"role": "MEMBER"}, {"joinedWithinDays": 365}]})
    assert "staff" in await who(gql, world, group)
    assert await next_day(db, world, 4) == 0  # day 364: still within
    assert await next_day(db, world, 6) == 1  # day 366: out
    assert await who(gql, world, group) == {"staff2"}


async def test_a_rule_naming_a_rule_based_group_follows_it(gql, world: World, db: Database, group: str) -> None:
    await set_rule(gql, world, group, {"role": "MEMBER"})
    veterans = await make_group(gql, world, "Members not new", ())
    await started(db, world, "staff", 900)
    await set_rule(gql, world, veterans, {"all": [{"inGroup": group}, {"not": {"joinedWithinDays": 365}}]})
    assert await who(gql, world, veterans) == {"staff"}
    await gql(PROMOTE, {"id": world["staff"].membership("ashdown")}, token=world["owner"].token)
    assert await who(gql, world, group) == {"staff2"} and await who(gql, world, veterans) == set()


async def test_a_cycle_and_a_group_of_another_school_are_refused(gql, world: World, group: str) -> None:
    other = await make_group(gql, world, "Other", ())
    await set_rule(gql, world, other, {"inGroup": group})
    cycle = await set_rule(gql, world, group, {"any": [{"role": "ADMINISTRATOR"}, {"inGroup": other}]})
    assert (cycle["code"], cycle["field"]) == ("VALIDATION", "rule"), cycle
    itself = await set_rule(gql, world, group, {"inGroup": group})
    assert itself["code"] == "VALIDATION"
    birchwood = await make_group(gql, world, "B", ("staff_b",), actor="owner_b", licence="birchwood")
    elsewhere = await set_rule(gql, world, group, {"inGroup": birchwood})
    nowhere = await set_rule(gql, world, group, {"inGroup": "U3RhZmZHcm91cDo5OTk5OQ=="})  # StaffGroup:99999
    assert elsewhere["message"] == nowhere["message"] and elsewhere["code"] == "VALIDATION"


@pytest.mark.parametrize("rule, field", [({}, "rule"), ({"role": "MEMBER", "hasLeavingDate": True}, "rule"),
                                         ({"all": []}, "rule"), ({"joinedWithinDays": -1}, "rule"),
                                         ({"role": "LEARNER"}, "rule")])
async def test_a_malformed_rule_is_refused_naming_the_field(gql, world: World, group: str, rule: dict,
                                                            field: str) -> None:
    answer = await set_rule(gql, world, group, rule)
    assert (answer["code"], answer["field"]) == ("VALIDATION", field), answer
    assert await who(gql, world, group) == set()


async def test_delegates_edit_a_rule_groups_lists_but_not_its_rule_nor_its_members(gql, world: World,
                                                                                    group: str) -> None:
    await set_rule(gql, world, group, {"role": "MEMBER"})
    await succeed(gql, "addGroupDelegate", {"groupId": group, "personId": world["staff2"].gid},
                  world["owner"].token)
    refused = await set_rule(gql, world, group, {"role": "ADMINISTRATOR"}, by="staff2")
    assert refused["code"] == "FORBIDDEN"
    await make_list(gql, world, group, [course(world, 0)], actor="staff2")  # their lists: fine
    by_hand = await gql("""mutation($g: ID!, $p: [ID!]!) { addStaffGroupMembers(input: {groupId: $g,
      personIds: $p}) { __typename ... on Error { code field } } }""", {"g": group, "p": [world["owner"].gid]},
                        token=world["owner"].token)
    assert by_hand["addStaffGroupMembers"] == {"__typename": "ConflictError", "code": "CONFLICT", "field": "groupId"}
    assert (await set_rule(gql, world, group, None))["__typename"] == "StaffGroupPayload"  # cleared: by hand again
    assert await who(gql, world, group) == {"staff", "staff2"}


async def test_a_joiner_has_the_groups_targets_at_once_and_hears_of_them(gql, world: World, db: Database,
                                                                        group: str) -> None:
    await make_list(gql, world, group, [course(world, 0)], dates={course(world, 0): "2030-01-01"})
    preview = await set_rule(gql, world, group, {"role": "MEMBER"}, preview=True)
    assert preview["peopleAffected"] == 2 and await who(gql, world, group) == set()
    async with db.read() as session:
        told = (await session.execute(select(func.count()).select_from(NotificationOutbox))).scalar_one()
    await set_rule(gql, world, group, {"role": "MEMBER"})
    path = await gql("{ me { learningPath { items { course { id } } } } }", token=world["staff"].token)
    assert course(world, 0) in [i["course"]["id"] for i in path["me"]["learningPath"]["items"]]
    async with db.read() as session:
        assert (await session.execute(select(func.count()).select_from(NotificationOutbox))).scalar_one() == told + 2


async def test_following_takes_as_many_statements_for_400_staff_as_for_40(gql, world: World, db: Database,
                                                                          group: str, count_statements) -> None:  # type: ignore[no-untyped-def]
    await set_rule(gql, world, group, {"all": [{"role": "MEMBER"}, {"joinedWithinDays": 10}]})
    bulk = pk(await make_group(gql, world, "Bulk", ()))

    async def moved_in(staff: int) -> tuple[int, int]:
        await add_staff(db, world, "ashdown", staff, [bulk])  # begun today, put in by hand: not yet followed
        before = count_statements.count
        moved = await next_day(db, world)
        return moved, count_statements.count - before

    few, many = await moved_in(36), await moved_in(360)
    assert (few[0], many[0]) == (36, 360) and few[1] == many[1]


async def test_a_group_a_rule_names_cannot_be_deleted_nor_seen_through_the_rule(gql, world: World,
                                                                               group: str) -> None:
    es1 = await make_group(gql, world, "ES1", ("staff",))
    await set_rule(gql, world, group, {"not": {"inGroup": es1}})
    deleted = await gql("""mutation($g: ID!) { deleteStaffGroup(input: {groupId: $g, confirmation: "YES"}) {
      __typename ... on Error { code message field } } }""", {"g": es1}, token=world["owner"].token)
    assert deleted["deleteStaffGroup"]["code"] == "CONFLICT" and "New to School" in deleted["deleteStaffGroup"]["message"]
    await succeed(gql, "addGroupDelegate", {"groupId": group, "personId": world["staff2"].gid}, world["owner"].token)
    query = "query($g: ID!) { node(id: $g) { ... on StaffGroup { rule } } }"
    assert (await gql(query, {"g": group}, token=world["owner"].token))["node"]["rule"] == {"not": {"inGroup": es1}}
    assert (await gql(query, {"g": group}, token=world["staff2"].token))["node"]["rule"] == {"not": {"inGroup": None}}


async def test_a_caught_up_day_does_not_undo_today(gql, world: World, db: Database, group: str) -> None:
    await started(db, world, "staff", 400)
    await set_rule(gql, world, group, {"joinedWithinDays": 365})
    assert "staff" not in await who(gql, world, group)
    assert await next_day(db, world, -60) == 0  # sixty days ago Staff was within the year; today they are not
    assert "staff" not in await who(gql, world, group)


async def test_a_roster_import_is_followed_and_cannot_name_a_rule_group(gql, world: World, group: str) -> None:
    """A roster's new member joins at once; its groups column neither names a rule-based
    group nor takes anyone out of one."""
    from tests.graphql.test_roster_import import IMPORT
    await set_rule(gql, world, group, {"role": "MEMBER"})
    es1 = await make_group(gql, world, "ES1", ("staff",))
    token, school = world["owner"].token, world.org("ashdown")
    naming = "name,email,seat,groups\nNew One,new1@example.org,ALL_ACCESS_PASS_PLUS,New to School\n"
    refused = await gql(IMPORT, {"school": school, "csv": naming}, token=token)
    assert refused["importRoster"]["code"] == "VALIDATION" and "keeps itself" in refused["importRoster"]["message"]
    csv = "name,email,seat,groups\nNew One,new1@example.org,ALL_ACCESS_PASS_PLUS,ES1\nStaff,staff@example.org,"\
        "ALL_ACCESS_PASS_PLUS,ES1\n"
    done = await gql(IMPORT, {"school": school, "csv": csv}, token=token)
    assert done["importRoster"]["__typename"] == "ImportRosterPayload", done
    joined = await members_of(gql, world, group)
    assert world["staff"].gid in joined and len(joined) == 3  # Staff, Staff2 and the newcomer
    assert len(await members_of(gql, world, es1)) == 2


async def test_a_job_title_from_the_roster_puts_people_in_and_takes_them_out(gql, world: World, group: str) -> None:
    from tests.graphql.test_roster_import import IMPORT
    token, school = world["owner"].token, world.org("ashdown")
    await set_rule(gql, world, group, {"jobTitle": "teaching  assistant"})
    csv = ("name,email,seat,job_title\nStaff,staff@example.org,ALL_ACCESS_PASS_PLUS,Teaching Assistant\n"
           "Staff Two,staff2@example.org,ALL_ACCESS_PASS_PLUS,Class Teacher\n")
    done = await gql(IMPORT, {"school": school, "csv": csv}, token=token)
    assert [c["kind"] for c in done["importRoster"]["changes"]] == ["JOB_TITLE_SET", "JOB_TITLE_SET"], done
    assert await who(gql, world, group) == {"staff"}
    seat = await gql("query($s: ID!) { node(id: $s) { ... on Seat { jobTitle } } }", {"s": world.seat("staff")},
                     token=token)
    assert seat["node"]["jobTitle"] == "Teaching Assistant"
    cleared = await gql(IMPORT, {"school": school, "csv": "name,email,seat,job_title\n"
                                 "Staff,staff@example.org,ALL_ACCESS_PASS_PLUS,\n"}, token=token)
    assert cleared["importRoster"]["changes"][0]["kind"] == "JOB_TITLE_SET"
    assert await who(gql, world, group) == set()
