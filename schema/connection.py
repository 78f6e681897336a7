"""Relay cursor connections, filled from a resolvers.pagination.Page."""

from collections.abc import Callable
from typing import Any, Generic, TypeVar

import strawberry

from resolvers.pagination import Page

N = TypeVar("N")


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[N]):
    cursor: str
    node: N


@strawberry.type
class Connection(Generic[N]):
    edges: list[Edge[N]]
    page_info: PageInfo
    total_count: int = strawberry.field(description="How many items match, across all pages.")

    @strawberry.field(description="The nodes of this page, without their cursors.")
    def nodes(self) -> list[N]:
        return [edge.node for edge in self.edges]


def page_size(info: strawberry.Info, first: int | None) -> int:
    """`first` as asked, or the configured default; the resolver checks its range."""
    return first if first is not None else info.context.settings.default_page_size


def connection(page: Page[Any], to_node: Callable[[Any], N]) -> Connection[N]:
    edges = [Edge(cursor=c, node=to_node(item)) for item, c in zip(page.items, page.cursors, strict=True)]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        ),
        total_count=page.total,
    )


def empty_connection() -> Connection[Any]:
    return Connection(
        edges=[],
        page_info=PageInfo(has_next_page=False, has_previous_page=False, start_cursor=None, end_cursor=None),
        total_count=0,
    )
