"""What a trust's member is told about its schools' progress (seed 001: only an
Administrator of a trust designated 'Academies' sees it, and only of schools that granted
it), and a refused progress field that blanks itself, not the whole answer."""

from typing import Any

from tests.graphql.test_trust_access import both_schools_grant, granted, set_designation
from tests.world import World

SIGHT = """query($t: ID!) { trust(id: $t) { organisation { name } progressAccess { sight message
  administrators { name email } } schoolProgress(schoolId: "%s") { totalCount } grantingSchools { name } } }"""


async def sight(gql, world: World, who: str, school: str = "ashdown") -> dict[str, Any]:
    data = await gql(SIGHT % world.org(school), {"t": world.org("trust")}, token=world[who].token)
    return data["trust"]


async def test_a_member_is_told_administrator_rights_are_needed_and_whom_to_ask(gql, world: World, db) -> None:  # type: ignore[no-untyped-def]
    await both_schools_grant(gql, world, db)
    trust = await sight(gql, world, "trust_member")
    access = trust["progressAccess"]
    assert access["sight"] == "NEEDS_ADMINISTRATOR"
    assert "Administrator rights in Cedar Trust" in access["message"]
    assert access["administrators"] == [{"name": "Trust Admin", "email": "trust_admin@example.org"}]
    assert "trust_admin@example.org" in access["message"]
    assert trust["schoolProgress"]["totalCount"] == 0 and trust["grantingSchools"] == []


async def test_an_administrator_sees_progress_once_a_school_grants(gql, world: World, db) -> None:  # type: ignore[no-untyped-def]
    before = await gql(SIGHT.replace('schoolProgress(schoolId: "%s") { totalCount } ', ""),
                       {"t": world.org("trust")}, token=world["trust_admin"].token)
    assert before["trust"]["progressAccess"]["sight"] == "NO_SCHOOL_GRANTED"
    assert "grantTrustAccess" in before["trust"]["progressAccess"]["message"]
    await both_schools_grant(gql, world, db)
    after = await sight(gql, world, "trust_admin")
    assert after["progressAccess"]["sight"] == "SEES"
    assert after["schoolProgress"]["totalCount"] > 0


async def test_a_trust_not_designated_academies_is_told_so(gql, world: World, db) -> None:  # type: ignore[no-untyped-def]
    await granted(gql, world, "ashdown")
    await set_designation(gql, world, None)
    trust = await sight(gql, world, "trust_admin")
    assert trust["progressAccess"]["sight"] == "NEEDS_ACADEMIES"
    assert "'Academies'" in trust["progressAccess"]["message"]


async def test_a_school_that_did_not_grant_blanks_only_its_own_field(gql, world: World, db) -> None:  # type: ignore[no-untyped-def]
    """The refused field is null with its NOT_FOUND error; the rest of the trust stands."""
    await granted(gql, world, "ashdown")
    query = """query($t: ID!, $s: ID!) { trust(id: $t) { organisation { name } grantingSchools { name }
      schoolProgress(schoolId: $s) { totalCount }
      progressSummary(groupBy: [SCHOOL], schoolIds: [$s]) { enrolments }
      targetSummary(groupBy: [SCHOOL], schoolIds: [$s]) { targets }
      targets(schoolIds: [$s]) { totalCount } } }"""
    response = (await gql.raw(query, {"t": world.org("trust"), "s": world.org("birchwood")},
                              token=world["trust_admin"].token)).json()
    trust = response["data"]["trust"]
    assert trust["organisation"] == {"name": "Cedar Trust"}
    assert trust["grantingSchools"] == [{"name": "Ashdown Primary"}]
    refused = ["schoolProgress", "progressSummary", "targetSummary", "targets"]
    assert all(trust[name] is None for name in refused)
    assert sorted(e["path"][-1] for e in response["errors"]) == sorted(refused)
    assert {e["extensions"]["code"] for e in response["errors"]} == {"NOT_FOUND"}


async def test_a_members_export_is_refused_with_the_same_words(gql, client, world: World, db) -> None:  # type: ignore[no-untyped-def]
    """403, not an empty file: the member sees the trust, and is told why and whom to ask."""
    await both_schools_grant(gql, world, db)
    words = (await sight(gql, world, "trust_member"))["progressAccess"]["message"]
    for export in ("progress.csv", "targets.csv"):
        response = await client.get(f"/reports/trusts/{world.org('trust')}/{export}",
                                    headers={"Authorization": f"Bearer {world['trust_member'].token}"})
        assert response.status_code == 403
        assert response.json()["errors"][0]["message"] == words
        admin = await client.get(f"/reports/trusts/{world.org('trust')}/{export}",
                                 headers={"Authorization": f"Bearer {world['trust_admin'].token}"})
        assert admin.status_code == 200
