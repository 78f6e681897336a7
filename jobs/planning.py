"""Planning one school's day: the outbox rows plus the date-based reminders, as a fixed
set of SQL statements however many staff the school has.

The paths of the school's staff come from resolvers/reach.py, one per distinct
signature; the planner stages them in `notification_plan_target` and lets SQL join them
back to every person.
"""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    CTE, Boolean, Column, ColumnElement, CursorResult, Integer, MetaData, Select, String, Subquery, Table, and_, cast,
    delete, exists, func, insert, literal, or_, select, text, true, update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlalchemy.ext.asyncio import AsyncSession

from infra.database import Database, conflict_insert
from jobs.leavers import SCHEDULER, end_leavers
from permissions import policy
from resolvers import group_rules
from resolvers.reach import Reach, reach
from domain.models import (
    IS_REMINDER, REMINDER_KEY, Course, Enrolment, Licence, NotificationDelivery, NotificationItem,
    NotificationOutbox, NotificationPlan, NotificationPlanTarget, NotificationSettings, Organisation, OverdueSummary,
    Person, RemindedPerson, UTCDateTime, digest_order,
)
from domain.notifications import (
    REMINDERS, SUMMARY, SUMMARY_LINES, DeliveryStatus, NotificationKind, Rules, SummaryFrequency, day_to_plan, reminder,
)

log = logging.getLogger("trellis.jobs")


@dataclass(frozen=True)
class PlannedDay:
    plan_id: int
    organisation_id: int
    local_date: date
    deliveries: int


async def rules_of(session: AsyncSession, organisation_id: int) -> Rules:
    row = await session.get(NotificationSettings, organisation_id)
    return Rules() if row is None else rules_from(row)


def rules_from(row: NotificationSettings) -> Rules:
    switches = {
        NotificationKind.ASSIGNED: row.assigned, NotificationKind.REMOVED: row.removed,
        NotificationKind.DUE_SOON: row.due_soon, NotificationKind.DUE_TODAY: row.due_today,
        NotificationKind.OVERDUE: row.overdue,
    }
    return Rules(
        due_soon_days=row.due_soon_days, overdue_days=row.overdue_days, send_hour=row.send_hour,
        enabled=frozenset(kind for kind, on in switches.items() if on),
    )


async def _stage_targets(session: AsyncSession, plan_id: int, found: Reach, day: date, rules: Rules) -> None:
    """Each signature's path, with the reminder due on `day`, for SQL to join back."""
    staged = [
        {"plan_id": plan_id, "signature": signature, "course_id": placed.course_id,
         "list_names": ", ".join(found.list_names[i] for i in placed.list_ids)[:1000],
         "due_on": placed.due_on, "reminder": reminder(placed.due_on, day, rules), "reopened": placed.reopened}
        for signature, path in found.paths.items() for placed in path
    ]
    if staged:
        await session.execute(insert(NotificationPlanTarget), staged)


def unfinished_by(person: Any) -> ColumnElement[bool]:
    """The staged target is still to do for the person: not completed, or due again."""
    staged = NotificationPlanTarget
    return or_(staged.reopened, ~exists().where(Enrolment.person_id == person, Enrolment.course_id == staged.course_id,
                                                Enrolment.completed_at.is_not(None)))


async def plan_day(
    db: Database, organisation_id: int, day: date, now: datetime, *, rerun: bool = False
) -> PlannedDay | None:
    """Plan `day` for one school. Returns None when the day was already planned (and
    this is not an operator's rerun) or the school has no licence. A rerun obeys the
    same once-only rules: no second digest for a person that day, no reminder twice."""
    try:
        async with db.write() as session:
            return await _plan(session, organisation_id, day, now, rerun)
    except IntegrityError:
        # Another scheduler planned the same day, or the same person's day, at the same moment;
        # or another school's plan reminded the same new person: the next tick plans it again.
        log.info("day %s of school %s met a concurrent plan; the next tick plans it if still due", day,
                 organisation_id)
        return None


async def _plan(
    session: AsyncSession, organisation_id: int, day: date, now: datetime, rerun: bool,
    only: Sequence[int] | None = None,
) -> PlannedDay | None:
    """With `only`, the digests of those people alone (a preview's: planned, read and rolled
    back), each whole, summaries included."""
    licence_id = (
        await session.execute(select(Licence.id).where(Licence.organisation_id == organisation_id))
    ).scalar_one_or_none()
    if licence_id is None:
        return None
    plan = (
        await session.execute(
            select(NotificationPlan).where(
                NotificationPlan.organisation_id == organisation_id, NotificationPlan.local_date == day
            )
        )
    ).scalar_one_or_none()
    if plan is not None and not rerun:
        return None
    if plan is None:
        plan = NotificationPlan(organisation_id=organisation_id, local_date=day, planned_at=now)
        session.add(plan)
        await session.flush()
    rules = await rules_of(session, organisation_id)
    postgres = session.bind.dialect.name == "postgresql"
    if postgres:
        # A large school's statements cost past jit_above_cost, and compiling them took
        # longer than running them; their sorts and hashes fit in memory with room to spare.
        await session.execute(text("SET LOCAL jit = off"))
        await session.execute(text("SET LOCAL work_mem = '64MB'"))

    found = await reach(session, licence_id, organisation_id, day, rules.due_soon_days)
    people = found.people
    # Those whose digests are planned: everyone, or a preview's people (the others still
    # count, as whom a summary is about and who is still reached).
    shown = people if only is None else select(people).where(people.c.person_id.in_(list(only))).cte("shown")
    await _stage_targets(session, plan.id, found, day, rules)

    staged = NotificationPlanTarget

    def told(person: Any) -> ColumnElement[bool]:
        """Already sent (or due to be sent) this school's digest for the day."""
        return exists().where(
            NotificationDelivery.person_id == person, NotificationDelivery.organisation_id == organisation_id,
            NotificationDelivery.local_date == day,
        )

    # Claim the changes waiting, in one statement: exactly these are told below. A
    # change committed while this plan runs is not among them and waits for the next
    # day; someone already told today hears of theirs tomorrow.
    await session.execute(
        update(NotificationOutbox)
        .where(
            NotificationOutbox.organisation_id == organisation_id,
            NotificationOutbox.planned_on.is_(None),
            NotificationOutbox.created_at <= now,
            ~told(NotificationOutbox.person_id),
            *([] if only is None else [NotificationOutbox.person_id.in_(list(only))]),
        )
        .values(planned_on=day, planned_at=now)
    )
    claimed = and_(
        NotificationOutbox.organisation_id == organisation_id, NotificationOutbox.planned_on == day,
        NotificationOutbox.planned_at == now,
    )

    def changed(person: Any) -> ColumnElement[bool]:
        """Has a change claimed above: their lists' courses are told as ASSIGNED."""
        return exists().where(claimed, NotificationOutbox.person_id == person)

    def reminded(person: Any) -> ColumnElement[bool]:
        """Has had reminders, which the new ones may repeat (RemindedPerson)."""
        return exists().where(RemindedPerson.person_id == person)

    if postgres:
        # PostgreSQL misjudges how many lines the people make (some 25 each) and probes
        # per line; so the people still to tell today come first, each once, with their
        # completed courses as one array, tested in memory per line. In person order, the
        # lines their join makes reach the item indexes in order, not scattered. Kept in a
        # table for the plan, not recomputed by each statement that writes lines; whether
        # each has changes or reminders is kept too: its statistics say how many have,
        # and a line is not a probe.
        done = (
            select(func.array_agg(Enrolment.course_id))
            .where(Enrolment.person_id == shown.c.person_id, Enrolment.completed_at.is_not(None))
            .scalar_subquery()
        )
        tell = await _scratch(session, TELLABLE, (
            select(shown.c.person_id, shown.c.signature,
                   func.coalesce(done, text("'{}'::integer[]")).label("completed"),
                   changed(shown.c.person_id).label("changed"), reminded(shown.c.person_id).label("reminded"))
            .where(~told(shown.c.person_id))
            .order_by(shown.c.person_id)
        ))
        unfinished = [or_(staged.reopened, staged.course_id != func.all(tell.c.completed))]
        has_changes, has_reminders = tell.c.changed, tell.c.reminded
    else:
        tell = shown
        unfinished = [unfinished_by(shown.c.person_id), ~told(shown.c.person_id)]
        has_changes, has_reminders = changed(tell.c.person_id), reminded(tell.c.person_id)
    columns = ["plan_id", "person_id", "kind", "course_id", "course_title", "list_names", "due_on"]

    def lines(kind: Any) -> Select:
        return (
            select(
                literal(plan.id), tell.c.person_id, kind, staged.course_id, Course.title, staged.list_names,
                staged.due_on,
            )
            .select_from(tell)
            .join(staged, and_(staged.signature == tell.c.signature, staged.plan_id == plan.id))
            .join(Course, Course.id == staged.course_id)
            .where(*unfinished)
        )

    if rules.enabled & set(REMINDERS):
        reminders = lines(staged.reminder).where(staged.reminder.is_not(None))
        # Lines of people never reminded cannot meet the once-only key: written without
        # ON CONFLICT (RemindedPerson). A plan of another school committing the same new
        # person's reminder meanwhile makes this one fail on the key, to be planned again.
        await session.execute(insert(NotificationItem).from_select(columns, reminders.where(~has_reminders)))
        await _insert_new(session, NotificationItem, columns, reminders.where(has_reminders), list(REMINDER_KEY),
                          text(IS_REMINDER))
        # Everyone told is checked from now on (a superset of those reminded: harmless).
        # Not filtered by NOT EXISTS: read while written, the table could be scanned per row.
        await _insert_new(session, RemindedPerson, ["person_id"], select(tell.c.person_id), ["person_id"])
    if NotificationKind.ASSIGNED in rules.enabled:
        await session.execute(
            insert(NotificationItem).from_select(
                columns, lines(literal(NotificationKind.ASSIGNED.value)).where(has_changes)
            )
        )
    if NotificationKind.REMOVED in rules.enabled:
        # NOT IN: both engines build the set of people reached once (SQLite an index,
        # PostgreSQL a hash), where a join or NOT EXISTS may scan it per outbox row.
        removed = (
            select(literal(plan.id), NotificationOutbox.person_id, literal(NotificationKind.REMOVED.value))
            .where(claimed, NotificationOutbox.person_id.not_in(select(people.c.person_id)))
            .distinct()
        )
        await session.execute(insert(NotificationItem).from_select(["plan_id", "person_id", "kind"], removed))

    await _summaries(session, plan.id, organisation_id, licence_id, day, people, told, only)

    # Someone told by an earlier run of this day keeps that digest: the unique key skips them.
    written = _people_with_lines(plan.id)
    created = await _insert_new(
        session, NotificationDelivery,
        ["person_id", "organisation_id", "plan_id", "local_date", "status", "attempts", "created_at"],
        select(
            written.c.person_id, literal(organisation_id), literal(plan.id), literal(day),
            literal(DeliveryStatus.PENDING.value), literal(0), literal(now, UTCDateTime()),
        ),
        ["person_id", "organisation_id", "local_date"],
    )
    await session.execute(delete(NotificationPlanTarget).where(NotificationPlanTarget.plan_id == plan.id))
    if tell is TELLABLE:  # a preview may plan again in the same transaction
        await (await session.connection()).run_sync(TELLABLE.drop)
    return PlannedDay(plan.id, organisation_id, day, created.rowcount or 0)


def _people_with_lines(plan_id: int) -> Subquery:
    """Each person with a line in the plan, once, by stepping through the plan's index from
    one person to the next: a large school's millions of lines are neither read nor sorted
    (the statistics, taken before the plan wrote them, call them few)."""
    item = NotificationItem
    first = select(func.min(item.person_id).label("person_id")).where(item.plan_id == plan_id) \
        .cte("written", recursive=True, nesting=True)
    following = select(func.min(item.person_id)).where(item.plan_id == plan_id, item.person_id > first.c.person_id) \
        .scalar_subquery()
    steps = first.union_all(select(following).where(first.c.person_id.is_not(None)))
    # Within the INSERT's SELECT: SQLite counts the rows of no INSERT that starts with WITH.
    return select(steps.c.person_id).where(steps.c.person_id.is_not(None)).subquery("written_people")


# PostgreSQL: the people a plan tells, made and dropped by the plan (models.py holds no
# scratch of this kind: an array column is PostgreSQL's alone).
TELLABLE = Table("tellable", MetaData(), Column("person_id", Integer), Column("signature", String),
                 Column("completed", ARRAY(Integer)), Column("changed", Boolean), Column("reminded", Boolean),
                 prefixes=["TEMPORARY"], postgresql_on_commit="DROP")


async def _scratch(session: AsyncSession, table: Table, rows: Select) -> Table:
    """`rows` in a temporary table of the transaction, with statistics."""
    await (await session.connection()).run_sync(table.create)
    await session.execute(insert(table).from_select(list(table.c.keys()), rows))
    await session.execute(text(f"ANALYZE {table.name}"))
    return table


async def _summaries(session: AsyncSession, plan_id: int, organisation_id: int, licence_id: int, day: date,
                     people: CTE, told: Callable[[Any], ColumnElement[bool]], only: Sequence[int] | None = None,
                     ) -> None:
    """The overdue summaries due today, as lines of their recipients' digests: the targets
    of each recipient's people (permissions/policy.py's `overseen`) past their effective
    due date and not completed; STILL_OVERDUE where the recipient's last summary had the
    same person and course, else NEWLY_OVERDUE; the latest SUMMARY_LINES of each.

    Ranking every overdue line of a large school costs as much as its reminders, so the
    new lines are looked for among the latest dates first: those that hold several times
    what a summary shows. A recipient left short (their people are few, or done) is
    looked for again among all dates. One statement when no summary is due; five, or
    seven when the latest dates were searched first."""
    due_today = or_(OverdueSummary.frequency == SummaryFrequency.DAILY,
                    and_(OverdueSummary.frequency == SummaryFrequency.WEEKLY,
                         OverdueSummary.weekday == day.isoweekday()))
    due = and_(
        OverdueSummary.organisation_id == organisation_id, due_today, ~told(OverdueSummary.person_id),
        *([] if only is None else [OverdueSummary.person_id.in_(list(only))]),
        # An operator's rerun of an older day leaves the later summaries' reckoning alone.
        or_(OverdueSummary.last_sent_on.is_(None), OverdueSummary.last_sent_on < day),
    )
    if (await session.execute(select(OverdueSummary.id).where(due).limit(1))).first() is None:
        return
    since = await _latest_dates(session, plan_id, day, people)
    recipients = select(OverdueSummary.person_id.label("recipient"), OverdueSummary.last_sent_on).where(due) \
        .cte("recipients")
    await _summary_lines(session, plan_id, organisation_id, licence_id, day, people, recipients, since=since)
    await _summary_lines(session, plan_id, organisation_id, licence_id, day, people, recipients, still=True)
    if since is not None:
        new = NotificationItem.kind == NotificationKind.NEWLY_OVERDUE
        found = (
            select(NotificationItem.person_id)
            .where(NotificationItem.plan_id == plan_id, new)
            .group_by(NotificationItem.person_id)
            .having(func.count() >= SUMMARY_LINES)
        )
        short = recipients.c.recipient.not_in(found)
        await session.execute(delete(NotificationItem).where(
            NotificationItem.plan_id == plan_id, new,
            NotificationItem.person_id.in_(select(recipients.c.recipient).where(short)),
        ))
        await _summary_lines(session, plan_id, organisation_id, licence_id, day, people, recipients, short=short)
    await session.execute(update(OverdueSummary).where(due).values(last_sent_on=day))


# How many times the lines a summary shows the latest dates must hold, counted before
# completions and oversight, for its new lines to be looked for among them first.
LATEST_MARGIN = 10


async def _latest_dates(session: AsyncSession, plan_id: int, day: date, people: CTE) -> date | None:
    """The earliest of the latest overdue dates that hold, counted per signature before
    completions and oversight, several times the lines a summary shows; None for all."""
    staged = NotificationPlanTarget
    per_signature = select(people.c.signature, func.count().label("people")).group_by(people.c.signature) \
        .subquery("per_signature")
    rows = await session.execute(
        select(staged.due_on, func.sum(per_signature.c.people))
        .join(per_signature, per_signature.c.signature == staged.signature)
        .where(staged.plan_id == plan_id, staged.due_on < day)
        .group_by(staged.due_on)
        .order_by(staged.due_on.desc())
    )
    held = 0
    for on, lines in rows:
        held += lines
        if held >= LATEST_MARGIN * SUMMARY_LINES:
            return on
    return None


async def _summary_lines(session: AsyncSession, plan_id: int, organisation_id: int, licence_id: int, day: date,
                         people: CTE, recipients: CTE, *, since: date | None = None, still: bool = False,
                         short: ColumnElement[bool] | None = None) -> None:
    """One kind's lines for the recipients (those `short` only, if given): the new ones due
    on or after `since` (all, if None), or with `still`, those of the last summary."""
    oversees = policy.overseen(recipients, organisation_id, licence_id, people).subquery("oversees")
    staged = NotificationPlanTarget
    last, last_plan = aliased(NotificationItem), aliased(NotificationPlan)
    # The recipients' last summaries, read first by their plan: a few rows each.
    lines = (
        select(last.person_id, last.about_person_id, last.course_id)
        .select_from(recipients)
        .join(last_plan, and_(last_plan.organisation_id == organisation_id,
                              last_plan.local_date == recipients.c.last_sent_on))
        .join(last, and_(last.plan_id == last_plan.id, last.person_id == recipients.c.recipient,
                         last.kind.in_([kind.value for kind in SUMMARY])))
        .cte("last_lines").prefix_with("MATERIALIZED")
    )
    kind = NotificationKind.STILL_OVERDUE if still else NotificationKind.NEWLY_OVERDUE
    overdue = select(
        oversees.c.recipient.label("person_id"), literal(kind.value).label("kind"), staged.course_id,
        Course.title.label("course_title"), staged.list_names, staged.due_on,
        people.c.person_id.label("about_person_id"), Person.display_name.label("about_name"),
    )
    if still:  # those of the last summary still overdue
        overdue = (
            overdue.select_from(lines)
            .join(oversees, and_(oversees.c.recipient == lines.c.person_id,
                                 oversees.c.person_id == lines.c.about_person_id))
            .join(people, people.c.person_id == lines.c.about_person_id)
            .join(staged, and_(staged.signature == people.c.signature, staged.plan_id == plan_id,
                               staged.course_id == lines.c.course_id))
        )
    else:
        listed = exists().where(lines.c.person_id == oversees.c.recipient,
                                lines.c.about_person_id == people.c.person_id, lines.c.course_id == staged.course_id)
        overdue = (
            overdue.select_from(oversees)
            .join(recipients, recipients.c.recipient == oversees.c.recipient)
            .join(people, people.c.person_id == oversees.c.person_id)
            .join(staged, and_(staged.signature == people.c.signature, staged.plan_id == plan_id))
            .where(~listed)
        )
    overdue = (
        overdue.join(Course, Course.id == staged.course_id)
        .join(Person, Person.id == people.c.person_id)
        .where(
            staged.due_on < day, oversees.c.person_id != oversees.c.recipient, unfinished_by(people.c.person_id),
        )
    )
    if since is not None:
        overdue = overdue.where(staged.due_on >= since)
    if short is not None:
        overdue = overdue.where(short)
    overdue = overdue.subquery("overdue")
    # The latest first, as the email lists them; the group reports hold the rest.
    place = func.row_number().over(
        partition_by=overdue.c.person_id,
        order_by=[overdue.c.due_on.desc(), overdue.c.about_name, overdue.c.course_title, overdue.c.course_id],
    )
    ranked = select(overdue, place.label("place")).subquery("ranked")
    columns = ["person_id", "kind", "course_id", "course_title", "list_names", "due_on", "about_person_id",
               "about_name"]
    await session.execute(
        insert(NotificationItem).from_select(
            ["plan_id", *columns],
            select(literal(plan_id), *(ranked.c[c] for c in columns)).where(ranked.c.place <= SUMMARY_LINES),
        )
    )


async def _insert_new(session: AsyncSession, model: type, columns: list[str], rows: Select,
                      key: list[str], key_where: ColumnElement[bool] | None = None) -> CursorResult:
    """INSERT ... SELECT, skipping rows whose unique key is taken. Skipped by the index
    rather than by a NOT EXISTS on the table being filled, which a planner may rescan
    once per row as the statement's own rows pile up."""
    if rows.whereclause is None:  # SQLite reads an ON CONFLICT straight after FROM as a join's ON
        rows = rows.where(true())
    statement = conflict_insert(session, model).from_select(columns, rows)
    return await session.execute(statement.on_conflict_do_nothing(index_elements=key, index_where=key_where))


async def licensed_schools(db: Database) -> list[int]:
    async with db.read() as session:
        rows = await session.execute(select(Licence.organisation_id).order_by(Licence.organisation_id))
        return list(rows.scalars())


async def due_days(db: Database, now: datetime, catch_up_days: int = 7) -> list[tuple[int, date]]:
    """(school, day) pairs to plan, oldest first: every school-local day whose send hour has
    come since the school's last planned day, at most `catch_up_days` of them (the latest
    day and those before it). Days missed beyond that are logged as skipped; a school
    never planned starts with its latest day."""
    last = (
        select(NotificationPlan.organisation_id, func.max(NotificationPlan.local_date).label("day"))
        .group_by(NotificationPlan.organisation_id)
        .subquery()
    )
    async with db.read() as session:
        schools = (
            await session.execute(
                select(
                    Organisation.id, Organisation.time_zone,
                    func.coalesce(NotificationSettings.send_hour, Rules.send_hour), last.c.day,
                )
                .join(Licence, Licence.organisation_id == Organisation.id)
                .outerjoin(NotificationSettings, NotificationSettings.organisation_id == Organisation.id)
                .outerjoin(last, last.c.organisation_id == Organisation.id)
                .order_by(Organisation.id)
            )
        ).all()
    due = []
    for school, zone, hour, planned in schools:
        latest = day_to_plan(now, zone, hour)
        first = latest if planned is None else planned + timedelta(days=1)
        earliest = latest - timedelta(days=catch_up_days - 1)
        if first < earliest:
            log.warning("school %s: days %s to %s were never planned and are beyond the %d-day catch-up window; "
                        "`trellis notify day` plans one by hand", school, first, earliest - timedelta(days=1),
                        catch_up_days)
            first = earliest
        due += [(school, first + timedelta(days=n)) for n in range((latest - first).days + 1)]
    return sorted(due, key=lambda pair: (pair[1], pair[0]))


async def deliveries_to_send(db: Database, now: datetime, *, requeue_after: timedelta, lease: timedelta,
                             limit: int = 1000) -> list[int]:
    """Deliveries waiting for a worker: never enqueued, or enqueued so long ago that the
    message must have been lost, or claimed by a worker that died. A RETRYING delivery
    is the broker's while its retry waits: it is handed over again only once that retry
    is `requeue_after` overdue (its message lost), so no second retry chain starts."""
    stale = now - requeue_after
    not_handed_over = or_(NotificationDelivery.enqueued_at.is_(None), NotificationDelivery.enqueued_at < stale)
    retry_lost = or_(NotificationDelivery.retry_at.is_(None), NotificationDelivery.retry_at < stale)
    waiting = or_(
        and_(NotificationDelivery.status == DeliveryStatus.PENDING, not_handed_over),
        and_(NotificationDelivery.status == DeliveryStatus.RETRYING, retry_lost, not_handed_over),
        and_(NotificationDelivery.status == DeliveryStatus.SENDING, NotificationDelivery.claimed_at < now - lease,
             not_handed_over),
    )
    async with db.read() as session:
        rows = await session.execute(
            select(NotificationDelivery.id).where(waiting).order_by(NotificationDelivery.id).limit(limit)
        )
        return list(rows.scalars())


async def mark_enqueued(db: Database, ids: Sequence[int], now: datetime) -> None:
    if ids:
        async with db.write() as session:
            await session.execute(
                update(NotificationDelivery).where(NotificationDelivery.id.in_(list(ids))).values(enqueued_at=now)
            )


Enqueue = Callable[[int], None]


async def enqueue_waiting(db: Database, now: datetime, enqueue: Enqueue, *, requeue_after: timedelta,
                          lease: timedelta) -> int:
    """Hand waiting deliveries to the broker. If the broker is down, what was not handed
    over stays waiting for the next tick; a delivery enqueued twice is sent once."""
    total = 0
    while ids := await deliveries_to_send(db, now, requeue_after=requeue_after, lease=lease):
        handed: list[int] = []
        try:
            for delivery_id in ids:
                enqueue(delivery_id)
                handed.append(delivery_id)
        except Exception:
            log.exception("broker unavailable; %d deliveries wait for the next tick", len(ids) - len(handed))
            await mark_enqueued(db, handed, now)
            return total + len(handed)
        await mark_enqueued(db, handed, now)
        total += len(handed)
    return total


async def tick(db: Database, now: datetime, enqueue: Enqueue, *, requeue_after: timedelta,
               lease: timedelta, catch_up_days: int = 7) -> list[PlannedDay]:
    """One scheduler tick: end the seats whose leaving date has come (so the day's plan
    no longer counts them), plan every school day that has come, missed ones first (each
    judged as of its own day), then enqueue."""
    try:
        await end_leavers(db, now)
    except Exception:  # the day's digests matter more; the next tick tries again
        log.exception("finding the seats of leavers failed")
    planned = []
    due = await due_days(db, now, catch_up_days)
    latest = {school: day for school, day in due}  # sorted oldest first: the last one stays
    for organisation_id, day in due:
        try:
            await group_rules.follow_day(db, SCHEDULER, organisation_id, day)
        except Exception:  # the day's digests matter more; the next day's tick tries again
            log.exception("school %s: following its groups' rules on %s failed", organisation_id, day)
        result = await plan_day(db, organisation_id, day, now)
        if result is not None:
            planned.append(result)
            late = " (catching up a missed day)" if day < latest[organisation_id] else ""
            log.info("planned %s for school %s%s: %d digest(s)", day, organisation_id, late, result.deliveries)
    await enqueue_waiting(db, now, enqueue, requeue_after=requeue_after, lease=lease)
    return planned


async def _next_send(session: AsyncSession, organisation_id: int, now: datetime,
                     only: Sequence[int] | None, day: date | None = None) -> PlannedDay | None:
    """The school's next send planned in the caller's transaction (a preview's, which rolls
    back): `day`, or the first day after the last one planned whose send hour has come, or
    the one to come; for `only` those people, or everyone."""
    if day is not None:
        return await _plan(session, organisation_id, day, now, rerun=False, only=only)
    rules = await rules_of(session, organisation_id)
    zone = (await session.get_one(Organisation, organisation_id)).time_zone
    last = (await session.execute(select(func.max(NotificationPlan.local_date))
                                  .where(NotificationPlan.organisation_id == organisation_id))).scalar_one()
    day = day_to_plan(now, zone, rules.send_hour)
    if last is not None and last >= day:
        day = last + timedelta(days=1)
    return await _plan(session, organisation_id, day, now, rerun=False, only=only)


async def lines_of(session: AsyncSession, plan_id: int, people: Sequence[int]) -> dict[int, list[Any]]:
    """Each of `people`'s lines in a plan, in digest order: rows, not ORM objects, as they
    outlive the transaction a preview rolls back."""
    lines: dict[int, list[Any]] = {}
    rows = await session.execute(
        select(NotificationItem.person_id, NotificationItem.kind, NotificationItem.course_title,
               NotificationItem.list_names, NotificationItem.due_on, NotificationItem.about_name)
        .where(NotificationItem.plan_id == plan_id, NotificationItem.person_id.in_(list(people)))
        .order_by(NotificationItem.person_id, *digest_order()))
    for row in rows:
        lines.setdefault(row.person_id, []).append(row)
    return lines


async def next_digests(session: AsyncSession, organisation_id: int, now: datetime,
                       people: Sequence[int]) -> tuple[date | None, dict[int, list[Any]]]:
    """The school's next send (`_next_send`), planned for `people` alone: its day and each
    person's lines, in digest order."""
    if not people:
        return None, {}
    planned = await _next_send(session, organisation_id, now, people)
    if planned is None:
        return None, {}
    return planned.local_date, await lines_of(session, planned.plan_id, people)


async def next_send_fingerprints(session: AsyncSession, organisation_id: int, now: datetime,
                                 day: date | None = None) -> tuple[date | None, int | None, dict[int, str]]:
    """The school's next send (or `day`'s) planned for everyone (`_next_send`): its day,
    its plan, and for each person it writes to, a fingerprint of their digest (an MD5 of
    its lines in order), so two sends can be compared person by person without holding
    their lines."""
    planned = await _next_send(session, organisation_id, now, None, day)
    if planned is None:
        return None, None, {}
    item = NotificationItem
    parts = [func.coalesce(cast(column, String), "") for column in (item.course_id, item.due_on, item.about_person_id)]
    line = cast(item.kind, String).concat("|").concat(parts[0]).concat("|").concat(parts[1]).concat("|") \
        .concat(parts[2])
    whole = func.aggregate_strings(line, ";").over(
        partition_by=item.person_id, order_by=[item.kind, item.course_id, item.due_on, item.about_person_id],
        rows=(None, None))
    each = select(item.person_id, whole.label("lines")).where(item.plan_id == planned.plan_id).distinct() \
        .subquery("each")
    rows = await session.execute(select(each.c.person_id, func.md5(each.c.lines)))
    return planned.local_date, planned.plan_id, dict(rows.all())


class NextSend:
    """The next send as a preview asks it of planning (resolvers/previews.NextSend)."""

    digests = staticmethod(next_digests)
    fingerprints = staticmethod(next_send_fingerprints)
    lines = staticmethod(lines_of)


NEXT_SEND = NextSend()
