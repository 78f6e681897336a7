"""A trust's exports as CSV: the enrolment progress query and the list of learning
targets, with the same filters as GraphQL's, by name. A trust the caller may not see is
404 whatever else the request says; a member of it who may not see its schools' progress
gets 403 saying why and whom to ask; bad input is 400 naming the parameter."""

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import date, datetime
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from app.auth import Unauthenticated
from app.report_endpoints import attachment, caller_context, problem_response
from app.spreadsheet import Sheet
from domain import validation
from domain.errors import DomainError, ErrorCode, Invalid
from domain.models import Course, Organisation, StaffGroup, Term
from permissions import policy
from resolvers import trust_analytics, trust_targets, trusts
from domain.local_time import local_date
from resolvers.trust_analytics import Dimension
from resolvers.trust_scope import ProgressFilter, ProgressStatus
from schema.context import Context
from schema.ids import decode

T = TypeVar("T")


def _list_param(request: Request, name: str) -> list[str]:
    return [part.strip() for part in request.query_params.get(name, "").split(",") if part.strip()]


def _param(request: Request, name: str, parse: Callable[[str], T], expected: str) -> T | None:
    """A query parameter as `parse` reads it, or 400 naming it and what it takes."""
    value = request.query_params.get(name)
    if not value:
        return None
    try:
        return parse(value)
    except ValueError:
        raise Invalid(f"{name} must be {expected}.", name) from None


def _instant_param(request: Request, name: str) -> datetime | None:
    return _param(request, name, datetime.fromisoformat, "an instant such as 2026-09-01T00:00:00Z")


def _day_param(request: Request, name: str) -> date | None:
    return _param(request, name, date.fromisoformat, "a day such as 2026-09-01")


def _progress_filter(request: Request) -> ProgressFilter:
    params = request.query_params
    where = ProgressFilter(
        course_id=decode(params["courseId"], "Course", "courseId") if params.get("courseId") else None,
        staff_group_id=decode(params["staffGroupId"], "StaffGroup", "staffGroupId") if params.get("staffGroupId") else None,
        status=_choice(request, "status", ProgressStatus),
        started_since=_instant_param(request, "startedSince"),
        started_until=_instant_param(request, "startedUntil"),
        completed_since=_instant_param(request, "completedSince"),
        completed_until=_instant_param(request, "completedUntil"),
        started_from=_day_param(request, "startedFrom"),
        started_to=_day_param(request, "startedTo"),
        completed_from=_day_param(request, "completedFrom"),
        completed_to=_day_param(request, "completedTo"),
        search=params.get("search"),
    )
    validation.period(where.started_since, where.started_until, "startedSince", "startedUntil")
    validation.period(where.completed_since, where.completed_until, "completedSince", "completedUntil")
    validation.days(where.started_from, where.started_to, "startedFrom", "startedTo")
    validation.days(where.completed_from, where.completed_to, "completedFrom", "completedTo")
    return where


def _choice(request: Request, name: str, kind: type[T]) -> T | None:
    """An enum parameter by its value, or 400 naming the parameter and the values it takes."""
    value = request.query_params.get(name)
    if not value:
        return None
    if value not in kind.__members__:  # type: ignore[attr-defined]
        raise Invalid(f"{name} must be one of {', '.join(kind)}.", name)  # type: ignore[call-overload]
    return kind(value)  # type: ignore[call-arg]


def _school_ids(request: Request) -> list[int] | None:
    return [decode(s, "Organisation", "schoolIds") for s in _list_param(request, "schoolIds")] or None


async def _for_trust(
    request: Request, answer: Callable[[Context, Organisation], Awaitable[T]]
) -> tuple[Context, Organisation, T] | Response:
    """The trust of the path, if the caller may see it, and `answer` for it; or the problem
    as an HTTP answer."""
    try:
        ctx = await caller_context(request)
        trust = await trusts.find_trust(ctx, decode(request.path_params["id"], "Organisation", "id"))
        if trust is None:
            return problem_response(404, "No such trust.", ErrorCode.NOT_FOUND)
        seen, message, _ = await trusts.sight(ctx, trust.id)
        if seen in (policy.TrustSight.NEEDS_ADMINISTRATOR, policy.TrustSight.NEEDS_ACADEMIES):
            return problem_response(403, message, ErrorCode.FORBIDDEN)
        return ctx, trust, await answer(ctx, trust)
    except Unauthenticated as refused:
        return problem_response(401, str(refused), "UNAUTHENTICATED")
    except Invalid as refused:
        if refused.field == "id":
            return problem_response(404, "No such trust.", ErrorCode.NOT_FOUND)
        return problem_response(400, refused.message, ErrorCode.VALIDATION)
    except DomainError as refused:
        return problem_response(404, refused.message, ErrorCode.NOT_FOUND)


def _csv(lines: Iterator[str] | AsyncIterator[str], filename: str) -> StreamingResponse:
    return StreamingResponse(lines, media_type="text/csv; charset=utf-8", headers=attachment(filename))


async def trust_progress_csv(request: Request) -> Response:
    """The ad hoc progress query as CSV: `groupBy=SCHOOL,COURSE`, optional `schoolIds`,
    and the same filters as GraphQL's, by name."""

    async def answer(ctx: Context, trust: Organisation) -> tuple[list[Dimension], list[trust_analytics.SummaryRow]]:
        dimensions = []
        for name in _list_param(request, "groupBy") or ["SCHOOL"]:
            if name not in Dimension.__members__:
                raise Invalid(f"groupBy: unknown dimension {name}; use {', '.join(Dimension)}.", "groupBy")
            dimensions.append(Dimension(name))
        return dimensions, await trust_analytics.summary(
            ctx, trust_id=trust.id, school_ids=_school_ids(request), where=_progress_filter(request),
            dimensions=dimensions, granted=policy.granting_schools(ctx.principal, trust.id),
        )

    found = await _for_trust(request, answer)
    if isinstance(found, Response):
        return found
    ctx, trust, (dimensions, rows) = found
    schools = await ctx.loaders.rows(Organisation, (r.school_id for r in rows))
    courses = await ctx.loaders.rows(Course, (r.course_id for r in rows))
    groups = await ctx.loaders.rows(StaffGroup, (r.staff_group_id for r in rows))
    terms = await ctx.loaders.rows(Term, (r.term_id for r in rows))
    labels = {
        Dimension.SCHOOL: ("School", lambda r: schools[r.school_id].name),
        Dimension.COURSE: ("Course", lambda r: f"{courses[r.course_id].code} {courses[r.course_id].title}"),
        Dimension.STAFF_GROUP: ("Staff group", lambda r: groups[r.staff_group_id].name),
        Dimension.MONTH_COMPLETED: ("Month completed", lambda r: r.month_completed or ""),
        Dimension.TERM_COMPLETED: ("Term completed", lambda r: terms[r.term_id].name if r.term_id else ""),
        Dimension.STATUS: ("Status", lambda r: r.status or ""),
    }

    def lines() -> Iterator[str]:
        sheet = Sheet()
        yield sheet.row([*(labels[d][0] for d in dimensions), "Enrolments", "Completed", "In progress",
                         "Not started", "Overdue", "Completion rate", "Mean seconds", "Median seconds"])
        for row in rows:
            yield sheet.row([
                *(labels[d][1](row) for d in dimensions), row.enrolments, row.completed, row.in_progress,
                row.not_started, row.overdue, round(row.completion_rate, 4),
                None if row.mean_seconds is None else round(row.mean_seconds, 1),
                None if row.median_seconds is None else round(row.median_seconds, 1),
            ])

    return _csv(lines(), f"{trust.name}-progress.csv")


def _target_filter(request: Request) -> trust_targets.TargetFilter:
    params = request.query_params
    where = trust_targets.TargetFilter(
        course_id=decode(params["courseId"], "Course", "courseId") if params.get("courseId") else None,
        staff_group_id=decode(params["staffGroupId"], "StaffGroup", "staffGroupId") if params.get("staffGroupId") else None,
        staff_group_name=params.get("staffGroupName") or None,
        status=_choice(request, "status", ProgressStatus),
        due_from=_day_param(request, "dueFrom"), due_to=_day_param(request, "dueTo"),
        search=params.get("search"),
    )
    validation.days(where.due_from, where.due_to, "dueFrom", "dueTo")
    return where


async def trust_targets_csv(request: Request) -> Response:
    """The trust-wide list of learning targets as CSV, streamed from one statement: who is
    overdue across the trust is `?status=OVERDUE`. One row per target; dates in ISO 8601,
    completion on the school's local day."""

    async def answer(ctx: Context, trust: Organisation) -> tuple[Any, dict[int, date]]:
        return await trust_targets.list_for_export(
            ctx, trust_id=trust.id, school_ids=_school_ids(request), where=_target_filter(request),
            granted=policy.granting_schools(ctx.principal, trust.id),
        )

    found = await _for_trust(request, answer)
    if isinstance(found, Response):
        return found
    ctx, trust, (stmt, days) = found
    zones = {s.id: s.time_zone for s in (await ctx.loaders.rows(Organisation, days)).values()}

    async def lines() -> AsyncIterator[str]:
        sheet = Sheet()
        yield sheet.row(["School", "Name", "Email", "Staff group", "Course code", "Course title", "Status", "Due on",
                         "Days overdue", "Progress %", "Completed on"])
        async with ctx.db.streaming() as session:
            async for row in await session.stream(stmt):
                target = trust_targets.line(row, days)
                yield sheet.row([
                    target.school_name, target.person_name, target.person_email, target.staff_group_name,
                    target.course_code, target.course_title, target.status.lower().replace("_", " "), target.due_on,
                    target.days_overdue, target.progress_percent,
                    local_date(target.completed_at, zones[target.school_id]) if target.completed_at else None,
                ])

    return _csv(lines(), f"{trust.name}-targets.csv")
