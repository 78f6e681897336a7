"""The Dramatiq broker and the one actor: Redis in production (BROKER_URL), the
in-process StubBroker for the embedded `make run` and for fast tests.

Actors take ids, not objects. Each worker thread keeps its own event loop and database
engine, since an async engine belongs to the loop that opened its connections.
"""

import asyncio
import threading
from datetime import timedelta

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

from infra.database import Database, create_engine
from infra.settings import MAX_ATTEMPTS, Settings, get_settings
from jobs.delivery import Policy, RetryLater, deliver
from jobs.mail import Mailer, mailer_from_url

QUEUE = "notifications"
# Our own attempt count decides when a digest has FAILED; this only bounds the broker.
_BROKER_MAX_RETRIES = MAX_ATTEMPTS

dramatiq.set_broker(StubBroker())  # until install() picks the real one


def make_broker(url: str, namespace: str = "trellis") -> dramatiq.Broker:
    if url == "stub":
        return StubBroker()
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisBroker(url=url, namespace=namespace)
    raise ValueError(f"BROKER_URL must be 'stub' or a redis:// URL; got {url!r}")


class Runtime:
    """What an actor needs, per worker thread."""

    def __init__(self, settings: Settings, mailer: Mailer | None = None) -> None:
        self.settings = settings
        self.mailer = mailer or mailer_from_url(settings.smtp_url, settings.smtp_timeout_seconds)
        self.policy = Policy(
            sender=settings.mail_from,
            waits=settings.retry_waits,
            lease=timedelta(seconds=settings.notification_lease_seconds),
            # Production requires PUBLIC_URL; elsewhere the links go to this machine's service.
            public_url=settings.public_url or f"http://localhost:{settings.port}",
        )
        self._local = threading.local()
        self._engines: list[tuple[asyncio.AbstractEventLoop, Database]] = []
        self._lock = threading.Lock()

    def run(self, delivery_id: int) -> None:
        local = self._local
        if getattr(local, "loop", None) is None:
            local.loop = asyncio.new_event_loop()
            local.db = Database(create_engine(self.settings.database_url, self.settings.sqlite_busy_timeout_ms,
                                            pool_size=self.settings.database_pool_size))
            with self._lock:
                self._engines.append((local.loop, local.db))
        local.loop.run_until_complete(deliver(local.db, delivery_id, self.mailer, self.policy))

    def close(self) -> None:
        """Dispose of every thread's engine (each on its own loop)."""
        with self._lock:
            engines, self._engines = self._engines, []
        for loop, db in engines:
            loop.run_until_complete(db.dispose())
            loop.close()


_runtime: Runtime | None = None


def install(broker: dramatiq.Broker, runtime: Runtime) -> dramatiq.Broker:
    """Make `broker` the one our actor sends to and works from, with this runtime."""
    global _runtime
    _runtime = runtime
    dramatiq.set_broker(broker)
    send_digest.broker = broker
    broker.declare_actor(send_digest)
    return broker


@dramatiq.actor(queue_name=QUEUE, max_retries=_BROKER_MAX_RETRIES)
def send_digest(delivery_id: int) -> None:
    runtime = _runtime or Runtime(get_settings())
    try:
        runtime.run(delivery_id)
    except RetryLater as later:
        # The delivery's own schedule says when; dramatiq.Retry is logged without a traceback.
        # Rounded up, so the retry never comes before its delivery may be claimed again.
        delay = -(-later.delay // timedelta(milliseconds=1))
        raise dramatiq.Retry(str(later), delay=delay) from None


def enqueue(settings: Settings):  # type: ignore[no-untyped-def]
    """The scheduler's way to hand a delivery over. A failed send waits as its delivery's
    schedule says (RetryLater); these backoffs bound the broker's retries after any other
    error, such as the database being away."""

    def send(delivery_id: int) -> None:
        send_digest.send_with_options(
            args=(delivery_id,),
            min_backoff=settings.notification_min_backoff_ms,
            max_backoff=settings.notification_max_backoff_ms,
        )

    return send
