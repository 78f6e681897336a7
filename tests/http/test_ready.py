"""/ready: what a load balancer or orchestrator asks before sending traffic. 200 when the
database answers at the code's migration and the broker answers; 503 naming what failed.
/health stays the plain 'alive'."""

import urllib.parse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from sqlalchemy import text

from app.main import create_app
from infra.database import Database, create_engine
from infra.migrations import head_revision
from infra.settings import Settings
from tests.availability import REDIS_URL, reachable, require
from tests.conftest import schema_for

ALL_OK = {"database": "ok", "migrations": "ok", "broker": "ok"}


@asynccontextmanager
async def client_for(db: Database, **settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    chosen = Settings(**settings)
    app = create_app(chosen, db, schema=schema_for(chosen))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://trellis.test") as http:
        yield http


async def test_ready_when_the_database_answers_at_the_codes_migration(client: httpx.AsyncClient) -> None:
    response = await client.get("/ready")
    assert (response.status_code, response.json()) == (200, ALL_OK)
    assert (await client.get("/health")).json() == {"status": "ok"}


async def test_a_database_behind_the_code_is_not_ready_and_the_answer_names_the_fix(
    db: Database, client: httpx.AsyncClient
) -> None:
    async with db.write() as session:  # undone when the test ends
        await session.execute(text("UPDATE alembic_version SET version_num = '0006'"))
    response = await client.get("/ready")
    assert response.status_code == 503
    checks = response.json()
    assert (checks["database"], checks["broker"]) == ("ok", "ok")
    assert checks["migrations"].startswith("behind") and "trellis db upgrade" in checks["migrations"]
    assert "0006" in checks["migrations"] and str(head_revision()) in checks["migrations"]


async def test_a_database_that_does_not_answer_is_not_ready() -> None:
    nowhere = Database(create_engine("postgresql+asyncpg://trellis@127.0.0.1:1/trellis"))  # nothing listens there
    try:
        async with client_for(nowhere) as http:
            response = await http.get("/ready")
    finally:
        await nowhere.dispose()
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"
    assert response.json()["migrations"].startswith("unknown")


def redis_available() -> None:
    url = urllib.parse.urlsplit(REDIS_URL)
    require(reachable(url.hostname or "127.0.0.1", url.port or 6379), f"Redis at {url.hostname}:{url.port}")


async def test_ready_on_redis_when_it_answers_ping(db: Database) -> None:
    redis_available()
    async with client_for(db, broker_url=REDIS_URL) as http:
        response = await http.get("/ready")
    assert (response.status_code, response.json()) == (200, ALL_OK)


async def test_a_broker_that_does_not_answer_is_not_ready(db: Database) -> None:
    async with client_for(db, broker_url="redis://127.0.0.1:1/0") as http:  # nothing listens there
        response = await http.get("/ready")
    assert response.status_code == 503
    checks = response.json()
    assert (checks["database"], checks["migrations"]) == ("ok", "ok")
    assert checks["broker"].startswith("unavailable") and "BROKER_URL" in checks["broker"]
