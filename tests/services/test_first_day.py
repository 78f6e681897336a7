"""The README's first day in production, from an empty PostgreSQL database to the day's
digests: every step is a `trellis` command or an API call its production section gives,
and the API, two workers and a scheduler run as the separate processes production runs,
on Redis, sending to a real SMTP server. Each of the 202 seated staff (200 imported, and
each school's owner) gets that day's digest once."""

import csv
import os
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from domain.notifications import NotificationKind, subject
from tests.availability import REDIS_URL
from tests.databases import create_database, drop_database
from tests.inbox import Inbox, free_port, inbox  # noqa: F401 (fixture)
from tests.jobs.test_delivery import redis_available
from tests.services.conftest import ROOT, START_TIMEOUT, _tail, stop

pytestmark = pytest.mark.live

TRELLIS = str(Path(sys.executable).with_name("trellis"))  # the command `make install` puts beside python
STAFF_PER_SCHOOL = 100
ARRIVAL_TIMEOUT = 120.0
QUIET_AFTER = 4.0  # seconds more with the processes running, for a second copy to show itself


@pytest.fixture
def empty_postgresql() -> Iterator[str]:
    name = f"trellis_first_day_{os.getpid()}"
    url = create_database(name)
    yield url.replace("postgresql+asyncpg://", "postgresql://", 1)  # as an operator writes it
    drop_database(name)


class Production:
    """The settings of the README's export line, and the processes started with them."""

    def __init__(self, folder: Path, database_url: str, smtp_url: str) -> None:
        self.folder = folder
        self.port = free_port()
        self.env = {
            **os.environ, "DATABASE_URL": database_url, "PRODUCTION": "true", "BROKER_URL": REDIS_URL,
            "SMTP_URL": smtp_url, "MAIL_FROM": "Trellis <learning@trust.example>", "PORT": str(self.port),
            "FEED_KEY": "first-day-feed-key-0123456789abcdef", "PUBLIC_URL": f"http://127.0.0.1:{self.port}",
            "SCHEDULER_INTERVAL_SECONDS": "1",
        }
        self.processes: list[tuple[str, subprocess.Popen[bytes]]] = []

    def run(self, *args: str) -> str:
        """A `trellis` command to its end: its output, or the test fails showing it."""
        done = subprocess.run([TRELLIS, *args], cwd=ROOT, env=self.env, capture_output=True, text=True,
                              timeout=START_TIMEOUT)
        assert done.returncode == 0, f"trellis {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def start(self, name: str, *args: str) -> None:
        log = self.folder / f"{name}.log"
        with log.open("wb") as output:
            process = subprocess.Popen([TRELLIS, *args], cwd=ROOT, env=self.env, stdout=output,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append((name, process))

    def check_running(self) -> None:
        for name, process in self.processes:
            if process.poll() is not None:
                pytest.fail(f"{name} exited with {process.returncode}:\n{_tail(self.folder / f'{name}.log')}",
                            pytrace=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            self.check_running()
            try:
                if httpx.get(f"{self.base_url}/ready", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        pytest.fail(f"the API was not ready within {START_TIMEOUT:.0f}s", pytrace=False)

    def api(self, token: str, query: str, **variables: Any) -> dict[str, Any]:
        response = httpx.post(f"{self.base_url}/graphql", json={"query": query, "variables": variables},
                              headers={"Authorization": f"Bearer {token}"}, timeout=30)
        body = response.json()
        assert response.status_code == 200 and not body.get("errors"), body
        (answer,) = body["data"].values()
        assert "code" not in (answer or {}), answer  # a mutation's refusal or invalid input
        return answer

    def stop_all(self) -> None:
        for _, process in self.processes:
            stop(process)


@pytest.fixture
def production(tmp_path: Path, empty_postgresql: str, inbox: Inbox) -> Iterator[Production]:  # noqa: F811
    redis_available()
    subprocess.run(["redis-cli", "-u", REDIS_URL, "FLUSHDB"], check=False, capture_output=True)
    running = Production(tmp_path, empty_postgresql, inbox.url)
    yield running
    running.stop_all()


ERROR = "... on Error { code message field }"


def roster(folder: Path, school: str, count: int) -> tuple[Path, list[str]]:
    """A roster CSV as a spreadsheet saves it (UTF-8 with a byte-order mark), and its emails."""
    path = folder / f"{school}.csv"
    emails = [f"teacher{n}@{school}.example" for n in range(1, count + 1)]
    with path.open("w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        writer.writerow(["name", "email", "seat", "leaving_date"])
        for n, address in enumerate(emails, start=1):
            writer.writerow([f"Teacher {n} of {school.title()}", address, "ALL_ACCESS_PASS_PLUS", ""])
    return path, emails


def test_from_an_empty_database_to_the_days_digests_each_arriving_once(production: Production,
                                                                       inbox: Inbox) -> None:  # noqa: F811
    run, api = production.run, production.api

    run("db", "upgrade")
    support = run("support", "create", "--email", "ops@example.org", "--name", "Olu Ops").strip().splitlines()[-1]
    production.start("api", "serve", "--host", "127.0.0.1")
    production.wait_ready()

    course = api(support, f"""mutation {{ addCourse(input: {{code: "SAFE1", title: "Safeguarding Essentials"}})
        {{ ... on CoursePayload {{ course {{ id }} }} {ERROR} }} }}""")["course"]["id"]
    trust = api(support, f"""mutation {{ createOrganisation(input: {{kind: TRUST, name: "Cedar Trust"}})
        {{ ... on OrganisationPayload {{ organisation {{ id }} }} {ERROR} }} }}""")["organisation"]["id"]
    api(support, f"""mutation($id: ID!) {{ setDesignation(input: {{organisationId: $id, designation: "Academies"}})
        {{ ... on OrganisationPayload {{ organisation {{ id }} }} {ERROR} }} }}""", id=trust)
    run("organisation", "first-admin", trust, "--email", "head@cedar.example", "--name", "Cedar Head")

    owners, staff = {}, []
    for school in ("ashdown", "birchwood"):
        organisation = api(support, f"""mutation($name: String!) {{ createOrganisation(input:
            {{kind: SCHOOL, name: $name}}) {{ ... on OrganisationPayload {{ organisation {{ id }} }} {ERROR} }} }}""",
                           name=f"{school.title()} Primary")["organisation"]["id"]
        owners[school] = f"owner@{school}.example"
        api(support, f"""mutation($id: ID!, $email: String!) {{ createLicence(input: {{organisationId: $id,
            ownerEmail: $email, ownerDisplayName: "Owner"}})
            {{ ... on LicencePayload {{ licence {{ id }} }} {ERROR} }} }}""", id=organisation, email=owners[school])

        path, emails = roster(production.folder, school, STAFF_PER_SCHOOL)
        dry = run("roster", "import", organisation, str(path), "--dry-run")
        assert "nothing was written" in dry, dry
        assert "Imported" in run("roster", "import", organisation, str(path))
        assert "Nothing to change" in run("roster", "import", organisation, str(path))  # idempotent
        staff += emails

        owner = run("token", "create", "--name", "first day", "--email", owners[school]).strip().splitlines()[-1]
        # Send hour 0: the school's day has come whenever the test runs.
        api(owner, f"""mutation($id: ID!) {{ updateNotificationSettings(input: {{organisationId: $id, sendHour: 0}})
            {{ __typename {ERROR} }} }}""", id=organisation)
        licence = api(owner, """query($id: ID!) { node(id: $id) { ... on Organisation { licence {
            staffGroups(first: 1) { nodes { id name } } } } } }""", id=organisation)["licence"]
        (all_staff,) = licence["staffGroups"]["nodes"]
        assert all_staff["name"] == "All Staff"
        due = (date.today() + timedelta(days=60)).isoformat()
        api(owner, f"""mutation($group: ID!, $course: ID!, $due: Date!) {{ createTargetList(input: {{groupId: $group,
            name: "Statutory", courses: [{{courseId: $course, dueOn: $due}}]}})
            {{ ... on TargetListPayload {{ targetList {{ id }} }} {ERROR} }} }}""",
            group=all_staff["id"], course=course, due=due)

    production.start("worker-1", "notify", "worker", "--threads", "2")
    production.start("worker-2", "notify", "worker", "--threads", "2")
    production.start("scheduler", "notify", "scheduler")

    expected = sorted([*staff, *owners.values()])
    deadline = time.monotonic() + ARRIVAL_TIMEOUT
    while len(inbox.received) < len(expected) and time.monotonic() < deadline:
        production.check_running()
        time.sleep(0.5)
    time.sleep(QUIET_AFTER)
    production.check_running()

    assert len(expected) == 2 * STAFF_PER_SCHOOL + 2
    copies = Counter(inbox.recipients())
    assert sorted(copies) == expected, f"missing: {sorted(set(expected) - set(copies))[:5]}"
    assert [a for a, n in copies.items() if n > 1] == []
    assert {m["Subject"] for _, m in inbox.received} == {
        subject({NotificationKind.ASSIGNED}, f"{school.title()} Primary") for school in owners}

    metrics = httpx.get(f"{production.base_url}/metrics", timeout=10).text
    sent = re.search(r'^trellis_digests\{status="SENT"\} (\S+)$', metrics, re.MULTILINE)
    assert sent and float(sent.group(1)) == len(expected), metrics
