"""GraphQL over HTTP as a client sees it: methods, content types, status codes, media
types, GraphiQL, request ids and /health (app/graphql_http.py, app/main.py)."""

import json

import httpx
import pytest

from tests.world import World

GRAPHQL_RESPONSE = "application/graphql-response+json"
TYPENAME = "query($skip: Boolean!) { __typename @skip(if: $skip) }"
PROMOTE = "mutation($id: ID!) { promoteMember(input: {membershipId: $id}) { __typename } }"

# Request errors: the document never runs.
PARSE_ERROR = {"query": "{ __typename"}
VALIDATION_ERROR = {"query": "{ noSuchField }"}
COERCION_ERROR = {"query": TYPENAME, "variables": {"skip": "not a boolean"}}
REQUEST_ERRORS = pytest.mark.parametrize(
    "body", [PARSE_ERROR, VALIDATION_ERROR, COERCION_ERROR], ids=["parse", "validation", "coercion"]
)


def media_type(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0].strip()


async def post_raw(client: httpx.AsyncClient, content: bytes, content_type: str | None = "application/json",
                   **headers: str) -> httpx.Response:
    if content_type is not None:
        headers["Content-Type"] = content_type
    return await client.post("/graphql", content=content, headers=headers)


async def without_accept(client: httpx.AsyncClient, body: dict) -> httpx.Response:
    """httpx sends `Accept: */*` unless told otherwise; this request has no Accept at all."""
    request = client.build_request("POST", "/graphql", json=body)
    del request.headers["accept"]
    return await client.send(request)


async def test_post_json_runs_the_query_with_its_variables(client: httpx.AsyncClient) -> None:
    shown = await client.post("/graphql", json={"query": TYPENAME, "variables": {"skip": False}})
    skipped = await client.post("/graphql", json={"query": TYPENAME, "variables": {"skip": True}})
    assert shown.status_code == 200 and shown.json()["data"] == {"__typename": "Query"}
    assert skipped.json()["data"] == {}
    assert media_type(shown) == "application/json"


async def test_get_runs_a_query_with_variables_as_a_json_string(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": TYPENAME, "variables": json.dumps({"skip": False})})
    assert response.status_code == 200
    assert response.json()["data"] == {"__typename": "Query"}


async def test_get_refuses_a_mutation_and_changes_nothing(client: httpx.AsyncClient, world: World) -> None:
    owner = {"Authorization": f"Bearer {world['owner'].token}"}
    response = await client.get("/graphql", headers=owner, params={
        "query": PROMOTE, "variables": json.dumps({"id": world["staff"].membership("ashdown")})})
    assert response.status_code == 405
    assert "POST" in response.headers["allow"]
    role = await client.post("/graphql", headers=owner, json={
        "query": "query($id: ID!) { node(id: $id) { ... on Membership { role } } }",
        "variables": {"id": world["staff"].membership("ashdown")}})
    assert role.json()["data"]["node"] == {"role": "MEMBER"}


@pytest.mark.parametrize("operation, status", [("Read", 200), ("Write", 405)])
async def test_get_picks_the_named_operation_and_still_refuses_a_mutation(
    client: httpx.AsyncClient, world: World, operation: str, status: int
) -> None:
    document = f"query Read {{ __typename }} {PROMOTE.replace('mutation(', 'mutation Write(')}"
    response = await client.get("/graphql", params={
        "query": document, "operationName": operation,
        "variables": json.dumps({"id": world["staff"].membership("ashdown")})},
        headers={"Authorization": f"Bearer {world['owner'].token}"})
    assert response.status_code == status


async def test_an_unknown_operation_name_is_a_request_error(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", headers={"Accept": GRAPHQL_RESPONSE},
                                 json={"query": "query A { __typename }", "operationName": "B"})
    assert response.status_code == 400
    assert "data" not in response.json()


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
async def test_other_methods_are_405_naming_the_allowed_ones(client: httpx.AsyncClient, method: str) -> None:
    response = await client.request(method, "/graphql", json={"query": "{ __typename }"})
    assert response.status_code == 405
    assert {m.strip() for m in response.headers["allow"].split(",")} == {"GET", "POST"}


async def test_post_without_a_content_type_is_415(client: httpx.AsyncClient) -> None:
    response = await post_raw(client, b'{"query": "{ __typename }"}', content_type=None)
    assert response.status_code == 415
    assert response.json()["errors"][0]["message"]


@pytest.mark.parametrize("content_type", [
    "text/plain", "application/x-www-form-urlencoded", "application/graphql", "application/json; charset=latin-1",
])
async def test_post_with_another_content_type_is_415(client: httpx.AsyncClient, content_type: str) -> None:
    response = await post_raw(client, b'{"query": "{ __typename }"}', content_type)
    assert response.status_code == 415


async def test_a_json_content_type_with_utf8_charset_is_accepted(client: httpx.AsyncClient) -> None:
    response = await post_raw(client, b'{"query": "{ __typename }"}', "application/json; charset=utf-8")
    assert response.status_code == 200 and response.json()["data"] == {"__typename": "Query"}


@pytest.mark.parametrize("content", [
    b"", b"{", b"not json", b'{"query": "{ __typename }"',
], ids=["empty", "brace", "text", "truncated"])
async def test_a_body_that_is_not_json_is_400(client: httpx.AsyncClient, content: bytes) -> None:
    response = await post_raw(client, content)
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"]


@pytest.mark.parametrize("body", [
    [{"query": "{ __typename }"}], "{ __typename }", 1, None,
], ids=["batch", "string", "number", "null"])
async def test_a_body_that_is_not_an_object_is_400(client: httpx.AsyncClient, body: object) -> None:
    response = await post_raw(client, json.dumps(body).encode())
    assert response.status_code == 400


@pytest.mark.parametrize("body", [
    {}, {"query": None}, {"query": ""}, {"query": 1}, {"query": ["{ __typename }"]}, {"query": {"q": "{ x }"}},
], ids=["missing", "null", "empty", "number", "list", "object"])
async def test_a_missing_or_non_string_query_is_400(client: httpx.AsyncClient, body: dict) -> None:
    response = await client.post("/graphql", json=body)
    assert response.status_code == 400
    assert "query" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("variables", ["{}", [], 1, True], ids=["string", "list", "number", "boolean"])
async def test_variables_that_are_not_an_object_are_400(client: httpx.AsyncClient, variables: object) -> None:
    response = await client.post("/graphql", json={"query": "{ __typename }", "variables": variables})
    assert response.status_code == 400
    assert "variables" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("variables", ["[1]", "not json"], ids=["list", "invalid"])
async def test_get_variables_that_are_not_a_json_object_are_400(client: httpx.AsyncClient, variables: str) -> None:
    response = await client.get("/graphql", params={"query": "{ __typename }", "variables": variables})
    assert response.status_code == 400


async def test_get_without_a_query_and_without_html_is_400(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"Accept": "application/json"})
    assert response.status_code == 400


async def test_graphql_response_json_is_answered_in_kind(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": "{ __typename }"}, headers={"Accept": GRAPHQL_RESPONSE})
    assert response.status_code == 200
    assert media_type(response) == GRAPHQL_RESPONSE
    assert response.json()["data"] == {"__typename": "Query"}


async def test_the_preferred_acceptable_media_type_wins(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": "{ __typename }"},
                                 headers={"Accept": f"application/json;q=0.5, {GRAPHQL_RESPONSE}"})
    assert media_type(response) == GRAPHQL_RESPONSE


@REQUEST_ERRORS
async def test_request_errors_are_400_without_data_under_graphql_response_json(
    client: httpx.AsyncClient, body: dict
) -> None:
    response = await client.post("/graphql", json=body, headers={"Accept": GRAPHQL_RESPONSE})
    assert response.status_code == 400
    assert media_type(response) == GRAPHQL_RESPONSE
    payload = response.json()
    assert "data" not in payload
    assert payload["errors"] and all(error["message"] for error in payload["errors"])


@REQUEST_ERRORS
async def test_request_errors_say_what_is_wrong_rather_than_internal_error(
    client: httpx.AsyncClient, body: dict
) -> None:
    """A client's mistake is reported as such, never masked as a server fault."""
    errors = (await client.post("/graphql", json=body)).json()["errors"]
    assert [e for e in errors if e.get("extensions", {}).get("code") == "INTERNAL"] == [], errors
    assert any(word in errors[0]["message"] for word in ("Syntax Error", "noSuchField", "$skip")), errors


@REQUEST_ERRORS
@pytest.mark.parametrize("accept", ["application/json", "*/*", None], ids=["json", "any", "absent"])
async def test_request_errors_are_200_with_errors_under_plain_json(
    client: httpx.AsyncClient, body: dict, accept: str | None
) -> None:
    if accept is None:
        response = await without_accept(client, body)
    else:
        response = await client.post("/graphql", json=body, headers={"Accept": accept})
    assert response.status_code == 200
    assert media_type(response) == "application/json"
    assert response.json()["errors"]


@pytest.mark.parametrize("accept", ["text/csv", "text/html", "application/xml, text/plain;q=0.5",
                                    f"{GRAPHQL_RESPONSE};q=0"])
async def test_an_unacceptable_accept_is_406(client: httpx.AsyncClient, accept: str) -> None:
    response = await client.post("/graphql", json={"query": "{ __typename }"}, headers={"Accept": accept})
    assert response.status_code == 406
    assert response.json()["errors"][0]["message"]


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, "application/json"])
@pytest.mark.parametrize("body", [{"query": "{ __typename }"}, PARSE_ERROR, {}], ids=["ok", "request-error", "bad"])
async def test_every_json_response_declares_utf8(client: httpx.AsyncClient, accept: str, body: dict) -> None:
    response = await client.post("/graphql", json=body, headers={"Accept": accept})
    assert "charset=utf-8" in response.headers["content-type"].replace(" ", "").lower()


async def test_non_ascii_names_round_trip_as_utf8(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post("/graphql", headers={"Authorization": f"Bearer {world['owner'].token}"}, json={
        "query": """mutation($org: ID!) { addMember(input: {organisationId: $org, email: "zoe@example.org",
                    displayName: "Zoë Brontë"}) { ... on MembershipPayload { membership { person { displayName } } } } }""",
        "variables": {"org": world.org("ashdown")}})
    assert "Zoë Brontë".encode() in response.content
    assert response.json()["data"]["addMember"]["membership"]["person"]["displayName"] == "Zoë Brontë"


async def test_a_browser_without_a_query_gets_graphiql(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 200
    assert media_type(response) == "text/html"
    assert "graphiql" in response.text.lower()


async def test_a_browser_with_a_query_gets_the_result_not_graphiql(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": "{ __typename }"},
                                headers={"Accept": "text/html,application/json;q=0.9"})
    assert response.json()["data"] == {"__typename": "Query"}


async def test_a_callers_request_id_is_echoed(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": "{ __typename }"}, headers={"X-Request-ID": "abc-123.x_Y"})
    assert response.headers["x-request-id"] == "abc-123.x_Y"


@pytest.mark.parametrize("incoming", [None, "", "has spaces", "x" * 65, "<script>"])
async def test_a_request_id_is_generated_when_absent_or_unusable(client: httpx.AsyncClient, incoming: str | None) -> None:
    headers = {} if incoming is None else {"X-Request-ID": incoming}
    first = await client.post("/graphql", json={"query": "{ __typename }"}, headers=headers)
    second = await client.post("/graphql", json={"query": "{ __typename }"}, headers=headers)
    generated = first.headers["x-request-id"], second.headers["x-request-id"]
    assert all(generated) and incoming not in generated
    assert generated[0] != generated[1]


@pytest.mark.parametrize("path, body", [("/graphql", {}), ("/health", None)], ids=["bad-request", "health"])
async def test_every_response_carries_a_request_id(client: httpx.AsyncClient, path: str, body: dict | None) -> None:
    response = await (client.post(path, json=body) if body is not None else client.get(path))
    assert response.headers["x-request-id"]


async def test_health_reports_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_a_client_that_leaves_before_its_body_arrives_is_no_error_of_the_service(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    """Load balancers and benchmarks close connections mid-request: the request is
    dropped quietly (499, as nginx logs it), with no traceback in the service's log."""
    app = client._transport.app  # type: ignore[attr-defined]
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/graphql", "raw_path": b"/graphql", "query_string": b"", "root_path": "",
             "headers": [(b"content-type", b"application/json"), (b"content-length", b"30"), (b"host", b"t")],
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
    await app(scope, receive, send)
    assert sent[0]["status"] == 499
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
