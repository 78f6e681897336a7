"""The course catalogue."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import select

from domain import validation
from domain.audit import AuditAction, snapshot
from domain.errors import Conflict
from domain.models import Course, utcnow
from resolvers.context import RequestContext
from resolvers.pagination import Order, Page, Window, paginate
from resolvers.search import searched
from resolvers.unit_of_work import UnitOfWork


class CourseRow(NamedTuple):
    """A course as a list's statement reads it alongside its own rows: what its node is
    made from (a model object costs more to build than the rest of such a row)."""

    id: int
    code: str
    title: str
    retired_at: datetime | None


# What a list's statement selects to read each row's course with it, as a CourseRow.
COURSE_COLUMNS = (Course.id.label("course_id"), Course.code, Course.title, Course.retired_at)


def course_rows(rows: Iterable[Any]) -> dict[int, CourseRow]:
    """Each course of rows that selected COURSE_COLUMNS, once, by id."""
    return {row.course_id: CourseRow(row.course_id, row.code, row.title, row.retired_at) for row in rows}


def courses_known(ctx: RequestContext, rows: Iterable[Any]) -> None:
    """The courses of rows that selected COURSE_COLUMNS, handed to the request's loaders:
    each item's course field then answers without a statement or an await."""
    ctx.loaders.known(Course, course_rows(rows).values())


async def list_courses(
    ctx: RequestContext, *, window: Window, search: str | None, include_retired: bool
) -> Page[Course]:
    stmt = select(Course)
    if not include_retired:
        stmt = stmt.where(Course.retired_at.is_(None))
    stmt = searched(stmt, search, Course.title, Course.code)
    return await paginate(ctx, stmt, [Order(Course.title), Order(Course.id)], window)


async def add_course(uow: UnitOfWork, *, code: str, title: str) -> Course:
    code = validation.name(code, "code", 32).upper()
    title = validation.name(title, "title")
    if (await uow.session.execute(select(Course.id).where(Course.code == code))).first():
        raise Conflict(f"The code {code} is taken.", "code")
    course = Course(code=code, title=title)
    uow.session.add(course)
    await uow.session.flush()
    await uow.audit(AuditAction.COURSE_ADDED, target=course, what=f"added {code} {title} to the catalogue",
                    after=snapshot(course))
    return course


async def rename_course(uow: UnitOfWork, course: Course, *, title: str) -> Course:
    title = validation.name(title, "title")
    before = snapshot(course)
    course.title = title
    await uow.audit(AuditAction.COURSE_RENAMED, target=course, what=f"renamed {course.code} to {title}",
                    before=before, after=snapshot(course))
    return course


async def retire_course(uow: UnitOfWork, course: Course) -> Course:
    """A retired course leaves the catalogue's default listing and cannot become a new
    target; it stays in history, paths and reports."""
    if course.retired_at is not None:
        raise Conflict("This course is already retired.", "courseId")
    before = snapshot(course)
    course.retired_at = utcnow()
    await uow.audit(AuditAction.COURSE_RETIRED, target=course, what=f"retired {course.code} {course.title}",
                    before=before, after=snapshot(course))
    return course
