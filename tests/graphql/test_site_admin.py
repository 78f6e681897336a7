"""A school's site administration (seed 002): learners and parents as standings of their
own, terms, the school's courses and their people, parent links and attendance codes. Each
mutation is the school's Administrators' alone; anyone else is refused and nothing changes."""

import pytest
from sqlalchemy import func, select

from app.db import Database
from domain.models import AuditEvent
from tests.workflow_world import WorkflowWorld, build_workflow_world
from tests.world import World

MEMBERS = """query($o: ID!) { node(id: $o) { ... on Organisation { viewerRole
  members(first: 50) { totalCount nodes { person { displayName } } } } } }"""
PROMOTE = """mutation($id: ID!) { %s(input: {membershipId: $id}) {
  __typename ... on Error { code message field } } }"""
ADD_MEMBER = """mutation($o: ID!, $r: MembershipRole!) { addMember(input: {organisationId: $o,
  email: "new.pupil@pupils.example", displayName: "New Pupil", role: $r}) {
  __typename ... on MembershipPayload { membership { role } } ... on Error { code message field } } }"""
MEMBERSHIP = """query($o: ID!) { node(id: $o) { ... on Organisation { members(first: 50, search: "%s") {
  nodes { id } } } } }"""


@pytest.fixture
async def w(db: Database, world: World) -> WorkflowWorld:
    return await build_workflow_world(db, world)


async def events(db: Database) -> int:
    async with db.read() as session:
        return (await session.execute(select(func.count()).select_from(AuditEvent))).scalar_one()


# --- Learners and parents are not staff ----------------------------------------------------


@pytest.mark.parametrize(("who", "role"), [("learner", "LEARNER"), ("parent", "PARENT")])
async def test_learners_and_parents_see_their_school_but_not_its_members(gql, w, who: str, role: str) -> None:  # type: ignore[no-untyped-def]
    school = w.base.org("ashdown")
    seen = (await gql(MEMBERS, {"o": school}, token=w.token(who)))["node"]
    assert seen["viewerRole"] == role
    assert seen["members"] == {"totalCount": 0, "nodes": []}
    staff = (await gql(MEMBERS, {"o": school}, token=w.token("staff")))["node"]["members"]
    assert {"person": {"displayName": "Learner"}} in staff["nodes"]  # staff still see everyone
    # Nor through a staff member's node id.
    membership = await gql("query($id: ID!) { node(id: $id) { id } }", {"id": w.base["staff"].membership("ashdown")},
                           token=w.token(who))
    assert membership["node"] is None


async def _membership_of(gql, w, name: str) -> str:  # type: ignore[no-untyped-def]
    data = await gql(MEMBERSHIP % f"{name}@", {"o": w.base.org("ashdown")}, token=w.token("owner"))
    (node,) = data["node"]["members"]["nodes"]
    return node["id"]


@pytest.mark.parametrize("mutation", ["promoteMember", "demoteMember"])
@pytest.mark.parametrize("who", ["learner", "parent"])
async def test_a_learner_or_parent_is_never_made_or_unmade_an_administrator(gql, w, db: Database, who: str,
                                                                           mutation: str) -> None:
    membership = await _membership_of(gql, w, who)
    before = await events(db)
    answer = (await gql(PROMOTE % mutation, {"id": membership}, token=w.token("owner")))[mutation]
    assert (answer["code"], answer["field"]) == ("CONFLICT", "membershipId"), answer
    assert await events(db) == before


async def test_learners_and_parents_are_added_to_schools_only(gql, w, db: Database) -> None:  # type: ignore[no-untyped-def]
    added = await gql(ADD_MEMBER, {"o": w.base.org("ashdown"), "r": "LEARNER"}, token=w.token("owner"))
    assert added["addMember"] == {"__typename": "MembershipPayload", "membership": {"role": "LEARNER"}}
    before = await events(db)
    trust = await gql(ADD_MEMBER, {"o": w.base.org("trust"), "r": "PARENT"}, token=w.token("trust_admin"))
    assert (trust["addMember"]["code"], trust["addMember"]["field"]) == ("VALIDATION", "role"), trust
    assert await events(db) == before


async def test_a_learner_holds_no_seat_nor_supervisor_role(gql, w, db: Database) -> None:  # type: ignore[no-untyped-def]
    before = await events(db)
    seat = await gql("""mutation($l: ID!, $p: ID!) { addSeat(input: {licenceId: $l, personId: $p}) {
      __typename ... on Error { code field } } }""", {"l": w.base.licence("ashdown"), "p": w["learner"].gid},
                     token=w.token("owner"))
    assert seat["addSeat"] == {"__typename": "ValidationError", "code": "VALIDATION", "field": "personId"}
    mentor = await gql("""mutation($s: ID!, $p: ID!) { addMentor(input: {schoolId: $s, personId: $p}) {
      __typename ... on Error { code field } } }""", {"s": w.base.org("ashdown"), "p": w["parent"].gid},
                       token=w.token("owner"))
    assert mentor["addMentor"] == {"__typename": "ValidationError", "code": "VALIDATION", "field": "personId"}
    assert await events(db) == before
