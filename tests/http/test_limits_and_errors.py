"""Abuse limits applied before anything runs, masking of unexpected errors, and field
suggestions only outside production (schema/build.py)."""

import logging
from collections.abc import AsyncIterator

import httpx
import pytest

import resolvers.organisations
from infra.database import Database
from app.main import create_app
from infra.settings import Settings
from tests.world import World

GRAPHQL_RESPONSE = "application/graphql-response+json"


def deep_query(depth: int) -> str:
    """`me { licences { licence { organisation { licence ... { id } } } } }`, `depth` levels
    below the root field (the root field is depth 0)."""
    chain = ["me", "licences", "licence"]
    while len(chain) < depth:
        chain.append("organisation" if chain[-1] == "licence" else "licence")
    return "{ " + " { ".join(chain) + " { id" + " }" * len(chain) + " }"


def aliased_query(aliases: int) -> str:
    return "{ " + " ".join(f"a{i}: __typename" for i in range(aliases)) + " }"


def query_of_tokens(tokens: int) -> str:
    """A valid document of exactly `tokens` tokens: 16 of syntax, the rest a long list
    (commas and spaces are not tokens)."""
    return "{ auditLog(filter: {actions: [" + "MEMBER_ADDED " * (tokens - 16) + "]}) { totalCount } }"


async def ask(client: httpx.AsyncClient, query: str, token: str | None = None,
              accept: str = GRAPHQL_RESPONSE) -> httpx.Response:
    headers = {"Accept": accept}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return await client.post("/graphql", json={"query": query}, headers=headers)


def assert_rejected(response: httpx.Response, mentioning: str) -> None:
    """A request error: 400, no `data` (nothing ran), a message saying why."""
    body = response.json()
    assert response.status_code == 400, body
    assert "data" not in body
    assert any(mentioning in error["message"].lower() for error in body["errors"]), body["errors"]


async def test_a_query_deeper_than_the_limit_is_rejected(client: httpx.AsyncClient, settings: Settings,
                                                         world: World) -> None:
    assert_rejected(await ask(client, deep_query(settings.max_query_depth + 1), world["owner"].token), "depth")


async def test_a_query_at_the_depth_limit_runs(client: httpx.AsyncClient, settings: Settings, world: World) -> None:
    response = await ask(client, deep_query(settings.max_query_depth), world["owner"].token)
    assert response.status_code == 200 and "errors" not in response.json(), response.json()
    assert response.json()["data"]["me"]["licences"]


async def test_too_many_aliases_are_rejected(client: httpx.AsyncClient, settings: Settings) -> None:
    assert_rejected(await ask(client, aliased_query(settings.max_aliases + 1)), "alias")


async def test_aliases_up_to_the_limit_run(client: httpx.AsyncClient, settings: Settings) -> None:
    response = await ask(client, aliased_query(settings.max_aliases))
    assert response.status_code == 200
    assert len(response.json()["data"]) == settings.max_aliases


async def test_a_document_over_the_token_limit_is_rejected(client: httpx.AsyncClient, settings: Settings,
                                                           world: World) -> None:
    assert_rejected(await ask(client, query_of_tokens(settings.max_tokens + 1), world["owner"].token), "tokens")


async def test_a_document_at_the_token_limit_runs(client: httpx.AsyncClient, settings: Settings,
                                                  world: World) -> None:
    response = await ask(client, query_of_tokens(settings.max_tokens), world["owner"].token)
    assert response.json()["data"] == {"auditLog": {"totalCount": 0}}


@pytest.mark.parametrize("query", [
    pytest.param(deep_query(100), id="depth"),
    pytest.param(aliased_query(1000), id="aliases"),
])
async def test_limits_hold_under_plain_json_too(client: httpx.AsyncClient, query: str) -> None:
    body = (await ask(client, query, accept="application/json")).json()
    assert "data" not in body and body["errors"]


@pytest.fixture
def failing_organisations(monkeypatch: pytest.MonkeyPatch) -> None:
    async def explode(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(resolvers.organisations, "list_organisations", explode)


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, "application/json"])
async def test_an_unexpected_error_is_masked_and_quotes_the_request_id(
    client: httpx.AsyncClient, world: World, failing_organisations: None, accept: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR):
        response = await ask(client, "{ organisations { totalCount } }", world["owner"].token, accept)
    request_id = response.headers["x-request-id"]
    body = response.json()
    # A field error, not a request error: the operation ran, so 200 with data null.
    assert response.status_code == 200 and body["data"] is None
    (error,) = body["errors"]
    assert "secret detail" not in response.text
    assert request_id in error["message"]
    assert error["extensions"]["code"] == "INTERNAL"
    assert error["path"] == ["organisations"]

    logged = [r for r in caplog.records if r.levelno >= logging.ERROR and request_id in r.getMessage()]
    assert logged, "the error was not logged with its request id"
    assert any(r.exc_info and "secret detail" in str(r.exc_info[1]) for r in logged), \
        "the log should keep the detail the client was spared"


async def test_a_masked_error_quotes_the_callers_own_request_id(
    client: httpx.AsyncClient, world: World, failing_organisations: None
) -> None:
    response = await client.post("/graphql", json={"query": "{ organisations { totalCount } }"},
                                 headers={"Authorization": f"Bearer {world['owner'].token}",
                                          "X-Request-ID": "support-ticket-42"})
    assert response.headers["x-request-id"] == "support-ticket-42"
    assert "support-ticket-42" in response.json()["errors"][0]["message"]


@pytest.fixture
async def production_client(db: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(production=True, feed_key="x" * 32, public_url="https://trellis.test"), db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://trellis.test") as http:
        yield http


MISSPELT = "{ organisation { totalCount } }"


async def test_field_suggestions_help_outside_production(client: httpx.AsyncClient) -> None:
    errors = (await ask(client, MISSPELT)).json()["errors"]
    assert "Did you mean" in errors[0]["message"] and "organisations" in errors[0]["message"]


async def test_field_suggestions_are_off_in_production(production_client: httpx.AsyncClient) -> None:
    response = await ask(production_client, MISSPELT)
    assert_rejected(response, "organisation")
    assert "did you mean" not in response.text.lower()
