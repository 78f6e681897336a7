"""Reports over plain HTTP: a group's completion pie chart as SVG and its training matrix
as CSV (a trust's exports are in app/trust_exports.py). Same bearer tokens and the same
policy as GraphQL: what the caller may not see is 404, what they may see but not read is
403."""

import math
import re
import urllib.parse
from collections.abc import AsyncIterator
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from app.auth import Unauthenticated, authenticate
from app.spreadsheet import Sheet
from domain.errors import DomainError, ErrorCode, Forbidden, Invalid
from resolvers import reports
from domain.local_time import local_date
from resolvers.targets import GroupInSchool
from schema.context import Context
from schema.ids import decode

COLOURS = {"completed": "#2e7d32", "in progress": "#f9a825", "not started": "#9e9e9e"}


def attachment(filename: str) -> dict[str, str]:
    """A Content-Disposition for any name: a plain ASCII fallback, and the exact name
    encoded as RFC 6266 / 5987 say, for clients that read it."""
    plain = re.sub(r"[^A-Za-z0-9._-]+", "-", filename).strip("-") or "download"
    exact = urllib.parse.quote(filename, safe="")
    return {"Content-Disposition": f"attachment; filename=\"{plain}\"; filename*=UTF-8''{exact}"}


def problem_response(status: int, message: str, code: str) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status_code=status)


async def caller_context(request: Request) -> Context:
    state = request.app.state
    principal = await authenticate(request, state.db)
    if not principal.authenticated:
        raise Unauthenticated("Authentication required: send `Authorization: Bearer <token>`.")
    return Context(db=state.db, principal=principal, settings=state.settings, request_id=request.state.request_id)


def _on(request: Request) -> date | None:
    value = request.query_params.get("on")
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise Invalid("on must be a date such as 2026-11-30.", "on") from None


async def _report(request: Request) -> tuple[Context, GroupInSchool, reports.GroupReport] | Response:
    try:
        ctx = await caller_context(request)
        group_id = decode(request.path_params["id"], "StaffGroup", "id")
        found, report = await reports.report_for(ctx, group_id, _on(request))
    except Unauthenticated as problem:
        return problem_response(401, str(problem), "UNAUTHENTICATED")
    except Forbidden as problem:
        return problem_response(403, problem.message, ErrorCode.FORBIDDEN)
    except Invalid as problem:
        if problem.field == "on":
            return problem_response(400, problem.message, ErrorCode.VALIDATION)
        return problem_response(404, "No such staff group.", ErrorCode.NOT_FOUND)
    except DomainError:
        return problem_response(404, "No such staff group.", ErrorCode.NOT_FOUND)
    return ctx, found, report


def _slice(cx: float, cy: float, r: float, start: float, end: float) -> str:
    if end - start >= 2 * math.pi - 1e-9:
        return f'<circle cx="{cx}" cy="{cy}" r="{r}"'
    x1, y1 = cx + r * math.sin(start), cy - r * math.cos(start)
    x2, y2 = cx + r * math.sin(end), cy - r * math.cos(end)
    large = 1 if end - start > math.pi else 0
    return f'<path d="M{cx},{cy} L{x1:.2f},{y1:.2f} A{r},{r} 0 {large} 1 {x2:.2f},{y2:.2f} Z"'


def render_pie(title: str, counts: reports.Counts, on: date) -> str:
    """Completed, in progress and not started as slices of every (member, target course)
    cell; overdue, a part of the unfinished ones, in the legend."""
    parts = [("completed", counts.completed), ("in progress", counts.in_progress),
             ("not started", counts.not_started)]
    out = [
        '<svg xmlns="http://www.w3.org/2000/svg" width="420" height="260" viewBox="0 0 420 260" '
        'role="img" font-family="sans-serif" font-size="13">',
        f"<title>{escape(title)}: completion on {on.isoformat()}</title>",
        f'<text x="10" y="20" font-weight="bold">{escape(title)}</text>',
    ]
    angle = 0.0
    for label, value in parts:
        if counts.total and value:
            end = angle + 2 * math.pi * value / counts.total
            out.append(f'{_slice(110, 140, 100, angle, end)} fill="{COLOURS[label]}" '
                       f'data-status="{label}" data-count="{value}"><title>{label}: {value}</title>'
                       + ("</circle>" if end - angle >= 2 * math.pi - 1e-9 else "</path>"))
            angle = end
    if not counts.total:
        out.append('<circle cx="110" cy="140" r="100" fill="#eeeeee"><title>no targets yet</title></circle>')
    for i, (label, value) in enumerate([*parts, ("overdue", counts.overdue)]):
        y = 90 + 24 * i
        colour = COLOURS.get(label, "#c62828")
        out.append(f'<rect x="230" y="{y - 11}" width="12" height="12" fill="{colour}"/>')
        out.append(f'<text x="250" y="{y}">{label}: {value}</text>')
    out.append(f'<text x="230" y="{90 + 24 * 4}">{counts.percent_complete:g}% complete</text>')
    out.append("</svg>")
    return "\n".join(out)


async def completion_svg(request: Request) -> Response:
    answer = await _report(request)
    if isinstance(answer, Response):
        return answer
    _, found, report = answer
    return Response(render_pie(found.group.name, report.overall, report.on), media_type="image/svg+xml")


def _cells(row: object, on: date, zone: str) -> tuple[str, int | None, date | None]:
    """A member's standing in one target course: its status, progress and completion date
    (school-local), each in a column of its own."""
    if row.completed_at is not None:  # type: ignore[attr-defined]
        return "completed", 100, local_date(row.completed_at, zone)  # type: ignore[attr-defined]
    progress = row.progress_percent if row.enrolment_id is not None else None  # type: ignore[attr-defined]
    if row.effective_due is not None and row.effective_due < on:  # type: ignore[attr-defined]
        return "overdue", progress, None
    return ("in progress" if progress is not None else "not started"), progress, None


async def matrix_csv(request: Request) -> Response:
    """One row per member; per target course, three columns: status (completed, overdue,
    in progress or not started), progress in percent, and the completion date (school
    local)."""
    answer = await _report(request)
    if isinstance(answer, Response):
        return answer
    ctx, found, report = answer
    zone = found.school.time_zone

    async def rows() -> AsyncIterator[str]:
        sheet = Sheet()
        async with ctx.db.streaming() as session:
            columns = await reports.matrix_columns(session, found)
            per_course = ("status", "progress %", "completed on")
            yield sheet.row(["Name", "Email", *(f"{c.code} {c.title}: {what}" for c in columns for what in per_course)])
            none = ("", None, None)

            def line(person: tuple[int, str, str], cells: dict[int, tuple[Any, ...]]) -> str:
                return sheet.row([person[1], person[2], *(v for c in columns for v in cells.get(c.course_id, none))])

            current: tuple[int, str, str] | None = None
            cells: dict[int, tuple[Any, ...]] = {}
            result = await session.stream(reports.matrix_cells(found, report.on))
            async for row in result:
                person = (row.id, row.display_name, row.email)
                if current is not None and person != current:
                    yield line(current, cells)
                    cells = {}
                current = person
                if row.course_id is not None:
                    cells[row.course_id] = _cells(row, report.on, zone)
            if current is not None:
                yield line(current, cells)

    return StreamingResponse(
        rows(), media_type="text/csv; charset=utf-8",
        headers=attachment(f"{found.group.name}-matrix-{report.on.isoformat()}.csv"),
    )
