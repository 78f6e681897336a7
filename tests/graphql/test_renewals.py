"""Renewing targets (issue 17): a course on a list may renew every so many months. Its
latest completion then holds until that many months after its school-local date; from the
school's due-soon days before, the course is due again on the person's path by that date,
and the reports count the completion as done only until it lapses. Across the lapse
boundary, on a leap day, across a time-zone change, with a completion recorded late for an
earlier cycle, and who may set a renewal. Reminders: tests/jobs/test_planning.py; the
trust's figures: tests/graphql/test_trust_targets.py (its generated trust renews some
courses); the SQL form of the rule: tests/graphql/test_rules_in_sql.py."""

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select, update

from domain.models import AuditEvent, CourseCompletion, Enrolment, Organisation, TargetExtension
from infra.database import Database
from tests.graphql.test_calendar_feed import events, feed_url
from tests.graphql.test_progress import RECORD, call
from tests.graphql.test_reports import group_report
from tests.graphql.test_staff_groups import course, make_group, make_list, pk, succeed
from tests.world import World

ERROR = "... on Error { code message field }"
RENEW = f"""mutation($input: SetTargetRenewalInput!) {{ setTargetRenewal(input: $input) {{
  __typename ... on TargetListPayload {{ targetList {{ items {{ course {{ id }} renewMonths }} }} }} {ERROR} }} }}"""
PATH_OF = """query($l: ID!, $p: ID!, $on: Date) { learningPath(licenceId: $l, personId: $p, on: $on) { items {
  course { id } status completedOn effectiveDueOn listDueOn dueState renewsOn lastCompletedOn } } }"""
ENROLMENTS = """query($l: ID!, $p: ID!) { personReport(licenceId: $l, personId: $p, first: 10) { nodes {
  course { id } completedAt lastCompletedAt completions } } }"""
LIST_DATE = "2025-06-01"


async def renewals_set(db: Database) -> int:
    async with db.read() as session:
        return (await session.execute(select(func.count()).select_from(AuditEvent)
                                      .where(AuditEvent.action == "target_list.renewal_set"))).scalar_one()


class School:
    """Ashdown's ES1 (Staff and Staff2), delegated to Staff2, with the list Safeguarding:
    Course 1 undated, then Course 2 due 1 June 2025."""

    async def build(self, gql, world: World, db: Database) -> "School":  # type: ignore[no-untyped-def]
        self.gql, self.world, self.db = gql, world, db
        self.c1, self.c2 = course(world, 0), course(world, 1)
        self.group = await make_group(gql, world, "ES1", ("staff", "staff2"))
        self.list = await make_list(gql, world, self.group, [self.c1, self.c2], name="Safeguarding",
                                    dates={self.c2: LIST_DATE})
        await succeed(gql, "addGroupDelegate", {"groupId": self.group, "personId": world["staff2"].gid},
                      world["owner"].token)
        return self

    async def renew(self, months: int | None, by: str = "owner", course: str | None = None) -> dict[str, Any]:
        variables = {"targetListId": self.list, "courseId": course or self.c1, "renewMonths": months}
        return (await self.gql(RENEW, {"input": variables}, token=self.world[by].token))["setTargetRenewal"]

    async def complete(self, *instants: datetime, person: str = "staff", course: str | None = None) -> None:
        """The person's completions of the course (Course 1 by default), the first first."""
        async with self.db.write() as session:
            enrolment = Enrolment(person_id=self.world[person].person_id, course_id=pk(course or self.c1),
                                  started_at=instants[0], progress_percent=100, completed_at=instants[0],
                                  last_completed_at=max(instants))
            session.add(enrolment)
            await session.flush()
            session.add_all(CourseCompletion(enrolment_id=enrolment.id, completed_at=at) for at in instants)

    async def item(self, on: str, person: str = "staff", course: str | None = None) -> dict[str, Any]:
        data = await self.gql(PATH_OF, {"l": self.world.licence("ashdown"), "p": self.world[person].gid, "on": on},
                              token=self.world["owner"].token)
        return next(i for i in data["learningPath"]["items"] if i["course"]["id"] == (course or self.c1))

    async def completed(self, on: str) -> int:
        """How many of ES1's (member, course) pairs its report counts completed on `on`."""
        report = await group_report(self.gql, self.world, self.group, on=on)
        assert report is not None
        return report["overall"]["completed"]

    async def overdue(self, on: str) -> int:
        report = await group_report(self.gql, self.world, self.group, on=on)
        assert report is not None
        return report["overall"]["overdue"]


@pytest.fixture
async def school(gql, world: World, db: Database) -> School:  # type: ignore[no-untyped-def]
    return await School().build(gql, world, db)


# --- Setting a renewal ----------------------------------------------------------------------

# EDIT_GROUP, as every change to a list: full administrators and the group's delegates.
RENEW_BY = {
    "owner": "TargetListPayload", "admin": "TargetListPayload", "staff2": "TargetListPayload",
    "staff": "NOT_FOUND", "owner_b": "NOT_FOUND", "staff_b": "NOT_FOUND", "trust_admin": "NOT_FOUND",
}


@pytest.mark.parametrize("actor", sorted(RENEW_BY))
async def test_who_may_set_a_renewal(school: School, db: Database, actor: str) -> None:
    before = await renewals_set(db)
    result = await school.renew(12, by=actor)
    assert result.get("code", result["__typename"]) == RENEW_BY[actor], result
    if RENEW_BY[actor] == "TargetListPayload":
        items = {i["course"]["id"]: i["renewMonths"] for i in result["targetList"]["items"]}
        assert items == {school.c1: 12, school.c2: None}
        assert await renewals_set(db) == before + 1
    else:
        assert await renewals_set(db) == before


@pytest.mark.parametrize("months", [0, -1, 121])
async def test_a_period_out_of_range_is_refused_naming_the_field(school: School, db: Database, months: int) -> None:
    before = await renewals_set(db)
    result = await school.renew(months)
    assert (result["code"], result["field"]) == ("VALIDATION", "renewMonths"), result
    assert await renewals_set(db) == before
    assert (await school.renew(None))["__typename"] == "TargetListPayload"  # clearing is always fine


async def test_a_course_not_on_the_list_is_not_found(school: School) -> None:
    result = await school.renew(12, course=course(school.world, 2))
    assert (result["code"], result["field"]) == ("NOT_FOUND", "courseId"), result


async def test_a_new_list_can_say_how_its_courses_renew(gql, world: World) -> None:
    group = await make_group(gql, world, "ES9", ("staff",))
    created = await succeed(gql, "createTargetList", {"groupId": group, "name": "Statutory", "courses": [
        {"courseId": course(world, 0), "renewMonths": 12}, {"courseId": course(world, 1), "renewMonths": 36}]},
        world["owner"].token)
    listed = await gql("query($t: ID!) { node(id: $t) { ... on TargetList { items { renewMonths } } } }",
                       {"t": created["targetList"]["id"]}, token=world["owner"].token)
    assert [i["renewMonths"] for i in listed["node"]["items"]] == [12, 36]
    refused = await gql("""mutation($g: ID!, $c: ID!) { createTargetList(input: {groupId: $g, name: "Bad",
      courses: [{courseId: $c, renewMonths: 0}]}) { __typename ... on Error { code field } } }""",
                        {"g": group, "c": course(world, 0)}, token=world["owner"].token)
    assert refused["createTargetList"] == {"__typename": "ValidationError", "code": "VALIDATION",
                                           "field": "courses[0].renewMonths"}


# --- Across the lapse boundary ------------------------------------------------------------


async def test_a_completion_holds_until_the_due_soon_days_before_it_renews(school: School) -> None:
    """Completed 10 September 2025, renewing yearly, due-soon 14 days: completed until
    26 August 2026; due again by 10 September from the 27th; overdue from the 11th."""
    await school.renew(12)
    await school.complete(datetime(2025, 9, 10, 9, tzinfo=UTC))
    holding = await school.item("2026-08-26")
    assert (holding["status"], holding["completedOn"], holding["renewsOn"], holding["lastCompletedOn"],
            holding["dueState"]) == ("COMPLETED", "2025-09-10", "2026-09-10", None, None)
    for on, state in (("2026-08-27", "DUE_SOON"), ("2026-09-10", "DUE_TODAY"), ("2026-09-11", "OVERDUE")):
        again = await school.item(on)
        assert (again["status"], again["completedOn"], again["effectiveDueOn"], again["lastCompletedOn"],
                again["dueState"]) == ("IN_PROGRESS", None, "2026-09-10", "2025-09-10", state), on
    # The reports: done until the day it renews, overdue the day after. Overdue all along:
    # Staff's Course 2, and Staff2's two courses (Course 1 is due by Course 2's date below it).
    assert await school.completed("2026-09-09") == 1 and await school.overdue("2026-09-09") == 3
    assert await school.completed("2026-09-10") == 0 and await school.overdue("2026-09-10") == 3
    assert await school.completed("2026-09-11") == 0 and await school.overdue("2026-09-11") == 4
    # Staff2 never completed it: the renewal changes nothing for them.
    assert (await school.item("2026-09-11", person="staff2"))["effectiveDueOn"] == LIST_DATE


async def test_a_completion_of_a_course_that_does_not_renew_holds_for_good(school: School) -> None:
    await school.complete(datetime(2020, 1, 10, 9, tzinfo=UTC))
    item = await school.item("2030-01-10")
    assert (item["status"], item["renewsOn"]) == ("COMPLETED", None)
    assert await school.completed("2030-01-10") == 1


async def test_a_leap_day_completion_renews_on_the_last_day_of_february(school: School) -> None:
    await school.renew(12)
    await school.complete(datetime(2024, 2, 29, 12, tzinfo=UTC))
    item = await school.item("2025-02-28")
    assert (item["renewsOn"], item["effectiveDueOn"], item["dueState"]) == ("2025-02-28", "2025-02-28", "DUE_TODAY")
    assert await school.completed("2025-02-27") == 1
    assert await school.completed("2025-02-28") == 0


async def test_the_renewal_date_is_the_completions_day_in_the_schools_time_zone(school: School) -> None:
    """23:30 UTC on 30 June 2025 is 1 July in London (summer time): renewing monthly, due
    1 August. Were the school in UTC it would be 30 June, due 30 July. Summer to winter
    (a renewal in January) moves nothing: the date is taken once, on the local day."""
    await school.renew(1)
    await school.complete(datetime(2025, 6, 30, 23, 30, tzinfo=UTC))
    item = await school.item("2025-07-31")
    assert (item["renewsOn"], item["dueState"], item["completedOn"]) == ("2025-08-01", "DUE_SOON", None)
    assert item["lastCompletedOn"] == "2025-07-01"
    async with school.db.write() as session:
        await session.execute(update(Organisation).where(Organisation.id == school.world.organisations["ashdown"])
                              .values(time_zone="UTC"))
    item = await school.item("2025-07-31")
    assert (item["renewsOn"], item["dueState"], item["lastCompletedOn"]) == ("2025-07-30", "OVERDUE", "2025-06-30")
    assert await school.completed("2025-07-29") == 1 and await school.completed("2025-07-30") == 0
    await school.renew(7)  # renews in January, after the clocks went back
    assert (await school.item("2026-01-01"))["renewsOn"] == "2026-01-30"


async def test_the_shortest_period_of_the_persons_lists_is_theirs(school: School, gql, world: World) -> None:
    await school.renew(36)
    other = await make_group(gql, world, "First aiders", ("staff",))
    await succeed(gql, "createTargetList", {"groupId": other, "name": "Refresh", "courses": [
        {"courseId": school.c1, "renewMonths": 12}]}, world["owner"].token)
    await school.complete(datetime(2025, 3, 3, 12, tzinfo=UTC))
    assert (await school.item("2025-04-01"))["renewsOn"] == "2026-03-03"
    # ES1's own report judges by ES1's lists alone, as it does due dates: three years.
    assert await school.completed("2026-03-04") == 1


async def test_an_extension_moves_a_renewal_date_later(school: School) -> None:
    await school.renew(12)
    await school.complete(datetime(2025, 9, 10, 9, tzinfo=UTC))
    extended = await school.gql("""mutation($i: ExtendTargetInput!) { extendTarget(input: $i) { __typename
      ... on Error { code message field } } }""", {"i": {
        "targetListId": school.list, "personId": school.world["staff"].gid, "courseId": school.c2,
        "dueOn": "2026-10-01", "reason": "A long absence"}}, token=school.world["owner"].token)
    assert extended["extendTarget"]["__typename"] == "TargetExtensionPayload", extended
    async with school.db.write() as session:  # the same for Course 1, whose date comes from its renewal
        session.add(TargetExtension(licence_id=school.world.licences["ashdown"],
                                    person_id=school.world["staff"].person_id, course_id=pk(school.c1),
                                    due_on=date(2026, 10, 1), reason="A long absence"))
    item = await school.item("2026-09-20")
    assert (item["effectiveDueOn"], item["renewsOn"], item["dueState"]) == ("2026-10-01", "2026-09-10", "DUE_SOON")
    assert await school.overdue("2026-09-20") == 2  # Staff2's, none of Staff's


# --- Completions over several cycles --------------------------------------------------------


async def test_a_later_completion_renews_and_a_late_earlier_one_is_history_only(school: School) -> None:
    """Completed in September 2025; again on 5 September 2026 (the renewal); then the
    record of a January 2026 completion arrives late. The path renews from the latest;
    every completion is kept; the first completion date stays."""
    await school.renew(12)
    token = school.world["admin"].token
    for key, at in (("first", "2025-09-10T09:00:00Z"), ("renewal", "2026-09-05T09:00:00Z"),
                    ("late", "2026-01-15T09:00:00Z")):
        done = await school.gql(RECORD, call(school.world, key=key, percent=100, completed_at=at), token=token)
        assert done["recordCourseProgress"]["__typename"] == "CourseEnrolmentPayload", done
    found = await school.gql(ENROLMENTS, {"l": school.world.licence("ashdown"), "p": school.world["staff"].gid},
                             token=school.world["owner"].token)
    enrolment, = [n for n in found["personReport"]["nodes"] if n["course"]["id"] == school.c1]
    assert enrolment["completedAt"].startswith("2025-09-10") and enrolment["lastCompletedAt"].startswith("2026-09-05")
    assert [at[:10] for at in enrolment["completions"]] == ["2026-09-05", "2026-01-15", "2025-09-10"]
    item = await school.item("2026-12-01")
    assert (item["status"], item["completedOn"], item["renewsOn"]) == ("COMPLETED", "2026-09-05", "2027-09-05")


async def test_the_feed_shows_when_a_completed_course_is_due_again(school: School, client) -> None:  # type: ignore[no-untyped-def]
    await school.renew(12, course=school.c2)
    await school.complete(datetime(2026, 1, 20, 9, tzinfo=UTC), course=school.c2)
    found = await events(client, await feed_url(school.gql, school.world, "staff"))
    # Course 1, above it and not completed, is due by Course 2's date on the list.
    assert sorted(found.values()) == [(date(2025, 6, 1), "Due: Course 1"), (date(2027, 1, 20), "Due again: Course 2")]


async def test_reopening_a_completed_course_does_not_renew_it(school: School) -> None:
    """A course player reporting 100% again, without a completion time (someone looking
    something up), records time spent, not a new completion."""
    await school.renew(12)
    token = school.world["admin"].token
    first = await school.gql(RECORD, call(school.world, key="done", percent=100, completed_at="2025-09-10T09:00:00Z"),
                             token=token)
    assert first["recordCourseProgress"]["__typename"] == "CourseEnrolmentPayload", first
    again = await school.gql(RECORD, call(school.world, key="look", percent=100, seconds=120), token=token)
    assert again["recordCourseProgress"]["__typename"] == "CourseEnrolmentPayload", again
    found = await school.gql(ENROLMENTS, {"l": school.world.licence("ashdown"), "p": school.world["staff"].gid},
                             token=school.world["owner"].token)
    enrolment, = [n for n in found["personReport"]["nodes"] if n["course"]["id"] == school.c1]
    assert enrolment["lastCompletedAt"].startswith("2025-09-10") and len(enrolment["completions"]) == 1


async def test_a_course_due_again_by_its_renewal_can_be_extended_past_that_date(school: School) -> None:
    """Completed and due again, Course 1 is held to its renewal date, not to the list's
    (Course 2's, long past): an extension must be later than the renewal date."""
    await school.renew(12)
    await school.complete(datetime(2025, 9, 10, 9, tzinfo=UTC))
    extend = """mutation($i: ExtendTargetInput!) { extendTarget(input: $i) { __typename
      ... on Error { code message field } } }"""

    async def ask(on: str) -> dict[str, Any]:
        return (await school.gql(extend, {"i": {"targetListId": school.list, "personId": school.world["staff"].gid,
                                                "courseId": school.c1, "dueOn": on, "reason": "Leave"}},
                                 token=school.world["owner"].token))["extendTarget"]

    refused = await ask("2026-09-01")  # after the list's date, before the renewal's: moves nothing
    assert (refused["code"], refused["field"]) == ("VALIDATION", "dueOn") and "2026-09-10" in refused["message"]
    assert (await ask("2026-10-01"))["__typename"] == "TargetExtensionPayload"


async def test_the_matrix_csv_shows_a_completion_until_it_lapses(school: School, client) -> None:  # type: ignore[no-untyped-def]
    """The training matrix, opened as a spreadsheet reads it: Staff's Course 1 completed on
    the day before it renews, and overdue the day after, with no completion date."""
    from tests.http.test_report_endpoints import get, matrix
    await school.renew(12)
    await school.complete(datetime(2025, 9, 10, 9, tzinfo=UTC))

    async def course_1_of_staff(on: str) -> list[str]:
        rows = matrix(await get(client, school.group, "matrix.csv", school.world["owner"].token, on=on))
        column = next(i for i, heading in enumerate(rows[0]) if heading.endswith("Course 1: status"))
        staff = next(row for row in rows[1:] if row[1] == school.world["staff"].email)
        return staff[column:column + 3]

    assert await course_1_of_staff("2026-09-09") == ["completed", "100", "2025-09-10"]
    assert await course_1_of_staff("2026-09-11") == ["overdue", "100", ""]
