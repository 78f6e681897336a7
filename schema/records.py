"""Attendance, behaviour and assessment records (seed 002), and the mutations that keep them."""

from datetime import date, datetime
from typing import Any, ClassVar, Self

import strawberry
from sqlmodel import SQLModel
from strawberry import relay

from domain import models, records
from permissions.policy import Ability
from resolvers import records as record_resolvers
from schema import access, ids
from schema.access import SecuredNode
from schema.ids import ref
from schema.enums import described
from schema.mutation import mutation, node_payload
from schema.nodes import Organisation
from schema.permission import field
from schema.workflow import PersonRef, PhaseKind, SchoolCourse, Term

AttendanceCategory = described(records.AttendanceCategory, {
    records.AttendanceCategory.PRESENT: "Present: counts as attending.",
    records.AttendanceCategory.LATE: "Late: counts as attending.",
    records.AttendanceCategory.AUTHORISED_ABSENCE: "Absent with the school's leave, such as illness.",
    records.AttendanceCategory.UNAUTHORISED_ABSENCE: "Absent without leave, or no reason given yet.",
    records.AttendanceCategory.APPROVED_ACTIVITY: "Off site but taught, such as a trip or a match: counts as "
    "attending.",
}, name="AttendanceCategory", description="What an attendance code counts as; the categories are fixed, the "
    "codes are the school's own.")

# What every kind of record says alike.
RECORD_PHASE = "The phase its registration scope is in: it decides who sees the record and who may change it."
RECORDED_AT = "When it was last recorded."
POSITIVE = "Praise (true) or concern (false)."


@strawberry.type(description="One of a school's attendance codes, in its category.")
class AttendanceCode:
    code: str = strawberry.field(description="The school's short code, such as '/' or 'L'; unique in the school.")
    name: str = strawberry.field(description="What it means, such as 'Late'.")
    category: AttendanceCategory = strawberry.field(description="What it counts as.")
    retired: bool = strawberry.field(description="A retired code stays on the records holding it; no new "
                                     "record may use it.")

    @classmethod
    def from_row(cls, row: models.AttendanceCode) -> Self:
        return cls(code=row.code, name=row.name, category=records.AttendanceCategory(row.category),
                   retired=row.retired_at is not None)


@strawberry.type(description="A learner's attendance at one session of a course.")
class AttendanceRecord(SecuredNode):
    ability: ClassVar[Ability] = Ability.VIEW_RECORD
    model: ClassVar[type[SQLModel]] = models.AttendanceRecord

    id: relay.NodeID[int]
    learner: PersonRef = strawberry.field(description="The learner.")
    session_date: date = strawberry.field(description="The session's school-local date.")
    code: AttendanceCode = strawberry.field(description="The code recorded.")
    phase: PhaseKind = strawberry.field(description=RECORD_PHASE)
    recorded_at: datetime = strawberry.field(description=RECORDED_AT)
    course_row: strawberry.Private[models.SchoolCourse]

    @classmethod
    def _from_row(cls, rows: Any) -> Self:
        row, code, learner, course, phase = rows
        return cls(
            id=row.id, learner=PersonRef.from_row(learner),
            course_row=course, session_date=row.session_date, code=AttendanceCode.from_row(code),
            phase=PhaseKind(phase), recorded_at=row.recorded_at,
        )

    @field(Ability.VIEW_ORGANISATION, description="The course.")
    def course(self, info: strawberry.Info) -> SchoolCourse | None:
        return access.local(info, SchoolCourse, self.course_row)


@strawberry.type(description="A positive or negative note on a learner's behaviour.")
class BehaviourNote(SecuredNode):
    ability: ClassVar[Ability] = Ability.VIEW_RECORD
    model: ClassVar[type[SQLModel]] = models.BehaviourNote

    id: relay.NodeID[int]
    learner: PersonRef = strawberry.field(description="The learner.")
    noted_on: date = strawberry.field(description="The school-local day it happened.")
    positive: bool = strawberry.field(description=POSITIVE)
    type: str = strawberry.field(description="Its kind, in the writer's words, such as 'Helpfulness'.")
    weight: int = strawberry.field(description=f"How much it counts, 1 to {records.MAX_WEIGHT}.")
    text: str = strawberry.field(description="What happened.")
    phase: PhaseKind = strawberry.field(description=RECORD_PHASE)
    recorded_at: datetime = strawberry.field(description=RECORDED_AT)

    @classmethod
    def _from_row(cls, rows: Any) -> Self:
        row, learner, phase = rows
        return cls(
            id=row.id, learner=PersonRef.from_row(learner), noted_on=row.noted_on,
            positive=row.positive, type=row.type, weight=row.weight, text=row.text, phase=PhaseKind(phase),
            recorded_at=row.recorded_at,
        )


@strawberry.type(description="A learner's result in a course for a term.")
class Assessment(SecuredNode):
    ability: ClassVar[Ability] = Ability.VIEW_RECORD
    model: ClassVar[type[SQLModel]] = models.Assessment

    id: relay.NodeID[int]
    learner: PersonRef = strawberry.field(description="The learner.")
    result: str = strawberry.field(description=f"The result, in the school's own terms (up to {records.MAX_RESULT} "
                                   "characters).")
    comment: str = strawberry.field(description="A remark; empty when none.")
    phase: PhaseKind = strawberry.field(description=RECORD_PHASE)
    recorded_at: datetime = strawberry.field(description=RECORDED_AT)
    course_row: strawberry.Private[models.SchoolCourse]
    term_row: strawberry.Private[models.Term]

    @classmethod
    def _from_row(cls, rows: Any) -> Self:
        row, learner, course, term, phase = rows
        return cls(
            id=row.id, learner=PersonRef.from_row(learner), course_row=course,
            term_row=term, result=row.result, comment=row.comment, phase=PhaseKind(phase), recorded_at=row.recorded_at,
        )

    @field(Ability.VIEW_ORGANISATION, description="The course.")
    def course(self, info: strawberry.Info) -> SchoolCourse | None:
        return access.local(info, SchoolCourse, self.course_row)

    @field(Ability.VIEW_ORGANISATION, description="The term.")
    def term(self, info: strawberry.Info) -> Term | None:
        return access.local(info, Term, self.term_row)


@strawberry.input(description="Narrows a list of records. Every condition given must hold.")
class RecordFilter:
    school_id: strawberry.ID | None = strawberry.field(default=None, description="One school's records.")
    course_id: strawberry.ID | None = strawberry.field(default=None, description="A SchoolCourse id (not for "
                                                       "behaviour notes, which are kept per mentor's group).")
    learner_id: strawberry.ID | None = strawberry.field(default=None, description="A Person id.")
    term_id: strawberry.ID | None = strawberry.field(default=None, description="One term's records.")

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
    course_id: strawberry.ID = ref("SchoolCourse", description="The course.")
    learner_id: strawberry.ID = ref("Person", description="A learner of the course.")
    session_date: date = strawberry.field(description="A school-local date inside one of the school's terms.")
    code: str = strawberry.field(description="One of the school's attendance codes, such as '/' or 'L'.")


@strawberry.input(description="A behaviour note, kept in the writer's mentor group.")
class AddBehaviourNoteInput:
    school_id: strawberry.ID = ref("Organisation", description="The school.")
    learner_id: strawberry.ID = ref("Person", description="A learner of the school, assigned to the writer.")
    noted_on: date = strawberry.field(description="A school-local date inside one of the school's terms.")
    positive: bool = strawberry.field(description=POSITIVE)
    type: str = strawberry.field(description="Such as 'Helpfulness' or 'Disruption'.")
    weight: int = strawberry.field(description=f"1 to {records.MAX_WEIGHT}.")
    text: str = strawberry.field(description="What happened.")


@strawberry.input(description="A learner's result for a term; recording it again replaces it.")
class RecordAssessmentInput:
    course_id: strawberry.ID = ref("SchoolCourse", description="The course.")
    learner_id: strawberry.ID = ref("Person", description="A learner of the course.")
    term_id: strawberry.ID = ref("Term", description="One of the school's terms.")
    result: str = strawberry.field(description=f"Up to {records.MAX_RESULT} characters.")
    comment: str = strawberry.field(default="", description="A remark, if any.")


AttendanceRecordPayload = node_payload("AttendanceRecordPayload", AttendanceRecord, "The record as it now is.")
BehaviourNotePayload = node_payload("BehaviourNotePayload", BehaviourNote, "The note as written.")
AssessmentPayload = node_payload("AssessmentPayload", Assessment, "The assessment as it now is.")


@strawberry.type
class RecordMutations:
    record_attendance = mutation(
        "recordAttendance", RecordAttendanceInput, AttendanceRecordPayload, ability=Ability.KEEP_RECORDS,
        target=SchoolCourse, use=record_resolvers.record_attendance,
        description="Record a learner's attendance. The course's teacher, or the learner's mentor, while the "
        "registration's phase lets them.",
    )
    add_behaviour_note = mutation(
        "addBehaviourNote", AddBehaviourNoteInput, BehaviourNotePayload, ability=Ability.KEEP_BEHAVIOUR,
        target=Organisation, use=record_resolvers.add_behaviour_note,
        description="Note a learner's behaviour. The learner's mentors, while the registration's phase lets them.",
    )
    record_assessment = mutation(
        "recordAssessment", RecordAssessmentInput, AssessmentPayload, ability=Ability.KEEP_RECORDS,
        target=SchoolCourse, use=record_resolvers.record_assessment,
        description="Record a learner's result for a term. The course's teacher, or the learner's mentor, while "
        "the registration's phase lets them.",
    )
