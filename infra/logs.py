"""Logging for every process: one line per event, JSON in production (a field per fact,
for a log shipper) and readable text in development. Every line logged while a request
is served carries its request id, and every line of a job the id of its digest, so one
request's or one digest's lines can be found among all the others'."""

import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TextIO

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
digest_id: ContextVar[int | None] = ContextVar("digest_id", default=None)
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class _Ids(logging.Filter):
    """Puts the current request's and digest's ids on each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        record.digest_id = digest_id.get()
        return True


# A calendar feed's URL is its only key (GET /calendar/<secret>.ics): kept out of the access log.
_FEED_SECRET = re.compile(r"/calendar/[^/?]+\.ics")


class _NoFeedSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) > 2:
            path = str(record.args[2])
            if _FEED_SECRET.search(path):
                record.args = (*record.args[:2], _FEED_SECRET.sub("/calendar/<secret>.ics", path), *record.args[3:])
        return True


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "digest_id"):
            if getattr(record, key, None) is not None:
                line[key] = getattr(record, key)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class Readable(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s%(ids)s %(message)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        ids = [f"req={record.request_id}" if getattr(record, "request_id", None) else "",
               f"digest={record.digest_id}" if getattr(record, "digest_id", None) else ""]
        record.ids = "".join(f" [{i}]" for i in ids if i)
        return super().format(record)


def configure(*, production: bool, level: str = "INFO", stream: TextIO | None = None) -> None:
    """The root logger's one handler; uvicorn's loggers (its access log too) pass through it."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(_Ids())
    handler.addFilter(_NoFeedSecrets())
    handler.setFormatter(JsonLines() if production else Readable())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "dramatiq"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
