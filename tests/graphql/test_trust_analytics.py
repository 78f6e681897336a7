"""Ad hoc progress queries for trust analysts (issue 5): `Trust.progressSummary`, checked
number by number against the same numbers counted by hand in this file, on generated
data, on both engines. Also: the filters agree with `schoolProgress`, bad input is a
typed error that runs no aggregate, and the aggregate is one SQL statement however many
schools and enrolments it covers.

`generate()` and `expected()` are shared with tests/http/test_trust_progress_csv.py."""

import random
import statistics
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Select
from sqlalchemy.dialects import postgresql, sqlite

from infra.database import Database
from domain.models import (
    ALL_STAFF_NAME, Course, Enrolment, GroupKind, Licence, Membership, MembershipRole, Organisation, OrganisationKind,
    Person, Seat, StaffGroup, StaffGroupMember, SubscriptionKind, TargetList, TargetListItem, Term, TrustGrant,
)
from resolvers.trust_analytics import Dimension, summary_statement
from domain.learning_paths import ListItem, TargetListIn, order
from resolvers.trust_scope import ProgressFilter, ProgressStatus
from schema.ids import global_id
from tests.world import World

# --- Generated data -----------------------------------------------------------------------

# (name, time zone). Kiritimati (UTC+14) and Pago Pago (UTC-11) are always a calendar day
# or more apart, so one due date is past in one and today in the other.
SCHOOLS = [("Alder School", "Pacific/Kiritimati"), ("Beech School", "Pacific/Pago_Pago"),
           ("Cherry School", "Europe/London")]
OUTSIDER = ("Damson School", "Europe/London")  # does not grant the trust
# The last person's seat, by school: no staff seat means in no staff group at all.
LAST_SEAT = [("inactive", SubscriptionKind.ALL_ACCESS_PASS_PLUS), ("active", SubscriptionKind.ALL_ACCESS_PASS),
             (None, None), ("active", SubscriptionKind.ALL_ACCESS_PASS_PLUS)]
# Completion instants on month edges: the school's zone decides the month, not UTC's.
EDGES = [datetime(2026, 3, 31, 23, 30, tzinfo=UTC), datetime(2026, 4, 30, 23, 59, 59, tzinfo=UTC),
         datetime(2026, 5, 1, 0, 0, tzinfo=UTC)]


@dataclass
class Inserted:
    """One enrolment as inserted, seen from one school the person belongs to."""

    school: int
    person: int
    person_name: str
    course: int
    course_title: str
    started: datetime
    percent: int
    seconds: int
    completed: datetime | None

    @property
    def progress(self) -> str:
        """How far along, leaving aside any due date."""
        if self.completed is not None:
            return ProgressStatus.COMPLETED
        return ProgressStatus.IN_PROGRESS if self.percent > 0 else ProgressStatus.NOT_STARTED


@dataclass
class Generated:
    schools: list[int]  # granting schools, in order
    outsider: int
    names: dict[int, str]
    zones: dict[int, str]
    courses: list[int]
    course_names: dict[int, str]  # "code title"
    enrolments: list[Inserted]
    reach: set[tuple[int, int, int]]  # (person, school, staff group): who each group reaches
    group_school: dict[int, int]
    group_names: dict[int, str]
    readers: dict[int, int]  # school -> its 'Readers' group
    lists: list[tuple[int, TargetListIn]] = field(default_factory=list)  # (group, list)

    def is_staff(self, person: int, school: int) -> bool:
        """Everyone with a staff seat is in All Staff, so reaches some group."""
        return any(p == person and s == school for p, s, _ in self.reach)

    def path(self, person: int, school: int) -> dict[int, date | None]:
        """Course -> effective due date on the person's learning path in that school, by
        the rule as written in Python (domain/learning_paths.py)."""
        groups = {g for p, s, g in self.reach if p == person and s == school}
        return {course: due for course, _, due, _ in order([t for g, t in self.lists if g in groups])}

    def gid(self, school: int) -> str:
        return global_id("Organisation", school)


async def generate(db: Database, world: World, *, schools: int = 3, people: int = 6, courses: int = 4,
                   seed: int = 5, tag: str = "K") -> Generated:
    """`schools` granting schools and one that does not grant, each with `people` people
    and `courses` courses, seeded random progress, staff groups and target lists."""
    rng = random.Random(seed)
    specs = [(f"{name} {tag}" if tag != "K" else name, zone) for name, zone in SCHOOLS[:schools]]
    specs.append((f"{OUTSIDER[0]} {tag}" if tag != "K" else OUTSIDER[0], OUTSIDER[1]))
    pago_today = datetime.now(ZoneInfo("Pacific/Pago_Pago")).date()
    enrolled: list[Inserted] = []
    reach: set[tuple[int, int, int]] = set()
    group_school: dict[int, int] = {}
    group_names: dict[int, str] = {}
    readers: dict[int, int] = {}
    lists: list[tuple[int, int, date | None]] = []
    async with db.write() as session:
        catalogue = [Course(code=f"{tag}{i}", title=f"Kestrel {tag} {i}") for i in range(1, courses + 1)]
        session.add_all(catalogue)
        orgs = [Organisation(kind=OrganisationKind.SCHOOL, name=name, designation="Academies", time_zone=zone)
                for name, zone in specs]
        session.add_all(orgs)
        await session.flush()
        for index, org in enumerate(orgs):
            word = org.name.split()[0]
            folk = [Person(email=f"{word.lower()}{tag.lower()}{i}@example.org", display_name=f"{word} Person {i}")
                    for i in range(people)]
            session.add_all(folk)
            await session.flush()
            licence = Licence(organisation_id=org.id, owner_id=folk[0].id)
            session.add(licence)
            await session.flush()
            staff: set[int] = set()
            for i, person in enumerate(folk):
                role = MembershipRole.ADMINISTRATOR if i == 0 else MembershipRole.MEMBER
                session.add(Membership(organisation_id=org.id, person_id=person.id, role=role))
                state, kind = LAST_SEAT[index % len(LAST_SEAT)] if i == people - 1 and people > 2 else (
                    "active", SubscriptionKind.ALL_ACCESS_PASS_PLUS)
                if state is not None:
                    session.add(Seat(licence_id=licence.id, person_id=person.id, subscription=kind,
                                     active=state == "active"))
                    if state == "active" and kind == SubscriptionKind.ALL_ACCESS_PASS_PLUS:
                        staff.add(person.id)
            all_staff = StaffGroup(licence_id=licence.id, name=ALL_STAFF_NAME, kind=GroupKind.ALL_STAFF)
            reading = StaffGroup(licence_id=licence.id, name="Readers", kind=GroupKind.STAFF)
            leading = StaffGroup(licence_id=licence.id, name="Leaders", kind=GroupKind.STAFF)
            session.add_all([all_staff, reading, leading])
            await session.flush()
            picked = {reading.id: [folk[i].id for i in (1, 2, people - 1) if i < people],
                      leading.id: [folk[i].id for i in (0, 1) if i < people]}
            for group_id, members in picked.items():
                session.add_all(StaffGroupMember(group_id=group_id, person_id=p) for p in set(members))
            for group in (all_staff, reading, leading):
                group_school[group.id] = org.id
                group_names[group.id] = group.name
            readers[org.id] = reading.id
            for p in staff:
                reach.add((p, org.id, all_staff.id))
                reach |= {(p, org.id, g) for g, members in picked.items() if p in members}

            # Target lists. Alder and Beech: Readers must finish course 1 then course 2, due
            # on Pago Pago's today: past in Kiritimati, not yet past in Pago Pago. Cherry
            # (and the outsider): All Staff's course 3 long overdue, course 4 due far ahead.
            plans: list[tuple[StaffGroup, list[tuple[int, date | None]]]] = []
            if index < 2 and courses >= 2:
                plans.append((reading, [(catalogue[0].id, None), (catalogue[1].id, pago_today)]))
            elif courses >= 4:
                plans.append((all_staff, [(catalogue[2].id, date(2020, 1, 1))]))
                plans.append((leading, [(catalogue[3].id, date(2999, 1, 1)), (catalogue[2].id, None)]))
            for group, items in plans:
                target = TargetList(group_id=group.id, name="Plan")
                session.add(target)
                await session.flush()
                session.add_all(TargetListItem(list_id=target.id, course_id=c, position=pos, due_on=due)
                                for pos, (c, due) in enumerate(items))
                lists.append((group.id, TargetListIn(target.id, [ListItem(c, due) for c, due in items])))

            for person in folk:
                for course in catalogue:
                    if rng.random() < 0.15:
                        continue  # not enrolled
                    started = datetime(2026, 1, 5, tzinfo=UTC) + timedelta(days=rng.randint(0, 150),
                                                                             minutes=rng.randint(0, 1439))
                    percent = rng.choice([0, 0, 20, 55, 90, 100, 100, 100])
                    seconds = 0 if percent == 0 and rng.random() < 0.5 else rng.randint(1, 9000)
                    completed = None
                    if percent == 100:
                        completed = rng.choice(EDGES) if rng.random() < 0.25 else (
                            started + timedelta(days=rng.randint(0, 40), seconds=rng.randint(0, 86399)))
                    session.add(Enrolment(person_id=person.id, course_id=course.id, started_at=started,
                                          progress_percent=percent, seconds_spent=seconds, completed_at=completed,
                                          updated_at=completed or started))
                    enrolled.append(Inserted(org.id, person.id, person.display_name, course.id, course.title,
                                             started, percent, seconds, completed))
        granting = [o.id for o in orgs[:-1]]
        session.add_all(TrustGrant(school_id=s, trust_id=world.organisations["trust"]) for s in granting)
    return Generated(
        schools=granting, outsider=orgs[-1].id, names={o.id: o.name for o in orgs},
        zones={o.id: o.time_zone for o in orgs}, courses=[c.id for c in catalogue],
        course_names={c.id: f"{c.code} {c.title}" for c in catalogue}, enrolments=enrolled, reach=reach,
        group_school=group_school, group_names=group_names, readers=readers, lists=lists,
    )


# --- Counting by hand ---------------------------------------------------------------------


def overdue(data: Generated, e: Inserted) -> bool:
    """Not completed, and past its effective due date on the person's learning path in
    that school, judged by that school's local date."""
    if e.completed is not None:
        return False
    today = datetime.now(ZoneInfo(data.zones[e.school])).date()
    due = data.path(e.person, e.school).get(e.course)
    return due is not None and due < today


def status(data: Generated, e: Inserted) -> str:
    """Completed, else overdue, else how far along."""
    return ProgressStatus.OVERDUE if overdue(data, e) else e.progress


def key_of(data: Generated, e: Inserted, dims: list[str], group: int | None) -> tuple:
    values = {
        "SCHOOL": global_id("Organisation", e.school),
        "COURSE": global_id("Course", e.course),
        "STAFF_GROUP": global_id("StaffGroup", group) if group is not None else None,
        "MONTH_COMPLETED": local_day(data, e.school, e.completed).isoformat()[:7] if e.completed else None,
        "STATUS": str(status(data, e)),
    }
    return tuple(values[d] for d in dims)


def measures(data: Generated, rows: list[Inserted]) -> dict[str, Any]:
    seconds = [e.seconds for e in rows]
    completed = sum(e.progress == ProgressStatus.COMPLETED for e in rows)
    return {
        "enrolments": len(rows),
        "completed": completed,
        "inProgress": sum(e.progress == ProgressStatus.IN_PROGRESS for e in rows),
        "notStarted": sum(e.progress == ProgressStatus.NOT_STARTED for e in rows),
        "overdue": sum(overdue(data, e) for e in rows),
        "completionRate": round(completed / len(rows), 4),
        "meanSecondsSpent": statistics.fmean(seconds),
        # statistics.median: the mean of the two middle values for an even count.
        "medianSecondsSpent": float(statistics.median(seconds)),
    }


def expected(data: Generated, dims: list[str], schools: list[int] | None = None,
             keep: Callable[[Inserted], bool] = lambda e: True, group: int | None = None) -> dict[tuple, dict]:
    """The aggregate, counted from the rows this file inserted: staff enrolments only."""
    chosen = set(schools or data.schools)
    buckets: dict[tuple, list[Inserted]] = defaultdict(list)
    for e in data.enrolments:
        if e.school not in chosen or not data.is_staff(e.person, e.school) or not keep(e):
            continue
        groups = sorted(g for p, s, g in data.reach if p == e.person and s == e.school)
        if group is not None:
            if group not in groups:
                continue
            groups = [group]
        if "STAFF_GROUP" in dims:
            for g in groups:
                buckets[key_of(data, e, dims, g)].append(e)
        else:
            buckets[key_of(data, e, dims, None)].append(e)
    return {key: measures(data, rows) for key, rows in buckets.items()}


SUMMARY = """
query($trust: ID!, $groupBy: [ProgressDimension!]!, $schools: [ID!], $filter: SchoolProgressFilter) {
  trust(id: $trust) { progressSummary(groupBy: $groupBy, schoolIds: $schools, filter: $filter) {
    school { id name } course { id code title } staffGroup { id name } monthCompleted termCompleted { name } status
    enrolments completed inProgress notStarted overdue completionRate meanSecondsSpent medianSecondsSpent } } }
"""
MEASURES = ["enrolments", "completed", "inProgress", "notStarted", "overdue", "completionRate",
            "meanSecondsSpent", "medianSecondsSpent"]
DIMENSION_FIELD = {"SCHOOL": "school", "COURSE": "course", "STAFF_GROUP": "staffGroup",
                   "MONTH_COMPLETED": "monthCompleted", "STATUS": "status"}


def row_key(row: dict[str, Any], dims: list[str]) -> tuple:
    """A row's dimension values; those not grouped by must be null."""
    for dim, name in DIMENSION_FIELD.items():
        if dim not in dims:
            assert row[name] is None, (dim, row)
    return tuple(row[DIMENSION_FIELD[d]]["id"] if d in ("SCHOOL", "COURSE", "STAFF_GROUP")
                 else row[DIMENSION_FIELD[d]] for d in dims)


async def summary_rows(gql, world: World, dims: list[str], schools: list[str] | None = None,
                       filter: dict | None = None, token: str | None = None) -> list[dict[str, Any]]:
    data = await gql(SUMMARY, {"trust": world.org("trust"), "groupBy": dims, "schools": schools, "filter": filter},
                     token=token or world["trust_admin"].token)
    return data["trust"]["progressSummary"]


async def summary(gql, world: World, dims: list[str], schools: list[str] | None = None,
                  filter: dict | None = None) -> dict[tuple, dict]:
    rows = await summary_rows(gql, world, dims, schools, filter)
    keyed = {row_key(r, dims): {m: r[m] for m in MEASURES} for r in rows}
    assert len(keyed) == len(rows), "one row per combination of the dimensions' values"
    return keyed


def assert_same(actual: dict[tuple, dict], wanted: dict[tuple, dict]) -> None:
    assert sorted(actual, key=repr) == sorted(wanted, key=repr)
    for key, numbers in wanted.items():
        approx = {m: pytest.approx(v, abs=1e-6) if isinstance(v, float) else v for m, v in numbers.items()}
        assert actual[key] == approx, key


# --- The numbers ----------------------------------------------------------------------------

GROUPINGS = [["SCHOOL"], ["COURSE"], ["SCHOOL", "COURSE"], ["STATUS"], ["MONTH_COMPLETED"], ["STAFF_GROUP"],
             ["SCHOOL", "STATUS"], ["COURSE", "MONTH_COMPLETED"], ["SCHOOL", "STAFF_GROUP", "STATUS"], []]


@pytest.mark.parametrize("dims", GROUPINGS, ids=["-".join(g) or "overall" for g in GROUPINGS])
async def test_the_aggregate_matches_a_count_by_hand(gql, world: World, db: Database, dims: list[str]) -> None:
    data = await generate(db, world)
    wanted = expected(data, dims)
    assert_same(await summary(gql, world, dims), wanted)


async def test_the_generated_data_exercises_every_measure(db: Database, world: World) -> None:
    """Guards the test above against easy data: even and odd medians, every status, some
    overdue and some not, completions on month edges and a staff group of each kind."""
    data = await generate(db, world)
    by_school = expected(data, ["SCHOOL", "COURSE"])
    counts = {m["enrolments"] % 2 for m in by_school.values()}
    assert counts == {0, 1}
    overall = expected(data, ["SCHOOL"])
    assert all(m["completed"] and m["inProgress"] and m["notStarted"] for m in overall.values())
    alder, beech, cherry = data.schools
    assert overall[(data.gid(alder),)]["overdue"] > 0 and overall[(data.gid(cherry),)]["overdue"] > 0
    assert overall[(data.gid(beech),)]["overdue"] == 0
    assert {e.completed for e in data.enrolments} & set(EDGES)


async def test_month_completed_is_the_schools_month_and_null_comes_last(gql, world: World, db: Database) -> None:
    """23:30 UTC on 31 March is already April in Kiritimati (Alder): Alder's completions
    fall in its own months, not UTC's."""
    data = await generate(db, world)
    rows = await summary_rows(gql, world, ["MONTH_COMPLETED"])
    months = [r["monthCompleted"] for r in rows]
    assert months[-1] is None and months[:-1] == sorted(months[:-1])
    unfinished = next(r for r in rows if r["monthCompleted"] is None)
    assert unfinished["completed"] == 0 and unfinished["completionRate"] == 0
    alder = data.schools[0]
    by_school = {(r["school"]["id"], r["monthCompleted"]): r["completed"]
                 for r in await summary_rows(gql, world, ["SCHOOL", "MONTH_COMPLETED"])}
    assert EDGES[0].strftime("%Y-%m") == "2026-03"
    for school, month in ((alder, "2026-04"),):
        edge = [e for e in data.enrolments if e.completed == EDGES[0] and e.school == school
                and data.is_staff(e.person, school)]
        assert edge, "the data puts a completion on the edge in this school"
        assert local_day(data, school, EDGES[0]).isoformat()[:7] == month
        counted = sum(1 for e in data.enrolments if e.school == school and e.completed and data.is_staff(e.person, school)
                      and local_day(data, school, e.completed).isoformat()[:7] == month)
        assert by_school[(data.gid(school), month)] == counted


async def test_term_completed_is_the_schools_term_holding_its_local_day(gql, world: World, db: Database) -> None:
    """Alder's terms split at 1 April: 23:30 UTC on 31 March is already the summer term in
    Kiritimati. A completion outside every term, and no completion, are null."""
    data = await generate(db, world)
    alder = data.schools[0]
    terms = [("Spring 2026", date(2026, 1, 1), date(2026, 3, 31)), ("Summer 2026", date(2026, 4, 1), date(2026, 5, 15))]
    async with db.write() as session:
        session.add_all(Term(organisation_id=alder, name=n, starts_on=a, ends_on=b) for n, a, b in terms)
    rows = await summary_rows(gql, world, ["SCHOOL", "TERM_COMPLETED"], schools=[data.gid(alder)])
    got = {(r["termCompleted"] or {}).get("name"): r["enrolments"] for r in rows}
    wanted: dict[str | None, int] = defaultdict(int)
    for e in data.enrolments:
        if e.school != alder or not data.is_staff(e.person, alder):
            continue
        day = local_day(data, alder, e.completed) if e.completed else None
        wanted[next((n for n, a, b in terms if day and a <= day <= b), None)] += 1
    assert got == wanted
    assert local_day(data, alder, EDGES[0]) == date(2026, 4, 1) and got["Summer 2026"] and got["Spring 2026"]


async def test_only_staff_count_never_learners_or_parents(gql, world: World, db: Database) -> None:
    """A person without an active All Access Pass PLUS seat (no seat, an inactive one, or a
    learner's) is in no staff group and in no figure, whatever their progress."""
    data = await generate(db, world)
    rows = await summary_rows(gql, world, ["STAFF_GROUP"])
    assert {r["staffGroup"]["name"] for r in rows} == {"All Staff", "Readers", "Leaders"}
    all_staff = sum(r["enrolments"] for r in rows if r["staffGroup"]["name"] == "All Staff")
    per_school = sum(r["enrolments"] for r in await summary_rows(gql, world, ["SCHOOL"]))
    inserted = [e for e in data.enrolments if e.school in data.schools]
    staff = [e for e in inserted if data.is_staff(e.person, e.school)]
    assert all_staff == per_school == len(staff) < len(inserted)


async def test_overdue_follows_each_persons_path_and_each_schools_local_date(gql, world: World, db: Database) -> None:
    """Alder and Beech share a due date: past in Kiritimati, today in Pago Pago. Completed
    enrolments are never overdue; courses on no list never are. In Cherry, Leaders' list
    dates course 4 in 2999 with course 3 after it, and All Staff's list dates course 3 in
    2020: on a leader's path course 4 is due by 2020, so overdue for leaders only."""
    data = await generate(db, world)
    alder, beech, cherry = data.schools
    rows = await summary_rows(gql, world, ["SCHOOL", "COURSE", "STATUS"])
    by_key = {(r["school"]["id"], r["course"]["id"], r["status"]): r["overdue"] for r in rows}
    assert all(n == 0 for (_, _, status), n in by_key.items() if status == "COMPLETED")
    first = global_id("Course", data.courses[0])
    alder_c1 = [n for (s, c, status), n in by_key.items() if s == data.gid(alder) and c == first]
    beech_c1 = [n for (s, c, status), n in by_key.items() if s == data.gid(beech) and c == first]
    assert sum(alder_c1) > 0 and sum(beech_c1) == 0

    def cherry_overdue(course: int) -> int:
        return sum(n for (s, c, _), n in by_key.items() if s == data.gid(cherry) and c == global_id("Course", course))

    assert cherry_overdue(data.courses[1]) == 0
    leaders = {p for p, s, g in data.reach if s == cherry and data.group_names[g] == "Leaders"}
    fourth = [e for e in data.enrolments if e.school == cherry and e.course == data.courses[3] and e.completed is None]
    assert cherry_overdue(data.courses[3]) == sum(e.person in leaders for e in fourth) > 0


# --- Schools and filters ------------------------------------------------------------------


async def test_a_subset_of_schools(gql, world: World, db: Database) -> None:
    data = await generate(db, world)
    chosen = [data.schools[0], data.schools[2]]
    actual = await summary(gql, world, ["SCHOOL", "COURSE"], [data.gid(s) for s in chosen])
    assert_same(actual, expected(data, ["SCHOOL", "COURSE"], chosen))
    assert {key[0] for key in actual} == {data.gid(s) for s in chosen}


def local_day(data: Generated, school: int, instant: datetime) -> date:
    return instant.astimezone(ZoneInfo(data.zones[school])).date()


def filters(data: Generated) -> dict[str, tuple[dict[str, Any], Callable[[Inserted], bool]]]:
    """Each filter as GraphQL takes it, and the same condition as Python counts it."""
    course = data.courses[1]
    spring, summer = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC)
    return {
        "course": ({"courseId": global_id("Course", course)}, lambda e: e.course == course),
        "not started": ({"status": "NOT_STARTED"}, lambda e: status(data, e) == ProgressStatus.NOT_STARTED),
        "in progress": ({"status": "IN_PROGRESS"}, lambda e: status(data, e) == ProgressStatus.IN_PROGRESS),
        "overdue": ({"status": "OVERDUE"}, lambda e: status(data, e) == ProgressStatus.OVERDUE),
        "completed": ({"status": "COMPLETED"}, lambda e: status(data, e) == ProgressStatus.COMPLETED),
        # 23:30 UTC on 31 March is already 1 April in Kiritimati: Alder counts it, London not.
        "completed on April's school-local days": (
            {"completedFrom": "2026-04-01", "completedTo": "2026-04-30"},
            lambda e: e.completed is not None and date(2026, 4, 1) <= local_day(data, e.school, e.completed)
            <= date(2026, 4, 30)),
        "started from a school-local day": ({"startedFrom": "2026-03-01"},
                                            lambda e: local_day(data, e.school, e.started) >= date(2026, 3, 1)),
        "started in spring": ({"startedSince": "2026-03-01T00:00:00Z", "startedUntil": "2026-05-01T00:00:00Z"},
                              lambda e: spring <= e.started < summer),
        "completed in spring": (
            {"completedSince": "2026-03-01T00:00:00Z", "completedUntil": "2026-05-01T00:00:00Z"},
            lambda e: e.completed is not None and spring <= e.completed < summer),
        "completed since May, a month edge": ({"completedSince": "2026-05-01T00:00:00Z"},
                                              lambda e: e.completed is not None and e.completed >= summer),
        "name": ({"search": "person 2"}, lambda e: "person 2" in e.person_name.lower()),
        "course and status": ({"courseId": global_id("Course", course), "status": "COMPLETED"},
                              lambda e: e.course == course and e.progress == ProgressStatus.COMPLETED),
    }


FILTERS = ["course", "not started", "in progress", "overdue", "completed", "completed on April's school-local days",
           "started from a school-local day", "started in spring", "completed in spring",
           "completed since May, a month edge", "name", "course and status"]


@pytest.mark.parametrize("name", FILTERS)
async def test_each_filter_matches_a_count_by_hand_and_school_progress(
    gql, world: World, db: Database, name: str
) -> None:
    """The same filter over the aggregate and over one school's progress list: the same rows."""
    data = await generate(db, world)
    where, keep = filters(data)[name]
    actual = await summary(gql, world, ["SCHOOL", "STATUS"], filter=where)
    wanted = expected(data, ["SCHOOL", "STATUS"], keep=keep)
    assert wanted, "the filter keeps something"
    assert_same(actual, wanted)
    for school in data.schools:
        listed = await school_progress_count(gql, world, data.gid(school), where)
        assert listed == sum(m["enrolments"] for k, m in actual.items() if k[0] == data.gid(school))


SCHOOL_PROGRESS = """
query($trust: ID!, $school: ID!, $filter: SchoolProgressFilter) {
  trust(id: $trust) { schoolProgress(schoolId: $school, filter: $filter) { totalCount } } }
"""


async def school_progress_count(gql, world: World, school: str, where: dict) -> int:
    data = await gql(SCHOOL_PROGRESS, {"trust": world.org("trust"), "school": school, "filter": where},
                     token=world["trust_admin"].token)
    return data["trust"]["schoolProgress"]["totalCount"]


async def test_the_name_search_also_finds_course_titles_as_the_filter_says(gql, world: World, db: Database) -> None:
    """SchoolProgressFilter.search is 'Part of a person's name or a course title': the
    aggregate takes the same input, so the same search must keep the same enrolments."""
    data = await generate(db, world)
    title = data.enrolments[0].course_title
    where = {"search": title.upper()}
    actual = await summary(gql, world, ["SCHOOL"], filter=where)
    assert_same(actual, expected(data, ["SCHOOL"], keep=lambda e: e.course_title == title))
    for school in data.schools:
        assert await school_progress_count(gql, world, data.gid(school), where) == actual[(data.gid(school),)][
            "enrolments"]


async def test_a_staff_group_filter(gql, world: World, db: Database) -> None:
    data = await generate(db, world)
    alder = data.schools[0]
    readers = data.readers[alder]
    where = {"staffGroupId": global_id("StaffGroup", readers)}
    actual = await summary(gql, world, ["SCHOOL", "COURSE"], filter=where)
    assert_same(actual, expected(data, ["SCHOOL", "COURSE"], group=readers))
    assert {k[0] for k in actual} == {data.gid(alder)}
    assert await school_progress_count(gql, world, data.gid(alder), where) == sum(
        m["enrolments"] for m in actual.values())


# --- Bad input: a typed error, and no aggregate run -------------------------------------


def aggregate_ran(count_statements, since: int) -> bool:
    return any("enrolment" in s.lower() for s in count_statements.statements[since:])


async def refused(gql, world: World, count_statements, dims: list[str], schools: list[str] | None = None,
                  filter: dict | None = None) -> list[dict[str, Any]]:
    """The errors of a refused aggregate, after checking no aggregate was run for it."""
    before = count_statements.count
    response = await gql.raw(SUMMARY, {"trust": world.org("trust"), "groupBy": dims, "schools": schools,
                                       "filter": filter}, token=world["trust_admin"].token)
    body = response.json()
    assert body.get("errors"), body
    trust = (body.get("data") or {}).get("trust")
    assert trust is None or trust["progressSummary"] is None, body  # only the refused field is blanked
    assert not aggregate_ran(count_statements, before), "bad input must not reach the database's enrolments"
    return body["errors"]


async def test_an_unknown_dimension_is_a_request_error(gql, world: World, db: Database, count_statements) -> None:
    await generate(db, world)
    (error,) = await refused(gql, world, count_statements, ["SCHOOL", "BOGUS"])
    assert "BOGUS" in error["message"] and "ProgressDimension" in error["message"]


async def test_a_dimension_named_twice_is_refused(gql, world: World, db: Database, count_statements) -> None:
    await generate(db, world)
    (error,) = await refused(gql, world, count_statements, ["SCHOOL", "SCHOOL"])
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("VALIDATION", "groupBy")


@pytest.mark.parametrize("school", ["outsider", "unknown", "world school"])
async def test_a_school_that_did_not_grant_access_is_not_found(
    gql, world: World, db: Database, count_statements, school: str
) -> None:
    """Named alone or beside granting schools, it is refused, and refused exactly like a
    school that does not exist."""
    data = await generate(db, world)
    named = {"outsider": data.gid(data.outsider), "unknown": global_id("Organisation", 999_999),
             "world school": world.org("ashdown")}[school]
    for schools in ([named], [data.gid(data.schools[0]), named]):
        (error,) = await refused(gql, world, count_statements, ["SCHOOL"], schools)
        assert (error["extensions"]["code"], error["extensions"].get("field")) == ("NOT_FOUND", "schoolIds")
        assert "Damson" not in error["message"]


@pytest.mark.parametrize(("since", "until"), [("startedSince", "startedUntil"),
                                              ("completedSince", "completedUntil")])
async def test_a_period_ending_before_it_starts_is_refused(
    gql, world: World, db: Database, count_statements, since: str, until: str
) -> None:
    await generate(db, world)
    (error,) = await refused(gql, world, count_statements, ["SCHOOL"],
                             filter={since: "2026-05-01T00:00:00Z", until: "2026-04-30T23:59:59Z"})
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("VALIDATION", f"filter.{until}")


async def test_a_staff_group_of_a_school_without_access_tells_nothing(gql, world: World, db: Database) -> None:
    """Filtering by the outsider's All Staff is answered exactly as a group that does not
    exist: the aggregate stays over the granting schools."""
    data = await generate(db, world)
    outsider_group = next(g for g, s in data.group_school.items() if s == data.outsider)

    async def outcome(group: int) -> tuple[Any, list]:
        body = (await gql.raw(SUMMARY, {"trust": world.org("trust"), "groupBy": ["SCHOOL"],
                                        "filter": {"staffGroupId": global_id("StaffGroup", group)}},
                              token=world["trust_admin"].token)).json()
        return body.get("data"), [(e["extensions"].get("code"), e["extensions"].get("field"))
                                  for e in body.get("errors", [])]

    assert await outcome(outsider_group) == await outcome(999_999)


async def csv_get(client, world: World, token: str | None = None, **params: str):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {token or world['trust_admin'].token}"}
    return await client.get(f"/reports/trusts/{quote(world.org('trust'), safe='')}/progress.csv",
                            params=params, headers=headers)


@pytest.mark.parametrize(("params", "status", "mentions"), [
    ({"groupBy": "BOGUS"}, 400, "BOGUS"),
    ({"groupBy": "SCHOOL,bogus"}, 400, "bogus"),
    ({"groupBy": "SCHOOL,SCHOOL"}, 400, "groupBy"),
    ({"groupBy": "SCHOOL", "status": "DONE"}, 400, "status"),
    ({"groupBy": "SCHOOL", "startedSince": "2026-05-01T00:00:00Z", "startedUntil": "2026-04-01T00:00:00Z"},
     400, "startedUntil"),
    ({"groupBy": "SCHOOL", "completedSince": "2026-05-01T00:00:00Z", "completedUntil": "2026-04-01T00:00:00Z"},
     400, "completedUntil"),
    ({"groupBy": "SCHOOL", "startedSince": "yesterday"}, 400, "startedSince"),
    ({"groupBy": "SCHOOL", "schoolIds": "outsider"}, 404, None),
], ids=["unknown dimension", "lower case", "twice", "bad status", "started period", "completed period",
        "bad instant", "school without access"])
async def test_bad_input_in_the_csv(client, world: World, db: Database, count_statements, params: dict,
                                    status: int, mentions: str | None) -> None:
    data = await generate(db, world)
    if params.get("schoolIds") == "outsider":
        params = params | {"schoolIds": f"{data.gid(data.schools[0])},{data.gid(data.outsider)}"}
    before = count_statements.count
    response = await csv_get(client, world, **params)
    assert response.status_code == status, response.text
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == {400: "VALIDATION", 404: "NOT_FOUND"}[status]
    if mentions:
        assert mentions in error["message"]
    assert "Damson" not in response.text
    assert not aggregate_ran(count_statements, before)


# --- One statement ------------------------------------------------------------------------

NESTED = """
query($trust: ID!, $groupBy: [ProgressDimension!]!) {
  trust(id: $trust) { progressSummary(groupBy: $groupBy) {
    school { name } course { title } staffGroup { name } enrolments completionRate medianSecondsSpent overdue } } }
"""


async def summary_statements(gql, world: World, count_statements, dims: list[str]) -> tuple[int, list[str], int]:
    before = count_statements.count
    data = await gql(NESTED, {"trust": world.org("trust"), "groupBy": dims}, token=world["trust_admin"].token)
    ran = count_statements.statements[before:]
    touching = [s for s in ran if "enrolment" in s.lower()]
    return len(ran), touching, len(data["trust"]["progressSummary"])


@pytest.mark.parametrize("dims", [["SCHOOL", "COURSE", "STAFF_GROUP"], ["MONTH_COMPLETED", "STATUS"]])
async def test_the_aggregate_costs_the_same_statements_for_small_and_larger_data(
    gql, world: World, db: Database, count_statements, dims: list[str]
) -> None:
    """One school with two people and one course, then four more schools with many more
    people and courses: the same statements, one of which reads the enrolments."""
    await generate(db, world, schools=1, people=2, courses=1, tag="S", seed=1)
    small, small_reads, small_rows = await summary_statements(gql, world, count_statements, dims)
    await generate(db, world, schools=3, people=8, courses=4, tag="L", seed=2)
    large, large_reads, large_rows = await summary_statements(gql, world, count_statements, dims)
    assert large_rows > small_rows > 0
    assert len(small_reads) == len(large_reads) == 1, large_reads
    assert small == large, f"{small} statements for the small data, {large} for the larger"


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()], ids=["sqlite", "postgresql"])
def test_summary_statement_is_a_single_select(dialect: Any) -> None:
    """Every dimension and every filter at once still compiles to one SELECT (with CTEs)."""
    where = ProgressFilter(
        course_id=1, staff_group_id=2, status=ProgressStatus.IN_PROGRESS,
        started_since=datetime(2026, 1, 1, tzinfo=UTC), started_until=datetime(2026, 2, 1, tzinfo=UTC),
        completed_since=datetime(2026, 1, 1, tzinfo=UTC), completed_until=datetime(2026, 2, 1, tzinfo=UTC),
        search="ann",
    )
    stmt = summary_statement(dialect.name, {1: "Europe/London", 2: "Pacific/Kiritimati"}, where, list(Dimension))
    assert isinstance(stmt, Select)
    sql = str(stmt.compile(dialect=dialect)).strip()
    assert sql.upper().startswith("WITH")
    assert ";" not in sql
    # The effective due dates' CTE groups (domain/learning_paths_sql.py), then the aggregate once.
    assert sql.upper().count("GROUP BY") == 2


async def test_someone_on_the_staff_of_two_granting_schools_counts_once_unless_grouped_by_school(
    gql, world: World, db: Database
) -> None:
    """A teacher working across two schools of the trust: their enrolment is one enrolment in
    a course's totals, and counts in each school when grouped by school."""
    grant = "mutation($s: ID!, $t: ID!) { grantTrustAccess(input: {schoolId: $s, trustId: $t}) { __typename } }"
    for school, owner in (("ashdown", "owner"), ("birchwood", "owner_b")):
        await gql(grant, {"s": world.org(school), "t": world.org("trust")}, token=world[owner].token)
    joined = await gql(
        """mutation($o: ID!, $e: String!) { addMember(input: {organisationId: $o, email: $e, displayName: "Staff"}) {
          __typename } }""",
        {"o": world.org("birchwood"), "e": world["staff"].email}, token=world["owner_b"].token,
    )
    assert joined["addMember"]["__typename"] == "MembershipPayload"
    async with db.write() as session:
        session.add(Seat(licence_id=world.licences["birchwood"], person_id=world["staff"].person_id,
                         subscription=SubscriptionKind.ALL_ACCESS_PASS_PLUS, active=True))
        session.add(Enrolment(person_id=world["staff"].person_id, course_id=world.courses[0],
                              started_at=datetime(2026, 3, 1, tzinfo=UTC), progress_percent=40, seconds_spent=600))
    query = """query($t: ID!, $by: [ProgressDimension!]!) { trust(id: $t) { progressSummary(groupBy: $by) {
      school { name } course { id } enrolments } } }"""
    by_course = await gql(query, {"t": world.org("trust"), "by": ["COURSE"]}, token=world["trust_admin"].token)
    assert by_course["trust"]["progressSummary"] == [
        {"school": None, "course": {"id": global_id("Course", world.courses[0])}, "enrolments": 1}
    ]
    overall = await gql(query, {"t": world.org("trust"), "by": []}, token=world["trust_admin"].token)
    assert [row["enrolments"] for row in overall["trust"]["progressSummary"]] == [1]
    by_school = await gql(query, {"t": world.org("trust"), "by": ["SCHOOL"]}, token=world["trust_admin"].token)
    assert sorted((r["school"]["name"], r["enrolments"]) for r in by_school["trust"]["progressSummary"]) == [
        ("Ashdown Primary", 1), ("Birchwood Academy", 1),
    ]
