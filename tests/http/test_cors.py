"""Browser pages on another origin (CORS_ALLOWED_ORIGINS, app/cors.py): a listed origin's
preflight and calls carry the CORS headers, every answer included (401, 413, 503); any
other origin, and every origin by default, gets none and its preflight is refused; a value
that is not a bare origin stops the service at start, naming the setting."""

import asyncio

import httpx
import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from app.cli import cli
from app.main import create_app
from infra.database import Database
from infra.settings import Settings, get_settings
from tests.conftest import schema_for
from tests.world import World

LISTED = "https://learning.example.org"
OTHER = "https://elsewhere.example"
ME = {"query": "{ me { person { email } } }"}


@pytest.fixture
def settings() -> Settings:
    return Settings(production=False, cors_allowed_origins=f"{LISTED}, http://localhost:3000", max_body_bytes=2000)


async def preflight(client: httpx.AsyncClient, origin: str, method: str = "POST",
                    headers: str = "authorization, content-type") -> httpx.Response:
    return await client.options("/graphql", headers={
        "Origin": origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers})


def cors_headers(response: httpx.Response) -> dict[str, str]:
    return {name: value for name, value in response.headers.items() if name.startswith("access-control-")}


def listed(items: str) -> set[str]:
    return {item.strip().lower() for item in items.split(",")}


async def test_a_listed_origins_preflight_allows_get_post_and_the_token_headers(client: httpx.AsyncClient) -> None:
    response = await preflight(client, LISTED, headers="authorization, content-type, x-request-id")
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == LISTED
    assert listed(response.headers["access-control-allow-methods"]) == {"get", "post"}
    assert {"authorization", "content-type", "x-request-id"} <= listed(response.headers["access-control-allow-headers"])
    assert int(response.headers["access-control-max-age"]) > 0
    assert "access-control-allow-credentials" not in response.headers


async def test_a_listed_origins_call_carries_allow_origin_and_exposes_the_request_id(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await client.post("/graphql", json=ME, headers={
        "Origin": LISTED, "Authorization": f"Bearer {world['staff'].token}"})
    assert response.json()["data"]["me"]["person"]["email"] == world["staff"].email
    assert response.headers["access-control-allow-origin"] == LISTED
    assert "origin" in listed(response.headers["vary"])
    assert "x-request-id" in listed(response.headers["access-control-expose-headers"])


async def test_refusals_to_a_listed_origin_carry_the_headers_too(client: httpx.AsyncClient) -> None:
    """Without them the page could not read why it was refused."""
    unauthenticated = await client.post("/graphql", json=ME, headers={"Origin": LISTED, "Authorization": "Bearer nope"})
    too_large = await client.post("/graphql", json={"query": "{ me { person { email } } }" + " " * 3000},
                                  headers={"Origin": LISTED})
    assert (unauthenticated.status_code, too_large.status_code) == (401, 413)
    for response in (unauthenticated, too_large):
        assert response.headers["access-control-allow-origin"] == LISTED


async def test_a_timed_out_request_from_a_listed_origin_carries_the_headers(
    db: Database, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from resolvers import organisations

    async def stuck(*_: object, **__: object) -> None:
        await asyncio.sleep(3600)

    monkeypatch.setattr(organisations, "list_organisations", stuck)
    settings = Settings(request_timeout_seconds=0.2, cors_allowed_origins=LISTED)
    app = create_app(settings, db, schema=schema_for(settings))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://trellis.test") as client:
        response = await client.post("/graphql", json={"query": "{ organisations { totalCount } }"},
                                     headers={"Origin": LISTED, "Authorization": f"Bearer {world['owner'].token}"})
    assert response.status_code == 503
    assert response.headers["access-control-allow-origin"] == LISTED
    assert {"x-request-id", "retry-after"} <= listed(response.headers["access-control-expose-headers"])


@pytest.mark.parametrize("origin", [OTHER, "http://learning.example.org", "https://learning.example.org:8443", "null"])
async def test_any_other_origin_is_refused_its_preflight_and_given_no_cors_headers(
    client: httpx.AsyncClient, world: World, origin: str
) -> None:
    refused = await preflight(client, origin)
    call = await client.post("/graphql", json=ME, headers={"Origin": origin,
                                                          "Authorization": f"Bearer {world['staff'].token}"})
    assert refused.status_code == 400
    assert cors_headers(refused) == {} and cors_headers(call) == {}


@pytest.mark.parametrize("method, headers", [("DELETE", "content-type"), ("POST", "x-admin")])
async def test_a_listed_origin_may_not_ask_for_other_methods_or_headers(
    client: httpx.AsyncClient, method: str, headers: str
) -> None:
    refused = await preflight(client, LISTED, method, headers)
    assert refused.status_code == 400 and cors_headers(refused) == {}


async def test_by_default_no_origin_is_allowed(db: Database) -> None:
    settings = Settings()
    app = create_app(settings, db, schema=schema_for(settings))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://trellis.test") as client:
        refused = await preflight(client, LISTED)
        call = await client.post("/graphql", json={"query": "{ __typename }"}, headers={"Origin": LISTED})
    assert refused.status_code == 400 and cors_headers(refused) == {}
    assert call.json()["data"] == {"__typename": "Query"} and cors_headers(call) == {}


def test_origins_are_read_as_a_browser_sends_them() -> None:
    settings = Settings(
        cors_allowed_origins=" https://Learning.Example.org:443,http://localhost:3000 ,http://[::1]:8080,")
    assert settings.allowed_origins == ("https://learning.example.org", "http://localhost:3000", "http://[::1]:8080")


@pytest.mark.parametrize("value", [
    "*", "https://*.example.org", "https://learning.example.org/", "https://learning.example.org/app",
    "https://learning.example.org?x=1", "learning.example.org", "ftp://learning.example.org",
    "https://user@learning.example.org", "http://localhost:99999", f"{LISTED},https://x.example/",
])
def test_a_value_that_is_not_a_bare_origin_stops_the_service_naming_the_setting(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ValidationError, match="CORS_ALLOWED_ORIGINS"):
        Settings(cors_allowed_origins=value)
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", value)
    monkeypatch.setenv("DATABASE_URL", "sqlite+aiosqlite:///:memory:")
    monkeypatch.setattr("app.cli.uvicorn.run", lambda *_, **__: None)  # were the value taken, serve no further
    get_settings.cache_clear()
    try:
        started = CliRunner().invoke(cli, ["serve"])
    finally:
        get_settings.cache_clear()
    assert started.exit_code != 0
    assert "CORS_ALLOWED_ORIGINS" in str(started.exception)


def test_a_wildcard_is_refused_with_the_reason() -> None:
    with pytest.raises(ValidationError, match="does not take '\\*'.*bearer tokens.*name each origin"):
        Settings(cors_allowed_origins="*")
