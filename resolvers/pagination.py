"""Keyset pagination: the page and its total are filtered and counted in SQL."""

import base64
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Invalid

if TYPE_CHECKING:
    from resolvers.context import RequestContext

T = TypeVar("T")


@dataclass
class Order:
    column: Any
    descending: bool = False


@dataclass
class Page(Generic[T]):
    items: list[T]
    cursors: list[str]
    has_next: bool
    has_previous: bool
    total: int

    @classmethod
    def empty(cls) -> "Page[T]":
        """What a caller who may see none of a list gets: nothing, not an error."""
        return cls([], [], False, False, 0)


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


def decode_cursor(cursor: str, order: list[Order]) -> list[Any]:
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
        raise Invalid("after is not a cursor from this list.", "after")
    return values


def check_first(first: int, maximum: int) -> None:
    if not 1 <= first <= maximum:
        raise Invalid(f"first must be between 1 and {maximum}.", "first")


def _after(order: list[Order], values: list[Any]) -> Any:
    """Rows strictly after the cursor in the given order, as one SQL condition."""
    clauses = []
    for i, key in enumerate(order):
        equal = [order[j].column == values[j] for j in range(i)]
        step = key.column < values[i] if key.descending else key.column > values[i]
        clauses.append(and_(*equal, step))
    return or_(*clauses)


async def paginate(
    session: AsyncSession,
    stmt: Select,
    order: list[Order],
    *,
    first: int,
    after: str | None,
    maximum: int,
) -> Page[Any]:
    """`stmt` selects the rows (one entity, or a tuple whose last items are the order keys)."""
    check_first(first, maximum)
    total = (await session.execute(select(func.count()).select_from(stmt.order_by(None).subquery()))).scalar_one()
    page_stmt = stmt
    if after is not None:
        page_stmt = page_stmt.where(_after(order, decode_cursor(after, order)))
    page_stmt = page_stmt.add_columns(*(o.column for o in order)).order_by(
        *(o.column.desc() if o.descending else o.column.asc() for o in order)
    ).limit(first + 1)
    rows = (await session.execute(page_stmt)).all()
    keys = len(order)
    items = [row[0] if len(row) - keys == 1 else tuple(row[:-keys]) for row in rows[:first]]
    cursors = [encode_cursor(list(row[-keys:])) for row in rows[:first]]
    return Page(items, cursors, has_next=len(rows) > first, has_previous=after is not None, total=total)


async def by_id(ctx: "RequestContext", stmt: Select, id_column: Any, *, first: int, after: str | None,
                newest_first: bool = True) -> Page[Any]:
    """A page of a log-like list ordered by its id alone, newest first unless asked."""
    async with ctx.db.read() as session:
        return await paginate(session, stmt, [Order(id_column, descending=newest_first)],
                              first=first, after=after, maximum=ctx.settings.max_page_size)
