"""Large answers travel gzipped to clients that send `Accept-Encoding: gzip` (app/main.py):
GraphQL answers and the report downloads, a streamed CSV still arriving row by row; small
answers, and every answer to a client that does not ask, are plain bytes."""

import asyncio
import gzip
import zlib

import httpx
from graphql import get_introspection_query
from starlette.types import ASGIApp, Message

from app.main import create_app
from infra.database import Database
from infra.settings import Settings
from domain.models import Membership, MembershipRole, Person, Seat, SubscriptionKind
from schema.ids import global_id
from tests.conftest import GraphQL, schema_for
from tests.graphql.test_reports import create_list
from tests.world import World

INTROSPECTION = {"query": get_introspection_query(descriptions=True)}


async def raw(client: httpx.AsyncClient, request: httpx.Request,
              accept_encoding: str | None) -> tuple[httpx.Response, list[bytes]]:
    """The response and its body as it came over the wire, chunk by chunk."""
    del request.headers["accept-encoding"]
    if accept_encoding is not None:
        request.headers["Accept-Encoding"] = accept_encoding
    response = await client.send(request, stream=True)
    chunks = [chunk async for chunk in response.aiter_raw() if chunk]
    await response.aclose()
    return response, chunks


async def test_introspection_comes_gzipped_at_a_tenth_of_its_size(client: httpx.AsyncClient) -> None:
    zipped, zipped_body = await raw(client, client.build_request("POST", "/graphql", json=INTROSPECTION), "gzip")
    plain, plain_body = await raw(client, client.build_request("POST", "/graphql", json=INTROSPECTION), None)
    assert zipped.headers["content-encoding"] == "gzip" and "content-encoding" not in plain.headers
    assert "accept-encoding" in zipped.headers["vary"].lower()
    wire, text = b"".join(zipped_body), b"".join(plain_body)
    assert gzip.decompress(wire) == text
    assert len(text) > 100_000 and len(wire) < len(text) / 10
    assert int(zipped.headers["content-length"]) == len(wire)


async def test_a_small_answer_is_not_compressed(client: httpx.AsyncClient) -> None:
    response, body = await raw(client, client.build_request("POST", "/graphql", json={"query": "{ __typename }"}),
                               "gzip, deflate, br")
    assert "content-encoding" not in response.headers
    assert b"".join(body).startswith(b'{"data":{"__typename":"Query"}')


async def big_group(gql: GraphQL, world: World, db: Database, members: int) -> str:
    async with db.write() as session:
        people = [Person(email=f"teacher{i}@example.org", display_name=f"Teacher {i}") for i in range(members)]
        session.add_all(people)
        await session.flush()
        for person in people:
            session.add_all([
                Membership(organisation_id=world.organisations["ashdown"], person_id=person.id,
                           role=MembershipRole.MEMBER),
                Seat(licence_id=world.licences["ashdown"], person_id=person.id,
                     subscription=SubscriptionKind.ALL_ACCESS_PASS_PLUS),
            ])
        ids = [global_id("Person", person.id) for person in people]
    created = await gql(
        "mutation($l: ID!, $m: [ID!]!) { createStaffGroup(input: {licenceId: $l, name: \"Year 3\", memberIds: $m}) "
        "{ ... on StaffGroupPayload { staffGroup { id } } } }",
        {"l": world.licence("ashdown"), "m": ids}, token=world["owner"].token,
    )
    group = created["createStaffGroup"]["staffGroup"]["id"]
    await create_list(gql, world, group, "Phonics", [(0, None), (1, None), (2, None)])
    return group


async def asgi_get(app: ASGIApp, path: str, headers: dict[str, str]) -> tuple[dict[str, str], list[bytes]]:
    """GET straight through the ASGI app: its headers and each body message as it was sent."""
    sent: list[Message] = []
    requested = False
    done = asyncio.Event()

    async def receive() -> Message:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()  # the client stays connected until the answer is complete
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "", "server": ("test", 80),
             "client": ("127.0.0.1", 1), "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]}
    await app(scope, receive, send)
    done.set()
    start = next(m for m in sent if m["type"] == "http.response.start")
    assert start["status"] == 200
    return ({k.decode(): v.decode() for k, v in start["headers"]},
            [m["body"] for m in sent if m["type"] == "http.response.body" and m.get("body")])


async def test_the_matrix_csv_streams_gzipped_row_by_row(
    gql: GraphQL, world: World, db: Database, settings: Settings
) -> None:
    group = await big_group(gql, world, db, 200)
    app = create_app(settings, db, schema=schema_for(settings))
    url = f"/reports/groups/{group}/matrix.csv"
    auth = {"Authorization": f"Bearer {world['owner'].token}"}
    zipped, zipped_chunks = await asgi_get(app, url, {**auth, "Accept-Encoding": "gzip"})
    plain, plain_chunks = await asgi_get(app, url, auth)
    assert zipped["content-encoding"] == "gzip" and "content-encoding" not in plain
    text = b"".join(plain_chunks)
    assert text.count(b"\n") == 201 and b"Teacher 199" in text
    # Each row goes out as it is written, and each piece already decodes to whole rows;
    # gzip's trailer comes last, on its own.
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    rows_so_far = [decoder.decompress(chunk) for chunk in zipped_chunks]
    assert len(zipped_chunks) == len(plain_chunks) + 1 > 100
    assert all(part.endswith(b"\r\n") for part in rows_so_far[:-1]) and rows_so_far[-1] == b""
    assert b"".join(rows_so_far) + decoder.flush() == text
    assert len(b"".join(zipped_chunks)) < len(text) / 2
