"""The test databases: one migrated database per engine and per xdist worker, made once,
and for each test either a transaction rolled back at its end (the default: nothing a
test writes outlives it, and nothing has to be truncated) or, for tests that need other
connections to see their writes (workers in threads, subprocesses, real concurrency),
the database itself, emptied afterwards."""

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine

from infra import migrations
from infra.database import WRITE, Database, ReadSession, create_engine, normalise_url
from tests.availability import POSTGRES_URL, reachable, require

# A session waiting this long for the shared connection is waiting on itself.
LOCK_TIMEOUT = 20.0


class SharedConnectionDatabase(Database):
    """Every session on one connection, inside a transaction the test rolls back.

    Sessions join it through savepoints: a write's commit releases its savepoint, a
    failed write rolls back to it, exactly as a real transaction would commit or not.
    One connection runs one statement at a time, so sessions take turns; a task may
    open a session inside its own (they nest as savepoints)."""

    def __init__(self, engine: AsyncEngine, connection: AsyncConnection) -> None:
        super().__init__(engine)
        self.connection = connection
        self._turn = asyncio.Lock()
        self._holder: asyncio.Task | None = None

    @asynccontextmanager
    async def _session(self, savepoint: bool = True, streaming: bool = False) -> AsyncIterator[AsyncSession]:
        task = asyncio.current_task()
        nested = self._holder is task
        if not nested:
            try:
                await asyncio.wait_for(self._turn.acquire(), LOCK_TIMEOUT)
            except TimeoutError:
                raise RuntimeError("A session waited for the test's connection while another task held it: "
                                   "code awaits other work while holding a session open.") from None
            self._holder = task
        try:
            # A write joins through a savepoint so its failure undoes it alone; a read
            # needs none (it changes nothing, and the test's transaction ends in a rollback).
            mode = "create_savepoint" if savepoint else "rollback_only"
            kind = AsyncSession if savepoint or streaming else ReadSession
            async with kind(bind=self.connection, expire_on_commit=False, join_transaction_mode=mode) as session:
                yield session
        finally:
            if not nested:
                self._holder = None
                self._turn.release()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._session(savepoint=False) as session:
            yield session

    def streaming(self) -> AbstractAsyncContextManager[AsyncSession]:
        return self._session(savepoint=False, streaming=True)  # the test's connection is in its transaction

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        async with self._session() as session:
            await session.begin()
            try:
                yield session
            except BaseException:
                await session.rollback()
                raise
            await session.commit()

    @asynccontextmanager
    async def undone(self) -> AsyncIterator[None]:
        """Whatever happens inside is rolled back when the block ends."""
        async with self._session():
            savepoint = await self.connection.begin_nested()
        try:
            yield
        finally:
            async with self._session():
                await savepoint.rollback()

    async def dispose(self) -> None:
        """The engine is the worker's; the test's transaction is rolled back by its fixture."""


def worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


class Base:
    """One engine's migrated database for this worker, made on first use; `prepare`, when
    given, then writes what every test on this database starts from, once."""

    def __init__(self, kind: str, folder: Path, name: str = "trellis",
                 prepare: Callable[[Database], Awaitable[Any]] | None = None) -> None:
        self.kind = kind
        self.folder = folder
        self.name = name
        self.prepare = prepare
        self.prepared: Any = None
        self.url = ""
        self.database: Database | None = None

    async def open(self) -> Database:
        if self.database is None:
            self.url = await asyncio.to_thread(self._create) if self.kind == "postgresql" else self._sqlite()
            await asyncio.to_thread(migrations.upgrade, self.url)
            self.database = Database(create_engine(self.url))
            if self.prepare is not None:
                self.prepared = await self.prepare(self.database)
        return self.database

    def _sqlite(self) -> str:
        path = self.folder / f"{self.name}-{worker()}.db"
        path.unlink(missing_ok=True)
        return f"sqlite+aiosqlite:///{path}"

    def _name(self) -> str:
        return f"{self.name}_test_{worker()}_{os.getpid()}"

    def _create(self) -> str:
        return create_database(self._name())

    async def empty(self) -> None:
        """Everything a committed test wrote goes; ids are never handed out again."""
        assert self.database is not None and self.prepare is None, "a prepared database is only ever rolled back"
        async with self.database.engine.begin() as conn:
            if self.kind == "postgresql":
                tables = (await conn.execute(text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                ))).scalars().all()
                await conn.execute(text(f"TRUNCATE {', '.join(tables)} CASCADE"))
            else:
                await conn.execute(text("PRAGMA defer_foreign_keys = ON"))
                tables = (await conn.execute(text(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN "
                    "('alembic_version', 'sqlite_sequence') AND name NOT LIKE 'sqlite_%'"
                ))).scalars().all()
                for table in tables:
                    await conn.execute(text(f'DELETE FROM "{table}"'))

    async def close(self) -> None:
        if self.database is not None:
            await self.database.dispose()
            if self.kind == "postgresql":
                await asyncio.to_thread(drop_database, self._name())


def postgres_server() -> URL:
    server = make_url(normalise_url(POSTGRES_URL))
    require(reachable(server.host or "127.0.0.1", server.port or 5432),
            f"PostgreSQL is not reachable at {server.host}:{server.port}")
    return server


def create_database(name: str) -> str:
    """A new, empty PostgreSQL database (dropped first if a crashed run left it): its URL."""
    server = postgres_server()
    asyncio.run(_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'))
    return server.set(database=name).render_as_string(hide_password=False)


def drop_database(name: str) -> None:
    asyncio.run(_admin(postgres_server(), f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _admin(server: URL, *statements: str) -> None:
    engine = create_async_engine(server, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        for statement in statements:
            await conn.execute(text(statement))
    await engine.dispose()


@asynccontextmanager
async def rolled_back(base: Database) -> AsyncIterator[SharedConnectionDatabase]:
    """A database whose every write is undone when the block ends."""
    async with base.engine.connect() as connection:
        await connection.execution_options(**{WRITE: True})
        await connection.begin()
        try:
            yield SharedConnectionDatabase(base.engine, connection)
        finally:
            await connection.rollback()


_REFLECTED: dict[str, MetaData] = {}


async def database_state(db: Database) -> dict[str, list[tuple]]:
    """Every row of every table, as the database holds them (reflected, so no model can hide
    one; once per engine, since every test database is migrated alike)."""
    def reflect(connection):  # type: ignore[no-untyped-def]
        metadata = MetaData()
        metadata.reflect(connection)
        return metadata

    async with db.read() as session:
        dialect = db.engine.dialect.name
        if dialect not in _REFLECTED:
            _REFLECTED[dialect] = await (await session.connection()).run_sync(reflect)
        metadata = _REFLECTED[dialect]
        state = {}
        for table in metadata.sorted_tables:
            if table.name == "alembic_version":
                continue
            rows = await session.execute(select(table).order_by(*table.primary_key.columns))
            state[table.name] = [tuple(row) for row in rows]
    return state
