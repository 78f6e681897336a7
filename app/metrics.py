"""`/metrics` in Prometheus's text format, through the standard client library.

- Per API process: GraphQL requests and their latency by operation name and outcome,
  and GraphQL errors by code. Operation names come from clients, so only well-formed
  names count under their own label, and only the first few hundred; the rest are
  `other`, which keeps a scrape's size bounded whatever clients send.
- From the database at each scrape, so the API reports what every worker and scheduler
  did: digests by status, the age of the oldest digest waiting to be sent, and when the
  scheduler last planned a school's day.
"""

import re
import time
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from sqlalchemy import func, select
from starlette.requests import Request
from starlette.responses import Response

from domain.models import NotificationDelivery, NotificationPlan, utcnow
from domain.notifications import DeliveryStatus
from infra.database import Database

OPERATION_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")
MOST_OPERATIONS = 300
WAITING = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)


class Metrics:
    """One registry per app, so each app (and each test's) counts from zero."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._operations: set[str] = set()
        self.requests = Counter("trellis_graphql_requests", "GraphQL requests by operation name and outcome "
                                "(ok, errors, refused, timeout).", ["operation", "outcome"], registry=self.registry)
        self.latency = Histogram("trellis_graphql_request_seconds", "Time to answer a GraphQL request, by operation "
                                 "name.", ["operation"], registry=self.registry,
                                 buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
        self.errors = Counter("trellis_graphql_errors", "GraphQL errors in answers, by code.", ["code"],
                              registry=self.registry)
        self.digests = Gauge("trellis_digests", "Digests by status, across every worker.", ["status"],
                             registry=self.registry)
        self.oldest_waiting = Gauge("trellis_oldest_waiting_digest_seconds", "Age of the oldest digest waiting to "
                                    "be sent (pending or retrying); 0 when none waits.", registry=self.registry)
        self.last_plan = Gauge("trellis_scheduler_last_plan_timestamp_seconds", "When the scheduler last planned a "
                               "school's day (Unix time); 0 before the first.", registry=self.registry)

    def operation(self, name: Any) -> str:
        if not isinstance(name, str) or not name:
            return "anonymous"
        if name in self._operations:
            return name
        if OPERATION_NAME.fullmatch(name) and len(self._operations) < MOST_OPERATIONS:
            self._operations.add(name)
            return name
        return "other"

    def answered(self, name: Any, started: float, outcome: str, errors: list[Any] | None = None) -> None:
        """One GraphQL request: its outcome, latency and the codes of its errors."""
        operation = self.operation(name)
        self.requests.labels(operation, outcome).inc()
        self.latency.labels(operation).observe(time.perf_counter() - started)
        for error in errors or ():
            code = (getattr(error, "extensions", None) or {}).get("code") or "INTERNAL"
            self.errors.labels(str(code)).inc()

    async def refresh(self, db: Database) -> None:
        async with db.read() as session:
            counts = dict((await session.execute(
                select(NotificationDelivery.status, func.count()).group_by(NotificationDelivery.status))).all())
            oldest = (await session.execute(
                select(func.min(NotificationDelivery.created_at)).where(NotificationDelivery.status.in_(WAITING))
            )).scalar_one()
            planned = (await session.execute(select(func.max(NotificationPlan.planned_at)))).scalar_one()
        for status in DeliveryStatus:
            self.digests.labels(status.value).set(counts.get(status.value, 0))
        self.oldest_waiting.set((utcnow() - _aware(oldest)).total_seconds() if oldest else 0)
        self.last_plan.set(_aware(planned).timestamp() if planned else 0)


def _aware(instant: Any) -> datetime:
    """An aggregate of instants bypasses the column's type on SQLite: text, or naive."""
    if isinstance(instant, str):
        instant = datetime.fromisoformat(instant)
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


async def metrics_endpoint(request: Request) -> Response:
    metrics: Metrics = request.app.state.metrics
    await metrics.refresh(request.app.state.db)
    # Text format 0.0.4: every Prometheus version reads it, and the names here are plain ASCII.
    return Response(generate_latest(metrics.registry), headers={"Content-Type": CONTENT_TYPE_PLAIN_0_0_4})
