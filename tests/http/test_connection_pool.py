"""Each process keeps DATABASE_POOL_SIZE connections open: a request holds one from its
first read to its end, so with at least as many kept as requests in flight, a busy
service opens no connection once warm (opening one is a thread on SQLite and a server
process on PostgreSQL, and under load it cost the learning path a third of its rate)."""

import asyncio
from typing import Any

import httpx
from sqlalchemy import event

from app.main import create_app
from infra.settings import Settings
from tests.conftest import schema_for
from tests.world import World

PATH = "{ me { learningPath { items { course { title } status } } } }"
AT_ONCE = 20


async def _opened_for_a_second_burst(database_url: str, token: str, **pool: Any) -> int:
    """Connections the app's own engine opened for a second burst of AT_ONCE concurrent
    learning paths, after a first."""
    settings = Settings(production=False, database_url=database_url, **pool)
    app = create_app(settings, schema=schema_for(Settings(production=False)))
    opened: list[object] = []
    async with app.router.lifespan_context(app):
        event.listen(app.state.db.engine.sync_engine, "connect", lambda *_: opened.append(1))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://trellis.test") as http:
            async def burst() -> None:
                answers = await asyncio.gather(*[
                    http.post("/graphql", json={"query": PATH}, headers={"Authorization": f"Bearer {token}"})
                    for _ in range(AT_ONCE)
                ])
                assert all(a.status_code == 200 and a.json()["data"]["me"]["learningPath"] for a in answers)

            await burst()
            opened.clear()
            await burst()
    return len(opened)


async def test_a_warm_service_opens_no_connection_for_requests_in_flight(database_url: str, world: World) -> None:
    """By default, AT_ONCE requests at once."""
    token = world["staff"].token
    assert await _opened_for_a_second_burst(database_url, token) == 0
    # The setting is the pool's size: with fewer kept than requests in flight, connections
    # are opened (and closed) again and again.
    assert await _opened_for_a_second_burst(database_url, token, database_pool_size=5) > 0
