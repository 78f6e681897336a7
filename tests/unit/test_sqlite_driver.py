"""SQLite's driver makes one trip to aiosqlite's thread per statement, and answers as
SQLAlchemy's own adapter does: rows, row counts, the last row id, errors by their kind."""

from pathlib import Path

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from infra.database import create_engine


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


async def test_one_trip_per_statement_with_rows_counts_and_errors(tmp_path: Path, trips: list[str]) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
        async with engine.connect() as conn:
            trips.clear()
            rows = (await conn.execute(text("SELECT 1 AS one, 'a' AS letter"))).all()
            assert [tuple(r) for r in rows] == [(1, "a")]
            assert trips == ["_run"]  # the read's BEGIN travels with its statement
            inserted = await conn.execute(text("INSERT INTO t (name) VALUES ('x'), ('y')"))
            assert inserted.rowcount == 2 and inserted.lastrowid == 2
            assert (await conn.execute(text("UPDATE t SET name = name || '!'"))).rowcount == 2
            with pytest.raises(IntegrityError):
                await conn.execute(text("INSERT INTO t (name) VALUES ('x!')"))
    finally:
        await engine.dispose()


async def test_a_transaction_s_begin_rollback_and_commit_make_no_trip_of_their_own(
    tmp_path: Path, trips: list[str]
) -> None:
    """A read: BEGIN with its first statement, and its rollback sent without waiting for
    it; the pool's reset after it (nothing begun) and a transaction with no statement make
    no trip at all. A write still commits, in its own trip, and what it wrote is there;
    what a rolled-back write wrote is gone before the connection's next statement."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)"))
        trips.clear()
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
            await conn.rollback()
        assert trips == ["_run"]  # the statement (with BEGIN); the rollback is not waited for; no reset
        async with engine.connect() as conn:
            await conn.execute(text("INSERT INTO t (name) VALUES ('undone')"))
            await conn.rollback()
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 0
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
