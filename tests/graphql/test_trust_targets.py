"""Learning targets across a trust: `Trust.targetSummary`, `Trust.targets` and
/reports/trusts/{id}/targets.csv, on both engines.

- The trust's figures for each (school, staff group) equal that group's own report for
  the same day, on the demo and on a generated trust of 50 schools.
- Per person, each target is judged on the person's learning path: the list equals a
  count by hand with the rule written in Python (domain/learning_paths.py).
- Staff only: a learner with progress in a target course is in no answer.
- The list and its CSV each read their rows in one SQL statement however large the trust.
"""

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app import demo
from domain.learning_paths import ListItem, Progress, TargetListIn, holds, learning_path
from domain.models import (
    ALL_STAFF_NAME, Course, Enrolment, GroupKind, Licence, Membership, MembershipRole, Organisation, OrganisationKind,
    Person, Seat, StaffGroup, StaffGroupMember, SubscriptionKind, TargetExtension, TargetList, TargetListItem, Term,
    TrustGrant,
)
from infra.database import Database
from domain.local_time import local_date, local_today
from resolvers.reports import group_report
from resolvers.targets import GroupInSchool
from schema.ids import global_id
from tests.spreadsheets import read_csv
from tests.world import World

ZONES = ["Europe/London", "Pacific/Kiritimati", "Pacific/Pago_Pago", "America/New_York"]
GROUP_NAMES = ["Early Career Teachers", "Teaching Assistants"]


@dataclass
class Trust:
    """A generated trust as inserted, for counting by hand."""

    schools: list[int]
    zones: dict[int, str]
    courses: list[int]
    people: dict[int, tuple[str, str]]  # person -> (name, email)
    staff: set[tuple[int, int]]  # (person, school)
    reach: set[tuple[int, int, int]]  # (person, school, group)
    group_names: dict[int, str]
    lists: list[tuple[int, TargetListIn]]  # (group, list)
    enrolled: dict[tuple[int, int], tuple[int, datetime | None]]  # (person, course) -> (percent, completed)
    learner_email: str = ""
    terms: dict[int, list[tuple[int, date, date]]] = field(default_factory=dict)
    # (person, school) -> their extensions in force: course (None: every target) -> date
    extensions: dict[tuple[int, int], dict[int | None, date]] = field(default_factory=dict)

    def path(self, person: int, school: int) -> dict[int, tuple[date | None, bool]]:
        """course -> (effective due date, whether its completion counts as done today) on the
        person's path, as their extensions move dates and their completions renew."""
        groups = {g for p, s, g in self.reach if p == person and s == school}
        extended = self.extensions.get((person, school), {})
        zone = self.zones[school]
        today = local_today(zone)
        progress = {course: Progress(True, local_date(completed, zone) if completed else None)
                    for (who, course), (_percent, completed) in self.enrolled.items() if who == person}
        path = learning_path([t for g, t in self.lists if g in groups], progress, today, extensions=extended)
        return {item.course_id: (item.effective_due_on, holds(item, today)) for item in path}

    def status(self, person: int, school: int, course: int, due: date | None, done: bool) -> str:
        percent, _completed = self.enrolled.get((person, course), (None, None))
        if done:
            return "COMPLETED"
        if due is not None and due < local_today(self.zones[school]):
            return "OVERDUE"
        return "IN_PROGRESS" if percent is not None else "NOT_STARTED"

    def lapsed(self) -> int:
        """Targets completed once whose completion has lapsed: renewing courses at work."""
        return sum(1 for person, school in self.staff for course, (_due, done) in self.path(person, school).items()
                   if not done and self.enrolled.get((person, course), (None, None))[1] is not None)

    def by_hand(self) -> dict[tuple[str, str, str], tuple[str, str | None]]:
        """(school, email, course) -> (status, due on) for every target, per person's path."""
        out = {}
        for person, school in self.staff:
            for course, (due, done) in self.path(person, school).items():
                key = (global_id("Organisation", school), self.people[person][1], global_id("Course", course))
                out[key] = (self.status(person, school, course, due, done), due.isoformat() if due else None)
        return out


async def generate(db: Database, world: World, *, schools: int, seed: int = 7) -> Trust:
    """`schools` granting schools of 4 to 7 people each: All Staff and two named groups,
    ordered lists sharing courses (so dates reach across lists), dates past, today and to
    come in several time zones, terms, random progress, and one pupil with progress."""
    rng = random.Random(seed)
    trust_id = world.organisations["trust"]
    async with db.write() as session:
        catalogue = [Course(code=f"T{seed}-{i}", title=f"Target course {seed}-{i}") for i in range(8)]
        session.add_all(catalogue)
        orgs = [Organisation(kind=OrganisationKind.SCHOOL, name=f"School {seed}-{s:02}", designation="Academies",
                             time_zone=ZONES[s % len(ZONES)]) for s in range(schools)]
        session.add_all(orgs)
        await session.flush()
        data = Trust(schools=[o.id for o in orgs], zones={o.id: o.time_zone for o in orgs},
                     courses=[c.id for c in catalogue], people={}, staff=set(), reach=set(), group_names={}, lists=[],
                     enrolled={})
        for s, org in enumerate(orgs):
            today = local_today(org.time_zone)
            folk = [Person(email=f"s{s}p{i}.{seed}@targets.example", display_name=f"Person {s:02}-{i}")
                    for i in range(rng.randint(4, 7))]
            session.add_all(folk)
            await session.flush()
            data.people |= {p.id: (p.display_name, p.email) for p in folk}
            licence = Licence(organisation_id=org.id, owner_id=folk[0].id)
            session.add(licence)
            await session.flush()
            for i, person in enumerate(folk):
                session.add(Membership(organisation_id=org.id, person_id=person.id,
                                       role=MembershipRole.ADMINISTRATOR if i == 0 else MembershipRole.MEMBER))
                seated = i < len(folk) - 1 or s % 3  # some schools' last person has no staff seat
                if seated:
                    session.add(Seat(licence_id=licence.id, person_id=person.id,
                                     subscription=SubscriptionKind.ALL_ACCESS_PASS_PLUS, active=True))
                    data.staff.add((person.id, org.id))
            groups = [StaffGroup(licence_id=licence.id, name=ALL_STAFF_NAME, kind=GroupKind.ALL_STAFF),
                      *(StaffGroup(licence_id=licence.id, name=name, kind=GroupKind.STAFF) for name in GROUP_NAMES)]
            session.add_all(groups)
            await session.flush()
            for group in groups:
                data.group_names[group.id] = group.name
                if group.kind == GroupKind.ALL_STAFF:
                    members = [p.id for p in folk if (p.id, org.id) in data.staff]
                else:
                    members = [p.id for p in rng.sample(folk, rng.randint(1, 3))]
                    session.add_all(StaffGroupMember(group_id=group.id, person_id=p) for p in members)
                data.reach |= {(p, org.id, group.id) for p in members if (p, org.id) in data.staff}
                for _ in range(rng.randint(0, 2)):
                    picked = rng.sample(data.courses, rng.randint(1, 4))
                    # Some courses renew: monthly, so that many a completion below has lapsed, or yearly.
                    items = [(c, rng.choice([None, None, today, today - timedelta(days=rng.randint(1, 40)),
                                             today + timedelta(days=rng.randint(1, 90))]),
                              rng.choice([None, None, None, 1, 12])) for c in picked]
                    target = TargetList(group_id=group.id, name=f"Plan {rng.randint(1, 999)}")
                    session.add(target)
                    await session.flush()
                    session.add_all(TargetListItem(list_id=target.id, course_id=c, position=pos, due_on=due,
                                                   renew_months=months)
                                    for pos, (c, due, months) in enumerate(items))
                    data.lists.append((group.id, TargetListIn(target.id, [ListItem(*item) for item in items])))
            terms = [(today - timedelta(days=60), today - timedelta(days=1)), (today, today + timedelta(days=60))]
            for n, (first, last) in enumerate(terms):
                term = Term(organisation_id=org.id, name=f"Term {n}", starts_on=first, ends_on=last)
                session.add(term)
                await session.flush()
                data.terms.setdefault(org.id, []).append((term.id, first, last))
            for person in folk:
                for course in data.courses:
                    if rng.random() < 0.45:
                        continue
                    percent = rng.choice([0, 30, 100])
                    completed = datetime.now(UTC) - timedelta(days=rng.randint(0, 60)) if percent == 100 else None
                    session.add(Enrolment(person_id=person.id, course_id=course, progress_percent=percent,
                                          started_at=datetime(2025, 1, 5, tzinfo=UTC), completed_at=completed,
                                          last_completed_at=completed))
                    data.enrolled[(person.id, course)] = (percent, completed)
            await extend_some(session, data, licence.id, org.id, folk, today, random.Random(seed * 1000 + s))
        # A pupil of the first school with progress in every course: never in a trust's figures.
        pupil = Person(email=f"pupil{seed}@targets.example", display_name="Pupil Learner")
        session.add(pupil)
        await session.flush()
        session.add(Membership(organisation_id=orgs[0].id, person_id=pupil.id, role=MembershipRole.LEARNER))
        session.add_all(Enrolment(person_id=pupil.id, course_id=c, progress_percent=50,
                                  started_at=datetime(2026, 1, 5, tzinfo=UTC)) for c in data.courses)
        data.learner_email = pupil.email
        session.add_all(TrustGrant(school_id=s, trust_id=trust_id) for s in data.schools)
    return data


async def extend_some(session, data: Trust, licence_id: int, school: int, folk: list[Person], today: date,  # type: ignore[no-untyped-def]
                      rng: random.Random) -> None:
    """Extensions for about a third of the school's people: for one course or every target,
    before or after their dates, some ended (which count for nothing)."""
    for person in folk:
        for course in [None, *data.courses]:
            if rng.random() > 0.08:
                continue
            on = today + timedelta(days=rng.randint(-10, 60))
            ended = rng.random() < 0.25
            session.add(TargetExtension(licence_id=licence_id, person_id=person.id, course_id=course, due_on=on,
                                        reason="Generated", ended_at=datetime.now(UTC) if ended else None))
            if not ended:
                data.extensions.setdefault((person.id, school), {})[course] = on


SUMMARY = """query($t: ID!, $by: [TargetDimension!]!, $schools: [ID!], $filter: TargetFilter) {
  trust(id: $t) { targetSummary(groupBy: $by, schoolIds: $schools, filter: $filter) {
    school { id } staffGroup { id name } course { id } status dueMonth term { id name }
    targets completed inProgress notStarted overdue percentComplete } } }"""
LIST = """query($t: ID!, $filter: TargetFilter, $after: String) {
  trust(id: $t) { targets(filter: $filter, first: 100, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { personName personEmail school { id } staffGroup { name } course { id } status dueOn daysOverdue
            progressPercent completedAt } } } }"""
COUNTS = ["completed", "inProgress", "notStarted", "overdue", "targets", "percentComplete"]


async def summary(gql, trust: str, token: str, by: list[str], **variables: Any) -> list[dict[str, Any]]:
    data = await gql(SUMMARY, {"t": trust, "by": by, **variables}, token=token)
    return data["trust"]["targetSummary"]


async def whole_list(gql, trust: str, token: str, filter: dict | None = None) -> list[dict[str, Any]]:
    nodes, after = [], None
    while True:
        data = await gql(LIST, {"t": trust, "filter": filter, "after": after}, token=token)
        page = data["trust"]["targets"]
        nodes += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            assert page["totalCount"] == len(nodes)
            return nodes
        after = page["pageInfo"]["endCursor"]


async def reports_of_schools(db: Database, schools: list[int]) -> dict[tuple[str, str], dict[str, Any]]:
    """Each group's own report (resolvers/reports.py), overall, on its school's today."""
    out = {}
    async with db.read() as session:
        rows = (await session.execute(
            select(StaffGroup, Licence, Organisation).join(Licence, Licence.id == StaffGroup.licence_id)
            .join(Organisation, Organisation.id == Licence.organisation_id)
            .where(Organisation.id.in_(schools))
        )).all()
        for group, licence, school in rows:
            report = await group_report(session, GroupInSchool(group, licence, school), local_today(school.time_zone))
            c = report.overall
            out[(global_id("Organisation", school.id), global_id("StaffGroup", group.id))] = {
                "completed": c.completed, "inProgress": c.in_progress, "notStarted": c.not_started,
                "overdue": c.overdue, "targets": c.total, "percentComplete": c.percent_complete,
            }
    return out


def assert_equal_to_reports(rows: list[dict[str, Any]], reports: dict[tuple[str, str], dict[str, Any]]) -> None:
    trust = {(r["school"]["id"], r["staffGroup"]["id"]): {k: r[k] for k in COUNTS} for r in rows}
    for key, counts in reports.items():
        if counts["targets"] == 0:
            assert key not in trust, key
        else:
            assert trust[key] == counts, key
    assert set(trust) <= set(reports)
    assert sum(c["overdue"] for c in reports.values()) > 0 and sum(c["completed"] for c in reports.values()) > 0


async def test_the_demo_trusts_figures_per_school_and_group_equal_each_groups_report(gql, db: Database) -> None:
    tokens = {t.role: t.token for t in await demo.issue_tokens(db, await demo.load(db))}
    async with db.read() as session:
        trust = (await session.execute(select(Organisation.id).where(Organisation.kind == OrganisationKind.TRUST))
                 ).scalar_one()
        granting = list((await session.execute(select(TrustGrant.school_id))).scalars())
    rows = await summary(gql, global_id("Organisation", trust), tokens["trust administrator"], ["SCHOOL", "STAFF_GROUP"])
    assert_equal_to_reports(rows, await reports_of_schools(db, granting))


async def test_fifty_schools_figures_per_school_and_group_equal_each_groups_report(
    gql, world: World, db: Database
) -> None:
    data = await generate(db, world, schools=50)
    rows = await summary(gql, world.org("trust"), world["trust_admin"].token, ["SCHOOL", "STAFF_GROUP"])
    assert_equal_to_reports(rows, await reports_of_schools(db, data.schools))


async def test_the_list_is_each_persons_path_counted_by_hand(gql, world: World, db: Database) -> None:
    """Every target of every staff member, with the status and due date their own path
    gives; days overdue by their school's today; no pupil; some dates reach across lists."""
    data = await generate(db, world, schools=12)
    nodes = await whole_list(gql, world.org("trust"), world["trust_admin"].token)
    listed = {(n["school"]["id"], n["personEmail"], n["course"]["id"]): (n["status"], n["dueOn"]) for n in nodes}
    assert len(listed) == len(nodes)
    assert listed == data.by_hand()
    assert {s for s, _ in listed.values()} == {"COMPLETED", "OVERDUE", "IN_PROGRESS", "NOT_STARTED"}
    assert data.lapsed() > 2
    assert data.learner_email not in {n["personEmail"] for n in nodes}
    for n in nodes:
        if n["status"] == "OVERDUE":
            school = int(next(s for s in data.schools if global_id("Organisation", s) == n["school"]["id"]))
            today = local_today(data.zones[school])
            assert n["daysOverdue"] == (today - date.fromisoformat(n["dueOn"])).days > 0
        else:
            assert n["daysOverdue"] is None
    names = [n["personName"] for n in nodes]
    assert names == sorted(names)


async def test_who_is_overdue_across_the_trust_is_one_filter(gql, world: World, db: Database) -> None:
    data = await generate(db, world, schools=12)
    overdue = await whole_list(gql, world.org("trust"), world["trust_admin"].token, {"status": "OVERDUE"})
    wanted = {k for k, (status, _) in data.by_hand().items() if status == "OVERDUE"}
    assert {(n["school"]["id"], n["personEmail"], n["course"]["id"]) for n in overdue} == wanted != set()
    per_school = await summary(gql, world.org("trust"), world["trust_admin"].token, ["SCHOOL", "STATUS"])
    counted = {r["school"]["id"]: r["targets"] for r in per_school if r["status"] == "OVERDUE"}
    assert counted == Counter(k[0] for k in wanted)


def filters(data: Trust) -> dict[str, tuple[dict[str, Any], Any]]:
    """Per-person filters as GraphQL takes them, and the same condition on a hand-counted
    target ((school, email, course), (status, due))."""
    course = global_id("Course", data.courses[2])
    today = date.today()
    first, last = today - timedelta(days=10), today + timedelta(days=10)
    two = [global_id("Organisation", s) for s in data.schools[:2]]
    names = {email: name for name, email in data.people.values()}
    return {
        "course": ({"courseId": course}, lambda k, v: k[2] == course),
        "completed": ({"status": "COMPLETED"}, lambda k, v: v[0] == "COMPLETED"),
        "not started": ({"status": "NOT_STARTED"}, lambda k, v: v[0] == "NOT_STARTED"),
        "due within ten days either side": (
            {"dueFrom": first.isoformat(), "dueTo": last.isoformat()},
            lambda k, v: v[1] is not None and first <= date.fromisoformat(v[1]) <= last),
        "a name": ({"search": "person 03"}, lambda k, v: names[k[1]].startswith("Person 03")),
        "two schools": ({}, lambda k, v: k[0] in two),
    }


@pytest.mark.parametrize("name", ["course", "completed", "not started", "due within ten days either side", "a name",
                                  "two schools"])
async def test_each_filter_of_the_list_matches_a_count_by_hand(gql, world: World, db: Database, name: str) -> None:
    data = await generate(db, world, schools=6)
    where, keep = filters(data)[name]
    schools = [global_id("Organisation", s) for s in data.schools[:2]] if name == "two schools" else None
    variables = {"t": world.org("trust"), "filter": where, "schools": schools}
    found = await gql("""query($t: ID!, $filter: TargetFilter, $schools: [ID!]) { trust(id: $t) {
      targets(filter: $filter, schoolIds: $schools, first: 100) { nodes { personEmail school { id } course { id } } } } }""",
                      variables, token=world["trust_admin"].token)
    got = {(n["school"]["id"], n["personEmail"], n["course"]["id"]) for n in found["trust"]["targets"]["nodes"]}
    wanted = {k for k, v in data.by_hand().items() if keep(k, v)}
    assert got == wanted and wanted


async def test_a_staff_group_name_finds_that_group_in_every_school_judged_by_its_own_lists(
    gql, world: World, db: Database
) -> None:
    data = await generate(db, world, schools=10)
    token = world["trust_admin"].token
    nodes = await whole_list(gql, world.org("trust"), token, {"staffGroupName": "early career TEACHERS"})
    assert {n["staffGroup"]["name"] for n in nodes} == {"Early Career Teachers"}
    rows = await summary(gql, world.org("trust"), token, ["SCHOOL", "STAFF_GROUP"],
                         filter={"staffGroupName": "Early Career Teachers"})
    reports = await reports_of_schools(db, data.schools)
    named = {k: v for k, v in reports.items() if data.group_names[int(_raw(k[1]))] == "Early Career Teachers"}
    assert_equal_to_reports(rows, named)
    assert sum(r["targets"] for r in rows) == len(nodes)


def _raw(gid: str) -> int:
    from schema.ids import decode

    return decode(gid, "StaffGroup", "id")


async def test_due_month_and_term_dimensions(gql, world: World, db: Database) -> None:
    data = await generate(db, world, schools=4)
    token = world["trust_admin"].token
    by_hand = data.by_hand()
    months = Counter(v[1][:7] if v[1] else None for v in by_hand.values())
    rows = await summary(gql, world.org("trust"), token, ["DUE_MONTH"])
    assert {r["dueMonth"]: r["targets"] for r in rows} == months
    assert rows[-1]["dueMonth"] is None  # undated last
    by_term = await summary(gql, world.org("trust"), token, ["SCHOOL", "TERM"])
    wanted: Counter = Counter()
    for (school_gid, _, _), (_, due) in by_hand.items():
        school = next(s for s in data.schools if global_id("Organisation", s) == school_gid)
        term = next((f"Term {n}" for n, (_, first, last) in enumerate(data.terms[school])
                     if due and first <= date.fromisoformat(due) <= last), None)
        wanted[(school_gid, term)] += 1
    assert Counter({(r["school"]["id"], r["term"]["name"] if r["term"] else None): r["targets"] for r in by_term}
                   ) == wanted


async def test_a_pupil_with_progress_is_in_no_trust_answer(gql, client, world: World, db: Database) -> None:
    """Staff only, field by field: the pupil has progress in every target course of a
    granting school, yet no trust field or export names or counts them."""
    data = await generate(db, world, schools=2)
    token = world["trust_admin"].token
    trust, school = world.org("trust"), global_id("Organisation", data.schools[0])
    pupil = data.learner_email
    staff_in_first = sum(1 for p, s in data.staff if s == data.schools[0])
    assert pupil not in {n["personEmail"] for n in await whole_list(gql, trust, token)}
    progress = await gql("""query($t: ID!, $s: ID!) { trust(id: $t) { schoolProgress(schoolId: $s, first: 100) {
      nodes { personEmail } } } }""", {"t": trust, "s": school}, token=token)
    emails = {n["personEmail"] for n in progress["trust"]["schoolProgress"]["nodes"]}
    assert emails and pupil not in emails
    enrolments = await gql("""query($t: ID!, $s: [ID!]) { trust(id: $t) { progressSummary(groupBy: [], schoolIds: $s) {
      enrolments } } }""", {"t": trust, "s": [school]}, token=token)
    staff_enrolments = sum(1 for (p, _c) in data.enrolled if (p, data.schools[0]) in data.staff)
    assert enrolments["trust"]["progressSummary"][0]["enrolments"] == staff_enrolments
    targets = await summary(gql, trust, token, [], schools=[school])
    assert targets[0]["targets"] == sum(1 for k in data.by_hand() if k[0] == school)
    assert staff_in_first > 0
    for path in ("progress.csv?groupBy=SCHOOL", "targets.csv"):
        response = await client.get(f"/reports/trusts/{trust}/{path}", headers={"Authorization": f"Bearer {token}"})
        assert pupil not in response.text and "Pupil Learner" not in response.text


async def test_the_csv_reads_as_a_spreadsheet_and_equals_the_list(gql, client, world: World, db: Database) -> None:
    data = await generate(db, world, schools=5)
    token = world["trust_admin"].token
    response = await client.get(f"/reports/trusts/{world.org('trust')}/targets.csv",
                                params={"status": "OVERDUE"}, headers={"Authorization": f"Bearer {token}"})
    sheet = read_csv(response)
    assert sheet[0] == ["School", "Name", "Email", "Staff group", "Course code", "Course title", "Status", "Due on",
                        "Days overdue", "Progress %", "Completed on"]
    nodes = await whole_list(gql, world.org("trust"), token, {"status": "OVERDUE"})
    assert len(sheet) - 1 == len(nodes) > 0
    for row, node in zip(sheet[1:], nodes, strict=True):
        assert row[2] == node["personEmail"] and row[6] == "overdue"
        assert date.fromisoformat(row[7]).isoformat() == node["dueOn"]
        assert int(row[8]) == node["daysOverdue"] > 0
    everything = read_csv(await client.get(f"/reports/trusts/{world.org('trust')}/targets.csv",
                                           headers={"Authorization": f"Bearer {token}"}))
    done = [r for r in everything[1:] if r[6] == "completed"]
    assert done and all(date.fromisoformat(r[10]) and r[9] == "100" for r in done)
    assert len(everything) - 1 == len(data.by_hand())


@pytest.mark.parametrize("params, field", [({"status": "LATE"}, "status"), ({"dueFrom": "next week"}, "dueFrom"),
                                           ({"dueFrom": "2026-05-02", "dueTo": "2026-05-01"}, "dueTo")])
async def test_bad_input_in_the_csv_names_the_parameter(client, world: World, db: Database, params: dict,
                                                        field: str) -> None:
    response = await client.get(f"/reports/trusts/{world.org('trust')}/targets.csv", params=params,
                                headers={"Authorization": f"Bearer {world['trust_admin'].token}"})
    assert response.status_code == 400
    assert field in response.json()["errors"][0]["message"]


async def test_the_list_and_the_csv_each_read_in_one_statement_whatever_the_size(
    gql, client, world: World, db: Database, count_statements
) -> None:
    token = world["trust_admin"].token

    async def reads() -> tuple[int, int]:
        before = len(count_statements.statements)
        await gql("""query($t: ID!) { trust(id: $t) { targets(first: 50, filter: {status: OVERDUE}) {
          nodes { personName school { name } course { title } dueOn } } } }""", {"t": world.org("trust")}, token=token)
        listed = [s for s in count_statements.statements[before:] if "chosen_targets" in s]
        before = len(count_statements.statements)
        await client.get(f"/reports/trusts/{world.org('trust')}/targets.csv", headers={"Authorization": f"Bearer {token}"})
        exported = [s for s in count_statements.statements[before:] if "chosen_targets" in s]
        return len(listed), len(exported)

    await generate(db, world, schools=3, seed=1)
    small = await reads()
    await generate(db, world, schools=20, seed=2)
    assert small == await reads() == (1, 1)
