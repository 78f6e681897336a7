"""No request can stall the service (issue: a request from outside). Each hostile document
is refused before graphql-core validates it and before any SQL runs, by a walk whose work
is bounded by the document's own size; a body past the limit is not even read in full;
every string has a length limit; and a request past its time budget ends with a clear
error while the service goes on answering. How fast each refusal is, `make bench` says."""

import asyncio
import gc
from typing import Any

import httpx
import pytest
from graphql import parse

from app.main import create_app
from infra.database import Database
from infra.settings import Settings
from schema import limits
from schema.build import build_schema
from tests.conftest import StatementCounter
from tests.world import World

GRAPHQL_RESPONSE = "application/graphql-response+json"


def fan_out(levels: int) -> str:
    """Each fragment spreads the one below twice: 2**levels expanded fields in a few KB."""
    fragments = ["fragment B0 on Viewer { person { id } }"]
    fragments += [f"fragment B{i} on Viewer {{ ...B{i - 1} ...B{i - 1} }}" for i in range(1, levels + 1)]
    return f"{{ me {{ ...B{levels} }} }} " + " ".join(fragments)


def nested_pages(levels: int = 3, first: int = 100) -> str:
    """Within depth and aliases, but every level a page of `first`: first**levels objects."""
    inner = "organisation { id }"
    for _ in range(levels):
        inner = f"organisation {{ members(first: {first}) {{ nodes {{ {inner} }} }} }}"
    return f"{{ me {{ memberships {{ {inner} }} }} }}"


NESTED_PAGES = nested_pages()


async def post(client: httpx.AsyncClient, body: Any, *, raw: bytes | None = None) -> httpx.Response:
    headers = {"Accept": GRAPHQL_RESPONSE, "Content-Type": "application/json"}
    if raw is not None:
        return await client.post("/graphql", content=raw, headers=headers)
    return await client.post("/graphql", json=body, headers=headers)


def refused(response: httpx.Response, code: str, field: str | None = None) -> dict[str, Any]:
    body = response.json()
    assert response.status_code == 400 and "data" not in body, body
    (error,) = body["errors"]
    assert error["extensions"]["code"] == code, error
    if field is not None:
        assert error["extensions"]["field"] == field, error
    return error


async def test_fragments_that_double_at_every_level_are_measured_once_each(monkeypatch: pytest.MonkeyPatch) -> None:
    """40 levels would be a trillion fields expanded; the walk measures 41 fragments once."""
    walked = []
    original = limits._Walk.selection_set

    def counting(self, selections, parent):  # type: ignore[no-untyped-def]
        walked.append(1)
        return original(self, selections, parent)

    monkeypatch.setattr(limits._Walk, "selection_set", counting)
    schema = build_schema(Settings())._schema
    found = limits.measure(parse(fan_out(40)), schema, {}, None, 50)
    assert found.cost > 2**40
    selection_sets = fan_out(40).count("{")  # the operation's and each fragment's
    assert len(walked) <= selection_sets + 1


@pytest.mark.parametrize(("document", "code"), [
    pytest.param(fan_out(40), "QUERY_TOO_COSTLY", id="fragment fan-out"),
    pytest.param(NESTED_PAGES, "QUERY_TOO_COSTLY", id="nested pages"),
    pytest.param("{ __schema { types { name " + "name " * 1000 + "} } }", "QUERY_TOO_LARGE",
                 id="1000 fields of introspection"),
])
async def test_a_hostile_document_is_refused_before_any_sql(
    client: httpx.AsyncClient, count_statements: StatementCounter, document: str, code: str
) -> None:
    refused(await post(client, {"query": document}), code)
    assert count_statements.count == 0


async def test_the_cost_is_reported_with_every_answer(client: httpx.AsyncClient, world: World) -> None:
    query = "{ me { memberships { organisation { members(first: 10) { nodes { id } } } } } }"
    response = await client.post("/graphql", json={"query": query},
                                 headers={"Authorization": f"Bearer {world['owner'].token}"})
    body = response.json()
    # me, memberships of organisation, members (a page of 10) of nodes with their id.
    assert body["extensions"]["cost"] == {"requested": 1 + 1 + 1 + 1 + 10 * (1 + 1),
                                          "limit": Settings().max_query_cost}, body


async def test_the_cost_limit_is_a_setting(db: Database, world: World) -> None:
    from app.main import create_app
    from tests.conftest import schema_for

    settings = Settings(max_query_cost=10)
    app = create_app(settings, db, schema=schema_for(settings))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://trellis.test") as client:
        query = "{ organisations(first: 20) { nodes { id } } }"
        response = await client.post("/graphql", json={"query": query}, headers={
            "Accept": GRAPHQL_RESPONSE, "Authorization": f"Bearer {world['owner'].token}"})
    error = refused(response, "QUERY_TOO_COSTLY")
    assert "at most 10" in error["message"]


async def test_a_body_past_the_limit_is_413_and_not_read_on(client: httpx.AsyncClient,
                                                            count_statements: StatementCounter) -> None:
    padded = b'{"query": "{ __typename ' + b" " * 10_000_000 + b'}"}'
    response = await post(client, None, raw=padded)
    assert response.status_code == 413, response.text
    assert "larger than" in response.json()["errors"][0]["message"]
    assert count_statements.count == 0


async def test_a_huge_string_variable_is_a_validation_error_naming_it(client: httpx.AsyncClient) -> None:
    query = "mutation($name: String!) { createOrganisation(input: {kind: SCHOOL, name: $name}) { __typename } }"
    response = await post(client, {"query": query, "variables": {"name": "x" * 20_000}})
    refused(response, "VALIDATION", "name")


@pytest.mark.parametrize("field", ["organisations", "courses"])
async def test_a_long_search_is_a_validation_error_not_a_crash(client: httpx.AsyncClient, world: World,
                                                               field: str) -> None:
    """SQLite refuses LIKE patterns past 50,000 bytes; a search never gets that far."""
    query = f'{{ {field}(search: "{"%" * 60_000}") {{ totalCount }} }}'
    response = await client.post("/graphql", json={"query": query}, headers={
        "Accept": GRAPHQL_RESPONSE, "Authorization": f"Bearer {world['owner'].token}"})
    refused(response, "VALIDATION", "search")


async def test_a_long_search_of_members_is_refused_too(client: httpx.AsyncClient, world: World) -> None:
    query = ('query($s: String) { me { memberships { organisation { members(search: $s) { totalCount } } } } }')
    response = await client.post("/graphql", json={"query": query, "variables": {"s": "a" * 60_000}}, headers={
        "Accept": GRAPHQL_RESPONSE, "Authorization": f"Bearer {world['owner'].token}"})
    refused(response, "VALIDATION")


async def test_several_operations_without_a_name_are_a_400_request_error(client: httpx.AsyncClient) -> None:
    for accept in (GRAPHQL_RESPONSE, "application/json"):
        response = await client.post("/graphql", json={"query": "query A { __typename } query B { __typename }"},
                                     headers={"Accept": accept})
        assert response.status_code == 400 and "data" not in response.json(), response.text
    named = await client.post("/graphql", json={"query": "query A { __typename } query B { me { __typename } }",
                                                "operationName": "B"})
    assert named.json()["data"] == {"me": None}


async def test_a_request_past_its_time_budget_ends_and_the_service_answers_on(
    db: Database, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.main import create_app
    from resolvers import organisations
    from tests.conftest import schema_for

    async def stuck(*_: object, **__: object) -> None:
        await asyncio.sleep(3600)

    monkeypatch.setattr(organisations, "list_organisations", stuck)
    settings = Settings(request_timeout_seconds=0.2)
    app = create_app(settings, db, schema=schema_for(settings))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://trellis.test") as client:
        slow = asyncio.create_task(client.post("/graphql", json={"query": "{ organisations { totalCount } }"},
                                               headers={"Authorization": f"Bearer {world['owner'].token}"}))
        health = await client.get("/health")
        assert health.json() == {"status": "ok"}
        response = await slow
    assert response.status_code == 503, response.text
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "TIMEOUT" and "stopped" in error["message"]


async def test_the_service_freezes_what_start_up_built_so_a_full_collection_cannot_stall_it(db: Database) -> None:
    """A full collection that walks the schema and models took some 100 ms under load: the
    service moves them out of the collector's sight once started."""
    gc.unfreeze()
    app = create_app(Settings(), db, schema=build_schema(Settings()))
    try:
        async with app.router.lifespan_context(app):
            assert gc.get_freeze_count() > 100_000
    finally:
        gc.unfreeze()
