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
