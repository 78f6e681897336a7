"""Relay cursor connections, filled from a resolvers.pagination.Page."""

from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any, Generic, TypeVar

import strawberry

from infra.settings import Settings
from resolvers.pagination import Page
from schema.limits import SEARCH_LENGTH

N = TypeVar("N")

# The arguments every list takes, described once.
_PAGES = Settings.model_fields
First = Annotated[int | None, strawberry.argument(description=(
    f"How many items to return: 1 to the service's largest page ({_PAGES['max_page_size'].default} unless "
    f"configured otherwise); left out, its default page ({_PAGES['default_page_size'].default}). Out of range is "
    "a VALIDATION error naming `first`."
))]
After = Annotated[str | None, strawberry.argument(description=(
    "Continue after this cursor: `pageInfo.endCursor` (or an edge's `cursor`) from the same list. Left out, the "
    "list starts at its beginning; a cursor from elsewhere is a VALIDATION error naming `after`."
))]
Last = Annotated[int | None, strawberry.argument(description=(
    "How many items to return from the end of the list (or from just before `before`): 1 to the largest page. "
    "The page keeps the list's order. Not together with `first` (a VALIDATION error naming `last`)."
))]
Before = Annotated[str | None, strawberry.argument(description=(
    "Stop before this cursor: `pageInfo.startCursor` from the same list, to page backwards with `last`. A cursor "
    "from elsewhere is a VALIDATION error naming `before`."
))]


def _search(what: str) -> Any:
    """A list's `search` argument, matching `what`."""
    return Annotated[str | None, strawberry.argument(description=(
        f"Only those whose {what} contains this text, in any case (up to {SEARCH_LENGTH} characters)."
    ))]


SearchName = _search("name")
SearchNameOrEmail = _search("name or email")
SearchTitleOrCode = _search("title or code")


def filtered(kind: type) -> Any:
    """A list's `filter` argument of the input type `kind`."""
    return Annotated[kind | None, strawberry.argument(description="Only items meeting every condition given.")]


@strawberry.type(description="Where a page stands in its list. Page forward with `first` and `after: endCursor`, "
                 "backward with `last` and `before: startCursor`.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow this page (paging forward); with `before`, "
                                           "true, since the items from `before` on follow it.")
    has_previous_page: bool = strawberry.field(description="More items come before this page (paging backward with "
                                               "`last`); with `after`, true, since the items up to `after` come "
                                               "before it.")
    start_cursor: str | None = strawberry.field(description="The first item's cursor, to pass as `before`; null on "
                                                "an empty page.")
    end_cursor: str | None = strawberry.field(description="The last item's cursor, to pass as `after`; null on an "
                                              "empty page.")


@strawberry.type(description="One item of a page, with its cursor.")
class Edge(Generic[N]):
    cursor: str = strawberry.field(description="An opaque position in this list: pass it as `after` (or "
                                   "`before`) to continue after (or before) this item.")
    node: N = strawberry.field(description="The item.")


@strawberry.type(description="One page of a list, in the order its field names. Items the caller may not see "
                 "are left out, as if they did not exist.")
class Connection(Generic[N]):
    edges: list[Edge[N]] = strawberry.field(description="The page's items with their cursors.")
    page_info: PageInfo = strawberry.field(description="Whether more items follow, and where to continue.")
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="How many items match, across all pages; counted only when asked for.")
    async def total_count(self) -> int:
        return await self.count()

    @strawberry.field(description="The nodes of this page, without their cursors.")
    def nodes(self) -> list[N]:
        return [edge.node for edge in self.edges]


def connection(page: Page[Any], to_node: Callable[[Any], N]) -> Connection[N]:
    return connected(page, [to_node(item) for item in page.items])


def connected(page: Page[Any], nodes: Sequence[N | None]) -> Connection[N]:
    """A page and its items' nodes as a connection; an item whose node is None (the
    caller may not see it) is left out."""
    return Connection(
        edges=[Edge(cursor=c, node=n) for n, c in zip(nodes, page.cursors, strict=True) if n is not None],
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        ),
        count=page.count,
    )


def empty_connection() -> Connection[Any]:
    return connected(Page.empty(), [])
