"""Issue 4: every report runs a fixed number of SQL statements whatever the number of
members, courses, lists and enrolments, nested fields included (no N+1)."""

from datetime import UTC, datetime, timedelta

from infra.database import Database
from domain.models import (
    Course, Enrolment, Membership, MembershipRole, Person, Seat, StaffGroup, StaffGroupMember, SubscriptionKind,
    TargetList, TargetListItem,
)
from schema.ids import global_id
from tests.world import World

COUNTS = "completed inProgress notStarted overdue total percentComplete"
GROUP_REPORT = f"""
query($id: ID!) {{ node(id: $id) {{ ... on StaffGroup {{ name report(on: "2026-06-15") {{
  on overall {{ {COUNTS} }}
  targetLists {{ targetList {{ id name }} counts {{ {COUNTS} }}
    courses {{ course {{ id code title }} counts {{ {COUNTS} }} }} }}
  staff(first: 100) {{ totalCount nodes {{ person {{ id displayName }} targets completed overdue state }} }}
  overdue: staff(first: 100, state: OVERDUE) {{ totalCount nodes {{ person {{ displayName }} }} }}
}} }} }} }}
"""
ENROLMENT = ("startedAt completedAt secondsSpent progressPercent status "
             "person { id displayName } course { id code title }")
COURSE_REPORT = f"""
query($licence: ID!, $course: ID!) {{ courseReport(licenceId: $licence, courseId: $course, first: 100) {{
  totalCount nodes {{ {ENROLMENT} }} }} }}
"""
PERSON_REPORT = f"""
query($licence: ID!, $person: ID!) {{ personReport(licenceId: $licence, personId: $person, first: 100) {{
  totalCount nodes {{ {ENROLMENT} }} }} }}
"""
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


async def statements(gql, count_statements, query: str, variables: dict, token: str) -> tuple[int, dict]:
    before = count_statements.count
    data = await gql(query, variables, token=token)
    return count_statements.count - before, data


class Big:
    """One Ashdown group that grows: members with seats, courses on lists, enrolments."""

    def __init__(self, db: Database, world: World) -> None:
        self.db, self.world = db, world
        self.group_id = 0
        self.people: list[int] = []
        self.courses: list[int] = []
        self.lists: list[int] = []

    async def create(self) -> None:
        async with self.db.write() as session:
            group = StaffGroup(licence_id=self.world.licences["ashdown"], name="Big")
            session.add(group)
            await session.flush()
            self.group_id = group.id

    async def grow(self, people: int, courses: int, lists: int, enrol: bool = True) -> None:
        """Add people (each enrolled in every new and old course, one in three completed)
        and courses spread over `lists` new lists, with dates in the past and future."""
        n = len(self.people)
        async with self.db.write() as session:
            new_people = [Person(email=f"bulk{n + i}@example.org", display_name=f"Bulk {n + i:03}")
                          for i in range(people)]
            new_courses = [Course(code=f"B{len(self.courses) + i:03}", title=f"Bulk course {len(self.courses) + i:03}")
                           for i in range(courses)]
            session.add_all([*new_people, *new_courses])
            new_lists = [TargetList(group_id=self.group_id, name=f"List {len(self.lists) + i}") for i in range(lists)]
            session.add_all(new_lists)
            await session.flush()
            for p in new_people:
                session.add_all([
                    Membership(organisation_id=self.world.organisations["ashdown"], person_id=p.id,
                               role=MembershipRole.MEMBER),
                    Seat(licence_id=self.world.licences["ashdown"], person_id=p.id,
                         subscription=SubscriptionKind.ALL_ACCESS_PASS_PLUS),
                    StaffGroupMember(group_id=self.group_id, person_id=p.id),
                ])
            for i, c in enumerate(new_courses):
                session.add(TargetListItem(list_id=new_lists[i % lists].id, course_id=c.id, position=i // lists,
                                           due_on=START.date() + timedelta(days=60 * (i % 4))))
            self.people += [p.id for p in new_people]
            self.courses += [c.id for c in new_courses]
            self.lists += [t.id for t in new_lists]
            old = set(self.people[:n])
            new_ids = {c.id for c in new_courses}
            for p in self.people if enrol else []:
                for j, c in enumerate(self.courses):
                    if p in old and c not in new_ids:
                        continue  # already enrolled
                    if (p + j) % 5 == 0:
                        continue  # not started
                    done = (p + j) % 3 == 0
                    session.add(Enrolment(
                        person_id=p, course_id=c, started_at=START, progress_percent=100 if done else 40,
                        seconds_spent=60 * (j + 1), completed_at=START + timedelta(days=j) if done else None,
                    ))

    @property
    def gid(self) -> str:
        return global_id("StaffGroup", self.group_id)


async def test_the_group_report_costs_the_same_for_3_and_60_members(
    gql, world: World, db: Database, count_statements
) -> None:
    big = Big(db, world)
    await big.create()
    await big.grow(people=3, courses=2, lists=2)
    token = world["owner"].token
    small, data = await statements(gql, count_statements, GROUP_REPORT, {"id": big.gid}, token)
    report = data["node"]["report"]
    assert report["overall"]["total"] == 6 and report["staff"]["totalCount"] == 3
    assert len(report["targetLists"]) == 2

    await big.grow(people=57, courses=18, lists=3)
    large, data = await statements(gql, count_statements, GROUP_REPORT, {"id": big.gid}, token)
    report = data["node"]["report"]
    assert report["overall"]["total"] == 60 * 20
    assert len(report["staff"]["nodes"]) == report["staff"]["totalCount"] == 60
    assert len(report["targetLists"]) == 5
    assert sum(len(t["courses"]) for t in report["targetLists"]) == 20
    assert report["overall"]["completed"] > 0 and report["overall"]["overdue"] > 0

    assert small == large, f"group report: {small} statements for 3 x 2, {large} for 60 x 20"


async def test_the_group_report_costs_the_same_for_a_delegate(
    gql, world: World, db: Database, count_statements
) -> None:
    """A delegate's visibility is checked another way: that must not grow either."""
    big = Big(db, world)
    await big.create()
    await big.grow(people=3, courses=2, lists=2)
    data = await gql("mutation($g: ID!, $p: ID!) { addGroupDelegate(input: {groupId: $g, personId: $p}) "
                     "{ __typename } }", {"g": big.gid, "p": world["staff"].gid}, token=world["owner"].token)
    assert data["addGroupDelegate"]["__typename"] == "StaffGroupPayload"
    token = world["staff"].token
    small, _ = await statements(gql, count_statements, GROUP_REPORT, {"id": big.gid}, token)
    await big.grow(people=57, courses=18, lists=3)
    large, data = await statements(gql, count_statements, GROUP_REPORT, {"id": big.gid}, token)
    assert data["node"]["report"]["staff"]["totalCount"] == 60
    assert small == large, f"group report as delegate: {small} statements, then {large}"


async def test_the_course_report_costs_the_same_for_3_and_60_enrolments(
    gql, world: World, db: Database, count_statements
) -> None:
    big = Big(db, world)
    await big.create()
    await big.grow(people=3, courses=1, lists=1)
    course = global_id("Course", big.courses[0])
    variables = {"licence": world.licence("ashdown"), "course": course}
    token = world["owner"].token
    small, data = await statements(gql, count_statements, COURSE_REPORT, variables, token)
    assert data["courseReport"]["totalCount"] == sum(1 for p in big.people if p % 5 != 0)

    await big.grow(people=70, courses=0, lists=0, enrol=False)
    async with db.write() as session:  # everyone took that course
        enrolled = {p for p in big.people[:3] if p % 5 != 0}
        session.add_all(Enrolment(person_id=p, course_id=big.courses[0], started_at=START, progress_percent=50,
                                  seconds_spent=120) for p in big.people if p not in enrolled)
    large, data = await statements(gql, count_statements, COURSE_REPORT, variables, token)
    nodes = data["courseReport"]["nodes"]
    assert len(nodes) == 73 and data["courseReport"]["totalCount"] == 73
    assert len({n["person"]["id"] for n in nodes}) == 73

    assert small == large, f"courseReport: {small} statements for 3 enrolments, {large} for 73"


async def test_the_person_report_costs_the_same_for_2_and_20_courses(
    gql, world: World, db: Database, count_statements
) -> None:
    async def enrol_staff(course_ids: list[int]) -> None:
        async with db.write() as session:
            session.add_all(Enrolment(person_id=world["staff"].person_id, course_id=c, started_at=START,
                                      progress_percent=100, seconds_spent=60, completed_at=START + timedelta(days=1))
                            for c in course_ids)

    big = Big(db, world)
    await big.create()
    await big.grow(people=0, courses=2, lists=1)
    await enrol_staff(big.courses)
    variables = {"licence": world.licence("ashdown"), "person": world["staff"].gid}
    token = world["owner"].token
    small, data = await statements(gql, count_statements, PERSON_REPORT, variables, token)
    assert data["personReport"]["totalCount"] == 2

    await big.grow(people=0, courses=18, lists=1)
    await enrol_staff(big.courses[2:])
    large, data = await statements(gql, count_statements, PERSON_REPORT, variables, token)
    nodes = data["personReport"]["nodes"]
    assert len(nodes) == data["personReport"]["totalCount"] == 20
    assert len({n["course"]["code"] for n in nodes}) == 20

    assert small == large, f"personReport: {small} statements for 2 courses, {large} for 20"


async def test_the_matrix_and_the_pie_cost_the_same_for_3_and_60_members(
    client, world: World, db: Database, count_statements
) -> None:
    big = Big(db, world)
    await big.create()
    await big.grow(people=3, courses=2, lists=2)
    headers = {"Authorization": f"Bearer {world['owner'].token}"}

    async def cost(endpoint: str) -> tuple[int, str]:
        before = count_statements.count
        response = await client.get(f"/reports/groups/{big.gid}/{endpoint}?on=2026-06-15", headers=headers)
        assert response.status_code == 200, response.text
        return count_statements.count - before, response.text

    small_csv, text = await cost("matrix.csv")
    assert len(text.strip().splitlines()) == 1 + 3
    small_svg, _ = await cost("completion.svg")

    await big.grow(people=57, courses=18, lists=3)
    large_csv, text = await cost("matrix.csv")
    assert len(text.strip().splitlines()) == 1 + 60
    large_svg, _ = await cost("completion.svg")

    assert (small_csv, small_svg) == (large_csv, large_svg), \
        f"matrix.csv: {small_csv} then {large_csv}; completion.svg: {small_svg} then {large_svg}"
