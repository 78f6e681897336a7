"""GraphQL over HTTP, as the spec says (checked by the graphql-http audit suite).

- POST with `application/json` bodies; GET for queries only (a mutation is 405).
- Responses are `application/graphql-response+json` when the client asks for it:
  a request error (bad document, failed validation, bad variables) is then 400 and
  has no `data`. Plain `application/json` (also for `*/*` or no Accept) keeps 200.
- Automatic persisted queries (app/persisted_queries.py): a known hash stands for its
  query, on GET too.
- Malformed requests (no query, bad JSON, wrong parameter types) are 400; an
  unknown, expired or revoked token is 401.
- A browser's GET without a `query` gets the console (app/console/).
"""

import asyncio
import logging
import time
from typing import Any

import orjson
from graphql import GraphQLError
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from app.auth import Unauthenticated, authenticate
from app.console.page import console_page
from app.persisted_queries import PERSISTED_QUERY_NOT_FOUND, PersistedQueryNotFound, PersistedQueryProblem
from infra.database import RequestDatabase
from jobs.planning import NEXT_SEND
from schema.context import Context
from schema.limits import OPERATION_NAME_REQUIRED

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"

log = logging.getLogger("trellis.http")


class RequestProblem(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def _media_ranges(header: str) -> list[tuple[str, dict[str, str]]]:
    ranges: list[tuple[float, int, str, dict[str, str]]] = []
    for position, part in enumerate(header.split(",")):
        media, *raw = [piece.strip() for piece in part.split(";")]
        params = dict(p.split("=", 1) for p in raw if "=" in p)
        try:
            quality = float(params.pop("q", "1"))
        except ValueError:
            quality = 0.0
        if media and quality > 0:
            ranges.append((-quality, position, media.lower(), params))
    return [(media, params) for _, _, media, params in sorted(ranges)]


def negotiate(accept: str | None) -> str | None:
    """The response media type for an Accept header; None when nothing offered fits."""
    if not accept or not accept.strip():
        return JSON
    for media, _ in _media_ranges(accept):
        if media == GRAPHQL_RESPONSE:
            return GRAPHQL_RESPONSE
        if media in (JSON, "application/*", "*/*"):
            return JSON
    return None


def wants_ide(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return request.method == "GET" and "query" not in request.query_params and "text/html" in accept


def _json_param(value: str | None, name: str) -> Any:
    if value is None or value == "":
        return None
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        raise RequestProblem(400, f"The `{name}` parameter is not valid JSON.") from None


async def read_body(request: Request, limit: int) -> bytes:
    """The body, read no further than `limit` bytes (413 beyond)."""
    too_large = RequestProblem(413, f"The request body is larger than {limit} bytes.")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks, size = [], 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise too_large
            chunks.append(chunk)
    except ClientDisconnect:
        # Nobody is left to answer: not an error of the service's (nginx's 499 in the metrics).
        raise RequestProblem(499, "The client closed the connection before its request arrived.") from None
    return b"".join(chunks)


async def read_params(request: Request, limit: int) -> dict[str, Any]:
    if request.method == "GET":
        if len(request.url.query) > limit:
            raise RequestProblem(414, f"The query string is longer than {limit} bytes; send it with POST.")
        q = request.query_params
        params = {
            "query": q.get("query"),
            "operationName": q.get("operationName"),
            "variables": _json_param(q.get("variables"), "variables"),
            "extensions": _json_param(q.get("extensions"), "extensions"),
        }
    else:
        content_type = request.headers.get("content-type")
        if not content_type:
            raise RequestProblem(415, "POST requests need `Content-Type: application/json`.")
        media, *raw = [piece.strip() for piece in content_type.split(";")]
        charset = dict(p.lower().split("=", 1) for p in raw if "=" in p).get("charset", "utf-8")
        if media.lower() != JSON or charset.strip('"') != "utf-8":
            raise RequestProblem(415, "POST requests need `Content-Type: application/json` in UTF-8.")
        body = await read_body(request, limit)
        if not body:
            raise RequestProblem(400, "The request body is empty; send a JSON object with a `query`.")
        try:
            params = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise RequestProblem(400, "The request body is not valid JSON.") from None
        if not isinstance(params, dict):
            raise RequestProblem(400, "The request body must be a JSON object (batches are not supported).")
    for name, kind in (("operationName", str), ("variables", dict), ("extensions", dict)):
        if params.get(name) is not None and not isinstance(params[name], kind):
            expected = "a string" if kind is str else "an object"
            raise RequestProblem(400, f"The `{name}` parameter must be {expected} or null.")
    query = params.get("query")
    by_hash = query is None and "persistedQuery" in (params.get("extensions") or {})
    if not by_hash and (not isinstance(query, str) or not query.strip()):
        raise RequestProblem(400, "The `query` parameter must be a non-empty string.")
    return params


def _respond(payload: dict[str, Any], status: int, media: str, headers: dict[str, str] | None = None) -> Response:
    return Response(
        orjson.dumps(payload), status_code=status, media_type=f"{media}; charset=utf-8", headers=headers
    )


def _error_payload(message: str, **extensions: Any) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message}
    if extensions:
        error["extensions"] = extensions
    return {"errors": [error]}


def _is_request_error(data: Any, errors: list[GraphQLError] | None) -> bool:
    """Errors before execution began (no field path) and no data: the spec's request error."""
    return data is None and bool(errors) and all(error.path is None for error in errors)


def _timed_out(request_id: str, seconds: float, media: str) -> Response:
    log.warning("request %s stopped after %ss", request_id, seconds)
    message = (f"The request took longer than {seconds:g} seconds and was stopped; a mutation in it changed "
               "nothing. Ask for less, or try again later.")
    return _respond(_error_payload(message, code="TIMEOUT", requestId=request_id), 503, media,
                    {"X-Request-ID": request_id, "Retry-After": "5"})


def _names_no_operation(errors: list[GraphQLError] | None) -> bool:
    return any((error.extensions or {}).get("code") == OPERATION_NAME_REQUIRED for error in errors or ())


async def graphql_endpoint(request: Request) -> Response:
    state = request.app.state
    if request.method not in ("GET", "POST"):
        return Response(status_code=405, headers={"Allow": "GET, POST"})
    if wants_ide(request):
        return console_page(request)
    media = negotiate(request.headers.get("accept"))
    if media is None:
        return _respond(
            _error_payload(f"Acceptable responses are {GRAPHQL_RESPONSE} and {JSON}."), 406, JSON
        )
    db = state.db.for_request()  # the token and every field read in one shared session
    started = time.perf_counter()
    request.state.operation, request.state.errors = None, None
    try:
        response = await _answer(request, db, media)
    finally:
        await db.close()
    state.metrics.answered(request.state.operation, started, _outcome(response.status_code, request.state.errors),
                           request.state.errors)
    return response


def _outcome(status: int, errors: list[GraphQLError] | None) -> str:
    if status == 503:
        return "timeout"
    if status != 200:
        return "refused"
    return "errors" if errors else "ok"


async def _answer(request: Request, db: RequestDatabase, media: str) -> Response:
    state = request.app.state
    request_id = request.state.request_id
    try:
        principal = await authenticate(request, db)
    except Unauthenticated as problem:
        return _respond(
            _error_payload(str(problem), code="UNAUTHENTICATED"), 401, media,
            {"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    settings = state.settings
    try:
        params = await read_params(request, settings.max_body_bytes)
        request.state.operation = params.get("operationName")
        try:
            query, new_hash = state.persisted_queries.query_for(params)
        except PersistedQueryProblem as problem:
            raise RequestProblem(400, str(problem)) from None
        except PersistedQueryNotFound:
            # Apollo's clients look for this message and send the query with its hash.
            return _respond(_error_payload("PersistedQueryNotFound", code=PERSISTED_QUERY_NOT_FOUND),
                            400 if media == GRAPHQL_RESPONSE else 200, media, {"X-Request-ID": request_id})
        context = Context(db=db, principal=principal, settings=settings, request_id=request_id,
                          origin=str(request.base_url), next_send=NEXT_SEND)
        allowed = {OperationType.QUERY} if request.method == "GET" else {OperationType.QUERY, OperationType.MUTATION}
        try:
            # The budget cancels whatever is still running; the work cancelled may be
            # reported by the schema as an error, so the deadline itself decides.
            async with asyncio.timeout(settings.request_timeout_seconds) as budget:
                result = await state.schema.execute(
                    query,
                    variable_values=params.get("variables"),
                    context_value=context,
                    operation_name=params.get("operationName"),
                    allowed_operation_types=allowed,
                )
        except TimeoutError:
            return _timed_out(request_id, settings.request_timeout_seconds, media)
        except InvalidOperationTypeError:
            raise RequestProblem(405, "Only queries may be sent with GET; send mutations with POST.",
                                 {"Allow": "POST"}) from None
        except (MissingQueryError, CannotGetOperationTypeError) as error:
            raise RequestProblem(400, str(error) or "No operation to run.") from None
    except RequestProblem as problem:
        return _respond(_error_payload(problem.message), problem.status, media, problem.headers)
    if budget.expired():
        return _timed_out(request_id, settings.request_timeout_seconds, media)

    payload: dict[str, Any] = {}
    request.state.errors = result.errors
    request.state.operation = context.operation or request.state.operation
    if _is_request_error(result.data, result.errors):
        # Without the operation to run, the request itself is incomplete, whatever the media.
        status = 400 if media == GRAPHQL_RESPONSE or _names_no_operation(result.errors) else 200
    else:
        status = 200
        payload["data"] = result.data
        if new_hash is not None:
            state.persisted_queries.keep(new_hash, query)
    if result.errors:
        payload["errors"] = [error.formatted for error in result.errors]
    if result.extensions:
        payload["extensions"] = result.extensions
    return _respond(payload, status, media, {"X-Request-ID": request_id})
