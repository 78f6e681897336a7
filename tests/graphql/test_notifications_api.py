"""Email notifications through the API (issue 6): a school's settings, changed by its full
administrators only, checked, audited and taking effect on the next digests; `me {
notifications }` for the caller's own sent digests; the school's delivery log for its
administrators; and the failed digests platform support sees and retries, sent once."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from infra.database import Database
from domain.models import NotificationDelivery, NotificationItem, NotificationPlan
from schema.ids import global_id
from tests.graphql.test_staff_groups import audit_count, course, make_group, make_list, pk, succeed
from tests.graphql.test_trust_access import granted
from tests.jobs.conftest import Jobs, MemoryMailer, jobs, mailer  # noqa: F401 (fixtures)
from tests.world import World

# --- Queries and helpers --------------------------------------------------------------

SETTINGS_FIELDS = "dueSoonDays overdueDays sendHour timeZone assigned removed dueSoon dueToday overdue"
UPDATE = f"""
mutation($input: UpdateNotificationSettingsInput!) {{ updateNotificationSettings(input: $input) {{
  __typename
  ... on NotificationSettingsPayload {{ organisation {{ id name }} notificationSettings {{ {SETTINGS_FIELDS} }} }}
  ... on Error {{ code message field }} }} }}
"""
READ = f"""
query($id: ID!) {{ node(id: $id) {{ ... on Organisation {{ name notificationSettings {{ {SETTINGS_FIELDS} }} }} }} }}
"""
DEFAULTS = {
    "dueSoonDays": 14, "overdueDays": 1, "sendHour": 7, "timeZone": "Europe/London",
    "assigned": True, "removed": True, "dueSoon": True, "dueToday": True, "overdue": True,
}
AUDIT = """
query($org: ID!) { auditLog(filter: {organisationId: $org, actions: [NOTIFICATION_SETTINGS_UPDATED]}) {
  totalCount nodes { action actorName summary targetType before after organisation { name } } } }
"""
DELIVERY_FIELDS = "id personName schoolName localDate status attempts lastError kinds"
LINES = "lines { kind courseTitle listNames dueOn }"
MINE = "{ me { notifications { totalCount nodes { personName localDate status kinds " + LINES + " } } } }"
LOG = """
query($id: ID!, $first: Int, $after: String, $status: DeliveryStatus, $on: Date) { node(id: $id) {
  ... on Organisation { notificationDeliveries(first: $first, after: $after, status: $status, on: $on) {
    totalCount pageInfo { hasNextPage endCursor } nodes { %s } } } } }
""" % DELIVERY_FIELDS
LOG_WITH_LINES = LOG.replace(DELIVERY_FIELDS, DELIVERY_FIELDS + " " + LINES)
FAILED = """
query($first: Int, $after: String) { failedNotifications(first: $first, after: $after) {
  totalCount nodes { %s personEmail } } }
""" % DELIVERY_FIELDS
RETRY = """
mutation($id: ID!) { retryNotification(input: {deliveryId: $id}) {
  __typename ... on NotificationDeliveryPayload { deliveryId status } ... on Error { code message field } } }
"""
DELEGATE = """
mutation($group: ID!, $person: ID!) { addGroupDelegate(input: {groupId: $group, personId: $person}) { __typename } }
"""

# The digests' calendar: January 2031, when London is on UTC. The course is due on the 20th.
DUE = date(2031, 1, 20)
ASHDOWN_STAFF = ["Admin", "Owner", "Staff", "Staff2"]  # everyone with a PLUS seat at Ashdown
BIRCHWOOD_STAFF = ["Owner B", "Staff B"]


def at(day: date, hour: int = 8, minute: int = 0) -> datetime:
    """A London wall-clock time in January, as UTC (the same there)."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def token_of(world: World, who: str) -> str:
    return world.system_token if who == "system" else world[who].token


async def update(gql, world: World, who: str, school: str = "ashdown", **values: Any) -> dict[str, Any]:
    data = await gql(UPDATE, {"input": {"organisationId": world.org(school), **values}}, token=token_of(world, who))
    return data["updateNotificationSettings"]


async def updated(gql, world: World, who: str = "admin", school: str = "ashdown", **values: Any) -> dict[str, Any]:
    answer = await update(gql, world, who, school, **values)
    assert answer["__typename"] == "NotificationSettingsPayload", answer
    return answer["notificationSettings"]


async def settings(gql, world: World, school: str = "ashdown", who: str | None = None) -> dict[str, Any] | None:
    """The school's settings as its owner (or `who`) reads them."""
    who = who or {"ashdown": "owner", "birchwood": "owner_b"}[school]
    node = (await gql(READ, {"id": world.org(school)}, token=token_of(world, who)))["node"]
    return None if node is None else node["notificationSettings"]


async def targets(gql, world: World, school: str = "ashdown", due: date = DUE, name: str = "Safeguarding") -> str:
    """A target list on the school's All Staff group: Course 1, due on `due`. Everyone with
    a PLUS seat is told it was assigned, then reminded as the date comes. The list's id."""
    owner = {"ashdown": "owner", "birchwood": "owner_b"}[school]
    c1 = course(world, 0)
    return await make_list(gql, world, world.all_staff_group(school), [c1], name=name, actor=owner,
                           dates={c1: due.isoformat()})


async def mine(gql, world: World, who: str) -> dict[str, Any]:
    return (await gql(MINE, token=token_of(world, who)))["me"]["notifications"]


async def school_log(gql, world: World, who: str = "admin", school: str = "ashdown",
                     **args: Any) -> dict[str, Any] | None:
    node = (await gql(LOG, {"id": world.org(school), **args}, token=token_of(world, who)))["node"]
    return None if node is None else node["notificationDeliveries"]


def rows(connection: dict[str, Any]) -> list[tuple[str, str, str, list[str]]]:
    """(person, day, status, kinds) of each delivery, sorted."""
    return sorted((n["personName"], n["localDate"], n["status"], n["kinds"]) for n in connection["nodes"])


async def fail_day(jobs: Jobs, mailer: MemoryMailer, start: datetime) -> None:
    """The mail server is down for the day's first send and both retries: with three
    attempts allowed, the digests end FAILED."""
    mailer.down = True
    await jobs.day(start)
    await jobs.retry()
    mailer.down = False


# --- Who changes the settings ---------------------------------------------------------

CHANGE = {"dueSoonDays": 10, "overdueDays": 2, "sendHour": 6, "dueToday": False}


@pytest.mark.parametrize("actor", ["owner", "admin"])
async def test_a_schools_full_administrators_change_its_settings(gql, world: World, db: Database, actor: str) -> None:
    answer = await update(gql, world, actor, **CHANGE)
    expected = DEFAULTS | CHANGE
    assert answer == {
        "__typename": "NotificationSettingsPayload",
        "organisation": {"id": world.org("ashdown"), "name": "Ashdown Primary"},
        "notificationSettings": expected,
    }
    assert await settings(gql, world) == expected
    assert await settings(gql, world, who="admin") == expected
    # Birchwood's are its own and untouched.
    assert await settings(gql, world, "birchwood") == DEFAULTS | {"timeZone": "Australia/Sydney"}


async def test_another_schools_administrator_changes_their_own_school_only(gql, world: World, db: Database) -> None:
    assert await updated(gql, world, "owner_b", "birchwood", sendHour=9) == DEFAULTS | {
        "timeZone": "Australia/Sydney", "sendHour": 9}
    assert await settings(gql, world) == DEFAULTS


async def test_a_valid_time_zone_becomes_the_schools(gql, world: World) -> None:
    assert (await updated(gql, world, timeZone="Europe/Dublin"))["timeZone"] == "Europe/Dublin"
    node = (await gql("query($id: ID!) { node(id: $id) { ... on Organisation { timeZone } } }",
                      {"id": world.org("ashdown")}, token=world["staff"].token))["node"]
    assert node == {"timeZone": "Europe/Dublin"}


# Everyone else, and what the mutation tells them: FORBIDDEN where they can see the school,
# NOT_FOUND where they cannot. "delegate" is Staff made a delegate of a group; "trust_admin
# (granted)" is Cedar Trust's administrator once Ashdown has granted the trust.
REFUSED = {
    "staff": "FORBIDDEN",
    "delegate": "FORBIDDEN",
    "support": "FORBIDDEN",
    "system": "FORBIDDEN",
    "trust_admin (granted)": "FORBIDDEN",
    "trust_admin": "NOT_FOUND",
    "trust_member": "NOT_FOUND",
    "owner_b": "NOT_FOUND",
    "staff_b": "NOT_FOUND",
}


async def as_actor(gql, world: World, who: str) -> str:
    """The actor's name in `world`, after giving them the standing their label names."""
    if who == "delegate":
        group = await make_group(gql, world, "ES1", ("staff", "staff2"))
        data = await gql(DELEGATE, {"group": group, "person": world["staff"].gid}, token=world["owner"].token)
        assert data["addGroupDelegate"]["__typename"] == "StaffGroupPayload", data
        return "staff"
    if who == "trust_admin (granted)":
        await granted(gql, world)
        return "trust_admin"
    return who


# A group's delegate, a trust the school granted and another school's administrator; every
# caller of the test world against every mutation is tests/graphql/test_refusals.py's.
@pytest.mark.parametrize("who", ["delegate", "trust_admin (granted)", "owner_b"])
async def test_no_one_else_may_change_a_schools_settings(gql, world: World, db: Database, who: str) -> None:
    actor = await as_actor(gql, world, who)
    events = await audit_count(db)
    answer = await update(gql, world, actor, **CHANGE)
    assert answer["__typename"] == REFUSED[who].title().replace("_", "") + "Error", answer
    assert answer["code"] == REFUSED[who], answer
    assert await settings(gql, world) == DEFAULTS
    assert await audit_count(db) == events


# --- Reading the settings -------------------------------------------------------------


@pytest.mark.parametrize("actor", ["owner", "admin"])
async def test_full_administrators_read_the_defaults(gql, world: World, actor: str) -> None:
    assert await settings(gql, world, who=actor) == DEFAULTS
    assert await settings(gql, world, "birchwood") == DEFAULTS | {"timeZone": "Australia/Sydney"}


@pytest.mark.parametrize("who", ["staff", "delegate", "support", "system", "trust_admin (granted)"])
async def test_others_who_see_the_school_read_no_settings(gql, world: World, who: str) -> None:
    actor = await as_actor(gql, world, who)
    node = (await gql(READ, {"id": world.org("ashdown")}, token=token_of(world, actor)))["node"]
    assert node == {"name": "Ashdown Primary", "notificationSettings": None}


@pytest.mark.parametrize("who", ["trust_admin", "trust_member", "owner_b"])
async def test_those_who_cannot_see_the_school_read_nothing(gql, world: World, who: str) -> None:
    assert (await gql(READ, {"id": world.org("ashdown")}, token=world[who].token))["node"] is None


async def test_a_trust_has_no_notification_settings(gql, world: World, db: Database) -> None:
    """Only schools send digests: even the trust's own administrator reads none and sets none."""
    node = (await gql(READ, {"id": world.org("trust")}, token=world["trust_admin"].token))["node"]
    assert node == {"name": "Cedar Trust", "notificationSettings": None}
    events = await audit_count(db)
    answer = await update(gql, world, "trust_admin", "trust", sendHour=9)
    assert (answer["__typename"], answer["field"]) == ("ValidationError", "organisationId"), answer
    assert await audit_count(db) == events


# --- Bad and unchanged settings -------------------------------------------------------

BAD = {
    "dueSoonDays -1": ({"dueSoonDays": -1}, "dueSoonDays"),
    "dueSoonDays 366": ({"dueSoonDays": 366}, "dueSoonDays"),
    "overdueDays 0": ({"overdueDays": 0}, "overdueDays"),
    "overdueDays -3": ({"overdueDays": -3}, "overdueDays"),
    "sendHour 24": ({"sendHour": 24}, "sendHour"),
    "sendHour -1": ({"sendHour": -1}, "sendHour"),
    "timeZone Mars/Olympus": ({"timeZone": "Mars/Olympus"}, "timeZone"),
    "a good dueSoonDays beside a bad sendHour": ({"dueSoonDays": 3, "sendHour": 24}, "sendHour"),
    "a good switch beside a bad timeZone": ({"assigned": False, "timeZone": "Mars/Olympus"}, "timeZone"),
    "a bad overdueDays beside a good sendHour": ({"overdueDays": 0, "sendHour": 18}, "overdueDays"),
}


@pytest.mark.parametrize("case", list(BAD))
async def test_bad_settings_are_a_validation_error_naming_the_field(gql, world: World, db: Database,
                                                                    case: str) -> None:
    values, field = BAD[case]
    events = await audit_count(db)
    answer = await update(gql, world, "admin", **values)
    assert (answer["__typename"], answer["code"], answer["field"]) == ("ValidationError", "VALIDATION", field), answer
    assert await settings(gql, world) == DEFAULTS, "no field of a refused change may be applied"
    assert await audit_count(db) == events


@pytest.mark.parametrize("target", ["not-an-id", "person"])
async def test_an_organisation_id_that_is_no_organisation_is_a_validation_error(gql, world: World, db: Database,
                                                                               target: str) -> None:
    events = await audit_count(db)
    org = world["staff"].gid if target == "person" else target
    answer = (await gql(UPDATE, {"input": {"organisationId": org, "sendHour": 9}},
                        token=world["owner"].token))["updateNotificationSettings"]
    assert (answer["__typename"], answer["field"]) == ("ValidationError", "organisationId"), answer
    assert await settings(gql, world) == DEFAULTS
    assert await audit_count(db) == events


@pytest.mark.parametrize("values", [{}, {"dueSoonDays": 14, "sendHour": 7}, {"timeZone": "Europe/London"}],
                         ids=["nothing given", "the defaults again", "the same time zone"])
async def test_unchanged_settings_are_a_conflict(gql, world: World, db: Database, values: dict[str, Any]) -> None:
    events = await audit_count(db)
    answer = await update(gql, world, "admin", **values)
    assert (answer["__typename"], answer["code"]) == ("ConflictError", "CONFLICT"), answer
    await updated(gql, world, overdueDays=3)
    answer = await update(gql, world, "owner", overdueDays=3)
    assert answer["__typename"] == "ConflictError", answer
    assert await audit_count(db) == events + 1, "only the one real change is audited"


# --- Audit ----------------------------------------------------------------------------


async def test_every_change_is_audited_with_before_and_after(gql, world: World) -> None:
    await updated(gql, world, "admin", dueSoonDays=7)
    await updated(gql, world, "owner", sendHour=18, overdue=False)

    log = (await gql(AUDIT, {"org": world.org("ashdown")}, token=world["owner"].token))["auditLog"]
    assert log["totalCount"] == 2
    second, first = log["nodes"]
    assert {e["action"] for e in log["nodes"]} == {"NOTIFICATION_SETTINGS_UPDATED"}
    assert (first["actorName"], second["actorName"]) == ("Admin", "Owner")
    assert first["organisation"] == {"name": "Ashdown Primary"}
    assert "Ashdown Primary" in first["summary"]

    def changed(event: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
        before, after = event["before"], event["after"]
        return {k: (before.get(k), after.get(k)) for k in before.keys() | after.keys() if before.get(k) != after.get(k)}

    assert changed(first) == {"due_soon_days": (14, 7)}
    assert changed(second) == {"send_hour": (7, 18), "overdue": (True, False)}
    assert first["before"]["time_zone"] == "Europe/London"
    # Staff do not read the school's audit log.
    staff_log = (await gql(AUDIT, {"org": world.org("ashdown")}, token=world["staff"].token))["auditLog"]
    assert staff_log["totalCount"] == 0


# --- Settings take effect -------------------------------------------------------------


def kinds_on(connection: dict[str, Any], day: date) -> list[str] | None:
    found = [n["kinds"] for n in connection["nodes"] if n["localDate"] == day.isoformat()]
    assert len(found) <= 1, connection
    return found[0] if found else None


@pytest.mark.parametrize("due_soon_days", [None, 3])
async def test_due_soon_days_decide_when_the_reminder_starts(gql, world: World, jobs: Jobs,
                                                             due_soon_days: int | None) -> None:
    """Five days before the date, 'due soon' is news under the default 14 days and not
    under 3; under 3 it comes three days before."""
    if due_soon_days is not None:
        await updated(gql, world, dueSoonDays=due_soon_days)
    await targets(gql, world)
    await jobs.day(at(DUE - timedelta(days=5)))
    await jobs.day(at(DUE - timedelta(days=4)))
    await jobs.day(at(DUE - timedelta(days=3)))

    sent = await mine(gql, world, "staff")
    if due_soon_days is None:
        assert kinds_on(sent, DUE - timedelta(days=5)) == ["ASSIGNED", "DUE_SOON"]
        assert kinds_on(sent, DUE - timedelta(days=3)) is None, "due soon is said once"
    else:
        assert kinds_on(sent, DUE - timedelta(days=5)) == ["ASSIGNED"]
        assert kinds_on(sent, DUE - timedelta(days=4)) is None
        assert kinds_on(sent, DUE - timedelta(days=3)) == ["DUE_SOON"]
        (line,) = [n for n in sent["nodes"] if n["localDate"] == (DUE - timedelta(days=3)).isoformat()][0]["lines"]
        assert line == {"kind": "DUE_SOON", "courseTitle": "Course 1", "listNames": "Safeguarding",
                        "dueOn": DUE.isoformat()}


SWITCHES = {"assigned": "ASSIGNED", "removed": "REMOVED", "dueSoon": "DUE_SOON", "dueToday": "DUE_TODAY",
            "overdue": "OVERDUE"}


@pytest.mark.parametrize("switch", [None, *SWITCHES])
async def test_a_kind_switched_off_is_never_sent(gql, world: World, jobs: Jobs, mailer: MemoryMailer,
                                                 switch: str | None) -> None:
    """A month of Staff's digests: assigned, every day up to the date and the day after,
    then the list is deleted. Each kind switched off is missing from them, and only it."""
    if switch is not None:
        await updated(gql, world, **{switch: False})
    target_list = await targets(gql, world)
    for offset in range(14, -2, -1):
        await jobs.day(at(DUE - timedelta(days=offset)))
    await succeed(gql, "deleteTargetList", {"targetListId": target_list, "confirmation": "YES"},
                  world["owner"].token)
    await jobs.day(at(DUE + timedelta(days=2)))

    sent = (await mine(gql, world, "staff"))["nodes"]
    told = [(n["localDate"], kind) for n in reversed(sent) for kind in n["kinds"]]
    everything = [
        ((DUE - timedelta(days=14)).isoformat(), "ASSIGNED"), ((DUE - timedelta(days=14)).isoformat(), "DUE_SOON"),
        (DUE.isoformat(), "DUE_TODAY"), ((DUE + timedelta(days=1)).isoformat(), "OVERDUE"),
        ((DUE + timedelta(days=2)).isoformat(), "REMOVED"),
    ]
    assert told == [(day, kind) for day, kind in everything if kind != SWITCHES.get(switch)]
    assert len(mailer.to("staff@example.org")) == len({day for day, _ in told}), "one email per day with news"
    if switch == "dueSoon":
        assert not [m for m in mailer.sent if "due soon" in m["Subject"].lower()]


@pytest.mark.parametrize("overdue_days", [None, 3])
async def test_overdue_days_decide_when_the_overdue_reminder_goes(gql, world: World, jobs: Jobs,
                                                                  overdue_days: int | None) -> None:
    if overdue_days is not None:
        await updated(gql, world, overdueDays=overdue_days)
    await targets(gql, world)
    for offset in range(4):
        await jobs.day(at(DUE + timedelta(days=offset)))
    sent = await mine(gql, world, "staff")
    assert [(n["localDate"], n["kinds"]) for n in sent["nodes"]] == [
        ((DUE + timedelta(days=overdue_days or 1)).isoformat(), ["OVERDUE"]),
        (DUE.isoformat(), ["ASSIGNED", "DUE_TODAY"]),
    ]


async def test_a_later_send_hour_makes_the_day_wait(gql, world: World, jobs: Jobs) -> None:
    """With digests at 18:00, a tick at 08:00 plans yesterday; today's waits for 18:00."""
    await updated(gql, world, sendHour=18)
    await targets(gql, world)
    day = DUE - timedelta(days=5)
    ashdown = world.organisations["ashdown"]

    def ashdowns(planned) -> list[date]:  # type: ignore[no-untyped-def]
        return [p.local_date for p in planned if p.organisation_id == ashdown]

    assert ashdowns(await jobs.day(at(day, 8))) == [day - timedelta(days=1)]
    assert ashdowns(await jobs.day(at(day, 17, 59))) == []
    assert kinds_on(await mine(gql, world, "staff"), day) is None
    assert ashdowns(await jobs.day(at(day, 18))) == [day]
    sent = await mine(gql, world, "staff")
    assert [n["localDate"] for n in sent["nodes"]] == [(day - timedelta(days=1)).isoformat()], (
        "the 08:00 tick sent yesterday's digest; today's had nothing new to say")


# --- me { notifications } -------------------------------------------------------------


async def test_each_person_sees_their_own_sent_digests_only(gql, world: World, jobs: Jobs) -> None:
    """Staff alone is in ES1, whose Phonics list adds Course 2: their digest says more."""
    await targets(gql, world)
    group = await make_group(gql, world, "ES1", ("staff",))
    c2 = course(world, 1)
    await make_list(gql, world, group, [c2], name="Phonics", dates={c2: (DUE + timedelta(days=2)).isoformat()})
    day = DUE - timedelta(days=5)

    await jobs.tick(at(day))
    assert await mine(gql, world, "staff") == {"totalCount": 0, "nodes": []}, "a digest not yet sent is not shown"
    await jobs.work(at(day))

    staff = await mine(gql, world, "staff")
    assert staff["totalCount"] == 1
    (digest,) = staff["nodes"]
    assert (digest["personName"], digest["localDate"], digest["status"]) == ("Staff", day.isoformat(), "SENT")
    assert digest["kinds"] == ["ASSIGNED", "DUE_SOON"]
    assert sorted((l["kind"], l["courseTitle"], l["listNames"], l["dueOn"]) for l in digest["lines"]) == [
        ("ASSIGNED", "Course 1", "Safeguarding", DUE.isoformat()),
        ("ASSIGNED", "Course 2", "Phonics", (DUE + timedelta(days=2)).isoformat()),
        ("DUE_SOON", "Course 1", "Safeguarding", DUE.isoformat()),
        ("DUE_SOON", "Course 2", "Phonics", (DUE + timedelta(days=2)).isoformat()),
    ]
    staff2 = await mine(gql, world, "staff2")
    assert [(n["personName"], n["localDate"]) for n in staff2["nodes"]] == [("Staff2", day.isoformat())]
    assert "Course 2" not in {l["courseTitle"] for l in staff2["nodes"][0]["lines"]}

    # The date's digest fails for now: it is not "sent", so it is not listed.
    await jobs.tick(at(DUE))
    jobs.mailer.down = True
    await jobs.work(at(DUE))
    assert [n["localDate"] for n in (await mine(gql, world, "staff"))["nodes"]] == [day.isoformat()]


@pytest.mark.parametrize("who", ["staff_b", "trust_member", "support", "system"])
async def test_someone_sent_nothing_sees_an_empty_list(gql, world: World, jobs: Jobs, who: str) -> None:
    await targets(gql, world)
    await jobs.day(at(DUE))
    assert len((await mine(gql, world, "staff"))["nodes"]) == 1
    assert await mine(gql, world, who) == {"totalCount": 0, "nodes": []}


# --- The school's delivery log --------------------------------------------------------


@pytest.fixture
async def two_days(gql, world: World, jobs: Jobs) -> None:
    """Both schools have a course due on the 20th. Fourteen days before, everyone's digest
    is sent; on the day, the mail server is down and every digest is RETRYING."""
    await targets(gql, world, "ashdown")
    await targets(gql, world, "birchwood")
    await jobs.day(at(DUE - timedelta(days=14)))
    jobs.mailer.down = True
    await jobs.day(at(DUE))
    jobs.mailer.down = False


@pytest.mark.parametrize("actor", ["owner", "admin"])
async def test_the_delivery_log_shows_everyone_in_the_school_and_no_one_else(gql, world: World, two_days: None,
                                                                             actor: str) -> None:
    log = await school_log(gql, world, actor)
    early = (DUE - timedelta(days=14)).isoformat()
    assert log["totalCount"] == 8
    assert rows(log) == sorted(
        [(name, early, "SENT", ["ASSIGNED", "DUE_SOON"]) for name in ASHDOWN_STAFF]
        + [(name, DUE.isoformat(), "RETRYING", ["DUE_TODAY"]) for name in ASHDOWN_STAFF]
    )
    assert {n["schoolName"] for n in log["nodes"]} == {"Ashdown Primary"}
    assert [n["localDate"] for n in log["nodes"]] == [DUE.isoformat()] * 4 + [early] * 4, "newest first"
    assert {n["lastError"] for n in log["nodes"] if n["status"] == "RETRYING"} == {"mail server unavailable"}
    assert {n["lastError"] for n in log["nodes"] if n["status"] == "SENT"} == {None}

    birchwood = await school_log(gql, world, "owner_b", "birchwood")
    assert {n["personName"] for n in birchwood["nodes"]} == set(BIRCHWOOD_STAFF)
    # Each school's administrator asks for the other's log in vain: the school is not theirs to see.
    assert await school_log(gql, world, "owner_b", "ashdown") is None
    assert await school_log(gql, world, actor, "birchwood") is None


async def test_the_delivery_log_filters_by_status_and_day(gql, world: World, two_days: None) -> None:
    early = (DUE - timedelta(days=14)).isoformat()
    sent = await school_log(gql, world, status="SENT")
    assert (sent["totalCount"], {(n["localDate"], n["status"]) for n in sent["nodes"]}) == (4, {(early, "SENT")})
    retrying = await school_log(gql, world, status="RETRYING")
    assert (retrying["totalCount"], {(n["localDate"], n["status"]) for n in retrying["nodes"]}) == (
        4, {(DUE.isoformat(), "RETRYING")})
    assert (await school_log(gql, world, status="FAILED"))["totalCount"] == 0

    on_the_day = await school_log(gql, world, on=DUE.isoformat())
    assert sorted(n["personName"] for n in on_the_day["nodes"]) == ASHDOWN_STAFF
    assert {n["localDate"] for n in on_the_day["nodes"]} == {DUE.isoformat()}
    assert (await school_log(gql, world, on=DUE.isoformat(), status="SENT"))["totalCount"] == 0
    assert (await school_log(gql, world, on=(DUE - timedelta(days=1)).isoformat()))["totalCount"] == 0


async def test_the_delivery_log_pages_through_every_row_once(gql, world: World, two_days: None) -> None:
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        page = await school_log(gql, world, first=3, after=after)
        assert page["totalCount"] == 8
        assert len(page["nodes"]) <= 3
        seen += [n["id"] for n in page["nodes"]]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        assert pages < 10, "pagination does not end"
    assert pages == 3
    assert len(seen) == len(set(seen)) == 8
    assert seen == [n["id"] for n in (await school_log(gql, world, first=8))["nodes"]]

    # Filters hold across pages too.
    first = await school_log(gql, world, first=3, status="SENT")
    rest = await school_log(gql, world, first=3, status="SENT", after=first["pageInfo"]["endCursor"])
    assert len(first["nodes"]) + len(rest["nodes"]) == 4 and not rest["pageInfo"]["hasNextPage"]
    assert {n["status"] for n in first["nodes"] + rest["nodes"]} == {"SENT"}


@pytest.mark.parametrize("who", ["staff", "delegate", "support", "system", "trust_admin (granted)"])
async def test_the_delivery_log_is_empty_for_anyone_else(gql, world: World, two_days: None, who: str) -> None:
    actor = await as_actor(gql, world, who)
    log = await school_log(gql, world, actor)
    assert log is not None, "they see the school itself"
    assert (log["totalCount"], log["nodes"]) == (0, [])


# --- Failed digests: platform support's list and retry ---------------------------------


@pytest.fixture
async def failed(gql, world: World, jobs: Jobs, mailer: MemoryMailer) -> dict[str, str]:
    """Everyone's digest of the 6th failed three times: delivery ids by person name."""
    await targets(gql, world)
    await fail_day(jobs, mailer, at(DUE - timedelta(days=14)))
    assert mailer.sent == []
    log = await school_log(gql, world, "owner")
    assert {n["status"] for n in log["nodes"]} == {"FAILED"}, log
    return {n["personName"]: n["id"] for n in log["nodes"]}


async def test_platform_support_sees_the_failed_digests(gql, world: World, failed: dict[str, str]) -> None:
    data = (await gql(FAILED, token=world["support"].token))["failedNotifications"]
    assert data["totalCount"] == 4
    assert sorted((n["personName"], n["personEmail"], n["schoolName"], n["status"], n["attempts"], n["lastError"])
                  for n in data["nodes"]) == [
        (name, f"{name.lower().replace(' ', '_')}@example.org", "Ashdown Primary", "FAILED", 3,
         "mail server unavailable")
        for name in ASHDOWN_STAFF
    ]
    assert [n["id"] for n in data["nodes"]] == sorted(failed.values(), key=pk), "oldest first"

    walked, after = [], None
    for _ in range(4):
        page = (await gql(FAILED.replace("totalCount", "totalCount pageInfo { hasNextPage endCursor }"),
                          {"first": 3, "after": after}, token=world["support"].token))["failedNotifications"]
        walked += [n["id"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert walked == [n["id"] for n in data["nodes"]], "two pages, in order, each digest once"


@pytest.mark.parametrize("who", ["owner", "admin", "staff", "owner_b", "trust_admin", "system"])
async def test_failed_notifications_are_forbidden_to_anyone_else(gql, world: World, failed: dict[str, str],
                                                                 who: str) -> None:
    errors = await gql.errors(FAILED, token=token_of(world, who))
    assert [e["extensions"]["code"] for e in errors] == ["FORBIDDEN"], errors


async def test_support_retries_a_failed_digest_and_it_is_sent_once(gql, world: World, jobs: Jobs,
                                                                   mailer: MemoryMailer,
                                                                   failed: dict[str, str]) -> None:
    retried = (await gql(RETRY, {"id": failed["Staff"]}, token=world["support"].token))["retryNotification"]
    assert retried == {"__typename": "NotificationDeliveryPayload", "deliveryId": failed["Staff"],
                       "status": "PENDING"}
    remaining = (await gql(FAILED, token=world["support"].token))["failedNotifications"]
    assert sorted(n["personName"] for n in remaining["nodes"]) == ["Admin", "Owner", "Staff2"]

    later = at(DUE - timedelta(days=14), 10)
    await jobs.day(later)
    # A later tick, and the same message delivered again, send nothing more.
    await jobs.day(later + timedelta(minutes=20))
    jobs.queue.append(pk(failed["Staff"]))
    await jobs.work(later + timedelta(minutes=21))
    assert len(mailer.sent) == 1, [m["To"] for m in mailer.sent]
    assert len(mailer.to("staff@example.org")) == 1

    (digest,) = (await mine(gql, world, "staff"))["nodes"]
    assert (digest["status"], digest["kinds"]) == ("SENT", ["ASSIGNED", "DUE_SOON"])
    log = {n["personName"]: n["status"] for n in (await school_log(gql, world))["nodes"]}
    assert log == {"Admin": "FAILED", "Owner": "FAILED", "Staff": "SENT", "Staff2": "FAILED"}

    again = (await gql(RETRY, {"id": failed["Staff"]}, token=world["support"].token))["retryNotification"]
    assert (again["__typename"], again["field"]) == ("ConflictError", "deliveryId"), again


RETRY_DAY = """mutation($s: ID!, $d: Date!) { retryFailedNotifications(input: {schoolId: $s, day: $d}) {
  __typename ... on RetryFailedNotificationsPayload { retried deliveries { status } } ... on Error { code field } } }"""


async def test_support_sends_a_whole_days_failed_digests_again_in_one_call(
    gql, world: World, jobs: Jobs, mailer: MemoryMailer, failed: dict[str, str]
) -> None:
    day = (DUE - timedelta(days=14)).isoformat()
    for who in ("owner", "admin", "staff"):  # the school's own people may see the digests, not resend them
        refused = (await gql(RETRY_DAY, {"s": world.org("ashdown"), "d": day}, token=token_of(world, who)))
        assert refused["retryFailedNotifications"]["__typename"] == "ForbiddenError"
    done = (await gql(RETRY_DAY, {"s": world.org("ashdown"), "d": day}, token=world["support"].token))
    assert done["retryFailedNotifications"] == {"__typename": "RetryFailedNotificationsPayload", "retried": 4,
                                                "deliveries": [{"status": "PENDING"}] * 4}
    assert (await gql(FAILED, token=world["support"].token))["failedNotifications"]["totalCount"] == 0
    await jobs.day(at(DUE - timedelta(days=14), 10))
    for name in ASHDOWN_STAFF:
        assert len(mailer.to(f"{name.lower().replace(' ', '_')}@example.org")) == 1, name
    assert len(mailer.sent) == len(ASHDOWN_STAFF)
    again = (await gql(RETRY_DAY, {"s": world.org("ashdown"), "d": day}, token=world["support"].token))
    assert again["retryFailedNotifications"]["retried"] == 0


# Those who may see the digest (its school's full administrators, its recipient) are refused;
# for anyone else it does not exist.
@pytest.mark.parametrize(("who", "refusal"), [("owner", "ForbiddenError"), ("admin", "ForbiddenError"),
                                              ("staff", "ForbiddenError"), ("system", "NotFoundError")])
async def test_no_one_but_support_may_retry(gql, world: World, db: Database, jobs: Jobs, mailer: MemoryMailer,
                                            failed: dict[str, str], who: str, refusal: str) -> None:
    events = await audit_count(db)
    answer = (await gql(RETRY, {"id": failed["Staff"]}, token=token_of(world, who)))["retryNotification"]
    assert answer["__typename"] == refusal, answer
    await jobs.day(at(DUE - timedelta(days=14), 10))
    assert mailer.sent == []
    assert (await gql(FAILED, token=world["support"].token))["failedNotifications"]["totalCount"] == 4
    assert await audit_count(db) == events


async def test_a_sent_digest_cannot_be_retried(gql, world: World, jobs: Jobs, mailer: MemoryMailer) -> None:
    await targets(gql, world)
    await jobs.day(at(DUE))
    (delivery,) = [n for n in (await school_log(gql, world))["nodes"] if n["personName"] == "Staff"]
    answer = (await gql(RETRY, {"id": delivery["id"]}, token=world["support"].token))["retryNotification"]
    assert (answer["__typename"], answer["field"]) == ("ConflictError", "deliveryId"), answer
    await jobs.day(at(DUE, 10))
    assert len(mailer.to("staff@example.org")) == 1


@pytest.mark.parametrize("bad", ["not-an-id", "organisation"])
async def test_a_bad_delivery_id_is_a_validation_error(gql, world: World, bad: str) -> None:
    delivery_id = world.org("ashdown") if bad == "organisation" else bad
    answer = (await gql(RETRY, {"id": delivery_id}, token=world["support"].token))["retryNotification"]
    assert (answer["__typename"], answer["field"]) == ("ValidationError", "deliveryId"), answer


async def test_an_unknown_delivery_is_not_found(gql, world: World) -> None:
    answer = (await gql(RETRY, {"id": global_id("NotificationDelivery", 999_999)},
                        token=world["support"].token))["retryNotification"]
    assert (answer["__typename"], answer["field"]) == ("NotFoundError", "deliveryId"), answer


# --- Statement counts -----------------------------------------------------------------


async def add_deliveries(db: Database, world: World, days: range) -> None:
    """A SENT digest with two lines for Staff and Staff2 on each day."""
    async with db.write() as session:
        for day in days:
            plan = NotificationPlan(organisation_id=world.organisations["ashdown"], local_date=date(2031, 1, day))
            session.add(plan)
            await session.flush()
            for who in ("staff", "staff2"):
                session.add(NotificationDelivery(
                    person_id=world[who].person_id, organisation_id=world.organisations["ashdown"], plan_id=plan.id,
                    local_date=date(2031, 1, day), status="SENT", attempts=1,
                ))
                session.add_all([
                    NotificationItem(plan_id=plan.id, person_id=world[who].person_id, kind=kind,
                                     course_id=world.courses[0], course_title="Course 1", list_names="Safeguarding",
                                     due_on=date(2031, 2, day))  # a reminder is once per date
                    for kind in ("ASSIGNED", "DUE_SOON")
                ])


async def test_the_delivery_log_costs_the_same_for_2_and_6_deliveries(gql, world: World, db: Database,
                                                                     count_statements) -> None:
    variables = {"id": world.org("ashdown"), "first": 50}
    token = world["admin"].token

    async def measure() -> tuple[int, dict[str, Any]]:
        before = count_statements.count
        data = await gql(LOG_WITH_LINES, variables, token=token)
        return count_statements.count - before, data["node"]["notificationDeliveries"]

    await add_deliveries(db, world, range(1, 2))
    small, log = await measure()
    assert log["totalCount"] == 2 and all(len(n["lines"]) == 2 for n in log["nodes"])
    await add_deliveries(db, world, range(2, 4))
    large, log = await measure()
    assert log["totalCount"] == 6 and all(n["kinds"] == ["ASSIGNED", "DUE_SOON"] for n in log["nodes"])
    assert small == large, f"the delivery log: {small} statements for 2 deliveries, {large} for 6"
