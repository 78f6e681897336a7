"""N+1 guards for staff groups, target lists and learning paths: a path or a group costs
the same number of SQL statements whether it holds 5 courses or 500."""

from datetime import UTC, date, datetime, timedelta

from infra.database import Database
from domain.models import Course, Enrolment, GroupDelegate, StaffGroup, StaffGroupMember, TargetList, TargetListItem
from schema.ids import global_id
from tests.world import World

MY_PATH = """{ me { learningPath(on: "2030-03-01") { on items {
  course { id title } status completedOn dueOn effectiveDueOn dueState sourceLists { id name } } } } }"""
PATH_OF = """query($l: ID!, $p: ID!) { learningPath(licenceId: $l, personId: $p, on: "2030-03-01") {
  on person { displayName } licence { id } items {
  course { id title } status completedOn dueOn effectiveDueOn dueState sourceLists { id name } } } }"""
GROUP = """query($id: ID!) { node(id: $id) { ... on StaffGroup {
  name targetLists { name items { position dueOn effectiveDueOn course { title } } }
  delegates { displayName } members { totalCount } viewerCan { edit delete delegate report } } } }"""
LICENCE_GROUPS = """query($id: ID!) { node(id: $id) { ... on Licence {
  staffGroups { totalCount nodes { name delegates { displayName }
    targetLists { name items { effectiveDueOn course { title } } } } } } } }"""


async def statements(gql, count_statements, query: str, variables: dict | None, token: str) -> tuple[int, dict]:
    """How many statements one request ran, and its data."""
    before = count_statements.count
    data = await gql(query, variables, token=token)
    return count_statements.count - before, data


class Rows:
    """Groups, lists and courses written straight into the database, as many as a test needs."""

    def __init__(self, db: Database, world: World) -> None:
        self.db, self.world, self.made = db, world, 0

    async def courses(self, how_many: int) -> list[int]:
        async with self.db.write() as session:
            rows = [Course(code=f"K{self.made + i}", title=f"Course K{self.made + i}") for i in range(how_many)]
            self.made += how_many
            session.add_all(rows)
            await session.flush()
            return [row.id for row in rows]

    async def group(self, name: str, members: list[str], delegates: list[str] = ()) -> int:  # type: ignore[assignment]
        async with self.db.write() as session:
            group = StaffGroup(licence_id=self.world.licences["ashdown"], name=name)
            session.add(group)
            await session.flush()
            session.add_all(StaffGroupMember(group_id=group.id, person_id=self.world[m].person_id) for m in members)
            session.add_all(GroupDelegate(group_id=group.id, person_id=self.world[d].person_id) for d in delegates)
            return group.id

    async def lists(self, group_id: int, how_many: int, courses_each: int) -> None:
        """Lists of fresh courses, every third one dated, each list's dates a day apart."""
        for n in range(how_many):
            course_ids = await self.courses(courses_each)
            async with self.db.write() as session:
                target_list = TargetList(group_id=group_id, name=f"List {self.made:04}")
                session.add(target_list)
                await session.flush()
                session.add_all(
                    TargetListItem(list_id=target_list.id, course_id=c, position=i,
                                   due_on=date(2030, 3, 1) + timedelta(days=n + i) if i % 3 == 2 else None)
                    for i, c in enumerate(course_ids)
                )
                # Some progress on the path: every fourth course started, every eighth completed.
                session.add_all(
                    Enrolment(person_id=self.world["staff"].person_id, course_id=c,
                              started_at=datetime(2030, 1, 1, tzinfo=UTC),
                              completed_at=datetime(2030, 2, 1, tzinfo=UTC) if i % 8 == 0 else None)
                    for i, c in enumerate(course_ids) if i % 4 == 0
                )


async def test_a_learning_path_costs_the_same_for_5_and_500_courses(
    gql, world: World, db: Database, count_statements
) -> None:
    """Staff's path merges All Staff's lists and their own group's: from one list of 5 courses
    to ten lists of 50 in two groups, as Staff and as the school's owner."""
    rows = Rows(db, world)
    es1 = await rows.group("ES1", ["staff"])
    await rows.lists(es1, 1, 5)
    ask_self = (MY_PATH, None, world["staff"].token)
    ask_owner = (PATH_OF, {"l": world.licence("ashdown"), "p": world["staff"].gid}, world["owner"].token)

    small_self, data = await statements(gql, count_statements, *ask_self)
    assert len(data["me"]["learningPath"]["items"]) == 5
    small_owner, data = await statements(gql, count_statements, *ask_owner)
    assert len(data["learningPath"]["items"]) == 5

    await rows.lists(world.all_staff["ashdown"], 5, 50)
    await rows.lists(es1, 4, 50)
    await rows.lists(es1, 1, 45)
    large_self, data = await statements(gql, count_statements, *ask_self)
    items = data["me"]["learningPath"]["items"]
    assert len(items) == 500 and len({i["sourceLists"][0]["id"] for i in items}) == 11
    assert {i["status"] for i in items} == {"NOT_STARTED", "IN_PROGRESS", "COMPLETED"}
    large_owner, data = await statements(gql, count_statements, *ask_owner)
    assert len(data["learningPath"]["items"]) == 500

    # me.learningPath: the token and principal, the path's head, its lists with their courses
    # and the person's enrolments. Asked of another person, their Person and the Licence are
    # read as nodes.
    assert (small_self, small_owner) == (3, 5), (small_self, small_owner)
    assert (small_self, small_owner) == (large_self, large_owner), (
        f"me.learningPath: {small_self} statements for 5 courses, {large_self} for 500; "
        f"learningPath(licenceId, personId): {small_owner} for 5, {large_owner} for 500"
    )


async def test_a_group_with_its_lists_costs_the_same_for_5_and_500_items(
    gql, world: World, db: Database, count_statements
) -> None:
    """A group's lists, items, courses, delegates, member count and permissions, as its
    administrator and as its delegate: batched, whatever the size of the group."""
    rows = Rows(db, world)
    es1 = await rows.group("ES1", ["staff"], delegates=["staff2"])
    await rows.lists(es1, 1, 5)
    variables = {"id": global_id("StaffGroup", es1)}

    small = {}
    for viewer in ("owner", "staff2"):
        small[viewer], data = await statements(gql, count_statements, GROUP, variables, world[viewer].token)
        assert sum(len(t["items"]) for t in data["node"]["targetLists"]) == 5

    await rows.lists(es1, 9, 50)
    await rows.lists(es1, 1, 45)
    async with db.write() as session:
        session.add(StaffGroupMember(group_id=es1, person_id=world["admin"].person_id))
        session.add(GroupDelegate(group_id=es1, person_id=world["staff"].person_id))
    large = {}
    for viewer in ("owner", "staff2"):
        large[viewer], data = await statements(gql, count_statements, GROUP, variables, world[viewer].token)
        group = data["node"]
        assert len(group["targetLists"]) == 11 and sum(len(t["items"]) for t in group["targetLists"]) == 500
        assert group["members"]["totalCount"] == 2 and len(group["delegates"]) == 2
        assert group["viewerCan"]["edit"] is True

    assert small == large, f"StaffGroup node: {small} statements for 5 items, {large} for 500"


async def test_a_licences_groups_with_their_lists_cost_the_same_for_few_and_many(
    gql, world: World, db: Database, count_statements
) -> None:
    """`licence { staffGroups { nodes { targetLists { items } } } }`: from All Staff and one group
    holding 5 courses, to All Staff and eight groups holding 500."""
    rows = Rows(db, world)
    await rows.lists(await rows.group("ES1", ["staff"], delegates=["staff2"]), 1, 5)
    variables = {"id": world.licence("ashdown")}
    token = world["owner"].token

    small, data = await statements(gql, count_statements, LICENCE_GROUPS, variables, token)
    groups = data["node"]["staffGroups"]["nodes"]
    assert len(groups) == 2 and sum(len(t["items"]) for g in groups for t in g["targetLists"]) == 5

    await rows.lists(world.all_staff["ashdown"], 2, 50)
    for n in range(7):
        await rows.lists(await rows.group(f"Stage {n}", ["staff2"], delegates=["staff"]), 1, 50)
    await rows.lists(await rows.group("Stage 7", ["staff"]), 1, 45)
    large, data = await statements(gql, count_statements, LICENCE_GROUPS, variables, token)
    groups = data["node"]["staffGroups"]["nodes"]
    assert len(groups) == 10
    assert sum(len(t["items"]) for g in groups for t in g["targetLists"]) == 500

    assert small == large, f"licence.staffGroups: {small} statements for 2 groups and 5 items, {large} for 10 and 500"
