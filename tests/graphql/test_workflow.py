"""Workflow (seed 002) through the API: records become visible to learners, parents and
external systems exactly in the phases that tick them; only the responsible role moves a
registration on; bad input and refusals change nothing."""

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from infra.database import Database
from domain.models import AttendanceRecord, AuditEvent, RegistrationScope
from domain.workflow import Area, Audience, PhaseKind, default_phases
from tests.refusals import expected_refusal
from tests.workflow_world import IN_AUTUMN, WorkflowWorld, build_workflow_world
from tests.world import World

CONFIGURE = """
mutation($s: ID!, $area: InformationArea!, $phase: PhaseKind!, $learner: Boolean!, $parent: Boolean!,
         $ext: Boolean!, $resp: ResponsibleRole) {
  configureWorkflowPhase(input: {schoolId: $s, area: $area, phase: $phase, learner: $learner, parent: $parent,
    externalSystems: $ext, responsible: $resp}) {
    __typename ... on Error { code message field } } }
"""
ATTENDANCE = """mutation($c: ID!, $l: ID!, $d: Date!, $code: String!) { recordAttendance(input: {courseId: $c,
  learnerId: $l, sessionDate: $d, code: $code}) {
  __typename ... on AttendanceRecordPayload { attendanceRecord { id phase code { category } } }
  ... on Error { code message field } } }"""
BEHAVIOUR = """mutation($s: ID!, $l: ID!, $d: Date!) { addBehaviourNote(input: {schoolId: $s, learnerId: $l,
  notedOn: $d, positive: false, type: "Disruption", weight: 3, text: "Talking"}) {
  __typename ... on Error { code message field } } }"""
ASSESSMENT = """mutation($c: ID!, $l: ID!, $t: ID!) { recordAssessment(input: {courseId: $c, learnerId: $l,
  termId: $t, result: "Secure", comment: ""}) { __typename ... on Error { code message field } } }"""
ADVANCE = """mutation($id: ID!, $from: PhaseKind!) { advanceRegistration(input: {scopeId: $id, fromPhase: $from}) {
  __typename ... on RegistrationScopePayload { registrationScope { phase { kind } } }
  ... on Error { code message field } } }"""
SCOPES = """query($s: ID!, $area: InformationArea, $t: ID) { registrationScopes(schoolId: $s, area: $area, termId: $t) {
  nodes { id area phase { kind } viewerCanMoveOn course { title } mentor { displayName } } } }"""
LISTS = {
    Area.ATTENDANCE: "{ attendanceRecords { totalCount nodes { learner { displayName } phase } } }",
    Area.BEHAVIOUR: "{ behaviourNotes { totalCount nodes { learner { displayName } phase } } }",
    Area.ASSESSMENT: "{ assessments { totalCount nodes { learner { displayName } phase } } }",
}
FIELDS = {Area.ATTENDANCE: "attendanceRecords", Area.BEHAVIOUR: "behaviourNotes", Area.ASSESSMENT: "assessments"}
AUDIENCE_OF = {Audience.LEARNER: "learner", Audience.PARENT: "parent", Audience.EXTERNAL_SYSTEM: "system"}
RESPONSIBLE = {PhaseKind.COURSE_REGISTRATION: "teacher", PhaseKind.GROUP_REGISTRATION: "mentor",
               PhaseKind.ORGANISATION_APPROVAL: "headteacher"}


@pytest.fixture
async def w(db: Database, world: World) -> WorkflowWorld:
    return await build_workflow_world(db, world)


async def configure(gql, w: WorkflowWorld, area: Area, phase: PhaseKind, *, learner: bool = False,
                    parent: bool = False, ext: bool = False) -> None:
    responsible = next(p.responsible for p in default_phases(area) if p.kind == phase)
    data = await gql(CONFIGURE, {"s": w.base.org("ashdown"), "area": area.value, "phase": phase.value,
                                 "learner": learner, "parent": parent, "ext": ext,
                                 "resp": responsible.value if responsible else None},
                     token=w.token("owner"))
    assert data["configureWorkflowPhase"]["__typename"] == "WorkflowPhasePayload", data


async def record(gql, w: WorkflowWorld, area: Area, term: str = "autumn") -> None:
    """One record of `area` for the learner, by the role that keeps it in its first phase."""
    day = IN_AUTUMN if term == "autumn" else date(2027, 2, 1)
    if area == Area.ATTENDANCE:
        data = await gql(ATTENDANCE, {"c": w.course("maths"), "l": w["learner"].gid, "d": day.isoformat(),
                                      "code": "/"}, token=w.token("teacher"))
    elif area == Area.BEHAVIOUR:
        data = await gql(BEHAVIOUR, {"s": w.base.org("ashdown"), "l": w["learner"].gid, "d": day.isoformat()},
                         token=w.token("mentor"))
    else:
        data = await gql(ASSESSMENT, {"c": w.course("maths"), "l": w["learner"].gid, "t": w.term(term)},
                         token=w.token("teacher"))
    (answer,) = data.values()
    assert "Payload" in answer["__typename"], answer


async def scope_of(gql, w: WorkflowWorld, area: Area, term: str = "autumn") -> dict[str, Any]:
    data = await gql(SCOPES, {"s": w.base.org("ashdown"), "area": area.value, "t": w.term(term)},
                     token=w.token("headteacher"))
    (scope,) = data["registrationScopes"]["nodes"]
    return scope


async def advance(gql, w: WorkflowWorld, scope_id: str, phase: PhaseKind, by: str) -> dict[str, Any]:
    data = await gql(ADVANCE, {"id": scope_id, "from": phase.value}, token=w.token(by))
    return data["advanceRegistration"]


async def seen(gql, w: WorkflowWorld, area: Area, who: str) -> int:
    data = await gql(LISTS[area], token=w.token(who))
    return data[FIELDS[area]]["totalCount"]


async def counts(db: Database) -> tuple[int, ...]:
    async with db.read() as session:
        return tuple([
            (await session.execute(select(func.count()).select_from(table))).scalar_one()
            for table in (AuditEvent, AttendanceRecord, RegistrationScope)
        ] + [tuple((await session.execute(select(RegistrationScope.phase_id).order_by(RegistrationScope.id)))
                   .scalars())])


# --- The seed's example -------------------------------------------------------------------


async def test_attendance_is_hidden_from_learner_and_parent_until_the_teacher_submits_it(gql, w) -> None:  # type: ignore[no-untyped-def]
    """Seed 002: leave Learner and Parent unticked in course registration and tick them from
    group registration on: they see nothing until the teacher submits to the mentor."""
    for phase in (PhaseKind.GROUP_REGISTRATION, PhaseKind.ORGANISATION_APPROVAL, PhaseKind.COMPLETED):
        await configure(gql, w, Area.ATTENDANCE, phase, learner=True, parent=True)
    await record(gql, w, Area.ATTENDANCE)
    assert await seen(gql, w, Area.ATTENDANCE, "teacher") == 1
    assert await seen(gql, w, Area.ATTENDANCE, "learner") == 0
    assert await seen(gql, w, Area.ATTENDANCE, "parent") == 0

    scope = await scope_of(gql, w, Area.ATTENDANCE)
    moved = await advance(gql, w, scope["id"], PhaseKind.COURSE_REGISTRATION, "teacher")
    assert moved["registrationScope"]["phase"]["kind"] == "GROUP_REGISTRATION", moved

    for who in ("learner", "parent"):
        data = await gql(LISTS[Area.ATTENDANCE], token=w.token(who))
        assert data["attendanceRecords"]["nodes"] == [{"learner": {"displayName": "Learner"},
                                                       "phase": "GROUP_REGISTRATION"}]
    assert await seen(gql, w, Area.ATTENDANCE, "learner2") == 0  # another learner's record


# --- Every (area, phase, audience) --------------------------------------------------------


def _pattern(area: Area, odd: bool) -> dict[PhaseKind, bool]:
    return {p.kind: (i % 2 == 1) == odd for i, p in enumerate(default_phases(area))}


@pytest.mark.parametrize("audience", list(Audience))
@pytest.mark.parametrize("area", list(Area))
async def test_each_audience_sees_an_area_exactly_in_the_phases_that_tick_it(gql, w, area: Area,
                                                                            audience: Audience) -> None:  # type: ignore[no-untyped-def]
    """Two walks through every phase, the second with the ticks inverted, so each (area,
    phase, audience) is seen both ticked and unticked; the other audiences stay blind."""
    for walk, term in ((False, "autumn"), (True, "spring")):
        pattern = _pattern(area, walk)
        for phase, ticked in pattern.items():
            await configure(gql, w, area, phase, learner=ticked and audience == Audience.LEARNER,
                            parent=ticked and audience == Audience.PARENT,
                            ext=ticked and audience == Audience.EXTERNAL_SYSTEM)
        await record(gql, w, area, term)
        scope = await scope_of(gql, w, area, term)
        for phase, ticked in pattern.items():
            for other in Audience:
                sees = await seen(gql, w, area, AUDIENCE_OF[other])
                # Records of the walk before stay in completed, seen as the new ticks say.
                earlier = 1 if walk and pattern[PhaseKind.COMPLETED] and other == audience else 0
                assert sees == (1 if ticked and other == audience else 0) + earlier, (phase, other)
            if phase != PhaseKind.COMPLETED:
                moved = await advance(gql, w, scope["id"], phase, RESPONSIBLE[phase])
                assert moved["__typename"] == "RegistrationScopePayload", moved


# --- Only the responsible role -------------------------------------------------------------

ACTORS = ["teacher", "mentor", "headteacher", "owner", "admin", "staff", "learner", "parent", "system", "support"]


@pytest.mark.parametrize("phase", [PhaseKind.COURSE_REGISTRATION, PhaseKind.GROUP_REGISTRATION,
                                   PhaseKind.ORGANISATION_APPROVAL, PhaseKind.COMPLETED])
async def test_only_the_responsible_role_moves_a_registration_on(gql, w, db: Database, phase: PhaseKind) -> None:  # type: ignore[no-untyped-def]
    await record(gql, w, Area.ATTENDANCE)
    scope = await scope_of(gql, w, Area.ATTENDANCE)
    for earlier in list(RESPONSIBLE)[: list(PhaseKind).index(phase)]:
        await advance(gql, w, scope["id"], earlier, RESPONSIBLE[earlier])
    assert (await scope_of(gql, w, Area.ATTENDANCE))["viewerCanMoveOn"] is (phase == PhaseKind.ORGANISATION_APPROVAL)
    before = await counts(db)
    for who in ACTORS + ["owner_b"]:
        if who == RESPONSIBLE.get(phase):
            continue
        # Whoever may not see the registration (another school's administrator, the school's
        # other staff, its learners, parents and systems) cannot tell it exists; those who see
        # it but are not responsible are refused. In completed no one is responsible.
        expected = await expected_refusal(gql, w.token(who), scope["id"])
        answer = await advance(gql, w, scope["id"], phase, who)
        assert answer["__typename"] == expected, (who, answer)
        assert await counts(db) == before, who
    if phase in RESPONSIBLE:
        moved = await advance(gql, w, scope["id"], phase, RESPONSIBLE[phase])
        assert moved["__typename"] == "RegistrationScopePayload"


async def test_a_behaviour_registration_is_the_mentors_group(gql, w) -> None:  # type: ignore[no-untyped-def]
    await record(gql, w, Area.BEHAVIOUR)
    scope = await scope_of(gql, w, Area.BEHAVIOUR)
    assert scope["mentor"] == {"displayName": "Mentor"} and scope["course"] is None
    assert scope["phase"]["kind"] == "GROUP_REGISTRATION"
    # A teacher does not see a mentor's group: it does not exist for them.
    assert (await advance(gql, w, scope["id"], PhaseKind.GROUP_REGISTRATION, "teacher"))["code"] == "NOT_FOUND"
    assert (await advance(gql, w, scope["id"], PhaseKind.GROUP_REGISTRATION, "mentor"))["__typename"] == \
        "RegistrationScopePayload"
    done = await advance(gql, w, scope["id"], PhaseKind.ORGANISATION_APPROVAL, "headteacher")
    assert done["registrationScope"]["phase"]["kind"] == "COMPLETED"


async def test_who_may_edit_follows_the_phase_and_the_mentor_still_edits_in_organisation_approval(gql, w) -> None:  # type: ignore[no-untyped-def]
    variables = {"c": w.course("maths"), "l": w["learner"].gid, "d": IN_AUTUMN.isoformat(), "code": "L"}

    async def edit(who: str) -> str:
        data = await gql(ATTENDANCE, variables, token=w.token(who))
        return data["recordAttendance"].get("code") or data["recordAttendance"]["__typename"]

    assert await edit("mentor") == "FORBIDDEN"  # course registration is the teacher's
    assert await edit("teacher") == "AttendanceRecordPayload"
    scope = await scope_of(gql, w, Area.ATTENDANCE)
    await advance(gql, w, scope["id"], PhaseKind.COURSE_REGISTRATION, "teacher")
    assert await edit("teacher") == "FORBIDDEN"
    assert await edit("mentor") == "AttendanceRecordPayload"
    await advance(gql, w, scope["id"], PhaseKind.GROUP_REGISTRATION, "mentor")
    assert await edit("mentor") == "AttendanceRecordPayload"
    assert await edit("headteacher") == "AttendanceRecordPayload"
    await advance(gql, w, scope["id"], PhaseKind.ORGANISATION_APPROVAL, "headteacher")
    for who in ("teacher", "mentor", "headteacher", "owner"):
        assert await edit(who) == "FORBIDDEN", who


# --- Bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "field"),
    [("unknown code", "code"), ("learner not in the course", "learnerId"), ("another school's learner", "learnerId"),
     ("date outside every term", "sessionDate")],
)
async def test_bad_attendance_is_a_typed_error_and_changes_nothing(gql, w, db: Database, case: str,
                                                                   field: str) -> None:  # type: ignore[no-untyped-def]
    variables = {"c": w.course("maths"), "l": w["learner"].gid, "d": IN_AUTUMN.isoformat(), "code": "/"}
    variables |= {
        "unknown code": {"code": "Z"}, "learner not in the course": {"l": w["parent"].gid},
        "another school's learner": {"l": w["learner_b"].gid}, "date outside every term": {"d": "2026-12-25"},
    }[case]
    before = await counts(db)
    data = await gql(ATTENDANCE, variables, token=w.token("teacher"))
    assert data["recordAttendance"]["code"] == "VALIDATION" and data["recordAttendance"]["field"] == field, data
    assert await counts(db) == before


async def test_a_transition_from_a_phase_the_scope_is_not_in_is_refused(gql, w, db: Database) -> None:  # type: ignore[no-untyped-def]
    await record(gql, w, Area.ATTENDANCE)
    scope = await scope_of(gql, w, Area.ATTENDANCE)
    before = await counts(db)
    answer = await advance(gql, w, scope["id"], PhaseKind.GROUP_REGISTRATION, "mentor")
    # The mentor is not responsible for course registration: refused before the phase is compared.
    assert answer["code"] == "FORBIDDEN"
    await advance(gql, w, scope["id"], PhaseKind.COURSE_REGISTRATION, "teacher")
    before = await counts(db)
    answer = await advance(gql, w, scope["id"], PhaseKind.COURSE_REGISTRATION, "mentor")
    assert (answer["code"], answer["field"]) == ("VALIDATION", "fromPhase"), answer
    assert await counts(db) == before


async def test_configuration_is_for_the_schools_administrators_and_checks_its_phase(gql, w, db: Database) -> None:  # type: ignore[no-untyped-def]
    variables = {"s": w.base.org("ashdown"), "area": "BEHAVIOUR", "phase": "COURSE_REGISTRATION", "learner": True,
                 "parent": False, "ext": False, "resp": "TEACHER"}
    before = await counts(db)
    for who, code, field in (("owner", "VALIDATION", "phase"), ("headteacher", "FORBIDDEN", None),
                             ("teacher", "FORBIDDEN", None), ("owner_b", "NOT_FOUND", "schoolId")):
        answer = (await gql(CONFIGURE, variables, token=w.token(who)))["configureWorkflowPhase"]
        assert (answer["code"], answer["field"]) == (code, field), (who, answer)
    completed = variables | {"area": "ATTENDANCE", "phase": "COMPLETED"}
    answer = (await gql(CONFIGURE, completed, token=w.token("owner")))["configureWorkflowPhase"]
    assert (answer["code"], answer["field"]) == ("VALIDATION", "responsible")
    assert await counts(db) == before


# --- External systems ---------------------------------------------------------------------


async def test_external_systems_see_only_ticked_phases_and_only_their_school(gql, w, db: Database) -> None:  # type: ignore[no-untyped-def]
    await configure(gql, w, Area.ATTENDANCE, PhaseKind.COURSE_REGISTRATION, ext=True)
    await record(gql, w, Area.ATTENDANCE)
    data = await gql(ATTENDANCE, {"c": w.course("birch"), "l": w["learner_b"].gid, "d": IN_AUTUMN.isoformat(),
                                  "code": "/"}, token=w.token("teacher_b"))
    assert data["recordAttendance"]["__typename"] == "AttendanceRecordPayload"
    # Birchwood leaves External systems unticked: its own system sees nothing either.
    assert await seen(gql, w, Area.ATTENDANCE, "system") == 1
    assert await seen(gql, w, Area.ATTENDANCE, "system_b") == 0
    assert await seen(gql, w, Area.ATTENDANCE, "teacher_b") == 1
    filtered = await gql('query($s: ID!) { attendanceRecords(filter: {schoolId: $s}) { totalCount } }',
                         {"s": w.base.org("birchwood")}, token=w.token("system"))
    assert filtered["attendanceRecords"]["totalCount"] == 0
    scope = await scope_of(gql, w, Area.ATTENDANCE)
    await advance(gql, w, scope["id"], PhaseKind.COURSE_REGISTRATION, "teacher")
    assert await seen(gql, w, Area.ATTENDANCE, "system") == 0


# --- Who sees which records ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [("teacher", 2), ("mentor", 1), ("headteacher", 2), ("owner", 2), ("staff", 0), ("learner", 0), ("parent", 0),
     ("learner2", 0), ("system", 0), ("owner_b", 0), ("support", 0), ("teacher_b", 0)],
)
async def test_staff_see_records_by_their_role(gql, w, who: str, expected: int) -> None:  # type: ignore[no-untyped-def]
    """Teachers their courses', the mentor their learners' (the learner, not learner2),
    headteachers and administrators the school's; nothing ticked for anyone else."""
    await record(gql, w, Area.ATTENDANCE)
    data = await gql(ATTENDANCE, {"c": w.course("maths"), "l": w["learner2"].gid, "d": IN_AUTUMN.isoformat(),
                                  "code": "N"}, token=w.token("teacher"))
    assert data["recordAttendance"]["attendanceRecord"]["code"]["category"] == "UNAUTHORISED_ABSENCE"
    assert await seen(gql, w, Area.ATTENDANCE, who) == expected


async def test_the_records_list_does_not_grow_statements_with_its_rows(gql, w, count_statements) -> None:  # type: ignore[no-untyped-def]
    for area in Area:
        await record(gql, w, area)
    query = ("{ attendanceRecords { totalCount nodes { learner { displayName } course { title } code { name } "
             "phase } } assessments { nodes { term { name } course { title } } } behaviourNotes { nodes { type } } }")

    async def statements() -> int:
        before = count_statements.count
        await gql(query, token=w.token("headteacher"))
        return count_statements.count - before

    few = await statements()
    for day in range(6, 16):
        data = await gql(ATTENDANCE, {"c": w.course("maths"), "l": w["learner"].gid,
                                      "d": date(2026, 10, day).isoformat(), "code": "/"}, token=w.token("teacher"))
        assert data["recordAttendance"]["__typename"] == "AttendanceRecordPayload"
    assert await statements() == few
