"""A school's site administration (seed 002): learners and parents as standings of their
own, terms, the school's courses and their people, parent links and attendance codes. Each
mutation is the school's Administrators' alone; anyone else is refused and nothing changes."""

import pytest
from sqlalchemy import func, select

from infra.database import Database
from domain.models import AuditEvent, MentorLearner
from tests.workflow_world import WorkflowWorld, build_workflow_world
from tests.world import World

MEMBERS = """query($o: ID!) { node(id: $o) { ... on Organisation { viewerRole
  members(first: 50) { totalCount nodes { person { displayName } } } } } }"""
PROMOTE = """mutation($id: ID!) { %s(input: {membershipId: $id}) {
  __typename ... on Error { code message field } } }"""
ADD_MEMBER = """mutation($o: ID!, $r: MembershipRole!) { addMember(input: {organisationId: $o,
  email: "new.pupil@pupils.example", displayName: "New Pupil", role: $r}) {
  __typename ... on MembershipPayload { membership { role } } ... on Error { code message field } } }"""
MEMBERSHIP = """query($o: ID!) { node(id: $o) { ... on Organisation { members(first: 50, search: "%s") {
  nodes { id } } } } }"""


@pytest.fixture
async def w(db: Database, world: World) -> WorkflowWorld:
    return await build_workflow_world(db, world)


async def events(db: Database) -> int:
    async with db.read() as session:
        return (await session.execute(select(func.count()).select_from(AuditEvent))).scalar_one()


# --- Learners and parents are not staff ----------------------------------------------------


@pytest.mark.parametrize(("who", "role"), [("learner", "LEARNER"), ("parent", "PARENT")])
async def test_learners_and_parents_see_their_school_but_not_its_members(gql, w, who: str, role: str) -> None:  # type: ignore[no-untyped-def]
    school = w.base.org("ashdown")
    seen = (await gql(MEMBERS, {"o": school}, token=w.token(who)))["node"]
    assert seen["viewerRole"] == role
    assert seen["members"] == {"totalCount": 0, "nodes": []}
    staff = (await gql(MEMBERS, {"o": school}, token=w.token("staff")))["node"]["members"]
    assert {"person": {"displayName": "Learner"}} in staff["nodes"]  # staff still see everyone
    # Nor through a staff member's node id.
    membership = await gql("query($id: ID!) { node(id: $id) { id } }", {"id": w.base["staff"].membership("ashdown")},
                           token=w.token(who))
    assert membership["node"] is None
    # Nor the school's licence, its owner and seats.
    me = (await gql("{ me { licences { licence { id } } memberships { role } } }", token=w.token(who)))["me"]
    assert me == {"licences": [], "memberships": [{"role": role}]}


async def _membership_of(gql, w, name: str) -> str:  # type: ignore[no-untyped-def]
    data = await gql(MEMBERSHIP % f"{name}@", {"o": w.base.org("ashdown")}, token=w.token("owner"))
    (node,) = data["node"]["members"]["nodes"]
    return node["id"]


@pytest.mark.parametrize("mutation", ["promoteMember", "demoteMember"])
@pytest.mark.parametrize("who", ["learner", "parent"])
async def test_a_learner_or_parent_is_never_made_or_unmade_an_administrator(gql, w, db: Database, who: str,
                                                                           mutation: str) -> None:
    membership = await _membership_of(gql, w, who)
    before = await events(db)
    answer = (await gql(PROMOTE % mutation, {"id": membership}, token=w.token("owner")))[mutation]
    assert (answer["code"], answer["field"]) == ("CONFLICT", "membershipId"), answer
    assert await events(db) == before


async def test_learners_and_parents_are_added_to_schools_only(gql, w, db: Database) -> None:  # type: ignore[no-untyped-def]
    added = await gql(ADD_MEMBER, {"o": w.base.org("ashdown"), "r": "LEARNER"}, token=w.token("owner"))
    assert added["addMember"] == {"__typename": "MembershipPayload", "membership": {"role": "LEARNER"}}
    before = await events(db)
    trust = await gql(ADD_MEMBER, {"o": w.base.org("trust"), "r": "PARENT"}, token=w.token("trust_admin"))
    assert (trust["addMember"]["code"], trust["addMember"]["field"]) == ("VALIDATION", "role"), trust
    assert await events(db) == before


async def test_a_learner_holds_no_seat_nor_supervisor_role(gql, w, db: Database) -> None:  # type: ignore[no-untyped-def]
    before = await events(db)
    seat = await gql("""mutation($l: ID!, $p: ID!) { addSeat(input: {licenceId: $l, personId: $p}) {
      __typename ... on Error { code field } } }""", {"l": w.base.licence("ashdown"), "p": w["learner"].gid},
                     token=w.token("owner"))
    assert seat["addSeat"] == {"__typename": "ValidationError", "code": "VALIDATION", "field": "personId"}
    mentor = await gql("""mutation($s: ID!, $p: ID!) { addMentor(input: {schoolId: $s, personId: $p}) {
      __typename ... on Error { code field } } }""", {"s": w.base.org("ashdown"), "p": w["parent"].gid},
                       token=w.token("owner"))
    assert mentor["addMentor"] == {"__typename": "ValidationError", "code": "VALIDATION", "field": "personId"}
    assert await events(db) == before


# --- Who keeps the site ------------------------------------------------------------------

from domain.models import CourseParticipant, Membership, MembershipRole, ParentLink, Person, TrustGrant  # noqa: E402
from tests.databases import database_state  # noqa: E402
from tests.mutation_cases import SITE  # noqa: E402

SITE_MUTATIONS = sorted(SITE)


def answering_errors(query: str) -> str:
    return query.replace("{ __typename }", "{ __typename ... on Error { code message field } }").replace(
        "{\n      __typename }", "{ __typename ... on Error { code message field } }")


async def run(gql, w, name: str, who: str, **overrides):  # type: ignore[no-untyped-def]
    query, variables, _, _ = SITE[name]
    (answer,) = (await gql(answering_errors(query), variables(w) | overrides, token=w.token(who))).values()
    return answer


@pytest.mark.parametrize("name", SITE_MUTATIONS)
@pytest.mark.parametrize("who", ["owner", "admin"])
async def test_the_schools_administrators_keep_its_site(gql, w, name: str, who: str) -> None:  # type: ignore[no-untyped-def]
    answer = await run(gql, w, name, who)
    assert answer["__typename"] == SITE[name][3], answer


# The school's supervisors, teachers, learners and parents, and another school's administrator:
# the test world's other callers meet every mutation in tests/graphql/test_refusals.py.
REFUSED = ["teacher", "headteacher", "learner", "parent", "owner_b"]


@pytest.mark.parametrize("who", REFUSED)
async def test_no_one_else_keeps_the_site_and_nothing_changes(gql, w, db: Database, who: str) -> None:  # type: ignore[no-untyped-def]
    """Staff, supervisors, teachers, learners, parents, a trust the school granted, platform
    support and the school's external system are refused; another school's administrator is
    told the school (or its course, or term) does not exist."""
    async with db.write() as session:  # the trust sees Ashdown's progress, and Ashdown itself
        session.add(TrustGrant(school_id=w.base.organisations["ashdown"], trust_id=w.base.organisations["trust"]))
    before = await database_state(db)
    for name in SITE_MUTATIONS:
        answer = await run(gql, w, name, who)
        assert answer["code"] == ("NOT_FOUND" if who == "owner_b" else "FORBIDDEN"), (who, name, answer)
    assert await database_state(db) == before


# --- Terms -------------------------------------------------------------------------------

CREATE_TERM = """mutation($s: ID!, $from: Date!, $to: Date!) { createTerm(input: {schoolId: $s, name: "Extra",
  startsOn: $from, endsOn: $to}) { __typename ... on TermPayload { term { name startsOn endsOn } }
  ... on Error { code message field } } }"""
UPDATE_TERM = """mutation($t: ID!, $from: Date, $to: Date) { updateTerm(input: {termId: $t, startsOn: $from,
  endsOn: $to}) { __typename ... on TermPayload { term { startsOn endsOn } } ... on Error { code message field } } }"""


@pytest.mark.parametrize(("starts", "ends", "field"), [
    ("2027-03-31", "2027-04-10", "startsOn"),  # shares Spring's last day
    ("2026-08-01", "2027-08-01", "startsOn"),  # covers both terms
    ("2027-05-10", "2027-05-01", "endsOn"),  # ends before it starts
])
async def test_terms_never_overlap_and_end_after_they_start(gql, w, db: Database, starts: str, ends: str,
                                                            field: str) -> None:
    before = await database_state(db)
    answer = (await gql(CREATE_TERM, {"s": w.base.org("ashdown"), "from": starts, "to": ends},
                        token=w.token("owner")))["createTerm"]
    assert (answer["code"], answer["field"]) == ("VALIDATION", field), answer
    assert await database_state(db) == before


async def test_another_schools_terms_do_not_clash_and_a_term_moves_within_its_records(gql, w, db: Database) -> None:  # type: ignore[no-untyped-def]
    made = await gql(CREATE_TERM, {"s": w.base.org("birchwood"), "from": "2027-01-05", "to": "2027-03-31"},
                     token=w.token("owner_b"))
    assert made["createTerm"]["__typename"] == "TermPayload", made
    recorded = await gql("""mutation($c: ID!, $l: ID!) { recordAttendance(input: {courseId: $c, learnerId: $l,
      sessionDate: "2026-10-05", code: "/"}) { __typename } }""", {"c": w.course("maths"), "l": w["learner"].gid},
                         token=w.token("teacher"))
    assert recorded["recordAttendance"]["__typename"] == "AttendanceRecordPayload"
    clash = (await gql(UPDATE_TERM, {"t": w.term("autumn"), "to": "2027-01-05"}, token=w.token("owner")))
    assert (clash["updateTerm"]["code"], clash["updateTerm"]["field"]) == ("VALIDATION", "startsOn")
    before = await database_state(db)
    cut = (await gql(UPDATE_TERM, {"t": w.term("autumn"), "from": "2026-10-06"}, token=w.token("owner")))
    assert (cut["updateTerm"]["code"], cut["updateTerm"]["field"]) == ("VALIDATION", "startsOn"), cut
    assert await database_state(db) == before
    moved = (await gql(UPDATE_TERM, {"t": w.term("autumn"), "from": "2026-09-03", "to": "2026-12-20"},
                       token=w.token("owner")))["updateTerm"]
    assert moved["term"] == {"startsOn": "2026-09-03", "endsOn": "2026-12-20"}


# --- Courses and their people ------------------------------------------------------------


@pytest.mark.parametrize(("name", "overrides", "field"), [
    ("createSchoolCourse", {"t": "learner_b"}, "teacherIds"),  # a member of Birchwood, not Ashdown
    ("createSchoolCourse", {"l": "learner_b"}, "learnerIds"),
    ("createSchoolCourse", {"t": "learner"}, "teacherIds"),  # a learner does not teach
    ("createSchoolCourse", {"l": "teacher"}, "learnerIds"),  # staff are not a course's learners
    ("createSchoolCourse", {"l": "teacher", "t": "teacher"}, "learnerIds"),
    ("addCourseParticipants", {"p": "learner_b"}, "personIds"),
    ("addCourseParticipants", {"p": "parent"}, "personIds"),
    ("removeCourseParticipants", {"p": "learner"}, "personIds"),  # not a learner of Art
])
async def test_a_courses_people_are_the_schools(gql, w, db: Database, name: str, overrides: dict, field: str) -> None:  # type: ignore[type-arg]
    before = await database_state(db)
    answer = await run(gql, w, name, "owner", **{k: w[v].gid for k, v in overrides.items()})
    assert (answer["code"], answer["field"]) == ("VALIDATION", field), answer
    assert await database_state(db) == before


async def test_people_already_on_a_course_are_a_conflict(gql, w, db: Database) -> None:  # type: ignore[no-untyped-def]
    before = await database_state(db)
    again = await run(gql, w, "addCourseParticipants", "owner", p=w["learner2"].gid)  # already learns Art
    assert (again["code"], again["field"]) == ("CONFLICT", "personIds"), again
    assert await database_state(db) == before


# --- Parents -----------------------------------------------------------------------------


@pytest.mark.parametrize(("parent", "learner", "code", "field"), [
    ("learner", "learner", "VALIDATION", "parentId"),  # no one is their own parent
    ("parent", "learner", "CONFLICT", "learnerId"),  # already linked
    ("parent", "learner_b", "VALIDATION", "learnerId"),  # not a member of Ashdown
    ("teacher_b", "learner2", "VALIDATION", "parentId"),
    ("parent", "teacher", "VALIDATION", "learnerId"),  # staff, on no course as a learner
    ("learner2", "learner", "VALIDATION", "parentId"),  # a learner is no one's parent here
])
async def test_a_parent_is_linked_to_a_learner_of_the_school_once(gql, w, db: Database, parent: str, learner: str,
                                                                  code: str, field: str) -> None:
    before = await database_state(db)
    answer = await run(gql, w, "linkParent", "owner", p=w[parent].gid, l=w[learner].gid)
    assert (answer["code"], answer["field"]) == (code, field), answer
    assert await database_state(db) == before


ATTENDANCE = "{ attendanceRecords(first: 10) { totalCount } }"


async def test_a_linked_parent_sees_their_childs_ticked_records_and_an_unlinked_one_does_not(gql, w) -> None:  # type: ignore[no-untyped-def]
    await gql("""mutation($s: ID!) { configureWorkflowPhase(input: {schoolId: $s, area: ATTENDANCE,
      phase: COURSE_REGISTRATION, parent: true, responsible: TEACHER}) { __typename } }""",
              {"s": w.base.org("ashdown")}, token=w.token("owner"))
    await gql("""mutation($c: ID!, $l: ID!) { recordAttendance(input: {courseId: $c, learnerId: $l,
      sessionDate: "2026-10-05", code: "/"}) { __typename } }""", {"c": w.course("maths"), "l": w["learner2"].gid},
              token=w.token("teacher"))
    assert (await gql(ATTENDANCE, token=w.token("parent")))["attendanceRecords"]["totalCount"] == 0
    assert (await run(gql, w, "linkParent", "owner"))["__typename"] == "ParentLinkPayload"
    assert (await gql(ATTENDANCE, token=w.token("parent")))["attendanceRecords"]["totalCount"] == 1
    assert (await run(gql, w, "unlinkParent", "owner", l=w["learner2"].gid))["__typename"] == "ParentLinkPayload"
    assert (await gql(ATTENDANCE, token=w.token("parent")))["attendanceRecords"]["totalCount"] == 0


# --- Attendance codes --------------------------------------------------------------------

RECORD = """mutation($c: ID!, $l: ID!, $d: Date!, $code: String!) { recordAttendance(input: {courseId: $c,
  learnerId: $l, sessionDate: $d, code: $code}) { __typename ... on AttendanceRecordPayload {
  attendanceRecord { code { code retired } } } ... on Error { code message field } } }"""
CODES = "query($s: ID!) { site(schoolId: $s) { attendanceCodes { code name category retired } } }"


@pytest.mark.parametrize(("name", "overrides", "code", "field"), [
    ("addAttendanceCode", {"category": "HOLIDAY"}, "VALIDATION", "category"),
    ("addAttendanceCode", {"code": "A B"}, "VALIDATION", "code"),
    ("addAttendanceCode", {"code": "L"}, "CONFLICT", "code"),  # a default code, already the site's
    ("updateAttendanceCode", {"category": "SOMETIMES"}, "VALIDATION", "category"),
    ("updateAttendanceCode", {"code": "ZZ"}, "NOT_FOUND", "code"),
])
async def test_bad_attendance_codes_change_nothing(gql, w, db: Database, name: str, overrides: dict, code: str,
                                                   field: str) -> None:
    query, variables, _, _ = SITE[name]
    for key, value in overrides.items():  # the inputs are written inline: swap their values
        query = query.replace({"category": 'category: "APPROVED_ACTIVITY"', "code": 'code: "S"'}[key]
                              if name == "addAttendanceCode" else
                              {"category": 'name: "Medical or dental"', "code": 'code: "M"'}[key],
                              f'{key}: "{value}"')
    before = await database_state(db)
    (answer,) = (await gql(answering_errors(query), variables(w), token=w.token("owner"))).values()
    assert (answer["code"], answer["field"]) == (code, field), answer
    assert await database_state(db) == before


async def test_a_retired_code_keeps_its_records_but_takes_no_new_ones(gql, w, db: Database) -> None:  # type: ignore[no-untyped-def]
    old = {"c": w.course("maths"), "l": w["learner"].gid, "d": "2026-10-05", "code": "V"}
    kept = await gql(RECORD, old, token=w.token("teacher"))
    assert kept["recordAttendance"]["__typename"] == "AttendanceRecordPayload", kept
    assert (await run(gql, w, "retireAttendanceCode", "admin"))["__typename"] == "AttendanceCodePayload"
    codes = (await gql(CODES, {"s": w.base.org("ashdown")}, token=w.token("owner")))["site"]["attendanceCodes"]
    assert {"code": "V", "name": "Educational visit", "category": "APPROVED_ACTIVITY", "retired": True} in codes
    assert len(codes) == 7  # the defaults became the site's own rows, all of them kept
    before = await database_state(db)
    for variables in (old | {"d": "2026-10-06"}, old | {"l": w["learner2"].gid}):
        refused = (await gql(RECORD, variables, token=w.token("teacher")))["recordAttendance"]
        assert (refused["code"], refused["field"]) == ("VALIDATION", "code"), refused
    assert await database_state(db) == before
    again = await gql(RECORD, old, token=w.token("teacher"))  # the record that holds it keeps it
    assert again["recordAttendance"]["attendanceRecord"]["code"] == {"code": "V", "retired": True}
    retired_again = await run(gql, w, "retireAttendanceCode", "admin")
    assert retired_again["code"] == "CONFLICT"


# --- Reading who is on which course, and whose parent -------------------------------------

PEOPLE = """query($s: ID!, $c: ID, $first: Int, $after: String) { site(schoolId: $s) {
  courseParticipants(courseId: $c, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor }
    nodes { course { title } person { displayName } role } }
  parentLinks(first: 10) { totalCount nodes { parent { displayName } learner { displayName } } } } }"""


async def test_staff_see_the_courses_people_and_only_administrators_see_parent_links(gql, w) -> None:  # type: ignore[no-untyped-def]
    school = w.base.org("ashdown")
    seen = (await gql(PEOPLE, {"s": school}, token=w.token("owner")))["site"]
    assert [(n["course"]["title"], n["person"]["displayName"], n["role"]) for n in seen["courseParticipants"]["nodes"]] \
        == [("5A Art", "Learner2", "LEARNER"), ("5A Maths", "Learner", "LEARNER"), ("5A Maths", "Learner2", "LEARNER"),
            ("5A Maths", "Teacher", "TEACHER")]
    assert seen["parentLinks"]["nodes"] == [{"parent": {"displayName": "Parent"}, "learner": {"displayName": "Learner"}}]
    page = (await gql(PEOPLE, {"s": school, "c": w.course("maths"), "first": 2}, token=w.token("teacher")))["site"]
    assert page["courseParticipants"]["totalCount"] == 3 and page["courseParticipants"]["pageInfo"]["hasNextPage"]
    rest = (await gql(PEOPLE, {"s": school, "c": w.course("maths"), "first": 2,
                               "after": page["courseParticipants"]["pageInfo"]["endCursor"]}, token=w.token("teacher")))
    assert [n["person"]["displayName"] for n in rest["site"]["courseParticipants"]["nodes"]] == ["Teacher"]
    assert page["parentLinks"]["totalCount"] == 0  # staff do not see families
    for who in ("learner", "parent"):
        hidden = (await gql(PEOPLE, {"s": school}, token=w.token(who)))["site"]
        assert hidden["courseParticipants"]["totalCount"] == 0 and hidden["parentLinks"]["totalCount"] == 0
    assert (await gql(PEOPLE, {"s": school}, token=w.token("owner_b")))["site"] is None


async def test_the_lists_cost_the_same_for_a_few_rows_and_many(gql, w, db: Database, count_statements) -> None:  # type: ignore[no-untyped-def]
    school, token = w.base.org("ashdown"), w.token("owner")
    small = count_statements.count
    await gql(PEOPLE, {"s": school, "first": 50}, token=token)
    small = count_statements.count - small
    async with db.write() as session:
        people = [Person(email=f"pupil{i}@pupils.example", display_name=f"Pupil {i:02}") for i in range(25)]
        session.add_all(people)
        await session.flush()
        ashdown = w.base.organisations["ashdown"]
        session.add_all(Membership(organisation_id=ashdown, person_id=p.id, role=MembershipRole.LEARNER) for p in people)
        session.add_all(CourseParticipant(course_id=w.courses["art"], person_id=p.id, role="LEARNER") for p in people)
        session.add_all(ParentLink(parent_id=w["parent"].person_id, learner_id=p.id) for p in people)
    large = count_statements.count
    data = await gql(PEOPLE, {"s": school, "first": 50}, token=token)
    large = count_statements.count - large
    assert data["site"]["courseParticipants"]["totalCount"] == 29 and data["site"]["parentLinks"]["totalCount"] == 26
    assert large == small


# --- Leaving the school ------------------------------------------------------------------

PARTICIPANTS = """query($s: ID!) { site(schoolId: $s) { courseParticipants(first: 50) {
  nodes { person { displayName } } } } }"""
REMOVE = """mutation($id: ID!) { removeMember(input: {membershipId: $id}) {
  __typename ... on Error { code message field } } }"""


async def test_a_parent_removed_from_the_school_no_longer_sees_their_childs_records(gql, w) -> None:  # type: ignore[no-untyped-def]
    """Parent links end with the parent's membership: records are the school's, and a
    former parent of it sees none of them, whatever the phase ticks."""
    await gql("""mutation($s: ID!) { configureWorkflowPhase(input: {schoolId: $s, area: ATTENDANCE,
      phase: COURSE_REGISTRATION, parent: true, responsible: TEACHER}) { __typename } }""",
              {"s": w.base.org("ashdown")}, token=w.token("owner"))
    await gql("""mutation($c: ID!, $l: ID!) { recordAttendance(input: {courseId: $c, learnerId: $l,
      sessionDate: "2026-10-05", code: "/"}) { __typename } }""", {"c": w.course("maths"), "l": w["learner"].gid},
              token=w.token("teacher"))
    assert (await gql(ATTENDANCE, token=w.token("parent")))["attendanceRecords"]["totalCount"] == 1

    removed = await gql(REMOVE, {"id": await _membership_of(gql, w, "parent")}, token=w.token("owner"))
    assert removed["removeMember"]["__typename"] == "RemoveMemberPayload", removed
    assert (await gql(ATTENDANCE, token=w.token("parent")))["attendanceRecords"]["totalCount"] == 0
    # The record itself stays the school's.
    assert (await gql(ATTENDANCE, token=w.token("owner")))["attendanceRecords"]["totalCount"] == 1


async def test_a_learner_removed_from_the_school_leaves_its_courses_and_mentors(gql, w, db: Database) -> None:  # type: ignore[no-untyped-def]
    def names(data):  # type: ignore[no-untyped-def]
        return {n["person"]["displayName"] for n in data["site"]["courseParticipants"]["nodes"]}

    before = names(await gql(PARTICIPANTS, {"s": w.base.org("ashdown")}, token=w.token("owner")))
    learner = w["learner"]
    assert "Learner" in before, before

    removed = await gql(REMOVE, {"id": await _membership_of(gql, w, "learner")}, token=w.token("owner"))
    assert removed["removeMember"]["__typename"] == "RemoveMemberPayload", removed
    after = names(await gql(PARTICIPANTS, {"s": w.base.org("ashdown")}, token=w.token("owner")))
    assert after == before - {"Learner"}
    async with db.read() as session:
        left = (await session.execute(
            select(func.count()).select_from(MentorLearner).where(MentorLearner.learner_id == learner.person_id)
        )).scalar_one()
        event = (await session.execute(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))).scalar_one()
    assert left == 0
    assert event.after["left_course_ids"] and event.after["ended_parent_link_ids"], event.after
