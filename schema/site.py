"""Keeping a school's site (seed 002): terms, courses and their people, parent links and
attendance codes. Declared SIGNED_IN; the resolvers ask the policy for MANAGE_SITE."""

from datetime import date
from typing import Any

import strawberry

from domain import records
from permissions.policy import Ability
from resolvers import site as site_resolvers
from schema import errors, ids
from schema.mutations import attempt
from schema.permission import mutation
from schema.records import AttendanceCode
from schema.workflow import PersonRef, SchoolCourse, Term

CourseRole = strawberry.enum(records.CourseRole, name="CourseRole", description="A teacher or a learner of a course.")

CATEGORIES = ", ".join(records.AttendanceCategory)


@strawberry.input
class CreateTermInput:
    school_id: strawberry.ID
    name: str
    starts_on: date = strawberry.field(description="The term's first day, school-local.")
    ends_on: date = strawberry.field(description="Its last day, included; not before startsOn.")


@strawberry.input(description="Change what is given; leave the rest out.")
class UpdateTermInput:
    term_id: strawberry.ID
    name: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None


@strawberry.input
class CreateSchoolCourseInput:
    school_id: strawberry.ID
    title: str
    teacher_ids: list[strawberry.ID] = strawberry.field(default_factory=list, description="Staff of the school.")
    learner_ids: list[strawberry.ID] = strawberry.field(default_factory=list,
                                                        description="Members of the school with LEARNER standing.")


@strawberry.input
class CourseParticipantsInput:
    course_id: strawberry.ID = strawberry.field(description="A SchoolCourse id.")
    role: CourseRole
    person_ids: list[strawberry.ID]


@strawberry.input(description="A parent and a learner, both members of the school.")
class ParentLinkInput:
    school_id: strawberry.ID
    parent_id: strawberry.ID
    learner_id: strawberry.ID


@strawberry.input
class AddAttendanceCodeInput:
    school_id: strawberry.ID
    code: str = strawberry.field(description="Up to 8 characters without spaces, unique in the school.")
    name: str
    category: str = strawberry.field(description=f"One of {CATEGORIES}.")


@strawberry.input(description="Change a code's name or category; leave the rest out.")
class UpdateAttendanceCodeInput:
    school_id: strawberry.ID
    code: str
    name: str | None = None
    category: str | None = strawberry.field(default=None, description=f"One of {CATEGORIES}.")


@strawberry.input
class RetireAttendanceCodeInput:
    school_id: strawberry.ID
    code: str


@strawberry.type(description="A teacher or a learner of one of the school's courses.")
class CourseParticipant:
    course: SchoolCourse
    person: PersonRef
    role: CourseRole

    @classmethod
    def from_row(cls, row: tuple[Any, Any, Any]) -> "CourseParticipant":
        participant, person, course = row
        return cls(course=SchoolCourse.from_row(course), person=PersonRef.from_row(person),
                   role=records.CourseRole(participant.role))


@strawberry.type(description="A parent linked to a learner: the parent sees the learner's records in phases "
                 "ticking Parent.")
class ParentLink:
    parent: PersonRef
    learner: PersonRef

    @classmethod
    def from_row(cls, row: tuple[Any, Any, Any]) -> "ParentLink":
        _, parent, learner = row
        return cls(parent=PersonRef.from_row(parent), learner=PersonRef.from_row(learner))


@strawberry.type
class TermPayload:
    term: Term


@strawberry.type
class SchoolCoursePayload:
    course: SchoolCourse
    changed_person_ids: list[strawberry.ID] = strawberry.field(description="The people added or taken off.")


@strawberry.type
class ParentLinkPayload:
    parent: PersonRef
    learner: PersonRef


@strawberry.type
class AttendanceCodePayload:
    attendance_code: AttendanceCode


def _people(values: list[str], field: str) -> list[int]:
    return [ids.decode(v, "Person", field) for v in values]


def _course(found: tuple[Any, list[int]]) -> SchoolCoursePayload:
    course, changed = found
    return SchoolCoursePayload(course=SchoolCourse.from_row(course),
                               changed_person_ids=[ids.global_id("Person", p) for p in changed])


def _link(found: tuple[Any, Any]) -> ParentLinkPayload:
    return ParentLinkPayload(parent=PersonRef.from_row(found[0]), learner=PersonRef.from_row(found[1]))


def _code(row: Any) -> AttendanceCodePayload:
    return AttendanceCodePayload(attendance_code=AttendanceCode.from_row(row))


def _term(row: Any) -> TermPayload:
    return TermPayload(term=Term.from_row(row))


@strawberry.type
class SiteMutations:
    @mutation(Ability.SIGNED_IN, description="Add a term to a school. Terms never overlap. Administrators only.")
    async def create_term(self, info: strawberry.Info, input: CreateTermInput) -> errors.result("createTerm",
                                                                                                 TermPayload):
        return await attempt(lambda: site_resolvers.create_term(
            info.context, school_id=ids.decode(input.school_id, "Organisation", "schoolId"), name=input.name,
            starts_on=input.starts_on, ends_on=input.ends_on,
        ), _term)

    @mutation(Ability.SIGNED_IN, description="Rename a term or move its dates; it may not come to overlap "
              "another, nor leave out attendance recorded in it. Administrators only.")
    async def update_term(self, info: strawberry.Info, input: UpdateTermInput) -> errors.result("updateTerm",
                                                                                                 TermPayload):
        return await attempt(lambda: site_resolvers.update_term(
            info.context, term_id=ids.decode(input.term_id, "Term", "termId"), name=input.name,
            starts_on=input.starts_on, ends_on=input.ends_on,
        ), _term)

    @mutation(Ability.SIGNED_IN, description="Add a course the school teaches, with its teachers and learners. "
              "Administrators only.")
    async def create_school_course(self, info: strawberry.Info, input: CreateSchoolCourseInput) -> errors.result(
        "createSchoolCourse", SchoolCoursePayload
    ):
        return await attempt(lambda: site_resolvers.create_course(
            info.context, school_id=ids.decode(input.school_id, "Organisation", "schoolId"), title=input.title,
            teacher_ids=_people(input.teacher_ids, "teacherIds"), learner_ids=_people(input.learner_ids, "learnerIds"),
        ), _course)

    @mutation(Ability.SIGNED_IN, description="Add teachers or learners to a course. Administrators only.")
    async def add_course_participants(self, info: strawberry.Info, input: CourseParticipantsInput) -> (
        errors.result("addCourseParticipants", SchoolCoursePayload)
    ):
        return await attempt(lambda: site_resolvers.change_participants(
            info.context, course_id=ids.decode(input.course_id, "SchoolCourse", "courseId"), role=input.role,
            person_ids=_people(input.person_ids, "personIds"), add=True,
        ), _course)

    @mutation(Ability.SIGNED_IN, description="Take teachers or learners off a course; records already kept "
              "stay. Administrators only.")
    async def remove_course_participants(self, info: strawberry.Info, input: CourseParticipantsInput) -> (
        errors.result("removeCourseParticipants", SchoolCoursePayload)
    ):
        return await attempt(lambda: site_resolvers.change_participants(
            info.context, course_id=ids.decode(input.course_id, "SchoolCourse", "courseId"), role=input.role,
            person_ids=_people(input.person_ids, "personIds"), add=False,
        ), _course)

    @mutation(Ability.SIGNED_IN, description="Link a parent to a learner of the school: the parent then sees the "
              "learner's records in phases ticking Parent. Administrators only.")
    async def link_parent(self, info: strawberry.Info, input: ParentLinkInput) -> errors.result("linkParent",
                                                                                                ParentLinkPayload):
        return await attempt(lambda: site_resolvers.link_parent(
            info.context, school_id=ids.decode(input.school_id, "Organisation", "schoolId"),
            parent_id=ids.decode(input.parent_id, "Person", "parentId"),
            learner_id=ids.decode(input.learner_id, "Person", "learnerId"), link=True,
        ), _link)

    @mutation(Ability.SIGNED_IN, description="Unlink a parent from a learner. Administrators only.")
    async def unlink_parent(self, info: strawberry.Info, input: ParentLinkInput) -> errors.result(
        "unlinkParent", ParentLinkPayload
    ):
        return await attempt(lambda: site_resolvers.link_parent(
            info.context, school_id=ids.decode(input.school_id, "Organisation", "schoolId"),
            parent_id=ids.decode(input.parent_id, "Person", "parentId"),
            learner_id=ids.decode(input.learner_id, "Person", "learnerId"), link=False,
        ), _link)

    @mutation(Ability.SIGNED_IN, description="Add one of the site's own attendance codes, in a category. "
              "Administrators only.")
    async def add_attendance_code(self, info: strawberry.Info, input: AddAttendanceCodeInput) -> errors.result(
        "addAttendanceCode", AttendanceCodePayload
    ):
        return await attempt(lambda: site_resolvers.add_code(
            info.context, school_id=ids.decode(input.school_id, "Organisation", "schoolId"), code=input.code,
            name=input.name, category=input.category,
        ), _code)

    @mutation(Ability.SIGNED_IN, description="Rename a code or move it to another category. Administrators only.")
    async def update_attendance_code(self, info: strawberry.Info, input: UpdateAttendanceCodeInput) -> (
        errors.result("updateAttendanceCode", AttendanceCodePayload)
    ):
        return await attempt(lambda: site_resolvers.update_code(
            info.context, school_id=ids.decode(input.school_id, "Organisation", "schoolId"), code=input.code,
            name=input.name, category=input.category,
        ), _code)

    @mutation(Ability.SIGNED_IN, description="Retire a code: records holding it keep it, no new record may use "
              "it. Administrators only.")
    async def retire_attendance_code(self, info: strawberry.Info, input: RetireAttendanceCodeInput) -> (
        errors.result("retireAttendanceCode", AttendanceCodePayload)
    ):
        return await attempt(lambda: site_resolvers.retire_code(
            info.context, school_id=ids.decode(input.school_id, "Organisation", "schoolId"), code=input.code,
        ), _code)
