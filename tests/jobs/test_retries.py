"""A mail server that is down is retried for NOTIFICATION_RETRY_FOR: an outage shorter
than that loses no digest, and a digest fails only once that long has passed since its
first attempt. The broker is played by the test, waiting exactly what each failed
attempt asks for (RetryLater's delay), on a clock the test moves."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from infra.database import Database
from infra.settings import Settings
from domain.models import NotificationDelivery, TargetList, TargetListItem
from jobs.delivery import Policy, RetryLater, deliver
from tests.jobs.conftest import Jobs, MemoryMailer
from tests.world import World

MORNING = datetime(2026, 3, 6, 8, 0, tzinfo=UTC)  # Ashdown's send hour has come


def policy_of(settings: Settings) -> Policy:
    return Policy(sender=settings.mail_from, waits=settings.retry_waits,
                  lease=timedelta(seconds=settings.notification_lease_seconds))


async def planned(db: Database, world: World, jobs: Jobs) -> list[int]:
    """Ashdown's staff each get a digest (a course due soon); their ids, as the scheduler
    hands them over."""
    async with db.write() as session:
        target_list = TargetList(group_id=world.all_staff["ashdown"], name="Phonics")
        session.add(target_list)
        await session.flush()
        session.add(TargetListItem(list_id=target_list.id, course_id=world.courses[0], position=0,
                                   due_on=date(2026, 3, 15)))
    await jobs.tick(MORNING)
    queued, jobs.queue[:] = list(jobs.queue), []
    assert len(queued) == 4
    return queued


async def until_settled(db: Database, delivery_id: int, mailer: MemoryMailer, policy: Policy,
                        back_at: datetime | None) -> list[datetime]:
    """Deliver, and after each failure again once its delay has passed, until the digest
    is sent or failed: the moments of its attempts. The server is down until `back_at`."""
    now, attempts = MORNING, []
    while True:
        mailer.down = back_at is None or now < back_at
        attempts.append(now)
        try:
            await deliver(db, delivery_id, mailer, policy, lambda: now)
        except RetryLater as later:
            now += later.delay
            continue
        return attempts


async def statuses(db: Database) -> dict[int, NotificationDelivery]:
    async with db.read() as session:
        return {d.id: d for d in (await session.execute(select(NotificationDelivery))).scalars()}


async def test_smtp_down_for_twenty_minutes_at_send_hour_every_digest_goes_out_once(
    db: Database, world: World, jobs: Jobs, mailer: MemoryMailer
) -> None:
    """The issue's outage with the default settings: before, the fifth attempt came about
    four minutes in and every digest of the day was FAILED."""
    policy = policy_of(Settings())
    back = MORNING + timedelta(minutes=20)
    for delivery_id in await planned(db, world, jobs):
        attempts = await until_settled(db, delivery_id, mailer, policy, back)
        assert back <= attempts[-1] < back + timedelta(minutes=20)
    log = await statuses(db)
    assert {d.status for d in log.values()} == {"SENT"}
    assert sorted(m["To"] for m in mailer.sent) == sorted(
        f"{world[a].name} <{world[a].email}>" for a in ("owner", "admin", "staff", "staff2"))


@pytest.mark.parametrize(("retry_for", "span"), [
    ("6h", timedelta(hours=6)), ("90m", timedelta(minutes=90)), ("3600s", timedelta(hours=1)),
    ("45s", timedelta(seconds=45)),
])
async def test_a_digest_fails_only_when_its_last_attempt_comes_retry_for_after_its_first(
    db: Database, world: World, jobs: Jobs, mailer: MemoryMailer, retry_for: str, span: timedelta
) -> None:
    policy = policy_of(Settings(notification_retry_for=retry_for))
    delivery_id = (await planned(db, world, jobs))[0]
    attempts = await until_settled(db, delivery_id, mailer, policy, back_at=None)

    assert attempts[-1] - attempts[0] == span
    assert all(later > earlier for earlier, later in zip(attempts, attempts[1:]))
    delivery = (await statuses(db))[delivery_id]
    assert (delivery.status, delivery.attempts) == ("FAILED", len(attempts))
    assert mailer.sent == []


async def test_a_server_back_just_before_the_last_attempt_still_gets_the_digest(
    db: Database, world: World, jobs: Jobs, mailer: MemoryMailer
) -> None:
    policy = policy_of(Settings(notification_retry_for="6h"))
    delivery_id = (await planned(db, world, jobs))[0]
    attempts = await until_settled(db, delivery_id, mailer, policy, back_at=MORNING + timedelta(hours=5, minutes=59))
    assert attempts[-1] == MORNING + timedelta(hours=6)
    delivery = (await statuses(db))[delivery_id]
    assert (delivery.status, delivery.attempts) == ("SENT", len(attempts))
    assert len(mailer.sent) == 1


# --- One retry chain ------------------------------------------------------------------

HOURLY = Policy(sender="Trellis <t@example.org>", waits=(timedelta(minutes=30), timedelta(hours=1), timedelta(hours=1)))


async def test_the_scheduler_never_starts_a_second_retry_chain_while_a_retry_waits(
    db: Database, world: World, jobs: Jobs, mailer: MemoryMailer
) -> None:
    """Retries wait up to an hour, the scheduler's requeue interval is 15 minutes and it
    ticks every minute. The digest is still tried exactly on its schedule, once per turn,
    and fails only when its last attempt comes 2 h 30 m after the first."""
    mailer.down = True
    # (due, delivery id): what the broker holds, first the planned digests
    messages = [(MORNING, delivery_id) for delivery_id in await planned(db, world, jobs)]
    attempts: dict[int, list[datetime]] = {}
    for minute in range(0, 4 * 60):
        now = MORNING + timedelta(minutes=minute)
        await jobs.tick(now)
        messages += [(now, delivery_id) for delivery_id in jobs.queue]
        jobs.queue.clear()
        due = sorted(m for m in messages if m[0] <= now)
        messages = [m for m in messages if m[0] > now]
        for _, delivery_id in due:
            before = (await statuses(db))[delivery_id].attempts
            try:
                await deliver(db, delivery_id, mailer, HOURLY, lambda: now)
            except RetryLater as later:
                messages.append((now + later.delay, delivery_id))
            if (await statuses(db))[delivery_id].attempts > before:
                attempts.setdefault(delivery_id, []).append(now)

    schedule = [MORNING + timedelta(minutes=m) for m in (0, 30, 90, 150)]
    assert len(attempts) == 4 and all(moments == schedule for moments in attempts.values()), attempts
    assert {(d.status, d.attempts) for d in (await statuses(db)).values()} == {("FAILED", 4)}


async def test_a_stray_message_cannot_claim_a_digest_before_its_retry_is_due(
    db: Database, world: World, jobs: Jobs, mailer: MemoryMailer
) -> None:
    delivery_id = (await planned(db, world, jobs))[0]
    mailer.down = True
    with pytest.raises(RetryLater):
        await deliver(db, delivery_id, mailer, HOURLY, lambda: MORNING)
    mailer.down = False
    early = MORNING + timedelta(minutes=29)
    assert await deliver(db, delivery_id, mailer, HOURLY, lambda: early) is None
    assert mailer.sent == []
    assert (await statuses(db))[delivery_id].attempts == 1
    due = MORNING + timedelta(minutes=30)
    assert await deliver(db, delivery_id, mailer, HOURLY, lambda: due) == "SENT"
    assert len(mailer.sent) == 1


async def test_a_retry_whose_message_was_lost_is_handed_over_once_it_is_overdue(
    db: Database, world: World, jobs: Jobs, mailer: MemoryMailer
) -> None:
    """The worker died after noting the retry and before the broker held it: the scheduler
    hands the digest over once the retry is the requeue interval (15 min) overdue, once."""
    delivery_id = (await planned(db, world, jobs))[0]
    mailer.down = True
    with pytest.raises(RetryLater):  # and the broker never gets the retry
        await deliver(db, delivery_id, mailer, HOURLY, lambda: MORNING)
    handed: list[datetime] = []
    for minute in range(1, 61):  # a handed-over message not taken is handed over again 15 min later
        now = MORNING + timedelta(minutes=minute)
        await jobs.tick(now)
        if delivery_id in jobs.queue:
            handed.append(now)
        jobs.queue.clear()
    assert handed == [MORNING + timedelta(minutes=46)]
    mailer.down = False
    assert await deliver(db, delivery_id, mailer, HOURLY, lambda: handed[0]) == "SENT"
    assert len(mailer.sent) == 1
