"""The one path by which objects reach an answer.

A node type declares the ability it takes to see one of its objects (GitLab's
`authorize :read_group` on a type). Every node handed out, fetched by id, nested in
another object, listed in a page or returned by a mutation, is made here, and only
after the policy said the caller may see it; its private constructor `_from_row` is
called nowhere else (a test holds the code to that). The facts the policy needs are
read with the rows (resolvers/targets.py), and each object keeps them, so a field
nested in it asks the policy about it without reading again.
"""

from collections.abc import Awaitable, Iterable, Sequence
from typing import Any, ClassVar, Self, TypeVar

import strawberry
from sqlmodel import SQLModel
from strawberry import relay

from permissions import policy
from permissions.policy import Ability, Subject
from resolvers import targets
from resolvers.pagination import Page
from schema.connection import Connection, connected

N = TypeVar("N", bound="SecuredNode")

_NODE_TYPES: dict[str, type["SecuredNode"]] = {}


class SecuredNode(relay.Node):
    """A node the policy guards: `ability` lets one see it; `model` is its table."""

    ability: ClassVar[Ability]
    model: ClassVar[type[SQLModel]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _NODE_TYPES[cls.__name__] = cls

    @classmethod
    def _from_row(cls, row: Any) -> Self:
        """The unchecked constructor: only this module calls it."""
        raise NotImplementedError

    @classmethod
    async def resolve_nodes(
        cls, *, info: strawberry.Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        keys = [int(i) if str(i).isdigit() else 0 for i in node_ids]
        return await nodes(info, cls, keys)


def node_type(name: str) -> type["SecuredNode"]:
    """A node type by its name, so modules need not import each other to make nodes."""
    return _NODE_TYPES[name]


def about(obj: Any, subject: Subject) -> Any:
    """Remember what the policy knows of the object a value stands for, so that fields
    nested in it are decided against it."""
    object.__setattr__(obj, "_subject", subject)
    return obj


def subject_of(obj: Any) -> Subject | None:
    return getattr(obj, "_subject", None)


def _made(info: strawberry.Info, cls: type[N], row: Any, subject: Subject) -> N | None:
    if not policy.can_on(info.context.principal, cls.ability, subject):
        return None
    return about(cls._from_row(row), subject)


def _resolve(cls: type[N] | str) -> type[N]:
    return node_type(cls) if isinstance(cls, str) else cls  # type: ignore[return-value]


def local(info: strawberry.Info, cls: type[N] | str, row: Any) -> N | None:
    """A row already read, of a kind whose facts it holds itself, as its node if the
    caller may see it."""
    if row is None:
        return None
    kind = _resolve(cls)
    subject = targets.local_subject(kind.model, row)
    if subject is None:
        raise TypeError(f"{kind.__name__}'s facts are not in its row; use rows()")
    return _made(info, kind, row, subject)


async def nodes(info: strawberry.Info, cls: type[N] | str, ids: Sequence[int | None]) -> list[N | None]:
    """Objects by id, None where none exists or the caller may not see it."""
    kind = _resolve(cls)
    found = await info.context.loaders.targets(kind.model).load_many([i or 0 for i in ids])
    return [None if f is None else _made(info, kind, f.row, f.subject) for f in found]


async def nodes_by_id(info: strawberry.Info, cls: type[N] | str, ids: Iterable[int | None]) -> dict[int, N]:
    """The objects a list's rows name, each made once however many rows name it (and
    completed once, schema/execution.py), by id; those the caller may not see are left out."""
    wanted = [pk for pk in dict.fromkeys(ids) if pk is not None]
    return {pk: made for pk, made in zip(wanted, await nodes(info, cls, wanted), strict=True) if made is not None}


def node_soon(info: strawberry.Info, cls: type[N] | str, pk: int | None) -> N | None | Awaitable[N | None]:
    """`node`, answered at once when the request has the object already (a use case read
    it with its rows, Loaders.known): a field resolved this way needs no await, and
    graphql-core awaits the answer only when it is one."""
    if pk is None:
        return None
    kind = _resolve(cls)
    future = info.context.loaders.targets(kind.model).cache_map.get(pk)
    if future is not None and future.done() and not future.exception():
        found = future.result()
        return None if found is None else _made(info, kind, found.row, found.subject)
    return node(info, kind, pk)


async def node(info: strawberry.Info, cls: type[N] | str, pk: int | None) -> N | None:
    if pk is None:
        return None
    (found,) = await nodes(info, cls, [pk])
    return found


async def rows(info: strawberry.Info, cls: type[N] | str, items: Sequence[Any]) -> list[N | None]:
    """Rows already read (a page, a join), each made into its node if the caller may see
    it. An item may bring its facts along, as (row, Subject); otherwise they come from
    the row itself or, for kinds whose facts live elsewhere, one batched statement that
    reads the node's whole source with them."""
    kind = _resolve(cls)
    pairs = [item if _with_facts(item) else (item, targets.local_subject(kind.model, item)) for item in items]
    missing = [row.id for row, subject in pairs if subject is None]
    if missing:
        loaded = await info.context.loaders.targets(kind.model).load_many(missing)
        found = {pk: (f.row, f.subject) for pk, f in zip(missing, loaded, strict=True) if f is not None}
        pairs = [(row, subject) if subject is not None else found.get(row.id, (row, None)) for row, subject in pairs]
    return [None if subject is None else _made(info, kind, row, subject) for row, subject in pairs]


def _with_facts(item: Any) -> bool:
    return isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], Subject)


async def shown(info: strawberry.Info, cls: type[N] | str, row: Any) -> N:
    """The node of an object the caller just acted on: they may see it, or the policy
    contradicts itself, which is a bug and ends the request."""
    (made,) = await rows(info, cls, [row])
    if made is None:
        raise RuntimeError(f"the policy lets the caller act on {_resolve(cls).__name__} {row.id} but not see it")
    return made


async def connection(
    info: strawberry.Info, cls: type[N] | str, page: Page[Any], row_of: Any = None
) -> Connection[N]:
    """A page of rows as a connection of the nodes the caller may see. `row_of` picks
    the row (or (row, Subject)) out of each item when items are wider."""
    items = [row_of(item) for item in page.items] if row_of else list(page.items)
    return connected(page, await rows(info, cls, items))
