"""Log lines an operator can follow: JSON in production and readable text otherwise, with
the request id on every line logged while a request is served and the digest id on every
line of a job (infra/logs.py)."""

import io
import json
import logging
from collections.abc import Iterator

import pytest
from pydantic import ValidationError

from app.main import RequestIdMiddleware
from infra import logs
from infra.settings import Settings


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    kept, level = root.handlers[:], root.level
    stream = io.StringIO()
    yield stream
    root.handlers[:] = kept
    root.setLevel(level)


async def serve_one(request_id: str) -> None:
    """One request through the middleware, its app logging a line while it answers."""
    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        logging.getLogger("trellis.test").info("answering %s", scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def receive():  # type: ignore[no-untyped-def]
        return {"type": "http.request", "body": b""}

    async def send(message):  # type: ignore[no-untyped-def]
        pass

    scope = {"type": "http", "path": "/graphql", "headers": [(b"x-request-id", request_id.encode())]}
    await RequestIdMiddleware(app)(scope, receive, send)


async def test_in_production_each_line_is_json_with_the_request_id(captured: io.StringIO) -> None:
    logs.configure(production=True, stream=captured)
    await serve_one("abc123def4567890")
    logging.getLogger("trellis.test").warning("after the request")
    first, after = (json.loads(line) for line in captured.getvalue().splitlines())
    assert first["message"] == "answering /graphql" and first["level"] == "INFO"
    assert first["request_id"] == "abc123def4567890" and first["logger"] == "trellis.test"
    assert "request_id" not in after, "a request's id does not leak onto later lines"


async def test_in_development_lines_are_readable_and_name_the_request(captured: io.StringIO) -> None:
    logs.configure(production=False, stream=captured)
    await serve_one("feedface00112233")
    line = captured.getvalue().strip()
    assert "[req=feedface00112233]" in line and "answering /graphql" in line and not line.startswith("{")


def test_a_jobs_lines_carry_its_digest_and_exceptions_stay_on_one_line(captured: io.StringIO) -> None:
    logs.configure(production=True, stream=captured)
    held = logs.digest_id.set(42)
    try:
        try:
            raise ConnectionError("mail server down")
        except ConnectionError:
            logging.getLogger("trellis.jobs").exception("digest failed")
    finally:
        logs.digest_id.reset(held)
    (line,) = captured.getvalue().splitlines()
    record = json.loads(line)
    assert record["digest_id"] == 42 and "ConnectionError: mail server down" in record["exception"]


def test_the_level_is_a_setting_checked_at_start(captured: io.StringIO) -> None:
    with pytest.raises(ValidationError, match="log_level"):
        Settings(log_level="CHATTY")
    logs.configure(production=True, level=Settings(log_level="WARNING").log_level, stream=captured)
    logging.getLogger("trellis.test").info("quiet")
    logging.getLogger("uvicorn.access").warning("loud")
    assert [json.loads(line)["message"] for line in captured.getvalue().splitlines()] == ["loud"]


@pytest.mark.parametrize("production", [True, False])
def test_the_access_log_never_shows_a_calendar_feeds_secret(captured: io.StringIO, production: bool) -> None:
    """The URL is the feed's only key: the access line keeps the route, not the secret."""
    logs.configure(production=production, stream=captured)
    secret = "S3cretS3cretS3cretS3cretS3cretS3cretS3cret"
    access = logging.getLogger("uvicorn.access")
    access.info('%s - "%s %s HTTP/%s" %d', "10.0.0.1:5000", "GET", f"/calendar/{secret}.ics", "1.1", 200)
    access.info('%s - "%s %s HTTP/%s" %d', "10.0.0.1:5000", "GET", f"/trellis/calendar/{secret}.ics", "1.1", 200)
    access.info('%s - "%s %s HTTP/%s" %d', "10.0.0.1:5000", "GET", "/graphql?x=1", "1.1", 200)
    written = captured.getvalue()
    assert secret not in written
    assert "/calendar/<secret>.ics" in written and "/graphql?x=1" in written
