"""Mutations on progress and the course catalogue."""

from datetime import datetime
from typing import Any

import strawberry

from domain.progress import ProgressCall
from permissions.policy import Ability
from resolvers import catalogue as catalogue_resolvers
from resolvers import progress as progress_resolvers
from schema import errors
from schema.ids import decode
from schema.mutations import attempt
from schema.nodes import Course
from schema.permission import mutation
from schema.reports import CourseEnrolment


@strawberry.type
class CourseEnrolmentPayload:
    enrolment: CourseEnrolment


@strawberry.type
class CoursePayload:
    course: Course


@strawberry.input(description="Progress from a course player or an external learning system.")
class RecordCourseProgressInput:
    person_id: strawberry.ID
    course_id: strawberry.ID
    idempotency_key: str = strawberry.field(
        description="Unique per call for this person: a retry with the same key counts once."
    )
    progress_percent: int = strawberry.field(description="0 to 100; never lower than already recorded.")
    seconds_spent: int = strawberry.field(default=0, description="Time spent since the last call; added up.")
    completed_at: datetime | None = strawberry.field(
        default=None, description="When it was completed. Kept once set; 100% also completes, as of now."
    )


@strawberry.input
class AddCourseInput:
    code: str
    title: str


@strawberry.input
class RenameCourseInput:
    course_id: strawberry.ID
    title: str


@strawberry.input
class RetireCourseInput:
    course_id: strawberry.ID


def _enrolment(row: Any) -> CourseEnrolmentPayload:
    return CourseEnrolmentPayload(enrolment=CourseEnrolment.from_row(row))


def _course(row: Any) -> CoursePayload:
    return CoursePayload(course=Course.from_row(row))


@strawberry.type
class ProgressMutations:
    @mutation(Ability.SIGNED_IN, description="Record progress in a course, creating the enrolment if needed. "
              "For the person themself, their school's full administrators or its external system.")
    async def record_course_progress(
        self, info: strawberry.Info, input: RecordCourseProgressInput
    ) -> errors.result("recordCourseProgress", CourseEnrolmentPayload):
        return await attempt(
            lambda: progress_resolvers.record(
                info.context,
                person_id=decode(input.person_id, "Person", "personId"),
                course_id=decode(input.course_id, "Course", "courseId"),
                idempotency_key=input.idempotency_key,
                call=ProgressCall(input.progress_percent, input.seconds_spent, input.completed_at),
            ),
            _enrolment,
        )

    @mutation(Ability.SIGNED_IN, description="Add a course to the catalogue. Platform support only.")
    async def add_course(self, info: strawberry.Info, input: AddCourseInput) -> errors.result("addCourse", CoursePayload):
        return await attempt(
            lambda: catalogue_resolvers.add_course(info.context, code=input.code, title=input.title), _course
        )

    @mutation(Ability.SIGNED_IN, description="Rename a catalogue course. Platform support only.")
    async def rename_course(
        self, info: strawberry.Info, input: RenameCourseInput
    ) -> errors.result("renameCourse", CoursePayload):
        return await attempt(
            lambda: catalogue_resolvers.rename_course(
                info.context, course_id=decode(input.course_id, "Course", "courseId"), title=input.title
            ),
            _course,
        )

    @mutation(Ability.SIGNED_IN, description="Retire a course: it stays in history and reports but cannot "
              "become a new target. Platform support only.")
    async def retire_course(
        self, info: strawberry.Info, input: RetireCourseInput
    ) -> errors.result("retireCourse", CoursePayload):
        return await attempt(
            lambda: catalogue_resolvers.retire_course(
                info.context, course_id=decode(input.course_id, "Course", "courseId")
            ),
            _course,
        )
