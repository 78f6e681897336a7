"""The Starlette application: /graphql, the console, /health, /ready, request ids."""

import asyncio
import gc
import logging
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import strawberry
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from infra.database import Database, create_engine
from app.calendar_feed import calendar_feed
from app.console.files import ConsoleFiles, console_file
from app.console.page import console_page
from app.cors import ListedOriginsOnly
from app.graphql_http import graphql_endpoint
from app.metrics import Metrics, metrics_endpoint
from app.persisted_queries import PersistedQueries
from infra import logs
from infra.migrations import MIGRATE_COMMAND, ensure_current, head_revision, revision_of
from app.report_endpoints import completion_svg, matrix_csv
from app.trust_exports import trust_progress_csv, trust_targets_csv
from infra.settings import Settings, get_settings
from jobs.scheduler import EmbeddedJobs
from schema.build import build_schema

log = logging.getLogger("trellis")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Every request gets an id (the caller's X-Request-ID if it is sane), echoed back
    and quoted in masked errors and the logs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex[:16]
        scope.setdefault("state", {})["request_id"] = request_id
        # On every line logged while this request is served (uvicorn's access line too).
        serving = logs.request_id.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            logs.request_id.reset(serving)


async def health(request: Request) -> JSONResponse:
    try:
        async with request.app.state.db.read() as session:
            await session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - health reports, it does not raise
        log.exception("health check failed")
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ok"})


READY_TIMEOUT_SECONDS = 5.0
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


async def _database_and_migrations(db: Database) -> tuple[str, str]:
    try:
        async with db.read() as session:
            current = await asyncio.wait_for(revision_of(session), READY_TIMEOUT_SECONDS)
    except Exception:  # noqa: BLE001 - readiness reports, it does not raise
        log.exception("readiness: the database did not answer")
        return "unavailable", "unknown: the database did not answer"
    head = head_revision()
    if current != head:
        return "ok", (f"behind: the database is at {current or '(none)'}, the code needs {head}; "
                      f"run `{MIGRATE_COMMAND}` (or `trellis db upgrade`)")
    return "ok", "ok"


async def _broker(url: str) -> str:
    if not url.startswith(REDIS_SCHEMES):
        return "ok"  # the in-process stub broker
    import redis.asyncio

    client = redis.asyncio.from_url(url, socket_connect_timeout=READY_TIMEOUT_SECONDS,
                                    socket_timeout=READY_TIMEOUT_SECONDS)
    try:
        await asyncio.wait_for(client.ping(), READY_TIMEOUT_SECONDS)
    except Exception as error:  # noqa: BLE001 - readiness reports, it does not raise
        log.warning("readiness: Redis (BROKER_URL) did not answer PING: %s", type(error).__name__)
        return "unavailable: Redis (BROKER_URL) did not answer PING"
    finally:
        await client.aclose()
    return "ok"


async def ready(request: Request) -> JSONResponse:
    """Whether this process can do its work: the database answers, it is at the code's
    migration, and the broker (Redis, when BROKER_URL names it) answers PING. 503 names
    what did not."""
    (database, migrations), broker = await asyncio.gather(
        _database_and_migrations(request.app.state.db), _broker(request.app.state.settings.broker_url)
    )
    checks = {"database": database, "migrations": migrations, "broker": broker}
    return JSONResponse(checks, status_code=200 if set(checks.values()) == {"ok"} else 503)


def create_app(
    settings: Settings | None = None, db: Database | None = None, *, jobs: bool = False,
    schema: strawberry.Schema | None = None,
) -> Starlette:
    """The app. Tests pass their own Database; otherwise one is made from settings and
    the app refuses to start on a database that is behind the code. With `jobs`, the
    notification worker and scheduler run inside it (the embedded `make run`)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        owned = app.state.db is None
        if owned:
            app.state.db = Database(create_engine(
                settings.database_url, settings.sqlite_busy_timeout_ms,
                statement_timeout_ms=int(settings.request_timeout_seconds * 1000),
                pool_size=settings.database_pool_size,
                ping=False,  # its loop always runs: a server's close is seen at checkout
            ))
        try:
            await ensure_current(app.state.db.engine)
            embedded = EmbeddedJobs(app.state.db, settings) if jobs else None
            if embedded is not None:
                embedded.start()
            # What start-up built (schema, models, imports) lives as long as the process. Out
            # of the collector's sight, a full collection no longer walks it: measured under
            # load, each took some 100 ms, a stall every few seconds; frozen, 6-16 ms.
            gc.collect()
            gc.freeze()
            try:
                yield
            finally:
                if embedded is not None:
                    await embedded.stop()
        finally:
            if owned:
                await app.state.db.dispose()

    app = Starlette(
        routes=[
            Route("/graphql", graphql_endpoint, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
            Route("/health", health),
            Route("/metrics", metrics_endpoint),
            Route("/ready", ready),
            Route("/console", console_page),
            Route("/console/assets/{version}/{name}", console_file),
            Route("/reports/groups/{id}/completion.svg", completion_svg),
            Route("/reports/groups/{id}/matrix.csv", matrix_csv),
            Route("/reports/trusts/{id}/progress.csv", trust_progress_csv),
            Route("/reports/trusts/{id}/targets.csv", trust_targets_csv),
            Route("/calendar/{secret}.ics", calendar_feed),
        ],
        # CORS outermost, so every answer (401, 413, 503 too) carries its headers. Answers of
        # 1 KB or more are gzipped for clients that accept it, at zlib's default level: nearly
        # the size of level 9 in half the time; a streamed CSV is compressed row by row.
        middleware=[
            Middleware(ListedOriginsOnly, origins=settings.allowed_origins),
            Middleware(GZipMiddleware, minimum_size=1024, compresslevel=6),
            Middleware(RequestIdMiddleware),
        ],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.console = ConsoleFiles()
    app.state.db = db
    app.state.schema = schema or build_schema(settings)
    app.state.persisted_queries = PersistedQueries(settings.persisted_query_bytes)
    app.state.metrics = Metrics()
    return app


def embedded_app() -> Starlette:
    """`make run`: the service with its jobs in-process, when the broker is the stub."""
    settings = get_settings()
    return create_app(settings, jobs=settings.broker_url == "stub")
