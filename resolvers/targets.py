"""What the policy needs to know about an object, read with the object itself.

Every object that reaches a caller, and every object a mutation acts on, is read here:
one statement per kind selects the rows together with their facts (the organisation
they belong to, their group, the person they concern, whether the caller teaches or
mentors them), which become a `policy.Subject`. The decision is the policy's
(`policy.can_on`, `policy.authorize_on`); this module only reads.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Row, Select, String, cast, false, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from domain.models import (
    Assessment, AttendanceCode, AttendanceRecord, AuditEvent, BehaviourNote, Course, Licence, Membership,
    NotificationDelivery, Organisation, Person, RegistrationScope, SchoolCourse, Seat, StaffGroup, TargetExtension,
    TargetList, Term, WorkflowPhase,
)
from domain.workflow import Role
from infra.gathered import gathered
from permissions import policy
from permissions.policy import Ability, Subject
from permissions.principal import Principal
from resolvers.staff import groups_of_person


@dataclass
class GroupInSchool:
    group: StaffGroup
    licence: Licence
    school: Organisation

    @property
    def filed_under(self) -> dict[str, int | None]:
        """Where its audit events are filed: its school, licence and group (for its delegates)."""
        return {"organisation_id": self.school.id, "licence_id": self.licence.id, "staff_group_id": self.group.id}


@dataclass
class ListInSchool(GroupInSchool):
    target_list: TargetList


@dataclass
class ExtensionInSchool:
    extension: TargetExtension
    licence: Licence

    @property
    def filed_under(self) -> dict[str, int | None]:
        """Its school, licence and group (for that group's delegates)."""
        return {"organisation_id": self.licence.organisation_id, "licence_id": self.licence.id,
                "staff_group_id": self.extension.group_id}


@dataclass
class SeatOnLicence:
    seat: Seat
    licence: Licence


@dataclass
class ScopeInPhase:
    """A registration scope with its phase, term, course or mentor, and the caller's part in it."""

    scope: RegistrationScope
    phase: WorkflowPhase
    term: Term
    course: SchoolCourse | None
    mentor: Person | None
    teaches: bool
    mentors: bool


@dataclass(frozen=True)
class Kind:
    """How one kind of object is read: the statement (the row first, then its facts),
    the facts as a Subject, and what a use case acting on it is handed."""

    statement: Callable[[Principal], Select]
    subject: Callable[[Row], Subject]
    target: Callable[[Row], Any] = lambda row: row[0]
    # What its node is made from: the row itself, unless the node shows joined rows too.
    node: Callable[[Row], Any] = lambda row: row[0]
    # The facts that seeing it needs, when the bare row holds them (rows already read need
    # no statement then).
    local: Callable[[Any], Subject] | None = None


def _id_set(value: str | None) -> frozenset[int]:
    """Ids gathered as text: a person's organisations, the groups reaching them."""
    return frozenset(int(i) for i in value.split(",")) if value else frozenset()


def _person_organisations() -> Any:
    """A person's organisations, as one text column (group_concat / string_agg)."""
    return (
        select(func.aggregate_strings(cast(Membership.organisation_id, String), ","))
        .where(Membership.person_id == Person.id)
        .scalar_subquery()
    )


def scope_facts(principal: Principal) -> list[Any]:
    """Whether the caller teaches a scope's course and mentors its learners or group, as
    columns of the scope's own query."""
    mentors = policy.mentors_course(principal, RegistrationScope.organisation_id, RegistrationScope.course_id) | (
        RegistrationScope.mentor_id == principal.person_id if principal.person_id is not None else false()
    )
    return [policy.teaches(principal, RegistrationScope.course_id).label("teaches"), mentors.label("mentors")]


def scopes_statement(principal: Principal) -> Select:
    """Scopes with their phase, term, course, mentor and the caller's facts."""
    return (
        select(RegistrationScope, WorkflowPhase, Term, SchoolCourse, Person, *scope_facts(principal))
        .join(WorkflowPhase, WorkflowPhase.id == RegistrationScope.phase_id)
        .join(Term, Term.id == RegistrationScope.term_id)
        .outerjoin(SchoolCourse, SchoolCourse.id == RegistrationScope.course_id)
        .outerjoin(Person, Person.id == RegistrationScope.mentor_id)
    )


def _scope_subject(row: Row) -> Subject:
    scope, phase, *_, teaches, mentors = row
    return Subject(organisation_id=scope.organisation_id, teaches=bool(teaches), mentors=bool(mentors),
                   responsible=Role(phase.responsible) if phase.responsible else None)


def _of_organisation(row: Any) -> Subject:
    return Subject(organisation_id=row.organisation_id)


def records_audience(principal: Principal, record: Any) -> ColumnElement[bool]:
    """The caller is in the record's audience now: `records_clause` over the record joined
    to its scope's current phase (as `records_statement` joins it)."""
    return policy.records_clause(
        principal, organisation_id=record.organisation_id, learner_id=record.learner_id,
        course_id=getattr(record, "course_id", None), learner_sees=WorkflowPhase.learner_sees,
        parent_sees=WorkflowPhase.parent_sees, external_sees=WorkflowPhase.external_sees,
    )


def records_statement(principal: Principal, record: Any) -> Select:
    """Records with what their node shows (code, learner, course, term, the phase they are
    in) and, last, whether the caller is in their audience."""
    shows: dict[Any, tuple[Any, ...]] = {
        AttendanceRecord: (AttendanceCode, Person, SchoolCourse), BehaviourNote: (Person,),
        Assessment: (Person, SchoolCourse, Term),
    }
    stmt = (
        select(record, *shows[record], WorkflowPhase.kind, records_audience(principal, record).label("audience"))
        .join(RegistrationScope, RegistrationScope.id == record.scope_id)
        .join(WorkflowPhase, WorkflowPhase.id == RegistrationScope.phase_id)
        .join(Person, Person.id == record.learner_id)
    )
    if record is AttendanceRecord:
        stmt = stmt.join(AttendanceCode, AttendanceCode.id == AttendanceRecord.code_id)
    if record is not BehaviourNote:
        stmt = stmt.join(SchoolCourse, SchoolCourse.id == record.course_id)
    if record is Assessment:
        stmt = stmt.join(Term, Term.id == Assessment.term_id)
    return stmt


def record_with_facts(row: Row) -> tuple[tuple[Any, ...], Subject]:
    """A row of `records_statement` as its node's source, with its facts."""
    record = row[0]
    return tuple(row[:-1]), Subject(organisation_id=record.organisation_id, person_id=record.learner_id,
                                    audience=bool(row[-1]))


def group_with_facts(item: tuple[StaffGroup, int]) -> tuple[StaffGroup, Subject]:
    """A group read with its school's id (as groups are listed), with its facts."""
    group, organisation_id = item
    return group, Subject(organisation_id=organisation_id, group_id=group.id)


KINDS: dict[type[SQLModel], Kind] = {
    Organisation: Kind(
        statement=lambda p: select(Organisation),
        subject=lambda row: Subject(organisation_id=row[0].id),
        local=lambda o: Subject(organisation_id=o.id),
    ),
    Person: Kind(
        statement=lambda p: select(Person, _person_organisations()),
        subject=lambda row: Subject(person_id=row[0].id, organisations=_id_set(row[1])),
    ),
    Membership: Kind(
        statement=lambda p: select(Membership),
        subject=lambda row: Subject(organisation_id=row[0].organisation_id, person_id=row[0].person_id),
        local=lambda m: Subject(organisation_id=m.organisation_id, person_id=m.person_id),
    ),
    Licence: Kind(statement=lambda p: select(Licence), subject=lambda row: _of_organisation(row[0]),
                  local=_of_organisation),
    Seat: Kind(
        statement=lambda p: select(Seat, Licence).join(Licence, Licence.id == Seat.licence_id),
        subject=lambda row: Subject(organisation_id=row[1].organisation_id, person_id=row[0].person_id),
        target=lambda row: SeatOnLicence(row[0], row[1]),
    ),
    Course: Kind(statement=lambda p: select(Course), subject=lambda row: Subject(), local=lambda c: Subject()),
    AuditEvent: Kind(
        statement=lambda p: select(AuditEvent),
        subject=lambda row: Subject(organisation_id=row[0].organisation_id, group_id=row[0].staff_group_id),
        local=lambda e: Subject(organisation_id=e.organisation_id, group_id=e.staff_group_id),
    ),
    StaffGroup: Kind(
        statement=lambda p: (
            select(StaffGroup, Licence, Organisation)
            .join(Licence, Licence.id == StaffGroup.licence_id)
            .join(Organisation, Organisation.id == Licence.organisation_id)
        ),
        subject=lambda row: group_with_facts((row[0], row[2].id))[1],
        target=lambda row: GroupInSchool(row[0], row[1], row[2]),
    ),
    TargetList: Kind(
        statement=lambda p: (
            select(TargetList, StaffGroup, Licence, Organisation)
            .join(StaffGroup, StaffGroup.id == TargetList.group_id)
            .join(Licence, Licence.id == StaffGroup.licence_id)
            .join(Organisation, Organisation.id == Licence.organisation_id)
        ),
        subject=lambda row: Subject(organisation_id=row[3].id, group_id=row[1].id),
        target=lambda row: ListInSchool(row[1], row[2], row[3], row[0]),
    ),
    TargetExtension: Kind(
        # Seen with the person's path (the groups reaching them); ended by whoever may give it
        # (the group it was given through).
        statement=lambda p: (
            select(TargetExtension, Licence,
                   gathered(groups_of_person(TargetExtension.licence_id, TargetExtension.person_id), StaffGroup.id))
            .join(Licence, Licence.id == TargetExtension.licence_id)
        ),
        subject=lambda row: Subject(organisation_id=row[1].organisation_id, group_id=row[0].group_id,
                                    person_id=row[0].person_id, groups=_id_set(row[2])),
        target=lambda row: ExtensionInSchool(row[0], row[1]),
    ),
    NotificationDelivery: Kind(
        statement=lambda p: select(NotificationDelivery),
        subject=lambda row: Subject(organisation_id=row[0].organisation_id, person_id=row[0].person_id),
        local=lambda d: Subject(organisation_id=d.organisation_id, person_id=d.person_id),
    ),
    Term: Kind(statement=lambda p: select(Term), subject=lambda row: _of_organisation(row[0]), local=_of_organisation),
    SchoolCourse: Kind(
        statement=lambda p: select(
            SchoolCourse,
            policy.teaches(p, SchoolCourse.id).label("teaches"),
            policy.mentors_course(p, SchoolCourse.organisation_id, SchoolCourse.id).label("mentors"),
        ),
        subject=lambda row: Subject(organisation_id=row[0].organisation_id, teaches=bool(row[1]),
                                    mentors=bool(row[2])),
        # Seeing a course takes its school only; keeping its records, the statement's facts.
        local=_of_organisation,
    ),
    **{
        record: Kind(
            statement=lambda p, record=record: records_statement(p, record),
            subject=lambda row: record_with_facts(row)[1],
            target=lambda row: row[0],
            node=lambda row: record_with_facts(row)[0],
        )
        for record in (AttendanceRecord, BehaviourNote, Assessment)
    },
    RegistrationScope: Kind(
        statement=scopes_statement,
        subject=_scope_subject,
        target=lambda row: ScopeInPhase(*row),
        node=lambda row: ScopeInPhase(*row),
    ),
}


def scope_in_phase(row: Row) -> tuple[ScopeInPhase, Subject]:
    """A row of `scopes_statement` as a node's source with its facts."""
    return ScopeInPhase(*row), _scope_subject(row)


class Found(NamedTuple):
    row: Any  # what its node is made from: its own row, or with what it shows
    target: Any  # what a use case acting on it is handed
    subject: Subject  # what the policy knows of it


def local_subject(model: type[SQLModel], row: Any) -> Subject | None:
    """The facts of a row already read, when the row alone holds them."""
    spec = KINDS[model]
    return spec.local(row) if spec.local is not None else None


async def find(
    session: AsyncSession, principal: Principal, model: type[SQLModel], ids: Iterable[int], *, lock: bool = False
) -> dict[int, Found]:
    """The objects with these ids, each with its facts, in one statement."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    spec = KINDS[model]
    stmt = spec.statement(principal).where(model.id.in_(wanted))
    if lock:
        stmt = stmt.with_for_update(of=model)
    rows = (await session.execute(stmt)).all()
    return {row[0].id: Found(spec.node(row), spec.target(row), spec.subject(row)) for row in rows}


async def authorized(
    session: AsyncSession, principal: Principal, model: type[SQLModel], pk: int, *, read: Ability, act: Ability,
    field: str, lock: bool = False,
) -> Any:
    """GitLab's `authorized_find!`: the object a caller acts on, once the policy has said
    they may (NOT_FOUND for what they may not see, FORBIDDEN for what they may see only)."""
    found = (await find(session, principal, model, [pk], lock=lock)).get(pk)
    policy.authorize_on(principal, found.subject if found else None, read=read, act=act, field=field)
    assert found is not None
    return found.target
