"""Every id the API hands out opens through `node(id:)`: for the caller it was handed to
(a reference's id, such as a record's learner, for whoever may see what it refers to), and
to no one who may not see it. Run over the demo, whose callers between them meet every
type with an id; a type with an id that no crawl meets fails the test until one does."""

from typing import Any

import pytest
import strawberry
from graphql import GraphQLObjectType

from app import demo
from domain.models import utcnow
from jobs.planning import licensed_schools, plan_day
from schema.build import build_schema
from tests.conftest import schema_for

NODE = "query($id: ID!) { node(id: $id) { __typename id } }"
# Types whose id is another object's: a name card for it, not a node of their own.
REFERENCES = {"PersonRef": "Person", "StaffGroupRef": "StaffGroup", "PathSource": "TargetList",
              "TrustListing": "Organisation"}
# Seen by anyone signed in: the catalogue.
PUBLIC = {"Course"}

SCHOOL = """
{ me { person { __typename id } memberships { __typename id organisation { __typename id
    members(first: 100) { nodes { __typename id person { __typename id } } }
    notificationDeliveries(first: 20) { nodes { __typename id } }
    licence { __typename id seats(first: 100) { nodes { __typename id } }
      staffGroups(first: 50) { nodes { __typename id targetLists { __typename id } } } } } } }
  auditLog(first: 50) { nodes { __typename id } }
  courses(first: 50) { nodes { __typename id } }
  trustDirectory(first: 10) { nodes { __typename id } } }"""
RECORDS = """
query($school: ID!) {
  site(schoolId: $school) { terms { __typename id } courses { __typename id }
    courseParticipants(first: 50) { nodes { person { __typename id } } }
    parentLinks(first: 50) { nodes { parent { __typename id } learner { __typename id } } } }
  registrationScopes(schoolId: $school, first: 50) { nodes { __typename id mentor { __typename id } } }
  attendanceRecords(first: 20) { nodes { __typename id learner { __typename id } } }
  behaviourNotes(first: 20) { nodes { __typename id learner { __typename id } } }
  assessments(first: 20) { nodes { __typename id learner { __typename id } } } }"""
PATH = """{ me { learningPath { items { course { __typename id } sourceLists { __typename id }
  extension { __typename id } } } } }"""
TRUST = """
query($trust: ID!) { trust(id: $trust) { progressSummary(groupBy: [SCHOOL, STAFF_GROUP]) {
  school { __typename id } staffGroup { __typename id } } } }"""


def handed_out(value: Any) -> set[tuple[str, str]]:
    """Every (type, id) pair in an answer."""
    found: set[tuple[str, str]] = set()
    if isinstance(value, dict):
        if "__typename" in value and "id" in value:
            found.add((value["__typename"], value["id"]))
        for inner in value.values():
            found |= handed_out(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= handed_out(inner)
    return found


def types_with_ids(schema: strawberry.Schema) -> set[str]:
    return {
        name for name, kind in schema._schema.type_map.items()
        if isinstance(kind, GraphQLObjectType) and not name.startswith("__") and "id" in kind.fields
    }


@pytest.fixture
async def tokens(db) -> dict[str, str]:  # type: ignore[no-untyped-def]
    issued = await demo.issue_tokens(db, await demo.load(db))
    now = utcnow()
    for school in await licensed_schools(db):  # today's digests, so the delivery log has some
        await plan_day(db, school, now.date(), now)
    return {t.role: t.token for t in issued}


async def crawl(gql, tokens: dict[str, str]) -> dict[str, set[tuple[str, str]]]:  # type: ignore[no-untyped-def]
    """What each demo caller is handed by the lists a frontend would open."""
    seen = {"full administrator": handed_out(await gql(SCHOOL, token=tokens["full administrator"])),
            "staff member": handed_out(await gql(PATH, token=tokens["staff member"]))}
    head = await gql("{ me { supervisorEntries { organisation { id } } } }", token=tokens["headteacher"])
    school = head["me"]["supervisorEntries"][0]["organisation"]["id"]
    seen["headteacher"] = handed_out(await gql(RECORDS, {"school": school}, token=tokens["headteacher"]))
    mine = await gql("{ me { memberships { organisation { id kind } } } }", token=tokens["trust administrator"])
    trust = next(m["organisation"]["id"] for m in mine["me"]["memberships"] if m["organisation"]["kind"] == "TRUST")
    seen["trust administrator"] = handed_out(await gql(TRUST, {"trust": trust}, token=tokens["trust administrator"]))
    return seen


async def test_every_id_handed_out_opens_for_those_who_may_see_it_and_no_one_else(
    gql, tokens: dict[str, str], settings
) -> None:
    seen = await crawl(gql, tokens)
    met = {kind for pairs in seen.values() for kind, _ in pairs}
    assert types_with_ids(schema_for(settings)) - met == set(), "a type with an id that no crawl meets"

    outsider = tokens["trust member"]  # signed in, in the trust, in none of its schools
    trust_ids = {i for pairs in seen.values() for kind, i in pairs if kind == "TrustListing"}
    for caller, pairs in seen.items():
        for kind, gid in sorted(pairs):
            if kind in REFERENCES:
                # Opened by one who may see what it refers to: platform support sees every one of these.
                opened = (await gql(NODE, {"id": gid}, token=tokens["platform support"]))["node"]
                assert opened == {"__typename": REFERENCES[kind], "id": gid}, (caller, kind, gid)
            else:
                opened = (await gql(NODE, {"id": gid}, token=tokens[caller]))["node"]
                assert opened == {"__typename": kind, "id": gid}, (caller, kind, gid)
            if kind not in PUBLIC and gid not in trust_ids:
                assert (await gql(NODE, {"id": gid}, token=outsider))["node"] is None, (kind, gid)


def test_the_schema_has_no_id_outside_node_and_the_known_references() -> None:
    """A new type with an id is a Node, or is named here as a reference to one."""
    from infra.settings import Settings

    schema = build_schema(Settings())
    nodes = {name for name, kind in schema._schema.type_map.items()
             if isinstance(kind, GraphQLObjectType) and any(i.name == "Node" for i in kind.interfaces)}
    assert types_with_ids(schema) - nodes == set(REFERENCES)
