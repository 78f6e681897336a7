"""`GET /calendar/<secret>.ics`: a person's calendar feed. The URL is the key (calendar
applications send no token); any secret that opens no feed is the same 404."""

from starlette.requests import Request
from starlette.responses import Response

from app.report_endpoints import problem_response
from resolvers import calendar


async def calendar_feed(request: Request) -> Response:
    body = await calendar.served(request.app.state.db, request.path_params["secret"])
    if body is None:
        return problem_response(404, "No calendar feed is at this address.", "NOT_FOUND")
    return Response(body, media_type="text/calendar; charset=utf-8", headers={
        # Shared caches must not keep one person's targets; calendar applications poll anyway.
        "Cache-Control": "private, max-age=300",
        "Content-Disposition": 'inline; filename="learning-targets.ics"',
    })
