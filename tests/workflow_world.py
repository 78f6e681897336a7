"""Seed 002's people on top of the test world: at Ashdown a term, a course with its teacher
and learners, a parent, a mentor and a headteacher; at Birchwood a course and a learner of
its own, so nothing of one school shows in the other."""

from dataclasses import dataclass
from datetime import date, timedelta

from infra.database import Database
from domain import tokens
from domain.models import (
    ApiToken, CourseParticipant, Membership, MembershipRole, MentorLearner, ParentLink, Person, SchoolCourse, Term,
    utcnow,
)
from domain.records import CourseRole
from schema.ids import global_id
from tests.world import World

AUTUMN = (date(2026, 9, 1), date(2026, 12, 18))
SPRING = (date(2027, 1, 5), date(2027, 3, 31))
IN_AUTUMN = date(2026, 10, 5)


@dataclass
class Who:
    person_id: int
    token: str

    @property
    def gid(self) -> str:
        return global_id("Person", self.person_id)


@dataclass
class WorkflowWorld:
    base: World
    people: dict[str, Who]
    courses: dict[str, int]  # "maths", "art" (Ashdown), "birch" (Birchwood)
    terms: dict[str, int]  # "autumn", "spring" (Ashdown), "birch" (Birchwood)
    birchwood_system_token: str

    def __getitem__(self, key: str) -> Who:
        return self.people[key]

    def course(self, key: str) -> str:
        return global_id("SchoolCourse", self.courses[key])

    def term(self, key: str) -> str:
        return global_id("Term", self.terms[key])

    def token(self, key: str) -> str:
        """Any role's token by name: the workflow people, the base world's, or a system's."""
        if key == "system":
            return self.base.system_token
        if key == "system_b":
            return self.birchwood_system_token
        return self.people[key].token if key in self.people else self.base[key].token


# name -> (school, standing, is mentor, is headteacher)
L, P, M = MembershipRole.LEARNER, MembershipRole.PARENT, MembershipRole.MEMBER
PEOPLE = {
    "teacher": ("ashdown", M, False, False),
    "mentor": ("ashdown", M, True, False),
    "headteacher": ("ashdown", M, False, True),
    "learner": ("ashdown", L, False, False),
    "learner2": ("ashdown", L, False, False),
    "parent": ("ashdown", P, False, False),
    "learner_b": ("birchwood", L, False, False),
    "teacher_b": ("birchwood", M, False, False),
}


async def _token(session, *, person_id: int | None = None, organisation_id: int | None = None) -> str:  # type: ignore[no-untyped-def]
    plain = tokens.new_token()
    session.add(ApiToken(token_hash=tokens.digest(plain), name="test", person_id=person_id,
                         organisation_id=organisation_id, expires_at=utcnow() + timedelta(days=1)))
    return plain


async def build_workflow_world(db: Database, world: World) -> WorkflowWorld:
    ashdown, birchwood = world.organisations["ashdown"], world.organisations["birchwood"]
    async with db.write() as session:
        people = {key: Person(email=f"{key}@school.example", display_name=key.replace("_", " ").title())
                  for key in PEOPLE}
        session.add_all(people.values())
        terms = {
            "autumn": Term(organisation_id=ashdown, name="Autumn 2026", starts_on=AUTUMN[0], ends_on=AUTUMN[1]),
            "spring": Term(organisation_id=ashdown, name="Spring 2027", starts_on=SPRING[0], ends_on=SPRING[1]),
            "birch": Term(organisation_id=birchwood, name="Term 4", starts_on=AUTUMN[0], ends_on=AUTUMN[1]),
        }
        courses = {
            "maths": SchoolCourse(organisation_id=ashdown, title="5A Maths"),
            "art": SchoolCourse(organisation_id=ashdown, title="5A Art"),
            "birch": SchoolCourse(organisation_id=birchwood, title="Year 9 Science"),
        }
        session.add_all([*terms.values(), *courses.values()])
        await session.flush()
        orgs = {"ashdown": ashdown, "birchwood": birchwood}
        session.add_all(
            Membership(organisation_id=orgs[school], person_id=people[key].id, role=role,
                       is_mentor=mentor, is_headteacher=head)
            for key, (school, role, mentor, head) in PEOPLE.items()
        )
        participants = [
            ("maths", "teacher", CourseRole.TEACHER), ("maths", "learner", CourseRole.LEARNER),
            ("maths", "learner2", CourseRole.LEARNER), ("art", "learner2", CourseRole.LEARNER),
            ("birch", "teacher_b", CourseRole.TEACHER), ("birch", "learner_b", CourseRole.LEARNER),
        ]
        session.add_all(CourseParticipant(course_id=courses[c].id, person_id=people[p].id, role=r)
                        for c, p, r in participants)
        session.add(ParentLink(parent_id=people["parent"].id, learner_id=people["learner"].id))
        session.add(MentorLearner(organisation_id=ashdown, mentor_id=people["mentor"].id,
                                  learner_id=people["learner"].id))
        who = {key: Who(person.id, await _token(session, person_id=person.id)) for key, person in people.items()}
        system_b = await _token(session, organisation_id=birchwood)
    return WorkflowWorld(base=world, people=who, courses={k: c.id for k, c in courses.items()},
                         terms={k: t.id for k, t in terms.items()}, birchwood_system_token=system_b)
