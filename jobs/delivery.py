"""Sending one digest, once.

The delivery row is claimed (PENDING or RETRYING → SENDING) in its own committed
transaction before anything is sent, so a redelivered message or a second worker finds
it taken and does nothing. A claim older than the lease belongs to a worker that died
between claiming and sending, and may be taken again. Every later write names the claim
it belongs to, so a stale worker cannot overwrite a newer outcome.

A failed attempt sets when the next is due (`retry_at`) and hands the broker one retry
for that moment. A RETRYING digest can be claimed only once its retry is due, so any
other message for it (a stray copy, the scheduler's) finds it not yet claimable, or
already taken: each attempt makes at most one next attempt, and retries form one chain.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from infra import logs
from infra.database import Database
from infra.relay_ids import global_id
from domain.models import NotificationDelivery, NotificationItem, Organisation, Person, digest_order, utcnow
from domain.notifications import SUMMARY, DeliveryStatus, NotificationKind
from jobs.mail import Digest, Line, Mailer, MailError, render
from permissions import policy

log = logging.getLogger("trellis.jobs")


class RetryLater(Exception):
    """The mail server failed and attempts remain: the broker is to try again after `delay`."""

    def __init__(self, message: str, delay: timedelta) -> None:
        super().__init__(message)
        self.delay = delay


@dataclass(frozen=True)
class Policy:
    """`waits`: how long after each failed attempt's start the next one comes (from
    NOTIFICATION_RETRY_FOR); a digest gets one attempt more than there are waits."""

    sender: str
    waits: tuple[timedelta, ...] = ()
    lease: timedelta = timedelta(minutes=10)
    public_url: str = ""  # where a summary's links to group reports point; none without it

    @property
    def max_attempts(self) -> int:
        return len(self.waits) + 1


async def claim(db: Database, delivery_id: int, now: datetime, lease: timedelta) -> bool:
    async with db.write() as session:
        result = await session.execute(
            update(NotificationDelivery)
            .where(
                NotificationDelivery.id == delivery_id,
                or_(
                    NotificationDelivery.status == DeliveryStatus.PENDING,
                    and_(NotificationDelivery.status == DeliveryStatus.RETRYING,
                         or_(NotificationDelivery.retry_at.is_(None), NotificationDelivery.retry_at <= now)),
                    and_(NotificationDelivery.status == DeliveryStatus.SENDING,
                         NotificationDelivery.claimed_at < now - lease),
                ),
            )
            .values(status=DeliveryStatus.SENDING, claimed_at=now, attempts=NotificationDelivery.attempts + 1)
        )
        return result.rowcount == 1


async def digest_of(db: Database, delivery_id: int) -> Digest:
    async with db.read() as session:
        delivery, person, school = (
            await session.execute(
                select(NotificationDelivery, Person, Organisation.name)
                .join(Person, Person.id == NotificationDelivery.person_id)
                .join(Organisation, Organisation.id == NotificationDelivery.organisation_id)
                .where(NotificationDelivery.id == delivery_id)
            )
        ).one()
        items = (
            await session.execute(
                select(NotificationItem)
                .where(NotificationItem.plan_id == delivery.plan_id, NotificationItem.person_id == delivery.person_id)
                .order_by(*digest_order())
            )
        ).scalars()
        lines = [Line(NotificationKind(i.kind), i.course_title, i.list_names, i.due_on, i.about_name) for i in items]
        groups = await _overseen(session, delivery.person_id, delivery.organisation_id) \
            if any(line.kind in SUMMARY for line in lines) else []
    return Digest(delivery.id, person.email, person.display_name, school, delivery.local_date, lines, groups)


async def _overseen(session: AsyncSession, person_id: int, organisation_id: int) -> list[tuple[str, str]]:
    """(name, global id) of the groups whose reports an overdue summary links to."""
    rows = await session.execute(policy.report_groups(person_id, organisation_id))
    return [(name, global_id("StaffGroup", group_id)) for group_id, name in rows]


async def _settle(db: Database, delivery_id: int, claimed_at: datetime, **values: object) -> None:
    async with db.write() as session:
        await session.execute(
            update(NotificationDelivery)
            .where(
                NotificationDelivery.id == delivery_id,
                NotificationDelivery.status == DeliveryStatus.SENDING,
                NotificationDelivery.claimed_at == claimed_at,
            )
            .values(**values)
        )


async def deliver(db: Database, delivery_id: int, mailer: Mailer, policy: Policy,
                  clock: Callable[[], datetime] = utcnow) -> DeliveryStatus | None:
    """Send one digest. Returns what became of it, or None when it was not ours to send
    (already sent, or being sent by someone else)."""
    working = logs.digest_id.set(delivery_id)  # on every line logged while this digest is sent
    try:
        claimed_at = clock()
        if not await claim(db, delivery_id, claimed_at, policy.lease):
            log.info("digest %s is not ours to send (sent, or being sent)", delivery_id)
            return None
        try:
            await mailer.send(render(await digest_of(db, delivery_id), policy.sender, policy.public_url))
        except MailError as error:
            async with db.read() as session:
                attempts = (await session.get_one(NotificationDelivery, delivery_id)).attempts
            if attempts >= policy.max_attempts:
                await _settle(db, delivery_id, claimed_at, status=DeliveryStatus.FAILED,
                              last_error=str(error)[:500], retry_at=None)
                log.warning("digest %s FAILED after %d attempts: %s", delivery_id, attempts, error)
                return DeliveryStatus.FAILED
            retry_at = claimed_at + policy.waits[attempts - 1]
            await _settle(db, delivery_id, claimed_at, status=DeliveryStatus.RETRYING,
                          last_error=str(error)[:500], retry_at=retry_at)
            log.info("digest %s attempt %d failed (%s); retrying at %s", delivery_id, attempts, error,
                     retry_at.isoformat(timespec="seconds"))
            raise RetryLater(str(error), max(retry_at - clock(), timedelta())) from error
        await _settle(db, delivery_id, claimed_at, status=DeliveryStatus.SENT, sent_at=clock(), last_error=None,
                      retry_at=None)
        log.info("digest %s sent", delivery_id)
        return DeliveryStatus.SENT
    finally:
        logs.digest_id.reset(working)
