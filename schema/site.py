"""Keeping a school's site (seed 002): terms, courses and their people, parent links and
attendance codes: the school's Administrators (MANAGE_SITE)."""

from datetime import date
from functools import partial
from typing import Any, Self

import strawberry

from domain import records
from permissions.policy import Ability
from resolvers import site as site_resolvers
from schema import access, ids
from schema.enums import described
from schema.ids import ref
from schema.mutation import mutation, node_payload
from schema.nodes import Organisation
from schema.permission import field
from schema.records import AttendanceCode
from schema.workflow import PersonRef, SchoolCourse, Term

CourseRole = described(records.CourseRole, {
    records.CourseRole.TEACHER: "Teaches it: staff of the school.",
    records.CourseRole.LEARNER: "Learns in it: a member of the school with LEARNER standing.",
}, name="CourseRole", description="A teacher or a learner of a course.")

CATEGORIES = ", ".join(records.AttendanceCategory)


@strawberry.input(description="A new term for a school; a school's terms never overlap.")
class CreateTermInput:
    school_id: strawberry.ID = ref("Organisation", description="The school.")
    name: str = strawberry.field(description="Such as 'Autumn 2026'; up to 100 characters.")
    starts_on: date = strawberry.field(description="The term's first day, school-local.")
    ends_on: date = strawberry.field(description="Its last day, included; not before startsOn.")


@strawberry.input(description="Change what is given; leave the rest out.")
class UpdateTermInput:
    term_id: strawberry.ID = ref("Term", description="The term.")
    name: str | None = strawberry.field(default=None, description="A new name.")
    starts_on: date | None = strawberry.field(default=None, description="A new first day.")
    ends_on: date | None = strawberry.field(default=None, description="A new last day.")


@strawberry.input(description="A course the school teaches, with its first teachers and learners.")
class CreateSchoolCourseInput:
    school_id: strawberry.ID = ref("Organisation", description="The school.")
    title: str = strawberry.field(description="Up to 200 characters.")
    teacher_ids: list[strawberry.ID] = ref("Person", default_factory=list, description="Staff of the school.")
    learner_ids: list[strawberry.ID] = ref("Person", default_factory=list,
                                           description="Members of the school with LEARNER standing.")


@strawberry.input(description="People to add to a course, or take off it, in one role.")
class CourseParticipantsInput:
    course_id: strawberry.ID = ref("SchoolCourse", description="The course.")
    role: CourseRole = strawberry.field(description="Teachers or learners.")
    person_ids: list[strawberry.ID] = ref("Person", description="At least one person.")


@strawberry.input(description="A parent and a learner, both members of the school.")
class ParentLinkInput:
    school_id: strawberry.ID = ref("Organisation", description="The school.")
    parent_id: strawberry.ID = ref("Person", description="The parent.")
    learner_id: strawberry.ID = ref("Person", description="The learner.")


@strawberry.input(description="A new attendance code of the school's own, in one of the fixed categories.")
class AddAttendanceCodeInput:
    school_id: strawberry.ID = ref("Organisation", description="The school.")
    code: str = strawberry.field(description="Up to 8 characters without spaces, unique in the school.")
    name: str = strawberry.field(description="What it means, such as 'Late'.")
    category: str = strawberry.field(description=f"One of {CATEGORIES}.")


@strawberry.input(description="Change a code's name or category; leave the rest out.")
class UpdateAttendanceCodeInput:
    school_id: strawberry.ID = ref("Organisation", description="The school.")
    code: str = strawberry.field(description="The code to change.")
    name: str | None = strawberry.field(default=None, description="A new name.")
    category: str | None = strawberry.field(default=None, description=f"One of {CATEGORIES}.")


@strawberry.input(description="A code to retire: records holding it keep it.")
class RetireAttendanceCodeInput:
    school_id: strawberry.ID = ref("Organisation", description="The school.")
    code: str = strawberry.field(description="The code to retire.")


@strawberry.type(description="A teacher or a learner of one of the school's courses.")
class CourseParticipant:
    person: PersonRef = strawberry.field(description="The teacher or learner.")
    role: CourseRole = strawberry.field(description="Which of the two.")
    course_row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: tuple[Any, Any, Any]) -> "CourseParticipant":
        participant, person, course = row
        return cls(course_row=course, person=PersonRef.from_row(person), role=records.CourseRole(participant.role))

    @field(Ability.VIEW_ORGANISATION, description="The course.")
    def course(self, info: strawberry.Info) -> SchoolCourse | None:
        return access.local(info, SchoolCourse, self.course_row)


@strawberry.type(description="A parent linked to a learner: the parent sees the learner's records in phases "
                 "ticking Parent.")
class ParentLink:
    parent: PersonRef = strawberry.field(description="The parent.")
    learner: PersonRef = strawberry.field(description="Their child, a learner of the school.")

    @classmethod
    def from_row(cls, row: tuple[Any, Any, Any]) -> "ParentLink":
        _, parent, learner = row
        return cls(parent=PersonRef.from_row(parent), learner=PersonRef.from_row(learner))


TermPayload = node_payload("TermPayload", Term, "The term as it now is.")


@strawberry.type(description="The course, and who was added or taken off.")
class SchoolCoursePayload:
    course: SchoolCourse = strawberry.field(description="The course as it now is.")
    changed_person_ids: list[strawberry.ID] = strawberry.field(description="The people added or taken off.")

    @classmethod
    async def of(cls, info: strawberry.Info, found: tuple[Any, list[int]]) -> Self:
        course, changed = found
        return cls(course=await access.shown(info, SchoolCourse, course),
                   changed_person_ids=[ids.global_id("Person", p) for p in changed])


@strawberry.type(description="The parent and the learner.")
class ParentLinkPayload:
    parent: PersonRef = strawberry.field(description="The parent.")
    learner: PersonRef = strawberry.field(description="The learner, now linked to them or no longer.")

    @classmethod
    async def of(cls, info: strawberry.Info, found: tuple[Any, Any]) -> Self:
        return cls(parent=PersonRef.from_row(found[0]), learner=PersonRef.from_row(found[1]))


@strawberry.type(description="The code as it now is.")
class AttendanceCodePayload:
    attendance_code: AttendanceCode = strawberry.field(description="The code as it now is.")

    @classmethod
    async def of(cls, info: strawberry.Info, row: Any) -> Self:
        return cls(attendance_code=AttendanceCode.from_row(row))


@strawberry.type
class SiteMutations:
    create_term = mutation(
        "createTerm", CreateTermInput, TermPayload, ability=Ability.MANAGE_SITE, target=Organisation,
        use=site_resolvers.create_term, description="Add a term to a school. Terms never overlap. Administrators "
        "only.",
    )
    update_term = mutation(
        "updateTerm", UpdateTermInput, TermPayload, ability=Ability.MANAGE_SITE, target=Term,
        use=site_resolvers.update_term,
        description="Rename a term or move its dates; it may not come to overlap another, nor leave out attendance "
        "recorded in it. Administrators only.",
    )
    create_school_course = mutation(
        "createSchoolCourse", CreateSchoolCourseInput, SchoolCoursePayload, ability=Ability.MANAGE_SITE,
        target=Organisation, use=site_resolvers.create_course,
        description="Add a course the school teaches, with its teachers and learners. Administrators only.",
    )
    add_course_participants = mutation(
        "addCourseParticipants", CourseParticipantsInput, SchoolCoursePayload, ability=Ability.MANAGE_SITE,
        target=SchoolCourse, use=partial(site_resolvers.change_participants, add=True),
        description="Add teachers or learners to a course. Administrators only.",
    )
    remove_course_participants = mutation(
        "removeCourseParticipants", CourseParticipantsInput, SchoolCoursePayload, ability=Ability.MANAGE_SITE,
        target=SchoolCourse, use=partial(site_resolvers.change_participants, add=False),
        description="Take teachers or learners off a course; records already kept stay. Administrators only.",
    )
    link_parent = mutation(
        "linkParent", ParentLinkInput, ParentLinkPayload, ability=Ability.MANAGE_SITE, target=Organisation,
        use=partial(site_resolvers.link_parent, link=True),
        description="Link a parent to a learner of the school: the parent then sees the learner's records in "
        "phases ticking Parent. Administrators only.",
    )
    unlink_parent = mutation(
        "unlinkParent", ParentLinkInput, ParentLinkPayload, ability=Ability.MANAGE_SITE, target=Organisation,
        use=partial(site_resolvers.link_parent, link=False),
        description="Unlink a parent from a learner. Administrators only.",
    )
    add_attendance_code = mutation(
        "addAttendanceCode", AddAttendanceCodeInput, AttendanceCodePayload, ability=Ability.MANAGE_SITE,
        target=Organisation, use=site_resolvers.add_code,
        description="Add one of the site's own attendance codes, in a category. Administrators only.",
    )
    update_attendance_code = mutation(
        "updateAttendanceCode", UpdateAttendanceCodeInput, AttendanceCodePayload, ability=Ability.MANAGE_SITE,
        target=Organisation, use=site_resolvers.update_code,
        description="Rename a code or move it to another category. Administrators only.",
    )
    retire_attendance_code = mutation(
        "retireAttendanceCode", RetireAttendanceCodeInput, AttendanceCodePayload, ability=Ability.MANAGE_SITE,
        target=Organisation, use=site_resolvers.retire_code,
        description="Retire a code: records holding it keep it, no new record may use it. Administrators only.",
    )
