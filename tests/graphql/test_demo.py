"""The demo data `make run` loads: what a new developer meets first must work."""

from datetime import date, timedelta

import icalendar
import pytest
from sqlalchemy import func, select

from app import demo
from domain.models import (
    Course, Enrolment, Licence, Organisation, Person, Seat, StaffGroup, TargetList, TrustGrant, utcnow,
)
from jobs.planning import licensed_schools, plan_day
from domain.local_time import local_today
from jobs.leavers import SCHEDULER
from resolvers.group_rules import follow_day
from schema.ids import decode, global_id
from tests.graphql.test_trust_targets import whole_list


@pytest.fixture
async def demo_tokens(db) -> dict[str, str]:  # type: ignore[no-untyped-def]
    issued = await demo.issue_tokens(db, await demo.load(db))
    return {t.role: t.token for t in issued}


async def test_the_demo_has_a_trust_three_schools_and_their_staff(db, demo_tokens) -> None:  # type: ignore[no-untyped-def]
    async with db.read() as session:
        async def count(stmt) -> int:  # type: ignore[no-untyped-def]
            return (await session.execute(stmt)).scalar_one()

        assert await count(select(func.count()).select_from(Organisation).where(
            Organisation.kind == "TRUST", Organisation.designation == "Academies")) == 1
        assert await count(select(func.count()).select_from(Organisation).where(Organisation.kind == "SCHOOL")) == 3
        assert await count(select(func.count()).select_from(TrustGrant)) == 2
        assert await count(select(func.count()).select_from(Licence)) == 3
        assert await count(select(func.count()).select_from(Seat).where(Seat.active.is_(True))) == 90
        assert await count(select(func.count()).select_from(StaffGroup)) == 15
        assert await count(select(func.count()).select_from(TargetList)) > 15


async def test_every_demo_token_runs_its_sample_query(gql, demo_tokens) -> None:  # type: ignore[no-untyped-def]
    assert set(demo_tokens) == set(demo.SAMPLES)
    for role, token in demo_tokens.items():
        data = await gql(demo.SAMPLES[role], token=token)
        assert data and all(value is not None for value in data.values()), role


async def test_the_full_administrator_lists_staff_promotes_one_and_reads_the_event(gql, demo_tokens) -> None:  # type: ignore[no-untyped-def]
    token = demo_tokens["full administrator"]
    me = await gql("{ me { memberships { organisation { members(first: 50, role: MEMBER) { totalCount "
                   "nodes { id person { displayName } } } } } } }", token=token)
    members = me["me"]["memberships"][0]["organisation"]["members"]
    assert members["totalCount"] == 28  # staff only: seed 002's learners and parents have standings of their own
    pupils = await gql("{ me { memberships { organisation { members(first: 50, role: LEARNER) { totalCount } } } } }",
                       token=token)
    assert pupils["me"]["memberships"][0]["organisation"]["members"]["totalCount"] == len(demo.LEARNERS)
    chosen = members["nodes"][0]
    done = await gql("mutation($id: ID!) { promoteMember(input: {membershipId: $id}) { __typename } }",
                     {"id": chosen["id"]}, token=token)
    assert done["promoteMember"]["__typename"] == "MembershipPayload"
    log = await gql("{ auditLog(first: 1) { nodes { action summary targetId } } }", token=token)
    event = log["auditLog"]["nodes"][0]
    assert event["action"] == "MEMBER_PROMOTED" and event["targetId"] == chosen["id"]
    assert chosen["person"]["displayName"] in event["summary"]


async def test_the_demo_staff_member_has_the_seeds_phonics_order_on_their_path(gql, demo_tokens) -> None:  # type: ignore[no-untyped-def]
    data = await gql("{ me { learningPath { items { course { code } sourceLists { name } } } } }",
                     token=demo_tokens["staff member"])
    codes = [i["course"]["code"] for i in data["me"]["learningPath"]["items"]]
    assert codes.index("PH4") < codes.index("PH6") < codes.index("PH5")
    assert {"SAF1", "BEH1", "RDG1"} <= set(codes)


async def test_the_demo_staff_members_calendar_shows_their_dated_targets(gql, client, demo_tokens) -> None:  # type: ignore[no-untyped-def]
    data = await gql(demo.SAMPLES["staff member"], token=demo_tokens["staff member"])
    path = data["me"]["learningPath"]["items"]
    dated = sorted((item["effectiveDueOn"], item["course"]["title"]) for item in path
                   if item["effectiveDueOn"] and item["status"] != "COMPLETED")
    feed = icalendar.Calendar.from_ical((await client.get(data["me"]["calendarFeed"]["url"])).content)
    shown = sorted((str(e.decoded("dtstart")), str(e["summary"]).removeprefix("Due: ")) for e in feed.walk("VEVENT"))
    assert dated and shown == dated


# The school's delivery log, as its full administrator reads it: each digest planned and its lines.
LOG = """{ me { memberships { organisation { notificationDeliveries(first: 100) { nodes { personName
  lines { kind personName courseTitle dueOn } } } } } } }"""


async def test_the_demo_day_carries_the_extension_and_the_administrators_summary(gql, db, demo_tokens) -> None:  # type: ignore[no-untyped-def]
    """Induction's passed date: the staff member, extended for a late start, is reminded of
    their later date and is in no one's summary; the others new to school are overdue in
    the full administrator's daily summary (issue 17)."""
    path = await gql("{ me { person { displayName } learningPath { on items { course { title } effectiveDueOn "
                     "listDueOn extension { reason } } } } }", token=demo_tokens["staff member"])
    me, today = path["me"]["person"]["displayName"], date.fromisoformat(path["me"]["learningPath"]["on"])
    moved = {i["course"]["title"]: i for i in path["me"]["learningPath"]["items"] if i["extension"]}
    assert set(moved) == {"Safeguarding Essentials", "Behaviour for Learning"}
    assert {i["effectiveDueOn"] for i in moved.values()} == {(today + timedelta(days=demo.LATE_START)).isoformat()}
    for school_id in await licensed_schools(db):
        await plan_day(db, school_id, today, utcnow())
    admin = (await gql("{ me { person { displayName } } }", token=demo_tokens["full administrator"]))
    logged = (await gql(LOG, token=demo_tokens["full administrator"]))["me"]["memberships"][0]["organisation"]
    digests = {d["personName"]: d["lines"] for d in logged["notificationDeliveries"]["nodes"]}
    summary = digests[admin["me"]["person"]["displayName"]]
    overdue = {(line["personName"], line["courseTitle"]) for line in summary if line["kind"] == "NEWLY_OVERDUE"}
    assert overdue and all(course in {"Safeguarding Essentials", "Behaviour for Learning"} for _, course in overdue)
    assert me not in {person for person, _ in overdue}
    assert {line["dueOn"] for line in digests[me] if line["courseTitle"] in moved} == \
        {(today + timedelta(days=demo.LATE_START)).isoformat()}


async def test_the_demo_delegate_manages_es1_only(gql, demo_tokens) -> None:  # type: ignore[no-untyped-def]
    data = await gql("{ me { staffGroups { nodes { name viewerCan { edit delete delegate report } } } } }",
                     token=demo_tokens["group delegate"])
    assert data["me"]["staffGroups"]["nodes"] == [
        {"name": "ES1", "viewerCan": {"edit": True, "delete": False, "delegate": False, "report": True}}
    ]


async def test_the_headteacher_completes_a_phase_after_which_the_learner_sees_the_records(gql, demo_tokens) -> None:  # type: ignore[no-untyped-def]
    """Issue 7's 'done when': the headteacher sees a mentor's overview and completes the Maths
    assessment, and the learner's token then sees their result."""
    learner = await gql(demo.SAMPLES["learner"], token=demo_tokens["learner"])
    assert learner["assessments"]["totalCount"] == 0
    assert learner["attendanceRecords"]["totalCount"] == 5  # English is in group registration: ticked

    head = await gql(demo.SAMPLES["headteacher"], token=demo_tokens["headteacher"])
    (entry,) = head["me"]["supervisorEntries"]
    assert entry["kind"] == "HEADTEACHER" and entry["label"] == "Headteacher"
    term = head["assessments"]["nodes"][0]["term"]["id"]
    overview = await gql(
        "query($s: ID!, $t: ID!) { site(schoolId: $s) { mentorOverview(termId: $t) { mentor { displayName } "
        "learners attendanceRate positiveNotes negativeNotes assessmentScopes { phase scopes } } } }",
        {"s": entry["organisation"]["id"], "t": term}, token=demo_tokens["headteacher"])
    (mentor,) = overview["site"]["mentorOverview"]
    assert mentor["learners"] == 6 and mentor["positiveNotes"] == 2 and mentor["negativeNotes"] == 1
    assert 0 < mentor["attendanceRate"] <= 1
    assert {"phase": "ORGANISATION_APPROVAL", "scopes": 1} in mentor["assessmentScopes"]

    scopes = await gql(
        'query($s: ID!) { registrationScopes(schoolId: $s, area: ASSESSMENT) { nodes { id phase { kind } '
        'viewerCanMoveOn } } }', {"s": entry["organisation"]["id"]}, token=demo_tokens["headteacher"])
    (scope,) = scopes["registrationScopes"]["nodes"]
    assert scope["viewerCanMoveOn"] is True
    done = await gql("mutation($id: ID!) { advanceRegistration(input: {scopeId: $id, fromPhase: ORGANISATION_APPROVAL}) "
                     "{ __typename ... on RegistrationScopePayload { registrationScope { phase { kind } } } } }",
                     {"id": scope["id"]}, token=demo_tokens["headteacher"])
    assert done["advanceRegistration"]["registrationScope"]["phase"]["kind"] == "COMPLETED"

    learner = await gql(demo.SAMPLES["learner"], token=demo_tokens["learner"])
    assert [a["course"]["title"] for a in learner["assessments"]["nodes"]] == ["Year 5 Maths"]


async def test_the_demo_safeguarding_renews_yearly_and_the_extension_still_holds(gql, client, db,  # type: ignore[no-untyped-def]
                                                                                 demo_tokens) -> None:
    """Issue 17's walk: the full administrator sets Safeguarding Essentials to renew yearly
    on Whole-school priorities. The staff member completed it 356 days ago: it is due again
    on their path, by their late-start date, which is later than the renewal; their feed and
    their next digest show it so. Two of ES1's completions lapsed a month ago; the
    administrator extends one of them: the other alone is overdue in All Staff's report and
    in the trust's figures."""
    admin = demo_tokens["full administrator"]
    lists = await gql("""{ me { staffGroups { nodes { name targetLists { id name items { course { id code } } } } } } }""",
                      token=admin)
    priorities = next(t for g in lists["me"]["staffGroups"]["nodes"] for t in g["targetLists"]
                      if t["name"] == "Whole-school priorities")
    saf1 = next(i["course"]["id"] for i in priorities["items"] if i["course"]["code"] == "SAF1")
    set_ = await gql("""mutation($t: ID!, $c: ID!) { setTargetRenewal(input: {targetListId: $t, courseId: $c,
      renewMonths: 12}) { __typename } }""", {"t": priorities["id"], "c": saf1}, token=admin)
    assert set_["setTargetRenewal"]["__typename"] == "TargetListPayload"

    path = await gql("""{ me { person { displayName } learningPath { on items { course { code title } status
      effectiveDueOn renewsOn lastCompletedOn dueState extension { reason } } } calendarFeed { url } } }""",
                     token=demo_tokens["staff member"])
    me, today = path["me"]["person"]["displayName"], date.fromisoformat(path["me"]["learningPath"]["on"])
    item = next(i for i in path["me"]["learningPath"]["items"] if i["course"]["code"] == "SAF1")
    late = (today + timedelta(days=demo.LATE_START)).isoformat()
    assert item["status"] != "COMPLETED" and item["lastCompletedOn"] == (today - timedelta(days=356)).isoformat()
    assert today < date.fromisoformat(item["renewsOn"]) <= today + timedelta(days=14)
    assert item["effectiveDueOn"] == late and item["extension"]["reason"].endswith("a late start.")
    feed = icalendar.Calendar.from_ical((await client.get(path["me"]["calendarFeed"]["url"])).content)
    assert (date.fromisoformat(late), "Due: Safeguarding Essentials") in {
        (e.decoded("dtstart"), str(e["summary"])) for e in feed.walk("VEVENT")}

    for school_id in await licensed_schools(db):
        await plan_day(db, school_id, today, utcnow())
    digests = {d["personName"]: d["lines"] for d in (await gql(LOG, token=admin))["me"]["memberships"][0]
               ["organisation"]["notificationDeliveries"]["nodes"]}
    assert {(line["kind"], line["dueOn"]) for line in digests[me] if line["courseTitle"] == "Safeguarding Essentials"} \
        == {("ASSIGNED", late)}

    async with db.read() as session:
        lapsed = dict((await session.execute(
            select(Person.display_name, Person.id).join(Enrolment, Enrolment.person_id == Person.id).join(
                Course, Course.id == Enrolment.course_id)
            .where(Course.code == "SAF1", Enrolment.last_completed_at < utcnow() - timedelta(days=390)))).all())
        oakfield = (await session.execute(
            select(Licence.id).join(Organisation, Organisation.id == Licence.organisation_id)
            .where(Organisation.name == "Oakfield Primary School"))).scalar_one()
    assert len(lapsed) == 2
    # The administrator gives one of the two lapsed a month more.
    given, still = sorted(lapsed)
    later = (today + timedelta(days=30)).isoformat()
    extended = await gql("""mutation($i: ExtendTargetInput!) { extendTarget(input: $i) { __typename } }""", {"i": {
        "targetListId": priorities["id"], "personId": global_id("Person", lapsed[given]), "courseId": saf1,
        "dueOn": later, "reason": "Back from leave"}}, token=admin)
    assert extended["extendTarget"]["__typename"] == "TargetExtensionPayload"
    theirs = await gql("""query($l: ID!, $p: ID!) { learningPath(licenceId: $l, personId: $p) { items {
      course { code } effectiveDueOn renewsOn lastCompletedOn extension { reason } } } }""",
                       {"l": global_id("Licence", oakfield), "p": global_id("Person", lapsed[given])}, token=admin)
    item = next(i for i in theirs["learningPath"]["items"] if i["course"]["code"] == "SAF1")
    assert (item["effectiveDueOn"], item["extension"]["reason"]) == (later, "Back from leave")
    assert item["renewsOn"] < today.isoformat() and item["lastCompletedOn"]

    report = await gql("""{ me { staffGroups { nodes { name report { targetLists { targetList { name }
      courses { course { code } counts { completed overdue } } } } } } } }""", token=admin)
    all_staff = next(g for g in report["me"]["staffGroups"]["nodes"] if g["name"] == "All Staff")
    counts = next(c["counts"] for t in all_staff["report"]["targetLists"] if t["targetList"]["name"] ==
                  "Whole-school priorities" for c in t["courses"] if c["course"]["code"] == "SAF1")
    # The other lapsed one; the staff member's completion holds until it renews.
    assert counts["overdue"] == 1
    trust = await gql("""{ me { memberships { organisation { id } } } }""", token=demo_tokens["trust administrator"])
    listed = await gql("""query($t: ID!, $c: ID!) { trust(id: $t) { targets(first: 100, filter: {courseId: $c,
      status: OVERDUE}) { nodes { personName } } } }""", {
        "t": trust["me"]["memberships"][0]["organisation"]["id"], "c": saf1}, token=demo_tokens["trust administrator"])
    overdue = {n["personName"] for n in listed["trust"]["targets"]["nodes"]}
    assert still in overdue and given not in overdue and me not in overdue


async def test_the_demo_leader_previews_a_date_change_and_applying_it_does_exactly_that(gql, db, demo_tokens) -> None:  # type: ignore[no-untyped-def]
    """Issue 18's walk: the full administrator previews dating Online Safety on
    Whole-school priorities yesterday, sees who would turn overdue (on it, and on
    Safeguarding Essentials above it), applies it, and the trust's list of overdue targets
    gains exactly those."""
    admin, analyst = demo_tokens["full administrator"], demo_tokens["trust administrator"]
    lists = await gql("""{ me { memberships { organisation { id } } staffGroups { nodes { targetLists { id name
      items { course { id code } } } } } } }""", token=admin)
    school = lists["me"]["memberships"][0]["organisation"]["id"]
    priorities = next(t for g in lists["me"]["staffGroups"]["nodes"] for t in g["targetLists"]
                      if t["name"] == "Whole-school priorities")
    saf2 = next(i["course"]["id"] for i in priorities["items"] if i["course"]["code"] == "SAF2")
    trust = (await gql("{ me { memberships { organisation { id } } } }", token=analyst))["me"]["memberships"][0]
    trust_id = trust["organisation"]["id"]

    async def overdue() -> set[tuple[str, str]]:
        nodes = await whole_list(gql, trust_id, analyst, {"status": "OVERDUE"})
        return {(n["personName"], n["course"]["id"]) for n in nodes if n["school"]["id"] == school}

    before = await overdue()
    today = date.fromisoformat((await gql("{ me { learningPath { on } } }", token=demo_tokens["staff member"]))
                               ["me"]["learningPath"]["on"])
    change = """mutation($p: Boolean!, $i: SetTargetDueDateInput!) { setTargetDueDate(input: $i, preview: $p) {
      __typename ... on ChangePreview { peopleAffected people { person { displayName } overdueAtOnce { id } } } } }"""
    variables = {"i": {"targetListId": priorities["id"], "courseId": saf2,
                       "dueOn": (today - timedelta(days=1)).isoformat()}}
    preview = (await gql(change, {**variables, "p": True}, token=admin))["setTargetDueDate"]
    assert preview["__typename"] == "ChangePreview" and preview["peopleAffected"] == len(preview["people"]) > 20
    told = {(p["person"]["displayName"], c["id"]) for p in preview["people"] for c in p["overdueAtOnce"]}
    assert await overdue() == before  # a preview changes nothing
    applied = (await gql(change, {**variables, "p": False}, token=admin))["setTargetDueDate"]
    assert applied["__typename"] == "TargetListPayload"
    assert await overdue() - before == told and told


async def test_the_demo_new_to_school_group_keeps_itself_by_its_rule(gql, db, demo_tokens) -> None:  # type: ignore[no-untyped-def]
    """Issue 18: New to School is everyone whose seat began within the year. As the year
    passes for them, they leave it, each move audited with its reason."""
    admin = demo_tokens["full administrator"]
    query = """{ me { memberships { organisation { id } } staffGroups { nodes { id name rule
      members { totalCount } } } } }"""
    found = await gql(query, token=admin)
    group = next(g for g in found["me"]["staffGroups"]["nodes"] if g["name"] == "New to School")
    assert group["rule"] == {"joinedWithinDays": 365} and group["members"]["totalCount"] == 4
    school = decode(found["me"]["memberships"][0]["organisation"]["id"], "Organisation", "id")
    today = local_today("Europe/London")
    assert await follow_day(db, SCHEDULER, school, today) == 0  # as loaded, it holds what its rule says
    assert await follow_day(db, SCHEDULER, school, today + timedelta(days=400)) == 4
    after = await gql(query, token=admin)
    assert next(g for g in after["me"]["staffGroups"]["nodes"]
                if g["name"] == "New to School")["members"]["totalCount"] == 0
