"""A school's roster import (domain/roster.py says what a file means): the whole file
applied in the caller's one transaction, each change audited in it, or with `dry_run`
only told. The command line and the API both call `import_roster`."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select

from domain import roster
from domain.audit import AuditAction, snapshot
from domain.errors import Invalid
from domain.local_time import local_today
from domain.models import (
    GroupKind, Licence, Membership, MembershipRole, Organisation, OrganisationKind, Person, Seat, StaffGroup,
    StaffGroupMember, SubscriptionKind,
)
from domain.roster import Change, ChangeKind, Held
from resolvers import members, outbox
from resolvers.unit_of_work import UnitOfWork


@dataclass
class RosterImport:
    school: Organisation
    rows: int  # the file's rows of people
    changes: list[Change]
    dry_run: bool

    @property
    def applied(self) -> bool:
        return bool(self.changes) and not self.dry_run


async def _licence(uow: UnitOfWork, school: Organisation) -> Licence:
    licence = None
    if school.kind == OrganisationKind.SCHOOL:
        licence = (
            await uow.session.execute(select(Licence).where(Licence.organisation_id == school.id))
        ).scalar_one_or_none()
    if licence is None:
        raise Invalid(f"{school.name} has no licence: a roster goes to a school with one.", "schoolId")
    return licence


async def _held(uow: UnitOfWork, school: Organisation, licence: Licence, emails: list[str]) -> dict[str, Held]:
    """What the school holds of each email, in three statements."""
    people = {
        p.email: p for p in (await uow.session.execute(select(Person).where(Person.email.in_(emails)))).scalars()
    }
    ids = [p.id for p in people.values()]
    roles = dict((await uow.session.execute(
        select(Membership.person_id, Membership.role).where(
            Membership.organisation_id == school.id, Membership.person_id.in_(ids))
    )).all())
    seats = {s.person_id: s for s in (await uow.session.execute(
        select(Seat).where(Seat.licence_id == licence.id, Seat.person_id.in_(ids))
    )).scalars()}
    groups: dict[int, set[str]] = defaultdict(set)
    for person_id, name in (await uow.session.execute(
        select(StaffGroupMember.person_id, StaffGroup.name)
        .join(StaffGroup, StaffGroup.id == StaffGroupMember.group_id)
        .where(StaffGroup.licence_id == licence.id, StaffGroup.kind == GroupKind.STAFF, StaffGroup.rule.is_(None),
               StaffGroupMember.person_id.in_(ids))
    )).all():
        groups[person_id].add(name)
    return {
        email: Held(
            person_id=p.id, role=roles.get(p.id),
            seat=SubscriptionKind(seats[p.id].subscription) if p.id in seats else None,
            seat_active=p.id in seats and seats[p.id].active, groups=frozenset(groups[p.id]),
            leaves_on=seats[p.id].leaves_on if p.id in seats else None,
            job_title=seats[p.id].job_title if p.id in seats else None,
        )
        for email, p in people.items()
    }


async def import_roster(uow: UnitOfWork, school: Organisation, *, csv: str, dry_run: bool = False) -> RosterImport:
    """Bring the school's staff in line with a roster CSV: people added, seats added,
    changed, reactivated or ended, group joins and leaves. All of it or nothing; each change
    audited, and the import itself. Run again with the same file, it changes nothing."""
    licence = await _licence(uow, school)
    school = await members.lock_organisation(uow, school.id)
    rows = roster.parse(csv)
    held = await _held(uow, school, licence, [r.email for r in rows])
    group_rows = (await uow.session.execute(
        select(StaffGroup).where(StaffGroup.licence_id == licence.id, StaffGroup.kind == GroupKind.STAFF)
    )).scalars().all()
    # Rule-based groups keep themselves: a file neither names them nor takes anyone out.
    staff_groups = {g.name: g for g in group_rows if g.rule is None}
    changes = roster.plan(rows, held, set(staff_groups), local_today(school.time_zone), school.name,
                          frozenset(g.name for g in group_rows if g.rule is not None))
    result = RosterImport(school, len(rows), changes, dry_run)
    if not result.applied:
        uow.nothing_changed()
        return result
    await _apply(uow, school, licence, staff_groups, {r.email: r for r in rows}, changes)
    await uow.audit(AuditAction.ROSTER_IMPORTED, target=school, organisation_id=school.id, licence_id=licence.id,
                    what=f"imported a roster of {len(rows)} people into {school.name}: {len(changes)} change(s)",
                    after={"rows": len(rows), "changes": [str(c) for c in changes]})
    return result


async def _apply(  # noqa: C901 - one branch per kind of change, in the plan's order
    uow: UnitOfWork, school: Organisation, licence: Licence, staff_groups: dict[str, StaffGroup],
    rows: dict[str, roster.RosterRow], changes: list[Change],
) -> None:
    session = uow.session
    where = {"organisation_id": school.id, "licence_id": licence.id}
    people = {p.email: p for p in (await session.execute(
        select(Person).where(Person.email.in_({c.email for c in changes}))
    )).scalars()}
    joined: dict[str, list[int]] = defaultdict(list)
    left: dict[str, list[int]] = defaultdict(list)

    async def seat_of(person: Person) -> Seat:
        stmt = select(Seat).where(Seat.licence_id == licence.id, Seat.person_id == person.id)
        return (await session.execute(stmt)).scalar_one()

    for change in changes:
        row = rows[change.email]
        match change.kind:
            case ChangeKind.PERSON_ADDED:
                person = Person(email=row.email, display_name=row.name)
                session.add(person)
                await session.flush()
                people[row.email] = person
            case ChangeKind.MEMBER_ADDED:
                person = people[row.email]
                membership = Membership(organisation_id=school.id, person_id=person.id, role=MembershipRole.MEMBER)
                session.add(membership)
                await session.flush()
                await uow.audit(AuditAction.MEMBER_ADDED, target=membership, organisation_id=school.id,
                                what=f"added {person.display_name} to {school.name} as Member (roster import)",
                                after=snapshot(membership, person=snapshot(person)))
            case ChangeKind.SEAT_ADDED:
                person = people[row.email]
                seat = Seat(licence_id=licence.id, person_id=person.id, subscription=row.seat)
                session.add(seat)
                await session.flush()
                await outbox.reach_changed(uow, school.id, licence.id, person.id)
                await uow.audit(AuditAction.SEAT_ADDED, target=seat, **where,
                                what=f"gave {person.display_name} a seat in {school.name} (roster import)",
                                after=snapshot(seat))
            case ChangeKind.SEAT_REACTIVATED | ChangeKind.SEAT_ENDED:
                person = people[row.email]
                seat = await seat_of(person)
                before = snapshot(seat)
                ending = change.kind == ChangeKind.SEAT_ENDED
                if ending:
                    await outbox.reach_changed(uow, school.id, licence.id, person.id)
                    seat.leaves_on = row.leaving_on
                seat.active = not ending
                await session.flush()
                if not ending:
                    await outbox.reach_changed(uow, school.id, licence.id, person.id)
                verb = f"deactivated {person.display_name}'s seat in {school.name}, leaving on " \
                    f"{row.leaving_on}" if ending else f"reactivated {person.display_name}'s seat in {school.name}"
                await uow.audit(AuditAction.SEAT_DEACTIVATED if ending else AuditAction.SEAT_REACTIVATED,
                                target=seat, **where, what=f"{verb} (roster import)", before=before,
                                after=snapshot(seat))
            case ChangeKind.SEAT_CHANGED:
                person = people[row.email]
                seat = await seat_of(person)
                before = snapshot(seat)
                await outbox.reach_changed(uow, school.id, licence.id, person.id)
                seat.subscription = row.seat
                await session.flush()
                await outbox.reach_changed(uow, school.id, licence.id, person.id)
                await uow.audit(AuditAction.SEAT_CHANGED, target=seat, **where,
                                what=f"changed {person.display_name}'s seat in {school.name} to {row.seat} "
                                     "(roster import)", before=before, after=snapshot(seat))
            case ChangeKind.LEAVING_SET | ChangeKind.LEAVING_CLEARED:
                person = people[row.email]
                seat = await seat_of(person)
                before = snapshot(seat)
                seat.leaves_on = date.fromisoformat(change.detail) if change.kind == ChangeKind.LEAVING_SET else None
                await session.flush()
                what = (f"set {person.display_name}'s leaving date in {school.name} to {change.detail}"
                        if seat.leaves_on else f"cleared {person.display_name}'s leaving date in {school.name}")
                await uow.audit(AuditAction.SEAT_CHANGED, target=seat, **where, what=f"{what} (roster import)",
                                before=before, after=snapshot(seat))
            case ChangeKind.JOB_TITLE_SET:
                person = people[row.email]
                seat = await seat_of(person)
                before = snapshot(seat)
                seat.job_title = change.detail or None
                await session.flush()
                what = (f"set {person.display_name}'s job title in {school.name} to {change.detail}" if change.detail
                        else f"cleared {person.display_name}'s job title in {school.name}")
                await uow.audit(AuditAction.SEAT_CHANGED, target=seat, **where, what=f"{what} (roster import)",
                                before=before, after=snapshot(seat))
            case ChangeKind.GROUP_JOINED:
                joined[change.detail].append(people[row.email].id)
            case ChangeKind.GROUP_LEFT:
                left[change.detail].append(people[row.email].id)
    names = {p.id: p.display_name for p in people.values()}
    for name in sorted(set(joined) | set(left)):
        await _regroup(uow, school, staff_groups[name], joined.get(name, []), left.get(name, []), names)


async def _regroup(
    uow: UnitOfWork, school: Organisation, group: StaffGroup, joining: list[int], leaving: list[int],
    names: dict[int, str],
) -> None:
    """One group's joins and leaves, each audited as the group's own mutations audit them."""
    filed = {"organisation_id": school.id, "licence_id": group.licence_id, "staff_group_id": group.id}
    current = set((await uow.session.execute(
        select(StaffGroupMember.person_id).where(StaffGroupMember.group_id == group.id)
    )).scalars())
    if joining:
        uow.session.add_all(StaffGroupMember(group_id=group.id, person_id=p) for p in joining)
        await uow.session.flush()
        await outbox.members_changed(uow, school.id, group, joining)
        after = current | set(joining)
        await uow.audit(AuditAction.GROUP_MEMBERS_ADDED, target=group, **filed,
                        what=f"added {', '.join(sorted(names[p] for p in joining))} to {group.name} (roster import)",
                        before={"member_ids": sorted(current)}, after={"member_ids": sorted(after)})
        current = after
    if leaving:
        await outbox.members_changed(uow, school.id, group, leaving)
        await uow.session.execute(delete(StaffGroupMember).where(
            StaffGroupMember.group_id == group.id, StaffGroupMember.person_id.in_(leaving)))
        await uow.audit(AuditAction.GROUP_MEMBERS_REMOVED, target=group, **filed,
                        what=f"removed {', '.join(sorted(names[p] for p in leaving))} from {group.name} "
                             "(roster import)",
                        before={"member_ids": sorted(current)}, after={"member_ids": sorted(current - set(leaving))})
