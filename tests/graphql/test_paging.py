"""Relay paging both ways on every list (`first`/`after`, `last`/`before`), and the total
counted only when a caller asks for it."""

import gc
from typing import Any

import pytest
from sqlalchemy import func, select

from domain.models import Course
from resolvers import pagination
from resolvers.pagination import Order
from tests.conftest import StatementCounter
from tests.graphql.test_catalogue import more_courses
from tests.world import World

COURSES = """
query($first: Int, $after: String, $last: Int, $before: String) {
  courses(first: $first, after: $after, last: $last, before: $before) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { title } } }"""
AUDIT = """
query($first: Int, $after: String, $last: Int, $before: String) {
  auditLog(first: $first, after: $after, last: $last, before: $before) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { id } } }"""


async def page(gql, query: str, token: str, **window: Any) -> dict[str, Any]:
    data = await gql(query, window, token=token)
    return next(iter(data.values()))


def items(connection: dict[str, Any]) -> list[Any]:
    return [next(iter(node.values())) for node in connection["nodes"]]


async def forward(gql, query: str, token: str, size: int) -> list[list[Any]]:
    pages, after = [], None
    while True:
        got = await page(gql, query, token, first=size, after=after)
        pages.append(items(got))
        if not got["pageInfo"]["hasNextPage"]:
            return pages
        after = got["pageInfo"]["endCursor"]


async def backward(gql, query: str, token: str, size: int) -> list[list[Any]]:
    pages, before = [], None
    while True:
        got = await page(gql, query, token, last=size, before=before)
        pages.insert(0, items(got))
        if not got["pageInfo"]["hasPreviousPage"]:
            return pages
        before = got["pageInfo"]["startCursor"]


@pytest.mark.parametrize("query", [COURSES, AUDIT], ids=["by title and id", "newest first"])
async def test_paging_back_from_the_end_meets_the_same_items_in_the_same_order(
    gql, world: World, query: str
) -> None:
    await more_courses(gql, world)  # 7 courses; 4 audit events
    token = world["support"].token
    ahead = [item for got in await forward(gql, query, token, 3) for item in got]
    behind = await backward(gql, query, token, 3)
    assert len(ahead) >= 4 and [item for got in behind for item in got] == ahead
    assert [len(got) for got in behind][1:] == [3] * (len(behind) - 1)  # the short page is the first one


async def test_the_last_page_says_what_lies_around_it(gql, world: World) -> None:
    await more_courses(gql, world)
    token = world["support"].token
    tail = await page(gql, COURSES, token, last=2)
    assert items(tail) == ["Safeguarding Essentials", "Send Awareness"]
    assert (tail["pageInfo"]["hasPreviousPage"], tail["pageInfo"]["hasNextPage"]) == (True, False)
    before = await page(gql, COURSES, token, last=2, before=tail["pageInfo"]["startCursor"])
    assert items(before) == ["Course 3", "First Aid at Work"]
    assert before["pageInfo"]["hasNextPage"] is True
    between = await page(gql, COURSES, token, first=10, after=before["pageInfo"]["startCursor"],
                         before=tail["pageInfo"]["endCursor"])
    assert items(between) == ["First Aid at Work", "Safeguarding Essentials"]


@pytest.mark.parametrize(("window", "field"), [
    ({"first": 2, "last": 2}, "last"),
    ({"last": 0}, "last"),
    ({"last": 101}, "last"),
    ({"last": 2, "before": "bm90IGEgY3Vyc29y"}, "before"),
])
async def test_a_window_that_makes_no_sense_is_a_validation_error_naming_its_field(
    gql, world: World, window: dict[str, Any], field: str
) -> None:
    errors = await gql.errors(COURSES, window, token=world["support"].token)
    assert [e["extensions"] for e in errors] == [{"code": "VALIDATION", "field": field}]


async def test_the_total_is_counted_only_when_asked_for(
    gql, world: World, count_statements: StatementCounter
) -> None:
    token = world["support"].token
    await gql("{ me { person { id } } }", token=token)  # the principal's statements, out of the way
    for asked, counts in (("nodes { id }", 0), ("totalCount nodes { id }", 1), ("totalCount", 1)):
        count_statements.statements.clear()
        await gql(f"{{ organisations(first: 2) {{ {asked} }} }}", token=token)
        assert sum("count(" in s.lower() for s in count_statements.statements) == counts, asked


async def test_a_list_asked_for_again_and_again_keeps_no_statement_per_request(gql, world: World) -> None:
    """The page statements kept for a list's statement (resolvers/pagination.py) go with a
    statement built for one request: a service paging all day does not grow."""
    await more_courses(gql, world)
    token = world["support"].token
    await forward(gql, COURSES, token, 2)
    gc.collect()
    kept = len(pagination._pages)
    for size in (1, 2, 3, 2, 1):
        await forward(gql, COURSES, token, size)
    gc.collect()
    assert len(pagination._pages) <= kept


def test_a_lasting_statement_paged_by_orders_built_per_request_keeps_a_bounded_few() -> None:
    """A statement kept for the day, paged each time by an Order made anew from an
    expression made anew, would otherwise keep one page statement per request."""
    lasting = select(Course.id, Course.title)
    for _ in range(100):
        pagination._page(lasting, (Order(func.lower(Course.title)), Order(Course.id)), False, True, False)
    assert len(pagination._pages[lasting]) <= pagination.SHAPES
