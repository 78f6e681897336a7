"""Each rule written once in Python has one SQL form, and they agree on both engines:
the effective due date (domain/learning_paths.py and domain/learning_paths_sql.py) over
random lists and dates, a person's extensions moving it and a completion renewing it (the
same two modules), who counts as staff (domain/staff.py) over every seat, and a school's
month of an instant (domain/local_time.py) over random instants and zones."""

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Boolean, Column, Date, Integer, MetaData, String, Table, insert, literal, select, union_all

from domain.learning_paths import ListItem, Progress, TargetListIn, extended, holds, learning_path, order, renewal_months
from domain.local_time import local_date, local_month, local_month_sql
from domain.models import UTCDateTime
from domain.learning_paths_sql import effective_due_dates, extended_due, renewed
from domain.models import Course, Licence, Organisation, Person, SubscriptionKind, TargetExtension
from domain.staff import is_staff_seat, staff_seat
from infra.database import Database

CASES = 120


def random_lists(rng: random.Random, first_list_id: int) -> list[TargetListIn]:
    """Up to four lists of up to six distinct courses out of eight, some dated: orders that
    agree, conflict (cycles) and share courses across lists."""
    lists = []
    for offset in range(rng.randint(1, 4)):
        picked = rng.sample(range(1, 9), rng.randint(1, 6))
        items = [ListItem(course, date(2027, 1, 1) + timedelta(days=rng.randint(0, 60)) if rng.random() < 0.4
                          else None, rng.choice([12, 24, 36]) if rng.random() < 0.2 else None) for course in picked]
        lists.append(TargetListIn(first_list_id + offset, items))
    return lists


async def test_the_effective_due_date_in_sql_is_the_python_rule(db: Database) -> None:
    """Scopes are staff groups (each list in one) or staff seats (a list reaches every
    seat its group does): half the scopes take fresh lists, half share lists with others."""
    rng = random.Random(20261202)
    cases, rows, next_list, shared = {}, [], 1, []
    for scope in range(CASES):
        lists = random_lists(rng, next_list)
        next_list += len(lists)
        if shared and rng.random() < 0.5:
            lists = rng.sample(shared, rng.randint(1, min(3, len(shared))))
        else:
            shared += lists
        renewing = renewal_months(lists)
        cases[scope] = {course: (effective, renewing.get(course)) for course, _, effective, _ in order(lists)}
        rows += [(scope, t.list_id, item.course_id, position, item.due_on, item.renew_months)
                 for t in lists for position, item in enumerate(t.items)]
    items = Table("random_items", MetaData(), Column("scope", Integer), Column("list_id", Integer),
                  Column("course_id", Integer), Column("position", Integer), Column("due_on", Date),
                  Column("renew_months", Integer), prefixes=["TEMPORARY"])
    effective = effective_due_dates(items)
    async with db.write() as session:
        connection = await session.connection()
        await connection.run_sync(items.create)
        columns = ("scope", "list_id", "course_id", "position", "due_on", "renew_months")
        await session.execute(insert(items), [dict(zip(columns, r)) for r in rows])
        found = await session.execute(
            select(effective.c.scope, effective.c.course_id, effective.c.effective_due, effective.c.renew_months))
        in_sql: dict[int, dict[int, tuple[date | None, int | None]]] = {}
        for scope, course, due, months in found:
            in_sql.setdefault(scope, {})[course] = (due, months)
    assert in_sql == cases
    assert any(months for scope in cases.values() for _, months in scope.values())


async def test_extensions_move_dates_in_sql_as_in_python(db: Database) -> None:
    """Random people with extensions for single courses, for every target, both or none,
    some ended, against dated and undated targets before, on and after them."""
    rng = random.Random(20261203)
    base = date(2027, 3, 1)
    async with db.write() as session:
        school = Organisation(kind="SCHOOL", name="Rules", time_zone="Europe/London")
        session.add(school)
        await session.flush()
        people = [Person(email=f"rule{i}@example.org", display_name=f"Rule {i}") for i in range(60)]
        courses = [Course(code=f"RULE-{i}", title=f"Rule {i}") for i in range(4)]
        session.add_all(people + courses)
        await session.flush()
        licence = Licence(organisation_id=school.id, owner_id=people[0].id)
        session.add(licence)
        await session.flush()
        in_force: dict[int, dict[int | None, date]] = {}
        for person in people:
            in_force[person.id] = {}
            for course in [None, *(c.id for c in courses)]:
                if rng.random() < 0.3:
                    on = base + timedelta(days=rng.randint(-20, 20))
                    ended = rng.random() < 0.3
                    session.add(TargetExtension(licence_id=licence.id, person_id=person.id, course_id=course,
                                                due_on=on, reason="r", ended_at=datetime.now(UTC) if ended else None))
                    if not ended:
                        in_force[person.id][course] = on
                        if rng.random() < 0.5:  # the one it replaced, later but ended: it counts for nothing
                            session.add(TargetExtension(
                                licence_id=licence.id, person_id=person.id, course_id=course, reason="r",
                                due_on=on + timedelta(days=rng.randint(1, 30)), ended_at=datetime.now(UTC)))
        await session.flush()
        cases = [(i, person.id, course.id, rng.choice([None, base + timedelta(days=rng.randint(-25, 25))]))
                 for i, (person, course) in enumerate((p, c) for p in people for c in courses)]
        table = union_all(*(
            select(literal(i, Integer).label("id"), literal(person, Integer).label("person_id"),
                   literal(course, Integer).label("course_id"), literal(due, Date).label("due"))
            for i, person, course, due in cases
        )).subquery("targets")
        found = dict((await session.execute(select(
            table.c.id, extended_due(table.c.due, licence.id, table.c.person_id, table.c.course_id)
        ))).all())
    expected = {i: extended(due, course, in_force[person]) for i, person, course, due in cases}
    assert found == expected
    assert sum(1 for i, _, _, due in cases if found[i] != due) > 10  # extensions did move dates


async def test_a_renewing_completion_in_sql_is_the_python_rule(db: Database) -> None:
    """Completions near month ends, on leap days and across daylight-saving changes, in
    zones with odd offsets, renewing after 1 to 36 months, judged on days around the
    renewal: the due date and whether the completion still counts as done."""
    rng = random.Random(20261204)
    cases = []
    for i in range(400):
        start = datetime(rng.choice([2023, 2024, 2025]), rng.randint(1, 12), 1, tzinfo=UTC)
        if rng.random() < 0.2:
            start = datetime(2024, 2, 29, tzinfo=UTC)
        at = start + timedelta(hours=rng.randint(-30, 30), minutes=rng.randint(0, 59))
        zone, months = rng.choice(ZONES), rng.choice([None, 1, 3, 12, 12, 24, 36])
        listed = rng.choice([None, date(2024, 6, 1)])
        renews_on = local_date(at, zone) + timedelta(days=31 * (months or 0))
        today = renews_on + timedelta(days=rng.randint(-40, 5))
        today = max(today, local_date(at, zone))
        item, = learning_path([TargetListIn(1, [ListItem(7, listed, months)])],
                              {7: Progress(True, local_date(at, zone))}, today, due_soon_days=14)
        cases.append((i, at, zone, months, listed, today, item.effective_due_on, holds(item, today)))
    table = union_all(*(
        select(literal(i, Integer).label("id"), literal(at, UTCDateTime).label("at"),
               literal(zone, String).label("zone"), literal(months, Integer).label("months"),
               literal(listed, Date).label("listed"), literal(today, Date).label("today"))
        for i, at, zone, months, listed, today, _, _ in cases
    )).subquery("completions")
    due, done = renewed(table.c.listed, table.c.months, table.c.at, table.c.at, table.c.zone, table.c.today)
    async with db.read() as session:
        found = {i: (on, at is not None) for i, on, at in (await session.execute(select(table.c.id, due, done)))}
    assert found == {case[0]: (case[6], case[7]) for case in cases}
    lapsed = [case for case in cases if case[3] and not case[7]]
    assert len(lapsed) > 20 and len([case for case in cases if case[3] and case[7]]) > 20


async def test_who_counts_as_staff_in_sql_is_the_python_rule(db: Database) -> None:
    seats = [(active, kind) for active in (True, False) for kind in SubscriptionKind]
    table = union_all(*(
        select(literal(i, Integer).label("id"), literal(active, Boolean).label("active"),
               literal(str(kind), String).label("subscription"))
        for i, (active, kind) in enumerate(seats)
    )).subquery("seat")
    async with db.read() as session:
        staff = set((await session.execute(select(table.c.id).where(staff_seat(table.c)))).scalars())
    assert staff == {i for i, (active, kind) in enumerate(seats) if is_staff_seat(active, kind)}
    assert staff  # someone is staff: the rule is not simply false


ZONES = ["Europe/London", "Pacific/Kiritimati", "Pacific/Pago_Pago", "America/St_Johns", "Asia/Kathmandu",
         "Australia/Lord_Howe", "UTC"]


async def test_a_schools_month_in_sql_is_the_python_rule(db: Database) -> None:
    """Instants near month ends and daylight-saving changes, in zones with odd offsets."""
    rng = random.Random(20261202)
    cases = []
    for i in range(300):
        start = datetime(rng.choice([2024, 2025, 2026]), rng.randint(1, 12), 1, tzinfo=UTC)
        instant = start + timedelta(hours=rng.randint(-30, 30), minutes=rng.randint(0, 59), seconds=rng.randint(0, 59))
        cases.append((i, instant, rng.choice(ZONES)))
    table = union_all(*(
        select(literal(i, Integer).label("id"), literal(at, UTCDateTime).label("at"), literal(zone, String).label("zone"))
        for i, at, zone in cases
    )).subquery("instants")
    month = local_month_sql(db.engine.dialect.name, table.c.at, table.c.zone)
    async with db.read() as session:
        found = dict((await session.execute(select(table.c.id, month))).all())
    assert found == {i: local_month(at, zone) for i, at, zone in cases}
    assert len({m for m in found.values()}) > 12
