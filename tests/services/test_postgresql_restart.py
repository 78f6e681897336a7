"""A PostgreSQL restart (or a backend an operator terminated) costs no request an error:
a pooled connection the server closed is replaced when it is checked out, without a
round trip to ask the server on every checkout."""

import asyncio

import pytest
from sqlalchemy import text

from infra.database import Database, create_engine


@pytest.mark.parametrize("engine", ["postgresql"])
async def test_a_connection_the_server_closed_is_replaced_before_a_request_uses_it(database_url: str) -> None:
    db = Database(create_engine(database_url))
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
