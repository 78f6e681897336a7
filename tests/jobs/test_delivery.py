"""Digests leave through real transports, exactly once: a real SMTP server (aiosmtpd),
Dramatiq workers on the StubBroker and on Redis, the .eml folder of `make run`.
Redelivered messages, two schedulers at once, a worker that died after claiming, SMTP
down and a broker down all end with one email per person, never two, never none."""

import asyncio
import email
import email.policy
import logging
import threading
import urllib.parse
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from uuid import uuid4

import dramatiq
import pytest
from sqlalchemy import select

from infra.database import Database, create_engine
from infra.settings import Settings
from domain.models import (
    GroupKind, NotificationDelivery, NotificationOutbox, NotificationPlan, Person, StaffGroup, StaffGroupMember,
    TargetList, TargetListItem, utcnow,
)
from jobs import broker as brokers
from jobs.delivery import claim, digest_of
from jobs.mail import FolderMailer, SmtpMailer, mailer_from_url, render
from jobs.planning import tick
from jobs.scheduler import EmbeddedJobs
from schema.ids import global_id
from tests.availability import REDIS_URL, reachable, require
from tests.inbox import Inbox, inbox  # noqa: F401 (fixture)
from tests.jobs.conftest import LEASE, REQUEUE, Jobs, MemoryMailer
from tests.world import World

MORNING = datetime(2026, 3, 6, 8, 0, tzinfo=UTC)  # 08:00 in London: Ashdown's send hour (7) has come
STAFF = ("owner", "admin", "staff", "staff2")  # Ashdown's seated staff, reached by its All Staff group
# (course index, due date) in list order: overdue, due today and due soon on MORNING's day.
PHONICS = ((2, date(2026, 3, 1)), (0, date(2026, 3, 6)), (1, date(2026, 3, 15)))
TEXT_LINES = ("Course 3 (Phonics), due 2026-03-01", "Course 1 (Phonics), due 2026-03-06",
              "Course 2 (Phonics), due 2026-03-15")
HTML_ROWS = tuple(f"<tr><td>Course {c}</td><td>Phonics</td><td>{d}</td></tr>"
                  for c, d in ((3, "2026-03-01"), (1, "2026-03-06"), (2, "2026-03-15")))
JOIN_MS = 30_000
BROKERS = ["stub", "redis"]

# Real SMTP servers, Dramatiq workers in threads and Redis: the suite's live step.
pytestmark = pytest.mark.live


# --- Brokers and workers ------------------------------------------------------------


def redis_available() -> None:
    url = urllib.parse.urlsplit(REDIS_URL)
    host, port = url.hostname or "127.0.0.1", url.port or 6379
    require(reachable(host, port), f"Redis at {host}:{port}")


class Service:
    """The production pieces in the test's process: a broker, our actor bound to it with
    its runtime (own engine per worker thread), and a Dramatiq worker."""

    def __init__(self, broker: dramatiq.Broker, settings: Settings, mailer: Any) -> None:
        self.settings = settings
        self.runtime = brokers.Runtime(settings, mailer=mailer)
        self.broker = brokers.install(broker, self.runtime)
        self.enqueue = brokers.enqueue(settings)
        self.worker: dramatiq.Worker | None = None

    def start(self, threads: int = 2) -> None:
        self.worker = dramatiq.Worker(self.broker, worker_threads=threads, worker_timeout=100)
        self.worker.start()

    async def drain(self) -> None:
        """Wait until every message, retries included, has been processed."""
        assert self.worker is not None
        await asyncio.to_thread(self.broker.join, brokers.QUEUE, timeout=JOIN_MS)
        await asyncio.to_thread(self.worker.join)

    def close(self) -> None:
        if self.worker is not None:
            self.worker.stop(timeout=JOIN_MS)
            self.worker = None
        self.runtime.close()
        namespace = getattr(self.broker, "namespace", None)
        if namespace is not None and namespace.startswith("trellis-test-"):
            try:
                keys = list(self.broker.client.scan_iter(match=f"{namespace}*"))  # type: ignore[attr-defined]
                if keys:
                    self.broker.client.delete(*keys)  # type: ignore[attr-defined]
            except Exception:  # noqa: BLE001 - an unreachable broker has nothing to clean
                pass
        self.broker.close()


Services = Callable[..., Service]


@pytest.fixture
async def services(database_url: str) -> AsyncIterator[Services]:
    """Makes Services on the test's database with tiny backoffs; stops and closes them
    all afterwards and puts the actor back on the broker it had."""
    saved = (brokers._runtime, brokers.send_digest.broker, dramatiq.get_broker())
    made: list[Service] = []

    def make(kind: str, mailer: Any, **overrides: Any) -> Service:
        values: dict[str, Any] = {"notification_min_backoff_ms": 50, "notification_max_backoff_ms": 200,
                                  "notification_retry_for": "150ms", **overrides}
        settings = Settings(database_url=database_url, **values)
        if kind == "stub":
            broker = brokers.make_broker("stub")
        else:
            url = REDIS_URL if kind == "redis" else kind
            broker = brokers.make_broker(url, namespace=f"trellis-test-{uuid4().hex}")
        made.append(Service(broker, settings, mailer))
        return made[-1]

    try:
        yield make
    finally:
        for service in reversed(made):
            await asyncio.to_thread(service.close)
        brokers._runtime, brokers.send_digest.broker = saved[0], saved[1]
        dramatiq.set_broker(saved[2])


# --- The school's targets and the delivery log --------------------------------------


async def give_targets(db: Database, world: World, members: tuple[str, ...] | None = None,
                       items: tuple[tuple[int, date | None], ...] = PHONICS) -> int:
    """A 'Phonics' list for Ashdown's All Staff group, or for a new group of `members`."""
    async with db.write() as session:
        group_id = world.all_staff["ashdown"]
        if members is not None:
            group = StaffGroup(licence_id=world.licences["ashdown"], name="Reception", kind=GroupKind.STAFF)
            session.add(group)
            await session.flush()
            session.add_all(StaffGroupMember(group_id=group.id, person_id=world[m].person_id) for m in members)
            group_id = group.id  # type: ignore[assignment]
        target_list = TargetList(group_id=group_id, name="Phonics")
        session.add(target_list)
        await session.flush()
        session.add_all(
            TargetListItem(list_id=target_list.id, course_id=world.courses[course], position=position, due_on=due)
            for position, (course, due) in enumerate(items)
        )
    assert target_list.id is not None
    return target_list.id


async def delivery_log(db: Database) -> dict[str, NotificationDelivery]:
    """Each person's digest (by email), as the school's delivery log shows it."""
    async with db.read() as session:
        rows = await session.execute(
            select(Person.email, NotificationDelivery).join(Person, Person.id == NotificationDelivery.person_id)
        )
        return {address: delivery for address, delivery in rows}


def emails(*actors: str) -> list[str]:
    return sorted(f"{actor}@example.org" for actor in actors)


def assert_digest(message: EmailMessage, world: World, actor: str) -> None:
    """To the person, from the school, naming each course, its list and its date in
    both the plain-text and the HTML part."""
    assert message["To"] == f"{world[actor].name} <{world[actor].email}>"
    assert "Ashdown Primary" in message["Subject"]
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert all(f"  - {line}" in text.splitlines() for line in TEXT_LINES), text
    assert text.index("Overdue") < text.index("Due today") < text.index("Due soon")
    assert all(row in html for row in HTML_ROWS), html
    assert f"Hello {world[actor].name}" in text and f"Hello {world[actor].name}" in html


# --- 1. Real SMTP -------------------------------------------------------------------


async def test_a_days_digests_arrive_over_smtp_one_per_person(db: Database, world: World, inbox: Inbox) -> None:
    await give_targets(db, world)
    jobs = Jobs(db, mailer_from_url(inbox.url))  # type: ignore[arg-type]
    await jobs.day(MORNING)

    assert inbox.recipients() == emails(*STAFF)  # Birchwood has no targets: nothing for staff_b
    for actor in STAFF:
        [message] = inbox.to(world[actor].email)
        assert_digest(message, world, actor)
    assert {a: d.status for a, d in (await delivery_log(db)).items()} == dict.fromkeys(emails(*STAFF), "SENT")


# --- 2. Redelivery of the same message ----------------------------------------------


@pytest.mark.parametrize("kind", BROKERS)
async def test_a_redelivered_message_sends_one_email(db: Database, world: World, inbox: Inbox,
                                                     services: Services, kind: str) -> None:
    if kind == "redis":
        redis_available()
    await give_targets(db, world)
    service = services(kind, SmtpMailer("127.0.0.1", inbox.port))
    await tick(db, MORNING, service.enqueue, requeue_after=REQUEUE, lease=LEASE)
    ids = [d.id for d in (await delivery_log(db)).values()]
    for delivery_id in ids:  # the broker hands every message over a second time
        service.enqueue(delivery_id)
    service.start(threads=4)
    await service.drain()

    assert inbox.recipients() == emails(*STAFF)
    for delivery_id in ids:  # and a third, after it was sent
        service.enqueue(delivery_id)
    await service.drain()
    assert inbox.recipients() == emails(*STAFF)
    assert {d.status for d in (await delivery_log(db)).values()} == {"SENT"}


# --- 3. Two schedulers at once ------------------------------------------------------


async def test_two_schedulers_at_once_plan_each_day_once(db: Database, database_url: str, world: World,
                                                          inbox: Inbox, services: Services) -> None:
    await give_targets(db, world)
    async with db.write() as session:  # a change to tell as well, so both kinds of line are planned
        session.add_all(NotificationOutbox(organisation_id=world.organisations["ashdown"],
                                           person_id=world[a].person_id, created_at=MORNING - timedelta(hours=1))
                        for a in STAFF)
    service = services("stub", SmtpMailer("127.0.0.1", inbox.port))
    other = Database(create_engine(database_url))
    try:
        await asyncio.gather(
            tick(db, MORNING, service.enqueue, requeue_after=REQUEUE, lease=LEASE),
            tick(other, MORNING, service.enqueue, requeue_after=REQUEUE, lease=LEASE),
        )
    finally:
        await other.dispose()
    service.start(threads=4)
    await service.drain()

    async with db.read() as session:
        plans = (await session.execute(select(NotificationPlan.organisation_id, NotificationPlan.local_date))).all()
    assert sorted(plans) == sorted([(world.organisations["ashdown"], date(2026, 3, 6)),
                                    (world.organisations["birchwood"], date(2026, 3, 6))])
    assert inbox.recipients() == emails(*STAFF)
    for actor in STAFF:
        [message] = inbox.to(world[actor].email)
        assert_digest(message, world, actor)
        assert "Your learning targets were assigned or updated" in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]


# --- 4. A worker killed after claiming, before sending ------------------------------


async def test_a_worker_killed_after_claiming_is_replaced_once_the_lease_runs_out(
    db: Database, world: World, jobs: Jobs, mailer: MemoryMailer
) -> None:
    await give_targets(db, world, members=("staff",))
    await jobs.tick(MORNING)
    [delivery_id] = jobs.queue
    jobs.queue.clear()
    # A worker took the message, claimed the digest, and died before sending.
    assert await claim(db, delivery_id, MORNING + timedelta(minutes=1), LEASE)

    soon = MORNING + timedelta(minutes=5)
    jobs.queue.append(delivery_id)  # the broker hands the dead worker's message to another
    await jobs.work(soon)
    await jobs.tick(soon)
    assert jobs.queue == []  # the claim still holds: not handed over again
    assert mailer.sent == []
    assert (await delivery_log(db))[world["staff"].email].status == "SENDING"

    later = MORNING + timedelta(minutes=1) + LEASE + REQUEUE + timedelta(minutes=1)
    await jobs.tick(later)
    assert jobs.queue == [delivery_id]
    await jobs.work(later)
    await jobs.tick(later + timedelta(hours=1))
    await jobs.work(later + timedelta(hours=1))

    [message] = mailer.sent
    assert_digest(message, world, "staff")
    delivery = (await delivery_log(db))[world["staff"].email]
    assert (delivery.status, delivery.attempts) == ("SENT", 2)


# --- 5. SMTP down -------------------------------------------------------------------


class HoldRetries(dramatiq.Middleware):
    """Holds each retry before it runs until the test lets it go: the time during which
    SMTP stays down, without a clock in the test."""

    def __init__(self) -> None:
        self.held = threading.Event()
        self.released = threading.Event()

    def before_process_message(self, broker: dramatiq.Broker, message: dramatiq.Message) -> None:
        if message.options.get("retries"):
            self.held.set()
            self.released.wait(timeout=JOIN_MS / 1000)


@pytest.mark.parametrize("kind", BROKERS)
async def test_smtp_down_the_digest_is_retried_and_arrives_once_it_is_back(
    db: Database, world: World, inbox: Inbox, services: Services, kind: str
) -> None:
    if kind == "redis":
        redis_available()
    await give_targets(db, world, members=("staff",))
    inbox.stop()
    service = services(kind, mailer_from_url(inbox.url))
    hold = HoldRetries()
    service.broker.add_middleware(hold)
    try:
        await tick(db, MORNING, service.enqueue, requeue_after=REQUEUE, lease=LEASE)
        service.start(threads=1)
        assert await asyncio.to_thread(hold.held.wait, JOIN_MS / 1000), "the failed send was never retried"

        delivery = (await delivery_log(db))[world["staff"].email]
        assert (delivery.status, delivery.attempts) == ("RETRYING", 1)
        assert delivery.last_error and "refused" in delivery.last_error.lower(), delivery.last_error

        await asyncio.to_thread(inbox.start)
    finally:
        hold.released.set()
    await service.drain()

    [message] = inbox.to(world["staff"].email)
    assert_digest(message, world, "staff")
    assert inbox.recipients() == emails("staff")
    delivery = (await delivery_log(db))[world["staff"].email]
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("SENT", 2, None)


@pytest.mark.parametrize("kind", BROKERS)
async def test_retries_exhausted_the_digest_fails_and_is_not_sent_later(
    db: Database, world: World, inbox: Inbox, services: Services, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    if kind == "redis":
        redis_available()
    caplog.set_level(logging.INFO, logger="trellis.jobs")
    await give_targets(db, world, members=("staff",))
    inbox.stop()
    service = services(kind, mailer_from_url(inbox.url), notification_retry_for="150ms")  # 3 attempts
    await tick(db, MORNING, service.enqueue, requeue_after=REQUEUE, lease=LEASE)
    service.start(threads=1)
    await service.drain()

    delivery = (await delivery_log(db))[world["staff"].email]
    assert (delivery.status, delivery.attempts) == ("FAILED", 3)
    assert delivery.last_error
    # One line per attempt an operator can find by the digest's id; the last one a warning.
    lines = [r for r in caplog.records if r.name == "trellis.jobs" and f"digest {delivery.id} " in r.getMessage()]
    assert [r.levelname for r in lines] == ["INFO", "INFO", "WARNING"]
    assert "FAILED after 3 attempts" in lines[-1].getMessage()

    await asyncio.to_thread(inbox.start)
    service.enqueue(delivery.id)  # a stray copy of the message
    await tick(db, MORNING + timedelta(hours=2), service.enqueue, requeue_after=REQUEUE, lease=LEASE)
    await service.drain()
    assert inbox.received == []
    assert (await delivery_log(db))[world["staff"].email].status == "FAILED"


# --- 6. Broker down during a mutation -----------------------------------------------

ADD_COURSES = """
mutation($input: AddTargetCoursesInput!) { addTargetCourses(input: $input) {
  __typename ... on TargetListPayload { targetList { items { course { title } } } } } }
"""


async def test_broker_down_the_mutation_commits_and_its_digest_goes_out_once_the_broker_is_back(
    db: Database, world: World, gql: Any, inbox: Inbox, services: Services
) -> None:
    redis_available()
    target_list = await give_targets(db, world, items=((0, None),))
    down = services("redis://127.0.0.1:1", SmtpMailer("127.0.0.1", inbox.port))  # nothing listens there
    result = (await gql(ADD_COURSES, {"input": {
        "targetListId": global_id("TargetList", target_list),
        "courses": [{"courseId": global_id("Course", world.courses[1]), "dueOn": "2031-06-30"}],
    }}, token=world["owner"].token))["addTargetCourses"]
    assert result["__typename"] == "TargetListPayload", result
    assert [i["course"]["title"] for i in result["targetList"]["items"]] == ["Course 1", "Course 2"]

    now = utcnow()
    await tick(db, now, down.enqueue, requeue_after=REQUEUE, lease=LEASE)
    log = await delivery_log(db)
    assert sorted(log) == emails(*STAFF)
    assert {(d.status, d.enqueued_at) for d in log.values()} == {("PENDING", None)}

    up = services("redis", SmtpMailer("127.0.0.1", inbox.port))
    up.start()
    await tick(db, now + timedelta(minutes=1), up.enqueue, requeue_after=REQUEUE, lease=LEASE)
    await up.drain()
    await tick(db, now + timedelta(minutes=2), up.enqueue, requeue_after=REQUEUE, lease=LEASE)
    await up.drain()

    assert inbox.recipients() == emails(*STAFF)
    for actor in STAFF:
        [message] = inbox.to(world[actor].email)
        text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert "Your learning targets were assigned or updated" in text
        # Course 1 stands above Course 2, so it is due by Course 2's date too.
        assert {"  - Course 1 (Phonics), due 2031-06-30", "  - Course 2 (Phonics), due 2031-06-30"} <= set(
            text.splitlines()), text
    assert {d.status for d in (await delivery_log(db)).values()} == {"SENT"}


# --- 7. Redis end to end ------------------------------------------------------------


async def test_redis_end_to_end_one_email_per_person(db: Database, world: World, inbox: Inbox,
                                                     services: Services) -> None:
    redis_available()
    await give_targets(db, world)
    service = services("redis", mailer_from_url(inbox.url))
    service.start()
    await tick(db, MORNING, service.enqueue, requeue_after=REQUEUE, lease=LEASE)
    await service.drain()
    # Later ticks the same day find nothing more to hand over.
    await tick(db, MORNING + timedelta(hours=1), service.enqueue, requeue_after=REQUEUE, lease=LEASE)
    await service.drain()

    assert inbox.recipients() == emails(*STAFF)
    for actor in STAFF:
        [message] = inbox.to(world[actor].email)
        assert_digest(message, world, actor)
    assert {d.status for d in (await delivery_log(db)).values()} == {"SENT"}


# --- 8. The .eml folder -------------------------------------------------------------


def eml_files(folder: Path) -> list[Path]:
    return sorted(folder.iterdir()) if folder.exists() else []


async def test_the_folder_holds_one_eml_per_digest_and_a_resend_overwrites_it(
    db: Database, world: World, tmp_path: Path
) -> None:
    folder = tmp_path / "mail"
    mailer = mailer_from_url(f"file://{folder}")
    assert isinstance(mailer, FolderMailer)
    await give_targets(db, world)
    jobs = Jobs(db, mailer)  # type: ignore[arg-type]
    await jobs.tick(MORNING)
    staff = (await delivery_log(db))[world["staff"].email]
    jobs.queue.remove(staff.id)
    # A worker claims Staff's digest, writes it, and dies before marking it sent.
    assert await claim(db, staff.id, MORNING, LEASE)
    await mailer.send(render(await digest_of(db, staff.id), jobs.policy.sender))
    await jobs.work(MORNING)
    written = eml_files(folder)
    assert len(written) == len(STAFF) and all(f.suffix == ".eml" for f in written), written

    # Once the lease has run out the digest is sent again, into the same file.
    later = MORNING + LEASE + REQUEUE + timedelta(minutes=1)
    await jobs.tick(later)
    assert jobs.queue == [staff.id]
    await jobs.work(later)
    assert (await delivery_log(db))[world["staff"].email].status == "SENT"
    assert eml_files(folder) == written

    by_recipient = {}
    for path in written:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        by_recipient[message["To"].addresses[0].addr_spec] = message  # type: ignore[union-attr]
    assert sorted(by_recipient) == emails(*STAFF)
    for actor in STAFF:
        assert_digest(by_recipient[world[actor].email], world, actor)  # type: ignore[arg-type]


async def test_embedded_jobs_write_the_first_digests_into_the_folder_and_stop_cleanly(
    db: Database, database_url: str, world: World, tmp_path: Path
) -> None:
    """`make run`: the scheduler and a StubBroker worker inside the app's loop."""
    folder = tmp_path / "mail"
    await give_targets(db, world, items=((0, None), (1, None)))
    async with db.write() as session:
        session.add_all(NotificationOutbox(organisation_id=world.organisations["ashdown"],
                                           person_id=world[a].person_id, created_at=utcnow() - timedelta(minutes=1))
                        for a in STAFF)
    settings = Settings(database_url=database_url, smtp_url=f"file://{folder}", scheduler_interval_seconds=3600)
    saved = (brokers._runtime, brokers.send_digest.broker, dramatiq.get_broker())
    embedded = EmbeddedJobs(db, settings)
    try:
        embedded.start()
        for _ in range(400):  # bounded wait for the worker thread; no timing is asserted
            if len(eml_files(folder)) == len(STAFF) and {
                d.status for d in (await delivery_log(db)).values()
            } == {"SENT"}:
                break
            await asyncio.sleep(0.05)
    finally:
        await embedded.stop()
        brokers._runtime, brokers.send_digest.broker = saved[0], saved[1]
        dramatiq.set_broker(saved[2])

    files = eml_files(folder)
    assert len(files) == len(STAFF), files
    recipients = sorted(
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)["To"].addresses[0].addr_spec
        for p in files
    )
    assert recipients == emails(*STAFF)
