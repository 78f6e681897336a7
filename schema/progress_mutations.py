"""Mutations on progress and the course catalogue."""

from datetime import datetime
from typing import Any, Self

import strawberry

from permissions.policy import Ability
from resolvers import catalogue as catalogue_resolvers
from resolvers import progress as progress_resolvers
from schema.ids import ref
from schema.mutation import mutation, node_payload
from schema.nodes import Course, Person
from schema.reports import CourseEnrolment


@strawberry.type(description="The enrolment as it now is.")
class CourseEnrolmentPayload:
    enrolment: CourseEnrolment = strawberry.field(description="The person's progress in the course, as it now stands.")

    @classmethod
    async def of(cls, info: strawberry.Info, row: Any) -> Self:
        return cls(enrolment=CourseEnrolment.from_row(row))


CoursePayload = node_payload("CoursePayload", Course, "The course as it now is.")


@strawberry.input(description="Progress from a course player or an external learning system.")
class RecordCourseProgressInput:
    person_id: strawberry.ID = ref("Person", description="Whose progress it is.")
    course_id: strawberry.ID = ref("Course", description="A course of the catalogue.")
    idempotency_key: str = strawberry.field(
        description="Unique per call for this person: a retry with the same key counts once."
    )
    progress_percent: int = strawberry.field(description="0 to 100; never lower than already recorded.")
    seconds_spent: int = strawberry.field(default=0, description="Time spent since the last call; added up.")
    completed_at: datetime | None = strawberry.field(
        default=None, description="When it was completed. Kept once set; 100% also completes, as of now."
    )


@strawberry.input(description="A new course for the catalogue.")
class AddCourseInput:
    code: str = strawberry.field(description="Up to 32 characters, unique; kept in capitals.")
    title: str = strawberry.field(description="Up to 200 characters.")


@strawberry.input(description="A course's new title.")
class RenameCourseInput:
    course_id: strawberry.ID = ref("Course", description="The course.")
    title: str = strawberry.field(description="Up to 200 characters.")


@strawberry.input(description="A course to retire.")
class RetireCourseInput:
    course_id: strawberry.ID = ref("Course", description="The course.")


@strawberry.type
class ProgressMutations:
    record_course_progress = mutation(
        "recordCourseProgress", RecordCourseProgressInput, CourseEnrolmentPayload, ability=Ability.RECORD_PROGRESS,
        target=Person, use=progress_resolvers.record,
        description="Record progress in a course, creating the enrolment if needed. For the person themself, "
        "their school's full administrators or its external system.",
    )
    add_course = mutation(
        "addCourse", AddCourseInput, CoursePayload, ability=Ability.PLATFORM_SUPPORT,
        use=catalogue_resolvers.add_course, description="Add a course to the catalogue. Platform support only.",
    )
    rename_course = mutation(
        "renameCourse", RenameCourseInput, CoursePayload, ability=Ability.PLATFORM_SUPPORT, target=Course,
        use=catalogue_resolvers.rename_course, description="Rename a catalogue course. Platform support only.",
    )
    retire_course = mutation(
        "retireCourse", RetireCourseInput, CoursePayload, ability=Ability.PLATFORM_SUPPORT, target=Course,
        use=catalogue_resolvers.retire_course,
        description="Retire a course: it stays in history and reports but cannot become a new target. Platform "
        "support only.",
    )
