"""Authentication at the door (app/auth.py): a bad token is HTTP 401 and nothing runs;
no token at all reaches only `me` (null) and introspection."""

import httpx
import pytest

from schema.ids import global_id
from tests.world import World

PROMOTE = """
mutation($id: ID!) { promoteMember(input: {membershipId: $id}) {
  __typename ... on MembershipPayload { membership { role } } ... on Error { code } } }
"""
ROLE = "query($id: ID!) { node(id: $id) { ... on Membership { role } } }"

# One query per root Query field other than `me`; a test below keeps this list complete.
SIGNED_IN_QUERIES = {
    "organisations": "{ organisations { totalCount } }",
    "auditLog": "{ auditLog { totalCount } }",
    "node": '{ node(id: "%s") { id } }' % global_id("Organisation", 1),
    "courses": "{ courses { totalCount } }",
    "learningPath": '{ learningPath(licenceId: "%s", personId: "%s") { on items { status } } }' % (
        global_id("Licence", 1), global_id("Person", 2),
    ),
    "courseReport": '{ courseReport(licenceId: "%s", courseId: "%s") { totalCount } }' % (
        global_id("Licence", 1), global_id("Course", 1),
    ),
    "personReport": '{ personReport(licenceId: "%s", personId: "%s") { totalCount } }' % (
        global_id("Licence", 1), global_id("Person", 2),
    ),
    "trust": '{ trust(id: "%s") { isAcademies } }' % global_id("Organisation", 3),
    "trustDirectory": "{ trustDirectory { totalCount } }",
    "failedNotifications": "{ failedNotifications { totalCount } }",
    # Workflow, records and supervisors (seed 002).
    "site": '{ site(schoolId: "%s") { school { name } } }' % global_id("Organisation", 1),
    "registrationScopes": '{ registrationScopes(schoolId: "%s") { totalCount } }' % global_id("Organisation", 1),
    "attendanceRecords": "{ attendanceRecords { totalCount } }",
    "behaviourNotes": "{ behaviourNotes { totalCount } }",
    "assessments": "{ assessments { totalCount } }",
}


async def post(client: httpx.AsyncClient, query: str, variables: dict | None = None,
               authorization: str | None = None) -> httpx.Response:
    headers = {"Authorization": authorization} if authorization is not None else {}
    return await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)


async def staff_role(client: httpx.AsyncClient, world: World) -> str:
    response = await post(client, ROLE, {"id": world["staff"].membership("ashdown")}, f"Bearer {world['owner'].token}")
    return response.json()["data"]["node"]["role"]


def codes(body: dict) -> list[str | None]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors", [])]


@pytest.fixture(params=["unknown", "expired", "revoked", "basic", "bearer-empty", "bearer-alone", "no-scheme"])
def bad_authorization(request: pytest.FixtureRequest, world: World) -> str:
    return {
        "unknown": "Bearer trl_this-token-was-never-issued",
        "expired": f"Bearer {world.expired_token}",
        "revoked": f"Bearer {world.revoked_token}",
        "basic": "Basic x",
        "bearer-empty": "Bearer ",
        "bearer-alone": "Bearer",
        "no-scheme": world["owner"].token,
    }[request.param]


async def test_a_bad_token_is_401_and_nothing_runs(
    client: httpx.AsyncClient, world: World, bad_authorization: str
) -> None:
    response = await post(client, PROMOTE, {"id": world["staff"].membership("ashdown")}, bad_authorization)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].lower().startswith("bearer")
    body = response.json()
    assert "data" not in body
    assert codes(body) == ["UNAUTHENTICATED"]
    assert await staff_role(client, world) == "MEMBER"


async def test_unknown_expired_and_revoked_tokens_are_indistinguishable(client: httpx.AsyncClient, world: World) -> None:
    """A guesser learns nothing about which tokens once existed."""
    bodies = [
        (await post(client, "{ __typename }", authorization=f"Bearer {token}")).json()
        for token in ("trl_never-issued", world.expired_token, world.revoked_token)
    ]
    assert bodies[0] == bodies[1] == bodies[2]


async def test_a_bad_token_is_refused_even_for_public_fields(client: httpx.AsyncClient, world: World) -> None:
    for query in ("{ me { isPlatformSupport } }", "{ __typename }"):
        response = await post(client, query, authorization=f"Bearer {world.revoked_token}")
        assert response.status_code == 401


async def test_without_a_token_me_is_null(client: httpx.AsyncClient) -> None:
    response = await post(client, "{ me { isPlatformSupport } }")
    assert response.status_code == 200
    assert response.json()["data"] == {"me": None}


@pytest.mark.parametrize("query, expected", [
    ("{ __schema { queryType { name } } }", {"__schema": {"queryType": {"name": "Query"}}}),
    ("{ __typename }", {"__typename": "Query"}),
    ('{ __type(name: "Organisation") { kind } }', {"__type": {"kind": "OBJECT"}}),
])
async def test_without_a_token_introspection_answers(client: httpx.AsyncClient, query: str, expected: dict) -> None:
    response = await post(client, query)
    assert response.status_code == 200
    assert response.json()["data"] == expected


async def test_every_root_query_field_but_me_is_checked_below(client: httpx.AsyncClient) -> None:
    """A new root field must be added to SIGNED_IN_QUERIES, so its anonymous refusal is tested."""
    response = await post(client, "{ __schema { queryType { fields { name } } } }")
    fields = {f["name"] for f in response.json()["data"]["__schema"]["queryType"]["fields"]}
    assert fields - {"me"} == set(SIGNED_IN_QUERIES)


@pytest.mark.parametrize("name", SIGNED_IN_QUERIES)
async def test_without_a_token_every_other_query_field_is_unauthenticated(
    client: httpx.AsyncClient, world: World, name: str
) -> None:
    response = await post(client, SIGNED_IN_QUERIES[name])
    body = response.json()
    assert codes(body) == ["UNAUTHENTICATED"], body
    assert not (body.get("data") or {}).get(name)


async def test_without_a_token_a_mutation_is_unauthenticated_and_changes_nothing(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await post(client, PROMOTE, {"id": world["staff"].membership("ashdown")})
    body = response.json()
    assert codes(body) == ["UNAUTHENTICATED"], body
    assert not (body.get("data") or {}).get("promoteMember")
    assert await staff_role(client, world) == "MEMBER"
    log = await post(client, "{ auditLog { totalCount } }", authorization=f"Bearer {world['support'].token}")
    assert log.json()["data"]["auditLog"]["totalCount"] == 0


async def test_a_persons_token_reaches_me_as_that_person(client: httpx.AsyncClient, world: World) -> None:
    response = await post(client, "{ me { person { email } externalSystemOf { name } } }",
                          authorization=f"Bearer {world['staff'].token}")
    assert response.json()["data"] == {"me": {"person": {"email": world["staff"].email}, "externalSystemOf": None}}


async def test_a_system_token_reaches_me_as_its_schools_system(client: httpx.AsyncClient, world: World) -> None:
    response = await post(client, "{ me { person { email } externalSystemOf { name } } }",
                          authorization=f"Bearer {world.system_token}")
    assert response.json()["data"] == {"me": {"person": None, "externalSystemOf": {"name": "Ashdown Primary"}}}


async def test_the_bearer_scheme_is_case_insensitive(client: httpx.AsyncClient, world: World) -> None:
    response = await post(client, "{ me { person { email } } }", authorization=f"bearer {world['staff'].token}")
    assert response.json()["data"]["me"]["person"]["email"] == world["staff"].email
