"""GET /reports/groups/{id}/completion.svg and /matrix.csv (issue 4): the same bearer
tokens and the same answer as GraphQL's `StaffGroup.report` for the same caller (404 where
the group cannot be seen, 403 where its report cannot be read); a CSV that Python's csv
module opens and an SVG that parses as XML, both agreeing with the GraphQL numbers."""

from email.message import Message
import xml.etree.ElementTree as ET
from urllib.parse import quote

import httpx
import pytest

from infra.database import Database
from domain.models import Membership, MembershipRole, Person, Seat, SubscriptionKind
from schema.ids import global_id
from tests.graphql.test_extensions import EXTEND
from tests.graphql.test_reports import (
    REPORT, add_delegate, at, create_group, create_list, enrol, fixed_group, group_report,
)
from tests.spreadsheets import read_csv
from tests.world import World

ENDPOINTS = ["completion.svg", "matrix.csv"]


def token_of(world: World, who: str) -> str:
    return world.system_token if who == "system" else world[who].token


async def get(client: httpx.AsyncClient, group: str, endpoint: str, token: str | None = None,
              on: str | None = None, headers: dict | None = None) -> httpx.Response:
    headers = dict(headers or {})
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    params = {"on": on} if on is not None else None
    return await client.get(f"/reports/groups/{quote(group, safe='')}/{endpoint}", params=params, headers=headers)


def error_code(response: httpx.Response) -> str:
    return response.json()["errors"][0]["extensions"]["code"]


matrix = read_csv


def heading(*courses: str) -> list[str]:
    return ["Name", "Email", *(f"{c}: {what}" for c in courses for what in ("status", "progress %", "completed on"))]


DONE, NOT_STARTED = ("completed", "100"), ("not started", "", "")


def done(on: str) -> tuple[str, ...]:
    return (*DONE, on)


def doing(percent: int, overdue: bool = False) -> tuple[str, ...]:
    return ("overdue" if overdue else "in progress", str(percent), "")


def member(name: str, email: str, *cells: tuple[str, ...]) -> list[str]:
    return [name, email, *(value for cell in cells for value in cell)]


def pie(response: httpx.Response) -> ET.Element:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("image/svg+xml")
    return ET.fromstring(response.text)


def slices(svg: ET.Element) -> dict[str, int]:
    found = [e for e in svg.iter() if "data-count" in e.attrib]
    by_status = {e.attrib["data-status"]: int(e.attrib["data-count"]) for e in found}
    assert len(by_status) == len(found), "one slice per status"
    return by_status


def texts(svg: ET.Element) -> list[str]:
    return ["".join(e.itertext()) for e in svg.iter() if e.tag.endswith("text")]


# --- Authentication and authorization -------------------------------------------------


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize(
    "header", [None, "Bearer not-a-token", "Bearer ", "Basic YWRtaW46YWRtaW4=", "expired", "revoked"]
)
async def test_no_valid_token_is_401(client, gql, world: World, db: Database, endpoint: str,
                                     header: str | None) -> None:
    fixed = await fixed_group(gql, world, db)
    if header in ("expired", "revoked"):
        header = f"Bearer {world.expired_token if header == 'expired' else world.revoked_token}"
    headers = {"Authorization": header} if header is not None else {}
    response = await get(client, fixed.group, endpoint, headers=headers)
    assert response.status_code == 401
    assert error_code(response) == "UNAUTHENTICATED"
    assert "Year 1" not in response.text


# Who gets what, as GraphQL answers it: a group they cannot see (404), a group whose
# report they may not read (403), or the report (200).
EXPECTED = {
    "owner": 200, "admin": 200, "delegate": 200,
    "support": 403,
    "staff": 404, "other delegate": 404, "owner_b": 404, "staff_b": 404,
    "trust_admin": 404, "trust_member": 404, "system": 404,
}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("who", list(EXPECTED))
async def test_each_caller_gets_exactly_what_graphql_answers_them(
    client, gql, world: World, db: Database, endpoint: str, who: str
) -> None:
    fixed = await fixed_group(gql, world, db)
    await add_delegate(gql, world, fixed.group, "staff2")
    other = await create_group(gql, world, "Other", ["admin"])
    await add_delegate(gql, world, other, "staff")
    actor = {"delegate": "staff2", "other delegate": "staff"}.get(who, who)
    token = token_of(world, actor)

    node = (await gql(REPORT, {"id": fixed.group, "on": None}, token=token))["node"]
    graphql = 404 if node is None else 403 if node["report"] is None else 200
    assert graphql == EXPECTED[who]

    response = await get(client, fixed.group, endpoint, token)
    assert response.status_code == graphql, response.text
    if graphql != 200:
        assert error_code(response) == {403: "FORBIDDEN", 404: "NOT_FOUND"}[graphql]
        assert "Staff2" not in response.text and "Year 1" not in response.text


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize(
    "group", ["not-an-id", global_id("Person", 1), global_id("StaffGroup", 999_999), global_id("TargetList", 1)],
    ids=["garbage", "person id", "unknown group", "target list id"],
)
async def test_an_id_that_names_no_group_is_404(client, world: World, endpoint: str, group: str) -> None:
    response = await get(client, group, endpoint, world["owner"].token)
    assert response.status_code == 404
    assert error_code(response) == "NOT_FOUND"


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("on", ["2026-13-01", "tomorrow", "2026-06-15T00:00:00", "15/06/2026"])
async def test_a_bad_on_is_400(client, gql, world: World, db: Database, endpoint: str, on: str) -> None:
    fixed = await fixed_group(gql, world, db)
    response = await get(client, fixed.group, endpoint, world["owner"].token, on=on)
    assert response.status_code == 400
    assert error_code(response) == "VALIDATION"


# --- The training matrix ----------------------------------------------------------------


async def test_the_matrix_has_a_column_per_course_and_a_row_per_member(
    client, gql, world: World, db: Database
) -> None:
    fixed = await fixed_group(gql, world, db)
    rows = matrix(await get(client, fixed.group, "matrix.csv", world["owner"].token, on="2026-05-31"))
    assert rows == [
        heading("C1 Course 1", "C2 Course 2", "C3 Course 3"),
        member("Admin", "admin@example.org", done("2026-04-01"), done("2026-04-02"), done("2026-04-03")),
        # Completed at 23:30 UTC on 31 May: already 1 June in London.
        member("Staff", "staff@example.org", done("2026-06-01"), doing(50), NOT_STARTED),
        member("Staff2", "staff2@example.org", doing(30), NOT_STARTED, NOT_STARTED),
    ]


async def test_the_matrix_marks_overdue_cells_on_the_given_date(client, gql, world: World, db: Database) -> None:
    fixed = await fixed_group(gql, world, db)
    rows = matrix(await get(client, fixed.group, "matrix.csv", world["owner"].token, on="2026-06-15"))
    overdue = ("overdue", "", "")
    assert rows[1:] == [
        member("Admin", "admin@example.org", done("2026-04-01"), done("2026-04-02"), done("2026-04-03")),
        member("Staff", "staff@example.org", done("2026-06-01"), doing(50, overdue=True), overdue),
        member("Staff2", "staff2@example.org", doing(30, overdue=True), overdue, overdue),
    ]
    report = await group_report(gql, world, fixed.group, on="2026-06-15")
    assert sum(row.count("overdue") for row in rows) == report["overall"]["overdue"]


async def test_the_delegate_gets_the_same_matrix_as_an_administrator(client, gql, world: World, db: Database) -> None:
    fixed = await fixed_group(gql, world, db)
    await add_delegate(gql, world, fixed.group, "staff2")
    mine = matrix(await get(client, fixed.group, "matrix.csv", world["staff2"].token, on="2026-06-15"))
    theirs = matrix(await get(client, fixed.group, "matrix.csv", world["admin"].token, on="2026-06-15"))
    assert mine == theirs and len(mine) == 4


async def test_an_extension_takes_its_persons_cells_off_overdue_until_its_date(
    client, gql, world: World, db: Database
) -> None:
    """Staff2 is given until 30 June for Course 1 (Core sets 1 June): on 15 June that cell
    is in progress, not overdue, and the report counts one overdue fewer (issue 17)."""
    fixed = await fixed_group(gql, world, db)
    before = await group_report(gql, world, fixed.group, on="2026-06-15")
    granted = await gql(EXTEND, {"input": {"targetListId": fixed.core, "personId": world["staff2"].gid,
                                           "courseId": global_id("Course", world.courses[0]),
                                           "dueOn": "2026-06-30", "reason": "Joined in June"}},
                        token=world["owner"].token)
    assert granted["extendTarget"]["__typename"] == "TargetExtensionPayload", granted
    rows = matrix(await get(client, fixed.group, "matrix.csv", world["owner"].token, on="2026-06-15"))
    overdue = ("overdue", "", "")
    assert rows[3] == member("Staff2", "staff2@example.org", doing(30), overdue, overdue)
    after = await group_report(gql, world, fixed.group, on="2026-06-15")
    assert after["overall"]["overdue"] == before["overall"]["overdue"] - 1
    assert sum(row.count("overdue") for row in rows) == after["overall"]["overdue"]


async def test_members_with_no_targets_still_have_a_row(client, gql, world: World, db: Database) -> None:
    group = await create_group(gql, world, "No lists yet", ["staff", "staff2", "admin"])
    rows = matrix(await get(client, group, "matrix.csv", world["owner"].token))
    assert rows == [
        ["Name", "Email"],
        ["Admin", "admin@example.org"],
        ["Staff", "staff@example.org"],
        ["Staff2", "staff2@example.org"],
    ]


async def test_the_all_staff_matrix_has_every_staff_member(client, gql, world: World, db: Database) -> None:
    all_staff = world.all_staff_group("ashdown")
    await create_list(gql, world, all_staff, "Safeguarding", [(0, None)])
    rows = matrix(await get(client, all_staff, "matrix.csv", world["owner"].token))
    members = await gql("query($id: ID!) { node(id: $id) { ... on StaffGroup { members { totalCount } } } }",
                        {"id": all_staff}, token=world["owner"].token)
    assert len(rows) - 1 == members["node"]["members"]["totalCount"] == 4
    assert {row[0] for row in rows[1:]} == {"Owner", "Admin", "Staff", "Staff2"}
    assert {tuple(row[2:]) for row in rows[1:]} == {NOT_STARTED}


async def test_names_with_commas_and_quotes_survive_the_csv(client, gql, world: World, db: Database) -> None:
    async with db.write() as session:
        person = Person(email="pat@example.org", display_name='O\'Brien, "Pat"')
        session.add(person)
        await session.flush()
        session.add_all([
            Membership(organisation_id=world.organisations["ashdown"], person_id=person.id,
                       role=MembershipRole.MEMBER),
            Seat(licence_id=world.licences["ashdown"], person_id=person.id,
                 subscription=SubscriptionKind.ALL_ACCESS_PASS_PLUS),
        ])
        person_id = person.id
    group = await gql(
        "mutation($l: ID!, $m: [ID!]!) { createStaffGroup(input: {licenceId: $l, name: \"Q\", memberIds: $m}) "
        "{ ... on StaffGroupPayload { staffGroup { id } } } }",
        {"l": world.licence("ashdown"), "m": [global_id("Person", person_id)]}, token=world["owner"].token,
    )
    group_id = group["createStaffGroup"]["staffGroup"]["id"]
    await create_list(gql, world, group_id, "L", [(0, None)])
    rows = matrix(await get(client, group_id, "matrix.csv", world["owner"].token))
    assert rows == [heading("C1 Course 1"), member('O\'Brien, "Pat"', "pat@example.org", NOT_STARTED)]


async def test_a_name_a_spreadsheet_would_run_as_a_formula_stays_text(client, gql, world: World, db: Database) -> None:
    """OWASP's CSV injection: the cell gets a leading quote, so Excel shows the text."""
    name = '=HYPERLINK("http://evil.example","Open")'
    async with db.write() as session:
        person = Person(email="eve@example.org", display_name=name)
        session.add(person)
        await session.flush()
        session.add_all([
            Membership(organisation_id=world.organisations["ashdown"], person_id=person.id,
                       role=MembershipRole.MEMBER),
            Seat(licence_id=world.licences["ashdown"], person_id=person.id,
                 subscription=SubscriptionKind.ALL_ACCESS_PASS_PLUS),
        ])
        person_id = person.id
    made = await gql(
        "mutation($l: ID!, $m: [ID!]!) { createStaffGroup(input: {licenceId: $l, name: \"F\", memberIds: $m}) "
        "{ ... on StaffGroupPayload { staffGroup { id } } } }",
        {"l": world.licence("ashdown"), "m": [global_id("Person", person_id)]}, token=world["owner"].token,
    )
    group = made["createStaffGroup"]["staffGroup"]["id"]
    rows = matrix(await get(client, group, "matrix.csv", world["owner"].token))
    assert rows[1][:2] == ["'" + name, "eve@example.org"]


async def test_completion_dates_are_the_schools_local_dates(client, gql, world: World, db: Database) -> None:
    """14:00 UTC on 1 March is 1 March in London and already 2 March in Sydney."""
    ashdown = await create_group(gql, world, "A", ["staff"])
    await create_list(gql, world, ashdown, "L", [(0, None)])
    birchwood = await create_group(gql, world, "B", ["staff_b"], school="birchwood", by="owner_b")
    await create_list(gql, world, birchwood, "L", [(0, None)], by="owner_b")
    await enrol(db, [(world[p].person_id, world.courses[0], at("2026-02-01 09:00"), 100, 60, at("2026-03-01 14:00"))
                     for p in ("staff", "staff_b")])
    london = matrix(await get(client, ashdown, "matrix.csv", world["owner"].token))
    sydney = matrix(await get(client, birchwood, "matrix.csv", world["owner_b"].token))
    assert london[1] == member("Staff", "staff@example.org", done("2026-03-01"))
    assert sydney[1] == member("Staff B", "staff_b@example.org", done("2026-03-02"))


# --- The pie chart ----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "delegate"])
async def test_the_pie_slices_add_up_to_the_graphql_counts(
    client, gql, world: World, db: Database, who: str
) -> None:
    fixed = await fixed_group(gql, world, db)
    await add_delegate(gql, world, fixed.group, "staff2")
    actor = "staff2" if who == "delegate" else who
    svg = pie(await get(client, fixed.group, "completion.svg", world[actor].token, on="2026-06-15"))
    overall = (await group_report(gql, world, fixed.group, who=actor, on="2026-06-15"))["overall"]
    assert slices(svg) == {"completed": overall["completed"], "in progress": overall["inProgress"],
                           "not started": overall["notStarted"]} == {"completed": 4, "in progress": 2,
                                                                     "not started": 3}
    assert sum(slices(svg).values()) == overall["total"] == 9


@pytest.mark.parametrize(("on", "overdue"), [("2026-05-31", 0), ("2026-06-15", 5)])
async def test_the_pie_is_drawn_on_the_given_date(client, gql, world: World, db: Database, on: str,
                                                  overdue: int) -> None:
    fixed = await fixed_group(gql, world, db)
    svg = pie(await get(client, fixed.group, "completion.svg", world["owner"].token, on=on))
    report = await group_report(gql, world, fixed.group, on=on)
    assert report["overall"]["overdue"] == overdue
    assert f"overdue: {overdue}" in texts(svg)
    assert any(on in "".join(e.itertext()) for e in svg.iter() if e.tag.endswith("title"))


async def test_a_pie_of_one_status_is_one_whole_slice(client, gql, world: World, db: Database) -> None:
    group = await create_group(gql, world, "Done", ["staff", "staff2"])
    await create_list(gql, world, group, "L", [(0, None), (1, None)])
    await enrol(db, [(world[p].person_id, c, at("2026-02-01 09:00"), 100, 60, at("2026-03-01 09:00"))
                     for p in ("staff", "staff2") for c in world.courses[:2]])
    svg = pie(await get(client, group, "completion.svg", world["owner"].token))
    assert slices(svg) == {"completed": 4}


async def test_a_pie_with_nothing_to_count_still_parses(client, gql, world: World, db: Database) -> None:
    group = await create_group(gql, world, "Empty", ["staff"])
    svg = pie(await get(client, group, "completion.svg", world["owner"].token))
    assert slices(svg) == {}
    assert (await group_report(gql, world, group))["overall"]["total"] == 0


async def test_a_group_name_with_markup_is_escaped(client, gql, world: World, db: Database) -> None:
    group = await create_group(gql, world, 'R&D <Leads> "A"', ["staff"])
    svg = pie(await get(client, group, "completion.svg", world["owner"].token))
    assert 'R&D <Leads> "A"' in texts(svg)


@pytest.mark.parametrize("name", ["Year 1", 'R&D "Leads"', "Équipe ☕ Year 2"])
async def test_any_group_name_downloads_a_matrix_with_a_usable_filename(
    client, gql, world: World, db: Database, name: str
) -> None:
    """A name with quotes or beyond Latin-1 must neither break the download nor the header."""
    group = await create_group(gql, world, name, ["staff"])
    response = await get(client, group, "matrix.csv", world["owner"].token, on="2026-06-15")
    assert matrix(response) == [["Name", "Email"], ["Staff", "staff@example.org"]]
    message = Message()
    message["Content-Disposition"] = response.headers["content-disposition"]
    assert message.get_content_disposition() == "attachment"
    filename = message.get_filename()
    assert filename is not None and filename.endswith("-matrix-2026-06-15.csv"), filename
    assert '"' not in filename
