"""The `trellis` command line: issuing and revoking tokens, and the schema check CI runs.

The commands call asyncio.run themselves, so these tests are plain functions."""

import asyncio
import json
import re
import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from app.cli import cli
from infra.database import Database, create_engine
from app.main import create_app
from infra.settings import Settings, get_settings
from domain.models import ApiToken, AuditEvent, Seat, TargetList, TargetListItem, utcnow
from permissions.principal import InvalidToken, Principal, load_principal
from schema.ids import global_id
from tests.world import World, build_world

ROOT = Path(__file__).resolve().parents[1]
ISSUED = re.compile(r"^Token (\d+) \((.*)\), expires \d{4}-\d{2}-\d{2}:$")


def run_on(url: str, work: Any) -> Any:
    """Run `work(db)` against the database, in its own event loop like the CLI does."""

    async def go() -> Any:
        db = Database(create_engine(url))
        try:
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(go())


class Seeded:
    """A migrated SQLite file holding tests.world, named by DATABASE_URL."""

    def __init__(self, url: str, world: World) -> None:
        self.url = url
        self.world = world

    def run(self, work: Any) -> Any:
        return run_on(self.url, work)

    def principal(self, token: str) -> Principal:
        async def load(db: Database) -> Principal:
            async with db.read() as session:
                return await load_principal(session, token, utcnow())

        return self.run(load)

    def graphql(self, query: str, token: str) -> httpx.Response:
        """One request to the app, as an HTTP client holding `token` would send it."""

        async def post(db: Database) -> httpx.Response:
            app = create_app(Settings(database_url=self.url), db)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://trellis.test") as http:
                return await http.post("/graphql", json={"query": query},
                                       headers={"Authorization": f"Bearer {token}"})

        return self.run(post)

    def tokens(self) -> int:
        async def count(db: Database) -> int:
            async with db.read() as session:
                return (await session.execute(select(func.count()).select_from(ApiToken))).scalar_one()

        return self.run(count)

    def events(self) -> list[AuditEvent]:
        async def read(db: Database) -> list[AuditEvent]:
            async with db.read() as session:
                return list((await session.execute(select(AuditEvent).order_by(AuditEvent.id))).scalars())

        return self.run(read)


@pytest.fixture
def seeded(tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Seeded]:
    path = tmp_path / "cli.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite+aiosqlite:///{path}"
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    yield Seeded(url, run_on(url, build_world))
    get_settings.cache_clear()


@pytest.fixture
def empty(tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A migrated SQLite file holding nothing, as a first day in production finds it."""
    path = tmp_path / "empty.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite+aiosqlite:///{path}"
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def issue(*args: str) -> tuple[int, str]:
    """Run `token create`, and read the token's id and its plain value from the output."""
    result = invoke("token", "create", *args)
    assert result.exit_code == 0, result.output
    first, plain = result.stdout.strip().splitlines()[-2:]
    match = ISSUED.match(first)
    assert match, result.stdout
    return int(match.group(1)), plain


ME = "{ me { person { email } externalSystemOf { name } } }"


def test_a_person_token_from_the_command_line_authenticates_as_that_person(seeded: Seeded) -> None:
    token_id, plain = issue("--name", "x", "--email", "owner@example.org")
    assert plain.startswith("trl_")

    principal = seeded.principal(plain)
    assert (principal.person_id, principal.token_id) == (seeded.world["owner"].person_id, token_id)

    response = seeded.graphql(ME, plain)
    assert response.status_code == 200
    assert response.json()["data"]["me"] == {"person": {"email": "owner@example.org"}, "externalSystemOf": None}


def test_the_email_is_matched_case_insensitively(seeded: Seeded) -> None:
    """Emails are stored lower-cased; an operator typing capitals still finds the person."""
    _, plain = issue("--name", "x", "--email", "  Owner@Example.ORG ")
    assert seeded.principal(plain).person_id == seeded.world["owner"].person_id


@pytest.mark.parametrize("as_shown", [True, False], ids=["the API's id", "its number"])
def test_an_external_system_token_acts_for_its_school(seeded: Seeded, as_shown: bool) -> None:
    school = seeded.world.organisations["ashdown"]
    _, plain = issue("--name", "MIS", "--organisation-id", global_id("Organisation", school) if as_shown else str(school))
    principal = seeded.principal(plain)
    assert principal.person_id is None
    assert principal.system_organisation_id == seeded.world.organisations["ashdown"]
    me = seeded.graphql(ME, plain).json()["data"]["me"]
    assert me == {"person": None, "externalSystemOf": {"name": "Ashdown Primary"}}


def test_a_revoked_token_stops_working_at_once(seeded: Seeded) -> None:
    token_id, plain = issue("--name", "x", "--email", "owner@example.org")
    assert seeded.graphql(ME, plain).status_code == 200

    result = invoke("token", "revoke", str(token_id))
    assert result.exit_code == 0, result.output
    assert "revoked" in result.stdout

    assert seeded.graphql(ME, plain).status_code == 401
    with pytest.raises(InvalidToken):
        seeded.principal(plain)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "nobody@example.org"], "nobody@example.org"),
        (["--email", "owner@example.org", "--organisation-id", "1"], "give one"),
        ([], "give one"),
        (["--organisation-id", "999"], "999"),
        (["--email", "owner@example.org", "--days", "0"], "days"),
    ],
    ids=["unknown email", "both owners", "no owner", "unknown school", "zero days"],
)
def test_a_token_that_cannot_be_issued_exits_non_zero_with_a_clear_message(
    seeded: Seeded, args: list[str], message: str
) -> None:
    before = seeded.tokens()
    result = invoke("token", "create", "--name", "x", *args)
    assert result.exit_code != 0
    assert message in result.stderr
    assert "trl_" not in result.output
    assert seeded.tokens() == before
    assert seeded.events() == []


def test_a_trust_is_not_a_school_for_a_system_token(seeded: Seeded) -> None:
    """External systems belong to schools (DOMAIN.md), never to a trust."""
    result = invoke("token", "create", "--name", "x", "--organisation-id", str(seeded.world.organisations["trust"]))
    assert result.exit_code != 0
    assert "No school" in result.stderr


@pytest.mark.parametrize(("token_id", "message"), [("999", "No token"), ("revoked", "already revoked")])
def test_revoking_an_unknown_or_revoked_token_exits_non_zero(seeded: Seeded, token_id: str, message: str) -> None:
    if token_id == "revoked":
        token_id = str(issue("--name", "x", "--email", "owner@example.org")[0])
        assert invoke("token", "revoke", token_id).exit_code == 0
    result = invoke("token", "revoke", token_id)
    assert result.exit_code != 0
    assert message in result.stderr


def test_issuing_and_revoking_are_audited_without_the_secret(seeded: Seeded) -> None:
    """The school's log shows who got a token and when it was revoked; never the token or its hash."""
    token_id, plain = issue("--name", "Reporting", "--email", "owner@example.org")
    assert invoke("token", "revoke", str(token_id)).exit_code == 0

    created, revoked = seeded.events()
    assert (created.action, revoked.action) == ("token.created", "token.revoked")
    ashdown = seeded.world.organisations["ashdown"]
    for event in (created, revoked):
        assert (event.target_type, event.target_id) == ("ApiToken", token_id)
        assert event.organisation_id == ashdown
        assert event.licence_id == seeded.world.licences["ashdown"]
        assert event.actor_id is None and event.actor_name == "Operator (command line)"
        record = json.dumps([event.summary, event.before, event.after])
        assert plain not in record and "token_hash" not in record
    assert "Reporting" in created.summary and seeded.world["owner"].name in created.summary
    assert revoked.before["revoked_at"] is None and revoked.after["revoked_at"] is not None

    # The school's administrators see both in their audit log.
    log = seeded.graphql(
        "{ auditLog(filter: {actions: [TOKEN_CREATED, TOKEN_REVOKED]}) { nodes { action } } }",
        seeded.world["admin"].token,
    ).json()
    assert log["data"]["auditLog"]["nodes"] == [{"action": "TOKEN_REVOKED"}, {"action": "TOKEN_CREATED"}]


def test_support_makes_the_first_administrator_of_a_new_trust_from_the_command_line(seeded: Seeded) -> None:
    """The organisation is named by its global id, as the API shows it; the act is audited."""
    from sqlalchemy import delete

    from domain.models import Membership, MembershipRole

    async def no_administrators(db: Database) -> None:
        async with db.write() as session:
            await session.execute(delete(Membership).where(
                Membership.organisation_id == seeded.world.organisations["trust"],
                Membership.role == MembershipRole.ADMINISTRATOR))

    seeded.run(no_administrators)
    trust = seeded.world.org("trust")
    result = invoke("organisation", "first-admin", trust, "--email", "New.Head@cedar.example", "--name", "New Head")
    assert result.exit_code == 0, result.output
    assert "new.head@cedar.example is now the first Administrator of the trust Cedar Trust" in result.stdout
    _, plain = issue("--name", "console", "--email", "new.head@cedar.example")
    answer = seeded.graphql("{ me { memberships { role organisation { name } } } }", plain).json()
    assert answer["data"]["me"]["memberships"] == [{"role": "ADMINISTRATOR", "organisation": {"name": "Cedar Trust"}}]
    assert [e.action for e in seeded.events()][-2:] == ["member.administrator_appointed", "token.created"]
    again = invoke("organisation", "first-admin", trust, "--email", "x@cedar.example", "--name", "X")
    assert again.exit_code != 0 and "has Administrators already" in again.stderr
    unknown = invoke("organisation", "first-admin", "999999", "--email", "x@cedar.example", "--name", "X")
    assert unknown.exit_code != 0 and "No organisation 999999" in unknown.stderr


def _graphql(url: str, query: str, token: str) -> dict[str, Any]:
    return Seeded(url, None).graphql(query, token).json()  # type: ignore[arg-type]


def test_the_first_platform_support_person_on_an_empty_database_gets_a_working_token(empty: str) -> None:
    result = invoke("support", "create", "--email", "Ops@Trust.example", "--name", "Olu Ops")
    assert result.exit_code == 0, result.output
    assert "Created ops@trust.example (Olu Ops) as platform support." in result.stdout
    plain = result.stdout.strip().splitlines()[-1]
    assert plain.startswith("trl_")
    answer = _graphql(empty, "{ me { person { email } isPlatformSupport } }", plain)
    assert answer["data"]["me"] == {"person": {"email": "ops@trust.example"}, "isPlatformSupport": True}
    # The act is in the log as the operator's, the token after it.
    events = Seeded(empty, None).events()  # type: ignore[arg-type]
    assert [e.action for e in events] == ["person.support_appointed", "token.created"]
    assert events[0].actor_name == "Operator (command line)" and events[0].after["is_platform_support"] is True


def test_support_create_again_changes_nothing_and_issues_a_token_only_when_asked(empty: str) -> None:
    assert invoke("support", "create", "--email", "ops@trust.example", "--name", "Olu Ops").exit_code == 0
    again = invoke("support", "create", "--email", "OPS@trust.example", "--name", "Someone Else")
    assert again.exit_code == 0, again.output
    assert "is platform support already; nothing changed" in again.stdout and "trl_" not in again.stdout
    with_token = invoke("support", "create", "--email", "ops@trust.example", "--name", "Olu Ops", "--token")
    assert with_token.exit_code == 0, with_token.output
    plain = with_token.stdout.strip().splitlines()[-1]
    assert _graphql(empty, "{ me { person { displayName } } }", plain)["data"]["me"]["person"] == {
        "displayName": "Olu Ops"}
    events = Seeded(empty, None).events()  # type: ignore[arg-type]
    assert [e.action for e in events] == ["person.support_appointed", "token.created", "token.created"]


def test_support_create_promotes_a_person_already_in_trellis(seeded: Seeded) -> None:
    result = invoke("support", "create", "--email", "owner@example.org", "--name", "ignored")
    assert result.exit_code == 0, result.output
    assert "was in Trellis already and is now platform support" in result.stdout
    answer = seeded.graphql("{ me { isPlatformSupport } }", result.stdout.strip().splitlines()[-1]).json()
    assert answer["data"]["me"]["isPlatformSupport"] is True
    event = seeded.events()[-2]
    assert event.action == "person.support_appointed"
    assert event.before["is_platform_support"] is False


def test_support_create_refuses_a_bad_email(empty: str) -> None:
    result = invoke("support", "create", "--email", "not-an-email", "--name", "X")
    assert result.exit_code != 0 and "email is not a valid email address" in result.stderr


def _held(url: str) -> tuple[int, int]:
    from app import demo

    return run_on(url, demo.held)


def test_demo_load_fills_an_empty_database_and_prints_the_demo_tokens(
    empty: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("demo", "load")
    assert result.exit_code == 0, result.output
    assert "Demo data loaded." in result.stdout and "platform support: support@trellis.example" in result.stdout
    assert _held(empty)[0] == 4
    assert (tmp_path / "var" / "demo-tokens.json").exists()


def test_demo_load_refuses_a_database_holding_anything_and_loads_nothing(
    empty: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert invoke("support", "create", "--email", "ops@trust.example", "--name", "Olu Ops").exit_code == 0
    result = invoke("demo", "load")
    assert result.exit_code == 1
    assert "The database is not empty (0 organisation(s), 1 person(s))" in result.stderr
    assert _held(empty) == (0, 1)


def test_demo_load_refuses_a_database_with_schools(seeded: Seeded) -> None:
    before = _held(seeded.url)
    result = invoke("demo", "load")
    assert result.exit_code == 1 and "is not empty" in result.stderr
    assert _held(seeded.url) == before


@pytest.mark.parametrize("command", [["demo", "load"], ["serve", "--embedded"]])
def test_no_demo_data_when_production_is_set(
    empty: str, command: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import uvicorn

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PRODUCTION", "true")
    monkeypatch.setenv("FEED_KEY", "x" * 32)
    monkeypatch.setenv("PUBLIC_URL", "https://trellis.school.example")
    get_settings.cache_clear()
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: None)
    result = invoke(*command)
    assert result.exit_code == 1
    assert "PRODUCTION is set: demo data is never loaded" in result.stderr
    assert _held(empty) == (0, 0)


def test_serve_without_embedded_loads_nothing_into_an_empty_database(
    empty: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import uvicorn

    monkeypatch.chdir(tmp_path)
    served: list[str] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **_: served.append(app))
    result = invoke("serve")
    assert result.exit_code == 0, result.output
    assert served == ["app.main:embedded_app"]
    assert _held(empty) == (0, 0)


ROSTER = (
    "name,email,seat,groups,leaving_date\r\n"
    "Ada Lane,ada@example.org,ALL_ACCESS_PASS_PLUS,Year 2,\r\n"
    "Staff,staff@example.org,ALL_ACCESS_PASS_PLUS,,2026-01-31\r\n"
    "Staff2,staff2@example.org,ALL_ACCESS_PASS_PLUS,Year 2,\r\n"
)


def _with_year_2(seeded: Seeded) -> None:
    """Ashdown's group Year 2, holding its staff member, who has some progress."""
    from domain.models import Enrolment, GroupKind, StaffGroup, StaffGroupMember

    async def make(db: Database) -> None:
        async with db.write() as session:
            group = StaffGroup(licence_id=seeded.world.licences["ashdown"], name="Year 2", kind=GroupKind.STAFF)
            session.add(group)
            await session.flush()
            session.add(StaffGroupMember(group_id=group.id, person_id=seeded.world["staff"].person_id))
            session.add(Enrolment(person_id=seeded.world["staff"].person_id, course_id=seeded.world.courses[0],
                                  started_at=utcnow(), progress_percent=40))

    seeded.run(make)


def _roster_state(seeded: Seeded) -> dict[str, Any]:
    from domain.models import Enrolment, Person, Seat, StaffGroup, StaffGroupMember

    async def read(db: Database) -> dict[str, Any]:
        async with db.read() as session:
            seats = dict((await session.execute(
                select(Person.email, Seat.active).join(Seat, Seat.person_id == Person.id)
                .where(Seat.licence_id == seeded.world.licences["ashdown"]))).all())
            year_2 = sorted((await session.execute(
                select(Person.email).join(StaffGroupMember, StaffGroupMember.person_id == Person.id)
                .join(StaffGroup, StaffGroup.id == StaffGroupMember.group_id).where(StaffGroup.name == "Year 2")
            )).scalars())
            progress = (await session.execute(select(func.count()).select_from(Enrolment))).scalar_one()
            return {"seats": seats, "year_2": year_2, "progress": progress}

    return seeded.run(read)


def _roster_file(tmp_path: Path, text: str = ROSTER, encoding: str = "utf-8-sig") -> str:
    path = tmp_path / "roster.csv"
    path.write_bytes(text.encode(encoding))
    return str(path)


def test_roster_import_brings_the_schools_staff_in_line_with_the_file_once(seeded: Seeded, tmp_path: Path) -> None:
    _with_year_2(seeded)
    before = _roster_state(seeded)
    result = invoke("roster", "import", seeded.world.org("ashdown"), _roster_file(tmp_path))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "  row 2: ada@example.org: person added (Ada Lane)", "  row 2: ada@example.org: member added",
        "  row 2: ada@example.org: seat added (ALL_ACCESS_PASS_PLUS)",
        "  row 2: ada@example.org: group joined (Year 2)",
        "  row 3: staff@example.org: seat ended (left on 2026-01-31)",
        "  row 4: staff2@example.org: group joined (Year 2)",
        "Imported 3 row(s) into Ashdown Primary: 6 change(s), audited.",
    ]
    after = _roster_state(seeded)
    assert after["seats"] == {**before["seats"], "ada@example.org": True, "staff@example.org": False}
    # The leaver keeps their progress and, with no seat, is staff no more; the rest joined.
    assert after["year_2"] == ["ada@example.org", "staff2@example.org", "staff@example.org"]
    assert after["progress"] == before["progress"] == 1
    actions = [e.action for e in seeded.events()]
    assert actions == ["member.added", "seat.added", "seat.deactivated", "group.members_added", "roster.imported"]
    again = invoke("roster", "import", seeded.world.org("ashdown"), _roster_file(tmp_path))
    assert again.exit_code == 0, again.output
    assert again.stdout == "Nothing to change: Ashdown Primary already matches the file's 3 row(s).\n"
    assert len(seeded.events()) == len(actions) and _roster_state(seeded) == after


def test_a_dry_run_prints_the_changes_and_writes_nothing(seeded: Seeded, tmp_path: Path) -> None:
    _with_year_2(seeded)
    before = _roster_state(seeded)
    result = invoke("roster", "import", seeded.world.org("ashdown"), _roster_file(tmp_path), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "  row 3: staff@example.org: seat ended (left on 2026-01-31)" in result.stdout
    assert result.stdout.endswith("Dry run: 6 change(s) would be made to Ashdown Primary; nothing was written.\n")
    assert _roster_state(seeded) == before and seeded.events() == []


@pytest.mark.parametrize(("row", "message"), [
    ("Bo,bo@example.org,ALL_ACCESS_PASS_PLUS,Year 9,\r\n", "Row 5, column groups: Ashdown Primary has no staff group"),
    ("Bo,bo@example.org,FULL,,\r\n", "Row 5, column seat: 'FULL' is not a seat"),
])
def test_a_bad_row_is_named_and_nothing_is_written(seeded: Seeded, tmp_path: Path, row: str, message: str) -> None:
    _with_year_2(seeded)
    before = _roster_state(seeded)
    result = invoke("roster", "import", seeded.world.org("ashdown"), _roster_file(tmp_path, ROSTER + row))
    assert result.exit_code == 1
    assert message in result.stderr
    assert _roster_state(seeded) == before and seeded.events() == []


def test_roster_import_refuses_what_is_not_a_licensed_school_or_not_utf_8(seeded: Seeded, tmp_path: Path) -> None:
    trust = invoke("roster", "import", seeded.world.org("trust"), _roster_file(tmp_path))
    assert trust.exit_code == 1 and "Cedar Trust has no licence" in trust.stderr
    unknown = invoke("roster", "import", "999999", _roster_file(tmp_path))
    assert unknown.exit_code == 1 and "No school 999999" in unknown.stderr
    latin_1 = _roster_file(tmp_path, "name,email,seat\nZoë,z@x.example,ALL_ACCESS_PASS\n", "latin-1")
    latin = invoke("roster", "import", seeded.world.org("ashdown"), latin_1)
    assert latin.exit_code == 1 and "is not UTF-8 text" in latin.stderr


def test_schema_check_passes_on_the_committed_schema() -> None:
    result = invoke("schema", "check", str(ROOT / "schema.graphql"))
    assert result.exit_code == 0, result.output
    assert "matches" in result.stdout


@pytest.mark.parametrize("change", ["edited", "missing"])
def test_schema_check_fails_on_a_stale_schema(tmp_path: Path, change: str) -> None:
    """CI runs this so that schema.graphql never drifts from the code."""
    stale = tmp_path / "schema.graphql"
    if change == "edited":
        committed = (ROOT / "schema.graphql").read_text()
        assert "auditLog(" in committed
        stale.write_text(committed.replace("auditLog(", "auditTrail(", 1))
    result = invoke("schema", "check", str(stale))
    assert result.exit_code != 0
    assert "make schema" in result.stderr


async def safeguarding_due(session: Any, world: World) -> None:
    """Ashdown's All Staff are set Course 1, due 2026-03-10."""
    target_list = TargetList(group_id=world.all_staff["ashdown"], name="Safeguarding")
    session.add(target_list)
    await session.flush()
    session.add(TargetListItem(list_id=target_list.id, course_id=world.courses[0], position=0,
                               due_on=date(2026, 3, 10)))


def test_notify_day_plans_and_sends_a_missed_day_once(seeded: Seeded, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """An operator re-runs a day the scheduler missed: its digests go out (here into the
    .eml folder of the embedded default), and running it again sends nothing more."""
    mail = tmp_path / "mail"
    monkeypatch.setenv("SMTP_URL", f"file://{mail}")
    get_settings.cache_clear()
    world = seeded.world

    async def give_targets(db: Database) -> None:
        async with db.write() as session:
            await safeguarding_due(session, world)

    seeded.run(give_targets)
    school = str(world.organisations["ashdown"])
    first = invoke("notify", "day", "2026-03-01", "--school", school)
    assert first.exit_code == 0, first.output
    assert "4 new digest(s)" in first.stdout and "Sent 4 digest(s)" in first.stdout, first.stdout
    sent = sorted(p.name for p in mail.glob("*.eml"))
    assert len(sent) == 4  # Ashdown's four staff, each told Course 1 is due soon
    assert all("Course 1 (Safeguarding), due 2026-03-10" in (mail / name).read_text() for name in sent)

    again = invoke("notify", "day", "2026-03-01", "--school", global_id("Organisation", int(school)))
    assert again.exit_code == 0, again.output
    assert "0 new digest(s)" in again.stdout and "Sent 0 digest(s)" in again.stdout, again.stdout
    assert sorted(p.name for p in mail.glob("*.eml")) == sent

    for unknown in ("99999", global_id("Organisation", 99999), "not-an-id"):
        refused = invoke("notify", "day", "2026-03-01", "--school", unknown)
        assert refused.exit_code == 1 and unknown in refused.output, refused.output
    assert sorted(p.name for p in mail.glob("*.eml")) == sent


def test_notify_day_first_ends_the_seats_whose_leaving_date_has_come(seeded: Seeded, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """As the scheduler's tick does: a leaver whose day has come is no longer counted, so
    the operator's run does not send them the day's digest. Only the schools it names."""
    monkeypatch.setenv("SMTP_URL", f"file://{tmp_path / 'mail'}")
    get_settings.cache_clear()
    world = seeded.world
    leaver = world["staff"].person_id

    elsewhere = world["staff_b"].person_id  # Birchwood's, which the run does not name

    async def prepare(db: Database) -> None:
        async with db.write() as session:
            await safeguarding_due(session, world)
            seats = (await session.execute(select(Seat).where(Seat.person_id.in_([leaver, elsewhere])))).scalars()
            for seat in seats:
                seat.leaves_on = utcnow().date() - timedelta(days=1)

    async def active(db: Database) -> dict[int, bool]:
        async with db.read() as session:
            rows = await session.execute(select(Seat.person_id, Seat.active).where(
                Seat.person_id.in_([leaver, elsewhere])))
            return {person: is_active for person, is_active in rows}

    seeded.run(prepare)
    result = invoke("notify", "day", "2026-03-01", "--school", str(world.organisations["ashdown"]))
    assert result.exit_code == 0, result.output
    assert seeded.run(active) == {leaver: False, elsewhere: True}
    assert "3 new digest(s)" in result.stdout, result.stdout  # Ashdown's four staff, less the leaver


def printed_links(output: str) -> dict[str, str]:
    """Role -> the console link `make run` printed for it."""
    links, role = {}, None
    for line in output.splitlines():
        if line.startswith("  ") and not line.startswith("    ") and ": " in line:
            role = line.strip().split(": ", 1)[0]
        elif line.strip().startswith("in the console: "):
            links[role] = line.strip().removeprefix("in the console: ")
    return links


def test_make_run_prints_links_that_fill_in_the_token_and_query_exactly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Read as a browser's decodeURIComponent reads them (a `+` stays a `+`), the headers
    are JSON carrying the token and the query is the sample query, spaces and all."""
    from urllib.parse import parse_qsl, unquote, urlsplit

    from app import cli as cli_module, demo

    issued = [demo.DemoToken(role=role, who=f"{i}@example.org", token=f"trl_token{i}", query=query)
              for i, (role, query) in enumerate(demo.SAMPLES.items())]
    demo.save(tmp_path / "tokens.json", issued)
    monkeypatch.setattr(cli_module, "_demo_tokens_path", lambda: tmp_path / "tokens.json")
    cli_module._print_demo_tokens(8123)
    links = printed_links(capsys.readouterr().out)
    assert set(links) == {item.role for item in issued}
    for item in issued:
        address = urlsplit(links[item.role])
        assert (address.scheme, address.netloc, address.path) == ("http", "localhost:8123", "/graphql")
        fields = {name: unquote(value) for name, value in (pair.split("=", 1) for pair in address.query.split("&"))}
        assert json.loads(fields["headers"]) == {"Authorization": f"Bearer {item.token}"}
        assert fields["q"] == item.query
        assert dict(parse_qsl(address.query)) == {"headers": fields["headers"], "q": item.query}


class Started(Exception):
    """Raised where a worker or scheduler would begin taking work."""


@pytest.mark.parametrize("process", ["worker", "scheduler"])
@pytest.mark.parametrize("broker", ["stub", "redis://127.0.0.1:6379/15"])
def test_the_worker_and_scheduler_refuse_the_in_process_broker_and_say_to_set_broker_url(
    monkeypatch: pytest.MonkeyPatch, process: str, broker: str
) -> None:
    """On the stub broker they would idle without a word: nothing another process sends
    can reach them. On a shared broker they go on to start (stopped here, where they
    would bind to it)."""
    monkeypatch.setenv("BROKER_URL", broker)
    get_settings.cache_clear()

    def install(*_: Any) -> None:
        raise Started

    monkeypatch.setattr("jobs.broker.install", install)
    try:
        result = invoke("notify", process)
    finally:
        get_settings.cache_clear()
    assert result.exit_code != 0
    if broker == "stub":
        assert "BROKER_URL" in result.stderr and "redis://" in result.stderr, result.output
        assert f"The {process} needs a broker" in result.stderr
        assert not isinstance(result.exception, Started)
    else:
        assert isinstance(result.exception, Started), result.output


def test_notify_day_sends_that_days_failed_digests_again_once(seeded: Seeded, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """After an outage outlasted the retries, one command re-sends the day's FAILED digests:
    each once, audited as the operator's act; a second run finds nothing more to send, and
    another school's run leaves them alone."""
    from sqlalchemy import update

    from domain.models import NotificationDelivery

    world = seeded.world
    school, other = str(world.organisations["ashdown"]), str(world.organisations["birchwood"])

    async def give_targets(db: Database) -> None:
        async with db.write() as session:
            target_list = TargetList(group_id=world.all_staff["ashdown"], name="Safeguarding")
            session.add(target_list)
            await session.flush()
            session.add(TargetListItem(list_id=target_list.id, course_id=world.courses[0], position=0,
                                       due_on=date(2026, 3, 10)))

    async def statuses(db: Database) -> list[str]:
        async with db.read() as session:
            return sorted((await session.execute(select(NotificationDelivery.status))).scalars())

    async def retries_run_out(db: Database) -> None:
        async with db.write() as session:
            await session.execute(update(NotificationDelivery).values(status="FAILED", attempts=14))

    seeded.run(give_targets)
    monkeypatch.setenv("SMTP_URL", "smtp://127.0.0.1:1")  # nothing listens there: the mail server is down
    get_settings.cache_clear()
    down = invoke("notify", "day", "2026-03-01", "--school", school)
    assert down.exit_code == 0, down.output
    assert "4 new digest(s), 0 failed digest(s) to send again" in down.stdout
    assert "Sent 0 digest(s)" in down.stdout and "4 could not be sent now" in down.stdout, down.stdout
    seeded.run(retries_run_out)

    mail = tmp_path / "mail"
    monkeypatch.setenv("SMTP_URL", f"file://{mail}")
    get_settings.cache_clear()
    elsewhere = invoke("notify", "day", "2026-03-01", "--school", other)
    assert elsewhere.exit_code == 0 and "0 failed digest(s) to send again" in elsewhere.stdout, elsewhere.output
    assert seeded.run(statuses) == ["FAILED"] * 4

    first = invoke("notify", "day", "2026-03-01", "--school", school)
    assert first.exit_code == 0, first.output
    assert "0 new digest(s), 4 failed digest(s) to send again" in first.stdout, first.stdout
    assert "Sent 4 digest(s)" in first.stdout
    sent = sorted(p.name for p in mail.glob("*.eml"))
    assert len(sent) == 4 and seeded.run(statuses) == ["SENT"] * 4
    retried = [e for e in seeded.events() if e.action == "notification.retried"]
    assert len(retried) == 4 and {e.actor_name for e in retried} == {"Operator (command line)"}

    again = invoke("notify", "day", "2026-03-01", "--school", school)
    assert again.exit_code == 0, again.output
    assert "0 new digest(s), 0 failed digest(s) to send again" in again.stdout and "Sent 0 digest(s)" in again.stdout
    assert sorted(p.name for p in mail.glob("*.eml")) == sent
    assert len([e for e in seeded.events() if e.action == "notification.retried"]) == 4
