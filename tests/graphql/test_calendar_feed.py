"""Each staff member's private calendar feed (`me { calendarFeed }`, GET /calendar/<secret>.ics):
their dated targets still to complete as all-day events, read by a calendar application
with no token; the URL shown again on asking, a new one on rotating, the old one then 404."""

from datetime import UTC, date, datetime

import httpx
import icalendar
from sqlalchemy import select

from domain.models import AuditEvent
from infra.database import Database
from schema.ids import global_id
from tests.graphql.test_learning_paths_api import Leader, add_courses, enrol
from tests.world import World

FEED = "{ me { calendarFeed { url createdAt rotatedAt } } }"
ROTATE = """mutation($p: ID!) { rotateCalendarFeed(input: {personId: $p}) {
  ... on RotateCalendarFeedPayload { calendarFeed { url rotatedAt } } ... on Error { code message } } }"""


async def feed_url(gql, world: World, who: str) -> str:  # type: ignore[no-untyped-def]
    return (await gql(FEED, token=world[who].token))["me"]["calendarFeed"]["url"]


async def events(client: httpx.AsyncClient, url: str) -> dict[str, tuple[date, str]]:
    """uid -> (date, summary), read as a calendar application reads the feed: no token."""
    response = await client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    found = {}
    for event in calendar.walk("VEVENT"):
        start, end = event.decoded("dtstart"), event.decoded("dtend")
        assert isinstance(start, date) and not isinstance(start, datetime)  # all-day
        assert (end - start).days == 1
        found[str(event["uid"])] = (start, str(event["summary"]))
    return found


async def test_the_feed_carries_exactly_the_dated_targets_still_to_do(gql, client, world: World,
                                                                      db: Database) -> None:
    safeguarding, first_aid, pulled, done, undated = await add_courses(
        db, "Safeguarding", "First Aid", "Pulled", "Done", "Undated")
    leader = Leader(gql, world)
    group = await leader.group("Teachers", "staff")
    # Pulled has no date of its own but is due by the date below it (seed 000); Undated has none.
    await leader.target_list(group, "Statutory", (safeguarding, "2030-03-20"), (first_aid, "2030-04-01"), pulled,
                             (done, "2030-05-01"), undated)
    await enrol(db, world["staff"].person_id, done, started=datetime(2026, 1, 5, tzinfo=UTC),
                completed=datetime(2026, 1, 6, tzinfo=UTC))

    url = await feed_url(gql, world, "staff")
    assert url.startswith("http://trellis.test/calendar/") and url.endswith(".ics")
    found = await events(client, url)
    assert sorted(found.values()) == [
        (date(2030, 3, 20), "Due: Safeguarding"), (date(2030, 4, 1), "Due: First Aid"), (date(2030, 5, 1), "Due: Pulled"),
    ]

    # Staff2 is in no group with targets: their own feed is empty, and never shows staff's.
    assert await events(client, await feed_url(gql, world, "staff2")) == {}


async def test_a_moved_date_moves_the_same_event(gql, client, world: World, db: Database) -> None:
    course, = await add_courses(db, "Safeguarding")
    leader = Leader(gql, world)
    target_list = await leader.target_list(await leader.group("Teachers", "staff"), "Statutory", (course, "2030-03-20"))
    url = await feed_url(gql, world, "staff")
    [(uid, (on, _))] = (await events(client, url)).items()
    assert on == date(2030, 3, 20)
    await leader.due(target_list, course, "2030-06-30")
    assert await events(client, url) == {uid: (date(2030, 6, 30), "Due: Safeguarding")}


async def test_asking_again_shows_the_same_url_and_rotating_ends_the_old_one(gql, client, world: World,
                                                                           db: Database) -> None:
    first = await feed_url(gql, world, "staff")
    assert await feed_url(gql, world, "staff") == first
    rotated = (await gql(ROTATE, {"p": world["staff"].gid}, token=world["staff"].token))["rotateCalendarFeed"]
    second = rotated["calendarFeed"]["url"]
    assert second != first and rotated["calendarFeed"]["rotatedAt"]
    assert (await client.get(first)).status_code == 404
    assert (await client.get(second)).status_code == 200
    assert await feed_url(gql, world, "staff") == second
    async with db.read() as session:
        actions = (await session.execute(
            select(AuditEvent.action).where(AuditEvent.target_type == "CalendarFeed").order_by(AuditEvent.id)
        )).scalars().all()
    assert actions == ["calendar_feed.created", "calendar_feed.rotated"]


async def test_a_feed_nobody_has_is_the_same_404_however_it_is_written(client, world: World) -> None:
    answers = [await client.get(f"/calendar/{secret}.ics")
               for secret in ("A" * 43, "not-a-secret", "%2e%2e", "A" * 400)]
    assert {response.status_code for response in answers} == {404}
    assert len({response.content for response in answers}) == 1


async def test_only_the_person_rotates_their_feed(gql, world: World) -> None:
    """An administrator who sees the person is refused; someone who does not see them gets
    what an id that never existed gets."""
    answer = await gql(ROTATE, {"p": world["staff"].gid}, token=world["admin"].token)
    assert answer["rotateCalendarFeed"]["code"] == "FORBIDDEN"
    unseen = await gql(ROTATE, {"p": world["staff"].gid}, token=world["staff_b"].token)
    never = await gql(ROTATE, {"p": global_id("Person", 999_999)}, token=world["staff_b"].token)
    assert unseen == never and unseen["rotateCalendarFeed"]["code"] == "NOT_FOUND"


async def test_an_external_system_has_no_feed(gql, world: World) -> None:
    assert (await gql(FEED, token=world.system_token))["me"]["calendarFeed"] is None



async def test_serving_a_feed_takes_four_statements_however_long_the_path(gql, client, world: World, db: Database,
                                                                        count_statements) -> None:
    """The feed, the seats, then the school and its lists: the path's length adds none."""
    leader = Leader(gql, world)
    target_list = await leader.target_list(await leader.group("Teachers", "staff"), "Statutory",
                                           *[(c, "2030-03-20") for c in await add_courses(db, "A", "B")])
    url = await feed_url(gql, world, "staff")
    before = count_statements.count
    assert len(await events(client, url)) == 2
    short = count_statements.count - before
    more = await add_courses(db, *(f"Course {i}" for i in range(12)))
    added = await gql("""mutation($t: ID!, $c: [TargetInput!]!) { addTargetCourses(input: {targetListId: $t,
      courses: $c}) { __typename } }""", {"t": target_list, "c": [
        {"courseId": global_id("Course", c), "dueOn": "2030-05-01"} for c in more]}, token=world["owner"].token)
    assert added["addTargetCourses"]["__typename"] == "TargetListPayload"
    before = count_statements.count
    assert len(await events(client, url)) == 14
    assert short == count_statements.count - before == 4


async def test_two_first_asks_at_once_make_one_feed(gql, world: World, db: Database) -> None:
    """Two aliases of one request resolve side by side: both see no feed, one makes it,
    and both answer its URL."""
    data = await gql("{ me { a: calendarFeed { url } b: calendarFeed { url } } }", token=world["staff"].token)
    assert data["me"]["a"] == data["me"]["b"] and data["me"]["a"]["url"]
    async with db.read() as session:
        made = (await session.execute(select(AuditEvent.action).where(AuditEvent.target_type == "CalendarFeed"))
                ).scalars().all()
    assert made == ["calendar_feed.created"]


async def test_after_the_feed_key_changes_the_url_shown_opens_the_feed(gql, client, world: World, db: Database,
                                                                     settings) -> None:
    old = await feed_url(gql, world, "staff")
    settings.feed_key = "a-new-feed-key-after-a-leak-0123456789"
    new = await feed_url(gql, world, "staff")
    assert new != old
    assert (await client.get(new)).status_code == 200
    assert (await client.get(old)).status_code == 404


async def test_a_deactivated_seat_empties_the_feed(gql, client, world: World, db: Database) -> None:
    course, = await add_courses(db, "Safeguarding")
    leader = Leader(gql, world)
    await leader.target_list(await leader.group("Teachers", "staff"), "Statutory", (course, "2030-03-20"))
    url = await feed_url(gql, world, "staff")
    assert len(await events(client, url)) == 1
    await leader.seat("staff", active=False)
    assert await events(client, url) == {}


async def test_the_audit_log_never_holds_what_makes_the_url(gql, world: World, db: Database) -> None:
    await feed_url(gql, world, "staff")
    await gql(ROTATE, {"p": world["staff"].gid}, token=world["staff"].token)
    async with db.read() as session:
        kept = (await session.execute(
            select(AuditEvent.before, AuditEvent.after).where(AuditEvent.target_type == "CalendarFeed")
        )).all()
    written = repr(kept)
    assert kept and "salt" not in written and "secret" not in written
