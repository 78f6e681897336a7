"""Who may promote, demote, add and remove Administrators (seeds 000 and 001)."""

import pytest

from tests.world import World

PROMOTE = """
mutation($id: ID!) { promoteMember(input: {membershipId: $id}) {
  __typename ... on MembershipPayload { membership { role } } ... on Error { code message field } } }
"""
DEMOTE = PROMOTE.replace("promoteMember", "demoteMember")
REMOVE = """
mutation($id: ID!) { removeMember(input: {membershipId: $id}) {
  __typename ... on Error { code message field } } }
"""
ROLE = "query($id: ID!) { node(id: $id) { ... on Membership { role } } }"


async def role_of(gql, world: World, key: str, org: str = "ashdown") -> str:
    data = await gql(ROLE, {"id": world[key].membership(org)}, token=world["owner"].token)
    return data["node"]["role"]


@pytest.mark.parametrize("actor", ["owner", "admin"])
async def test_any_administrator_promotes_a_member(gql, world: World, actor: str) -> None:
    data = await gql(PROMOTE, {"id": world["staff"].membership("ashdown")}, token=world[actor].token)
    assert data["promoteMember"] == {"__typename": "MembershipPayload", "membership": {"role": "ADMINISTRATOR"}}
    assert await role_of(gql, world, "staff") == "ADMINISTRATOR"


@pytest.mark.parametrize("actor", ["staff", "staff2"])
async def test_a_member_may_not_promote_anyone_or_themself(gql, world: World, actor: str) -> None:
    for target in ("staff", "staff2"):
        data = await gql(PROMOTE, {"id": world[target].membership("ashdown")}, token=world[actor].token)
        assert data["promoteMember"]["code"] == "FORBIDDEN"
        assert await role_of(gql, world, target) == "MEMBER"


@pytest.mark.parametrize("actor", ["owner_b", "trust_admin", "support"])
async def test_outsiders_cannot_touch_another_organisations_members(gql, world: World, actor: str) -> None:
    data = await gql(PROMOTE, {"id": world["staff"].membership("ashdown")}, token=world[actor].token)
    # Support may see the membership but runs no school's business; others may not even see it.
    assert data["promoteMember"]["code"] == ("FORBIDDEN" if actor == "support" else "NOT_FOUND")
    assert await role_of(gql, world, "staff") == "MEMBER"


async def test_an_administrator_demotes_another_administrator(gql, world: World) -> None:
    data = await gql(DEMOTE, {"id": world["admin"].membership("ashdown")}, token=world["owner"].token)
    assert data["demoteMember"]["membership"] == {"role": "MEMBER"}


@pytest.mark.parametrize("actor", ["owner", "admin"])
async def test_the_owner_can_never_be_demoted(gql, world: World, actor: str) -> None:
    data = await gql(DEMOTE, {"id": world["owner"].membership("ashdown")}, token=world[actor].token)
    assert data["demoteMember"]["code"] == "CONFLICT"
    assert "owner" in data["demoteMember"]["message"]
    assert await role_of(gql, world, "owner") == "ADMINISTRATOR"


@pytest.mark.parametrize("actor", ["owner", "admin"])
async def test_the_owner_can_never_be_removed(gql, world: World, actor: str) -> None:
    data = await gql(REMOVE, {"id": world["owner"].membership("ashdown")}, token=world[actor].token)
    assert data["removeMember"]["code"] == "CONFLICT"
    assert await role_of(gql, world, "owner") == "ADMINISTRATOR"


async def test_the_last_administrator_of_a_trust_cannot_leave(gql, world: World) -> None:
    token = world["trust_admin"].token
    demoted = await gql(DEMOTE, {"id": world["trust_admin"].membership("trust")}, token=token)
    removed = await gql(REMOVE, {"id": world["trust_admin"].membership("trust")}, token=token)
    assert demoted["demoteMember"]["code"] == removed["removeMember"]["code"] == "CONFLICT"
    assert "last Administrator" in demoted["demoteMember"]["message"]


async def test_a_trust_administrator_promotes_a_trust_member_as_seed_001_says(gql, world: World) -> None:
    data = await gql(PROMOTE, {"id": world["trust_member"].membership("trust")}, token=world["trust_admin"].token)
    assert data["promoteMember"]["membership"] == {"role": "ADMINISTRATOR"}
    # With two Administrators, one may now step down.
    data = await gql(DEMOTE, {"id": world["trust_admin"].membership("trust")}, token=world["trust_admin"].token)
    assert data["demoteMember"]["membership"] == {"role": "MEMBER"}


async def test_removing_a_member_deactivates_their_seat_and_keeps_their_account(gql, world: World) -> None:
    data = await gql(REMOVE, {"id": world["staff"].membership("ashdown")}, token=world["admin"].token)
    assert data["removeMember"]["__typename"] == "RemoveMemberPayload"
    seat = await gql("query($id: ID!) { node(id: $id) { ... on Seat { active } } }",
                     {"id": world.seat("staff")}, token=world["owner"].token)
    assert seat["node"] == {"active": False}
    me = await gql("{ me { person { email } memberships { id } } }", token=world["staff"].token)
    assert me["me"] == {"person": {"email": world["staff"].email}, "memberships": []}


async def test_a_member_may_not_remove_anyone(gql, world: World) -> None:
    data = await gql(REMOVE, {"id": world["staff2"].membership("ashdown")}, token=world["staff"].token)
    assert data["removeMember"]["code"] == "FORBIDDEN"
    assert await role_of(gql, world, "staff2") == "MEMBER"
