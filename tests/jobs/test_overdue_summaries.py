"""Overdue summaries (issue 17): a full administrator or a group delegate opts in, daily or
on one weekday, and that day's one digest carries their people's overdue targets, new
since their last summary first, then still overdue, with links to the group reports.
Never a second email that day, even for a delegate who is also staff with reminders."""

from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from infra.database import Database
from schema.ids import global_id
from tests.graphql.test_extensions import END, EXTEND
from tests.graphql.test_learning_paths_api import add_courses, enrol
from tests.graphql.test_staff_groups import course, make_group, make_list, succeed
from jobs import planning
from jobs.planning import plan_day
from tests.jobs.conftest import Jobs
from tests.jobs.test_planning import K, per_day, read, ticks
from tests.world import World

SET = """mutation($s: ID!, $f: OverdueSummaryFrequency!, $w: Int! = 1) {
  setOverdueSummary(input: {schoolId: $s, frequency: $f, weekday: $w}) {
    __typename ... on OverdueSummaryPayload { overdueSummary { frequency weekday lastSentOn } }
    ... on Error { code message field } } }"""
ELEVENTH = date(2031, 3, 11)


async def opt_in(gql, world: World, who: str, frequency: str, weekday: int | None = None) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    variables = {"s": world.org("ashdown"), "f": frequency} | ({"w": weekday} if weekday else {})
    data = await gql(SET, variables, token=world[who].token)
    return data["setOverdueSummary"]


async def es1(gql, world: World, members: tuple[str, ...] = ("staff", "staff2")) -> str:  # type: ignore[no-untyped-def]
    """ES1 (Staff, Staff2), delegated to Staff, with Phonics: Course 1 due 10 March 2031,
    Course 2 due the 20th."""
    c1, c2 = course(world, 0), course(world, 1)
    group = await make_group(gql, world, "ES1", members)
    await make_list(gql, world, group, [c1, c2], name="Phonics", dates={c1: "2031-03-10", c2: "2031-03-20"})
    await succeed(gql, "addGroupDelegate", {"groupId": group, "personId": world["staff"].gid}, world["owner"].token)
    return group


def line(who: str | None, n: int, due: int) -> str:
    return f"{who + ': ' if who else ''}Course {n} (Phonics), due 2031-03-{due:02}"


# The latest dates are searched first when they hold this many times a summary's lines:
# the default, and so few that each summary is first looked for on one date, then again.
MARGINS = [planning.LATEST_MARGIN, 0.02]


@pytest.mark.parametrize("margin", MARGINS)
async def test_summaries_come_in_the_days_one_email_new_first_then_still(gql, world: World, jobs: Jobs,
                                                                         monkeypatch: pytest.MonkeyPatch,
                                                                         margin: float) -> None:
    """Admin daily; Staff, who delegates ES1 and is in it, weekly on the 11th's weekday:
    that day Staff's own overdue reminder and their summary of Staff2 are one email, and
    Staff is never in their own summary."""
    monkeypatch.setattr(planning, "LATEST_MARGIN", margin)
    await es1(gql, world)
    assert (await opt_in(gql, world, "admin", "DAILY"))["overdueSummary"]["frequency"] == "DAILY"
    await opt_in(gql, world, "staff", "WEEKLY", ELEVENTH.isoweekday())
    days = [date(2031, 3, d) for d in (9, 10, 11, 12, 18, 20, 21)]
    both_c1 = [line("Staff", 1, 10), line("Staff2", 1, 10)]
    own = {
        9: {K.DUE_SOON: [line(None, 1, 10), line(None, 2, 20)], K.ASSIGNED: [line(None, 1, 10), line(None, 2, 20)]},
        10: {K.DUE_TODAY: [line(None, 1, 10)]}, 11: {K.OVERDUE: [line(None, 1, 10)]},
        20: {K.DUE_TODAY: [line(None, 2, 20)]}, 21: {K.OVERDUE: [line(None, 2, 20)]},
    }
    expected: dict[int, dict[str, dict[K, list[str]]]] = {
        day: {"staff": dict(sections), "staff2": dict(sections)} for day, sections in own.items()
    }
    expected[11]["staff"][K.NEWLY_OVERDUE] = [line("Staff2", 1, 10)]
    expected[11]["admin"] = {K.NEWLY_OVERDUE: both_c1}
    expected[12] = {"admin": {K.STILL_OVERDUE: both_c1}}
    expected[18] = {"admin": {K.STILL_OVERDUE: both_c1}, "staff": {K.STILL_OVERDUE: [line("Staff2", 1, 10)]}}
    expected[20]["admin"] = {K.STILL_OVERDUE: both_c1}
    expected[21]["admin"] = {K.NEWLY_OVERDUE: [line("Staff", 2, 20), line("Staff2", 2, 20)],
                             K.STILL_OVERDUE: both_c1}
    assert per_day(world, await ticks(jobs, "ashdown", days)) == expected


async def test_a_completed_or_extended_target_leaves_the_summary(gql, world: World, db: Database,
                                                                 jobs: Jobs) -> None:
    """Staff2 completes Course 1; Staff is given until the 25th: the next summary has only
    the Owner, still overdue. Ending Staff's extension brings them back, as new."""
    group = await es1(gql, world, ("staff", "staff2", "owner"))
    await opt_in(gql, world, "admin", "DAILY")
    assert per_day(world, await ticks(jobs, "ashdown", [date(2031, 3, 11)]))[11]["admin"] == {
        K.NEWLY_OVERDUE: [line("Owner", 1, 10), line("Staff", 1, 10), line("Staff2", 1, 10)]}
    lists = await gql("query($g: ID!) { node(id: $g) { ... on StaffGroup { targetLists { id } } } }", {"g": group},
                      token=world["owner"].token)
    extended = await gql(EXTEND, {"input": {
        "targetListId": lists["node"]["targetLists"][0]["id"], "personId": world["staff"].gid,
        "courseId": course(world, 0), "dueOn": "2031-03-25", "reason": "Illness"}}, token=world["admin"].token)
    assert extended["extendTarget"]["__typename"] == "TargetExtensionPayload", extended
    done = datetime(2031, 3, 11, 15, tzinfo=UTC)
    await enrol(db, world["staff2"].person_id, world.courses[0], started=done, completed=done)
    after = per_day(world, await ticks(jobs, "ashdown", [date(2031, 3, 12)]))
    assert after[12]["admin"] == {K.STILL_OVERDUE: [line("Owner", 1, 10)]}
    ended = await gql(END, {"e": extended["extendTarget"]["targetExtension"]["id"]}, token=world["admin"].token)
    assert ended["endTargetExtension"]["targetExtension"]["endedAt"], ended
    back = per_day(world, await ticks(jobs, "ashdown", [date(2031, 3, 13)]))
    # Staff was in the 11th's summary, not in the 12th's: new again.
    assert back[13]["admin"] == {K.NEWLY_OVERDUE: [line("Staff", 1, 10)], K.STILL_OVERDUE: [line("Owner", 1, 10)]}


async def test_the_summary_links_to_the_group_reports_in_the_console(gql, world: World, jobs: Jobs) -> None:
    await es1(gql, world)
    await opt_in(gql, world, "staff", "DAILY")
    jobs.policy = type(jobs.policy)(sender=jobs.policy.sender, waits=jobs.policy.waits,
                                    public_url="https://trellis.example.org/")
    await ticks(jobs, "ashdown", [date(2031, 3, 11)])
    message = next(m for m in jobs.mailer.sent if world["staff"].email in m["To"])
    text = jobs.mailer.text(message)
    assert "Group reports\n  * ES1: https://trellis.example.org/console?q=" in text
    html = message.get_body(("html",)).get_content()
    assert '<a href="https://trellis.example.org/console?q=' in html and ">ES1</a>" in html
    # The link's query runs for the recipient and opens their group's report of who is overdue.
    url = text.split("  * ES1: ")[1].split()[0]
    report = await gql(parse_qs(urlsplit(url).query)["q"][0], token=world["staff"].token)
    assert report["node"]["name"] == "ES1" and report["node"]["report"]["overall"]["total"] == 4
    assert read(message).sections[K.NEWLY_OVERDUE] == [line("Staff2", 1, 10)]
    logged = await gql("{ me { notifications(first: 1) { nodes { lines { kind personName courseTitle } } } } }",
                       token=world["staff"].token)
    assert {"kind": "NEWLY_OVERDUE", "personName": "Staff2", "courseTitle": "Course 1"} in \
        logged["me"]["notifications"]["nodes"][0]["lines"]


@pytest.mark.parametrize("margin", [*MARGINS, 1])  # 1: the latest dates hold just enough
async def test_a_long_summary_shows_the_latest_and_says_there_are_more(gql, world: World, db: Database,
                                                                      jobs: Jobs, monkeypatch: pytest.MonkeyPatch,
                                                                      margin: float) -> None:
    """Fifty-two overdue lines: the fifty latest are planned, and the group reports hold the rest."""
    monkeypatch.setattr(planning, "LATEST_MARGIN", margin)
    ids = await add_courses(db, *(f"Overdue {i:02}" for i in range(26)))
    courses = [global_id("Course", i) for i in ids]
    group = await make_group(gql, world, "Big", ("staff", "staff2"))
    start = date(2031, 2, 1)
    await make_list(gql, world, group, courses, name="Many",
                    dates={c: (start + timedelta(days=i)).isoformat() for i, c in enumerate(courses)})
    await opt_in(gql, world, "admin", "DAILY")
    await ticks(jobs, "ashdown", [date(2031, 3, 11)])
    message = next(m for m in jobs.mailer.sent if world["admin"].email in m["To"])
    email = read(message)
    assert len(email.sections[K.NEWLY_OVERDUE]) == 50
    assert email.sections[K.NEWLY_OVERDUE][0].endswith("due 2031-02-26")  # the latest first
    assert "These are the latest 50; the group reports list everyone." in jobs.mailer.text(message)
    logged = await gql("{ me { notifications(first: 1) { nodes { lines { kind } } } } }", token=world["admin"].token)
    assert len(logged["me"]["notifications"]["nodes"][0]["lines"]) == 50


# Issue 17: full administrators and group delegates have people to hear about.
SET_BY = {"owner": "OverdueSummaryPayload", "admin": "OverdueSummaryPayload", "staff": "OverdueSummaryPayload",
          "staff2": "FORBIDDEN", "support": "FORBIDDEN", "owner_b": "NOT_FOUND",
          "trust_admin": "NOT_FOUND"}  # Ashdown has not granted their trust: not a school they see


@pytest.mark.parametrize("who", sorted(SET_BY))
async def test_who_may_ask_for_a_summary(gql, world: World, who: str) -> None:
    await es1(gql, world)  # Staff delegates ES1
    result = await opt_in(gql, world, who, "WEEKLY", 5)
    assert (result.get("code") or result["__typename"]) == SET_BY[who], result
    seen = await gql("query($s: ID!) { node(id: $s) { ... on Organisation { overdueSummary { frequency weekday } } } }",
                     {"s": world.org("ashdown")}, token=world[who].token)
    mine = (seen["node"] or {}).get("overdueSummary")
    assert mine == ({"frequency": "WEEKLY", "weekday": 5} if result["__typename"] == "OverdueSummaryPayload"
                    else None)


async def test_a_bad_weekday_is_refused_and_off_stops_it(gql, world: World, jobs: Jobs) -> None:
    await es1(gql, world)
    refused = await opt_in(gql, world, "admin", "WEEKLY", 8)
    assert (refused["code"], refused["field"]) == ("VALIDATION", "weekday")
    await opt_in(gql, world, "admin", "DAILY")
    assert (await opt_in(gql, world, "admin", "OFF"))["overdueSummary"]["frequency"] == "OFF"
    emails = per_day(world, await ticks(jobs, "ashdown", [date(2031, 3, 11)]))
    assert "admin" not in emails[11]


async def test_someone_already_sent_the_days_digest_gets_their_summary_next_time(gql, world: World, db: Database,
                                                                                 jobs: Jobs) -> None:
    """Admin opts in after the 11th's digests went: a rerun of the 11th sends no second
    email; the 12th's digest carries the summary."""
    await es1(gql, world, ("staff", "staff2", "admin"))
    first = per_day(world, await ticks(jobs, "ashdown", [date(2031, 3, 11)]))
    assert K.OVERDUE in first[11]["admin"] and K.NEWLY_OVERDUE not in first[11]["admin"]  # their own
    await opt_in(gql, world, "admin", "DAILY")
    school = world.organisations["ashdown"]
    await plan_day(db, school, date(2031, 3, 11), datetime(2031, 3, 11, 12, tzinfo=UTC), rerun=True)
    await jobs.work()
    assert per_day(world, [read(m) for m in jobs.mailer.sent]) == first
    later = per_day(world, await ticks(jobs, "ashdown", [date(2031, 3, 12)]))
    assert later[12]["admin"] == {K.NEWLY_OVERDUE: [line("Staff", 1, 10), line("Staff2", 1, 10)]}
