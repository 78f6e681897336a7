"""Learning paths through the API (seed 000): one staff member's merged, ordered to-do list
from every target list of every group they are in, judged on the school's local date, and
seen only by the person, the school's full administrators and the delegates of their groups."""

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from infra.database import Database
from domain.models import Course, Enrolment, Membership, MembershipRole, Person, Seat, SubscriptionKind
from schema.ids import global_id
from tests.world import Actor, World, _token

PATH = """on items { course { id } status completedOn dueOn effectiveDueOn dueState sourceLists { id name } }"""
MY_PATH = "query($l: ID, $on: Date) { me { learningPath(licenceId: $l, on: $on) { %s } } }" % PATH
PATH_OF = """query($l: ID!, $p: ID!, $on: Date) {
  learningPath(licenceId: $l, personId: $p, on: $on) { %s } }""" % PATH
EARLY = "2020-01-01"  # long before any date in these tests: nothing is due yet


def cid(course_id: int) -> str:
    return global_id("Course", course_id)


async def add_courses(db: Database, *titles: str) -> list[int]:
    async with db.write() as session:
        rows = [Course(code=title.upper().replace(" ", "-"), title=title) for title in titles]
        session.add_all(rows)
        await session.flush()
        return [row.id for row in rows]


async def enrol(db: Database, person_id: int, course_id: int, *, started: datetime,
                completed: datetime | None = None) -> None:
    async with db.write() as session:
        session.add(Enrolment(person_id=person_id, course_id=course_id, started_at=started,
                              progress_percent=100 if completed else 40, seconds_spent=600, completed_at=completed))


async def add_staff(db: Database, world: World, key: str, school: str = "ashdown") -> None:
    """Another seated member of a school, with a token, as world[key]."""
    async with db.write() as session:
        person = Person(email=f"{key}@example.org", display_name=key.replace("_", " ").title())
        session.add(person)
        await session.flush()
        membership = Membership(organisation_id=world.organisations[school], person_id=person.id,
                                role=MembershipRole.MEMBER)
        session.add_all([membership, Seat(licence_id=world.licences[school], person_id=person.id,
                                          subscription=SubscriptionKind.ALL_ACCESS_PASS_PLUS)])
        await session.flush()
        world.actors[key] = Actor(person_id=person.id, name=person.display_name, email=person.email,
                                  token=await _token(session, person_id=person.id),
                                  membership_ids={school: membership.id})


class Leader:
    """Builds groups and lists through the API, as a school's full administrator would."""

    def __init__(self, gql, world: World, actor: str = "owner") -> None:  # type: ignore[no-untyped-def]
        self.gql, self.world, self.token = gql, world, world[actor].token

    async def _run(self, query: str, variables: dict[str, Any], field: str) -> dict[str, Any]:
        data = await self.gql(query, variables, token=self.token)
        assert "code" not in data[field], data
        return data[field]

    async def group(self, name: str, *members: str, school: str = "ashdown") -> str:
        query = """mutation($l: ID!, $n: String!, $m: [ID!]!) { createStaffGroup(input: {licenceId: $l, name: $n,
          memberIds: $m}) { ... on StaffGroupPayload { staffGroup { id } } ... on Error { code message } } }"""
        variables = {"l": self.world.licence(school), "n": name, "m": [self.world[m].gid for m in members]}
        return (await self._run(query, variables, "createStaffGroup"))["staffGroup"]["id"]

    async def target_list(self, group: str, name: str, *courses: int | tuple[int, str]) -> str:
        query = """mutation($g: ID!, $n: String!, $c: [TargetInput!]!) { createTargetList(input: {groupId: $g,
          name: $n, courses: $c}) { ... on TargetListPayload { targetList { id } } ... on Error { code message } } }"""
        targets = [
            {"courseId": cid(c[0]), "dueOn": c[1]} if isinstance(c, tuple) else {"courseId": cid(c)} for c in courses
        ]
        variables = {"g": group, "n": name, "c": targets}
        return (await self._run(query, variables, "createTargetList"))["targetList"]["id"]

    async def reorder(self, target_list: str, *courses: int) -> None:
        query = """mutation($t: ID!, $c: [ID!]!) { reorderTargetList(input: {targetListId: $t, courseIds: $c}) {
          __typename ... on Error { code message } } }"""
        await self._run(query, {"t": target_list, "c": [cid(c) for c in courses]}, "reorderTargetList")

    async def due(self, target_list: str, course: int, on: str | None) -> None:
        query = """mutation($t: ID!, $c: ID!, $d: Date) { setTargetDueDate(input: {targetListId: $t, courseId: $c,
          dueOn: $d}) { __typename ... on Error { code message } } }"""
        await self._run(query, {"t": target_list, "c": cid(course), "d": on}, "setTargetDueDate")

    async def delegate(self, group: str, person: str, add: bool = True) -> None:
        name = "addGroupDelegate" if add else "removeGroupDelegate"
        query = """mutation($g: ID!, $p: ID!) { %s(input: {groupId: $g, personId: $p}) {
          __typename ... on Error { code message } } }""" % name
        await self._run(query, {"g": group, "p": self.world[person].gid}, name)

    async def members(self, group: str, *people: str, add: bool = True) -> None:
        name = "addStaffGroupMembers" if add else "removeStaffGroupMembers"
        query = """mutation($g: ID!, $p: [ID!]!) { %s(input: {groupId: $g, personIds: $p}) {
          __typename ... on Error { code message } } }""" % name
        await self._run(query, {"g": group, "p": [self.world[p].gid for p in people]}, name)

    async def seat(self, person: str, active: bool) -> None:
        name = "reactivateSeat" if active else "deactivateSeat"
        query = "mutation($s: ID!) { %s(input: {seatId: $s}) { __typename ... on Error { code message } } }" % name
        await self._run(query, {"s": self.world.seat(person)}, name)


async def my_path(gql, world: World, who: str, on: str | None = None, licence: str | None = None) -> dict | None:  # type: ignore[no-untyped-def]
    variables = {"l": world.licence(licence) if licence else None, "on": on}
    return (await gql(MY_PATH, variables, token=world[who].token))["me"]["learningPath"]


def courses_of(path: dict) -> list[str]:
    return [item["course"]["id"] for item in path["items"]]


def by_course(path: dict) -> dict[str, dict]:
    return {item["course"]["id"]: item for item in path["items"]}


# --- Merging --------------------------------------------------------------------------


async def test_the_seeds_phonics_example(gql, world: World, db: Database) -> None:
    """Seed 000: Phonics 6 dragged above Phonics 5 gives 1, 2, 3, 4, 6, 5; a date on 4 makes
    1 to 4 due by then, and nothing below it."""
    phonics = await add_courses(db, *(f"Phonics {i}" for i in range(1, 7)))
    leader = Leader(gql, world)
    es1 = await leader.group("ES1", "staff")
    target_list = await leader.target_list(es1, "Phonics", *phonics)
    p1, p2, p3, p4, p5, p6 = phonics
    await leader.reorder(target_list, p1, p2, p3, p4, p6, p5)
    await leader.due(target_list, p4, "2030-03-20")

    path = await my_path(gql, world, "staff", on="2030-01-01")
    assert courses_of(path) == [cid(c) for c in (p1, p2, p3, p4, p6, p5)]
    assert [(i["dueOn"], i["effectiveDueOn"]) for i in path["items"]] == [
        (None, "2030-03-20"), (None, "2030-03-20"), (None, "2030-03-20"), ("2030-03-20", "2030-03-20"),
        (None, None), (None, None),
    ]
    assert {(s["id"], s["name"]) for i in path["items"] for s in i["sourceLists"]} == {(target_list, "Phonics")}
    assert {i["status"] for i in path["items"]} == {"NOT_STARTED"}
    assert {i["dueState"] for i in path["items"]} == {None}


async def test_a_path_merges_every_list_of_every_group_all_staff_included(gql, world: World, db: Database) -> None:
    """A course on two lists appears once, naming both; each person gets exactly the lists of
    the groups they are in, and All Staff reaches every staff member."""
    a, b, c, d = await add_courses(db, "Safeguarding", "Online Safety", "Phonics Basics", "Induction")
    leader = Leader(gql, world)
    everyone = await leader.target_list(world.all_staff_group("ashdown"), "Whole school", a, b)
    phonics = await leader.target_list(await leader.group("ES1", "staff"), "Phonics", c, a)
    induction = await leader.target_list(await leader.group("Early Career Teachers", "staff2"), "Induction", d)

    staff = await my_path(gql, world, "staff", EARLY)
    # Phonics puts C before A, Whole school puts A before B.
    assert courses_of(staff) == [cid(c), cid(a), cid(b)]
    sources = {course: {(s["id"], s["name"]) for s in item["sourceLists"]} for course, item in by_course(staff).items()}
    assert sources == {
        cid(c): {(phonics, "Phonics")},
        cid(a): {(everyone, "Whole school"), (phonics, "Phonics")},
        cid(b): {(everyone, "Whole school")},
    }
    # Two free courses with no dates: the higher in its list first, then the lower id (A before D).
    staff2 = await my_path(gql, world, "staff2", EARLY)
    assert courses_of(staff2) == [cid(a), cid(d), cid(b)]
    assert {s["id"] for s in by_course(staff2)[cid(d)]["sourceLists"]} == {induction}
    # In no hand-picked group: All Staff's list alone. Another school: nothing of Ashdown's.
    assert courses_of(await my_path(gql, world, "admin", EARLY)) == [cid(a), cid(b)]
    assert (await my_path(gql, world, "owner_b", EARLY))["items"] == []


async def test_the_earliest_effective_date_across_lists_goes_first(gql, world: World, db: Database) -> None:
    """Between lists, the course due soonest comes first, and a date set on one list pulls
    forward what must precede it on another."""
    a, b, x = await add_courses(db, "Reading 1", "Reading 2", "First Aid")
    leader = Leader(gql, world)
    await leader.target_list(world.all_staff_group("ashdown"), "Reading", a, b)
    first_aid = await leader.target_list(await leader.group("ES1", "staff"), "First Aid", (x, "2030-05-01"))
    path = await my_path(gql, world, "staff", EARLY)
    assert courses_of(path) == [cid(x), cid(a), cid(b)]

    await leader.due(first_aid, x, None)
    reading = await leader.group("Readers", "staff")
    await leader.target_list(reading, "Reading, dated", (b, "2030-04-01"))
    path = await my_path(gql, world, "staff", EARLY)
    # B is dated on the new list, and A must come before B: both are due by 1 April.
    assert courses_of(path) == [cid(a), cid(b), cid(x)]
    assert [i["effectiveDueOn"] for i in path["items"]] == ["2030-04-01", "2030-04-01", None]


# --- Progress -------------------------------------------------------------------------


async def test_status_comes_from_progress_and_completion_is_a_school_local_date(
    gql, world: World, db: Database
) -> None:
    """Not started, in progress, completed; completed on the school's own date (London is an hour
    ahead of UTC in summer, Sydney eleven in March), and never due or overdue once completed."""
    done, going, untouched = await add_courses(db, "Phonics 1", "Phonics 2", "Phonics 3")
    leader = Leader(gql, world)
    await leader.target_list(world.all_staff_group("ashdown"), "Phonics",
                             (done, "2030-06-01"), (going, "2030-06-01"), untouched)
    staff = world["staff"].person_id
    await enrol(db, staff, done, started=datetime(2030, 5, 1, tzinfo=UTC),
                completed=datetime(2030, 6, 30, 23, 30, tzinfo=UTC))
    await enrol(db, staff, going, started=datetime(2030, 5, 2, tzinfo=UTC))

    path = by_course(await my_path(gql, world, "staff", on="2030-07-15"))
    assert {c: (i["status"], i["completedOn"], i["dueState"]) for c, i in path.items()} == {
        cid(done): ("COMPLETED", "2030-07-01", None),  # past its date, but done: never overdue
        cid(going): ("IN_PROGRESS", None, "OVERDUE"),
        cid(untouched): ("NOT_STARTED", None, None),
    }

    leader_b = Leader(gql, world, "owner_b")
    await leader_b.target_list(world.all_staff_group("birchwood"), "Phonics", done)
    await enrol(db, world["staff_b"].person_id, done, started=datetime(2030, 3, 1, tzinfo=UTC),
                completed=datetime(2030, 3, 10, 20, 0, tzinfo=UTC))
    (item,) = (await my_path(gql, world, "staff_b", on="2030-04-01"))["items"]
    assert (item["status"], item["completedOn"]) == ("COMPLETED", "2030-03-11")


# --- Due states, by the school's local date -------------------------------------------


@pytest.mark.parametrize(
    ("on", "state"),
    [
        ("2030-03-05", None),  # 15 days ahead
        ("2030-03-06", "DUE_SOON"),  # 14 days ahead: the default reminder window
        ("2030-03-19", "DUE_SOON"),
        ("2030-03-20", "DUE_TODAY"),
        ("2030-03-21", "OVERDUE"),
        ("2031-01-01", "OVERDUE"),
    ],
)
@pytest.mark.parametrize(("school", "person"), [("ashdown", "staff"), ("birchwood", "staff_b")])
async def test_due_state_on_a_given_day(
    gql, world: World, db: Database, school: str, person: str, on: str, state: str | None
) -> None:
    """A course due on 20 March, and the course above it, judged on the school-local day `on`."""
    above, dated = await add_courses(db, "Behaviour 1", "Behaviour 2")
    leader = Leader(gql, world, "owner" if school == "ashdown" else "owner_b")
    await leader.target_list(world.all_staff_group(school), "Behaviour", above, (dated, "2030-03-20"))
    path = await my_path(gql, world, person, on=on)
    assert path["on"] == on
    assert [(i["effectiveDueOn"], i["dueState"]) for i in path["items"]] == [("2030-03-20", state)] * 2


@pytest.mark.parametrize(("days", "on", "state"), [
    (3, "2030-03-16", None),  # four days ahead: outside a three-day window
    (3, "2030-03-17", "DUE_SOON"),
    (30, "2030-02-19", "DUE_SOON"),  # 29 days ahead, inside a thirty-day window
    (30, "2030-02-17", None),  # 31 days ahead
])
async def test_due_soon_is_the_schools_own_reminder_window(
    gql, world: World, db: Database, days: int, on: str, state: str | None
) -> None:
    """The same window the school's due-soon emails use (updateNotificationSettings)."""
    (dated,) = await add_courses(db, "Window 1")
    await Leader(gql, world).target_list(world.all_staff_group("ashdown"), "Window", (dated, "2030-03-20"))
    changed = await gql("""mutation($o: ID!, $d: Int!) { updateNotificationSettings(input: {organisationId: $o,
      dueSoonDays: $d}) { __typename } }""", {"o": world.org("ashdown"), "d": days}, token=world["admin"].token)
    assert changed["updateNotificationSettings"]["__typename"] == "NotificationSettingsPayload"
    (item,) = (await my_path(gql, world, "staff", on=on))["items"]
    assert item["dueState"] == state


@pytest.mark.parametrize(("school", "person"), [("ashdown", "staff"), ("birchwood", "staff_b")])
async def test_without_on_the_path_is_judged_on_the_schools_local_today(
    gql, world: World, db: Database, school: str, person: str
) -> None:
    """'Today' is the school's date (Europe/London, Australia/Sydney), not the server's."""
    zone = ZoneInfo("Europe/London" if school == "ashdown" else "Australia/Sydney")
    today = datetime.now(zone).date()
    (course,) = await add_courses(db, "Assessment")
    leader = Leader(gql, world, "owner" if school == "ashdown" else "owner_b")
    await leader.target_list(world.all_staff_group(school), "Assessment", (course, today.isoformat()))

    path = await my_path(gql, world, person)
    after = datetime.now(zone).date()
    assert path["on"] in {today.isoformat(), after.isoformat()}  # midnight may pass in between
    (item,) = path["items"]
    assert item["dueState"] == ("DUE_TODAY" if path["on"] == today.isoformat() else "OVERDUE")


@pytest.mark.parametrize(
    ("instant", "ashdown", "birchwood"),
    [
        # 20:00 UTC on 10 March: still the 10th in London, already 07:00 on the 11th in Sydney.
        (datetime(2030, 3, 10, 20, 0, tzinfo=UTC), ("2030-03-10", "DUE_TODAY"), ("2030-03-11", "OVERDUE")),
        # 12:00 UTC: the 10th in both.
        (datetime(2030, 3, 10, 12, 0, tzinfo=UTC), ("2030-03-10", "DUE_TODAY"), ("2030-03-10", "DUE_TODAY")),
        # 13:30 UTC the day before: 00:30 on the 10th in Sydney, the 9th in London.
        (datetime(2030, 3, 9, 13, 30, tzinfo=UTC), ("2030-03-09", "DUE_SOON"), ("2030-03-10", "DUE_TODAY")),
    ],
)
async def test_the_same_instant_is_a_different_day_in_each_school(
    gql, world: World, db: Database, monkeypatch: pytest.MonkeyPatch,
    instant: datetime, ashdown: tuple[str, str], birchwood: tuple[str, str],
) -> None:
    """Both schools date a course 10 March; at one and the same instant, London and Sydney can be
    on different days, so the same course is due today in one school and overdue in the other.
    The service's clock is fixed at `instant` for this."""
    import domain.local_time

    monkeypatch.setattr(domain.local_time, "utcnow", lambda: instant)
    (course,) = await add_courses(db, "Attendance")
    for school, owner in (("ashdown", "owner"), ("birchwood", "owner_b")):
        await Leader(gql, world, owner).target_list(world.all_staff_group(school), "Attendance", (course, "2030-03-10"))

    for person, (on, state) in (("staff", ashdown), ("staff_b", birchwood)):
        path = await my_path(gql, world, person)
        assert (path["on"], path["items"][0]["dueState"]) == (on, state), person


# --- Who sees a path ------------------------------------------------------------------


@pytest.fixture
async def groups(gql, world: World, db: Database) -> dict[str, Any]:
    """Staff is in ES1 and (as everyone) All Staff; Staff2 is in KS2. Dana delegates ES1, Olly
    KS2, Alex All Staff: all made delegates by an administrator through the API."""
    for key in ("dana", "olly", "alex"):
        await add_staff(db, world, key)
    a, b, c = await add_courses(db, "Safeguarding", "Phonics 1", "Maths 1")
    leader = Leader(gql, world, "admin")
    es1, ks2 = await leader.group("ES1", "staff"), await leader.group("KS2", "staff2")
    await leader.target_list(world.all_staff_group("ashdown"), "Whole school", a)
    await leader.target_list(es1, "Phonics", b)
    await leader.target_list(ks2, "Maths", c)
    await leader.delegate(es1, "dana")
    await leader.delegate(ks2, "olly")
    await leader.delegate(world.all_staff_group("ashdown"), "alex")
    return {"es1": es1, "ks2": ks2, "staff path": [cid(a), cid(b)]}


async def path_of(gql, world: World, token: str, person: str, school: str = "ashdown") -> dict | None:  # type: ignore[no-untyped-def]
    variables = {"l": world.licence(school), "p": world[person].gid, "on": EARLY}
    return (await gql(PATH_OF, variables, token=token))["learningPath"]


@pytest.mark.parametrize(
    ("viewer", "sees"),
    [
        ("staff", True),  # their own
        ("owner", True),
        ("admin", True),
        ("dana", True),  # delegate of ES1, which Staff is in
        ("alex", True),  # delegate of All Staff, which every staff member is in
        ("olly", False),  # delegate of KS2, which Staff is not in
        ("staff2", False),  # a colleague
        ("owner_b", False),
        ("staff_b", False),
        ("trust_admin", False),
        ("trust_member", False),
        ("support", False),
        ("system", False),
    ],
)
async def test_who_sees_a_staff_members_path(gql, world: World, groups: dict, viewer: str, sees: bool) -> None:
    token = world.system_token if viewer == "system" else world[viewer].token
    path = await path_of(gql, world, token, "staff")
    if sees:
        assert path is not None and courses_of(path) == groups["staff path"]
    else:
        assert path is None


async def test_a_delegate_sees_a_path_only_while_delegate_of_a_group_the_person_is_in(
    gql, world: World, groups: dict
) -> None:
    """Delegation ends, or the person leaves the group: the delegate's view of their path ends too."""
    leader = Leader(gql, world, "admin")
    assert await path_of(gql, world, world["staff2"].token, "staff") is None
    await leader.delegate(groups["es1"], "staff2")
    assert courses_of(await path_of(gql, world, world["staff2"].token, "staff")) == groups["staff path"]
    await leader.delegate(groups["es1"], "staff2", add=False)
    assert await path_of(gql, world, world["staff2"].token, "staff") is None

    assert await path_of(gql, world, world["dana"].token, "staff") is not None
    await leader.members(groups["es1"], "staff", add=False)
    assert await path_of(gql, world, world["dana"].token, "staff") is None


WHOSE_PATH = """query($l: ID!, $p: ID!) { learningPath(licenceId: $l, personId: $p) {
  items { status } person { displayName email } } }"""


@pytest.mark.parametrize(("viewer", "school", "person"), [("owner", "ashdown", "staff_b"), ("owner_b", "birchwood", "staff")])
async def test_an_administrator_learns_nothing_about_another_schools_person(
    gql, world: World, viewer: str, school: str, person: str
) -> None:
    """Naming someone of another school with one's own licence must not reveal their name or
    email through `person`: they are no one in this school, so there is no path to show."""
    response = await gql.raw(WHOSE_PATH, {"l": world.licence(school), "p": world[person].gid},
                             token=world[viewer].token)
    assert response.json()["data"] == {"learningPath": None}


async def test_the_path_of_a_person_who_does_not_exist_is_null(gql, world: World) -> None:
    """An unknown person id is answered like any object that does not exist, not with an error."""
    response = await gql.raw(WHOSE_PATH, {"l": world.licence("ashdown"), "p": global_id("Person", 999_999)},
                             token=world["owner"].token)
    assert response.json()["data"] == {"learningPath": None}


async def test_nobody_sees_a_path_through_another_schools_licence(gql, world: World, groups: dict) -> None:
    """Staff asking for their own path in Birchwood, where they are no one."""
    variables = {"l": world.licence("birchwood"), "p": world["staff"].gid, "on": EARLY}
    assert (await gql(PATH_OF, variables, token=world["staff"].token))["learningPath"] is None
    assert await my_path(gql, world, "staff", EARLY, licence="birchwood") is None


async def test_me_shows_the_callers_own_path_per_licence(gql, world: World, groups: dict) -> None:
    """`me { licences { learningPath } }` holds the same path as `me { learningPath }`; people
    with no seat or no person (trust roles, the system token) have none."""
    query = "{ me { licences { licence { id } learningPath(on: \"%s\") { items { course { id } } } } } }" % EARLY
    mine = (await gql(query, token=world["staff"].token))["me"]["licences"]
    assert mine == [{"licence": {"id": world.licence("ashdown")},
                     "learningPath": {"items": [{"course": {"id": c}} for c in groups["staff path"]]}}]
    assert courses_of(await my_path(gql, world, "staff", EARLY)) == groups["staff path"]

    assert (await gql(query, token=world["trust_admin"].token))["me"]["licences"] == []
    for who in ("trust_admin", "trust_member", "support"):
        assert await my_path(gql, world, who) is None, who
    system = await gql("{ me { learningPath { on } } }", token=world.system_token)
    assert system == {"me": {"learningPath": None}}


# --- Seats ----------------------------------------------------------------------------


async def test_a_deactivated_seat_empties_the_path_and_reactivation_restores_it_with_progress(
    gql, world: World, db: Database
) -> None:
    """All Staff and every group reach only active staff. Progress is never deleted, so it is all
    there when the seat comes back, and so are the hand-picked groups."""
    a, b = await add_courses(db, "Safeguarding", "Phonics 1")
    leader = Leader(gql, world)
    await leader.target_list(world.all_staff_group("ashdown"), "Whole school", (a, "2030-03-01"))
    await leader.target_list(await leader.group("ES1", "staff"), "Phonics", b)
    await enrol(db, world["staff"].person_id, a, started=datetime(2030, 1, 5, tzinfo=UTC),
                completed=datetime(2030, 1, 6, 12, 0, tzinfo=UTC))
    before = await my_path(gql, world, "staff", on="2030-04-01")
    assert courses_of(before) == [cid(a), cid(b)]
    assert by_course(before)[cid(a)]["status"] == "COMPLETED"

    await leader.seat("staff", active=False)
    assert (await my_path(gql, world, "staff", "2030-04-01", licence="ashdown"))["items"] == []
    assert (await path_of(gql, world, world["owner"].token, "staff"))["items"] == []
    # With no active seat, there is no licence to default to.
    assert await my_path(gql, world, "staff", "2030-04-01") is None

    await leader.seat("staff", active=True)
    assert await my_path(gql, world, "staff", on="2030-04-01") == before


async def test_a_seat_without_all_access_pass_plus_has_an_empty_path(gql, world: World, db: Database) -> None:
    """Only All Access Pass PLUS makes its holder staff for learning targets (DOMAIN.md)."""
    (a,) = await add_courses(db, "Safeguarding")
    await Leader(gql, world).target_list(world.all_staff_group("ashdown"), "Whole school", a)
    async with db.write() as session:
        seat = await session.get_one(Seat, world.seats["staff2"])
        seat.subscription = SubscriptionKind.ALL_ACCESS_PASS
    assert (await my_path(gql, world, "staff2", EARLY, licence="ashdown"))["items"] == []
    assert courses_of(await my_path(gql, world, "staff", EARLY)) == [cid(a)]
