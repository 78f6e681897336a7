"""Fixtures for notification jobs: a mailer that keeps what it is given, and helpers
that run the scheduler's tick and the worker's delivery without a broker."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest

from infra.database import Database
from jobs.delivery import Policy, RetryLater, deliver
from jobs.mail import MailError
from jobs.planning import PlannedDay, tick

REQUEUE = timedelta(minutes=15)
LEASE = timedelta(minutes=10)


@dataclass
class MemoryMailer:
    sent: list[EmailMessage] = field(default_factory=list)
    down: bool = False

    async def send(self, message: EmailMessage) -> None:
        if self.down:
            raise MailError("mail server unavailable")
        self.sent.append(message)

    def to(self, email: str) -> list[EmailMessage]:
        return [m for m in self.sent if email in m["To"]]

    def text(self, message: EmailMessage) -> str:
        return message.get_body(("plain",)).get_content()


@dataclass
class Jobs:
    """The scheduler and an inline worker, on a clock the test moves."""

    db: Database
    mailer: MemoryMailer
    policy: Policy = field(default_factory=lambda: Policy(
        sender="Trellis <t@example.org>", waits=(timedelta(minutes=1), timedelta(minutes=2))))
    queue: list[int] = field(default_factory=list)
    retries: list[tuple[datetime, int]] = field(default_factory=list)  # (when due, delivery id)
    # Days a test leaves out are days it skips, not outages to catch up, unless it says so
    # (the service catches up NOTIFICATION_CATCH_UP_DAYS, 7 by default).
    catch_up_days: int = 1

    async def tick(self, now: datetime) -> list[PlannedDay]:
        return await tick(self.db, now, self.queue.append, requeue_after=REQUEUE, lease=LEASE,
                          catch_up_days=self.catch_up_days)

    async def work(self, now: datetime | None = None) -> None:
        clock: Callable[[], datetime] = (lambda: now) if now else (lambda: datetime.now(UTC))
        while self.queue:
            delivery_id = self.queue.pop(0)
            try:
                await deliver(self.db, delivery_id, self.mailer, self.policy, clock)
            except RetryLater as later:  # the broker would hold it; the test decides whether it comes
                self.retries.append((clock() + later.delay, delivery_id))

    async def retry(self) -> None:
        """The broker's retries, each at the moment it is due, until none is left."""
        while self.retries:
            self.retries.sort()
            due, delivery_id = self.retries.pop(0)
            self.queue.append(delivery_id)
            await self.work(due)

    async def day(self, now: datetime) -> list[PlannedDay]:
        planned = await self.tick(now)
        await self.work(now)
        return planned


@pytest.fixture
def mailer() -> MemoryMailer:
    return MemoryMailer()


@pytest.fixture
def jobs(db: Database, mailer: MemoryMailer) -> Jobs:
    return Jobs(db, mailer)
