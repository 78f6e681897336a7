"""The course catalogue."""

from sqlalchemy import func, or_, select

from domain.models import Course
from resolvers.context import RequestContext
from resolvers.pagination import Order, Page, paginate


async def list_courses(
    ctx: RequestContext, *, first: int, after: str | None, search: str | None, include_retired: bool
) -> Page[Course]:
    stmt = select(Course)
    if not include_retired:
        stmt = stmt.where(Course.retired_at.is_(None))
    if search:
        needle = search.strip().lower()
        stmt = stmt.where(
            or_(
                func.lower(Course.title).contains(needle, autoescape=True),
                func.lower(Course.code).contains(needle, autoescape=True),
            )
        )
    async with ctx.db.read() as session:
        return await paginate(
            session, stmt, [Order(Course.title), Order(Course.id)],
            first=first, after=after, maximum=ctx.settings.max_page_size,
        )
