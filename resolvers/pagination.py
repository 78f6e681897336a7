"""Keyset pagination: the page and its total are filtered and counted in SQL."""

import base64
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from weakref import WeakKeyDictionary

import orjson
from sqlalchemy import Integer, Select, and_, bindparam, func, or_, select

from domain.errors import Invalid

if TYPE_CHECKING:
    from infra.settings import Settings
    from resolvers.context import RequestContext

T = TypeVar("T")


@dataclass(frozen=True)  # a key of the page statements kept (_page)
class Order:
    column: Any
    descending: bool = False


@dataclass(frozen=True)
class Window:
    """Which page of a list, as Relay asks: `first` items after a cursor, or the `last`
    ones before a cursor. Neither: the list's first page of the default size."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None


@dataclass
class Page(Generic[T]):
    items: list[T]
    cursors: list[str]
    has_next: bool
    has_previous: bool
    # Counts every match, across pages: run only when a caller asks for the total.
    count: Callable[[], Awaitable[int]]

    @classmethod
    def empty(cls) -> "Page[T]":
        """What a caller who may see none of a list gets: nothing, not an error."""
        return cls([], [], False, False, _none)


async def _none() -> int:
    return 0


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(values)).decode()  # one per row of a page: orjson's speed


def decode_cursor(cursor: str, order: list[Order], field: str = "after") -> list[Any]:
    """The sort values inside a cursor, each of its column's type, or VALIDATION."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError:
        values = None
    if (
        not isinstance(values, list)
        or len(values) != len(order)
        or not all(type(v) is o.column.type.python_type for v, o in zip(values, order, strict=True))
    ):
        raise Invalid(f"{field} is not a cursor from this list.", field)
    return values


def check_size(value: int, maximum: int, field: str = "first") -> None:
    if not 1 <= value <= maximum:
        raise Invalid(f"{field} must be between 1 and {maximum}.", field)


AFTER, BEFORE, LIMIT = "cursor_after_", "cursor_before_", "page_limit"


def _bound(name: str, values: list[Any]) -> dict[str, Any]:
    return {f"{name}{i}": value for i, value in enumerate(values)}


def _beyond(order: tuple[Order, ...], name: str, *, forward: bool) -> Any:
    """Rows strictly after the cursor bound as `name` in the given order (before it,
    unless `forward`), as one SQL condition."""
    values = [bindparam(f"{name}{i}", type_=key.column.type) for i, key in enumerate(order)]
    clauses = []
    for i, key in enumerate(order):
        equal = [order[j].column == values[j] for j in range(i)]
        step = key.column < values[i] if key.descending == forward else key.column > values[i]
        clauses.append(and_(*equal, step))
    return or_(*clauses)


def _size(window: Window, settings: "Settings") -> tuple[int, bool]:
    """How many rows the page holds, and whether it is taken from the end (`last`)."""
    if window.first is not None and window.last is not None:
        raise Invalid("Pass first or last, not both.", "last")
    if window.last is not None:
        check_size(window.last, settings.max_page_size, "last")
        return window.last, True
    size = window.first if window.first is not None else settings.default_page_size
    check_size(size, settings.max_page_size)
    return size, False


async def paginate(ctx: "RequestContext", stmt: Select, order: list[Order], window: Window) -> Page[Any]:
    """`stmt` selects the rows (one entity, or a tuple whose last items are the order keys);
    the page is the window's, in the list's order either way."""
    size, from_end = _size(window, ctx.settings)
    values: dict[str, Any] = {LIMIT: size + 1}
    if window.after is not None:
        values |= _bound(AFTER, decode_cursor(window.after, order))
    if window.before is not None:
        values |= _bound(BEFORE, decode_cursor(window.before, order, "before"))
    page_stmt = _page(stmt, tuple(order), from_end, window.after is not None, window.before is not None)
    async with ctx.db.read() as session:
        rows = (await session.execute(page_stmt, values)).all()
    more = len(rows) > size
    rows = rows[:size][::-1] if from_end else rows[:size]
    keys = len(order)
    items = [row[0] if len(row) - keys == 1 else tuple(row[:-keys]) for row in rows]
    cursors = [encode_cursor(list(row[-keys:])) for row in rows]

    async def count() -> int:
        async with ctx.db.read() as session:
            return (await session.execute(_counted(stmt))).scalar_one()

    return Page(items, cursors, count=count,
                has_next=window.before is not None if from_end else more,
                has_previous=more if from_end else window.after is not None)


# The page and count statements of a list's statement, kept while it lives: one built once
# (a school's progress, once per school and day) serves every request, where SQLAlchemy
# walks a new statement whole to find its compiled form, a tenth of a page of 500's time.
# The page's size and a cursor's values are bound at execution; one built for a request
# goes with it.
_pages: "WeakKeyDictionary[Select, dict[tuple[Any, ...], Select]]" = WeakKeyDictionary()
_counts: "WeakKeyDictionary[Select, Select]" = WeakKeyDictionary()
SHAPES = 16  # kept per statement; one order makes 8 (from the end or not, each cursor or not)


def _page(stmt: Select, order: tuple[Order, ...], from_end: bool, after: bool, before: bool) -> Select:
    shapes, shape = _pages.setdefault(stmt, {}), (order, from_end, after, before)
    if shape not in shapes:
        if len(shapes) >= SHAPES:  # a lasting statement paged by orders built per request
            shapes.clear()
        page = stmt
        if after:
            page = page.where(_beyond(order, AFTER, forward=True))
        if before:
            page = page.where(_beyond(order, BEFORE, forward=False))
        shapes[shape] = page.add_columns(*(o.column for o in order)).order_by(
            *(o.column.desc() if o.descending != from_end else o.column.asc() for o in order)
        ).limit(bindparam(LIMIT, type_=Integer))
    return shapes[shape]


def _counted(stmt: Select) -> Select:
    count = _counts.get(stmt)
    if count is None:
        count = _counts[stmt] = select(func.count()).select_from(stmt.order_by(None).subquery())
    return count


async def by_id(ctx: "RequestContext", stmt: Select, id_column: Any, window: Window, *,
                newest_first: bool = True) -> Page[Any]:
    """A page of a log-like list ordered by its id alone, newest first unless asked."""
    return await paginate(ctx, stmt, [Order(id_column, descending=newest_first)], window)
