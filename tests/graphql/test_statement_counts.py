"""N+1 guards: a list's nested fields are batched by DataLoaders, so the number of SQL
statements a query runs does not grow with the number of rows it returns."""

from datetime import UTC, datetime, timedelta

from infra.database import Database
from domain.audit import AuditAction
from domain.models import (
    AuditEvent, Licence, Membership, MembershipRole, Organisation, OrganisationKind, Person, Seat, SubscriptionKind,
)
from tests.world import World

MEMBERS = """
query($id: ID!) { node(id: $id) { ... on Organisation {
  members(first: 50) { totalCount nodes { id role isOwner person { displayName } organisation { name } } }
} } }
"""
AUDIT = """
{ auditLog(first: 50) { totalCount nodes { summary actor { displayName } organisation { name } } } }
"""
ORGANISATIONS = """
{ organisations(first: 100) { totalCount nodes { name licence { activeSeatCount owner { displayName } } } } }
"""


async def statements(gql, count_statements, query: str, variables: dict | None, token: str) -> tuple[int, dict]:
    """How many statements one request ran, and its data."""
    before = count_statements.count
    data = await gql(query, variables, token=token)
    return count_statements.count - before, data


async def add_people(db: Database, organisation_id: int, how_many: int, tag: str) -> list[int]:
    async with db.write() as session:
        people = [Person(email=f"{tag}{i}@example.org", display_name=f"{tag.title()} {i:02}") for i in range(how_many)]
        session.add_all(people)
        await session.flush()
        session.add_all(
            Membership(organisation_id=organisation_id, person_id=p.id, role=MembershipRole.MEMBER) for p in people
        )
        return [p.id for p in people]


async def test_members_with_nested_fields_cost_the_same_for_3_and_25_members(
    gql, world: World, db: Database, count_statements
) -> None:
    token = world["owner_b"].token
    variables = {"id": world.org("birchwood")}
    await add_people(db, world.organisations["birchwood"], 1, "early")
    small, data = await statements(gql, count_statements, MEMBERS, variables, token)
    assert data["node"]["members"]["totalCount"] == 3

    await add_people(db, world.organisations["birchwood"], 22, "late")
    large, data = await statements(gql, count_statements, MEMBERS, variables, token)
    members = data["node"]["members"]
    assert members["totalCount"] == len(members["nodes"]) == 25
    assert [m["isOwner"] for m in members["nodes"]].count(True) == 1
    assert {m["organisation"]["name"] for m in members["nodes"]} == {"Birchwood Academy"}

    assert small == large, f"members: {small} statements for 3 members, {large} for 25"


async def add_events(db: Database, world: World, how_many: int) -> None:
    """Events by many different actors in several organisations, so each row needs other rows."""
    actors = list(world.actors.values())
    organisations = list(world.organisations.values())
    start = datetime(2030, 1, 1, tzinfo=UTC)
    async with db.write() as session:
        session.add_all(
            AuditEvent(
                occurred_at=start + timedelta(minutes=i), actor_id=actors[i % len(actors)].person_id,
                actor_name=actors[i % len(actors)].name, action=AuditAction.DESIGNATION_SET,
                target_type="Organisation", target_id=organisations[i % len(organisations)],
                organisation_id=organisations[i % len(organisations)], summary=f"event {i}",
            )
            for i in range(how_many)
        )


async def test_audit_log_with_actor_and_organisation_costs_the_same_for_few_and_many_events(
    gql, world: World, db: Database, count_statements
) -> None:
    token = world["support"].token
    await add_events(db, world, 2)
    small, data = await statements(gql, count_statements, AUDIT, None, token)
    assert data["auditLog"]["totalCount"] == 2

    await add_events(db, world, 38)
    large, data = await statements(gql, count_statements, AUDIT, None, token)
    nodes = data["auditLog"]["nodes"]
    assert data["auditLog"]["totalCount"] == len(nodes) == 40
    assert len({n["actor"]["displayName"] for n in nodes}) == len(world.actors)
    assert len({n["organisation"]["name"] for n in nodes}) == len(world.organisations)

    assert small == large, f"auditLog: {small} statements for 2 events, {large} for 40"


async def test_an_administrators_audit_log_costs_the_same_for_few_and_many_events(
    gql, world: World, db: Database, count_statements
) -> None:
    """As a school administrator each actor's visibility is checked too; that must batch as well."""
    token = world["owner"].token
    await add_events(db, world, 9)
    small, data = await statements(gql, count_statements, AUDIT, None, token)
    assert data["auditLog"]["totalCount"] == 3

    await add_events(db, world, 90)
    large, data = await statements(gql, count_statements, AUDIT, None, token)
    assert data["auditLog"]["totalCount"] == 33

    assert small == large, f"auditLog as owner: {small} statements for 3 events, {large} for 33"


async def add_schools(db: Database, how_many: int) -> None:
    """Schools each with a licence, an owner and a few seats."""
    async with db.write() as session:
        for i in range(how_many):
            school = Organisation(kind=OrganisationKind.SCHOOL, name=f"School {i:02}", time_zone="Europe/London")
            owner = Person(email=f"head{i}@school{i}.org", display_name=f"Head {i:02}")
            teacher = Person(email=f"teacher{i}@school{i}.org", display_name=f"Teacher {i:02}")
            session.add_all([school, owner, teacher])
            await session.flush()
            licence = Licence(organisation_id=school.id, owner_id=owner.id)
            session.add(licence)
            await session.flush()
            session.add_all([
                Membership(organisation_id=school.id, person_id=owner.id, role=MembershipRole.ADMINISTRATOR),
                Membership(organisation_id=school.id, person_id=teacher.id, role=MembershipRole.MEMBER),
                Seat(licence_id=licence.id, person_id=owner.id, subscription=SubscriptionKind.ALL_ACCESS_PASS_PLUS),
                Seat(licence_id=licence.id, person_id=teacher.id, subscription=SubscriptionKind.ALL_ACCESS_PASS_PLUS,
                     active=i % 2 == 0),
            ])


async def test_organisations_with_licences_cost_the_same_for_few_and_many_schools(
    gql, world: World, db: Database, count_statements
) -> None:
    token = world["support"].token
    small, data = await statements(gql, count_statements, ORGANISATIONS, None, token)
    assert data["organisations"]["totalCount"] == 3

    await add_schools(db, 24)
    large, data = await statements(gql, count_statements, ORGANISATIONS, None, token)
    nodes = data["organisations"]["nodes"]
    assert data["organisations"]["totalCount"] == len(nodes) == 27
    by_name = {n["name"]: n["licence"] for n in nodes}
    assert by_name["School 00"] == {"activeSeatCount": 2, "owner": {"displayName": "Head 00"}}
    assert by_name["School 01"] == {"activeSeatCount": 1, "owner": {"displayName": "Head 01"}}
    assert by_name["Cedar Trust"] is None

    assert small == large, f"organisations: {small} statements for 3 organisations, {large} for 27"
