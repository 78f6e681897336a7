"""SQLite through aiosqlite: a read on the event loop, anything else in one hand-off.

SQLAlchemy's aiosqlite adapter makes four trips to aiosqlite's thread for each statement
(open a cursor, execute, fetch, close), and each trip wakes the event loop and the thread:
some 100 µs of CPU on this kind of machine, where the learning path's reads take 30 to
90 µs. So:

- A read (a SELECT outside a write transaction, with nothing of the connection's still
  running on its thread) runs on the event loop itself, with a busy timeout of zero and
  SQLite's progress handler watching the clocks: past `INLINE_BUDGET_SECONDS` of CPU (and
  then every later run of the same statement too), past `INLINE_WAIT_SECONDS` in all, or
  meeting a lock, it is stopped and sent to the thread instead. So no read holds the loop
  much longer than that, and a lock is waited for on the thread, as long as the busy
  timeout allows.
- Anything else is one trip: the thread executes it, fetches its rows and closes its
  cursor, and hands back rows, description, rowcount and lastrowid together, after setting
  the busy timeout back if a read had set it to zero.
- A transaction's BEGIN travels with its first statement; a read's rollback runs on the
  loop, a write's is sent without waiting for it (the connection's next statement queues
  behind it on the same thread); a rollback or commit with nothing begun makes no trip.

Everything else is SQLAlchemy's own adapter. It reads aiosqlite's `_execute`, `_tx` and
`_conn`, so aiosqlite is pinned (constraints.txt) and the whole suite runs on this driver.
"""

import collections
import functools
import logging
import sqlite3
import time
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection, AsyncAdapt_aiosqlite_cursor, AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util.concurrency import await_only


log = logging.getLogger("trellis.db")
BEGINS = ("BEGIN", "BEGIN IMMEDIATE")  # what infra/database.py's begin listener sends
WRITE_BEGIN = "BEGIN IMMEDIATE"
INLINE_BUDGET_SECONDS = 0.002  # the most CPU a read may spend on the event loop
INLINE_WAIT_SECONDS = 0.01  # the longest it may hold the loop, waiting on the disk or the GIL
_CHECK_EVERY = 1000  # SQLite VM steps between looks at the clocks
_SENT_TO_THREAD: set[str] = set()  # reads that once outran the CPU budget
_REMEMBERED = 1024  # statements kept in it, at most; it starts again when full
_GIVE_WAY = {sqlite3.SQLITE_INTERRUPT, sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}


def _ready(connection: sqlite3.Connection, begin: str | None, patience_ms: int | None) -> None:
    """On the thread, before a statement: the busy timeout set back to `patience_ms` and
    the transaction's BEGIN sent, where either is still to do."""
    if patience_ms is not None:
        connection.execute(f"PRAGMA busy_timeout={int(patience_ms)}")
    if begin is not None:
        connection.execute(begin)


def _run(connection: sqlite3.Connection, operation: str, parameters: Any, begin: str | None = None,
         patience_ms: int | None = None) -> tuple[Any, int, int | None, list[Any]]:
    """The statement, start to finish, once the connection is `_ready`."""
    _ready(connection, begin, patience_ms)
    cursor = connection.cursor()
    try:
        cursor.execute(operation, () if parameters is None else parameters)
        rows = cursor.fetchall() if cursor.description else []
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


def _read_schema(connection: sqlite3.Connection) -> None:
    connection.execute("SELECT count(*) FROM sqlite_schema").fetchall()


def _roll_back(adapt: "OneTripConnection", connection: sqlite3.Connection) -> None:
    """On aiosqlite's thread, with no one waiting for it: a failure is logged."""
    try:
        connection.rollback()
    except Exception:
        log.exception("rolling back a SQLite transaction failed")
    finally:
        adapt.done += 1


def _read_here(adapt: "OneTripConnection", connection: sqlite3.Connection, operation: str,
               parameters: Any) -> tuple[Any, int, int | None, list[Any]] | None:
    """On the event loop: the read, or None when it outran a budget or met a lock (and
    then its transaction is as it was before it). A read that outran its CPU budget is
    costly in itself and goes to the thread from then on; one that waited (on the disk,
    or for the GIL while other threads worked) or met a lock is tried here again next time."""
    if not adapt.impatient:
        connection.execute("PRAGMA busy_timeout=0")  # a lock is the thread's to wait for
        adapt.impatient = True
    costly = False
    spend_until = time.thread_time() + INLINE_BUDGET_SECONDS
    wait_until = time.perf_counter() + INLINE_WAIT_SECONDS

    def stop() -> bool:
        nonlocal costly
        costly = time.thread_time() > spend_until
        return costly or time.perf_counter() > wait_until

    connection.set_progress_handler(stop, _CHECK_EVERY)
    try:
        return _run(connection, operation, parameters)
    except sqlite3.OperationalError as error:
        if error.sqlite_errorcode & 0xFF not in _GIVE_WAY:
            raise
        if costly:
            if len(_SENT_TO_THREAD) >= _REMEMBERED:
                _SENT_TO_THREAD.clear()
            _SENT_TO_THREAD.add(operation)
        return None
    finally:
        connection.set_progress_handler(None, 0)


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
            if begin == WRITE_BEGIN or not operation.startswith("SELECT"):
                adapt.writing = True
            answer = None
            if not adapt.writing and adapt.idle() and operation not in _SENT_TO_THREAD:
                if begin is not None:
                    driver._conn.execute(begin)
                    begin = None
                answer = _read_here(adapt, driver._conn, operation, parameters)
            if answer is None:
                answer = await driver._execute(_run, driver._conn, operation, parameters, begin, adapt.patience())
                # Outside a transaction (a connection's PRAGMAs) nothing was written for a later read to wait on.
                adapt.writing = adapt.writing and driver._conn.in_transaction
            self._description, self._rowcount, self._lastrowid, rows = answer
            self._rows = collections.deque(rows)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        async with self._adapt_connection._execute_mutex:
            driver: aiosqlite.Connection = self._connection  # type: ignore[assignment]

            adapt: OneTripConnection = self._adapt_connection  # type: ignore[assignment]
            begin, adapt.begin = adapt.begin, None
            adapt.writing = True
            patience_ms = adapt.patience()

            def run(connection: sqlite3.Connection) -> tuple[int, int | None]:
                _ready(connection, begin, patience_ms)
                cursor = connection.cursor()
                try:
                    cursor.executemany(operation, seq_of_parameters)
                    return cursor.rowcount, cursor.lastrowid
                finally:
                    cursor.close()

            self._description = None
            self._rowcount, self._lastrowid = await driver._execute(run, driver._conn)


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("begin", "writing", "impatient", "patience_ms", "sent", "done")
    _cursor_cls = OneTripCursor

    def __init__(self, *args: Any, patience_ms: int) -> None:
        super().__init__(*args)
        self.begin: str | None = None  # a BEGIN not yet sent
        self.writing = False  # the transaction writes, or may: its statements go to the thread
        self.impatient = False  # a read on the loop set the busy timeout to zero
        self.patience_ms = patience_ms
        # Rollbacks sent to the thread without waiting, and those it has run: each
        # counter is written by one thread only.
        self.sent = 0
        self.done = 0

    def idle(self) -> bool:
        """Nothing of this connection's is running or waiting on its thread."""
        return self.sent == self.done

    def patience(self) -> int | None:
        """The busy timeout a trip to the thread must set back first, if a read changed it."""
        if not self.impatient:
            return None
        self.impatient = False
        return self.patience_ms

    def _nothing_begun(self) -> bool:
        if self.begin is not None:
            self.begin = None  # begun and ended with no statement between: nothing to send
            return True
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        return connection._connection is not None and not connection.in_transaction

    def rollback(self) -> None:
        """Sent, not waited for: the connection's next statement queues behind it on the
        same thread, so nothing can run inside the transaction being ended."""
        writing, self.writing = self.writing, False
        if self._nothing_begun():
            return
        driver: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        if not writing and self.idle():
            driver._conn.rollback()  # a read's: nothing to undo
            return
        self.sent += 1
        driver._tx.put_nowait((None, functools.partial(_roll_back, self, driver._conn)))

    def commit(self) -> None:
        self.writing = False
        if not self._nothing_begun():
            super().commit()


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        # Reads run on the event loop's thread, on a connection aiosqlite's thread opened.
        kw["check_same_thread"] = False
        adapted = super().connect(*arg, **kw)
        driver: aiosqlite.Connection = adapted._connection  # type: ignore[assignment]
        # The schema is read on the connection's thread, not by its first read on the loop.
        await_only(driver._execute(_read_schema, driver._conn))
        return OneTripConnection(self, driver, patience_ms=int(kw.get("timeout", 5.0) * 1000))


def dbapi() -> OneTripDBAPI:
    return OneTripDBAPI(aiosqlite, sqlite3)
