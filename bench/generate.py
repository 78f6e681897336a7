"""A trust at scale: 50 schools x 100 staff x 30 courses (150,000 enrolments), or ten
times that with --scale 10. Bulk inserts through the project's own engine."""

import argparse
import asyncio
import random
from datetime import timedelta

from sqlalchemy import insert

from infra.database import Database, create_engine
from domain import tokens
from domain.models import (
    ACADEMIES, ALL_STAFF_NAME, ApiToken, Course, Enrolment, GroupKind, Licence, Membership, MembershipRole,
    Organisation, OrganisationKind, Person, Seat, StaffGroup, SubscriptionKind, TrustGrant, utcnow,
)

CHUNK = 5_000


async def _bulk(db: Database, model: type, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        async with db.write() as session:
            await session.execute(insert(model), rows[start:start + CHUNK])


async def generate(url: str, *, schools: int = 50, staff: int = 100, courses: int = 30) -> str:
    """Fills an empty, migrated database and returns a token for the trust's Administrator."""
    rng = random.Random(7)
    now = utcnow()
    db = Database(create_engine(url))
    try:
        async with db.write() as session:
            trust = Organisation(kind=OrganisationKind.TRUST, name="Bench Trust", designation=ACADEMIES,
                                 time_zone="Europe/London")
            analyst = Person(email="analyst@bench.example", display_name="Bench Analyst")
            session.add_all([trust, analyst])
            catalogue = [Course(code=f"B{i:03}", title=f"Bench course {i}") for i in range(courses)]
            session.add_all(catalogue)
            await session.flush()
            session.add(Membership(organisation_id=trust.id, person_id=analyst.id, role=MembershipRole.ADMINISTRATOR))
            plain = tokens.new_token()
            session.add(ApiToken(token_hash=tokens.digest(plain), name="bench", person_id=analyst.id,
                                 expires_at=now + timedelta(days=1)))
            school_rows = [Organisation(kind=OrganisationKind.SCHOOL, name=f"School {s:03}", designation=ACADEMIES,
                                        time_zone="Europe/London") for s in range(schools)]
            session.add_all(school_rows)
            await session.flush()
            course_ids = [c.id for c in catalogue]
            school_ids = [s.id for s in school_rows]
            trust_id = trust.id
        people = [{"email": f"p{s}-{i}@bench.example", "display_name": f"Person {s:03}-{i:03}",
                   "is_platform_support": False, "created_at": now}
                  for s in range(schools) for i in range(staff)]
        await _bulk(db, Person, people)
        async with db.read() as session:
            from sqlalchemy import select

            person_ids = list((await session.execute(
                select(Person.id).where(Person.email.like("p%@bench.example")).order_by(Person.id))).scalars())
        memberships, seats, enrolments, licences, groups, grants = [], [], [], [], [], []
        for s, school_id in enumerate(school_ids):
            members = person_ids[s * staff:(s + 1) * staff]
            licences.append({"organisation_id": school_id, "owner_id": members[0], "created_at": now})
            grants.append({"school_id": school_id, "trust_id": trust_id, "granted_at": now})
            for position, person_id in enumerate(members):
                memberships.append({"organisation_id": school_id, "person_id": person_id, "created_at": now,
                                    "role": MembershipRole.ADMINISTRATOR if position == 0 else MembershipRole.MEMBER})
                for course_id in course_ids:
                    started = now - timedelta(days=rng.randint(1, 365))
                    progress = rng.choice([0, 20, 50, 80, 100])
                    enrolments.append({
                        "person_id": person_id, "course_id": course_id, "started_at": started,
                        "progress_percent": progress, "seconds_spent": progress * rng.randint(20, 80),
                        "completed_at": min(now, started + timedelta(days=rng.randint(0, 60))) if progress == 100 else None,
                        "updated_at": now,
                    })
        await _bulk(db, Licence, licences)
        await _bulk(db, TrustGrant, grants)
        await _bulk(db, Membership, memberships)
        async with db.read() as session:
            from sqlalchemy import select

            licence_of = dict((await session.execute(select(Licence.organisation_id, Licence.id))).all())
        for s, school_id in enumerate(school_ids):
            groups.append({"licence_id": licence_of[school_id], "name": ALL_STAFF_NAME, "kind": GroupKind.ALL_STAFF,
                           "created_at": now})
            for person_id in person_ids[s * staff:(s + 1) * staff]:
                seats.append({"licence_id": licence_of[school_id], "person_id": person_id, "active": True,
                              "subscription": SubscriptionKind.ALL_ACCESS_PASS_PLUS, "created_at": now})
        await _bulk(db, StaffGroup, groups)
        await _bulk(db, Seat, seats)
        await _bulk(db, Enrolment, enrolments)
        return plain
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--scale", type=int, default=1, help="10 for 500 schools and 1,500,000 enrolments")
    args = parser.parse_args()
    print(asyncio.run(generate(args.url, schools=50 * args.scale)))


if __name__ == "__main__":
    main()
