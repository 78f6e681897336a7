"""recordCourseProgress (issue 4): a retried call counts once, time adds up, progress
never goes backwards, a completion date stays once set, and only the person, their
school's full administrators and its external system may record it. Progress is never
deleted when groups, lists or seats change."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from infra.database import Database
from domain import tokens
from domain.audit import AuditAction
from domain.models import ApiToken, AuditEvent, Enrolment, utcnow
from schema.ids import global_id
from tests.world import World

RECORD = """
mutation($input: RecordCourseProgressInput!) { recordCourseProgress(input: $input) {
  __typename
  ... on CourseEnrolmentPayload { enrolment {
    startedAt progressPercent secondsSpent completedAt status person { id } course { id } } }
  ... on Error { code message field } } }
"""
ERROR_FIELDS = "code message field"

MARCH = datetime(2025, 3, 4, 10, 15, tzinfo=UTC)
APRIL = datetime(2025, 4, 20, 16, 0, tzinfo=UTC)


def call(world: World, *, person: str = "staff", course: int = 0, key: str = "call-1", percent: int = 10,
         seconds: int = 60, completed_at: str | None = None, **override: Any) -> dict[str, Any]:
    values = {
        "personId": world[person].gid,
        "courseId": global_id("Course", world.courses[course]),
        "idempotencyKey": key,
        "progressPercent": percent,
        "secondsSpent": seconds,
        "completedAt": completed_at,
    }
    values.update(override)
    return {"input": values}


async def record(gql, world: World, token: str | None = None, **kwargs: Any) -> dict[str, Any]:
    data = await gql(RECORD, call(world, **kwargs), token=token or world["staff"].token)
    return data["recordCourseProgress"]


async def enrolments(db: Database) -> list[tuple]:
    """Every enrolment as it stands: person, course, started, percent, seconds, completed."""
    async with db.read() as session:
        rows = (await session.execute(select(Enrolment).order_by(Enrolment.id))).scalars().all()
        return [(e.person_id, e.course_id, e.started_at, e.progress_percent, e.seconds_spent, e.completed_at)
                for e in rows]


async def enrolment_of(db: Database, world: World, person: str = "staff", course: int = 0) -> Enrolment | None:
    async with db.read() as session:
        return (
            await session.execute(
                select(Enrolment).where(
                    Enrolment.person_id == world[person].person_id, Enrolment.course_id == world.courses[course]
                )
            )
        ).scalar_one_or_none()


async def progress_events(db: Database) -> int:
    async with db.read() as session:
        stmt = select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == AuditAction.PROGRESS_RECORDED
        )
        return (await session.execute(stmt)).scalar_one()


async def system_token_of(db: Database, organisation_id: int) -> str:
    plain = tokens.new_token()
    async with db.write() as session:
        session.add(ApiToken(token_hash=tokens.digest(plain), name="Other MIS", organisation_id=organisation_id,
                             expires_at=utcnow() + timedelta(days=1)))
    return plain


def instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value is not None else None


# --- Idempotency ------------------------------------------------------------------------


async def test_the_same_call_twice_counts_once(gql, world: World, db: Database) -> None:
    """A course player retrying after a lost answer must not double the time spent."""
    first = await record(gql, world, key="retry-me", percent=40, seconds=300)
    again = await record(gql, world, key="retry-me", percent=40, seconds=300)
    assert first["__typename"] == again["__typename"] == "CourseEnrolmentPayload"
    assert again["enrolment"]["secondsSpent"] == 300
    assert again["enrolment"]["progressPercent"] == 40
    assert again == first

    row = await enrolment_of(db, world)
    assert (row.progress_percent, row.seconds_spent) == (40, 300)
    assert await progress_events(db) == 1


@pytest.mark.parametrize(
    "change", [{"percent": 50}, {"seconds": 301}, {"course": 1}, {"completed_at": MARCH.isoformat()}],
    ids=["percent", "seconds", "course", "completedAt"],
)
async def test_the_same_key_with_a_different_request_is_a_conflict(
    gql, world: World, db: Database, change: dict
) -> None:
    """A key names one call; reusing it for something else is a client bug, refused loudly."""
    await record(gql, world, key="k", percent=40, seconds=300)
    before, events = await enrolments(db), await progress_events(db)

    answer = await record(gql, world, **{"key": "k", "percent": 40, "seconds": 300, **change})

    assert answer["code"] == "CONFLICT" and answer["field"] == "idempotencyKey"
    assert await enrolments(db) == before
    assert await progress_events(db) == events


async def test_a_retry_naming_the_same_instant_in_another_offset_is_the_same_call(
    gql, world: World, db: Database
) -> None:
    """10:15Z and 11:15+01:00 are one completion time: a system that re-serialises it on
    retry has sent the same call, which counts once rather than being refused."""
    first = await record(gql, world, key="done", percent=100, seconds=60, completed_at="2025-03-04T10:15:00Z",
                         token=world.system_token)
    again = await record(gql, world, key="done", percent=100, seconds=60,
                         completed_at="2025-03-04T11:15:00+01:00", token=world.system_token)
    assert again["__typename"] == "CourseEnrolmentPayload", again
    assert again == first
    assert (await enrolment_of(db, world)).seconds_spent == 60
    assert await progress_events(db) == 1


async def test_a_key_belongs_to_one_person(gql, world: World, db: Database) -> None:
    """Two people's players may pick the same key: each call counts for its own person."""
    owner = world["owner"].token
    assert (await record(gql, world, person="staff", key="lesson-1", seconds=100, token=owner))["__typename"] == \
        "CourseEnrolmentPayload"
    other = await record(gql, world, person="staff2", key="lesson-1", seconds=100, token=owner)
    assert other["__typename"] == "CourseEnrolmentPayload"
    assert (await enrolment_of(db, world, "staff")).seconds_spent == 100
    assert (await enrolment_of(db, world, "staff2")).seconds_spent == 100


# --- Time, progress and completion --------------------------------------------------------


async def test_time_adds_up_across_calls_with_different_keys(gql, world: World, db: Database) -> None:
    for key, percent, seconds in (("a", 10, 100), ("b", 25, 200), ("c", 25, 300)):
        answer = await record(gql, world, key=key, percent=percent, seconds=seconds)
    assert answer["enrolment"]["secondsSpent"] == 600
    assert answer["enrolment"]["progressPercent"] == 25
    assert answer["enrolment"]["status"] == "IN_PROGRESS"
    row = await enrolment_of(db, world)
    assert (row.progress_percent, row.seconds_spent, row.completed_at) == (25, 600, None)
    assert await progress_events(db) == 3


async def test_progress_that_goes_backwards_is_refused_and_nothing_changes(gql, world: World, db: Database) -> None:
    await record(gql, world, key="up", percent=60, seconds=500)
    before, events = await enrolments(db), await progress_events(db)

    answer = await record(gql, world, key="down", percent=30, seconds=100)

    assert answer["__typename"] == "ValidationError"
    assert answer["code"] == "VALIDATION" and answer["field"] == "progressPercent"
    assert "backwards" in answer["message"] and "60%" in answer["message"]
    assert await enrolments(db) == before  # not even the 100 seconds were added
    assert await progress_events(db) == events


async def test_a_refused_call_does_not_use_up_its_key(gql, world: World, db: Database) -> None:
    """Nothing changed, so the player may fix the call and send it again under the same key."""
    await record(gql, world, key="up", percent=60)
    assert (await record(gql, world, key="fix-me", percent=30))["code"] == "VALIDATION"
    fixed = await record(gql, world, key="fix-me", percent=70, seconds=10)
    assert fixed["__typename"] == "CourseEnrolmentPayload"
    assert fixed["enrolment"]["progressPercent"] == 70


async def test_nothing_below_100_is_accepted_after_completion(gql, world: World, db: Database) -> None:
    await record(gql, world, key="done", percent=100)
    answer = await record(gql, world, key="late", percent=90)
    assert (answer["code"], answer["field"]) == ("VALIDATION", "progressPercent")
    assert (await enrolment_of(db, world)).progress_percent == 100


async def test_a_completion_date_is_kept_once_set(gql, world: World, db: Database) -> None:
    first = await record(gql, world, key="one", percent=100, seconds=60, completed_at=MARCH.isoformat())
    assert instant(first["enrolment"]["completedAt"]) == MARCH
    assert first["enrolment"]["status"] == "COMPLETED"

    later = await record(gql, world, key="two", percent=100, seconds=30, completed_at=APRIL.isoformat())
    assert later["__typename"] == "CourseEnrolmentPayload"
    assert instant(later["enrolment"]["completedAt"]) == MARCH
    plain = await record(gql, world, key="three", percent=100, seconds=30)
    assert instant(plain["enrolment"]["completedAt"]) == MARCH
    assert plain["enrolment"]["secondsSpent"] == 120  # time still adds up after completion

    row = await enrolment_of(db, world)
    assert (row.completed_at, row.progress_percent) == (MARCH, 100)


async def test_100_percent_completes_as_of_now(gql, world: World, db: Database) -> None:
    await record(gql, world, key="half", percent=50)
    before = utcnow()
    answer = await record(gql, world, key="all", percent=100)
    after = utcnow()
    completed = instant(answer["enrolment"]["completedAt"])
    assert before <= completed <= after
    assert answer["enrolment"]["status"] == "COMPLETED"


async def test_a_completion_date_completes_the_course_whatever_the_percent(gql, world: World) -> None:
    """An external system reporting a completion may not send a percentage at all."""
    answer = await record(gql, world, key="mis", percent=0, seconds=0, completed_at=MARCH.isoformat(),
                          token=world.system_token)
    assert answer["enrolment"]["progressPercent"] == 100
    assert answer["enrolment"]["status"] == "COMPLETED"
    assert instant(answer["enrolment"]["completedAt"]) == MARCH


async def test_a_completion_for_a_course_never_enrolled_creates_the_enrolment(
    gql, world: World, db: Database
) -> None:
    assert await enrolment_of(db, world, "staff2", 2) is None
    answer = await record(gql, world, person="staff2", course=2, key="import-1", percent=100, seconds=3600,
                          completed_at=MARCH.isoformat(), token=world["owner"].token)
    assert answer["enrolment"]["person"]["id"] == world["staff2"].gid
    assert answer["enrolment"]["course"]["id"] == global_id("Course", world.courses[2])
    row = await enrolment_of(db, world, "staff2", 2)
    assert (row.progress_percent, row.seconds_spent, row.completed_at) == (100, 3600, MARCH)


async def test_an_enrolment_created_by_a_past_completion_did_not_start_after_it(gql, world: World) -> None:
    """A report saying 'started in May, completed in March' would be nonsense."""
    answer = await record(gql, world, key="import-1", percent=100, completed_at=MARCH.isoformat(),
                          token=world["owner"].token)
    enrolment = answer["enrolment"]
    assert instant(enrolment["startedAt"]) <= instant(enrolment["completedAt"]) == MARCH


# --- Bad input --------------------------------------------------------------------------

FUTURE = (utcnow() + timedelta(days=2)).isoformat()
BAD_INPUT = [
    ("percent below 0", {"percent": -1}, "VALIDATION", "progressPercent"),
    ("percent above 100", {"percent": 101}, "VALIDATION", "progressPercent"),
    ("negative seconds", {"seconds": -5}, "VALIDATION", "secondsSpent"),
    ("empty key", {"key": ""}, "VALIDATION", "idempotencyKey"),
    ("blank key", {"key": "   "}, "VALIDATION", "idempotencyKey"),
    ("over-long key", {"key": "k" * 201}, "VALIDATION", "idempotencyKey"),
    ("completedAt in the future", {"completed_at": FUTURE}, "VALIDATION", "completedAt"),
    ("completedAt without offset", {"completed_at": "2025-03-04T10:15:00"}, "VALIDATION", "completedAt"),
    ("unknown person", {"personId": global_id("Person", 999_999)}, "NOT_FOUND", "personId"),
    ("unknown course", {"courseId": global_id("Course", 999_999)}, "NOT_FOUND", "courseId"),
    ("person id of another type", {"personId": global_id("Organisation", 1)}, "VALIDATION", "personId"),
    ("course id of another type", {"courseId": global_id("Person", 1)}, "VALIDATION", "courseId"),
    ("garbage person id", {"personId": "not-an-id"}, "VALIDATION", "personId"),
]


@pytest.mark.parametrize(("change", "code", "field"), [c[1:] for c in BAD_INPUT], ids=[c[0] for c in BAD_INPUT])
async def test_bad_input_is_a_typed_error_naming_its_field_and_writes_nothing(
    gql, world: World, db: Database, change: dict, code: str, field: str
) -> None:
    answer = await record(gql, world, token=world["owner"].token, **change)
    assert (answer["code"], answer["field"]) == (code, field), answer
    assert answer["message"]
    assert await enrolments(db) == []
    assert await progress_events(db) == 0


async def test_a_key_of_200_characters_and_a_day_of_seconds_are_accepted(gql, world: World) -> None:
    answer = await record(gql, world, key="k" * 200, seconds=24 * 3600)
    assert answer["enrolment"]["secondsSpent"] == 24 * 3600


# --- Who may record -------------------------------------------------------------------


@pytest.mark.parametrize("caller", ["staff", "owner", "admin", "system"])
async def test_the_person_their_administrators_and_their_schools_system_record_progress(
    gql, world: World, db: Database, caller: str
) -> None:
    token = world.system_token if caller == "system" else world[caller].token
    answer = await record(gql, world, person="staff", key=f"by-{caller}", percent=35, seconds=90, token=token)
    assert answer["__typename"] == "CourseEnrolmentPayload"
    row = await enrolment_of(db, world)
    assert (row.progress_percent, row.seconds_spent) == (35, 90)

    log = await gql('{ auditLog(filter: {actions: [PROGRESS_RECORDED]}) { totalCount nodes { organisation { id } } } }',
                    token=world["owner"].token)
    assert log["auditLog"]["totalCount"] == 1
    assert log["auditLog"]["nodes"][0]["organisation"]["id"] == world.org("ashdown")


@pytest.mark.parametrize(
    ("caller", "code"),
    [
        ("staff2", "FORBIDDEN"),  # a colleague sees the person but may not record for them
        ("support", "FORBIDDEN"),  # sees people, runs no school's business
        ("owner_b", "NOT_FOUND"),
        ("staff_b", "NOT_FOUND"),
        ("birchwood system", "NOT_FOUND"),
        ("trust_admin", "NOT_FOUND"),
        ("trust_member", "NOT_FOUND"),
    ],
)
async def test_anyone_else_is_refused_and_nothing_changes(
    gql, world: World, db: Database, caller: str, code: str
) -> None:
    await record(gql, world, key="mine", percent=20, seconds=50)
    before, events = await enrolments(db), await progress_events(db)
    if caller == "birchwood system":
        token = await system_token_of(db, world.organisations["birchwood"])
    else:
        token = world[caller].token

    for course, key in ((0, "theirs"), (1, "new-course")):
        answer = await record(gql, world, person="staff", course=course, key=key, percent=90, seconds=999,
                              token=token)
        assert answer["code"] == code, answer
        if code == "NOT_FOUND":
            assert answer["field"] == "personId"
    assert await enrolments(db) == before
    assert await progress_events(db) == events


# --- Progress is never deleted ---------------------------------------------------------

CREATE_GROUP = """
mutation($licence: ID!, $members: [ID!]!) { createStaffGroup(input: {licenceId: $licence, name: "Year 3",
  memberIds: $members}) { ... on StaffGroupPayload { staffGroup { id } } ... on Error { code message } } }
"""
CREATE_LIST = """
mutation($group: ID!, $courses: [TargetInput!]!) { createTargetList(input: {groupId: $group, name: "Autumn",
  courses: $courses}) { ... on TargetListPayload { targetList { id } } ... on Error { code message } } }
"""
DELETE_GROUP = """
mutation($group: ID!) { deleteStaffGroup(input: {groupId: $group, confirmation: "YES"}) {
  __typename ... on Error { code message } } }
"""
DELETE_LIST = """
mutation($list: ID!) { deleteTargetList(input: {targetListId: $list, confirmation: "YES"}) {
  __typename ... on Error { code message } } }
"""
REMOVE_FROM_GROUP = """
mutation($group: ID!, $people: [ID!]!) { removeStaffGroupMembers(input: {groupId: $group, personIds: $people}) {
  __typename ... on Error { code message } } }
"""
REMOVE_MEMBER = """
mutation($id: ID!) { removeMember(input: {membershipId: $id}) { __typename ... on Error { code message } } }
"""
DEACTIVATE = """
mutation($id: ID!) { deactivateSeat(input: {seatId: $id}) { __typename ... on Error { code message } } }
"""


@pytest.mark.parametrize(
    "change", ["deleteStaffGroup", "deleteTargetList", "removeStaffGroupMembers", "removeMember", "deactivateSeat"]
)
async def test_group_list_and_seat_changes_never_delete_progress(
    gql, world: World, db: Database, change: str
) -> None:
    owner = world["owner"].token
    data = await gql(CREATE_GROUP, {"licence": world.licence("ashdown"), "members": [world["staff"].gid]},
                     token=owner)
    group = data["createStaffGroup"]["staffGroup"]["id"]
    courses = [{"courseId": global_id("Course", c)} for c in world.courses[:2]]
    data = await gql(CREATE_LIST, {"group": group, "courses": courses}, token=owner)
    target_list = data["createTargetList"]["targetList"]["id"]
    await record(gql, world, course=0, key="a", percent=100, completed_at=MARCH.isoformat())
    await record(gql, world, course=1, key="b", percent=45, seconds=700)
    before = await enrolments(db)
    assert len(before) == 2

    query, variables = {
        "deleteStaffGroup": (DELETE_GROUP, {"group": group}),
        "deleteTargetList": (DELETE_LIST, {"list": target_list}),
        "removeStaffGroupMembers": (REMOVE_FROM_GROUP, {"group": group, "people": [world["staff"].gid]}),
        "removeMember": (REMOVE_MEMBER, {"id": world["staff"].membership("ashdown")}),
        "deactivateSeat": (DEACTIVATE, {"id": world.seat("staff")}),
    }[change]
    answer = (await gql(query, variables, token=owner))[change]
    assert "code" not in answer, answer

    assert await enrolments(db) == before


# --- Concurrent calls -------------------------------------------------------------------


async def test_a_retry_sent_while_the_first_call_is_still_running_counts_once(
    gql, world: World, db: Database
) -> None:
    """A player that times out retries at once, so copies may arrive together: one counts,
    the others answer the enrolment or a retryable CONFLICT, never a server error."""
    answers = await asyncio.gather(*(record(gql, world, key="same", percent=30, seconds=120) for _ in range(4)))
    assert {a["__typename"] for a in answers} <= {"CourseEnrolmentPayload", "ConflictError"}
    assert "CourseEnrolmentPayload" in {a["__typename"] for a in answers}
    row = await enrolment_of(db, world)
    assert (row.progress_percent, row.seconds_spent) == (30, 120)
    assert await progress_events(db) == 1

    again = await record(gql, world, key="same", percent=30, seconds=120)
    assert again["enrolment"]["secondsSpent"] == 120


async def test_concurrent_calls_on_an_enrolment_all_count(gql, world: World, db: Database) -> None:
    """Lessons reported at once for a course already started: none of the time is lost."""
    await record(gql, world, key="start", percent=5, seconds=10)
    answers = await asyncio.gather(
        *(record(gql, world, key=f"lesson-{i}", percent=10, seconds=100) for i in range(4))
    )
    assert [a["__typename"] for a in answers] == ["CourseEnrolmentPayload"] * 4
    assert (await enrolment_of(db, world)).seconds_spent == 410
    assert await progress_events(db) == 5


async def test_concurrent_first_calls_never_lose_time_silently(gql, world: World, db: Database) -> None:
    """Calls racing to create the enrolment: each either counts or answers a CONFLICT the
    player can retry; after the retries every second is there exactly once."""
    calls = [{"key": f"lesson-{i}", "percent": 10, "seconds": 100} for i in range(4)]
    answers = await asyncio.gather(*(record(gql, world, **c) for c in calls))
    assert {a["__typename"] for a in answers} <= {"CourseEnrolmentPayload", "ConflictError"}
    for c, answer in zip(calls, answers, strict=True):
        if answer["__typename"] == "ConflictError":
            assert (await record(gql, world, **c))["__typename"] == "CourseEnrolmentPayload"
    assert (await enrolment_of(db, world)).seconds_spent == 400
    assert await progress_events(db) == 4
