"""Demo data for `make run`: one trust, three schools, staff, a catalogue, progress,
and a ready-made token for each demo role."""

import json
import random
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete, func, insert, literal, select, update

from infra.database import Database
from domain.models import (
    ACADEMIES, ALL_STAFF_NAME, Assessment, AttendanceCode, AttendanceRecord, BehaviourNote, Course, CourseCompletion,
    CourseParticipant,
    Enrolment, GroupDelegate, GroupKind, Licence, Membership, MembershipRole, MentorLearner, NotificationOutbox,
    Organisation, OrganisationKind, OverdueSummary, ParentLink, Person, RegistrationScope, SchoolCourse, Seat,
    StaffGroup, StaffGroupMember, SubscriptionKind, TargetExtension, TargetList, TargetListItem, Term, TrustGrant,
    UTCDateTime, utcnow,
)
from domain.notifications import SummaryFrequency
from domain.records import DEFAULT_CODES, CourseRole
from domain.workflow import Area, PhaseKind
from resolvers.reach import person_signatures
from resolvers import tokens
from resolvers.workflow import default_rows

FIRST = ["Amara", "Ben", "Chloe", "Dev", "Ella", "Finn", "Grace", "Hassan", "Isla", "Jack", "Kemi", "Leo",
         "Maya", "Noah", "Olivia", "Priya", "Quinn", "Ruby", "Sam", "Tom", "Uma", "Vik", "Willow", "Xander",
         "Yusuf", "Zara"]
LAST = ["Adams", "Baker", "Clarke", "Davies", "Evans", "Foster", "Green", "Hughes", "Iqbal", "Jones", "Khan",
        "Lewis", "Morgan", "Nowak", "Owen", "Patel", "Quigley", "Roberts", "Shah", "Taylor"]
COURSES = [
    ("PH1", "Phonics 1: Sounds and Letters"), ("PH2", "Phonics 2: Blending"), ("PH3", "Phonics 3: Segmenting"),
    ("PH4", "Phonics 4: Tricky Words"), ("PH5", "Phonics 5: Phonics Lesson Content"),
    ("PH6", "Phonics 6: Phonics Lesson Structure"), ("BEH1", "Behaviour for Learning"),
    ("SAF1", "Safeguarding Essentials"), ("SAF2", "Online Safety"), ("SEN1", "SEND in the Mainstream Classroom"),
    ("ASS1", "Assessment for Learning"), ("ASS2", "Questioning Techniques"), ("MAT1", "Mastery in Mathematics"),
    ("MAT2", "Number Sense"), ("RDG1", "Reading for Pleasure"), ("ECT1", "Early Career: Classroom Routines"),
    ("ECT2", "Early Career: Planning Sequences"), ("LDR1", "Leading a Phase"), ("WEL1", "Staff Wellbeing"),
    ("EAL1", "Supporting EAL Learners"),
]
SCHOOLS = [
    ("Oakfield Primary School", "Europe/London", True),
    ("Riverside Academy", "Europe/London", True),
    ("Hillcrest Primary", "Europe/London", False),
]
STAFF_PER_SCHOOL = 30
# The seed's groups. Each: (name, staff positions, delegate position or None,
# [(list name, [(course code, due in days or None), ...])]). Position 2 is the demo
# staff member; position 3 delegates ES1.
GROUPS = [
    ("ES1", [2, 3, 4, 5, 6, 7, 8, 9], 3, [
        ("Phonics", [("PH1", None), ("PH2", None), ("PH3", None), ("PH4", 45), ("PH6", None), ("PH5", None)]),
        ("Reading", [("RDG1", 90)]),
    ]),
    ("Stage 1", [10, 11, 12, 13, 14, 15, 16, 17], None, [("Maths mastery", [("MAT1", None), ("MAT2", 60)])]),
    ("Early Career Teachers", [18, 19, 20, 21, 22], None, [
        ("ECT essentials", [("ECT1", None), ("ECT2", 20), ("BEH1", None)]),
    ]),
    # Induction's first date has passed: the reports have something overdue to show.
    ("New to School", [2, 23, 24, 25], None, [("Induction", [("SAF1", None), ("BEH1", -7), ("SEN1", None)])]),
]
# New to School keeps itself: everyone whose seat began within the year (issue 18). Its
# members above are those; everyone else began years ago.
NEW_TO_SCHOOL_RULE = {"joined_within_days": 365}
NEW_TO_SCHOOL = {2, 23, 24, 25}
# The demo staff member's extension for every target: days from today.
LATE_START = 21
# All Staff's list; Safeguarding Essentials renews yearly (a third item: months).
ALL_STAFF_LISTS = [("Whole-school priorities", [("SAF1", 30, 12), ("SAF2", None), ("WEL1", None)])]
# Safeguarding Essentials, completed: the staff member's twice, the last time long enough
# ago that it is due again within the due-soon days; two of ES1's a year and a month ago,
# lapsed and overdue. Positions, and days ago.
SAFEGUARDING_DONE = {2: (720, 356), 4: (400,), 5: (400,)}


@dataclass
class DemoToken:
    role: str
    who: str
    token: str
    query: str


SAMPLES = {
    "platform support": "{ organisations(first: 10) { totalCount nodes { id name kind designation } } }",
    "licence owner": "{ me { person { displayName } licences { isOwner licence { activeSeatCount } } } }",
    "full administrator": (
        "{ me { memberships { organisation { name members(first: 5) { totalCount "
        "nodes { id role person { displayName } } } notificationSettings { dueSoonDays sendHour timeZone } "
        "notificationDeliveries(first: 5) { totalCount nodes { personName localDate kinds status } } } } } }"
    ),
    "staff member": (
        "{ me { learningPath { on items { course { title } status effectiveDueOn dueState "
        "sourceLists { name } } } notifications(first: 3) { nodes { localDate kinds "
        "lines { kind courseTitle listNames dueOn } } } calendarFeed { url } } }"
    ),
    "group delegate": (
        "{ me { memberships { organisation { name overdueSummary { frequency lastSentOn } } } "
        "staffGroups { nodes { name viewerCan { edit delete delegate report } "
        "members { totalCount } targetLists { name items { course { title } effectiveDueOn } } } } } }"
    ),
    "trust administrator": "{ me { memberships { role organisation { name kind designation } } } }",
    "trust member": "{ me { memberships { role organisation { name } } } }",
    "external system": "{ me { externalSystemOf { name timeZone } } }",
    # Workflow, records and supervisors (seed 002).
    "teacher": (
        "{ attendanceRecords(first: 10) { totalCount nodes { learner { displayName } course { title } "
        "sessionDate code { code name category } phase } } }"
    ),
    "mentor": (
        "{ me { supervisorEntries { kind label organisation { id name } } } "
        "behaviourNotes(first: 10) { totalCount nodes { learner { displayName } positive type weight text phase } } }"
    ),
    "headteacher": (
        "{ me { supervisorEntries { kind label organisation { id name } } } "
        "assessments(first: 10) { totalCount nodes { id learner { displayName } course { title } term { id name } "
        "result phase } } }"
    ),
    "learner": (
        "{ attendanceRecords(first: 10) { totalCount nodes { sessionDate code { name } } } "
        "assessments { totalCount nodes { course { title } term { name } result comment } } }"
    ),
    "parent": "{ attendanceRecords(first: 10) { totalCount nodes { learner { displayName } sessionDate code { name } } } }",
}


def _person(email: str, name: str, support: bool = False) -> Person:
    return Person(email=email, display_name=name, is_platform_support=support)


async def held(db: Database) -> tuple[int, int]:
    """How many organisations and people the database holds: demo data goes only where
    both are none (a first platform-support person already makes a database not empty)."""
    async with db.read() as session:
        organisations = (await session.execute(select(func.count()).select_from(Organisation))).scalar_one()
        people = (await session.execute(select(func.count()).select_from(Person))).scalar_one()
        return organisations, people


async def is_empty(db: Database) -> bool:
    return await held(db) == (0, 0)


async def load(db: Database) -> dict[str, str]:
    """Fill an empty database. Returns the email of each demo role's person."""
    rng = random.Random(2026)
    starts = random.Random(18)  # seats' start days, apart: the rest of the demo stays as it was
    now = utcnow()
    roles: dict[str, str] = {}
    async with db.write() as session:
        support = _person("support@trellis.example", "Pat Support", support=True)
        session.add(support)
        courses = [Course(code=code, title=title) for code, title in COURSES]
        session.add_all(courses)
        trust = Organisation(
            kind=OrganisationKind.TRUST, name="Northern Lights Academy Trust", designation=ACADEMIES,
            time_zone="Europe/London",
        )
        session.add(trust)
        trust_admin = _person("tara.admin@northernlights.example", "Tara Whitfield")
        trust_member = _person("martin.member@northernlights.example", "Martin Hale")
        session.add_all([trust_admin, trust_member])
        await session.flush()
        session.add_all([
            Membership(organisation_id=trust.id, person_id=trust_admin.id, role=MembershipRole.ADMINISTRATOR),
            Membership(organisation_id=trust.id, person_id=trust_member.id, role=MembershipRole.MEMBER),
        ])
        roles |= {"platform support": support.email, "trust administrator": trust_admin.email,
                  "trust member": trust_member.email}

        for index, (school_name, zone, grants) in enumerate(SCHOOLS):
            domain = school_name.split()[0].lower() + ".example"
            school = Organisation(
                kind=OrganisationKind.SCHOOL, name=school_name, designation=ACADEMIES if grants else "Primary",
                time_zone=zone,
            )
            session.add(school)
            names = rng.sample([f"{f} {last}" for f in FIRST for last in LAST], STAFF_PER_SCHOOL)
            people = [_person(f"{n.lower().replace(' ', '.')}@{domain}", n) for n in names]
            session.add_all(people)
            await session.flush()
            owner, administrator = people[0], people[1]
            licence = Licence(organisation_id=school.id, owner_id=owner.id)
            session.add(licence)
            await session.flush()
            for position, person in enumerate(people):
                role = MembershipRole.ADMINISTRATOR if position < 2 else MembershipRole.MEMBER
                session.add(Membership(organisation_id=school.id, person_id=person.id, role=role))
                began = starts.randint(20, 300) if position in NEW_TO_SCHOOL else starts.randint(400, 3000)
                session.add(Seat(licence_id=licence.id, person_id=person.id, created_at=now - timedelta(days=began),
                                 subscription=SubscriptionKind.ALL_ACCESS_PASS_PLUS))
                for course in rng.sample(courses, rng.randint(0, 6)):
                    started = now - timedelta(days=rng.randint(1, 120), hours=rng.randint(0, 23))
                    progress = rng.choice([0, 10, 25, 40, 60, 80, 100, 100])
                    session.add(Enrolment(
                        person_id=person.id, course_id=course.id, started_at=started, progress_percent=progress,
                        seconds_spent=progress * rng.randint(30, 90),
                        completed_at=min(now, started + timedelta(days=rng.randint(0, 20))) if progress == 100 else None,
                    ))
            await session.flush()
            if grants:
                session.add(TrustGrant(school_id=school.id, trust_id=trust.id, granted_by_id=owner.id))
            await _groups(session, licence, people, {c.code: c for c in courses}, today=now.date())
            if index == 0:
                await _safeguarding_done(session, people, {c.code: c for c in courses}["SAF1"], now)
                # The demo staff member started late: Induction's passed date moves for them alone.
                session.add(TargetExtension(
                    licence_id=licence.id, person_id=people[2].id, due_on=now.date() + timedelta(days=LATE_START),
                    reason="Joined after the induction dates: a late start.", granted_by_id=administrator.id,
                ))
                # The full administrator hears daily of the staff who are overdue; ES1's delegate on Mondays.
                session.add_all([
                    OverdueSummary(organisation_id=school.id, person_id=administrator.id,
                                   frequency=SummaryFrequency.DAILY),
                    OverdueSummary(organisation_id=school.id, person_id=people[3].id,
                                   frequency=SummaryFrequency.WEEKLY, weekday=1),
                ])
            await _targets_assigned(session, school.id, licence.id, now)
            if index == 0:
                roles |= {"licence owner": owner.email, "full administrator": administrator.email,
                          "staff member": people[2].email, "group delegate": people[3].email,
                          "external system": str(school.id)}
                roles |= await _workflow(session, school, people, rng, today=now.date())
        # Every completion is the enrolment's latest, and in its history, but those set above.
        await session.execute(update(Enrolment).where(Enrolment.last_completed_at.is_(None))
                              .values(last_completed_at=Enrolment.completed_at))
        await session.execute(insert(CourseCompletion).from_select(
            ["enrolment_id", "completed_at", "recorded_at"],
            select(Enrolment.id, Enrolment.completed_at, Enrolment.completed_at).where(
                Enrolment.completed_at.is_not(None),
                Enrolment.id.not_in(select(CourseCompletion.enrolment_id)))))
    return roles


async def _safeguarding_done(session, people: list[Person], course: Course, now) -> None:  # type: ignore[no-untyped-def]
    """SAFEGUARDING_DONE's completions, in place of any the random progress gave them."""
    for position, days_ago in SAFEGUARDING_DONE.items():
        person_id = people[position].id
        await session.execute(delete(Enrolment).where(Enrolment.person_id == person_id,
                                                      Enrolment.course_id == course.id))
        instants = [now - timedelta(days=days) for days in days_ago]
        enrolment = Enrolment(person_id=person_id, course_id=course.id, started_at=instants[0] - timedelta(days=1),
                              progress_percent=100, seconds_spent=2400, completed_at=instants[0],
                              last_completed_at=instants[-1])
        session.add(enrolment)
        await session.flush()
        session.add_all(CourseCompletion(enrolment_id=enrolment.id, completed_at=at, recorded_at=at)
                        for at in instants)


async def _groups(session, licence: Licence, people: list[Person], by_code: dict[str, Course], today) -> None:  # type: ignore[no-untyped-def]
    """All Staff and the seed's groups, with target lists, dates and a delegate."""
    all_staff = StaffGroup(licence_id=licence.id, name=ALL_STAFF_NAME, kind=GroupKind.ALL_STAFF)
    session.add(all_staff)
    await session.flush()
    plans = [(all_staff, [], None, ALL_STAFF_LISTS)]
    for name, positions, delegate, lists in GROUPS:
        group = StaffGroup(licence_id=licence.id, name=name, kind=GroupKind.STAFF,
                           rule=NEW_TO_SCHOOL_RULE if name == "New to School" else None)
        session.add(group)
        await session.flush()
        session.add_all(StaffGroupMember(group_id=group.id, person_id=people[p].id) for p in positions)
        if delegate is not None:
            session.add(GroupDelegate(group_id=group.id, person_id=people[delegate].id))
        plans.append((group, positions, delegate, lists))
    for group, _, _, lists in plans:
        for list_name, items in lists:
            target_list = TargetList(group_id=group.id, name=list_name)
            session.add(target_list)
            await session.flush()
            session.add_all(
                TargetListItem(
                    list_id=target_list.id, course_id=by_code[item[0]].id, position=position,
                    due_on=today + timedelta(days=item[1]) if item[1] is not None else None,
                    renew_months=item[2] if len(item) > 2 else None,
                )
                for position, item in enumerate(items)
            )


async def _targets_assigned(session, school_id: int, licence_id: int, now) -> None:  # type: ignore[no-untyped-def]
    """Everyone was just given targets: their first digest, at the school's next send
    hour (or straight away under `make run`), says so."""
    reached = person_signatures(licence_id)
    await session.execute(
        insert(NotificationOutbox).from_select(
            ["organisation_id", "person_id", "created_at"],
            select(literal(school_id), reached.c.person_id, literal(now, UTCDateTime())),
        )
    )


async def issue_tokens(db: Database, roles: dict[str, str]) -> list[DemoToken]:
    issued = []
    for role, who in roles.items():
        if role == "external system":
            token, plain = await tokens.issue(db, name="Demo MIS", days=365, organisation_id=int(who))
            who = "Demo MIS of Oakfield Primary School"
        else:
            token, plain = await tokens.issue(db, name=f"Demo {role}", days=365, email=who)
        issued.append(DemoToken(role=role, who=who, token=plain, query=SAMPLES[role]))
    return issued


def save(path: Path, demo_tokens: list[DemoToken]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([t.__dict__ for t in demo_tokens], indent=2))
    path.chmod(0o600)


def read(path: Path) -> list[DemoToken]:
    if not path.exists():
        return []
    return [DemoToken(**item) for item in json.loads(path.read_text())]


# --- Workflow, records and supervisors (seed 002) ------------------------------------------
# At the demo school: two terms, two courses with six learners, two parents, a teacher, a
# mentor and a headteacher (staff positions 4, 5 and 6). Attendance is ticked for learners
# and parents from group registration on (the seed's example), assessment and behaviour
# only once completed. Maths assessment waits in organisation approval for the headteacher
# to complete it, after which the learner sees their result.
LEARNERS = ["Ava Brooks", "Leo Brooks", "Mia Chen", "Omar Haddad", "Isla Reid", "Kai Turner"]
TICKS = {
    Area.ATTENDANCE: {PhaseKind.GROUP_REGISTRATION, PhaseKind.ORGANISATION_APPROVAL, PhaseKind.COMPLETED},
    Area.ASSESSMENT: {PhaseKind.COMPLETED},
    Area.BEHAVIOUR: {PhaseKind.COMPLETED},
}


async def _workflow(session, school: Organisation, people: list[Person], rng: random.Random, today) -> dict[str, str]:  # type: ignore[no-untyped-def]
    domain = school.name.split()[0].lower() + ".example"
    teacher, mentor, headteacher = people[4], people[5], people[6]
    learners = [_person(f"{n.lower().replace(' ', '.')}@pupils.{domain}", n) for n in LEARNERS]
    parents = [_person(f"parent.of.{n.split()[0].lower()}@home.example", f"{n.split()[0]}'s parent")
               for n in LEARNERS[:2]]
    autumn = Term(organisation_id=school.id, name="This term", starts_on=today - timedelta(days=40),
                  ends_on=today + timedelta(days=40))
    spring = Term(organisation_id=school.id, name="Next term", starts_on=today + timedelta(days=55),
                  ends_on=today + timedelta(days=140))
    maths = SchoolCourse(organisation_id=school.id, title="Year 5 Maths")
    english = SchoolCourse(organisation_id=school.id, title="Year 5 English")
    session.add_all([*learners, *parents, autumn, spring, maths, english])
    await session.flush()
    session.add_all(Membership(organisation_id=school.id, person_id=p.id, role=role)
                    for people_, role in ((learners, MembershipRole.LEARNER), (parents, MembershipRole.PARENT))
                    for p in people_)
    await session.execute(update(Membership).where(Membership.organisation_id == school.id,
                                                   Membership.person_id == mentor.id).values(is_mentor=True))
    await session.execute(update(Membership).where(Membership.organisation_id == school.id,
                                                   Membership.person_id == headteacher.id).values(is_headteacher=True))
    for course in (maths, english):
        session.add(CourseParticipant(course_id=course.id, person_id=teacher.id, role=CourseRole.TEACHER))
        session.add_all(CourseParticipant(course_id=course.id, person_id=p.id, role=CourseRole.LEARNER)
                        for p in learners)
    session.add_all(ParentLink(parent_id=parent.id, learner_id=child.id) for parent, child in zip(parents, learners))
    session.add_all(MentorLearner(organisation_id=school.id, mentor_id=mentor.id, learner_id=p.id) for p in learners)
    phases = {}
    for area in Area:
        for row in default_rows(school.id, area):
            row.learner_sees = row.parent_sees = row.kind in TICKS[area]
            row.external_sees = area == Area.ASSESSMENT and row.kind == PhaseKind.COMPLETED
            phases[area, row.kind] = row
    codes = {c.code: AttendanceCode(organisation_id=school.id, code=c.code, name=c.name, category=c.category)
             for c in DEFAULT_CODES}
    session.add_all([*phases.values(), *codes.values()])
    await session.flush()

    def scope(area: Area, phase: PhaseKind, course: SchoolCourse | None) -> RegistrationScope:
        row = RegistrationScope(organisation_id=school.id, area=area, term_id=autumn.id,
                                course_id=course.id if course else None, mentor_id=None if course else mentor.id,
                                phase_id=phases[area, phase].id)
        session.add(row)
        return row

    scopes = {
        "maths": scope(Area.ATTENDANCE, PhaseKind.COURSE_REGISTRATION, maths),
        "english": scope(Area.ATTENDANCE, PhaseKind.GROUP_REGISTRATION, english),
        "assessment": scope(Area.ASSESSMENT, PhaseKind.ORGANISATION_APPROVAL, maths),
        "behaviour": scope(Area.BEHAVIOUR, PhaseKind.GROUP_REGISTRATION, None),
    }
    await session.flush()
    weekdays = [d for d in (today - timedelta(days=i) for i in range(1, 15)) if d.weekday() < 5][:5]
    for course, key in ((maths, "maths"), (english, "english")):
        for learner in learners:
            for day in weekdays:
                code = rng.choices(["/", "/", "/", "/", "L", "I", "N"])[0]
                session.add(AttendanceRecord(organisation_id=school.id, scope_id=scopes[key].id, learner_id=learner.id,
                                             course_id=course.id, session_date=day, code_id=codes[code].id,
                                             recorded_by_id=teacher.id))
    for learner, result in zip(learners, ["Secure", "Working towards", "Greater depth", "Secure", "Secure",
                                          "Working towards"]):
        session.add(Assessment(organisation_id=school.id, scope_id=scopes["assessment"].id, learner_id=learner.id,
                               course_id=maths.id, term_id=autumn.id, result=result,
                               comment="Fractions and decimals this half term.", recorded_by_id=teacher.id))
    for learner, positive, kind, text in [
        (learners[0], True, "Helpfulness", "Helped a classmate with column addition."),
        (learners[1], False, "Disruption", "Talking during the reading session."),
        (learners[2], True, "Effort", "Finished the extension task."),
    ]:
        session.add(BehaviourNote(organisation_id=school.id, scope_id=scopes["behaviour"].id, learner_id=learner.id,
                                  mentor_id=mentor.id, noted_on=weekdays[0], positive=positive, type=kind,
                                  weight=2, text=text, recorded_by_id=mentor.id))
    return {"teacher": teacher.email, "mentor": mentor.email, "headteacher": headteacher.email,
            "learner": learners[0].email, "parent": parents[0].email}
