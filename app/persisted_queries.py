"""Automatic persisted queries, Apollo's protocol: a client sends the SHA-256 of its query
in `extensions.persistedQuery.sha256Hash` instead of the text, so a query can travel as a
short GET that a CDN may cache. The first time, Trellis answers PERSISTED_QUERY_NOT_FOUND;
the client sends the text with its hash once, and Trellis keeps it (after checking the
hash, and only once the document has passed the limits and validation).

Each process keeps its own, bounded by the bytes of the texts it holds, least recently
used first out: a client whose hash another process does not know simply sends the text
again, as the protocol expects.
"""

import hashlib
import re
from collections import OrderedDict
from typing import Any

PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class PersistedQueryProblem(Exception):
    """A persisted-query extension that cannot be honoured (a request error)."""


class PersistedQueryNotFound(Exception):
    """A hash this process does not know: the client should send the query with it."""


def requested_hash(params: dict[str, Any]) -> str | None:
    """The hash a request names, or None when it uses no persisted query."""
    extensions = params.get("extensions") or {}
    if "persistedQuery" not in extensions:
        return None
    persisted = extensions["persistedQuery"]
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        raise PersistedQueryProblem("Only version 1 of `extensions.persistedQuery` is supported.")
    sha = persisted.get("sha256Hash")
    if not isinstance(sha, str) or not _SHA256.match(sha):
        raise PersistedQueryProblem("`extensions.persistedQuery.sha256Hash` must be 64 lowercase hex digits.")
    return sha


class PersistedQueries:
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._texts: OrderedDict[str, str] = OrderedDict()
        self._bytes = 0

    def query_for(self, params: dict[str, Any]) -> tuple[str, str | None]:
        """The query text to run and, when it came with a hash not yet kept, that hash
        (to `keep` once the document is accepted)."""
        sha = requested_hash(params)
        query = params.get("query")
        if sha is None:
            return query, None
        if isinstance(query, str) and query:
            if hashlib.sha256(query.encode()).hexdigest() != sha:
                raise PersistedQueryProblem("The query's SHA-256 does not match `extensions.persistedQuery`.")
            return query, None if sha in self._texts else sha
        text = self._texts.get(sha)
        if text is None:
            raise PersistedQueryNotFound
        self._texts.move_to_end(sha)
        return text, None

    def keep(self, sha: str, query: str) -> None:
        size = len(query.encode())
        if size > self.max_bytes or sha in self._texts:
            return
        self._texts[sha] = query
        self._bytes += size
        while self._bytes > self.max_bytes:
            _, dropped = self._texts.popitem(last=False)
            self._bytes -= len(dropped.encode())
