"""GET /reports/trusts/{id}/progress.csv (issue 5): the trust's ad hoc progress query as
a CSV a spreadsheet opens, with the same bearer tokens and the same answer as GraphQL's
`Trust.progressSummary` for the same caller and arguments. Ends with the issue's 'done
when': the demo trust's administrator gets completion rates per school and course for
the two granting schools and nothing of the third, in GraphQL and in the CSV."""

from collections import defaultdict
from email.message import Message
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import select, update

from app import demo
from infra.database import Database
from domain.models import Course, Enrolment, Membership, Organisation
from schema.ids import decode, global_id
from tests.graphql.test_trust_access import granted, other_trust, some_progress
from tests.graphql.test_trust_analytics import SUMMARY, expected, generate
from tests.spreadsheets import read_csv
from tests.world import World

HEADER = ["Enrolments", "Completed", "In progress", "Not started", "Overdue", "Completion rate", "Mean seconds",
          "Median seconds"]
LABELS = {"SCHOOL": "School", "COURSE": "Course", "STAFF_GROUP": "Staff group", "MONTH_COMPLETED": "Month completed",
          "STATUS": "Status"}


async def get(client: httpx.AsyncClient, trust: str, token: str | None = None, headers: dict | None = None,
              **params: str) -> httpx.Response:
    headers = dict(headers or {})
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return await client.get(f"/reports/trusts/{quote(trust, safe='')}/progress.csv", params=params, headers=headers)


table = read_csv


def error_code(response: httpx.Response) -> str:
    return response.json()["errors"][0]["extensions"]["code"]


def as_csv(row: dict, dims: list[str]) -> list[str]:
    """A GraphQL progressSummary row as the CSV writes it."""
    labels = {
        "SCHOOL": lambda r: r["school"]["name"],
        "COURSE": lambda r: f"{r['course']['code']} {r['course']['title']}",
        "STAFF_GROUP": lambda r: r["staffGroup"]["name"],
        "MONTH_COMPLETED": lambda r: r["monthCompleted"] or "",
        "STATUS": lambda r: r["status"] or "",
    }
    seconds = [row["meanSecondsSpent"], row["medianSecondsSpent"]]
    return [*(labels[d](row) for d in dims), *(str(row[m]) for m in ("enrolments", "completed", "inProgress",
                                                                      "notStarted", "overdue")),
            str(round(row["completionRate"], 4)), *("" if s is None else str(round(s, 1)) for s in seconds)]


async def graphql_rows(gql, world: World, dims: list[str], schools: list[str] | None = None,
                       filter: dict | None = None) -> list[dict]:
    data = await gql(SUMMARY, {"trust": world.org("trust"), "groupBy": dims, "schools": schools, "filter": filter},
                     token=world["trust_admin"].token)
    return data["trust"]["progressSummary"]


# --- Who gets it ----------------------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "Bearer not-a-token", "Bearer ", "Basic YWRtaW46YWRtaW4=", "expired",
                                    "revoked"])
async def test_no_valid_token_is_401(client, gql, world: World, db: Database, header: str | None) -> None:
    await some_progress(db, world)
    await granted(gql, world)
    if header in ("expired", "revoked"):
        header = f"Bearer {world.expired_token if header == 'expired' else world.revoked_token}"
    response = await get(client, world.org("trust"), headers={"Authorization": header} if header else {},
                         groupBy="SCHOOL")
    assert response.status_code == 401
    assert error_code(response) == "UNAUTHENTICATED"
    assert "Ashdown" not in response.text


@pytest.mark.parametrize("trust", ["unknown", "school", "course id", "garbage", "elm"])
async def test_an_id_that_names_no_trust_of_the_callers_is_404(client, gql, world: World, db: Database,
                                                               trust: str) -> None:
    """Unknown, not a trust, not an Organisation id at all, or another trust: all alike."""
    await some_progress(db, world)
    await granted(gql, world)
    elm, _ = await other_trust(db)
    trust_id = {"unknown": global_id("Organisation", 999_999), "school": world.org("ashdown"),
                "course id": global_id("Course", world.courses[0]), "garbage": "not-an-id", "elm": elm}[trust]
    response = await get(client, trust_id, world["trust_admin"].token, groupBy="SCHOOL")
    assert response.status_code == 404
    assert error_code(response) == "NOT_FOUND"
    assert "Ashdown" not in response.text


@pytest.mark.parametrize("actor", ["owner", "staff", "owner_b", "system"])
async def test_anyone_outside_the_trust_gets_404(client, gql, world: World, db: Database, actor: str) -> None:
    """GraphQL's `trust(id:)` is null for them, so the CSV does not exist for them either;
    being in a school that granted the trust changes nothing."""
    await some_progress(db, world)
    await granted(gql, world)
    token = world.system_token if actor == "system" else world[actor].token
    data = await gql("query($t: ID!) { trust(id: $t) { isAcademies } }", {"t": world.org("trust")}, token=token)
    assert data["trust"] is None
    response = await get(client, world.org("trust"), token, groupBy="SCHOOL")
    assert response.status_code == 404
    assert "Ashdown" not in response.text


async def test_platform_support_sees_the_trust_but_no_schools_progress(client, gql, world: World,
                                                                        db: Database) -> None:
    """Support reads organisations to do its acts, but is no trust Administrator: empty in
    GraphQL, and the export says Administrator rights are needed."""
    await some_progress(db, world)
    await granted(gql, world)
    data = await gql("query($t: ID!) { trust(id: $t) { grantingSchools { id } progressSummary(groupBy: [SCHOOL]) "
                     "{ enrolments } } }", {"t": world.org("trust")}, token=world["support"].token)
    assert data["trust"] == {"grantingSchools": [], "progressSummary": []}
    response = await get(client, world.org("trust"), world["support"].token, groupBy="SCHOOL")
    assert response.status_code == 403 and "needs Administrator rights" in response.text


# --- What it holds ----------------------------------------------------------------------------

GROUPINGS = ["SCHOOL", "COURSE", "SCHOOL,COURSE", "STAFF_GROUP", "MONTH_COMPLETED", "STATUS",
             "STATUS,MONTH_COMPLETED,SCHOOL", "SCHOOL,STAFF_GROUP,COURSE"]


@pytest.mark.parametrize("group_by", GROUPINGS)
async def test_one_row_per_graphql_row_under_a_header_naming_the_dimensions(
    client, gql, world: World, db: Database, group_by: str
) -> None:
    await generate(db, world)
    dims = group_by.split(",")
    rows = table(await get(client, world.org("trust"), world["trust_admin"].token, groupBy=group_by))
    assert rows[0] == [*(LABELS[d] for d in dims), *HEADER]
    wanted = [as_csv(r, dims) for r in await graphql_rows(gql, world, dims)]
    assert len(wanted) > 1
    assert rows[1:] == wanted


async def test_the_csv_agrees_with_a_count_by_hand(client, world: World, db: Database) -> None:
    data = await generate(db, world)
    rows = table(await get(client, world.org("trust"), world["trust_admin"].token, groupBy="SCHOOL,COURSE"))
    counted = expected(data, ["SCHOOL", "COURSE"])
    by_name = {(data.names[decode(s, "Organisation", "id")], data.course_names[decode(c, "Course", "id")]): m
               for (s, c), m in counted.items()}
    assert len(rows) - 1 == len(by_name)
    for school, course, enrolments, completed, in_progress, not_started, overdue, rate, mean, median in rows[1:]:
        m = by_name[(school, course)]
        assert [int(enrolments), int(completed), int(in_progress), int(not_started), int(overdue)] == [
            m["enrolments"], m["completed"], m["inProgress"], m["notStarted"], m["overdue"]]
        assert float(rate) == round(m["completionRate"], 4)
        # One decimal place in the CSV.
        assert float(mean) == pytest.approx(m["meanSecondsSpent"], abs=0.051)
        assert float(median) == pytest.approx(m["medianSecondsSpent"], abs=0.051)


async def test_school_ids_and_filters_give_the_same_rows_as_graphql(client, gql, world: World, db: Database) -> None:
    data = await generate(db, world)
    chosen = [data.gid(data.schools[0]), data.gid(data.schools[2])]
    course = global_id("Course", data.courses[0])
    cases = [
        ({"schoolIds": ",".join(chosen)}, {"schools": chosen}),
        ({"courseId": course, "status": "COMPLETED"}, {"filter": {"courseId": course, "status": "COMPLETED"}}),
        ({"completedSince": "2026-03-01T00:00:00Z", "completedUntil": "2026-05-01T00:00:00+00:00"},
         {"filter": {"completedSince": "2026-03-01T00:00:00Z", "completedUntil": "2026-05-01T00:00:00Z"}}),
        ({"staffGroupId": global_id("StaffGroup", data.readers[data.schools[0]])},
         {"filter": {"staffGroupId": global_id("StaffGroup", data.readers[data.schools[0]])}}),
        ({"search": "person 3"}, {"filter": {"search": "person 3"}}),
    ]
    for params, arguments in cases:
        rows = table(await get(client, world.org("trust"), world["trust_admin"].token, groupBy="SCHOOL,COURSE",
                               **params))
        wanted = [as_csv(r, ["SCHOOL", "COURSE"]) for r in await graphql_rows(gql, world, ["SCHOOL", "COURSE"],
                                                                              **arguments)]
        assert wanted, params
        assert rows[1:] == wanted, params


async def test_names_with_commas_quotes_and_accents_survive(client, world: World, db: Database) -> None:
    """A spreadsheet must read back exactly the school's name."""
    data = await generate(db, world)
    name = 'St Mary\'s, "The Old" École'
    async with db.write() as session:
        await session.execute(update(Organisation).where(Organisation.id == data.schools[0]).values(name=name))
    response = await get(client, world.org("trust"), world["trust_admin"].token, groupBy="SCHOOL")
    rows = table(response)
    assert name in [row[0] for row in rows[1:]]
    assert all(len(row) == 1 + len(HEADER) for row in rows)


async def test_it_is_a_download_named_after_the_trust(client, world: World, db: Database) -> None:
    await generate(db, world)
    response = await get(client, world.org("trust"), world["trust_admin"].token, groupBy="SCHOOL")
    assert response.status_code == 200
    header = response.headers["content-disposition"]
    disposition = Message()
    disposition["content-disposition"] = header
    assert disposition.get_content_disposition() == "attachment"
    assert disposition.get_filename() in ("Cedar-Trust-progress.csv", "Cedar Trust-progress.csv")
    assert "filename*=UTF-8''Cedar%20Trust-progress.csv" in header


# --- The issue's 'done when': the demo -------------------------------------------------------


@pytest.fixture
async def demo_tokens(db: Database) -> dict[str, str]:
    issued = await demo.issue_tokens(db, await demo.load(db))
    return {t.role: t.token for t in issued}


async def demo_ids(gql, demo_tokens: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The demo trust's id, from its administrator's memberships, and each school's id, from support."""
    me = await gql("{ me { memberships { organisation { id kind } } } }", token=demo_tokens["trust administrator"])
    (trust,) = [m["organisation"]["id"] for m in me["me"]["memberships"] if m["organisation"]["kind"] == "TRUST"]
    orgs = await gql("{ organisations(kind: SCHOOL) { nodes { id name } } }", token=demo_tokens["platform support"])
    return trust, {o["name"]: o["id"] for o in orgs["organisations"]["nodes"]}


async def completion_by_hand(db: Database, school_ids: dict[str, int]) -> dict[tuple[str, str], float]:
    """(school, course code) -> completed / enrolments, counted from the demo's rows."""
    async with db.read() as session:
        rows = (await session.execute(
            select(Membership.organisation_id, Course.code, Enrolment.completed_at)
            .join(Enrolment, Enrolment.person_id == Membership.person_id)
            .join(Course, Course.id == Enrolment.course_id)
            .where(Membership.organisation_id.in_(list(school_ids.values())))
        )).all()
    names = {pk: name for name, pk in school_ids.items()}
    tally: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for org, code, completed in rows:
        tally[(names[org], code)][0] += completed is not None
        tally[(names[org], code)][1] += 1
    return {key: round(done / total, 4) for key, (done, total) in tally.items()}


GRANTED = {"Oakfield Primary School", "Riverside Academy"}


async def test_the_demo_trust_administrator_sees_completion_per_school_and_course_of_the_two_granting_schools(
    client, gql, db: Database, demo_tokens: dict[str, str]
) -> None:
    token = demo_tokens["trust administrator"]
    trust, schools = await demo_ids(gql, demo_tokens)
    assert set(schools) == GRANTED | {"Hillcrest Primary"}

    data = await gql("""query($t: ID!) { trust(id: $t) { organisation { name } grantingSchools { name }
                        progressSummary(groupBy: [SCHOOL, COURSE]) { school { name } course { code title }
                        enrolments completed completionRate } } }""", {"t": trust}, token=token)
    view = data["trust"]
    assert view["organisation"]["name"] == "Northern Lights Academy Trust"
    assert {s["name"] for s in view["grantingSchools"]} == GRANTED
    rates = {(r["school"]["name"], r["course"]["code"]): r["completionRate"] for r in view["progressSummary"]}
    assert {school for school, _ in rates} == GRANTED

    by_hand = await completion_by_hand(db, {n: decode(schools[n], "Organisation", "id") for n in GRANTED})
    assert rates == by_hand
    assert len(set(rates.values())) > 2, "the demo's rates differ from course to course"

    rows = table(await get(client, trust, token, groupBy="SCHOOL,COURSE"))
    assert rows[0] == ["School", "Course", *HEADER]
    titles = {f"{r['course']['code']} {r['course']['title']}": r["course"]["code"] for r in view["progressSummary"]}
    from_csv = {(row[0], titles[row[1]]): float(row[7]) for row in rows[1:]}
    assert from_csv == pytest.approx(rates)
    assert "Hillcrest" not in "".join(",".join(row) for row in rows)


async def test_the_demo_trust_sees_nothing_of_hillcrest(client, gql, demo_tokens: dict[str, str]) -> None:
    """Hillcrest Primary did not grant the trust: no path shows it, even when named."""
    token = demo_tokens["trust administrator"]
    trust, schools = await demo_ids(gql, demo_tokens)
    hillcrest = schools["Hillcrest Primary"]

    body = (await gql.raw("""query($t: ID!, $s: ID!) { node(id: $s) { id }
                             trust(id: $t) { progressSummary(groupBy: [SCHOOL], schoolIds: [$s]) { enrolments } } }""",
                          {"t": trust, "s": hillcrest}, token=token)).json()
    assert body["data"]["node"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["NOT_FOUND"]
    body = (await gql.raw("query($t: ID!, $s: ID!) { trust(id: $t) { schoolProgress(schoolId: $s) { totalCount } } }",
                          {"t": trust, "s": hillcrest}, token=token)).json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["NOT_FOUND"]

    response = await get(client, trust, token, groupBy="SCHOOL", schoolIds=hillcrest)
    assert response.status_code == 404
    assert "Hillcrest" not in response.text
    rows = table(await get(client, trust, token, groupBy="SCHOOL"))
    assert {row[0] for row in rows[1:]} == GRANTED


async def test_the_demo_trust_member_is_told_whom_to_ask(client, gql, demo_tokens: dict[str, str]) -> None:
    trust, _ = await demo_ids(gql, demo_tokens)
    response = await get(client, trust, demo_tokens["trust member"], groupBy="SCHOOL,COURSE")
    assert response.status_code == 403
    assert "Administrator rights" in response.text and "tara.admin@northernlights.example" in response.text
