"""SQLite through aiosqlite, one hand-off per statement.

SQLAlchemy's aiosqlite adapter makes four trips to aiosqlite's thread for each statement
(open a cursor, execute, fetch, close), and each trip wakes the event loop. Here a
statement is one trip: the thread executes it, fetches its rows and closes its cursor,
and hands back rows, description, rowcount and lastrowid together. A transaction's BEGIN
travels with its first statement, a rollback is sent without waiting for it (the
connection's next statement queues behind it on the same thread), and a rollback or commit
with nothing begun makes no trip (the pool's reset after a session's own rollback). Everything else is SQLAlchemy's own
adapter. It reads aiosqlite's `_execute` and `_conn`, so aiosqlite is pinned
(constraints.txt) and the whole suite runs on this driver.
"""

import collections
import functools
import logging
import sqlite3
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection, AsyncAdapt_aiosqlite_cursor, AsyncAdapt_aiosqlite_dbapi,
)


log = logging.getLogger("trellis.db")
BEGINS = ("BEGIN", "BEGIN IMMEDIATE")  # what infra/database.py's begin listener sends


def _run(connection: sqlite3.Connection, operation: str, parameters: Any,
         begin: str | None = None) -> tuple[Any, int, int | None, list[Any]]:
    """On aiosqlite's thread: the transaction's BEGIN if it is still to be sent, then the
    statement, start to finish."""
    if begin is not None:
        connection.execute(begin)
    cursor = connection.cursor()
    try:
        cursor.execute(operation, () if parameters is None else parameters)
        rows = cursor.fetchall() if cursor.description else []
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


def _roll_back(connection: sqlite3.Connection) -> None:
    """On aiosqlite's thread, with no one waiting for it: a failure is logged."""
    try:
        connection.rollback()
    except Exception:
        log.exception("rolling back a SQLite transaction failed")


class _NoCursor:
    """Stands in for an aiosqlite cursor that was never opened."""

    description = None
    rowcount = -1
    lastrowid = None
    arraysize = 1

    async def close(self) -> None:
        return None


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ("_description", "_rowcount", "_lastrowid")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        super().__init__(adapt_connection)

    def _make_new_cursor(self, connection: Any) -> Any:
        return _NoCursor()

    def _aenter_cursor(self, cursor: Any) -> Any:
        return cursor

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    def close(self) -> None:
        self._rows.clear()

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        adapt: OneTripConnection = self._adapt_connection  # type: ignore[assignment]
        if operation in BEGINS and not parameters:
            adapt.begin = operation  # sent with the next statement
            self._description, self._rowcount, self._lastrowid = None, -1, None
            return
        async with adapt._execute_mutex:
            driver: aiosqlite.Connection = self._connection  # type: ignore[assignment]
            begin, adapt.begin = adapt.begin, None
            self._description, self._rowcount, self._lastrowid, rows = await driver._execute(
                _run, driver._conn, operation, parameters, begin
            )
            self._rows = collections.deque(rows)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        async with self._adapt_connection._execute_mutex:
            driver: aiosqlite.Connection = self._connection  # type: ignore[assignment]

            adapt: OneTripConnection = self._adapt_connection  # type: ignore[assignment]
            begin, adapt.begin = adapt.begin, None

            def run(connection: sqlite3.Connection) -> tuple[int, int | None]:
                if begin is not None:
                    connection.execute(begin)
                cursor = connection.cursor()
                try:
                    cursor.executemany(operation, seq_of_parameters)
                    return cursor.rowcount, cursor.lastrowid
                finally:
                    cursor.close()

            self._description = None
            self._rowcount, self._lastrowid = await driver._execute(run, driver._conn)


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("begin",)
    _cursor_cls = OneTripCursor

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.begin: str | None = None  # a BEGIN not yet sent

    def _nothing_begun(self) -> bool:
        if self.begin is not None:
            self.begin = None  # begun and ended with no statement between: nothing to send
            return True
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        return connection._connection is not None and not connection.in_transaction

    def rollback(self) -> None:
        """Sent, not waited for: the connection's next statement queues behind it on the
        same thread, so nothing can run inside the transaction being ended."""
        if self._nothing_begun():
            return
        driver: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        driver._tx.put_nowait((None, functools.partial(_roll_back, driver._conn)))

    def commit(self) -> None:
        if not self._nothing_begun():
            super().commit()


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection)


def dbapi() -> OneTripDBAPI:
    return OneTripDBAPI(aiosqlite, sqlite3)
