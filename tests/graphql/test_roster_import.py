"""importRoster: a school's staff from its roster CSV, through the API, for platform support
and the school's Administrators; the same import as `trellis roster import`."""

import pytest

from infra.settings import Settings

from tests.world import World

IMPORT = """
mutation($school: ID!, $csv: String!, $dryRun: Boolean! = false) {
  importRoster(input: {schoolId: $school, csv: $csv, dryRun: $dryRun}) {
    __typename
    ... on ImportRosterPayload { school { name } rows dryRun changed changes { row email kind detail } }
    ... on Error { code message field } } }
"""
SEATS = """
query($id: ID!) { node(id: $id) { ... on Licence { seats { nodes { active subscription person { email } } } } } }
"""
LOG = "{ auditLog(filter: {actions: [MEMBER_ADDED, SEAT_ADDED, SEAT_CHANGED, ROSTER_IMPORTED]}) { totalCount } }"
ROSTER = (
    "\ufeffname,email,seat\r\n"
    "New Teacher,new.teacher@example.org,ALL_ACCESS_PASS_PLUS\r\n"
    "Staff Two,staff2@example.org,ALL_ACCESS_PASS\r\n"
)


async def _seats(gql, world: World) -> dict[str, tuple[bool, str]]:  # type: ignore[no-untyped-def]
    data = await gql(SEATS, {"id": world.licence("ashdown")}, token=world["support"].token)
    return {s["person"]["email"]: (s["active"], s["subscription"]) for s in data["node"]["seats"]["nodes"]}


async def _log(gql, world: World) -> int:  # type: ignore[no-untyped-def]
    return (await gql(LOG, token=world["support"].token))["auditLog"]["totalCount"]


@pytest.mark.parametrize("who", ["support", "owner", "admin"])
async def test_support_and_the_schools_administrators_import_once(gql, world: World, who: str) -> None:
    school = world.org("ashdown")
    dry = await gql(IMPORT, {"school": school, "csv": ROSTER, "dryRun": True}, token=world[who].token)
    planned = dry["importRoster"]
    assert planned["dryRun"] is True and planned["changed"] is False
    assert [(c["row"], c["kind"]) for c in planned["changes"]] == [
        (2, "PERSON_ADDED"), (2, "MEMBER_ADDED"), (2, "SEAT_ADDED"), (3, "SEAT_CHANGED")]
    assert "new.teacher@example.org" not in await _seats(gql, world) and await _log(gql, world) == 0

    done = (await gql(IMPORT, {"school": school, "csv": ROSTER}, token=world[who].token))["importRoster"]
    assert done["changed"] is True and done["changes"] == planned["changes"]
    assert done["school"] == {"name": "Ashdown Primary"}
    seats = await _seats(gql, world)
    assert seats["new.teacher@example.org"] == (True, "ALL_ACCESS_PASS_PLUS")
    assert seats["staff2@example.org"] == (True, "ALL_ACCESS_PASS")
    assert await _log(gql, world) == 4  # member, seat, seat changed, and the import

    again = (await gql(IMPORT, {"school": school, "csv": ROSTER}, token=world[who].token))["importRoster"]
    assert again["changed"] is False and again["changes"] == []
    assert await _log(gql, world) == 4


@pytest.mark.parametrize(("who", "code"), [
    ("staff", "FORBIDDEN"), ("system", "FORBIDDEN"), ("owner_b", "NOT_FOUND"), ("trust_admin", "NOT_FOUND"),
])
async def test_anyone_else_is_refused_before_the_file_is_read(gql, world: World, who: str, code: str) -> None:
    """A refusal says nothing about the file: even a broken one gets the same answer."""
    token = world.system_token if who == "system" else world[who].token
    for csv in (ROSTER, "no,such,columns\n"):
        answer = (await gql(IMPORT, {"school": world.org("ashdown"), "csv": csv}, token=token))["importRoster"]
        assert answer["__typename"] != "ImportRosterPayload" and answer["code"] == code
    assert "new.teacher@example.org" not in await _seats(gql, world)


async def test_a_bad_row_is_validation_naming_it_and_nothing_changes(gql, world: World) -> None:
    bad = ROSTER + "Third,third@example.org,ALL_ACCESS_PASS_PLUS,\r\n"
    answer = (await gql(IMPORT, {"school": world.org("ashdown"), "csv": bad.replace(",ALL_ACCESS_PASS\r", ",NONE\r")},
                        token=world["owner"].token))["importRoster"]
    assert answer == {"__typename": "ValidationError", "code": "VALIDATION", "field": "csv",
                      "message": "Row 3, column seat: 'NONE' is not a seat; "
                                 "use ALL_ACCESS_PASS_PLUS or ALL_ACCESS_PASS."}
    assert "new.teacher@example.org" not in await _seats(gql, world) and await _log(gql, world) == 0


async def test_a_trust_takes_no_roster(gql, world: World) -> None:
    answer = (await gql(IMPORT, {"school": world.org("trust"), "csv": ROSTER}, token=world["trust_admin"].token))
    assert answer["importRoster"]["code"] == "VALIDATION" and answer["importRoster"]["field"] == "schoolId"


async def test_a_roster_putting_sixty_people_in_one_group_imports_and_is_audited(gql, world: World) -> None:
    """Its audit summary names more people than the log's summary holds: the summary is
    cut with an ellipsis, the import is not refused, and the event keeps every name."""
    made = await gql("""mutation($l: ID!) { createStaffGroup(input: {licenceId: $l, name: "Early Career Teachers"}) {
      __typename } }""", {"l": world.licence("ashdown")}, token=world["owner"].token)
    assert made["createStaffGroup"]["__typename"] == "StaffGroupPayload"
    rows = "".join(f"Early Careers Teacher Number {n:03},ect{n:03}@example.org,ALL_ACCESS_PASS_PLUS,"
                   "Early Career Teachers\r\n" for n in range(60))
    done = await gql(IMPORT, {"school": world.org("ashdown"), "csv": "name,email,seat,groups\r\n" + rows},
                     token=world["owner"].token)
    assert done["importRoster"]["__typename"] == "ImportRosterPayload" and done["importRoster"]["changed"]
    log = await gql("{ auditLog(filter: {actions: [GROUP_MEMBERS_ADDED]}) { nodes { summary after } } }",
                    token=world["support"].token)
    (event,) = log["auditLog"]["nodes"]
    assert len(event["summary"]) == 500 and event["summary"].endswith("…")
    assert len(event["after"]["member_ids"]) == 60


async def test_a_whole_schools_roster_is_longer_than_any_other_string_and_still_imports(gql, world: World) -> None:
    """A roster of 300 staff is some 20,000 characters, past MAX_STRING_LENGTH (10,000): the
    file's own field is bounded by the request body alone; a name that long is still refused."""
    rows = "".join(f"Teacher Number {n:03},teacher{n:03}@example.org,ALL_ACCESS_PASS_PLUS\r\n" for n in range(300))
    csv = "name,email,seat\r\n" + rows
    assert len(csv) > Settings().max_string_length
    done = (await gql(IMPORT, {"school": world.org("ashdown"), "csv": csv}, token=world["owner"].token))["importRoster"]
    assert done["__typename"] == "ImportRosterPayload" and done["rows"] == 300
    inline = IMPORT.replace("$csv: String!, ", "").replace("csv: $csv", 'csv: """' + csv.replace("\r\n", "\n") + '"""')
    again = (await gql(inline, {"school": world.org("ashdown")}, token=world["owner"].token))["importRoster"]
    assert again["__typename"] == "ImportRosterPayload" and not again["changed"]  # written in the document too
    errors = await gql.errors("""mutation($name: String!) { addMember(input: {organisationId: "x", email: "a@b.c",
      displayName: $name, role: MEMBER}) { __typename } }""", {"name": "n" * 10_001}, token=world["owner"].token)
    assert errors[0]["extensions"] == {"code": "VALIDATION", "field": "name"}
    # A variable named like the file's field is not a file: only the input field decides.
    errors = await gql.errors("""mutation($csv: String!) { addMember(input: {organisationId: "x", email: "a@b.c",
      displayName: $csv, role: MEMBER}) { __typename } }""", {"csv": "n" * 10_001}, token=world["owner"].token)
    assert errors[0]["extensions"] == {"code": "VALIDATION", "field": "csv"}
