"""Platform support's acts: create organisations and licences, set designations, transfer
ownership. Only support may, every act is audited, and the seeds' rules hold."""

import pytest

from tests.refusals import assert_refused
from tests.world import World

CREATE_ORGANISATION = """
mutation($kind: OrganisationKind!, $name: String!, $designation: String) {
  createOrganisation(input: {kind: $kind, name: $name, designation: $designation}) {
    __typename
    ... on OrganisationPayload { organisation { id kind name designation timeZone } }
    ... on Error { code message field } } }
"""
CREATE_LICENCE = """
mutation($org: ID!, $email: String!, $name: String!) {
  createLicence(input: {organisationId: $org, ownerEmail: $email, ownerDisplayName: $name}) {
    __typename
    ... on LicencePayload { licence { id activeSeatCount organisation { id } owner { id email displayName } } }
    ... on Error { code message field } } }
"""
SET_DESIGNATION = """
mutation($org: ID!, $designation: String) {
  setDesignation(input: {organisationId: $org, designation: $designation}) {
    __typename
    ... on OrganisationPayload { organisation { id designation } }
    ... on Error { code message field } } }
"""
TRANSFER = """
mutation($licence: ID!, $person: ID!) {
  transferOwnership(input: {licenceId: $licence, newOwnerId: $person}) {
    __typename
    ... on LicencePayload { licence { id owner { id } } }
    ... on Error { code message field } } }
"""
DEMOTE = """
mutation($id: ID!) { demoteMember(input: {membershipId: $id}) {
  __typename ... on MembershipPayload { membership { role } } ... on Error { code message field } } }
"""
ORGANISATION = """
query($id: ID!) { node(id: $id) { ... on Organisation {
  name kind designation
  licence { id activeSeatCount owner { id } }
  members { nodes { role isOwner person { id email displayName } } } } } }
"""
ORGANISATIONS = "{ organisations { totalCount nodes { id name designation } } }"
LATEST_EVENT = "{ auditLog(first: 1) { totalCount nodes { action actorName targetId organisation { id } } } }"

# One caller refused each way; every caller against every mutation is tests/graphql/test_refusals.py's.
NOT_SUPPORT = ["owner", "staff_b"]


def token(world: World, actor: str) -> str:
    return world.system_token if actor == "system" else world[actor].token


async def as_support(gql, world: World, query: str, variables: dict | None = None) -> dict:
    return await gql(query, variables, token=world["support"].token)


async def create_school(gql, world: World, name: str = "Dunmore Primary") -> str:
    data = await as_support(gql, world, CREATE_ORGANISATION, {"kind": "SCHOOL", "name": name})
    return data["createOrganisation"]["organisation"]["id"]


async def latest_event(gql, world: World) -> dict:
    """The newest audit event, as support sees it, and how many there are."""
    log = (await as_support(gql, world, LATEST_EVENT))["auditLog"]
    return {"count": log["totalCount"], "event": log["nodes"][0] if log["nodes"] else None}


async def organisation(gql, world: World, org_id: str) -> dict:
    return (await as_support(gql, world, ORGANISATION, {"id": org_id}))["node"]


def member(org: dict, person_id: str) -> dict | None:
    return next((m for m in org["members"]["nodes"] if m["person"]["id"] == person_id), None)


# --- platform support may ---------------------------------------------------------------


@pytest.mark.parametrize("kind", ["SCHOOL", "TRUST"])
async def test_support_creates_an_organisation(gql, world: World, kind: str) -> None:
    data = await as_support(gql, world, CREATE_ORGANISATION, {"kind": kind, "name": "  Elm   Valley  "})
    created = data["createOrganisation"]["organisation"]
    # Names are stored tidy; the time zone defaults to the UK's.
    assert created | {"id": None} == {
        "id": None, "kind": kind, "name": "Elm Valley", "designation": None, "timeZone": "Europe/London"
    }
    listed = (await as_support(gql, world, ORGANISATIONS))["organisations"]
    assert {"id": created["id"], "name": "Elm Valley", "designation": None} in listed["nodes"]
    assert listed["totalCount"] == 4
    latest = await latest_event(gql, world)
    assert latest["count"] == 1
    assert latest["event"] == {
        "action": "ORGANISATION_CREATED", "actorName": world["support"].name, "targetId": created["id"],
        "organisation": {"id": created["id"]},
    }


async def test_a_new_organisation_belongs_to_no_one_yet(gql, world: World) -> None:
    """Creating a school gives no one but support any standing in it."""
    created = await create_school(gql, world)
    for actor in ("owner", "owner_b", "trust_admin"):
        assert (await gql(ORGANISATION, {"id": created}, token=world[actor].token))["node"] is None


async def test_support_creates_a_licence_for_a_new_owner(gql, world: World) -> None:
    school = await create_school(gql, world)
    data = await as_support(
        gql, world, CREATE_LICENCE, {"org": school, "email": " Dana.Head@Example.org ", "name": "Dana Head"}
    )
    licence = data["createLicence"]["licence"]
    assert licence["organisation"] == {"id": school}
    assert licence["owner"] | {"id": None} == {"id": None, "email": "dana.head@example.org", "displayName": "Dana Head"}
    # The owner is an Administrator of the school and holds its first, active seat.
    assert licence["activeSeatCount"] == 1
    org = await organisation(gql, world, school)
    assert org["licence"] == {"id": licence["id"], "activeSeatCount": 1, "owner": {"id": licence["owner"]["id"]}}
    assert member(org, licence["owner"]["id"]) == {
        "role": "ADMINISTRATOR", "isOwner": True, "person": licence["owner"],
    }
    latest = await latest_event(gql, world)
    assert latest["event"] == {
        "action": "LICENCE_CREATED", "actorName": world["support"].name, "targetId": licence["id"],
        "organisation": {"id": school},
    }


async def test_an_existing_person_made_owner_keeps_their_account_and_gets_a_seat(gql, world: World) -> None:
    """The owner is found by email: the trust member becomes the new school's owner,
    an Administrator there, with an active seat they can see for themself."""
    school = await create_school(gql, world)
    data = await as_support(
        gql, world, CREATE_LICENCE, {"org": school, "email": world["trust_member"].email, "name": "Ignored"}
    )
    assert data["createLicence"]["licence"]["owner"] == {
        "id": world["trust_member"].gid, "email": world["trust_member"].email,
        "displayName": world["trust_member"].name,
    }
    me = await gql(
        "{ me { memberships { role organisation { id } } licences { isOwner isFullAdministrator "
        "licence { organisation { id } } seat { active subscription } } } }",
        token=world["trust_member"].token,
    )
    assert {"role": "ADMINISTRATOR", "organisation": {"id": school}} in me["me"]["memberships"]
    assert {"role": "MEMBER", "organisation": {"id": world.org("trust")}} in me["me"]["memberships"]
    assert me["me"]["licences"] == [{
        "isOwner": True, "isFullAdministrator": True, "licence": {"organisation": {"id": school}},
        "seat": {"active": True, "subscription": "ALL_ACCESS_PASS_PLUS"},
    }]


async def test_support_sets_a_designation_to_academies_and_back_to_none(gql, world: World) -> None:
    created = await as_support(gql, world, CREATE_ORGANISATION, {"kind": "TRUST", "name": "Elm Trust"})
    trust = created["createOrganisation"]["organisation"]["id"]
    for designation in ("Academies", None):
        data = await as_support(gql, world, SET_DESIGNATION, {"org": trust, "designation": designation})
        assert data["setDesignation"] == {
            "__typename": "OrganisationPayload", "organisation": {"id": trust, "designation": designation}
        }
        assert (await organisation(gql, world, trust))["designation"] == designation
        latest = await latest_event(gql, world)
        assert latest["event"] == {
            "action": "DESIGNATION_SET", "actorName": world["support"].name, "targetId": trust,
            "organisation": {"id": trust},
        }
    data = await as_support(
        gql, world,
        "query($t: ID!) { auditLog(filter: {targetId: $t, actions: [DESIGNATION_SET]}) { nodes { before after } } }",
        {"t": trust},
    )
    assert [(e["before"]["designation"], e["after"]["designation"]) for e in data["auditLog"]["nodes"]] == [
        ("Academies", None), (None, "Academies"),
    ]


async def test_support_transfers_ownership_to_a_member_of_the_school(gql, world: World) -> None:
    data = await as_support(gql, world, TRANSFER, {"licence": world.licence("ashdown"), "person": world["staff"].gid})
    assert data["transferOwnership"]["licence"] == {"id": world.licence("ashdown"), "owner": {"id": world["staff"].gid}}
    org = await organisation(gql, world, world.org("ashdown"))
    assert org["licence"]["owner"] == {"id": world["staff"].gid}
    # The new owner is an Administrator; the old owner stays one, no longer the owner.
    standing = {key: (member(org, world[key].gid)["role"], member(org, world[key].gid)["isOwner"])
                for key in ("staff", "owner")}
    assert standing == {"staff": ("ADMINISTRATOR", True), "owner": ("ADMINISTRATOR", False)}
    latest = await latest_event(gql, world)
    assert latest["event"] == {
        "action": "OWNERSHIP_TRANSFERRED", "actorName": world["support"].name, "targetId": world.licence("ashdown"),
        "organisation": {"id": world.org("ashdown")},
    }


async def test_after_a_transfer_the_old_owner_can_be_demoted_and_the_new_one_cannot(gql, world: World) -> None:
    await as_support(gql, world, TRANSFER, {"licence": world.licence("ashdown"), "person": world["staff"].gid})
    new_owner = await gql(DEMOTE, {"id": world["staff"].membership("ashdown")}, token=world["admin"].token)
    assert new_owner["demoteMember"]["code"] == "CONFLICT"
    old_owner = await gql(DEMOTE, {"id": world["owner"].membership("ashdown")}, token=world["admin"].token)
    assert old_owner["demoteMember"] == {"__typename": "MembershipPayload", "membership": {"role": "MEMBER"}}


async def test_the_new_owner_sees_themself_as_owner(gql, world: World) -> None:
    await as_support(gql, world, TRANSFER, {"licence": world.licence("ashdown"), "person": world["staff"].gid})
    for actor, owns in (("staff", True), ("owner", False)):
        me = await gql("{ me { licences { isOwner isFullAdministrator } } }", token=world[actor].token)
        assert me["me"]["licences"] == [{"isOwner": owns, "isFullAdministrator": True}]


# --- the rules ----------------------------------------------------------------------------


async def test_only_a_school_can_hold_a_licence(gql, world: World) -> None:
    before = await latest_event(gql, world)
    variables = {"org": world.org("trust"), "email": "x@example.org", "name": "X"}
    data = await as_support(gql, world, CREATE_LICENCE, variables)
    assert data["createLicence"] | {"message": None} == {
        "__typename": "ValidationError", "code": "VALIDATION", "message": None, "field": "organisationId"
    }
    assert (await organisation(gql, world, world.org("trust")))["licence"] is None
    assert await latest_event(gql, world) == before


async def test_a_school_has_one_licence(gql, world: World) -> None:
    before = await organisation(gql, world, world.org("ashdown"))
    events = await latest_event(gql, world)
    variables = {"org": world.org("ashdown"), "email": "x@example.org", "name": "X"}
    data = await as_support(gql, world, CREATE_LICENCE, variables)
    assert data["createLicence"]["code"] == "CONFLICT"
    assert data["createLicence"]["field"] == "organisationId"
    assert await organisation(gql, world, world.org("ashdown")) == before
    assert await latest_event(gql, world) == events


@pytest.mark.parametrize("outsider", ["staff_b", "trust_admin", "support"])
async def test_the_new_owner_must_be_a_member_of_the_school(gql, world: World, outsider: str) -> None:
    before = await organisation(gql, world, world.org("ashdown"))
    events = await latest_event(gql, world)
    data = await as_support(gql, world, TRANSFER, {"licence": world.licence("ashdown"), "person": world[outsider].gid})
    assert data["transferOwnership"]["code"] == "VALIDATION"
    assert data["transferOwnership"]["field"] == "newOwnerId"
    assert await organisation(gql, world, world.org("ashdown")) == before
    assert await latest_event(gql, world) == events


async def test_transferring_to_the_current_owner_is_a_conflict(gql, world: World) -> None:
    events = await latest_event(gql, world)
    data = await as_support(gql, world, TRANSFER, {"licence": world.licence("ashdown"), "person": world["owner"].gid})
    assert data["transferOwnership"]["code"] == "CONFLICT"
    assert await latest_event(gql, world) == events


# --- everyone else is refused ---------------------------------------------------------------


async def assert_forbidden(gql, world: World, actor: str, query: str, variables: dict, name: str,
                           target: str | None = None) -> None:
    """Only platform support may: anyone else is refused, FORBIDDEN where they may see the
    target and as for an id that never existed where they may not."""
    await assert_refused(gql, token(world, actor), query, variables, name, target)


@pytest.mark.parametrize("actor", NOT_SUPPORT)
async def test_others_may_not_create_an_organisation(gql, world: World, actor: str) -> None:
    before, events = await as_support(gql, world, ORGANISATIONS), await latest_event(gql, world)
    await assert_forbidden(gql, world, actor, CREATE_ORGANISATION, {"kind": "TRUST", "name": "Rogue Trust"},
                           "createOrganisation")
    assert await as_support(gql, world, ORGANISATIONS) == before
    assert await latest_event(gql, world) == events


@pytest.mark.parametrize("actor", NOT_SUPPORT)
async def test_others_may_not_create_a_licence(gql, world: World, actor: str) -> None:
    school = await create_school(gql, world)
    events = await latest_event(gql, world)
    email = world["owner"].email if actor == "system" else world[actor].email
    await assert_forbidden(gql, world, actor, CREATE_LICENCE, {"org": school, "email": email, "name": "Me"},
                           "createLicence", school)
    org = await organisation(gql, world, school)
    assert org["licence"] is None and org["members"]["nodes"] == []
    assert await latest_event(gql, world) == events


@pytest.mark.parametrize("actor", NOT_SUPPORT)
@pytest.mark.parametrize("designation", ["Academies", None])
async def test_others_may_not_set_a_designation(gql, world: World, actor: str, designation: str | None) -> None:
    # Setting 'Academies' on a trust with none, or clearing Birchwood's: either would show.
    if designation is None:
        target = world.org("birchwood")
    else:
        created = await as_support(gql, world, CREATE_ORGANISATION, {"kind": "TRUST", "name": "Elm Trust"})
        target = created["createOrganisation"]["organisation"]["id"]
    before, events = await organisation(gql, world, target), await latest_event(gql, world)
    await assert_forbidden(gql, world, actor, SET_DESIGNATION, {"org": target, "designation": designation},
                           "setDesignation", target)
    assert await organisation(gql, world, target) == before
    assert await latest_event(gql, world) == events


@pytest.mark.parametrize("actor", NOT_SUPPORT)
async def test_others_may_not_transfer_ownership(gql, world: World, actor: str) -> None:
    before, events = await organisation(gql, world, world.org("ashdown")), await latest_event(gql, world)
    variables = {"licence": world.licence("ashdown"), "person": world["admin"].gid}
    await assert_forbidden(gql, world, actor, TRANSFER, variables, "transferOwnership", world.licence("ashdown"))
    assert await organisation(gql, world, world.org("ashdown")) == before
    assert await latest_event(gql, world) == events


# --- A new trust's first Administrator --------------------------------------------------

APPOINT = """
mutation($org: ID!, $email: String!, $name: String!) {
  appointFirstAdministrator(input: {organisationId: $org, email: $email, displayName: $name}) {
    __typename
    ... on MembershipPayload { membership { role person { email displayName } organisation { id } } }
    ... on Error { code message field } } }
"""


async def test_support_starts_a_new_trust_whose_first_administrator_sees_the_schools_that_grant_it(
    gql, world: World, db
) -> None:
    from resolvers import tokens

    support = world["support"].token
    made = await gql(CREATE_ORGANISATION, {"kind": "TRUST", "name": "Rowan Academies", "designation": "Academies"},
                     token=support)
    trust = made["createOrganisation"]["organisation"]["id"]
    appointed = (await gql(APPOINT, {"org": trust, "email": "CEO@rowan.example", "name": "Rowan Chief"},
                           token=support))["appointFirstAdministrator"]
    assert appointed["membership"] == {"role": "ADMINISTRATOR", "organisation": {"id": trust},
                                       "person": {"email": "ceo@rowan.example", "displayName": "Rowan Chief"}}
    granted = await gql("mutation($s: ID!, $t: ID!) { grantTrustAccess(input: {schoolId: $s, trustId: $t}) "
                        "{ __typename } }", {"s": world.org("ashdown"), "t": trust}, token=world["owner"].token)
    assert granted["grantTrustAccess"]["__typename"] == "TrustGrantPayload"
    _, plain = await tokens.issue(db, name="console", days=1, email="ceo@rowan.example")
    seen = await gql("query($t: ID!) { trust(id: $t) { grantingSchools { name } } }", {"t": trust}, token=plain)
    assert seen["trust"]["grantingSchools"] == [{"name": "Ashdown Primary"}]
    log = await gql("query($t: ID!) { auditLog(filter: {organisationId: $t, actions: [ADMINISTRATOR_APPOINTED]}) "
                    "{ nodes { actorName summary } } }", {"t": trust}, token=plain)
    assert log["auditLog"]["nodes"] == [{"actorName": "Support",
                                         "summary": "Support made Rowan Chief the first Administrator of Rowan "
                                                    "Academies"}]


async def test_once_it_has_an_administrator_they_add_the_rest(gql, world: World) -> None:
    answer = (await gql(APPOINT, {"org": world.org("trust"), "email": "x@example.org", "name": "X"},
                        token=world["support"].token))["appointFirstAdministrator"]
    assert (answer["__typename"], answer["field"]) == ("ConflictError", "organisationId")
