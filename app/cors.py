"""Cross-origin calls from browser pages on the origins named by CORS_ALLOWED_ORIGINS.

Starlette's CORSMiddleware, with two differences: an origin that is not listed gets no
CORS headers at all (Starlette would still send it the exposed headers, and the allowed
methods and headers with its refused preflight), and no credentials are ever allowed,
since Trellis reads bearer tokens, never cookies."""

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Send

METHODS = ("GET", "POST")
HEADERS = ("Authorization", "Content-Type", "X-Request-ID")
# Retry-After comes with 503 TIMEOUT; X-Request-ID is what support asks for.
EXPOSED = ("X-Request-ID", "Retry-After")
MAX_AGE_SECONDS = 3600  # Chromium caps a cached preflight at two hours


class ListedOriginsOnly(CORSMiddleware):
    def __init__(self, app: ASGIApp, origins: tuple[str, ...]) -> None:
        super().__init__(app, allow_origins=origins, allow_methods=METHODS, allow_headers=HEADERS,
                         expose_headers=EXPOSED, max_age=MAX_AGE_SECONDS)

    def preflight_response(self, request_headers: Headers) -> Response:
        answer = super().preflight_response(request_headers)
        if answer.status_code == 200:
            return answer
        return PlainTextResponse("This origin, method or header may not call Trellis.", status_code=400,
                                 headers={"Vary": "Origin"})

    async def send(self, message: Message, send: Send, request_headers: Headers) -> None:
        origin = request_headers.get("origin")
        if message["type"] == "http.response.start" and origin is not None and not self.is_allowed_origin(origin):
            message.setdefault("headers", [])
            headers = MutableHeaders(scope=message)
            headers["Vary"] = ", ".join([*headers.getlist("Vary"), "Origin"])
            await send(message)
            return
        await super().send(message, send, request_headers)
