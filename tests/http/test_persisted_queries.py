"""Automatic persisted queries, as Apollo's clients speak them: a hash first, the text
once when the hash is unknown, then the hash alone, on GET too."""

import hashlib
import json

import httpx

from app.persisted_queries import PersistedQueries
from tests.world import World

QUERY = "query Me { me { person { displayName } } }"
GRAPHQL_RESPONSE = "application/graphql-response+json"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def persisted(digest: str, version: int = 1) -> dict[str, dict[str, object]]:
    return {"persistedQuery": {"version": version, "sha256Hash": digest}}


async def by_hash(client: httpx.AsyncClient, digest: str, token: str, accept: str = "application/json") -> httpx.Response:
    """A GET carrying only the hash, as a CDN would see it."""
    return await client.get("/graphql", params={"extensions": json.dumps(persisted(digest))},
                            headers={"Authorization": f"Bearer {token}", "Accept": accept})


async def test_an_unknown_hash_asks_for_the_query_then_the_hash_alone_runs_it(
    client: httpx.AsyncClient, world: World
) -> None:
    token = world["owner"].token
    first = await by_hash(client, sha(QUERY), token)
    assert first.status_code == 200
    assert first.json()["errors"] == [
        {"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}
    ]
    sent = await client.post("/graphql", json={"query": QUERY, "extensions": persisted(sha(QUERY))},
                             headers={"Authorization": f"Bearer {token}"})
    assert sent.json()["data"] == {"me": {"person": {"displayName": world["owner"].name}}}
    again = await by_hash(client, sha(QUERY), token)
    assert again.json() == sent.json()
    # The strict media type makes a missing hash a request error, as for any other.
    assert (await by_hash(client, sha("{ me { person { id } } }"), token, GRAPHQL_RESPONSE)).status_code == 400


async def test_a_hash_that_does_not_match_its_query_is_refused_and_not_kept(
    client: httpx.AsyncClient, world: World
) -> None:
    token = world["owner"].token
    wrong = sha("{ __typename }")
    response = await client.post("/graphql", json={"query": QUERY, "extensions": persisted(wrong)},
                                  headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400
    assert "does not match" in response.json()["errors"][0]["message"]
    assert (await by_hash(client, wrong, token)).json()["errors"][0]["extensions"]["code"] == (
        "PERSISTED_QUERY_NOT_FOUND")


async def test_a_document_that_fails_validation_is_not_kept(client: httpx.AsyncClient, world: World) -> None:
    token, broken = world["owner"].token, "{ me { nonsense } }"
    response = await client.post("/graphql", json={"query": broken, "extensions": persisted(sha(broken))},
                                 headers={"Authorization": f"Bearer {token}"})
    assert "data" not in response.json()
    assert (await by_hash(client, sha(broken), token)).json()["errors"][0]["message"] == "PersistedQueryNotFound"


async def test_only_version_1_and_a_real_sha256_are_understood(client: httpx.AsyncClient, world: World) -> None:
    headers = {"Authorization": f"Bearer {world['owner'].token}"}
    for extensions, says in (
        (persisted(sha(QUERY), version=2), "version 1"),
        (persisted("not-a-hash"), "64 lowercase hex"),
        ({"persistedQuery": "yes"}, "version 1"),
    ):
        response = await client.post("/graphql", json={"extensions": extensions}, headers=headers)
        assert response.status_code == 400, extensions
        assert says in response.json()["errors"][0]["message"]


async def test_a_kept_mutation_still_cannot_run_over_get(client: httpx.AsyncClient, world: World) -> None:
    token = world["owner"].token
    mutation = 'mutation { removeMember(input: {membershipId: "x"}) { __typename } }'
    kept = await client.post("/graphql", json={"query": mutation, "extensions": persisted(sha(mutation))},
                             headers={"Authorization": f"Bearer {token}"})
    assert "data" in kept.json()
    assert (await by_hash(client, sha(mutation), token)).status_code == 405


def test_the_store_keeps_the_most_recently_used_texts_within_its_bytes() -> None:
    store = PersistedQueries(max_bytes=30)
    texts = ["{ a: __typename }", "{ b: __typename }", "{ c: __typename }"]  # 17 bytes each
    store.keep(sha(texts[0]), texts[0])
    assert store.query_for({"extensions": persisted(sha(texts[0]))}) == (texts[0], None)
    store.keep(sha(texts[1]), texts[1])  # 34 bytes: the least recently used goes
    assert store.query_for({"extensions": persisted(sha(texts[1]))}) == (texts[1], None)
    try:
        store.query_for({"extensions": persisted(sha(texts[0]))})
    except Exception as problem:  # noqa: BLE001
        assert type(problem).__name__ == "PersistedQueryNotFound"
    else:
        raise AssertionError("the oldest text should have been dropped")
    store.keep("0" * 64, "x" * 31)  # larger than the whole store: not kept, nothing dropped
    assert store.query_for({"extensions": persisted(sha(texts[1]))}) == (texts[1], None)
