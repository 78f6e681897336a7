"""Who may give, deactivate and reactivate seats on a school's licence (seed 000): the
owner and full administrators; no one else, and a refusal changes nothing."""

import pytest

from tests.world import World

ADD_SEAT = """
mutation($licence: ID!, $person: ID!, $subscription: SubscriptionKind! = ALL_ACCESS_PASS_PLUS) {
  addSeat(input: {licenceId: $licence, personId: $person, subscription: $subscription}) {
    __typename
    ... on SeatPayload { seat { id active subscription person { id } licence { id } } }
    ... on Error { code message field } } }
"""
DEACTIVATE = """
mutation($id: ID!) { deactivateSeat(input: {seatId: $id}) {
  __typename ... on SeatPayload { seat { id active } } ... on Error { code message field } } }
"""
REACTIVATE = DEACTIVATE.replace("deactivateSeat", "reactivateSeat")
ADD_MEMBER = """
mutation($org: ID!, $email: String!) {
  addMember(input: {organisationId: $org, email: $email, displayName: "New Teacher"}) {
    ... on MembershipPayload { membership { person { id } } } ... on Error { code } } }
"""
REMOVE = "mutation($id: ID!) { removeMember(input: {membershipId: $id}) { __typename } }"
LICENCE = """
query($id: ID!) { node(id: $id) { ... on Licence {
  activeSeatCount seats { totalCount nodes { id active person { id } } } } } }
"""
SEAT = "query($id: ID!) { node(id: $id) { ... on Seat { active } } }"
AUDIT_COUNT = "{ auditLog { totalCount } }"

# Everyone but the owner and the full administrator, with what each is told: those who
# may see Ashdown's licence are refused; to the rest it does not exist.
# What node(id:) shows decides: the licence is seen by its school's staff, a seat only by
# its holder and those who see the licence's seats, so another member is told a seat does
# not exist.
SEAT_REFUSED = {"staff": "NOT_FOUND"}
REFUSED = {
    "staff": "FORBIDDEN",
    "support": "FORBIDDEN",
    "owner_b": "NOT_FOUND",
    "staff_b": "NOT_FOUND",
    "trust_admin": "NOT_FOUND",
    "trust_member": "NOT_FOUND",
    "system": "NOT_FOUND",
}


def token(world: World, actor: str) -> str:
    return world.system_token if actor == "system" else world[actor].token


async def new_member(gql, world: World, email: str = "new.teacher@example.org") -> str:
    """A member of Ashdown without a seat; their Person id."""
    data = await gql(ADD_MEMBER, {"org": world.org("ashdown"), "email": email}, token=world["owner"].token)
    return data["addMember"]["membership"]["person"]["id"]


async def licence_state(gql, world: World) -> dict:
    """Ashdown's licence as its owner sees it: the active count and every seat."""
    data = await gql(LICENCE, {"id": world.licence("ashdown")}, token=world["owner"].token)
    return data["node"]


async def seat_active(gql, world: World, seat_id: str) -> bool:
    data = await gql(SEAT, {"id": seat_id}, token=world["owner"].token)
    return data["node"]["active"]


async def audit_count(gql, world: World) -> int:
    return (await gql(AUDIT_COUNT, token=world["support"].token))["auditLog"]["totalCount"]


@pytest.mark.parametrize("actor", ["owner", "admin"])
async def test_a_full_administrator_gives_a_member_a_seat(gql, world: World, actor: str) -> None:
    person = await new_member(gql, world)
    before = await licence_state(gql, world)
    data = await gql(ADD_SEAT, {"licence": world.licence("ashdown"), "person": person}, token=world[actor].token)
    seat = data["addSeat"]["seat"]
    assert data["addSeat"]["__typename"] == "SeatPayload"
    assert seat["active"] is True and seat["subscription"] == "ALL_ACCESS_PASS_PLUS"
    assert seat["person"] == {"id": person} and seat["licence"] == {"id": world.licence("ashdown")}
    after = await licence_state(gql, world)
    assert after["activeSeatCount"] == before["activeSeatCount"] + 1
    assert {"id": seat["id"], "active": True, "person": {"id": person}} in after["seats"]["nodes"]


async def test_a_seat_keeps_the_subscription_asked_for(gql, world: World) -> None:
    person = await new_member(gql, world)
    data = await gql(
        ADD_SEAT, {"licence": world.licence("ashdown"), "person": person, "subscription": "ALL_ACCESS_PASS"},
        token=world["admin"].token,
    )
    assert data["addSeat"]["seat"]["subscription"] == "ALL_ACCESS_PASS"


@pytest.mark.parametrize("actor", ["owner", "admin"])
async def test_a_full_administrator_deactivates_and_reactivates_a_seat(gql, world: World, actor: str) -> None:
    seat = world.seat("staff2")
    count = (await licence_state(gql, world))["activeSeatCount"]
    data = await gql(DEACTIVATE, {"id": seat}, token=world[actor].token)
    assert data["deactivateSeat"] == {"__typename": "SeatPayload", "seat": {"id": seat, "active": False}}
    assert await seat_active(gql, world, seat) is False
    assert (await licence_state(gql, world))["activeSeatCount"] == count - 1

    data = await gql(REACTIVATE, {"id": seat}, token=world[actor].token)
    assert data["reactivateSeat"] == {"__typename": "SeatPayload", "seat": {"id": seat, "active": True}}
    assert await seat_active(gql, world, seat) is True
    assert (await licence_state(gql, world))["activeSeatCount"] == count


@pytest.mark.parametrize("actor", ["owner", "admin"])
async def test_each_seat_change_is_audited(gql, world: World, actor: str) -> None:
    person = await new_member(gql, world)
    added = await gql(ADD_SEAT, {"licence": world.licence("ashdown"), "person": person}, token=world[actor].token)
    seat = added["addSeat"]["seat"]["id"]
    await gql(DEACTIVATE, {"id": seat}, token=world[actor].token)
    await gql(REACTIVATE, {"id": seat}, token=world[actor].token)
    data = await gql(
        "query($seat: ID!) { auditLog(filter: {targetId: $seat}) { nodes { action actorName organisation { id } } } }",
        {"seat": seat}, token=world["owner"].token,
    )
    assert data["auditLog"]["nodes"] == [
        {"action": action, "actorName": world[actor].name, "organisation": {"id": world.org("ashdown")}}
        for action in ("SEAT_REACTIVATED", "SEAT_DEACTIVATED", "SEAT_ADDED")
    ]


# One caller refused each way; every caller against every mutation is tests/graphql/test_refusals.py's.
@pytest.mark.parametrize("actor", ["staff", "owner_b", "support"])
async def test_others_may_not_add_a_seat(gql, world: World, actor: str) -> None:
    person = await new_member(gql, world)
    before, events = await licence_state(gql, world), await audit_count(gql, world)
    data = await gql(ADD_SEAT, {"licence": world.licence("ashdown"), "person": person}, token=token(world, actor))
    assert data["addSeat"]["code"] == REFUSED[actor]
    assert await licence_state(gql, world) == before
    assert await audit_count(gql, world) == events


# One caller refused each way; every caller against every mutation is tests/graphql/test_refusals.py's.
@pytest.mark.parametrize("actor", ["staff", "owner_b", "support"])
async def test_others_may_not_deactivate_a_seat(gql, world: World, actor: str) -> None:
    seat = world.seat("staff2")
    before, events = await licence_state(gql, world), await audit_count(gql, world)
    data = await gql(DEACTIVATE, {"id": seat}, token=token(world, actor))
    assert data["deactivateSeat"]["code"] == SEAT_REFUSED.get(actor, REFUSED[actor])
    assert await seat_active(gql, world, seat) is True
    assert await licence_state(gql, world) == before
    assert await audit_count(gql, world) == events


# One caller refused each way; every caller against every mutation is tests/graphql/test_refusals.py's.
@pytest.mark.parametrize("actor", ["staff", "owner_b", "support"])
async def test_others_may_not_reactivate_a_seat(gql, world: World, actor: str) -> None:
    seat = world.seat("staff2")
    await gql(DEACTIVATE, {"id": seat}, token=world["owner"].token)
    before, events = await licence_state(gql, world), await audit_count(gql, world)
    data = await gql(REACTIVATE, {"id": seat}, token=token(world, actor))
    assert data["reactivateSeat"]["code"] == SEAT_REFUSED.get(actor, REFUSED[actor])
    assert await seat_active(gql, world, seat) is False
    assert await licence_state(gql, world) == before
    assert await audit_count(gql, world) == events


async def test_staff_may_not_deactivate_even_their_own_seat(gql, world: World) -> None:
    data = await gql(DEACTIVATE, {"id": world.seat("staff")}, token=world["staff"].token)
    assert data["deactivateSeat"]["code"] == "FORBIDDEN"
    assert await seat_active(gql, world, world.seat("staff")) is True


async def test_a_seat_only_goes_to_a_member_of_the_school(gql, world: World) -> None:
    before, events = await licence_state(gql, world), await audit_count(gql, world)
    data = await gql(ADD_SEAT, {"licence": world.licence("ashdown"), "person": world["staff_b"].gid},
                     token=world["owner"].token)
    assert data["addSeat"]["code"] == "VALIDATION"
    assert data["addSeat"]["field"] == "personId"
    assert await licence_state(gql, world) == before
    assert await audit_count(gql, world) == events


@pytest.mark.parametrize("deactivated", [False, True], ids=["active", "deactivated"])
async def test_a_second_seat_for_the_same_person_is_a_conflict(gql, world: World, deactivated: bool) -> None:
    """A seat, active or not, is reactivated rather than added twice."""
    if deactivated:
        await gql(DEACTIVATE, {"id": world.seat("staff")}, token=world["owner"].token)
    before, events = await licence_state(gql, world), await audit_count(gql, world)
    data = await gql(ADD_SEAT, {"licence": world.licence("ashdown"), "person": world["staff"].gid},
                     token=world["admin"].token)
    assert data["addSeat"]["code"] == "CONFLICT"
    assert data["addSeat"]["field"] == "personId"
    assert await licence_state(gql, world) == before
    assert await audit_count(gql, world) == events


async def test_deactivating_a_deactivated_seat_is_a_conflict(gql, world: World) -> None:
    seat = world.seat("staff")
    await gql(DEACTIVATE, {"id": seat}, token=world["owner"].token)
    events = await audit_count(gql, world)
    data = await gql(DEACTIVATE, {"id": seat}, token=world["admin"].token)
    assert data["deactivateSeat"]["code"] == "CONFLICT"
    assert await seat_active(gql, world, seat) is False
    assert await audit_count(gql, world) == events


async def test_reactivating_an_active_seat_is_a_conflict(gql, world: World) -> None:
    events = await audit_count(gql, world)
    data = await gql(REACTIVATE, {"id": world.seat("staff")}, token=world["admin"].token)
    assert data["reactivateSeat"]["code"] == "CONFLICT"
    assert await audit_count(gql, world) == events


async def test_the_seat_of_someone_removed_from_the_school_cannot_be_reactivated(gql, world: World) -> None:
    await gql(REMOVE, {"id": world["staff"].membership("ashdown")}, token=world["owner"].token)
    before, events = await licence_state(gql, world), await audit_count(gql, world)
    data = await gql(REACTIVATE, {"id": world.seat("staff")}, token=world["owner"].token)
    assert data["reactivateSeat"]["code"] == "VALIDATION"
    assert data["reactivateSeat"]["field"] == "seatId"
    assert await seat_active(gql, world, world.seat("staff")) is False
    assert await licence_state(gql, world) == before
    assert await audit_count(gql, world) == events


async def test_someone_added_back_to_the_school_can_have_their_seat_reactivated(gql, world: World) -> None:
    """Removal keeps the seat; once they are a member again, the same seat comes back."""
    await gql(REMOVE, {"id": world["staff"].membership("ashdown")}, token=world["owner"].token)
    assert await new_member(gql, world, world["staff"].email) == world["staff"].gid
    data = await gql(REACTIVATE, {"id": world.seat("staff")}, token=world["owner"].token)
    assert data["reactivateSeat"]["seat"] == {"id": world.seat("staff"), "active": True}
