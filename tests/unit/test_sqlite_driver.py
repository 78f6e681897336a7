"""SQLite's driver runs a read on the event loop, and anything else in one trip to
aiosqlite's thread; a read that would hold the loop (a long one, or one that meets a lock)
goes to the thread instead. Answers are SQLAlchemy's own adapter's: rows, row counts, the
last row id, errors by their kind."""

import asyncio
import sqlite3
import threading
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError

from infra import sqlite_driver
from infra.database import create_engine

# A read of some hundred milliseconds or more: it counts to a million and a half.
LONG_READ = ("SELECT (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1500000) "
             "SELECT count(*) FROM n)")


COUNT_AND_PATIENCE = "SELECT count(*), (SELECT * FROM pragma_busy_timeout) FROM t"


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each trip to aiosqlite's thread, by the function it ran there."""
    made: list[str] = []
    real = aiosqlite.Connection._execute

    async def counted(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        made.append(getattr(fn, "__name__", fn))
        return await real(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return made


async def _longest_pause(work: Awaitable[Any]) -> tuple[Any, float, float]:
    """`work`'s answer, how long it took, and the longest the event loop went without
    running another task meanwhile."""
    pauses: list[float] = []
    done = asyncio.Event()

    async def tick() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            pauses.append(now - last)
            last = now

    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0.01)
    start = time.perf_counter()
    try:
        answer = await work
    finally:
        took = time.perf_counter() - start
        done.set()
        await ticker
    return answer, took, max(pauses)


async def test_a_read_makes_no_trip_and_anything_else_one(tmp_path: Path, trips: list[str]) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
        async with engine.connect() as conn:
            trips.clear()
            rows = (await conn.execute(text("SELECT 1 AS one, 'a' AS letter"))).all()
            assert [tuple(r) for r in rows] == [(1, "a")]
            assert trips == []  # the read and its BEGIN ran on the loop
            inserted = await conn.execute(text("INSERT INTO t (name) VALUES ('x'), ('y')"))
            assert inserted.rowcount == 2 and inserted.lastrowid == 2
            assert (await conn.execute(text("UPDATE t SET name = name || '!'"))).rowcount == 2
            with pytest.raises(IntegrityError):
                await conn.execute(text("INSERT INTO t (name) VALUES ('x!')"))
            assert trips == ["_run"] * 3
            # Once a transaction writes, its reads queue on the thread behind its writes.
            assert (await conn.execute(text("SELECT name FROM t ORDER BY id"))).scalars().all() == ["x!", "y!"]
            assert trips == ["_run"] * 4
    finally:
        await engine.dispose()


async def test_a_transaction_s_begin_rollback_and_commit_make_no_trip_of_their_own(
    tmp_path: Path, trips: list[str]
) -> None:
    """A read: BEGIN with its first statement and its rollback, all on the loop; the pool's
    reset after it (nothing begun) and a transaction with no statement make no trip at all.
    A write still commits, in its own trip, and what it wrote is there; a rolled-back
    write's rollback is sent without waiting, and what it wrote is gone before the
    connection's next statement, a read on the loop included."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)"))
        trips.clear()
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
            await conn.rollback()
        assert trips == []
        async with engine.connect() as conn:
            await conn.execute(text("INSERT INTO t (name) VALUES ('undone')"))
            await conn.rollback()
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 0
        assert trips == ["_run", "_run"]  # the insert; the read waited for the rollback there
        trips.clear()
        async with engine.connect() as conn:
            await conn.begin()
            await conn.commit()
        assert trips == []
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO t (name) VALUES ('kept')"))
        assert len(trips) == 2, trips  # the statement (with BEGIN IMMEDIATE), the commit
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT name FROM t"))).scalars().all() == ["kept"]
    finally:
        await engine.dispose()


async def test_a_long_read_goes_to_the_thread_and_the_loop_keeps_running(tmp_path: Path, trips: list[str]) -> None:
    """Past the budget a read is stopped and run on the thread, where the loop runs other
    tasks while it works; the same statement goes straight there from then on."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
            trips.clear()
            count, took, pause = await _longest_pause(conn.execute(text(LONG_READ)))
            assert count.scalar() == 1_500_000
            assert pause < took / 4, (pause, took)
            assert trips == ["_run"]
            trips.clear()
            again, took, pause = await _longest_pause(conn.execute(text(LONG_READ)))
            assert again.scalar() == 1_500_000 and trips == ["_run"]
            assert pause < took / 4, (pause, took)
    finally:
        await engine.dispose()


async def test_a_read_that_meets_a_lock_waits_for_it_on_the_thread(
    tmp_path: Path, trips: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the loop a read waits for no lock: its busy timeout is zero there, and a read
    that finds the database locked goes to the thread, whose statements wait as long as
    the engine's busy timeout allows. (SQLite answers BUSY to a reader in WAL mode only
    while another process recovers or closes the database, so the lock is made here.)"""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}", busy_timeout_ms=5_000)
    real = sqlite_driver._run
    locked_once: list[str] = []

    def busy_on_the_loop(connection, operation, *args):  # type: ignore[no-untyped-def]
        if threading.current_thread() is threading.main_thread() and operation == COUNT_AND_PATIENCE:
            locked_once.append(operation)
            assert connection.execute("SELECT * FROM pragma_busy_timeout").fetchone() == (0,)
            raise sqlite3.OperationalError("database is locked")  # as SQLite says it, code and all
        return real(connection, operation, *args)

    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
            await conn.execute(text("INSERT INTO t DEFAULT VALUES"))
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
            trips.clear()
            with monkeypatch.context() as patch:
                patch.setattr(sqlite_driver, "_run", busy_on_the_loop)
                patch.setattr(sqlite3.OperationalError, "sqlite_errorcode", sqlite3.SQLITE_BUSY, raising=False)
                assert (await conn.execute(text(COUNT_AND_PATIENCE))).one() == (1, 5_000)
            assert len(locked_once) == 1 and len(trips) == 1
            assert (await conn.execute(text("SELECT * FROM pragma_busy_timeout"))).scalar() == 0
            # A lock passes: the statement that met one is read on the loop again.
            assert (await conn.execute(text(COUNT_AND_PATIENCE))).one() == (1, 0)
            assert len(trips) == 1
    finally:
        await engine.dispose()


async def test_a_read_that_waits_rather_than_works_leaves_the_loop_too(tmp_path: Path, trips: list[str]) -> None:
    """A read that takes little CPU but long (here a function that sleeps, as a read from
    a cold disk would wait) is stopped past INLINE_WAIT_SECONDS and finished on the
    thread; not costly in itself, it is tried on the loop again next time."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    event.listen(engine.sync_engine, "connect",
                 lambda connection, _: connection.create_function("nap", 0, lambda: time.sleep(0.002) or 1))
    # Each row naps, and counts to 50 so that SQLite looks at the clocks between naps.
    napping = ("SELECT (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 150) "
               "SELECT sum(nap() + (WITH RECURSIVE m(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM m WHERE j < 50) "
               "SELECT count(*) FROM m)) FROM n)")
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
            trips.clear()
            naps, took, pause = await _longest_pause(conn.execute(text(napping)))
            assert naps.scalar() == 150 * 51 and took >= 0.3
            assert pause < took / 4, (pause, took)
            assert trips == ["_run"] and napping not in sqlite_driver._SENT_TO_THREAD
    finally:
        await engine.dispose()
