"""Bad input is answered with a typed error naming the input field at fault, and nothing
is written: no row, no audit event. Bad query arguments are errors naming the argument."""

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from schema.ids import global_id
from tests.world import World

ERROR = "__typename ... on Error { code message field }"
ADD_MEMBER = f"""
mutation($org: ID!, $email: String!, $name: String!) {{
  addMember(input: {{organisationId: $org, email: $email, displayName: $name}}) {{ {ERROR} }} }}
"""
CREATE_ORGANISATION = f"""
mutation($name: String!, $timeZone: String! = "Europe/London", $designation: String) {{
  createOrganisation(input: {{kind: SCHOOL, name: $name, timeZone: $timeZone, designation: $designation}}) {{
    {ERROR} }} }}
"""
CREATE_LICENCE = f"""
mutation($org: ID!, $email: String!, $name: String!) {{
  createLicence(input: {{organisationId: $org, ownerEmail: $email, ownerDisplayName: $name}}) {{ {ERROR} }} }}
"""
SET_DESIGNATION = f"""
mutation($org: ID!, $designation: String) {{
  setDesignation(input: {{organisationId: $org, designation: $designation}}) {{ {ERROR} }} }}
"""
TRANSFER = f"""
mutation($licence: ID!, $person: ID!) {{
  transferOwnership(input: {{licenceId: $licence, newOwnerId: $person}}) {{ {ERROR} }} }}
"""
ADD_SEAT = f"""
mutation($licence: ID!, $person: ID!) {{
  addSeat(input: {{licenceId: $licence, personId: $person}}) {{ {ERROR} }} }}
"""
DEACTIVATE = f"mutation($id: ID!) {{ deactivateSeat(input: {{seatId: $id}}) {{ {ERROR} }} }}"
PROMOTE = f"mutation($id: ID!) {{ promoteMember(input: {{membershipId: $id}}) {{ {ERROR} }} }}"
REMOVE = f"mutation($id: ID!) {{ removeMember(input: {{membershipId: $id}}) {{ {ERROR} }} }}"

# Everything a bad input could have written, as platform support sees it (and the seats,
# which only the school's administrators see).
STATE = """
query($ashdown: ID!) {
  auditLog { totalCount }
  organisations { totalCount nodes { id name designation timeZone
    licence { id owner { id } activeSeatCount }
    members { totalCount nodes { id role person { id email displayName } } } } }
  ashdown: node(id: $ashdown) { ... on Organisation { licence { seats { nodes { id active person { id } } } } } }
}
"""

LONG = "x" * 201
UNKNOWN = 999_999


@dataclass
class Case:
    query: str
    actor: str
    variables: Callable[[World, str], dict[str, Any]]  # (world, a school without a licence)
    code: str
    field: str


def member_input(w: World, **overrides: str) -> dict[str, Any]:
    return {"org": w.org("ashdown"), "email": "new@example.org", "name": "New Teacher"} | overrides


def licence_input(school: str, **overrides: str) -> dict[str, Any]:
    return {"org": school, "email": "head@example.org", "name": "Head Teacher"} | overrides


CASES = {
    # Names: empty, only spaces, over 200 characters.
    **{
        f"addMember {label} name": Case(
            ADD_MEMBER, "owner", lambda w, s, n=name: member_input(w, name=n), "VALIDATION", "displayName")
        for label, name in [("empty", ""), ("blank", " \t "), ("long", LONG)]
    },
    **{
        f"createOrganisation {label} name": Case(
            CREATE_ORGANISATION, "support", lambda w, s, n=name: {"name": n}, "VALIDATION", "name")
        for label, name in [("empty", ""), ("blank", "   "), ("long", LONG)]
    },
    "createOrganisation blank designation": Case(
        CREATE_ORGANISATION, "support", lambda w, s: {"name": "Elm", "designation": " "}, "VALIDATION", "designation"),
    "createLicence empty owner name": Case(
        CREATE_LICENCE, "support", lambda w, s: licence_input(s, name=""), "VALIDATION", "ownerDisplayName"),
    "createLicence blank owner name": Case(
        CREATE_LICENCE, "support", lambda w, s: licence_input(s, name="  "), "VALIDATION", "ownerDisplayName"),
    "createLicence long owner name": Case(
        CREATE_LICENCE, "support", lambda w, s: licence_input(s, name=LONG), "VALIDATION", "ownerDisplayName"),
    "setDesignation blank": Case(
        SET_DESIGNATION, "support", lambda w, s: {"org": w.org("trust"), "designation": "  "},
        "VALIDATION", "designation"),
    "setDesignation long": Case(
        SET_DESIGNATION, "support", lambda w, s: {"org": w.org("trust"), "designation": "x" * 101},
        "VALIDATION", "designation"),
    # Emails.
    **{
        f"addMember email {email!r}": Case(
            ADD_MEMBER, "owner", lambda w, s, e=email: member_input(w, email=e), "VALIDATION", "email")
        for email in ["", "not-an-email", "new@example", "new teacher@example.org", "new@@example.org",
                      "a" * 250 + "@example.org"]
    },
    "createLicence bad email": Case(
        CREATE_LICENCE, "support", lambda w, s: licence_input(s, email="head.example.org"), "VALIDATION", "ownerEmail"),
    # Time zones.
    **{
        f"createOrganisation time zone {zone!r}": Case(
            CREATE_ORGANISATION, "support", lambda w, s, z=zone: {"name": "Elm", "timeZone": z},
            "VALIDATION", "timeZone")
        for zone in ["", "Mars/Olympus_Mons", "europe/london", "GMT+25"]
    },
    # Ids of the right type that match nothing.
    "addMember unknown organisation": Case(
        ADD_MEMBER, "owner", lambda w, s: member_input(w, org=global_id("Organisation", UNKNOWN)),
        "NOT_FOUND", "organisationId"),
    "createLicence unknown organisation": Case(
        CREATE_LICENCE, "support", lambda w, s: licence_input(global_id("Organisation", UNKNOWN)),
        "NOT_FOUND", "organisationId"),
    "setDesignation unknown organisation": Case(
        SET_DESIGNATION, "support",
        lambda w, s: {"org": global_id("Organisation", UNKNOWN), "designation": "Academies"},
        "NOT_FOUND", "organisationId"),
    "transferOwnership unknown licence": Case(
        TRANSFER, "support", lambda w, s: {"licence": global_id("Licence", UNKNOWN), "person": w["staff"].gid},
        "NOT_FOUND", "licenceId"),
    "addSeat unknown licence": Case(
        ADD_SEAT, "owner", lambda w, s: {"licence": global_id("Licence", UNKNOWN), "person": w["staff"].gid},
        "NOT_FOUND", "licenceId"),
    "deactivateSeat unknown seat": Case(
        DEACTIVATE, "owner", lambda w, s: {"id": global_id("Seat", UNKNOWN)}, "NOT_FOUND", "seatId"),
    "promoteMember unknown membership": Case(
        PROMOTE, "owner", lambda w, s: {"id": global_id("Membership", UNKNOWN)}, "NOT_FOUND", "membershipId"),
    "removeMember unknown membership": Case(
        REMOVE, "owner", lambda w, s: {"id": global_id("Membership", UNKNOWN)}, "NOT_FOUND", "membershipId"),
    # Ids of the wrong type (real objects, so only the type is wrong).
    "addMember licence as organisation": Case(
        ADD_MEMBER, "owner", lambda w, s: member_input(w, org=w.licence("ashdown")), "VALIDATION", "organisationId"),
    "createLicence person as organisation": Case(
        CREATE_LICENCE, "support", lambda w, s: licence_input(w["owner"].gid), "VALIDATION", "organisationId"),
    "transferOwnership organisation as licence": Case(
        TRANSFER, "support", lambda w, s: {"licence": w.org("ashdown"), "person": w["staff"].gid},
        "VALIDATION", "licenceId"),
    "transferOwnership membership as person": Case(
        TRANSFER, "support", lambda w, s: {"licence": w.licence("ashdown"), "person": w["staff"].membership("ashdown")},
        "VALIDATION", "newOwnerId"),
    "addSeat seat as person": Case(
        ADD_SEAT, "owner", lambda w, s: {"licence": w.licence("ashdown"), "person": w.seat("staff")},
        "VALIDATION", "personId"),
    "deactivateSeat licence as seat": Case(
        DEACTIVATE, "owner", lambda w, s: {"id": w.licence("ashdown")}, "VALIDATION", "seatId"),
    "promoteMember person as membership": Case(
        PROMOTE, "owner", lambda w, s: {"id": w["staff"].gid}, "VALIDATION", "membershipId"),
    # Strings that are no id at all.
    **{
        f"deactivateSeat garbage {raw!r}": Case(
            DEACTIVATE, "owner", lambda w, s, r=raw: {"id": r}, "VALIDATION", "seatId")
        for raw in ["garbage", "", "Seat:1", "U2VhdA==", "U2VhdDphYmM=", "U2VhdDo=", "OjE="]
    },
    "addMember garbage organisation": Case(
        ADD_MEMBER, "owner", lambda w, s: member_input(w, org="not-an-id"), "VALIDATION", "organisationId"),
    "addSeat garbage person": Case(
        ADD_SEAT, "owner", lambda w, s: {"licence": w.licence("ashdown"), "person": "???"}, "VALIDATION", "personId"),
    "transferOwnership garbage person": Case(
        TRANSFER, "support", lambda w, s: {"licence": w.licence("ashdown"), "person": "garbage"},
        "VALIDATION", "newOwnerId"),
    # Clashes with what is there.
    "addMember email of a member": Case(
        ADD_MEMBER, "owner", lambda w, s: member_input(w, email=w["staff"].email), "CONFLICT", "email"),
    "addSeat person outside the school": Case(
        ADD_SEAT, "owner", lambda w, s: {"licence": w.licence("ashdown"), "person": w["staff_b"].gid},
        "VALIDATION", "personId"),
    "addSeat unknown person": Case(
        ADD_SEAT, "owner", lambda w, s: {"licence": w.licence("ashdown"), "person": global_id("Person", UNKNOWN)},
        "VALIDATION", "personId"),
}


def token(world: World, actor: str) -> str:
    return world.system_token if actor == "system" else world[actor].token


async def state(gql, world: World) -> dict:
    """Everything a bad input could have changed."""
    support = await gql(STATE, {"ashdown": world.org("ashdown")}, token=world["support"].token)
    owner = await gql(STATE, {"ashdown": world.org("ashdown")}, token=world["owner"].token)
    return {"support": support, "seats": owner["ashdown"]}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
async def test_bad_input_is_a_typed_error_naming_the_field_and_writes_nothing(gql, world: World, case: Case) -> None:
    created = await gql('mutation { createOrganisation(input: {kind: SCHOOL, name: "Dunmore Primary"}) {'
                        " ... on OrganisationPayload { organisation { id } } } }", token=world["support"].token)
    school = created["createOrganisation"]["organisation"]["id"]  # a school without a licence
    before = await state(gql, world)
    data = await gql(case.query, case.variables(world, school), token=token(world, case.actor))
    (answer,) = data.values()
    assert answer["__typename"].endswith("Error"), answer
    assert (answer["code"], answer["field"]) == (case.code, case.field), answer
    assert answer["message"]
    assert await state(gql, world) == before


@pytest.mark.parametrize(
    ("query", "variables", "actor"),
    [
        (ADD_MEMBER, lambda w, s: member_input(w, name="x" * 200), "owner"),
        (CREATE_ORGANISATION, lambda w, s: {"name": "x" * 200}, "support"),
        (CREATE_LICENCE, lambda w, s: licence_input(s, name="x" * 200), "support"),
    ],
    ids=["displayName", "name", "ownerDisplayName"],
)
async def test_a_name_of_exactly_200_characters_is_accepted(
    gql, world: World, query: str, variables, actor: str
) -> None:
    """The limit is 200, not less."""
    created = await gql('mutation { createOrganisation(input: {kind: SCHOOL, name: "Dunmore Primary"}) {'
                        " ... on OrganisationPayload { organisation { id } } } }", token=world["support"].token)
    school = created["createOrganisation"]["organisation"]["id"]
    data = await gql(query, variables(world, school), token=world[actor].token)
    (answer,) = data.values()
    assert answer["__typename"].endswith("Payload"), answer


# --- query arguments ---------------------------------------------------------------------


def cursor(values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


async def argument_error(gql, world: World, query: str, variables: dict | None = None) -> dict:
    """The one error's extensions; the list is not answered."""
    errors = await gql.errors(query, variables, token=world["support"].token)
    assert len(errors) == 1, errors
    return errors[0]["extensions"]


@pytest.mark.parametrize("first", [0, -1, 101, 1000])
@pytest.mark.parametrize(
    "query",
    [
        "query($first: Int) { organisations(first: $first) { totalCount } }",
        "query($first: Int) { auditLog(first: $first) { totalCount } }",
        "query($first: Int, $org: ID!) { node(id: $org) { ... on Organisation { members(first: $first) {"
        " totalCount } } } }",
        "query($first: Int, $org: ID!) { node(id: $org) { ... on Organisation { licence { seats(first: $first) {"
        " totalCount } } } } }",
    ],
    ids=["organisations", "auditLog", "members", "seats"],
)
async def test_first_out_of_range_is_a_validation_error_naming_first(gql, world: World, query: str, first: int) -> None:
    # Seats are only listed for the school's administrators; ask as the owner there.
    token_ = world["owner"].token if "seats" in query else world["support"].token
    errors = await gql.errors(query, {"first": first, "org": world.org("ashdown")}, token=token_)
    assert [e["extensions"] for e in errors] == [{"code": "VALIDATION", "field": "first"}]


async def test_the_largest_page_is_allowed(gql, world: World) -> None:
    data = await gql("{ organisations(first: 100) { totalCount } }", token=world["support"].token)
    assert data["organisations"]["totalCount"] == 3


@pytest.mark.parametrize(
    "after",
    ["garbage", "", "!!!", cursor([1]), cursor({"name": "Ashdown Primary", "id": 1}),
     base64.urlsafe_b64encode(b"\xff\xfe").decode()],
    ids=["garbage", "empty", "not-base64", "wrong-length", "not-a-list", "not-utf8"],
)
async def test_a_bad_cursor_is_a_validation_error_naming_after(gql, world: World, after: str) -> None:
    query = "query($after: String) { organisations(after: $after) { totalCount } }"
    extensions = await argument_error(gql, world, query, {"after": after})
    assert extensions == {"code": "VALIDATION", "field": "after"}


async def test_a_cursor_from_another_list_is_a_validation_error(gql, world: World) -> None:
    data = await gql("{ organisations(first: 1) { pageInfo { endCursor } } }", token=world["support"].token)
    other = data["organisations"]["pageInfo"]["endCursor"]
    extensions = await argument_error(gql, world, "query($after: String) { auditLog(after: $after) { totalCount } }",
                                      {"after": other})
    assert extensions == {"code": "VALIDATION", "field": "after"}


@pytest.mark.parametrize(
    ("query", "after"),
    [
        ("query($after: String) { organisations(after: $after) { totalCount } }", cursor([{"a": 1}, None])),
        ("query($after: String) { organisations(after: $after) { totalCount } }", cursor([123, "x"])),
        ("query($after: String) { auditLog(after: $after) { totalCount } }", cursor(["abc"])),
    ],
    ids=["organisations-objects", "organisations-swapped-types", "auditLog-text-id"],
)
async def test_a_forged_cursor_of_the_right_length_is_a_validation_error(
    gql, world: World, query: str, after: str
) -> None:
    """A cursor is opaque: one made by hand with values of the wrong kind is as bad as
    garbage, not an internal error."""
    extensions = await argument_error(gql, world, query, {"after": after})
    assert extensions == {"code": "VALIDATION", "field": "after"}
