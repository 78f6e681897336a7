"""Previewing a change (issue 18): the mutation runs as it would, in its transaction,
and is rolled back; what it would change is read in between. The same code applies the
change and answers the preview, so the two cannot disagree.

What it would change is told as paths: the staff whose learning paths change (courses
added, removed, or moved to a new effective due date) and the targets that would be
overdue at once. Paths come from resolvers/reach.py before and after the change, one per
distinct signature, and the staff's signatures are kept in `preview_reach` (rows never
committed), so SQL pairs each person's two signatures and Python compares each distinct
pair of paths once: a fixed number of statements however large the school. Each listed
person's next digest is planned by the scheduler's code (NextSend) for them alone. A
change to digests rather than paths (a school's settings) is told by the digests it
changes: the next send is planned for everyone before the change (to a savepoint, rolled
back) and after it, and compared person by person through fingerprints made in SQL.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import Text, and_, exists, func, literal, null, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.local_time import local_today
from domain.models import (
    Enrolment, Licence, Membership, NotificationSettings, Organisation, Person, PreviewReach, utcnow,
)
from domain.notifications import Rules
from resolvers.reach import Placed, Reach, reach

# The people a preview lists, by name; `people_affected` counts them all.
PREVIEW_PEOPLE = 100
BEFORE, AFTER = "before", "after"


@dataclass(frozen=True)
class Moved:
    course_id: int
    was: date | None
    now: date | None


@dataclass
class PathChange:
    person_id: int
    added: list[int]
    removed: list[int]
    moved: list[Moved]
    overdue_at_once: list[int]  # due before today once changed, not before it, and not completed
    next_digest: list[Any] = field(default_factory=list)  # their lines of the next send (NotificationItem rows)


@dataclass
class Preview:
    organisation_id: int
    on: date  # the school-local day it is judged on
    people_affected: int
    people: list[PathChange]  # the first PREVIEW_PEOPLE, by name
    next_send: date | None = None  # the day of the next send their digests were planned for


@dataclass
class Capture:
    licence_id: int | None  # None: the school has no licence, so nothing to tell
    organisation_id: int
    on: date
    due_soon_days: int
    before: Reach | None
    now: datetime
    # With digests compared (a settings change): the next send's day, and each person's
    # fingerprint of its digest before the change (NextSend.fingerprints). The digest
    # after is planned for the same day, at the same moment.
    send_day: date | None = None
    prints_before: dict[int, str] | None = None


class NextSend(Protocol):
    """What a preview asks of the scheduler's planning (jobs/planning.NEXT_SEND, which the
    app hands down): the school's next send planned in the preview's transaction."""

    async def digests(self, session: AsyncSession, organisation_id: int, now: datetime,
                      people: list[int]) -> tuple[date | None, dict[int, list[Any]]]:
        """Planned for `people` alone: its day, and their lines."""

    async def fingerprints(self, session: AsyncSession, organisation_id: int, now: datetime,
                           day: date | None = None) -> tuple[date | None, int | None, dict[int, str]]:
        """Planned for everyone (on `day`, if given): its day, its plan, and a fingerprint
        of each digest."""

    async def lines(self, session: AsyncSession, plan_id: int, people: list[int]) -> dict[int, list[Any]]:
        """The lines of `people` in a plan already made."""


class Previewed(Exception):  # noqa: N818 - not an error: the way out that rolls the change back
    """Raised inside a unit of work with the preview, so nothing of the change is kept."""

    def __init__(self, preview: Preview) -> None:
        super().__init__("previewed")
        self.preview = preview


async def school_of(session: AsyncSession, found: Any) -> tuple[int | None, int, str]:
    """(licence, school, time zone) of what a previewed mutation acts on: a group or a list
    in its school, a seat or a membership, a licence, or the organisation itself (no
    licence: nothing to tell, once the change has answered as it would)."""
    licence = getattr(found, "licence", found if isinstance(found, Licence) else None)
    school_id = (found.id if isinstance(found, Organisation) else found.organisation_id
                 if isinstance(found, Membership) else licence.organisation_id)
    if licence is None:
        licence = (await session.execute(select(Licence).where(Licence.organisation_id == school_id))).scalar()
    school = found if isinstance(found, Organisation) else await session.get_one(Organisation, school_id)
    return None if licence is None else licence.id, school.id, school.time_zone


async def begin(session: AsyncSession, licence_id: int, organisation_id: int, zone: str,
                next_send: NextSend | None = None) -> Capture:
    """The paths before the change, on the school's today; with `next_send`, also every
    digest of the next send as it stands, planned and rolled back to a savepoint, for a
    change whose effect is on digests rather than paths."""
    settings = await session.get(NotificationSettings, organisation_id)
    due_soon_days = Rules().due_soon_days if settings is None else settings.due_soon_days
    on, now = local_today(zone), utcnow()
    if licence_id is None:
        return Capture(None, organisation_id, on, due_soon_days, None, now)
    before = await _capture(session, licence_id, organisation_id, on, due_soon_days, BEFORE)
    capture = Capture(licence_id, organisation_id, on, due_soon_days, before, now)
    if next_send is not None:
        savepoint = await session.begin_nested()
        capture.send_day, _plan, capture.prints_before = await next_send.fingerprints(session, organisation_id, now)
        await savepoint.rollback()
    return capture


async def _capture(session: AsyncSession, licence_id: int, organisation_id: int, on: date, due_soon_days: int,
                   phase: str) -> Reach:
    await session.flush()
    found = await reach(session, licence_id, organisation_id, on, due_soon_days, whole_paths=True)
    await session.execute(PreviewReach.__table__.insert().from_select(
        ["phase", "person_id", "signature"],
        select(literal(phase), found.people.c.person_id, found.people.c.signature)))
    return found


def _changed(was: list[Placed], now: list[Placed]) -> tuple[list[int], list[int], list[Moved]]:
    before = {p.course_id: p.due_on for p in was}
    after = {p.course_id: p.due_on for p in now}
    added = [c for c in after if c not in before]
    removed = [c for c in before if c not in after]
    moved = [Moved(c, before[c], after[c]) for c in after if c in before and before[c] != after[c]]
    return added, removed, moved


async def finish(session: AsyncSession, capture: Capture, next_send: NextSend | None = None) -> Preview:
    """What the change made of everyone's path, and with `next_send`, each listed person's
    next digest as the change leaves it (and, where `begin` compared digests, everyone's
    whose digest changes is listed too): call once the change is applied."""
    if capture.licence_id is None or capture.before is None:
        return Preview(capture.organisation_id, capture.on, 0, [])
    after = await _capture(session, capture.licence_id, capture.organisation_id, capture.on, capture.due_soon_days,
                           AFTER)
    b, a = aliased(PreviewReach), aliased(PreviewReach)
    joined = (
        select(b.person_id, b.signature.label("was"), a.signature.label("now"))
        .select_from(b).outerjoin(a, and_(a.phase == AFTER, a.person_id == b.person_id)).where(b.phase == BEFORE)
        .union_all(
            select(a.person_id, null().cast(Text).label("was"), a.signature.label("now"))
            .where(a.phase == AFTER, ~exists().where(b.phase == BEFORE, b.person_id == a.person_id)))
        .subquery("pairs")
    )
    pairs = (await session.execute(
        select(joined.c.was, joined.c.now, func.count()).group_by(joined.c.was, joined.c.now))).all()
    paths_before, paths_after = capture.before.paths, after.paths
    changing = {}
    for was, now, _count in pairs:
        change = _changed(paths_before.get(was, []) if was else [], paths_after.get(now, []) if now else [])
        if any(change):
            changing[was, now] = change
    total = sum(count for was, now, count in pairs if (was, now) in changing)
    digest_changed: set[int] = set()
    send_day = plan_id = None
    if capture.prints_before is not None and next_send is not None:
        send_day, plan_id, prints = await next_send.fingerprints(session, capture.organisation_id, capture.now,
                                                                 capture.send_day)
        before = capture.prints_before
        digest_changed = {p for p in before.keys() | prints.keys() if before.get(p) != prints.get(p)}
    if not changing and not digest_changed:
        return Preview(capture.organisation_id, capture.on, 0, [], send_day)
    # By name, read until PREVIEW_PEOPLE changed: streamed, so a school's every row is never
    # held, and with no list of pairs to bind, however many distinct pairs change. Where
    # digests were compared, everyone is read, to count them.
    named, counted, seen = [], 0, set()
    result = await session.stream(
        select(joined.c.person_id, joined.c.was, joined.c.now, Person.display_name)
        .join(Person, Person.id == joined.c.person_id)
        .order_by(Person.display_name, Person.id))
    async for person_id, was, now, name in result:
        if digest_changed:
            seen.add(person_id)
        if (was, now) in changing or person_id in digest_changed:
            counted += 1
            if len(named) < PREVIEW_PEOPLE:
                named.append((name, person_id, was, now))
            elif not digest_changed:
                break
    await result.close()
    if digest_changed:
        # Someone whose digest changes but who has no targets (a summary's recipient) is in
        # no pair: counted, and listed among the others by name.
        alone = sorted(digest_changed - seen)
        total = counted + len(alone)
        if alone:
            extra = await session.execute(select(Person.display_name, Person.id).where(Person.id.in_(alone))
                                          .order_by(Person.display_name, Person.id).limit(PREVIEW_PEOPLE))
            named = sorted(named + [(name, pk, None, None) for name, pk in extra], key=lambda r: (r[0], r[1]))
            named = named[:PREVIEW_PEOPLE]
    rows = [(person_id, was, now) for _name, person_id, was, now in named]
    people = await _people(session, rows, changing, paths_after, capture.on)
    if next_send is not None and people:
        listed = [p.person_id for p in people]
        if plan_id is not None:
            lines = await next_send.lines(session, plan_id, listed)
        else:
            send_day, lines = await next_send.digests(session, capture.organisation_id, utcnow(), listed)
        for person in people:
            person.next_digest = lines.get(person.person_id, [])
    return Preview(capture.organisation_id, capture.on, total, people, send_day)


async def _people(session: AsyncSession, rows: Any, changing: dict, paths_after: dict[str, list[Placed]],
                  on: date) -> list[PathChange]:
    """Each listed person's change, with the targets it makes overdue at once: due before
    `on` now and not before, and neither completed nor due again."""
    overdue: dict[int, list[tuple[int, bool]]] = {}
    for person_id, was, now in rows:
        _added, _removed, moved = changing.get((was, now), ([], [], []))
        fresh = {c for c in _added} | {m.course_id for m in moved if m.was is None or m.was >= on}
        overdue[person_id] = [(p.course_id, p.reopened) for p in (paths_after.get(now, []) if now else [])
                              if p.course_id in fresh and p.due_on is not None and p.due_on < on]
    asked = [(person, course) for person, courses in overdue.items() for course, reopened in courses if not reopened]
    completed: set[tuple[int, int]] = set()
    if asked:
        completed = set((await session.execute(
            select(Enrolment.person_id, Enrolment.course_id).where(
                tuple_(Enrolment.person_id, Enrolment.course_id).in_(asked), Enrolment.completed_at.is_not(None))
        )).all())
    people = []
    for person_id, was, now in rows:
        added, removed, moved = changing.get((was, now), ([], [], []))
        people.append(PathChange(person_id, added, removed, moved,
                                 [c for c, _ in overdue[person_id] if (person_id, c) not in completed]))
    return people
