"""Adding people by email (seed 001): Administrators only. Someone new gets an account;
someone who already has one keeps it and joins."""

import pytest

from tests.world import World

ADD = """
mutation($org: ID!, $email: String!, $name: String!, $role: MembershipRole! = MEMBER) {
  addMember(input: {organisationId: $org, email: $email, displayName: $name, role: $role}) {
    __typename
    ... on MembershipPayload { membership { id role organisation { id } person { id email displayName } } }
    ... on Error { code message field } } }
"""
ADD_DEFAULT_ROLE = """
mutation($org: ID!, $email: String!, $name: String!) {
  addMember(input: {organisationId: $org, email: $email, displayName: $name}) {
    ... on MembershipPayload { membership { role } } ... on Error { code } } }
"""
MEMBERS = """
query($id: ID!) { node(id: $id) { ... on Organisation {
  members { totalCount nodes { id role person { id email displayName } } } } } }
"""
AUDIT_COUNT = "{ auditLog { totalCount } }"

# Who administers which organisation in the world.
ADMINISTRATORS = [("owner", "ashdown"), ("admin", "ashdown"), ("owner_b", "birchwood"), ("trust_admin", "trust")]
# Everyone who may not add to Ashdown, and what they are told: those who may see Ashdown
# are refused; to the rest it does not exist.
REFUSED = {
    "staff": "FORBIDDEN",
    "staff2": "FORBIDDEN",
    "system": "FORBIDDEN",
    "support": "FORBIDDEN",
    "owner_b": "NOT_FOUND",
    "staff_b": "NOT_FOUND",
    "trust_admin": "NOT_FOUND",
    "trust_member": "NOT_FOUND",
}


def token(world: World, actor: str) -> str:
    return world.system_token if actor == "system" else world[actor].token


async def members(gql, world: World, org: str = "ashdown") -> dict:
    """The organisation's members as support sees them."""
    return (await gql(MEMBERS, {"id": world.org(org)}, token=world["support"].token))["node"]["members"]


async def audit_count(gql, world: World) -> int:
    return (await gql(AUDIT_COUNT, token=world["support"].token))["auditLog"]["totalCount"]


@pytest.mark.parametrize("role", ["MEMBER", "ADMINISTRATOR"])
@pytest.mark.parametrize(("actor", "org"), ADMINISTRATORS)
async def test_an_administrator_adds_someone_new(gql, world: World, actor: str, org: str, role: str) -> None:
    before = await members(gql, world, org)
    data = await gql(ADD, {"org": world.org(org), "email": "new.teacher@example.org", "name": "New Teacher",
                           "role": role}, token=world[actor].token)
    added = data["addMember"]["membership"]
    assert added["role"] == role and added["organisation"] == {"id": world.org(org)}
    assert added["person"]["email"] == "new.teacher@example.org" and added["person"]["displayName"] == "New Teacher"
    after = await members(gql, world, org)
    assert after["totalCount"] == before["totalCount"] + 1
    assert {"id": added["id"], "role": role, "person": added["person"]} in after["nodes"]


async def test_the_role_defaults_to_member(gql, world: World) -> None:
    data = await gql(ADD_DEFAULT_ROLE, {"org": world.org("ashdown"), "email": "new@example.org", "name": "New"},
                     token=world["admin"].token)
    assert data["addMember"] == {"membership": {"role": "MEMBER"}}


async def test_email_and_name_are_stored_tidy(gql, world: World) -> None:
    """Emails are compared without case or surrounding spaces; names lose stray spaces."""
    data = await gql(ADD, {"org": world.org("ashdown"), "email": "  Ada.Lovelace@Example.ORG ",
                           "name": "  Ada   Lovelace "}, token=world["owner"].token)
    assert data["addMember"]["membership"]["person"] | {"id": None} == {
        "id": None, "email": "ada.lovelace@example.org", "displayName": "Ada Lovelace"
    }


async def test_adding_is_audited(gql, world: World) -> None:
    data = await gql(ADD, {"org": world.org("ashdown"), "email": "new@example.org", "name": "New"},
                     token=world["admin"].token)
    membership = data["addMember"]["membership"]["id"]
    log = await gql("{ auditLog(first: 1) { totalCount nodes { action actorName targetId organisation { id } } } }",
                    token=world["owner"].token)
    assert log["auditLog"] == {"totalCount": 1, "nodes": [{
        "action": "MEMBER_ADDED", "actorName": world["admin"].name, "targetId": membership,
        "organisation": {"id": world.org("ashdown")},
    }]}


async def test_someone_from_another_school_joins_with_the_same_account(gql, world: World) -> None:
    """A teacher moving schools keeps their Person (and so their progress); the display
    name given is not imposed on an existing account."""
    variables = {"org": world.org("ashdown"), "email": world["staff_b"].email.upper(), "name": "Someone Else"}
    data = await gql(ADD, variables, token=world["owner"].token)
    person = data["addMember"]["membership"]["person"]
    assert person == {"id": world["staff_b"].gid, "email": world["staff_b"].email, "displayName": world["staff_b"].name}
    listed = await members(gql, world)
    assert [m["person"]["id"] for m in listed["nodes"]].count(world["staff_b"].gid) == 1
    # Still at Birchwood, now at Ashdown too, by their own account.
    me = await gql("{ me { person { id } memberships { role organisation { id } } } }", token=world["staff_b"].token)
    assert me["me"]["person"] == {"id": world["staff_b"].gid}
    assert sorted(m["organisation"]["id"] for m in me["me"]["memberships"]) == sorted(
        [world.org("ashdown"), world.org("birchwood")]
    )


async def test_someone_from_a_trust_joins_a_school_as_administrator(gql, world: World) -> None:
    data = await gql(ADD, {"org": world.org("ashdown"), "email": world["trust_member"].email, "name": "X",
                           "role": "ADMINISTRATOR"}, token=world["admin"].token)
    assert data["addMember"]["membership"]["person"]["id"] == world["trust_member"].gid
    me = await gql("{ me { memberships { role organisation { id } } } }", token=world["trust_member"].token)
    assert {"role": "ADMINISTRATOR", "organisation": {"id": world.org("ashdown")}} in me["me"]["memberships"]
    assert {"role": "MEMBER", "organisation": {"id": world.org("trust")}} in me["me"]["memberships"]


@pytest.mark.parametrize("email", ["staff@example.org", "  STAFF@Example.org ", "owner@example.org"])
async def test_someone_already_a_member_is_a_conflict_naming_email(gql, world: World, email: str) -> None:
    before, events = await members(gql, world), await audit_count(gql, world)
    data = await gql(ADD, {"org": world.org("ashdown"), "email": email, "name": "Again", "role": "ADMINISTRATOR"},
                     token=world["admin"].token)
    assert data["addMember"]["__typename"] == "ConflictError"
    assert data["addMember"]["field"] == "email"
    assert await members(gql, world) == before
    assert await audit_count(gql, world) == events


# One caller refused each way; every caller against every mutation is tests/graphql/test_refusals.py's.
@pytest.mark.parametrize("actor", ["staff", "owner_b"])
@pytest.mark.parametrize("email", ["new.teacher@example.org", "staff_b@example.org"], ids=["new", "existing"])
async def test_others_may_not_add_members(gql, world: World, actor: str, email: str) -> None:
    before, events = await members(gql, world), await audit_count(gql, world)
    data = await gql(ADD, {"org": world.org("ashdown"), "email": email, "name": "Sneaky", "role": "ADMINISTRATOR"},
                     token=token(world, actor))
    assert data["addMember"]["code"] == REFUSED[actor]
    assert await members(gql, world) == before
    assert await audit_count(gql, world) == events


async def test_a_refused_add_creates_no_account(gql, world: World) -> None:
    """If a refused attempt had made the Person, a later real add would find it (with the
    refused attempt's name) instead of creating it."""
    await gql(ADD, {"org": world.org("ashdown"), "email": "new@example.org", "name": "Wrong Name"},
              token=world["staff"].token)
    data = await gql(ADD, {"org": world.org("ashdown"), "email": "new@example.org", "name": "Right Name"},
                     token=world["owner"].token)
    assert data["addMember"]["membership"]["person"]["displayName"] == "Right Name"


async def test_someone_added_as_administrator_is_one(gql, world: World) -> None:
    """Added as ADMINISTRATOR, the person really holds the role: promoting them is a conflict."""
    data = await gql(ADD, {"org": world.org("ashdown"), "email": "new@example.org", "name": "New",
                           "role": "ADMINISTRATOR"}, token=world["owner"].token)
    membership = data["addMember"]["membership"]["id"]
    again = await gql(
        "mutation($id: ID!) { promoteMember(input: {membershipId: $id}) { ... on Error { code } } }",
        {"id": membership}, token=world["owner"].token,
    )
    assert again["promoteMember"] == {"code": "CONFLICT"}
