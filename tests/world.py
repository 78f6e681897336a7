"""A small, fixed world for tests: two schools, a trust, and a token per role."""

from dataclasses import dataclass, field
from datetime import timedelta

from infra.database import Database
from domain import tokens
from domain.models import (
    ACADEMIES, ALL_STAFF_NAME, GroupKind, ApiToken, Course, Licence, Membership, MembershipRole, Organisation,
    OrganisationKind, Person, Seat, StaffGroup, SubscriptionKind, utcnow,
)
from schema.ids import global_id


@dataclass
class Actor:
    person_id: int
    name: str
    email: str
    token: str
    membership_ids: dict[str, int] = field(default_factory=dict)  # organisation key -> membership id

    @property
    def gid(self) -> str:
        return global_id("Person", self.person_id)

    def membership(self, org: str) -> str:
        return global_id("Membership", self.membership_ids[org])


@dataclass
class World:
    organisations: dict[str, int]
    licences: dict[str, int]
    all_staff: dict[str, int]  # licence key -> its All Staff group
    actors: dict[str, Actor]
    seats: dict[str, int]
    courses: list[int]
    system_token: str
    expired_token: str
    revoked_token: str

    def org(self, key: str) -> str:
        return global_id("Organisation", self.organisations[key])

    def licence(self, key: str) -> str:
        return global_id("Licence", self.licences[key])

    def all_staff_group(self, key: str) -> str:
        return global_id("StaffGroup", self.all_staff[key])

    def seat(self, key: str) -> str:
        return global_id("Seat", self.seats[key])

    def __getitem__(self, key: str) -> Actor:
        return self.actors[key]


# name -> (organisation key, role, holds a seat); "owner" rows own their school's licence.
PEOPLE = {
    "support": (None, None, False),
    "owner": ("ashdown", MembershipRole.ADMINISTRATOR, True),
    "admin": ("ashdown", MembershipRole.ADMINISTRATOR, True),
    "staff": ("ashdown", MembershipRole.MEMBER, True),
    "staff2": ("ashdown", MembershipRole.MEMBER, True),
    "owner_b": ("birchwood", MembershipRole.ADMINISTRATOR, True),
    "staff_b": ("birchwood", MembershipRole.MEMBER, True),
    "trust_admin": ("trust", MembershipRole.ADMINISTRATOR, False),
    "trust_member": ("trust", MembershipRole.MEMBER, False),
}


async def _token(session, *, person_id: int | None = None, organisation_id: int | None = None,  # type: ignore[no-untyped-def]
                 expires_in: timedelta = timedelta(days=30), revoked: bool = False) -> str:
    plain = tokens.new_token()
    session.add(ApiToken(
        token_hash=tokens.digest(plain), name="test", person_id=person_id, organisation_id=organisation_id,
        expires_at=utcnow() + expires_in, revoked_at=utcnow() if revoked else None,
    ))
    return plain


async def build_world(db: Database) -> World:
    async with db.write() as session:
        orgs = {
            "ashdown": Organisation(kind=OrganisationKind.SCHOOL, name="Ashdown Primary", designation=ACADEMIES,
                                    time_zone="Europe/London"),
            "birchwood": Organisation(kind=OrganisationKind.SCHOOL, name="Birchwood Academy", designation=ACADEMIES,
                                      time_zone="Australia/Sydney"),
            "trust": Organisation(kind=OrganisationKind.TRUST, name="Cedar Trust", designation=ACADEMIES,
                                  time_zone="Europe/London"),
        }
        session.add_all(orgs.values())
        people = {
            key: Person(email=f"{key}@example.org", display_name=key.replace("_", " ").title(),
                        is_platform_support=key == "support")
            for key in PEOPLE
        }
        session.add_all(people.values())
        courses = [Course(code=f"C{i}", title=f"Course {i}") for i in range(1, 4)]
        session.add_all(courses)
        await session.flush()
        licences = {
            "ashdown": Licence(organisation_id=orgs["ashdown"].id, owner_id=people["owner"].id),
            "birchwood": Licence(organisation_id=orgs["birchwood"].id, owner_id=people["owner_b"].id),
        }
        session.add_all(licences.values())
        await session.flush()
        all_staff = {
            key: StaffGroup(licence_id=licence.id, name=ALL_STAFF_NAME, kind=GroupKind.ALL_STAFF)
            for key, licence in licences.items()
        }
        session.add_all(all_staff.values())
        memberships: dict[str, Membership] = {}
        seats: dict[str, Seat] = {}
        for key, (org, role, seated) in PEOPLE.items():
            if org is None:
                continue
            memberships[key] = Membership(organisation_id=orgs[org].id, person_id=people[key].id, role=role)
            if seated:
                seats[key] = Seat(licence_id=licences[org].id, person_id=people[key].id,
                                  subscription=SubscriptionKind.ALL_ACCESS_PASS_PLUS)
        session.add_all([*memberships.values(), *seats.values()])
        await session.flush()
        actors = {}
        for key, person in people.items():
            org = PEOPLE[key][0]
            actors[key] = Actor(
                person_id=person.id, name=person.display_name, email=person.email,
                token=await _token(session, person_id=person.id),
                membership_ids={org: memberships[key].id} if org else {},
            )
        world = World(
            organisations={k: o.id for k, o in orgs.items()},
            licences={k: lic.id for k, lic in licences.items()},
            all_staff={k: g.id for k, g in all_staff.items()},
            actors=actors,
            seats={k: s.id for k, s in seats.items()},
            courses=[c.id for c in courses],
            system_token=await _token(session, organisation_id=orgs["ashdown"].id),
            expired_token=await _token(session, person_id=people["admin"].id, expires_in=timedelta(seconds=-1)),
            revoked_token=await _token(session, person_id=people["admin"].id, revoked=True),
        )
    return world
