"""Supervisors (seed 002): site administrators manage mentors, headteachers and their
labels; `me` names the entry to show; headteachers see an overview of their mentors."""

import pytest

from infra.database import Database
from tests.graphql.test_workflow import ADVANCE, ASSESSMENT, ATTENDANCE, BEHAVIOUR, counts
from tests.workflow_world import IN_AUTUMN, WorkflowWorld, build_workflow_world
from tests.world import World

ROLE = """mutation($o: ID!, $p: ID!) { %s(input: {%s: $o, personId: $p}) {
  __typename ... on SupervisorPayload { isMentor isHeadteacher } ... on Error { code message field } } }"""
ADD_HEADTEACHER = ROLE % ("addHeadteacher", "organisationId")
ADD_MENTOR = ROLE % ("addMentor", "schoolId")
REMOVE_MENTOR = ROLE % ("removeMentor", "schoolId")
RENAME = """mutation($s: ID!, $m: String!, $h: String!) { renameSupervisorLabels(input: {schoolId: $s,
  mentorLabel: $m, headteacherLabel: $h}) { __typename ... on Error { code message field } } }"""
ASSIGN = """mutation($s: ID!, $m: ID!, $l: [ID!]!, $c: [ID!]!) { assignLearners(input: {schoolId: $s, mentorId: $m,
  learnerIds: $l, courseIds: $c}) { __typename ... on MentorLearnersPayload { changedLearnerIds }
  ... on Error { code message field } } }"""
ENTRIES = "{ me { supervisorEntries { organisation { name } kind label labels { mentor headteacher } } } }"
OVERVIEW = """query($s: ID!, $t: ID!) { site(schoolId: $s) { mentorOverview(termId: $t) { mentor { displayName }
  learners attendanceRate sessions positiveNotes negativeNotes assessmentScopes { phase scopes } } } }"""


@pytest.fixture
async def w(db: Database, world: World) -> WorkflowWorld:
    return await build_workflow_world(db, world)


async def test_a_headteacher_is_chosen_only_for_an_organisation_they_are_a_member_of(gql, w, db: Database) -> None:  # type: ignore[no-untyped-def]
    before = await counts(db)
    answer = (await gql(ADD_HEADTEACHER, {"o": w.base.org("ashdown"), "p": w["learner_b"].gid},
                        token=w.token("owner")))["addHeadteacher"]
    assert (answer["code"], answer["field"]) == ("VALIDATION", "organisationId"), answer
    assert "member" in answer["message"]
    assert await counts(db) == before
    done = (await gql(ADD_HEADTEACHER, {"o": w.base.org("ashdown"), "p": w["teacher"].gid},
                      token=w.token("owner")))["addHeadteacher"]
    assert done == {"__typename": "SupervisorPayload", "isMentor": False, "isHeadteacher": True}


async def test_someone_who_is_both_gets_the_combined_entry_under_the_sites_labels(gql, w) -> None:  # type: ignore[no-untyped-def]
    renamed = await gql(RENAME, {"s": w.base.org("ashdown"), "m": "Tutor", "h": "Principal"}, token=w.token("admin"))
    assert renamed["renameSupervisorLabels"]["__typename"] == "SupervisorLabelsPayload"
    labels = {"mentor": "Tutor", "headteacher": "Principal"}
    entry = {"organisation": {"name": "Ashdown Primary"}, "labels": labels}
    assert (await gql(ENTRIES, token=w.token("mentor")))["me"]["supervisorEntries"] == [
        entry | {"kind": "MENTOR", "label": "Tutor"}]
    assert (await gql(ENTRIES, token=w.token("headteacher")))["me"]["supervisorEntries"] == [
        entry | {"kind": "HEADTEACHER", "label": "Principal"}]
    made = await gql(ADD_HEADTEACHER, {"o": w.base.org("ashdown"), "p": w["mentor"].gid}, token=w.token("owner"))
    assert made["addHeadteacher"]["isMentor"] is True and made["addHeadteacher"]["isHeadteacher"] is True
    assert (await gql(ENTRIES, token=w.token("mentor")))["me"]["supervisorEntries"] == [
        entry | {"kind": "SUPERVISOR", "label": "Supervisor"}]
    assert (await gql(ENTRIES, token=w.token("teacher")))["me"]["supervisorEntries"] == []


@pytest.mark.parametrize("who", ["teacher", "mentor", "headteacher", "staff", "learner", "parent", "system", "owner_b"])
async def test_only_site_administrators_manage_supervisors(gql, w, db: Database, who: str) -> None:  # type: ignore[no-untyped-def]
    before = await counts(db)
    school = w.base.org("ashdown")
    attempts = [
        (ADD_MENTOR, {"o": school, "p": w["teacher"].gid}),
        (REMOVE_MENTOR, {"o": school, "p": w["mentor"].gid}),
        (ADD_HEADTEACHER, {"o": school, "p": w["teacher"].gid}),
        (RENAME, {"s": school, "m": "Tutor", "h": "Principal"}),
        (ASSIGN, {"s": school, "m": w["mentor"].gid, "l": [w["learner2"].gid], "c": []}),
    ]
    for query, variables in attempts:
        (answer,) = (await gql(query, variables, token=w.token(who))).values()
        assert answer["code"] == ("NOT_FOUND" if who == "owner_b" else "FORBIDDEN"), (who, answer)
    assert await counts(db) == before


async def test_a_whole_course_is_assigned_at_once_and_a_removed_mentor_loses_their_group(gql, w) -> None:  # type: ignore[no-untyped-def]
    school = w.base.org("ashdown")
    bad = await gql(ASSIGN, {"s": school, "m": w["mentor"].gid, "l": [w["learner_b"].gid], "c": []},
                    token=w.token("owner"))
    assert (bad["assignLearners"]["code"], bad["assignLearners"]["field"]) == ("VALIDATION", "learnerIds")
    not_mentor = await gql(ASSIGN, {"s": school, "m": w["teacher"].gid, "l": [], "c": [w.course("maths")]},
                           token=w.token("owner"))
    assert not_mentor["assignLearners"]["field"] == "mentorId"
    added = await gql(ASSIGN, {"s": school, "m": w["mentor"].gid, "l": [], "c": [w.course("maths")]},
                      token=w.token("owner"))
    assert added["assignLearners"]["changedLearnerIds"] == [w["learner2"].gid]  # learner was already theirs
    await gql(ATTENDANCE, {"c": w.course("maths"), "l": w["learner2"].gid, "d": IN_AUTUMN.isoformat(), "code": "/"},
              token=w.token("teacher"))
    assert (await gql("{ attendanceRecords { totalCount } }", token=w.token("mentor")))[
        "attendanceRecords"]["totalCount"] == 1
    removed = await gql(REMOVE_MENTOR, {"o": school, "p": w["mentor"].gid}, token=w.token("owner"))
    assert removed["removeMentor"]["isMentor"] is False
    assert (await gql("{ attendanceRecords { totalCount } }", token=w.token("mentor")))[
        "attendanceRecords"]["totalCount"] == 0
    assert (await gql(ENTRIES, token=w.token("mentor")))["me"]["supervisorEntries"] == []


async def test_the_headteachers_overview_of_mentors_in_one_statement(gql, w, count_statements) -> None:  # type: ignore[no-untyped-def]
    school = w.base.org("ashdown")
    await gql(ADD_MENTOR, {"o": school, "p": w["teacher"].gid}, token=w.token("owner"))
    for day, code in ((5, "/"), (6, "L"), (7, "N"), (8, "M")):
        await gql(ATTENDANCE, {"c": w.course("maths"), "l": w["learner"].gid, "d": f"2026-10-0{day}", "code": code},
                  token=w.token("teacher"))
    for _ in range(2):
        await gql(BEHAVIOUR, {"s": school, "l": w["learner"].gid, "d": IN_AUTUMN.isoformat()},
                  token=w.token("mentor"))
    await gql(ASSESSMENT, {"c": w.course("maths"), "l": w["learner"].gid, "t": w.term("autumn")},
              token=w.token("teacher"))
    scopes = await gql('query($s: ID!) { registrationScopes(schoolId: $s, area: ASSESSMENT) { nodes { id } } }',
                       {"s": school}, token=w.token("teacher"))
    await gql(ADVANCE, {"id": scopes["registrationScopes"]["nodes"][0]["id"], "from": "COURSE_REGISTRATION"},
              token=w.token("teacher"))

    before = count_statements.count
    await gql('query($s: ID!) { site(schoolId: $s) { school { name } } }', {"s": school}, token=w.token("headteacher"))
    bare = count_statements.count - before
    before = count_statements.count
    data = await gql(OVERVIEW, {"s": school, "t": w.term("autumn")}, token=w.token("headteacher"))
    # The same request without the overview, plus the overview's one statement.
    assert count_statements.count - before == bare + 1
    mentor, teacher = data["site"]["mentorOverview"]
    assert mentor == {
        "mentor": {"displayName": "Mentor"}, "learners": 1, "attendanceRate": 0.5, "sessions": 4,
        "positiveNotes": 0, "negativeNotes": 2,
        "assessmentScopes": [{"phase": "COURSE_REGISTRATION", "scopes": 0}, {"phase": "GROUP_REGISTRATION", "scopes": 1},
                             {"phase": "ORGANISATION_APPROVAL", "scopes": 0}, {"phase": "COMPLETED", "scopes": 0}],
    }
    assert teacher["mentor"] == {"displayName": "Teacher"} and teacher["learners"] == 0
    assert teacher["attendanceRate"] is None
    for who in ("mentor", "teacher", "learner", "owner_b"):
        data = await gql(OVERVIEW, {"s": school, "t": w.term("autumn")}, token=w.token(who))
        assert not (data["site"] and data["site"]["mentorOverview"]), who
