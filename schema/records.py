"""Attendance, behaviour and assessment records (seed 002), and the mutations that keep them."""

from datetime import date, datetime
from typing import Any, Self

import strawberry

from domain import models, records
from permissions.policy import Ability
from resolvers import records as record_resolvers
from schema import errors, ids
from schema.mutations import attempt
from schema.permission import mutation
from schema.workflow import PersonRef, PhaseKind, SchoolCourse, Term

AttendanceCategory = strawberry.enum(records.AttendanceCategory, name="AttendanceCategory")


@strawberry.type(description="One of a school's attendance codes, in its category.")
class AttendanceCode:
    code: str
    name: str
    category: AttendanceCategory
    retired: bool = strawberry.field(description="A retired code stays on the records holding it; no new "
                                     "record may use it.")

    @classmethod
    def from_row(cls, row: models.AttendanceCode) -> Self:
        return cls(code=row.code, name=row.name, category=records.AttendanceCategory(row.category),
                   retired=row.retired_at is not None)


@strawberry.type(description="A learner's attendance at one session of a course.")
class AttendanceRecord:
    id: strawberry.ID
    learner: PersonRef
    course: SchoolCourse
    session_date: date
    code: AttendanceCode
    phase: PhaseKind = strawberry.field(description="The phase its registration scope is in.")
    recorded_at: datetime

    @classmethod
    def from_rows(cls, rows: Any) -> Self:
        row, code, learner, course, phase = rows
        return cls(
            id=ids.global_id("AttendanceRecord", row.id), learner=PersonRef.from_row(learner),
            course=SchoolCourse.from_row(course), session_date=row.session_date, code=AttendanceCode.from_row(code),
            phase=PhaseKind(phase), recorded_at=row.recorded_at,
        )


@strawberry.type(description="A positive or negative note on a learner's behaviour.")
class BehaviourNote:
    id: strawberry.ID
    learner: PersonRef
    noted_on: date
    positive: bool
    type: str
    weight: int
    text: str
    phase: PhaseKind
    recorded_at: datetime

    @classmethod
    def from_rows(cls, rows: Any) -> Self:
        row, learner, phase = rows
        return cls(
            id=ids.global_id("BehaviourNote", row.id), learner=PersonRef.from_row(learner), noted_on=row.noted_on,
            positive=row.positive, type=row.type, weight=row.weight, text=row.text, phase=PhaseKind(phase),
            recorded_at=row.recorded_at,
        )


@strawberry.type(description="A learner's result in a course for a term.")
class Assessment:
    id: strawberry.ID
    learner: PersonRef
    course: SchoolCourse
    term: Term
    result: str
    comment: str
    phase: PhaseKind
    recorded_at: datetime

    @classmethod
    def from_rows(cls, rows: Any) -> Self:
        row, learner, course, term, phase = rows
        return cls(
            id=ids.global_id("Assessment", row.id), learner=PersonRef.from_row(learner),
            course=SchoolCourse.from_row(course), term=Term.from_row(term), result=row.result, comment=row.comment,
            phase=PhaseKind(phase), recorded_at=row.recorded_at,
        )


@strawberry.input(description="Narrows a list of records. Every condition given must hold.")
class RecordFilter:
    school_id: strawberry.ID | None = None
    course_id: strawberry.ID | None = strawberry.field(default=None, description="A SchoolCourse id.")
    learner_id: strawberry.ID | None = strawberry.field(default=None, description="A Person id.")
    term_id: strawberry.ID | None = None

    def to_filter(self) -> record_resolvers.RecordFilter:
        def pk(value: str | None, type_name: str, field: str) -> int | None:
            return ids.decode(value, type_name, field) if value is not None else None

        return record_resolvers.RecordFilter(
            school_id=pk(self.school_id, "Organisation", "filter.schoolId"),
            course_id=pk(self.course_id, "SchoolCourse", "filter.courseId"),
            learner_id=pk(self.learner_id, "Person", "filter.learnerId"),
            term_id=pk(self.term_id, "Term", "filter.termId"),
        )


@strawberry.input(description="A learner's attendance at a session; recording a session again replaces it.")
class RecordAttendanceInput:
    course_id: strawberry.ID
    learner_id: strawberry.ID
    session_date: date = strawberry.field(description="A school-local date inside one of the school's terms.")
    code: str = strawberry.field(description="One of the school's attendance codes, such as '/' or 'L'.")


@strawberry.input(description="A behaviour note, kept in the writer's mentor group.")
class AddBehaviourNoteInput:
    school_id: strawberry.ID
    learner_id: strawberry.ID
    noted_on: date
    positive: bool
    type: str = strawberry.field(description="Such as 'Helpfulness' or 'Disruption'.")
    weight: int = strawberry.field(description=f"1 to {records.MAX_WEIGHT}.")
    text: str


@strawberry.input(description="A learner's result for a term; recording it again replaces it.")
class RecordAssessmentInput:
    course_id: strawberry.ID
    learner_id: strawberry.ID
    term_id: strawberry.ID
    result: str
    comment: str = ""


@strawberry.type
class AttendanceRecordPayload:
    attendance_record: AttendanceRecord


@strawberry.type
class BehaviourNotePayload:
    behaviour_note: BehaviourNote


@strawberry.type
class AssessmentPayload:
    assessment: Assessment


@strawberry.type
class RecordMutations:
    @mutation(Ability.SIGNED_IN, description="Record a learner's attendance. The course's teacher, or the "
              "learner's mentor, while the registration's phase lets them.")
    async def record_attendance(
        self, info: strawberry.Info, input: RecordAttendanceInput
    ) -> errors.result("recordAttendance", AttendanceRecordPayload):
        async def work() -> Any:
            return await record_resolvers.record_attendance(
                info.context, course_id=ids.decode(input.course_id, "SchoolCourse", "courseId"),
                learner_id=ids.decode(input.learner_id, "Person", "learnerId"), session_date=input.session_date,
                code=input.code,
            )

        return await attempt(work, lambda rows: AttendanceRecordPayload(
            attendance_record=AttendanceRecord.from_rows(rows)))

    @mutation(Ability.SIGNED_IN, description="Note a learner's behaviour. The learner's mentors, while the "
              "registration's phase lets them.")
    async def add_behaviour_note(
        self, info: strawberry.Info, input: AddBehaviourNoteInput
    ) -> errors.result("addBehaviourNote", BehaviourNotePayload):
        async def work() -> Any:
            return await record_resolvers.add_behaviour_note(
                info.context, school_id=ids.decode(input.school_id, "Organisation", "schoolId"),
                learner_id=ids.decode(input.learner_id, "Person", "learnerId"), noted_on=input.noted_on,
                positive=input.positive, type=input.type, weight=input.weight, text=input.text,
            )

        return await attempt(work, lambda rows: BehaviourNotePayload(behaviour_note=BehaviourNote.from_rows(rows)))

    @mutation(Ability.SIGNED_IN, description="Record a learner's result for a term. The course's teacher, or "
              "the learner's mentor, while the registration's phase lets them.")
    async def record_assessment(
        self, info: strawberry.Info, input: RecordAssessmentInput
    ) -> errors.result("recordAssessment", AssessmentPayload):
        async def work() -> Any:
            return await record_resolvers.record_assessment(
                info.context, course_id=ids.decode(input.course_id, "SchoolCourse", "courseId"),
                learner_id=ids.decode(input.learner_id, "Person", "learnerId"),
                term_id=ids.decode(input.term_id, "Term", "termId"), result=input.result, comment=input.comment,
            )

        return await attempt(work, lambda rows: AssessmentPayload(assessment=Assessment.from_rows(rows)))
