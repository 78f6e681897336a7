"""Planning a school's day (jobs/planning.py), judged by the emails that arrive: which
day, which kinds, which courses, lists and dates. The scheduler ticks on a test clock at
school-local times (Europe/London for Ashdown, Australia/Sydney for Birchwood); an inline
worker sends what each tick planned. Dates are in 2031, after every outbox row's
wall-clock timestamp, so the test clock is never behind a change it should see."""

import asyncio
import calendar
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select, update

from infra.database import Database, create_engine
from domain.models import (
    Enrolment, Membership, MembershipRole, NotificationItem, NotificationPlan, NotificationSettings, Person,
    RemindedPerson, Seat, StaffGroupMember, SubscriptionKind,
)
from domain.notifications import SUMMARY, NotificationKind
from jobs.mail import HEADINGS
from jobs.planning import plan_day
from resolvers.reach import person_signatures
from tests.graphql.test_extensions import END, EXTEND
from tests.graphql.test_staff_groups import course, make_group, make_list, new_courses, pk, set_seat, succeed
from tests.jobs.conftest import Jobs
from tests.world import World

K = NotificationKind
ZONES = {"ashdown": "Europe/London", "birchwood": "Australia/Sydney"}
OWNERS = {"ashdown": "owner", "birchwood": "owner_b"}
MEMBERS = {"ashdown": "staff", "birchwood": "staff_b"}
# A month for each school; each crosses its school's daylight-saving change (London on
# 30 March, Sydney on 6 April).
MONTHS = {"ashdown": (2031, 3), "birchwood": (2031, 4)}
KIND_OF = {heading: kind for kind, heading in HEADINGS.items()}


# --- Reading what arrives -------------------------------------------------------------


@dataclass(frozen=True)
class Email:
    to: str
    day: date  # the school-local day the digest is for, as its text says
    subject: str
    sections: dict[K, list[str]]  # kind -> its lines: "Course 1 (Phonics), due 2031-03-20"


def read(message: EmailMessage) -> Email:
    text = message.get_body(("plain",)).get_content()
    found = re.search(r" for (\w+ \d{1,2} \w+ \d{4})\.\n", text)
    assert found, text
    sections: dict[K, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if line in KIND_OF:
            current = sections.setdefault(KIND_OF[line], [])
        elif line.startswith("  - "):
            assert current is not None, text
            current.append(line[4:])
    return Email(parseaddr(message["To"])[1], datetime.strptime(found.group(1), "%A %d %B %Y").date(),
                 message["Subject"], sections)


def local(school: str, day: date, hour: int, minute: int = 0) -> datetime:
    """A school-local wall time as the UTC instant the scheduler sees."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(ZONES[school])).astimezone(UTC)


async def run(jobs: Jobs, now: datetime) -> list[Email]:
    """One tick and the worker after it: the emails that arrived."""
    before = len(jobs.mailer.sent)
    await jobs.day(now)
    return [read(m) for m in jobs.mailer.sent[before:]]


def mail_of(world: World, actor: str) -> str:
    return world[actor].email


def by_person(world: World, emails: list[Email]) -> dict[str, dict[K, list[str]]]:
    """{actor: sections} for one day's emails; fails if anyone got two."""
    names = {a.email: key for key, a in world.actors.items()}
    result: dict[str, dict[K, list[str]]] = {}
    for email in emails:
        assert names[email.to] not in result, f"two emails to {email.to}"
        result[names[email.to]] = email.sections
    return result


def per_day(world: World, emails: list[Email]) -> dict[int, dict[str, dict[K, list[str]]]]:
    """{day of the month: {actor: sections}}."""
    days = sorted({e.day for e in emails})
    return {d.day: by_person(world, [e for e in emails if e.day == d]) for d in days}


Hook = Callable[[date], Awaitable[None]]


async def ticks(jobs: Jobs, school: str, days: list[date], *, hour: int = 9,
                after: dict[date, Hook] | None = None) -> list[Email]:
    """A 09:00 (by default) tick on each of `days`, running `after[day]` once it is done."""
    emails: list[Email] = []
    for day in days:
        arrived = await run(jobs, local(school, day, hour))
        # A caught-up day's email carries its own day; they arrive oldest first.
        assert all(e.day <= day for e in arrived) and [e.day for e in arrived] == sorted(e.day for e in arrived)
        emails += arrived
        if after and day in after:
            await after[day](day)
    return emails


def month_days(school: str, skip: tuple[int, ...] = ()) -> list[date]:
    year, month = MONTHS[school]
    return [date(year, month, d) for d in range(1, calendar.monthrange(year, month)[1] + 1) if d not in skip]


def kinds_by_day(emails: list[Email], to: str) -> dict[int, set[K]]:
    """Each email to `to`, as {day of the month: its kinds}; fails on two emails for one day."""
    result: dict[int, set[K]] = {}
    for email in emails:
        if email.to == to:
            assert email.day.day not in result, f"two emails for {email.day}"
            result[email.day.day] = set(email.sections)
    return result


def iso(school: str, day: int) -> str:
    year, month = MONTHS[school]
    return date(year, month, day).isoformat()


async def one_target(gql, world: World, school: str, due: int = 20,
                     members: tuple[str, ...] | None = None) -> str:
    """The school's staff member (or `members`) in a group ES1 whose list Phonics holds
    Course 1, due on the `due`th of the school's month. The group's id."""
    owner = OWNERS[school]
    group = await make_group(gql, world, "ES1", members or (MEMBERS[school],), actor=owner, licence=school)
    c1 = course(world, 0)
    await make_list(gql, world, group, [c1], name="Phonics", actor=owner, dates={c1: iso(school, due)})
    return group


async def configure(db: Database, school_id: int, **values: object) -> None:
    """Create or change a school's NotificationSettings row."""
    async with db.write() as session:
        row = await session.get(NotificationSettings, school_id)
        if row is None:
            row = NotificationSettings(organisation_id=school_id)
            session.add(row)
        for name, value in values.items():
            setattr(row, name, value)


async def remove_from(gql, world: World, group: str, actors: tuple[str, ...], owner: str = "owner") -> None:
    await succeed(gql, "removeStaffGroupMembers", {"groupId": group, "personIds": [world[a].gid for a in actors]},
                  world[owner].token)


# --- Each kind on its day -------------------------------------------------------------


@pytest.mark.parametrize("school", ["ashdown", "birchwood"])
async def test_each_kind_arrives_on_its_own_day_across_a_month(gql, world: World, jobs: Jobs, school: str) -> None:
    """Course 1 due on the 20th. Ticks at 06:30 and 09:00 local every day (none at 09:00
    on the 20th, so the 06:30 tick on the 21st plans the 20th); removed from the group
    after the 25th. Assigned on the 1st, due soon on the 6th, due today for the 20th,
    overdue on the 21st, removed on the 26th; nothing on any other day, and nothing to
    anyone else."""
    owner, member = OWNERS[school], MEMBERS[school]
    group = await one_target(gql, world, school)
    line = f"Course 1 (Phonics), due {iso(school, 20)}"
    school_id = world.organisations[school]

    log: list[tuple[str, int, dict[K, list[str]]]] = []  # (tick, digest's day, sections)
    planned: dict[int, str] = {}  # day of the month -> the tick that planned it
    for day in month_days(school):
        for hour, minute in ((6, 30), (9, 0)):
            if (day.day, hour) in ((1, 6), (20, 9)):
                continue
            when = f"{day.day:02} {hour:02}:{minute:02}"
            before = len(jobs.mailer.sent)
            for plan in await jobs.day(local(school, day, hour, minute)):
                if plan.organisation_id == school_id:
                    assert plan.local_date.day not in planned
                    planned[plan.local_date.day] = when
            log += [(when, e.day.day, e.sections) for e in map(read, jobs.mailer.sent[before:])]
        if day.day == 25:
            await remove_from(gql, world, group, (member,), owner)

    assert log == [
        ("01 09:00", 1, {K.ASSIGNED: [line]}),
        ("06 09:00", 6, {K.DUE_SOON: [line]}),
        ("21 06:30", 20, {K.DUE_TODAY: [line]}),
        ("21 09:00", 21, {K.OVERDUE: [line]}),
        ("26 09:00", 26, {K.REMOVED: []}),
    ]
    assert {parseaddr(m["To"])[1] for m in jobs.mailer.sent} == {mail_of(world, member)}
    # Every day was planned once: at 09:00, except the 20th, planned before 07:00 on the 21st.
    assert planned == {d.day: "21 06:30" if d.day == 20 else f"{d.day:02} 09:00" for d in month_days(school)}


async def test_several_triggers_on_one_day_make_one_email(gql, world: World, db: Database, jobs: Jobs) -> None:
    """On 10 March: Course 1 overdue, Course 2 due today, Course 3 due soon, and a new list
    assigned the evening before. One email holds them all, naming course, list and date."""
    c1, c2, c3 = (course(world, i) for i in range(3))
    (c4,) = await new_courses(db, ["Science 1"])
    group = await make_group(gql, world, "ES1", ("staff",))
    await make_list(gql, world, group, [c1, c2], name="Phonics", dates={c1: "2031-03-09", c2: "2031-03-10"})
    await make_list(gql, world, group, [c3], name="Maths", dates={c3: "2031-03-24"})

    async def add_science(_: date) -> None:
        await make_list(gql, world, group, [c4], name="Science")

    first = await ticks(jobs, "ashdown", [date(2031, 3, 7)], after={date(2031, 3, 7): add_science})
    assert by_person(world, first) == {"staff": {
        K.DUE_SOON: ["Course 1 (Phonics), due 2031-03-09", "Course 2 (Phonics), due 2031-03-10"],
        K.ASSIGNED: ["Course 1 (Phonics), due 2031-03-09", "Course 2 (Phonics), due 2031-03-10",
                     "Course 3 (Maths), due 2031-03-24"],
    }}

    (email,) = await ticks(jobs, "ashdown", [date(2031, 3, 10)])
    assert (email.to, email.day) == (world["staff"].email, date(2031, 3, 10))
    assert email.subject == "Learning targets overdue and more — Ashdown Primary"
    assert email.sections == {
        K.OVERDUE: ["Course 1 (Phonics), due 2031-03-09"],
        K.DUE_TODAY: ["Course 2 (Phonics), due 2031-03-10"],
        K.DUE_SOON: ["Course 3 (Maths), due 2031-03-24"],
        K.ASSIGNED: ["Course 1 (Phonics), due 2031-03-09", "Course 2 (Phonics), due 2031-03-10",
                     "Course 3 (Maths), due 2031-03-24", "Science 1 (Science)"],
    }
    html = jobs.mailer.sent[-1].get_body(("html",)).get_content()
    for text in ("Course 1", "Course 2", "Course 3", "Science 1", "Phonics", "Maths", "Science", "2031-03-09",
                 "2031-03-10", "2031-03-24"):
        assert text in html


async def test_a_completed_course_is_neither_reminded_nor_listed(gql, world: World, db: Database,
                                                                 jobs: Jobs) -> None:
    """Staff completed Course 1 before anything was sent; Staff2 completes Course 2 after
    its 'due soon'. Neither hears of a course once they have completed it."""
    c1, c2 = course(world, 0), course(world, 1)
    group = await make_group(gql, world, "ES1", ("staff", "staff2"))
    await make_list(gql, world, group, [c1, c2], name="Phonics", dates={c1: "2031-03-20", c2: "2031-03-20"})

    async def complete(actor: str, course_gid: str) -> None:
        done = datetime(2031, 3, 1, 12, tzinfo=UTC)
        async with db.write() as session:
            session.add(Enrolment(person_id=world[actor].person_id, course_id=pk(course_gid), started_at=done,
                                  progress_percent=100, completed_at=done))

    await complete("staff", c1)
    first = await ticks(jobs, "ashdown", [date(2031, 3, 6)])
    c1_line, c2_line = "Course 1 (Phonics), due 2031-03-20", "Course 2 (Phonics), due 2031-03-20"
    assert by_person(world, first) == {
        "staff": {K.DUE_SOON: [c2_line], K.ASSIGNED: [c2_line]},
        "staff2": {K.DUE_SOON: [c1_line, c2_line], K.ASSIGNED: [c1_line, c2_line]},
    }
    await complete("staff2", c2)
    today = await ticks(jobs, "ashdown", [date(2031, 3, 20)])
    assert by_person(world, today) == {"staff": {K.DUE_TODAY: [c2_line]}, "staff2": {K.DUE_TODAY: [c1_line]}}
    overdue = await ticks(jobs, "ashdown", [date(2031, 3, 21)])
    assert by_person(world, overdue) == {"staff": {K.OVERDUE: [c2_line]}, "staff2": {K.OVERDUE: [c1_line]}}


async def test_everything_completed_means_no_email_at_all(gql, world: World, db: Database, jobs: Jobs) -> None:
    c1 = course(world, 0)
    async with db.write() as session:
        done = datetime(2031, 3, 1, tzinfo=UTC)
        session.add(Enrolment(person_id=world["staff"].person_id, course_id=pk(c1), started_at=done,
                              progress_percent=100, completed_at=done))
    await one_target(gql, world, "ashdown")
    assert await ticks(jobs, "ashdown", [date(2031, 3, d) for d in (1, 6, 20, 21)]) == []


async def test_an_extension_moves_the_reminders_and_ending_it_brings_the_lists_date_back(
    gql, world: World, jobs: Jobs
) -> None:
    """Course 1 due 10 March for Staff and Staff2; before anything is sent, Staff is given
    until the 20th (issue 17). Staff2 is reminded for the 10th; Staff for the 20th only,
    never for the 10th. Ending the extension on the 21st makes the 10th theirs again:
    overdue, once, in that day's one email."""
    c1 = course(world, 0)
    group = await make_group(gql, world, "ES1", ("staff", "staff2"))
    phonics = await make_list(gql, world, group, [c1], name="Phonics", dates={c1: "2031-03-10"})
    granted = (await gql(EXTEND, {"input": {
        "targetListId": phonics, "personId": world["staff"].gid, "courseId": c1, "dueOn": "2031-03-20",
        "reason": "A long absence"}}, token=world["admin"].token))["extendTarget"]
    listed, extended = "Course 1 (Phonics), due 2031-03-10", "Course 1 (Phonics), due 2031-03-20"

    async def end(day: date) -> None:
        ended = await gql(END, {"e": granted["targetExtension"]["id"]}, token=world["admin"].token)
        assert ended["endTargetExtension"]["targetExtension"]["endedAt"], ended

    emails = await ticks(jobs, "ashdown", [date(2031, 3, d) for d in (9, 10, 11, 20, 21, 22)],
                         after={date(2031, 3, 21): end})
    assert per_day(world, emails) == {
        9: {"staff": {K.DUE_SOON: [extended], K.ASSIGNED: [extended]},
            "staff2": {K.DUE_SOON: [listed], K.ASSIGNED: [listed]}},
        10: {"staff2": {K.DUE_TODAY: [listed]}},
        11: {"staff2": {K.OVERDUE: [listed]}},
        20: {"staff": {K.DUE_TODAY: [extended]}},
        21: {"staff": {K.OVERDUE: [extended]}},
        22: {"staff": {K.OVERDUE: [listed], K.ASSIGNED: [listed]}},
    }


async def test_reminders_start_again_when_a_completion_renews(gql, world: World, db: Database, jobs: Jobs) -> None:
    """Course 1, undated, renews monthly (issue 17). Staff completed it on 20 February 2031,
    so it renews on 20 March: nothing while the completion holds, then due soon from the
    6th (14 days before), due on the 20th, overdue on the 21st; completed again that day,
    nothing more. Staff2, who never completed it, is told of it once and never reminded."""
    c1 = course(world, 0)
    group = await make_group(gql, world, "ES1", ("staff", "staff2"))
    await succeed(gql, "createTargetList", {"groupId": group, "name": "Phonics", "courses": [
        {"courseId": c1, "renewMonths": 1}]}, world["owner"].token)
    first = local("ashdown", date(2031, 2, 20), 15)
    async with db.write() as session:
        session.add(Enrolment(person_id=world["staff"].person_id, course_id=pk(c1), started_at=first,
                              progress_percent=100, completed_at=first, last_completed_at=first))

    async def complete_again(day: date) -> None:
        async with db.write() as session:
            await session.execute(update(Enrolment).where(Enrolment.person_id == world["staff"].person_id)
                                  .values(last_completed_at=local("ashdown", day, 16)))

    emails = await ticks(jobs, "ashdown", [date(2031, 3, d) for d in (5, 6, 7, 19, 20, 21, 22, 23)],
                         after={date(2031, 3, 21): complete_again})
    again = "Course 1 (Phonics), due 2031-03-20"
    assert per_day(world, emails) == {
        5: {"staff2": {K.ASSIGNED: ["Course 1 (Phonics)"]}},
        6: {"staff": {K.DUE_SOON: [again]}},
        20: {"staff": {K.DUE_TODAY: [again]}},
        21: {"staff": {K.OVERDUE: [again]}},
    }


# --- Effective due dates --------------------------------------------------------------


async def test_a_date_below_pulls_an_undated_course_forward(gql, world: World, jobs: Jobs) -> None:
    """Phonics: Course 1 (undated) above Course 2 (due 10 March): both are reminded as due
    on the 10th."""
    c1, c2 = course(world, 0), course(world, 1)
    group = await make_group(gql, world, "ES1", ("staff",))
    await make_list(gql, world, group, [c1, c2], name="Phonics", dates={c2: "2031-03-10"})
    lines = ["Course 1 (Phonics), due 2031-03-10", "Course 2 (Phonics), due 2031-03-10"]

    emails = await ticks(jobs, "ashdown", [date(2031, 3, 9), date(2031, 3, 10)])
    assert [(e.day.day, e.sections) for e in emails] == [
        (9, {K.DUE_SOON: lines, K.ASSIGNED: lines}),
        (10, {K.DUE_TODAY: lines}),
    ]


async def test_effective_dates_follow_the_order_across_two_groups(gql, world: World, jobs: Jobs) -> None:
    """Reading (group G1: Staff, Staff2) puts Course 1 before Course 2; Writing (G2: Staff
    only) puts Course 2 before Course 3, due 10 March. For Staff all three are due on the
    10th; Staff2, without Writing, has no dates and so no reminders."""
    c1, c2, c3 = (course(world, i) for i in range(3))
    g1 = await make_group(gql, world, "G1", ("staff", "staff2"))
    g2 = await make_group(gql, world, "G2", ("staff",))
    await make_list(gql, world, g1, [c1, c2], name="Reading")
    await make_list(gql, world, g2, [c2, c3], name="Writing", dates={c3: "2031-03-10"})

    emails = await ticks(jobs, "ashdown", [date(2031, 3, 10), date(2031, 3, 11)])
    staff_lines = ["Course 1 (Reading), due 2031-03-10", "Course 2 (Reading, Writing), due 2031-03-10",
                   "Course 3 (Writing), due 2031-03-10"]
    assert per_day(world, emails) == {
        10: {"staff": {K.DUE_TODAY: staff_lines, K.ASSIGNED: staff_lines},
             "staff2": {K.ASSIGNED: ["Course 1 (Reading)", "Course 2 (Reading)"]}},
        11: {"staff": {K.OVERDUE: staff_lines}},
    }


# --- Targets removed ------------------------------------------------------------------


async def test_losing_every_target_is_told_once_and_joining_an_empty_group_is_not(gql, world: World,
                                                                                   jobs: Jobs) -> None:
    """Staff leaves ES1, the only group with lists reaching them: 'removed'. Staff2 leaves
    ES1 too but keeps Maths through ES2: 'updated', with what is left. Admin, who never
    had targets, joins a group without lists, and so does Staff afterwards: nothing."""
    c1, c2, c3 = (course(world, i) for i in range(3))
    es1 = await make_group(gql, world, "ES1", ("staff", "staff2"))
    es2 = await make_group(gql, world, "ES2", ("staff2",))
    await make_list(gql, world, es1, [c1, c2], name="Phonics")
    await make_list(gql, world, es2, [c3], name="Maths")
    days = [date(2031, 3, d) for d in (1, 2, 3, 4)]

    async def leave(_: date) -> None:
        await remove_from(gql, world, es1, ("staff", "staff2"))

    async def join_book_club(_: date) -> None:
        club = await make_group(gql, world, "Book club", ("admin",))
        await succeed(gql, "addStaffGroupMembers", {"groupId": club, "personIds": [world["staff"].gid]},
                      world["owner"].token)

    emails = await ticks(jobs, "ashdown", days, after={days[0]: leave, days[1]: join_book_club})
    assert per_day(world, emails) == {
        1: {"staff": {K.ASSIGNED: ["Course 1 (Phonics)", "Course 2 (Phonics)"]},
            "staff2": {K.ASSIGNED: ["Course 1 (Phonics)", "Course 2 (Phonics)", "Course 3 (Maths)"]}},
        2: {"staff": {K.REMOVED: []}, "staff2": {K.ASSIGNED: ["Course 3 (Maths)"]}},
    }


# --- Outbox rows written by mutations ---------------------------------------------------

Mutation = Callable[..., Awaitable[None]]


@dataclass
class Groups:
    """ES1 (Staff, Staff2) holds Phonics: Courses 1, 2. ES2 (Staff2) holds Maths: Course 3."""

    es1: str
    es2: str
    phonics: str
    maths: str


async def add_course(gql, world: World, g: Groups) -> None:
    await succeed(gql, "addTargetCourses", {"targetListId": g.phonics, "courses": [
        {"courseId": course(world, 2), "dueOn": "2031-06-30"}]}, world["owner"].token)


async def set_date(gql, world: World, g: Groups) -> None:
    await succeed(gql, "setTargetDueDate", {"targetListId": g.phonics, "courseId": course(world, 1),
                                            "dueOn": "2031-06-30"}, world["owner"].token)


async def join_es2(gql, world: World, g: Groups) -> None:
    await succeed(gql, "addStaffGroupMembers", {"groupId": g.es2, "personIds": [world["staff"].gid]},
                  world["owner"].token)


async def leave_es1(gql, world: World, g: Groups) -> None:
    await remove_from(gql, world, g.es1, ("staff2",))


async def delete_phonics(gql, world: World, g: Groups) -> None:
    await succeed(gql, "deleteTargetList", {"targetListId": g.phonics, "confirmation": "YES"}, world["owner"].token)


async def delete_es2(gql, world: World, g: Groups) -> None:
    await succeed(gql, "deleteStaffGroup", {"groupId": g.es2, "confirmation": "YES"}, world["owner"].token)


async def deactivate_staff(gql, world: World, g: Groups) -> None:
    await set_seat(gql, world, "staff", active=False)


async def remove_course_1(gql, world: World, g: Groups) -> None:
    await succeed(gql, "removeTargetCourse", {"targetListId": g.phonics, "courseId": course(world, 0)},
                  world["owner"].token)


async def rename_maths(gql, world: World, g: Groups) -> None:
    await succeed(gql, "renameTargetList", {"targetListId": g.maths, "name": "Numeracy"}, world["owner"].token)


async def empty_group_for_admin(gql, world: World, g: Groups) -> None:
    club = await make_group(gql, world, "Book club", ("staff",))
    await succeed(gql, "addStaffGroupMembers", {"groupId": club, "personIds": [world["admin"].gid]},
                  world["owner"].token)


P1, P2, M3 = "Course 1 (Phonics)", "Course 2 (Phonics)", "Course 3 (Maths)"
LATE = ", due 2031-06-30"

OUTBOX_CASES: dict[str, tuple[Mutation, dict[str, dict[K, list[str]]]]] = {
    "addTargetCourses": (add_course, {
        "staff": {K.ASSIGNED: [P1 + LATE, P2 + LATE, "Course 3 (Phonics)" + LATE]},
        "staff2": {K.ASSIGNED: [P1 + LATE, P2 + LATE, "Course 3 (Phonics, Maths)" + LATE]},
    }),
    "setTargetDueDate": (set_date, {
        "staff": {K.ASSIGNED: [P1 + LATE, P2 + LATE]},
        "staff2": {K.ASSIGNED: [P1 + LATE, P2 + LATE, M3]},
    }),
    "removeTargetCourse": (remove_course_1, {"staff": {K.ASSIGNED: [P2]}, "staff2": {K.ASSIGNED: [P2, M3]}}),
    "renameTargetList": (rename_maths, {"staff2": {K.ASSIGNED: [P1, P2, "Course 3 (Numeracy)"]}}),
    "addStaffGroupMembers": (join_es2, {"staff": {K.ASSIGNED: [P1, P2, M3]}}),
    "removeStaffGroupMembers": (leave_es1, {"staff2": {K.ASSIGNED: [M3]}}),
    "deleteTargetList": (delete_phonics, {"staff": {K.REMOVED: []}, "staff2": {K.ASSIGNED: [M3]}}),
    "deleteStaffGroup": (delete_es2, {"staff2": {K.ASSIGNED: [P1, P2]}}),
    "deactivateSeat": (deactivate_staff, {"staff": {K.REMOVED: []}}),
    "groups without lists": (empty_group_for_admin, {}),
}


@pytest.mark.parametrize("case", OUTBOX_CASES)
async def test_a_change_reaches_exactly_the_people_it_affects(gql, world: World, jobs: Jobs, case: str) -> None:
    """After the first digests, one mutation; the next day's digests go to exactly the
    people whose targets it changed, 'updated' with their targets now or 'removed'."""
    c1, c2, c3 = (course(world, i) for i in range(3))
    es1 = await make_group(gql, world, "ES1", ("staff", "staff2"))
    es2 = await make_group(gql, world, "ES2", ("staff2",))
    groups = Groups(es1, es2, await make_list(gql, world, es1, [c1, c2], name="Phonics"),
                    await make_list(gql, world, es2, [c3], name="Maths"))
    first = await ticks(jobs, "ashdown", [date(2031, 3, 1)])
    assert by_person(world, first) == {"staff": {K.ASSIGNED: [P1, P2]}, "staff2": {K.ASSIGNED: [P1, P2, M3]}}

    mutation, expected = OUTBOX_CASES[case]
    await mutation(gql, world, groups)
    assert by_person(world, await ticks(jobs, "ashdown", [date(2031, 3, 2)])) == expected
    assert await ticks(jobs, "ashdown", [date(2031, 3, 3)]) == []


# --- Settings -------------------------------------------------------------------------


@pytest.mark.parametrize("school", ["ashdown", "birchwood"])
async def test_due_soon_and_overdue_days_move_the_reminders(gql, world: World, db: Database, jobs: Jobs,
                                                            school: str) -> None:
    await configure(db, world.organisations[school], due_soon_days=7, overdue_days=3)
    await one_target(gql, world, school)
    emails = await ticks(jobs, school, month_days(school))
    assert kinds_by_day(emails, mail_of(world, MEMBERS[school])) == {
        1: {K.ASSIGNED}, 13: {K.DUE_SOON}, 20: {K.DUE_TODAY}, 23: {K.OVERDUE},
    }
    assert len(emails) == 4


DEFAULT_MONTH = {1: K.ASSIGNED, 6: K.DUE_SOON, 20: K.DUE_TODAY, 21: K.OVERDUE, 26: K.REMOVED}


@pytest.mark.parametrize("off", [k for k in NotificationKind if k not in SUMMARY])  # a summary is one's own
async def test_a_kind_switched_off_is_not_sent(gql, world: World, db: Database, jobs: Jobs, off: K) -> None:
    """The month of the first test with one kind off: that day's email does not come,
    every other one does."""
    field = off.value.lower()
    await configure(db, world.organisations["ashdown"], **{field: False})
    group = await one_target(gql, world, "ashdown")

    async def leave(_: date) -> None:
        await remove_from(gql, world, group, ("staff",))

    emails = await ticks(jobs, "ashdown", month_days("ashdown"), after={date(2031, 3, 25): leave})
    assert kinds_by_day(emails, world["staff"].email) == {d: {k} for d, k in DEFAULT_MONTH.items() if k != off}
    assert len(emails) == 4


async def test_a_settings_change_applies_from_the_next_plan(gql, world: World, db: Database, jobs: Jobs) -> None:
    """Defaults until the 5th, then 'due soon' 7 days ahead; 'overdue' switched off after
    the due day. Nothing already planned changes, and nothing is sent twice."""
    await one_target(gql, world, "ashdown")
    school = world.organisations["ashdown"]

    async def soon_is_a_week(_: date) -> None:
        await configure(db, school, due_soon_days=7)

    async def no_overdue(_: date) -> None:
        await configure(db, school, overdue=False)

    emails = await ticks(jobs, "ashdown", month_days("ashdown"),
                         after={date(2031, 3, 5): soon_is_a_week, date(2031, 3, 20): no_overdue})
    assert kinds_by_day(emails, world["staff"].email) == {1: {K.ASSIGNED}, 13: {K.DUE_SOON}, 20: {K.DUE_TODAY}}


@pytest.mark.parametrize("school", ["ashdown", "birchwood"])
async def test_a_later_send_hour_plans_yesterday_until_it_comes(gql, world: World, db: Database, jobs: Jobs,
                                                                school: str) -> None:
    """Send hour 18:00, target due on the 20th. The first tick, at 08:00 local on the
    20th, plans the 19th (assigned, due soon); the 18:00 tick plans the 20th (due today)."""
    await configure(db, world.organisations[school], send_hour=18)
    await one_target(gql, world, school)
    twentieth = date(*MONTHS[school], 20)
    morning = await run(jobs, local(school, twentieth, 8))
    noon = await run(jobs, local(school, twentieth, 12))
    evening = await run(jobs, local(school, twentieth, 18))
    assert [(e.day.day, set(e.sections)) for e in morning] == [(19, {K.ASSIGNED, K.DUE_SOON})]
    assert noon == []
    assert [(e.day.day, set(e.sections)) for e in evening] == [(20, {K.DUE_TODAY})]


@pytest.mark.parametrize("school", ["ashdown", "birchwood"])
async def test_the_default_send_hour_is_seven(gql, world: World, jobs: Jobs, school: str) -> None:
    """Without a settings row a tick at 06:59 plans yesterday and one at 07:00 today."""
    await one_target(gql, world, school)
    twentieth = date(*MONTHS[school], 20)
    early = await run(jobs, local(school, twentieth, 6, 59))
    on_time = await run(jobs, local(school, twentieth, 7))
    assert [(e.day.day, set(e.sections)) for e in early + on_time] == [
        (19, {K.ASSIGNED, K.DUE_SOON}), (20, {K.DUE_TODAY}),
    ]


# --- Missed days ----------------------------------------------------------------------


@pytest.mark.parametrize("school", ["ashdown", "birchwood"])
async def test_a_missed_day_is_caught_up_on_the_next_run_once(gql, world: World, jobs: Jobs, school: str) -> None:
    """No tick on the 6th or the 21st: the 7th's run sends the 6th's 'due soon', the 22nd's
    the 21st's 'overdue', each once, dated its own day; no reminder repeats afterwards."""
    jobs.catch_up_days = 7
    await one_target(gql, world, school)
    emails = await ticks(jobs, school, month_days(school, skip=(6, 21)))
    assert kinds_by_day(emails, mail_of(world, MEMBERS[school])) == {
        1: {K.ASSIGNED}, 6: {K.DUE_SOON}, 20: {K.DUE_TODAY}, 21: {K.OVERDUE},
    }
    assert len(emails) == 4


async def test_a_missed_due_day_is_told_before_the_overdue_one(gql, world: World, jobs: Jobs) -> None:
    """With no tick on the 20th, the 21st's run sends the 20th's 'due today' first, then
    the 21st's 'overdue': what was owed, in order."""
    jobs.catch_up_days = 7
    await one_target(gql, world, "ashdown")
    emails = await ticks(jobs, "ashdown", month_days("ashdown", skip=(20,)))
    mine = [e for e in emails if e.to == world["staff"].email]
    assert [(e.day.day, set(e.sections)) for e in mine] == [
        (1, {K.ASSIGNED}), (6, {K.DUE_SOON}), (20, {K.DUE_TODAY}), (21, {K.OVERDUE})]


async def test_two_weeks_without_the_scheduler_catch_up_the_last_week_in_order(
    gql, world: World, jobs: Jobs, caplog: pytest.LogCaptureFixture
) -> None:
    """Down from the 5th to the 20th: the 21st's run plans the 15th to the 21st, oldest
    first, each judged as of its own day (the change made while it was down and 'due soon'
    on the 15th, 'due today' on the 20th, 'overdue' on the 21st), and logs the days before
    the window as skipped."""
    jobs.catch_up_days = 7
    caplog.set_level(logging.INFO, logger="trellis.jobs")
    emails = await down_from_the_5th_to_the_20th(gql, world, jobs)
    assert [(e.day.day, e.sections) for e in emails] == [
        (1, {K.ASSIGNED: ["Course 1 (Phonics), due 2031-03-20"]}),
        (15, {K.DUE_SOON: ["Course 1 (Phonics), due 2031-03-20"],
              K.ASSIGNED: ["Course 1 (Phonics), due 2031-03-20", "Course 2 (Phonics)"]}),
        (20, {K.DUE_TODAY: ["Course 1 (Phonics), due 2031-03-20"]}),
        (21, {K.OVERDUE: ["Course 1 (Phonics), due 2031-03-20"]}),
    ]
    said = [r.getMessage() for r in caplog.records if r.name == "trellis.jobs"]
    school = world.organisations["ashdown"]
    assert any(f"school {school}: days 2031-03-05 to 2031-03-14 were never planned" in m for m in said), said
    assert sum(f"for school {school} (catching up a missed day)" in m for m in said) == 6


async def test_with_a_one_day_window_a_week_down_sends_one_email(gql, world: World, jobs: Jobs) -> None:
    """NOTIFICATION_CATCH_UP_DAYS=1: only the latest day is planned; its one email holds the
    change made while the scheduler was down and the overdue reminder."""
    emails = await down_from_the_5th_to_the_20th(gql, world, jobs)
    assert [(e.day.day, e.sections) for e in emails] == [
        (1, {K.ASSIGNED: ["Course 1 (Phonics), due 2031-03-20"]}),
        (21, {K.OVERDUE: ["Course 1 (Phonics), due 2031-03-20"],
              K.ASSIGNED: ["Course 1 (Phonics), due 2031-03-20", "Course 2 (Phonics)"]}),
    ]


async def down_from_the_5th_to_the_20th(gql, world: World, jobs: Jobs) -> list[Email]:
    """Ticks on the 1st to the 4th and the 21st to the 23rd; on the 4th, after its tick,
    Course 2 joins the Phonics list (a change made while the scheduler is about to be down)."""
    group = await one_target(gql, world, "ashdown")
    c2 = course(world, 1)

    async def add_course_2(_: date) -> None:
        await succeed(gql, "addTargetCourses", {"targetListId": await phonics_of(gql, world, group),
                                                "courses": [{"courseId": c2}]}, world["owner"].token)

    return await ticks(jobs, "ashdown", [date(2031, 3, d) for d in (1, 2, 3, 4, 21, 22, 23)],
                       after={date(2031, 3, 4): add_course_2})


async def phonics_of(gql, world: World, group: str) -> str:
    query = "query($id: ID!) { node(id: $id) { ... on StaffGroup { targetLists { id name } } } }"
    lists = (await gql(query, {"id": group}, token=world["owner"].token))["node"]["targetLists"]
    return next(t["id"] for t in lists if t["name"] == "Phonics")


# --- Once only ------------------------------------------------------------------------


@pytest.fixture
async def second_db(database_url: str) -> AsyncIterator[Database]:
    """Another process's connection to the same database: a second scheduler."""
    database = Database(create_engine(database_url))
    yield database
    await database.dispose()


async def test_two_schedulers_ticking_at_once_plan_once(gql, world: World, db: Database, jobs: Jobs,
                                                        second_db: Database) -> None:
    await one_target(gql, world, "ashdown", members=("staff", "staff2"))
    other = Jobs(second_db, jobs.mailer)
    now = local("ashdown", date(2031, 3, 20), 9)
    planned = await asyncio.gather(jobs.tick(now), other.tick(now))
    await asyncio.gather(jobs.work(now), other.work(now))

    days = sorted((p.organisation_id, p.local_date) for plans in planned for p in plans)
    assert days == sorted([(world.organisations["ashdown"], date(2031, 3, 20)),
                           (world.organisations["birchwood"], date(2031, 3, 20))])
    emails = [read(m) for m in jobs.mailer.sent]
    line = "Course 1 (Phonics), due 2031-03-20"
    assert by_person(world, emails) == {
        "staff": {K.DUE_TODAY: [line], K.ASSIGNED: [line]}, "staff2": {K.DUE_TODAY: [line], K.ASSIGNED: [line]},
    }
    # Ticking again that day, from either scheduler, adds nothing.
    assert await run(jobs, now + timedelta(hours=1)) == []
    assert await run(other, now + timedelta(hours=2)) == []


async def test_a_rerun_of_the_same_day(gql, world: World, db: Database, jobs: Jobs) -> None:
    """The CLI's rerun of a planned day: with nothing new it sends nothing. After a change
    reaching Staff (already emailed that day) and Staff2 (not emailed that day), the rerun
    sends Staff2 their digest and leaves Staff alone; Staff hears of the change the next
    day, and Staff2 does not hear of it twice."""
    c1, c2, c3 = (course(world, i) for i in range(3))
    es1 = await make_group(gql, world, "ES1", ("staff",))
    es2 = await make_group(gql, world, "ES2", ("staff2",))
    phonics = await make_list(gql, world, es1, [c1], name="Phonics", dates={c1: "2031-03-20"})
    maths = await make_list(gql, world, es2, [c2], name="Maths")
    school = world.organisations["ashdown"]
    await ticks(jobs, "ashdown", [date(2031, 3, 19)])  # both hear of their targets

    twentieth = date(2031, 3, 20)
    now = local("ashdown", twentieth, 9)
    on_the_day = await run(jobs, now)
    assert by_person(world, on_the_day) == {"staff": {K.DUE_TODAY: ["Course 1 (Phonics), due 2031-03-20"]}}

    async def rerun(at: datetime) -> list[Email]:
        before = len(jobs.mailer.sent)
        planned = await plan_day(db, school, twentieth, at, rerun=True)
        assert planned is not None and planned.local_date == twentieth
        await jobs.day(at)  # hands the new digests to the worker
        return [read(m) for m in jobs.mailer.sent[before:]]

    assert await rerun(now + timedelta(hours=1)) == []

    for target_list in (phonics, maths):
        await succeed(gql, "addTargetCourses", {"targetListId": target_list, "courses": [{"courseId": c3}]},
                      world["owner"].token)
    again = await rerun(now + timedelta(hours=2))
    assert [(e.day, by_person(world, [e])) for e in again] == [
        (twentieth, {"staff2": {K.ASSIGNED: ["Course 2 (Maths)", "Course 3 (Maths)"]}}),
    ]
    next_day = await ticks(jobs, "ashdown", [date(2031, 3, 21)])
    assert by_person(world, next_day) == {"staff": {
        K.OVERDUE: ["Course 1 (Phonics), due 2031-03-20"],
        K.ASSIGNED: ["Course 1 (Phonics), due 2031-03-20", "Course 3 (Phonics)"],
    }}


async def test_plan_day_without_rerun_plans_a_day_once(gql, world: World, db: Database, jobs: Jobs) -> None:
    await one_target(gql, world, "ashdown")
    now = local("ashdown", date(2031, 3, 20), 9)
    first = await plan_day(db, world.organisations["ashdown"], date(2031, 3, 20), now)
    assert first is not None and first.deliveries == 1
    assert await plan_day(db, world.organisations["ashdown"], date(2031, 3, 20), now) is None
    assert [e.day for e in await run(jobs, now)] == [date(2031, 3, 20)]


async def test_a_plan_meeting_another_schools_first_reminder_of_the_same_person_runs_again(
        gql, world: World, db: Database, jobs: Jobs) -> None:
    """Staff has never been reminded, so Ashdown's plan writes their lines without checking
    the once-only key. Another school's plan commits Staff's reminder of the same course and
    date meanwhile (here: its line is there, and Staff not yet counted as reminded, as that
    plan's rows look from this one's snapshot). The tick's plan fails on the key and writes
    nothing; the next tick, with the other plan's rows all visible, plans the day, and Staff
    is not told twice of what the other school told them."""
    await one_target(gql, world, "ashdown")
    day = date(2031, 3, 20)
    now = local("ashdown", day, 9)
    staff, c1 = world["staff"].person_id, pk(course(world, 0))
    async with db.write() as session:
        other = NotificationPlan(organisation_id=world.organisations["birchwood"], local_date=day, planned_at=now)
        session.add(other)
        await session.flush()
        session.add(NotificationItem(plan_id=other.id, person_id=staff, kind=K.DUE_TODAY, course_id=c1, due_on=day))

    assert await run(jobs, now) == []
    async with db.read() as session:
        plans = (await session.execute(select(NotificationPlan.organisation_id))).scalars().all()
        assert plans == [world.organisations["birchwood"]]

    async with db.write() as session:
        session.add(RemindedPerson(person_id=staff))
    line = "Course 1 (Phonics), due 2031-03-20"
    assert by_person(world, await run(jobs, now + timedelta(minutes=1))) == {"staff": {K.ASSIGNED: [line]}}


# --- Scale ----------------------------------------------------------------------------


async def add_staff(db: Database, world: World, school: str, count: int, groups: list[int]) -> None:
    """`count` new people with a PLUS seat, in the school and in `groups`, in bulk."""
    organisation, licence = world.organisations[school], world.licences[school]
    async with db.write() as session:
        people = [Person(email=f"bulk-{school}-{count}-{i}@example.org", display_name=f"Bulk {i}")
                  for i in range(count)]
        session.add_all(people)
        await session.flush()
        ids = [p.id for p in people]
        await session.execute(insert(Membership), [
            {"organisation_id": organisation, "person_id": i, "role": MembershipRole.MEMBER} for i in ids])
        await session.execute(insert(Seat), [
            {"licence_id": licence, "person_id": i, "subscription": SubscriptionKind.ALL_ACCESS_PASS_PLUS}
            for i in ids])
        await session.execute(insert(StaffGroupMember), [{"group_id": g, "person_id": i} for i in ids for g in groups])


@pytest.mark.parametrize("renewing", [False, True], ids=["lists", "lapsed renewals"])
async def test_planning_issues_the_same_statements_for_3_or_30_staff(gql, world: World, db: Database, jobs: Jobs,
                                                                     count_statements, renewing: bool) -> None:
    """Birchwood with 3 staff (All Staff's list, and a group ES1 with two of them with its
    own list) plans its day in as many SQL statements as with 30; so too when All Staff's
    course renews yearly and everyone's completion of it has lapsed (each a signature of
    their own)."""
    c1, c2, c3 = (course(world, i) for i in range(3))
    es1 = await make_group(gql, world, "ES1", ("staff_b",), actor="owner_b", licence="birchwood")
    await succeed(gql, "createTargetList", {"groupId": world.all_staff_group("birchwood"), "name": "Everyone",
                                            "courses": [{"courseId": c1, "dueOn": "2031-04-20",
                                                         "renewMonths": 12 if renewing else None}]},
                  world["owner_b"].token)
    await make_list(gql, world, es1, [c2, c3], name="Extra", actor="owner_b", dates={c3: "2031-04-20"})
    await add_staff(db, world, "birchwood", 1, [pk(es1)])
    school = world.organisations["birchwood"]

    async def lapse_everyone() -> None:
        """Everyone of the school completed Course 1 in 2029, if renewing: long lapsed."""
        long_ago = datetime(2029, 1, 10, tzinfo=UTC)
        async with db.write() as session:
            people = (await session.execute(select(Seat.person_id).where(
                Seat.licence_id == world.licences["birchwood"],
                Seat.person_id.not_in(select(Enrolment.person_id))))).scalars().all()
            session.add_all(Enrolment(person_id=p, course_id=pk(c1), started_at=long_ago, progress_percent=100,
                                      completed_at=long_ago, last_completed_at=long_ago) for p in people)

    async def plan(day: date) -> tuple[int, int]:
        if renewing:
            await lapse_everyone()
        before = count_statements.count
        planned = await plan_day(db, school, day, local("birchwood", day, 9))
        assert planned is not None
        return planned.deliveries, count_statements.count - before

    few = await plan(date(2031, 4, 6))  # due soon for everyone
    await add_staff(db, world, "birchwood", 27, [pk(es1)])
    many = await plan(date(2031, 4, 20))  # due today for everyone
    # Renewing, the one of the first three outside ES1 was told of the lapse on the 6th, once.
    assert few[0] == 3 and many[0] == (29 if renewing else 30)
    assert few[1] == many[1]
    if renewing:  # completed on the same day, in the same groups: they share their path
        people = person_signatures(world.licences["birchwood"], {pk(c1): datetime(2031, 1, 1, tzinfo=UTC)},
                                   db.engine.dialect.name, "Australia/Sydney")
        async with db.read() as session:
            signatures = (await session.execute(select(people.c.signature))).scalars().all()
        assert len(signatures) == 30 and len(set(signatures)) == 2
        assert all(s.endswith(f"|{pk(c1)}@2029-01-10,") for s in signatures)
