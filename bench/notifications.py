"""`make bench`, second part: plan one school-local day of notifications for a school of
100,000 staff with 30 targets each (and smaller schools, to show how it grows), on SQLite
and PostgreSQL. Prints the time and the peak memory Python allocated while planning.
With --summary the school's owner, a full administrator, has a daily overdue summary of
every staff member, planned with the day. A benchmark, not a test."""

import argparse
import asyncio
import os
import random
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, text

from infra import migrations
from infra.database import Database, create_engine, normalise_url
from bench.generate import _bulk
from infra.progress import progress
from bench.run import ROOT, _reset
from domain.models import (
    Course, Enrolment, GroupKind, Licence, Membership, MembershipRole, NotificationDelivery, NotificationItem,
    NotificationOutbox, Organisation, OrganisationKind, OverdueSummary, Person, Seat, StaffGroup, StaffGroupMember,
    SubscriptionKind, TargetList, TargetListItem,
)
from domain.notifications import SummaryFrequency
from jobs.planning import plan_day

DAY = date(2027, 3, 1)
NOW = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
GROUPS = 4  # each person is in one of them (20 targets) and in All Staff (10 targets)


async def _school(db: Database, staff: int, summary: bool) -> int:
    """One school: All Staff with a list of 10 courses, four groups with 20 more each,
    every person in one group; a tenth of them just changed groups (outbox rows) and
    some completed courses. Due dates fall around the planned day."""
    rng = random.Random(11)
    async with db.write() as session:
        school = Organisation(kind=OrganisationKind.SCHOOL, name=f"School of {staff}", time_zone="Europe/London")
        session.add(school)
        await session.flush()
        owner = Person(email=f"owner-{staff}@bench.example", display_name="Owner")
        session.add(owner)
        await session.flush()
        licence = Licence(organisation_id=school.id, owner_id=owner.id)
        session.add(licence)
        await session.flush()
        if summary:
            session.add_all([
                Membership(organisation_id=school.id, person_id=owner.id, role=MembershipRole.ADMINISTRATOR),
                OverdueSummary(organisation_id=school.id, person_id=owner.id, frequency=SummaryFrequency.DAILY),
            ])
        courses = [Course(code=f"N{staff}-{i}", title=f"Course {i}") for i in range(10 + 20 * GROUPS)]
        session.add_all(courses)
        groups = [StaffGroup(licence_id=licence.id, name="All Staff", kind=GroupKind.ALL_STAFF)]
        groups += [StaffGroup(licence_id=licence.id, name=f"Group {g}") for g in range(GROUPS)]
        session.add_all(groups)
        await session.flush()
        lists = [TargetList(group_id=group.id, name=f"{group.name} targets") for group in groups]
        session.add_all(lists)
        await session.flush()
        items = []
        for index, target_list in enumerate(lists):
            chosen = courses[:10] if index == 0 else courses[10 + 20 * (index - 1):10 + 20 * index]
            for position, course in enumerate(chosen):
                due = DAY + timedelta(days=rng.randint(-30, 40)) if rng.random() < 0.6 else None
                items.append({"list_id": target_list.id, "course_id": course.id, "position": position, "due_on": due})
        await session.execute(TargetListItem.__table__.insert(), items)
        school_id, licence_id, course_ids, group_ids = school.id, licence.id, [c.id for c in courses], [
            g.id for g in groups[1:]]
        first_person = (await session.execute(select(func.coalesce(func.max(Person.id), 0)))).scalar_one() + 1
    ids = range(first_person, first_person + staff)
    await _bulk(db, Person, [{"id": i, "email": f"p{i}@bench.example", "display_name": f"Person {i}",
                              "is_platform_support": False, "created_at": NOW} for i in ids])
    if not db.sqlite:  # ids were given: move the sequence past them
        async with db.write() as session:
            await session.execute(text("SELECT setval(pg_get_serial_sequence('person', 'id'), max(id)) FROM person"))
    await _bulk(db, Membership, [{"organisation_id": school_id, "person_id": i, "role": MembershipRole.MEMBER,
                                  "created_at": NOW} for i in ids])
    await _bulk(db, Seat, [{"licence_id": licence_id, "person_id": i, "active": True, "created_at": NOW,
                            "subscription": SubscriptionKind.ALL_ACCESS_PASS_PLUS} for i in ids])
    await _bulk(db, StaffGroupMember, [{"group_id": group_ids[i % GROUPS], "person_id": i, "added_at": NOW}
                                       for i in ids])
    await _bulk(db, NotificationOutbox, [{"organisation_id": school_id, "person_id": i, "created_at": NOW}
                                         for i in ids if i % 10 == 0])
    await _bulk(db, Enrolment, [
        {"person_id": i, "course_id": c, "started_at": NOW, "progress_percent": 100, "seconds_spent": 60,
         "completed_at": NOW, "updated_at": NOW}
        for i in ids for c in rng.sample(course_ids[:10], 2)
    ])
    return school_id


async def _settle(db: Database) -> None:
    """What autovacuum and the checkpointer would have done between a school's import and
    its first planned day: statistics and, on PostgreSQL, visibility and the import's
    pages on disk, so the plan is not timed paying for the load."""
    async with db.engine.connect() as connection:
        if db.sqlite:
            await connection.execute(text("ANALYZE"))
        else:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("VACUUM ANALYZE"))
            await connection.execute(text("CHECKPOINT"))
        await connection.commit()


async def bench(url: str, sizes: list[int], summary: bool = False) -> list[tuple[int, float, float, int, int]]:
    url = normalise_url(url)
    await _reset(url)
    await asyncio.to_thread(migrations.upgrade, url)
    db = Database(create_engine(url))
    results = []
    try:
        for staff in sizes:
            with progress(f"Building a school of {staff:,} staff"):
                school_id = await _school(db, staff, summary)
            await _settle(db)
            tracemalloc.start()
            start = time.perf_counter()
            planned = await plan_day(db, school_id, DAY, NOW)
            seconds = time.perf_counter() - start
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            assert planned is not None
            async with db.read() as session:
                lines = (await session.execute(
                    select(func.count()).where(NotificationItem.plan_id == planned.plan_id)
                )).scalar_one()
                digests = (await session.execute(
                    select(func.count()).select_from(NotificationDelivery)
                    .where(NotificationDelivery.plan_id == planned.plan_id)
                )).scalar_one()
            results.append((staff, seconds, peak / 2**20, digests, lines))
    finally:
        await db.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,50000,100000", help="staff per school, comma separated")
    parser.add_argument("--summary", action="store_true", help="the owner gets a daily overdue summary")
    parser.add_argument("--sqlite", default=str(ROOT / "var/bench/notifications.db"))
    parser.add_argument("--postgres", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/trellis_bench"))
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    Path(args.sqlite).parent.mkdir(parents=True, exist_ok=True)
    print("Planning one day: staff with 30 targets each (10 from All Staff, 20 from their group)")
    print(f"{'engine':<11} {'staff':>8} {'seconds':>8} {'peak MiB':>9} {'digests':>8} {'lines':>9}")
    for name, url in [("SQLite", f"sqlite+aiosqlite:///{args.sqlite}"), ("PostgreSQL", args.postgres)]:
        for staff, seconds, peak, digests, lines in asyncio.run(bench(url, sizes, args.summary)):
            print(f"{name:<11} {staff:>8} {seconds:>8.2f} {peak:>9.1f} {digests:>8} {lines:>9}", flush=True)


if __name__ == "__main__":
    main()
