"""A PostgreSQL restart (or a backend an operator terminated) costs the API no request an
error: a pooled connection the server closed is replaced when it is checked out, without
a round trip to ask the server on every checkout (workers still ask: their loops sleep
between messages, so asyncpg has not seen the close)."""

import asyncio
import time

import pytest
from sqlalchemy import text

from infra.database import Database, create_engine


@pytest.mark.parametrize("engine", ["postgresql"])
async def test_a_connection_the_server_closed_is_replaced_before_a_request_uses_it(database_url: str) -> None:
    db = Database(create_engine(database_url, ping=False))  # as the API's: no ping to catch it
    other = create_engine(database_url)
    try:
        async with db.read() as session:
            pid = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        async with other.connect() as admin:
            assert (await admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})).scalar_one()
        await asyncio.sleep(0.2)  # the server has closed it; the pool still holds it

        async with db.read() as session:
            assert (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one() != pid
    finally:
        await db.dispose()
        await other.dispose()


async def _backend(db: Database) -> int:
    async with db.read() as session:
        return (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()


async def _terminate(url: str, pid: int) -> None:
    admin = create_engine(url)
    try:
        async with admin.connect() as connection:
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        await admin.dispose()


def _as_a_worker(url: str) -> tuple[int, int]:
    """Two reads on a loop that, like a worker thread's, runs only while it works."""
    loop = asyncio.new_event_loop()
    db = Database(create_engine(url))  # as jobs/broker.py makes a worker's engine
    try:
        first = loop.run_until_complete(_backend(db))
        asyncio.run(_terminate(url, first))
        time.sleep(0.2)
        return first, loop.run_until_complete(_backend(db))
    finally:
        loop.run_until_complete(db.dispose())
        loop.close()


@pytest.mark.parametrize("engine", ["postgresql"])
async def test_a_worker_whose_loop_slept_through_the_close_still_gets_a_live_connection(database_url: str) -> None:
    first, second = await asyncio.to_thread(_as_a_worker, database_url)
    assert second != first
