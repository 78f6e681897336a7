"""One engine factory for SQLite and PostgreSQL, and the unit-of-work sessions.

SQLite: WAL so readers never block the writer, a busy timeout so a second process
waits instead of failing, foreign keys on, and every write transaction opened with
BEGIN IMMEDIATE so two writers never deadlock upgrading a read lock. Within one
process writes also queue on an asyncio lock, so they wait in order rather than in
SQLite's busy loop.
"""

import asyncio
import hashlib
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from infra import sqlite_driver

WRITE = "trellis_write"


def normalise_url(url: str) -> str:
    """Accept plain postgres:// and sqlite:// URLs and pick the async drivers."""
    if url.startswith(("postgres://", "postgresql://")):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + url.split("://", 1)[1]
    return url


def is_sqlite(url: str) -> bool:
    return make_url(normalise_url(url)).get_backend_name() == "sqlite"


def local_clock(stored: str | None, zone: str | None) -> str | None:
    """SQLite's stand-in for PostgreSQL's `timezone(zone, instant)`: the wall-clock time
    ('YYYY-MM-DD HH:MM:SS') in `zone` of an instant stored as naive UTC text."""
    if stored is None or zone is None:
        return None
    instant = datetime.fromisoformat(stored).replace(tzinfo=UTC)
    return instant.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M:%S")


def md5(text: str | None) -> str | None:
    """SQLite's stand-in for PostgreSQL's `md5(text)`: the hex MD5 of its UTF-8."""
    return None if text is None else hashlib.md5(text.encode()).hexdigest()  # noqa: S324 - a fingerprint


def conflict_insert(session: AsyncSession, model: type) -> Any:
    """INSERT into `model` in the session's dialect, which can skip rows whose key is taken
    (`.on_conflict_do_nothing`): both engines spell it the same."""
    return (postgresql if session.bind.dialect.name == "postgresql" else sqlite).insert(model)


# Connections each process keeps open. A request holds one from its first read to its
# end, so fewer than the requests in flight means opening and closing connections under
# load (a new SQLite connection is a thread, a PostgreSQL one a server process): with 5,
# 20 concurrent learning-path requests ran at 0.7x the throughput they have with 20.
POOL_SIZE = 20


def create_engine(url: str, busy_timeout_ms: int = 30_000, statement_timeout_ms: int | None = None,
                  pool_size: int = POOL_SIZE, ping: bool = True) -> AsyncEngine:
    """`statement_timeout_ms` bounds each PostgreSQL statement (the API's request budget;
    workers and the scheduler run without one). PostgreSQL writes dates as ISO text
    whatever the server's DateStyle, as SQLite stores them: gathered rows carry dates.

    A PostgreSQL connection the server closed (a restart, a terminated backend) is
    replaced when it is checked out. asyncpg learns of the close when its event loop
    reads the socket: the API's loop always runs, so for it that is enough (`ping=False`).
    A worker's loop runs only while it handles a message, so its engines also ask the
    server on each checkout (pool_pre_ping: three round trips on asyncpg, BEGIN, a ping
    and ROLLBACK, which cost a request 0.24 ms of CPU)."""
    url = normalise_url(url)
    if not is_sqlite(url):
        server = {"DateStyle": "ISO, YMD"}
        if statement_timeout_ms:
            server["statement_timeout"] = str(statement_timeout_ms)
        engine = create_async_engine(url, pool_size=pool_size, pool_pre_ping=ping,
                                     connect_args={"server_settings": server})

        @event.listens_for(engine.sync_engine, "checkout")
        def _closed_by_server(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
            if dbapi_connection.driver_connection.is_closed():
                raise DisconnectionError()

        return engine

    database = make_url(url).database
    pooled: dict[str, Any] = {}
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
        pooled["pool_size"] = pool_size  # an in-memory database has one connection, not a pool
    engine = create_async_engine(url, module=sqlite_driver.dbapi(), connect_args={"timeout": busy_timeout_ms / 1000},
                                 **pooled)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Transactions are begun by the "begin" listener below, not by the driver.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        dbapi_connection.create_function("local_clock", 2, local_clock, deterministic=True)
        dbapi_connection.create_function("md5", 1, md5, deterministic=True)

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        write = connection.get_execution_options().get(WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


class ReadSession(AsyncSession):
    """A read session. On PostgreSQL its statements run outside a transaction, where a
    server-side cursor cannot live, so it refuses to stream on every engine alike."""

    async def stream(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("A read session does not stream: use Database.streaming(), whose session keeps the "
                        "transaction a server-side cursor needs.")

    stream_scalars = stream


class Database:
    """Hands out sessions: a read session per resolver, one write session per mutation."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        self._write_lock = asyncio.Lock() if self.sqlite else None
        # PostgreSQL reads run outside a transaction: under READ COMMITTED each statement
        # sees what was committed before it either way, and a request's BEGIN and ROLLBACK
        # were two round trips (0.19 ms of CPU) for nothing. SQLite's read BEGIN costs nothing.
        self._reader = engine if self.sqlite else engine.execution_options(isolation_level="AUTOCOMMIT")

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with ReadSession(self._reader, expire_on_commit=False) as session:
            yield session

    @asynccontextmanager
    async def streaming(self) -> AsyncIterator[AsyncSession]:
        """A read whose rows are streamed (`session.stream`): on PostgreSQL a server-side
        cursor, which lives only in a transaction."""
        async with AsyncSession(self.engine, expire_on_commit=False) as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """One transaction: commits when the block ends, rolls back if it raises."""
        if self._write_lock is None:
            async with self._transaction() as session:
                yield session
            return
        async with self._write_lock, self._transaction() as session:
            yield session

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncSession]:
        async with AsyncSession(self.engine, expire_on_commit=False) as session:
            await session.connection(execution_options={WRITE: True})
            try:
                yield session
            except BaseException:
                await session.rollback()
                raise
            await session.commit()

    async def dispose(self) -> None:
        await self.engine.dispose()

    def for_request(self) -> "RequestDatabase":
        return RequestDatabase(self)


class RequestDatabase:
    """One request's view of the database: all its reads share one session, taken in
    turns (a task may nest reads inside its own), so a request pays for one transaction
    and one pooled connection however many fields read; each write is still its own
    transaction, and ends the shared read first so what follows sees what it committed.
    `close()` ends the shared read when the request is done."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.engine = db.engine
        self.sqlite = db.sqlite
        self._turn = asyncio.Lock()
        self._holder: asyncio.Task | None = None
        self._open: AsyncExitStack | None = None
        self._session: AsyncSession | None = None

    @asynccontextmanager
    async def _taken(self) -> AsyncIterator[None]:
        task = asyncio.current_task()
        if self._holder is task:
            yield
            return
        async with self._turn:
            self._holder = task
            try:
                yield
            finally:
                self._holder = None

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._taken():
            if self._session is None:
                self._open = AsyncExitStack()
                self._session = await self._open.enter_async_context(self.db.read())
            yield self._session

    def streaming(self) -> AbstractAsyncContextManager[AsyncSession]:
        """A streamed read, in a session of its own (see Database.streaming)."""
        return self.db.streaming()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        async with self._taken():
            await self._end_read()
            async with self.db.write() as session:
                yield session

    async def _end_read(self) -> None:
        if self._open is not None:
            opened, self._open, self._session = self._open, None, None
            await opened.aclose()

    async def close(self) -> None:
        async with self._taken():
            await self._end_read()
