"""The scheduler loop, and the in-process worker and scheduler of the embedded service."""

import asyncio
import logging
from datetime import timedelta

import dramatiq

from infra.database import Database
from infra.settings import Settings
from domain.models import utcnow
from jobs import broker as brokers
from jobs.planning import Enqueue, PlannedDay, enqueue_waiting, tick

log = logging.getLogger("trellis.jobs")


def _timing(settings: Settings) -> dict[str, timedelta]:
    return {
        "requeue_after": timedelta(seconds=settings.notification_requeue_seconds),
        "lease": timedelta(seconds=settings.notification_lease_seconds),
    }


async def tick_now(db: Database, settings: Settings, enqueue: Enqueue) -> list[PlannedDay]:
    return await tick(db, utcnow(), enqueue, **_timing(settings), catch_up_days=settings.notification_catch_up_days)


async def hand_over(db: Database, settings: Settings, enqueue: Enqueue) -> int:
    """Enqueue every digest waiting for a worker; how many were handed over."""
    return await enqueue_waiting(db, utcnow(), enqueue, **_timing(settings))


async def run_scheduler(db: Database, settings: Settings, enqueue: Enqueue, stop: asyncio.Event) -> None:
    """Tick until stopped. A failed tick is logged and the next one tries again."""
    while not stop.is_set():
        try:
            await tick_now(db, settings, enqueue)
        except Exception:
            log.exception("scheduler tick failed")
        try:
            await asyncio.wait_for(stop.wait(), timeout=settings.scheduler_interval_seconds)
        except TimeoutError:
            pass


class EmbeddedJobs:
    """`make run`: a StubBroker, one worker thread and the scheduler in the app's loop."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.runtime = brokers.Runtime(settings)
        self.broker = brokers.install(brokers.make_broker("stub"), self.runtime)
        self.worker = dramatiq.Worker(self.broker, worker_threads=1, worker_timeout=200)
        self.stop_event = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.worker.start()
        self.task = asyncio.create_task(
            run_scheduler(self.db, self.settings, brokers.enqueue(self.settings), self.stop_event)
        )

    async def stop(self) -> None:
        self.stop_event.set()
        if self.task is not None:
            await self.task
        await asyncio.to_thread(self.worker.stop)
        await asyncio.to_thread(self.runtime.close)  # runs each worker loop, so not on this one
