"""Trust access (seed 001, issue 5): a school's Administrators choose its Multi Academy
Trust and may withdraw it; the trust sees the school's course progress only while all
three hold: the trust is designated 'Academies', the caller is an Administrator of the
trust, and the school granted that trust. Take any one away and the school disappears
from every path at once: the list, `node(id:)`, the progress connection, the aggregate
and the CSV. A trust viewer writes nothing, and school roles see nothing of sibling
schools."""

from datetime import timedelta
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import func, select

from infra.database import Database
from domain import tokens
from domain.models import (
    ACADEMIES, ApiToken, Enrolment, Membership, MembershipRole, Organisation, OrganisationKind, Person, Seat,
    StaffGroup, TrustGrant, utcnow,
)
from schema.ids import global_id
from tests.graphql.test_reports import at, create_group, enrol
from tests.spreadsheets import read_csv
from tests.world import World

GRANT = """
mutation($school: ID!, $trust: ID!) { grantTrustAccess(input: {schoolId: $school, trustId: $trust}) {
  __typename ... on TrustGrantPayload { school { name } trustGrant { trust { name } } }
  ... on Error { code message field } } }
"""
WITHDRAW = """
mutation($school: ID!) { withdrawTrustAccess(input: {schoolId: $school}) {
  __typename ... on TrustGrantPayload { school { name } trustGrant { trust { name } } }
  ... on Error { code message field } } }
"""
CHOICE = "query($id: ID!) { node(id: $id) { ... on Organisation { name trustGrant { trust { name } } } } }"
SET_DESIGNATION = """
mutation($org: ID!, $designation: String) { setDesignation(input: {organisationId: $org, designation: $designation}) {
  __typename ... on Error { code message field } } }
"""
PROMOTE = """
mutation($id: ID!) { promoteMember(input: {membershipId: $id}) {
  __typename ... on MembershipPayload { membership { role } } ... on Error { code message field } } }
"""
DEMOTE = PROMOTE.replace("promoteMember", "demoteMember")
SCHOOL_ADMINISTRATOR = {"ashdown": "owner", "birchwood": "owner_b"}


def token_of(world: World, who: str) -> str:
    return world.system_token if who == "system" else world[who].token


async def grant(gql, world: World, school: str = "ashdown", *, by: str | None = None,
                trust: str | None = None) -> dict[str, Any]:
    data = await gql(GRANT, {"school": world.org(school), "trust": trust or world.org("trust")},
                     token=token_of(world, by or SCHOOL_ADMINISTRATOR[school]))
    return data["grantTrustAccess"]


async def granted(gql, world: World, school: str = "ashdown", *, by: str | None = None,
                  trust: str | None = None) -> None:
    answer = await grant(gql, world, school, by=by, trust=trust)
    assert answer["__typename"] == "TrustGrantPayload", answer


async def withdraw(gql, world: World, school: str = "ashdown", *, by: str | None = None) -> dict[str, Any]:
    data = await gql(WITHDRAW, {"school": world.org(school)},
                     token=token_of(world, by or SCHOOL_ADMINISTRATOR[school]))
    return data["withdrawTrustAccess"]


async def choice(gql, world: World, school: str = "ashdown") -> str | None:
    """The name of the trust the school has chosen, as its Administrator sees it."""
    data = await gql(CHOICE, {"id": world.org(school)}, token=world[SCHOOL_ADMINISTRATOR[school]].token)
    grant_ = data["node"]["trustGrant"]
    return grant_["trust"]["name"] if grant_ else None


async def grants_in_db(db: Database) -> list[tuple[int, int]]:
    async with db.read() as session:
        rows = (await session.execute(select(TrustGrant.school_id, TrustGrant.trust_id))).all()
    return sorted(tuple(r) for r in rows)


async def set_designation(gql, world: World, designation: str | None, org: str = "trust") -> None:
    data = await gql(SET_DESIGNATION, {"org": world.org(org), "designation": designation},
                     token=world["support"].token)
    assert data["setDesignation"]["__typename"] == "OrganisationPayload", data


async def some_progress(db: Database, world: World) -> None:
    """An enrolment or two in each school, so each school has rows in the aggregate."""
    c1, c2, _ = world.courses
    await enrol(db, [
        (world["staff"].person_id, c1, at("2026-03-01 09:00"), 100, 1200, at("2026-03-02 09:00")),
        (world["staff2"].person_id, c2, at("2026-03-01 09:00"), 40, 600, None),
        (world["staff_b"].person_id, c1, at("2026-03-01 09:00"), 10, 60, None),
    ])


async def both_schools_grant(gql, world: World, db: Database) -> None:
    await granted(gql, world, "ashdown")
    await granted(gql, world, "birchwood")
    await some_progress(db, world)


async def other_trust(db: Database, name: str = "Elm Trust") -> tuple[str, str]:
    """A second 'Academies' trust with an Administrator of its own: (trust id, token)."""
    plain = tokens.new_token()
    async with db.write() as session:
        trust = Organisation(kind=OrganisationKind.TRUST, name=name, designation=ACADEMIES, time_zone="Europe/London")
        person = Person(email=f"{name.split()[0].lower()}.admin@example.org", display_name=f"{name} Admin")
        session.add_all([trust, person])
        await session.flush()
        session.add(Membership(organisation_id=trust.id, person_id=person.id, role=MembershipRole.ADMINISTRATOR))
        session.add(ApiToken(token_hash=tokens.digest(plain), name="test", person_id=person.id,
                             expires_at=utcnow() + timedelta(days=1)))
    return global_id("Organisation", trust.id), plain


# --- Every path, for one caller and one school ------------------------------------------

SIGHT = """
query($trust: ID!, $school: ID!) {
  trust(id: $trust) {
    grantingSchools { id }
    progressSummary(groupBy: [SCHOOL]) { school { id } enrolments }
  }
  node(id: $school) { id }
  organisations(first: 100) { nodes { id } }
}
"""
PROGRESS = """
query($trust: ID!, $school: ID!) { trust(id: $trust) { schoolProgress(schoolId: $school) {
  totalCount nodes { personName } } } }
"""
NAMED_SUMMARY = """
query($trust: ID!, $school: ID!) { trust(id: $trust) {
  progressSummary(groupBy: [SCHOOL], schoolIds: [$school]) { school { id } enrolments } } }
"""
PATHS = ["grantingSchools", "schoolProgress", "node", "organisations", "progressSummary",
         "progressSummary(schoolIds)", "csv", "csv(schoolIds)"]
SEEN = dict.fromkeys(PATHS, True)
UNSEEN = dict.fromkeys(PATHS, False)


def refusal(body: dict[str, Any]) -> tuple[str, str | None]:
    (error,) = body["errors"]
    return error["extensions"]["code"], error["extensions"].get("field")


async def progress_csv(client: httpx.AsyncClient, trust: str, token: str | None, **params: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await client.get(f"/reports/trusts/{quote(trust, safe='')}/progress.csv", params=params, headers=headers)


csv_rows = read_csv


async def sight(gql, client: httpx.AsyncClient, token: str, school_gid: str, school_name: str,
                trust: str) -> dict[str, bool]:
    """Whether each path shows the school to this trust-side caller. A path that does not
    show it must answer as if the school did not exist: NOT_FOUND naming the argument,
    or 404 from the CSV, never anything that tells the school is there."""
    variables = {"trust": trust, "school": school_gid}
    data = await gql(SIGHT, variables, token=token)
    assert data["trust"] is not None, "the caller belongs to the trust and sees its Trust view"

    seen: dict[str, bool] = {
        "grantingSchools": school_gid in [s["id"] for s in data["trust"]["grantingSchools"]],
        "node": data["node"] is not None,
        "organisations": school_gid in [o["id"] for o in data["organisations"]["nodes"]],
        "progressSummary": school_gid in [r["school"]["id"] for r in data["trust"]["progressSummary"]],
    }

    body = (await gql.raw(PROGRESS, variables, token=token)).json()
    if body.get("errors"):
        assert refusal(body) == ("NOT_FOUND", "schoolId"), body
        seen["schoolProgress"] = False
    else:
        seen["schoolProgress"] = body["data"]["trust"]["schoolProgress"]["totalCount"] > 0

    body = (await gql.raw(NAMED_SUMMARY, variables, token=token)).json()
    if body.get("errors"):
        # The field it names is checked by test_naming_a_school_without_access_is_not_found.
        assert refusal(body)[0] == "NOT_FOUND", body
        seen["progressSummary(schoolIds)"] = False
    else:
        rows = body["data"]["trust"]["progressSummary"]
        assert {r["school"]["id"] for r in rows} <= {school_gid}, rows
        seen["progressSummary(schoolIds)"] = bool(rows)

    exported = await progress_csv(client, trust, token, groupBy="SCHOOL")
    if exported.status_code == 403:  # a trust-side caller without Administrator rights is told so
        assert "Administrator" in exported.json()["errors"][0]["message"] and school_name not in exported.text
        seen["csv"] = False
    else:
        everything = csv_rows(exported)
        assert everything[0][0] == "School"
        seen["csv"] = school_name in [row[0] for row in everything[1:]]

    named = await progress_csv(client, trust, token, groupBy="SCHOOL", schoolIds=school_gid)
    if named.status_code == 403:
        assert school_name not in named.text
        seen["csv(schoolIds)"] = False
    elif named.status_code == 404:
        assert named.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
        assert school_name not in named.text
        seen["csv(schoolIds)"] = False
    else:
        seen["csv(schoolIds)"] = [row[0] for row in csv_rows(named)[1:]] == [school_name]
    return seen


async def sees(gql, client, world: World, who: str, school: str = "ashdown", *, token: str | None = None,
               trust: str | None = None) -> dict[str, bool]:
    name = {"ashdown": "Ashdown Primary", "birchwood": "Birchwood Academy"}[school]
    return await sight(gql, client, token or world[who].token, world.org(school), name, trust or world.org("trust"))


# --- Granting and withdrawing -----------------------------------------------------------


@pytest.mark.parametrize("actor", ["owner", "admin"])
async def test_a_school_administrator_chooses_and_withdraws_the_trust(gql, world: World, db: Database,
                                                                      actor: str) -> None:
    """The seed's step 3: each school selects its 'Multi Academy Trust'; its Administrators may undo it."""
    answer = await grant(gql, world, by=actor)
    assert answer == {"__typename": "TrustGrantPayload", "school": {"name": "Ashdown Primary"},
                      "trustGrant": {"trust": {"name": "Cedar Trust"}}}
    assert await choice(gql, world) == "Cedar Trust"

    answer = await withdraw(gql, world, by=actor)
    assert answer == {"__typename": "TrustGrantPayload", "school": {"name": "Ashdown Primary"}, "trustGrant": None}
    assert await choice(gql, world) is None
    assert await grants_in_db(db) == []


# Who may not grant, and how they are refused: FORBIDDEN where they can see the school,
# NOT_FOUND where they cannot.
REFUSED_GRANT = {
    "staff": "FORBIDDEN", "staff2": "FORBIDDEN", "system": "FORBIDDEN", "support": "FORBIDDEN",
    "owner_b": "NOT_FOUND", "staff_b": "NOT_FOUND", "trust_admin": "NOT_FOUND", "trust_member": "NOT_FOUND",
}


# One caller refused each way; every caller against every mutation is tests/graphql/test_refusals.py's.
@pytest.mark.parametrize("actor", ["staff", "trust_admin"])
async def test_only_the_schools_administrators_may_grant(gql, world: World, db: Database, actor: str) -> None:
    answer = await grant(gql, world, by=actor)
    assert answer["code"] == REFUSED_GRANT[actor], answer
    assert await choice(gql, world) is None
    assert await grants_in_db(db) == []


# Once Ashdown has granted Cedar Trust, its Administrator can see the school, so a
# refusal to them is FORBIDDEN rather than NOT_FOUND.
REFUSED_WITHDRAW = REFUSED_GRANT | {"trust_admin": "FORBIDDEN"}


# One caller refused each way; every caller against every mutation is tests/graphql/test_refusals.py's.
@pytest.mark.parametrize("actor", ["staff", "owner_b", "trust_admin"])
async def test_only_the_schools_administrators_may_withdraw(gql, world: World, db: Database, actor: str) -> None:
    await granted(gql, world)
    answer = await withdraw(gql, world, by=actor)
    assert answer["code"] == REFUSED_WITHDRAW[actor], answer
    assert await choice(gql, world) == "Cedar Trust"
    assert len(await grants_in_db(db)) == 1


@pytest.mark.parametrize("trust", ["school", "unknown"])
async def test_a_trust_id_that_names_no_trust_is_not_found(gql, world: World, db: Database, trust: str) -> None:
    trust_id = world.org("birchwood") if trust == "school" else global_id("Organisation", 999_999)
    answer = await grant(gql, world, trust=trust_id)
    assert (answer["code"], answer["field"]) == ("NOT_FOUND", "trustId")
    assert await grants_in_db(db) == []


async def test_a_trust_cannot_grant_itself_access(gql, world: World, db: Database) -> None:
    """Only a school grants; the trust's own Administrator cannot make the trust a granting school."""
    answer = (await gql(GRANT, {"school": world.org("trust"), "trust": world.org("trust")},
                        token=world["trust_admin"].token))["grantTrustAccess"]
    assert (answer["code"], answer["field"]) == ("VALIDATION", "schoolId"), answer
    assert await grants_in_db(db) == []


async def test_granting_the_same_trust_twice_is_a_conflict(gql, world: World, db: Database) -> None:
    await granted(gql, world)
    answer = await grant(gql, world, by="admin")
    assert (answer["code"], answer["field"]) == ("CONFLICT", "trustId")
    assert len(await grants_in_db(db)) == 1


async def test_withdrawing_when_no_trust_was_chosen_is_a_conflict(gql, world: World, db: Database) -> None:
    answer = await withdraw(gql, world)
    assert answer["code"] == "CONFLICT"
    assert await grants_in_db(db) == []


async def test_choosing_another_trust_replaces_the_first(gql, client, world: World, db: Database) -> None:
    """A school has one Multi Academy Trust: choosing Elm ends Cedar's access at once."""
    await some_progress(db, world)
    elm, elm_token = await other_trust(db)
    await granted(gql, world)
    await granted(gql, world, trust=elm)
    assert await choice(gql, world) == "Elm Trust"
    assert len(await grants_in_db(db)) == 1
    assert await sees(gql, client, world, "trust_admin") == UNSEEN
    assert await sees(gql, client, world, "", token=elm_token, trust=elm) == SEEN


AUDIT = """
query($org: ID) { auditLog(filter: {organisationId: $org, actions: [TRUST_GRANTED, TRUST_WITHDRAWN]}) {
  totalCount nodes { action summary actorName targetId organisation { name } } } }
"""


async def trust_events(gql, token: str, org: str | None = None) -> list[tuple[str, str]]:
    data = await gql(AUDIT, {"org": org}, token=token)
    return [(e["action"], e["organisation"]["name"]) for e in data["auditLog"]["nodes"]]


async def test_granting_and_withdrawing_are_audited_in_the_schools_log_and_the_trusts(
    gql, world: World
) -> None:
    await granted(gql, world, by="admin")
    assert (await withdraw(gql, world, by="owner"))["__typename"] == "TrustGrantPayload"

    school_log = await trust_events(gql, world["owner"].token, world.org("ashdown"))
    trust_log = await trust_events(gql, world["trust_admin"].token, world.org("trust"))
    assert school_log == [("TRUST_WITHDRAWN", "Ashdown Primary"), ("TRUST_GRANTED", "Ashdown Primary")]
    assert trust_log == [("TRUST_WITHDRAWN", "Cedar Trust"), ("TRUST_GRANTED", "Cedar Trust")]

    data = await gql(AUDIT, {"org": world.org("trust")}, token=world["trust_admin"].token)
    withdrawn, granted_ = data["auditLog"]["nodes"]
    assert granted_["actorName"] == "Admin" and withdrawn["actorName"] == "Owner"
    assert "Cedar Trust" in granted_["summary"] and "Ashdown Primary" in granted_["summary"]
    assert granted_["targetId"] == world.org("ashdown")
    # Each side sees only its own copy.
    assert await trust_events(gql, world["trust_admin"].token, world.org("ashdown")) == []
    assert await trust_events(gql, world["owner"].token, world.org("trust")) == []


async def test_replacing_the_trust_is_audited_for_both_trusts(gql, world: World, db: Database) -> None:
    elm, elm_token = await other_trust(db)
    await granted(gql, world)
    await granted(gql, world, trust=elm)
    assert await trust_events(gql, world["trust_admin"].token) == [
        ("TRUST_WITHDRAWN", "Cedar Trust"), ("TRUST_GRANTED", "Cedar Trust")]
    assert await trust_events(gql, elm_token) == [("TRUST_GRANTED", "Elm Trust")]
    assert await trust_events(gql, world["owner"].token) == [
        ("TRUST_GRANTED", "Ashdown Primary"), ("TRUST_WITHDRAWN", "Ashdown Primary"),
        ("TRUST_GRANTED", "Ashdown Primary")]


DIRECTORY = """
query($search: String) { trustDirectory(search: $search) { totalCount nodes { id name designation } } }
"""


@pytest.mark.parametrize("actor", ["owner", "admin", "owner_b"])
async def test_school_administrators_look_up_trusts_by_name(gql, world: World, db: Database, actor: str) -> None:
    elm, _ = await other_trust(db)
    data = await gql(DIRECTORY, {"search": None}, token=world[actor].token)
    assert data["trustDirectory"]["nodes"] == [
        {"id": world.org("trust"), "name": "Cedar Trust", "designation": "Academies"},
        {"id": elm, "name": "Elm Trust", "designation": "Academies"},
    ]
    data = await gql(DIRECTORY, {"search": "ELM"}, token=world[actor].token)
    assert [t["name"] for t in data["trustDirectory"]["nodes"]] == ["Elm Trust"]


@pytest.mark.parametrize("actor", ["staff", "staff2", "staff_b", "trust_admin", "trust_member", "support", "system"])
async def test_the_trust_directory_is_empty_for_anyone_else(gql, world: World, actor: str) -> None:
    """Only a school's Administrators choose a trust; the directory is theirs alone."""
    data = await gql(DIRECTORY, {"search": None}, token=token_of(world, actor))
    assert data["trustDirectory"] == {"totalCount": 0, "nodes": []}


@pytest.mark.parametrize("actor", ["staff", "support", "system", "trust_admin"])
async def test_the_schools_choice_is_shown_to_its_administrators_only(gql, world: World, actor: str) -> None:
    await granted(gql, world)
    assert await choice(gql, world) == "Cedar Trust"
    data = await gql(CHOICE, {"id": world.org("ashdown")}, token=token_of(world, actor))
    # Each of them can see the school itself (the trust admin because it granted them).
    assert data["node"] == {"name": "Ashdown Primary", "trustGrant": None}


async def test_another_schools_administrator_does_not_see_the_choice(gql, world: World) -> None:
    await granted(gql, world)
    data = await gql(CHOICE, {"id": world.org("ashdown")}, token=world["owner_b"].token)
    assert data["node"] is None


# --- The three conditions, each removed in turn -------------------------------------------


async def test_with_all_three_conditions_the_trust_administrator_sees_both_schools(
    gql, client, world: World, db: Database
) -> None:
    await both_schools_grant(gql, world, db)
    assert await sees(gql, client, world, "trust_admin", "ashdown") == SEEN
    assert await sees(gql, client, world, "trust_admin", "birchwood") == SEEN


@pytest.mark.parametrize("designation", ["Multi Academy Trust", "academies", None])
async def test_without_the_academies_designation_the_trust_sees_no_school(
    gql, client, world: World, db: Database, designation: str | None
) -> None:
    """Condition 1: only a trust designated exactly 'Academies' sees school progress."""
    await both_schools_grant(gql, world, db)
    await set_designation(gql, world, designation)
    assert await sees(gql, client, world, "trust_admin", "ashdown") == UNSEEN
    assert await sees(gql, client, world, "trust_admin", "birchwood") == UNSEEN
    # Support's correction restores it: the designation alone was missing.
    await set_designation(gql, world, ACADEMIES)
    assert await sees(gql, client, world, "trust_admin", "ashdown") == SEEN


async def test_a_trust_member_sees_no_school_through_any_path(gql, client, world: World, db: Database) -> None:
    """Condition 2: 'If you are listed as Member you do not have Administrator rights.'"""
    await both_schools_grant(gql, world, db)
    assert await sees(gql, client, world, "trust_member", "ashdown") == UNSEEN
    assert await sees(gql, client, world, "trust_member", "birchwood") == UNSEEN


async def test_a_trust_member_sees_nothing_at_all(gql, client, world: World, db: Database) -> None:
    await both_schools_grant(gql, world, db)
    token = world["trust_member"].token
    data = await gql("""query($t: ID!) { trust(id: $t) { isAcademies grantingSchools { id }
                        progressSummary(groupBy: [SCHOOL, COURSE]) { enrolments } } }""",
                     {"t": world.org("trust")}, token=token)
    assert data["trust"] == {"isAcademies": True, "grantingSchools": [], "progressSummary": []}
    refused = await progress_csv(client, world.org("trust"), token, groupBy="SCHOOL,COURSE")
    assert refused.status_code == 403 and "Ashdown" not in refused.text and "Birchwood" not in refused.text


async def test_promotion_gives_access_and_demotion_takes_it_away(gql, client, world: World, db: Database) -> None:
    """Condition 2 both ways: any trust Administrator promotes a Member (seed 001); once the
    new Administrator demotes the first, the first loses access on their next request."""
    await both_schools_grant(gql, world, db)
    promoted = await gql(PROMOTE, {"id": world["trust_member"].membership("trust")}, token=world["trust_admin"].token)
    assert promoted["promoteMember"]["membership"] == {"role": "ADMINISTRATOR"}
    assert await sees(gql, client, world, "trust_member") == SEEN

    demoted = await gql(DEMOTE, {"id": world["trust_admin"].membership("trust")}, token=world["trust_member"].token)
    assert demoted["demoteMember"]["membership"] == {"role": "MEMBER"}
    assert await sees(gql, client, world, "trust_admin") == UNSEEN
    assert await sees(gql, client, world, "trust_member") == SEEN


async def test_naming_a_school_without_access_is_not_found(gql, world: World, db: Database) -> None:
    """The aggregate's error names the argument at fault, `schoolIds`, as for any bad input."""
    await some_progress(db, world)
    await granted(gql, world, "birchwood")
    body = (await gql.raw(NAMED_SUMMARY, {"trust": world.org("trust"), "school": world.org("ashdown")},
                          token=world["trust_admin"].token)).json()
    assert refusal(body) == ("NOT_FOUND", "schoolIds")
    assert "Ashdown" not in str(body)


async def test_a_school_that_never_granted_is_invisible_while_its_sibling_is_seen(
    gql, client, world: World, db: Database
) -> None:
    """Condition 3: only the schools that chose this trust."""
    await some_progress(db, world)
    await granted(gql, world, "birchwood")
    assert await sees(gql, client, world, "trust_admin", "ashdown") == UNSEEN
    assert await sees(gql, client, world, "trust_admin", "birchwood") == SEEN


async def test_withdrawing_ends_access_on_the_very_next_request(gql, client, world: World, db: Database) -> None:
    """Same token, no new sign-in: the grant is read on every request."""
    await both_schools_grant(gql, world, db)
    assert await sees(gql, client, world, "trust_admin", "ashdown") == SEEN
    assert (await withdraw(gql, world))["__typename"] == "TrustGrantPayload"
    assert await sees(gql, client, world, "trust_admin", "ashdown") == UNSEEN
    assert await sees(gql, client, world, "trust_admin", "birchwood") == SEEN
    # Granting again gives it back.
    await granted(gql, world)
    assert await sees(gql, client, world, "trust_admin", "ashdown") == SEEN


# --- What a trust viewer never sees, even with access -----------------------------------

ELSEWHERE = """
query($school: ID!, $person: ID!, $licence: ID!, $membership: ID!, $seat: ID!, $group: ID!, $course: ID!) {
  school: node(id: $school) { ... on Organisation {
    name members { totalCount } licence { id } trustGrant { grantedAt } } }
  person: node(id: $person) { id }
  licence: node(id: $licence) { id }
  membership: node(id: $membership) { id }
  seat: node(id: $seat) { id }
  group: node(id: $group) { id }
  courseReport(licenceId: $licence, courseId: $course) { totalCount }
  personReport(licenceId: $licence, personId: $person) { totalCount }
  learningPath(licenceId: $licence, personId: $person) { on }
  auditLog(filter: {organisationId: $school}) { totalCount }
}
"""


async def test_a_trust_viewer_sees_progress_and_nothing_else_of_the_school(
    gql, client, world: World, db: Database
) -> None:
    """The school's people, licence, seats, groups, reports and log stay hidden: the trust
    reads course progress through the Trust view only."""
    await both_schools_grant(gql, world, db)
    assert await sees(gql, client, world, "trust_admin") == SEEN
    variables = {
        "school": world.org("ashdown"), "person": world["staff"].gid, "licence": world.licence("ashdown"),
        "membership": world["staff"].membership("ashdown"), "seat": world.seat("staff"),
        "group": world.all_staff_group("ashdown"), "course": global_id("Course", world.courses[0]),
    }
    data = await gql(ELSEWHERE, variables, token=world["trust_admin"].token)
    assert data == {
        "school": {"name": "Ashdown Primary", "members": {"totalCount": 0}, "licence": None, "trustGrant": None},
        "person": None, "licence": None, "membership": None, "seat": None, "group": None,
        "courseReport": {"totalCount": 0}, "personReport": {"totalCount": 0}, "learningPath": None,
        "auditLog": {"totalCount": 0},
    }
    # The owner, asking the same, sees all of it: the data was there to leak.
    mine = await gql(ELSEWHERE, variables, token=world["owner"].token)
    assert mine["person"] and mine["licence"] and mine["membership"] and mine["seat"] and mine["group"]
    assert mine["courseReport"]["totalCount"] == 1 and mine["school"]["members"]["totalCount"] == 4


WRITES = {
    "promoteMember": ("mutation($m: ID!) { promoteMember(input: {membershipId: $m}) { ... on Error { code } } }",
                      lambda w: {"m": w["staff"].membership("ashdown")}),
    "removeMember": ("mutation($m: ID!) { removeMember(input: {membershipId: $m}) { ... on Error { code } } }",
                     lambda w: {"m": w["staff"].membership("ashdown")}),
    "addMember": ("""mutation($o: ID!) { addMember(input: {organisationId: $o, email: "x@example.org",
                     displayName: "X"}) { ... on Error { code } } }""", lambda w: {"o": w.org("ashdown")}),
    "addSeat": ("""mutation($l: ID!, $p: ID!) { addSeat(input: {licenceId: $l, personId: $p})
                   { ... on Error { code } } }""",
                lambda w: {"l": w.licence("ashdown"), "p": w["trust_admin"].gid}),
    "deactivateSeat": ("mutation($s: ID!) { deactivateSeat(input: {seatId: $s}) { ... on Error { code } } }",
                       lambda w: {"s": w.seat("staff")}),
    "createStaffGroup": ("""mutation($l: ID!) { createStaffGroup(input: {licenceId: $l, name: "Trust picks"})
                            { ... on Error { code } } }""", lambda w: {"l": w.licence("ashdown")}),
    "recordCourseProgress": ("""mutation($p: ID!, $c: ID!) { recordCourseProgress(input: {personId: $p, courseId: $c,
                                idempotencyKey: "trust-1", progressPercent: 100}) { ... on Error { code } } }""",
                             lambda w: {"p": w["staff2"].gid, "c": global_id("Course", w.courses[1])}),
    "withdrawTrustAccess": (WITHDRAW, lambda w: {"school": w.org("ashdown")}),
}


async def school_state(db: Database) -> dict[str, Any]:
    async with db.read() as session:
        async def count(model: Any, *where: Any) -> int:
            return (await session.execute(select(func.count()).select_from(model).where(*where))).scalar_one()

        return {
            "administrators": await count(Membership, Membership.role == MembershipRole.ADMINISTRATOR),
            "memberships": await count(Membership),
            "people": await count(Person),
            "active seats": await count(Seat, Seat.active.is_(True)),
            "seats": await count(Seat),
            "groups": await count(StaffGroup),
            "grants": await count(TrustGrant),
            "enrolments": [tuple(r) for r in (await session.execute(
                select(Enrolment.person_id, Enrolment.course_id, Enrolment.progress_percent)
                .order_by(Enrolment.id))).all()],
        }


@pytest.mark.parametrize("mutation", list(WRITES))
async def test_a_trust_viewer_gets_no_writes(gql, client, world: World, db: Database, mutation: str) -> None:
    await both_schools_grant(gql, world, db)
    assert await sees(gql, client, world, "trust_admin") == SEEN
    before = await school_state(db)
    query, variables = WRITES[mutation]
    data = await gql(query, variables(world), token=world["trust_admin"].token)
    # The school itself is visible to its trust, so acts on it are FORBIDDEN; its people,
    # memberships, seats and licence are not, so acts on them are NOT_FOUND.
    expected = "FORBIDDEN" if mutation in ("addMember", "withdrawTrustAccess") else "NOT_FOUND"
    assert data[mutation]["code"] == expected, data
    assert await school_state(db) == before


# --- School roles and sibling schools -------------------------------------------------

SIBLING = """
query($trust: ID!, $sibling: ID!) {
  trust(id: $trust) { grantingSchools { id } }
  node(id: $sibling) { id }
  organisations(first: 100) { nodes { name } }
}
"""


@pytest.mark.parametrize(("actor", "sibling"), [
    ("owner", "birchwood"), ("admin", "birchwood"), ("staff", "birchwood"), ("owner_b", "ashdown"),
    ("staff_b", "ashdown"),
])
async def test_school_roles_see_nothing_of_sibling_schools_in_the_trust(
    gql, client, world: World, db: Database, actor: str, sibling: str
) -> None:
    """Both schools granted the same trust; that makes them no wiser about each other."""
    await both_schools_grant(gql, world, db)
    token = world[actor].token
    own = "Ashdown Primary" if sibling == "birchwood" else "Birchwood Academy"
    data = await gql(SIBLING, {"trust": world.org("trust"), "sibling": world.org(sibling)}, token=token)
    assert data["trust"] is None
    assert data["node"] is None
    assert [o["name"] for o in data["organisations"]["nodes"]] == [own]
    response = await progress_csv(client, world.org("trust"), token, groupBy="SCHOOL")
    assert response.status_code == 404
    sibling_name = "Birchwood Academy" if sibling == "birchwood" else "Ashdown Primary"
    assert sibling_name not in response.text


async def test_school_roles_get_no_report_of_a_sibling(gql, world: World, db: Database) -> None:
    await both_schools_grant(gql, world, db)
    data = await gql("""query($l: ID!, $c: ID!, $p: ID!) { courseReport(licenceId: $l, courseId: $c) { totalCount }
                        personReport(licenceId: $l, personId: $p) { totalCount } }""",
                     {"l": world.licence("birchwood"), "c": global_id("Course", world.courses[0]),
                      "p": world["staff_b"].gid}, token=world["owner"].token)
    assert data == {"courseReport": {"totalCount": 0}, "personReport": {"totalCount": 0}}


# --- schoolProgress: filters and pages ----------------------------------------------------

SCHOOL_PROGRESS = """
query($trust: ID!, $school: ID!, $filter: SchoolProgressFilter, $first: Int, $after: String) {
  trust(id: $trust) { schoolProgress(schoolId: $school, filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { personName personEmail status progressPercent secondsSpent startedAt completedAt course { title } } } } }
"""


async def progress_fixture(gql, world: World, db: Database) -> dict[str, str]:
    """Ashdown and Birchwood grant Cedar Trust. Ashdown's enrolments:

                C1                        C2                  C3
    Admin       -                         0%  (Feb)           -
    Owner       -                         -                   20% (Jul)
    Staff       done 2026-03-10           50% (Apr)           -
    Staff2      0%  (May)                 -                   done 2026-06-15

    'Year 1' holds Staff and Admin. Birchwood's Staff B also has C1, done: never in Ashdown's rows.
    """
    await granted(gql, world, "ashdown")
    await granted(gql, world, "birchwood")
    c1, c2, c3 = world.courses
    p = {k: world[k].person_id for k in ("admin", "owner", "staff", "staff2", "staff_b")}
    await enrol(db, [
        (p["admin"], c2, at("2026-02-01 09:00"), 0, 0, None),
        (p["owner"], c3, at("2026-07-01 09:00"), 20, 300, None),
        (p["staff"], c1, at("2026-03-01 09:00"), 100, 3600, at("2026-03-10 12:00")),
        (p["staff"], c2, at("2026-04-01 09:00"), 50, 900, None),
        (p["staff2"], c1, at("2026-05-01 09:00"), 0, 0, None),
        (p["staff2"], c3, at("2026-06-01 09:00"), 100, 2400, at("2026-06-15 08:00")),
        (p["staff_b"], c1, at("2026-03-01 09:00"), 100, 100, at("2026-03-02 09:00")),
    ])
    year1 = await create_group(gql, world, "Year 1", ["staff", "admin"])
    birch = await create_group(gql, world, "Birch group", ["staff_b"], school="birchwood", by="owner_b")
    return {"year1": year1, "birch": birch}


async def school_progress(gql, world: World, filter: dict | None = None, *, first: int | None = None,
                          after: str | None = None) -> dict[str, Any]:
    data = await gql(SCHOOL_PROGRESS, {"trust": world.org("trust"), "school": world.org("ashdown"),
                                       "filter": filter, "first": first, "after": after},
                     token=world["trust_admin"].token)
    return data["trust"]["schoolProgress"]


def pairs(connection: dict[str, Any]) -> list[tuple[str, str]]:
    return [(n["personName"], n["course"]["title"]) for n in connection["nodes"]]


async def test_school_progress_lists_every_enrolment_with_its_facts(gql, world: World, db: Database) -> None:
    """'A list of all course enrolments and course progress for that school', by name."""
    await progress_fixture(gql, world, db)
    page = await school_progress(gql, world)
    assert page["totalCount"] == 6
    assert pairs(page) == [("Admin", "Course 2"), ("Owner", "Course 3"), ("Staff", "Course 1"),
                           ("Staff", "Course 2"), ("Staff2", "Course 1"), ("Staff2", "Course 3")]
    staff_c1 = page["nodes"][2]
    assert staff_c1 == {
        "personName": "Staff", "personEmail": "staff@example.org", "status": "COMPLETED", "progressPercent": 100,
        "secondsSpent": 3600, "startedAt": "2026-03-01T09:00:00+00:00", "completedAt": "2026-03-10T12:00:00+00:00",
        "course": {"title": "Course 1"},
    }


async def test_a_page_of_school_progress_costs_the_same_statements_for_one_and_six(
    gql, world: World, db: Database, count_statements
) -> None:
    """The page, its total and each enrolment's course: the courses come with the page, so
    the statements do not grow with the enrolments (the principal, the trust, the school,
    the page, the count)."""
    await progress_fixture(gql, world, db)
    await school_progress(gql, world, first=1)  # the grant and the groups are in place
    before = count_statements.count
    one = await school_progress(gql, world, first=1)
    small = count_statements.count - before
    before = count_statements.count
    six = await school_progress(gql, world)
    large = count_statements.count - before
    assert len(one["nodes"]) == 1 and len(six["nodes"]) == 6
    assert {n["course"]["title"] for n in six["nodes"]} == {"Course 1", "Course 2", "Course 3"}
    assert small == large == 5, [s[:60] for s in count_statements.statements[-large:]]


@pytest.mark.parametrize(("status", "expected"), [
    ("NOT_STARTED", [("Admin", "Course 2"), ("Staff2", "Course 1")]),
    ("IN_PROGRESS", [("Owner", "Course 3"), ("Staff", "Course 2")]),
    ("COMPLETED", [("Staff", "Course 1"), ("Staff2", "Course 3")]),
])
async def test_school_progress_by_status(gql, world: World, db: Database, status: str, expected: list) -> None:
    """NOT_STARTED is enrolled at 0% and not completed; COMPLETED is any completed enrolment."""
    await progress_fixture(gql, world, db)
    page = await school_progress(gql, world, {"status": status})
    assert pairs(page) == expected
    assert {n["status"] for n in page["nodes"]} == {status}
    assert page["totalCount"] == len(expected)


async def test_school_progress_by_course(gql, world: World, db: Database) -> None:
    await progress_fixture(gql, world, db)
    page = await school_progress(gql, world, {"courseId": global_id("Course", world.courses[0])})
    assert pairs(page) == [("Staff", "Course 1"), ("Staff2", "Course 1")]


async def test_school_progress_by_staff_group(gql, world: World, db: Database) -> None:
    groups = await progress_fixture(gql, world, db)
    page = await school_progress(gql, world, {"staffGroupId": groups["year1"]})
    assert pairs(page) == [("Admin", "Course 2"), ("Staff", "Course 1"), ("Staff", "Course 2")]
    # All Staff: every active staff seat holder of Ashdown.
    page = await school_progress(gql, world, {"staffGroupId": world.all_staff_group("ashdown")})
    assert page["totalCount"] == 6


@pytest.mark.parametrize("group", ["birch", "birch all staff", "unknown"])
async def test_another_schools_staff_group_is_not_found(gql, world: World, db: Database, group: str) -> None:
    """Birchwood also grants the trust, but its groups are not a filter on Ashdown's progress."""
    groups = await progress_fixture(gql, world, db)
    group_id = {"birch": groups["birch"], "birch all staff": world.all_staff_group("birchwood"),
                "unknown": global_id("StaffGroup", 999_999)}[group]
    body = (await gql.raw(SCHOOL_PROGRESS, {"trust": world.org("trust"), "school": world.org("ashdown"),
                                            "filter": {"staffGroupId": group_id}},
                          token=world["trust_admin"].token)).json()
    assert refusal(body) == ("NOT_FOUND", "filter.staffGroupId")
    assert "Staff B" not in str(body)


async def test_school_progress_started_and_completed_in_a_period(gql, world: World, db: Database) -> None:
    """A period includes its start and excludes its end."""
    await progress_fixture(gql, world, db)
    page = await school_progress(gql, world, {"startedSince": "2026-03-01T09:00:00Z",
                                              "startedUntil": "2026-05-01T09:00:00Z"})
    assert pairs(page) == [("Staff", "Course 1"), ("Staff", "Course 2")]
    page = await school_progress(gql, world, {"completedSince": "2026-06-01T00:00:00Z",
                                              "completedUntil": "2026-07-01T00:00:00Z"})
    assert pairs(page) == [("Staff2", "Course 3")]
    page = await school_progress(gql, world, {"completedSince": "2026-01-01T00:00:00Z", "status": "COMPLETED",
                                              "startedUntil": "2026-04-01T00:00:00Z"})
    assert pairs(page) == [("Staff", "Course 1")]


@pytest.mark.parametrize(("field", "since", "until"), [
    ("filter.startedUntil", "startedSince", "startedUntil"),
    ("filter.completedUntil", "completedSince", "completedUntil"),
])
async def test_a_period_ending_before_it_starts_is_refused(gql, world: World, db: Database, field: str,
                                                          since: str, until: str) -> None:
    await progress_fixture(gql, world, db)
    body = (await gql.raw(SCHOOL_PROGRESS, {
        "trust": world.org("trust"), "school": world.org("ashdown"),
        "filter": {since: "2026-06-01T00:00:00Z", until: "2026-05-01T00:00:00Z"}},
        token=world["trust_admin"].token)).json()
    assert refusal(body) == ("VALIDATION", field)


@pytest.mark.parametrize(("search", "expected"), [
    ("staff2", [("Staff2", "Course 1"), ("Staff2", "Course 3")]),
    ("course 3", [("Owner", "Course 3"), ("Staff2", "Course 3")]),
    ("STAFF", [("Staff", "Course 1"), ("Staff", "Course 2"), ("Staff2", "Course 1"), ("Staff2", "Course 3")]),
    ("nobody", []),
    ("%", []),
])
async def test_school_progress_search_by_person_or_course(gql, world: World, db: Database, search: str,
                                                          expected: list) -> None:
    """Part of a name or a course title, any case; Birchwood's Staff B never appears."""
    await progress_fixture(gql, world, db)
    page = await school_progress(gql, world, {"search": search})
    assert pairs(page) == expected


async def test_school_progress_pages_through_every_enrolment_once(gql, world: World, db: Database) -> None:
    await progress_fixture(gql, world, db)
    everything = pairs(await school_progress(gql, world))
    seen: list[tuple[str, str]] = []
    after = None
    pages = 0
    while True:
        page = await school_progress(gql, world, first=4, after=after)
        assert page["totalCount"] == 6
        seen += pairs(page)
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert pages == 2
    assert seen == everything
