"""`GET /calendar/<secret>.ics`: a person's calendar feed. The URL is the key (calendar
applications send no token); any secret that opens no feed is the same 404."""

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from app.report_endpoints import problem_response
from resolvers import calendar


async def calendar_feed(request: Request) -> Response:
    settings = request.app.state.settings
    domain = urlsplit(settings.public_url).hostname if settings.public_url else request.url.hostname
    body = await calendar.served(request.app.state.db, request.path_params["secret"], domain or "trellis")
    if body is None:
        return problem_response(404, "No calendar feed is at this address.", "NOT_FOUND")
    return Response(body, media_type="text/calendar; charset=utf-8", headers={
        # Kept by no cache: a rotated address must stop answering at once.
        "Cache-Control": "no-store",
        "Content-Disposition": 'inline; filename="learning-targets.ics"',
    })
