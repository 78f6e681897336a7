"""Rule-based staff groups (domain/group_rules.py): setting a rule, and the groups
following their rules as people change.

A rule-based group's members are kept as any group's are (staff_group_member), so every
reader of groups (paths, reports, planning) needs nothing new. They follow the rule:
- when the rule is set;
- after any change to a school's people, their standing, seats or groups
  (domain/audit.PEOPLE_CHANGED), in the same transaction, before it commits;
- each school day, before the day is planned (jobs/scheduler), for rules about dates.
Each group's joins and leaves are one audit event with the reason. Per group, a fixed
number of statements however many staff the school has.
"""

import logging
from datetime import date
from typing import Any

from sqlalchemy import and_, delete, literal, select, true

from domain import group_rules
from domain.audit import AuditAction
from domain.errors import Conflict, Invalid
from domain.local_time import local_today
from domain.models import GroupKind, Licence, Membership, Organisation, Seat, StaffGroup, StaffGroupMember
from domain.staff import staff_seat
from resolvers import outbox
from resolvers.targets import GroupInSchool
from infra.database import Database, conflict_insert
from permissions.principal import Principal
from resolvers.unit_of_work import UnitOfWork, unit_of_work


log = logging.getLogger("trellis.groups")


async def set_rule(uow: UnitOfWork, found: GroupInSchool, *, rule: dict[str, Any] | None) -> StaffGroup:
    """Set (or, with none, clear) a group's rule. Its members then follow it; cleared, they
    stay as they are, picked by hand from then on. `rule` as domain/group_rules.py has it."""
    if found.group.kind == GroupKind.ALL_STAFF:
        raise Conflict("All Staff follows the licence's seats: it has no rule.", "groupId")
    if rule is not None:
        group_rules.check(rule)
        # Locked: two rules set at once, each naming the other's group, would make a ring
        # neither check saw.
        groups = await _groups(uow, found.licence.id, lock=True)
        kinds = {g.id: g.kind for g in groups}
        if not group_rules.groups_named(rule) <= set(kinds):
            # As for a group that never existed: another school's is not told apart.
            raise Invalid("rule names a staff group that is not in this school.", "rule")
        rules = {g.id: g.rule for g in groups if g.rule is not None and g.id != found.group.id}
        group_rules.in_order({**rules, found.group.id: rule})
    before = found.group.rule
    if before == rule:
        raise Conflict("The group already has this rule.", "rule")
    found.group.rule = rule
    await uow.session.flush()
    await sync(uow, found.licence.id, found.school.id, local_today(found.school.time_zone), found.school.time_zone,
               "as its rule was set")
    names = {g.id: g.name for g in await _groups(uow, found.licence.id)}
    what = (f"set the rule of {found.group.name}: {group_rules.plain(rule, names.__getitem__)}" if rule
            else f"cleared the rule of {found.group.name}: its members are picked by hand")
    await uow.audit(AuditAction.GROUP_RULE_SET, target=found.group, **found.filed_under, what=what,
                    before={"rule": before}, after={"rule": rule})
    return found.group


async def _groups(uow: UnitOfWork, licence_id: int, lock: bool = False) -> list[Any]:
    stmt = (select(StaffGroup.id, StaffGroup.kind, StaffGroup.rule, StaffGroup.name)
            .where(StaffGroup.licence_id == licence_id).order_by(StaffGroup.id))
    return list((await uow.session.execute(stmt.with_for_update(of=StaffGroup) if lock else stmt)).all())


async def follow(uow: UnitOfWork) -> None:
    """After a unit's changes to people: each school it changed brings its rule-based
    groups up to date, giving the change as the reason."""
    for organisation_id, summary in sorted(uow.people_changed.items()):
        school = (await uow.session.execute(
            select(Licence.id, Organisation.time_zone).join(Organisation, Organisation.id == Licence.organisation_id)
            .where(Licence.organisation_id == organisation_id))).first()
        if school is not None:
            await sync(uow, school.id, organisation_id, local_today(school.time_zone), school.time_zone,
                       f"after: {summary}")
    uow.people_changed.clear()


async def sync(uow: UnitOfWork, licence_id: int, organisation_id: int, today: date, zone: str, reason: str) -> int:
    """Every rule-based group of the licence, each after those its rule names: who the rule
    picks joins, who it no longer picks leaves. How many joined or left."""
    groups = await _groups(uow, licence_id)
    rules = {g.id: g.rule for g in groups if g.rule is not None}
    if not rules:
        return 0
    kinds = {g.id: g.kind for g in groups}
    by_id = {g.id: g for g in groups}
    try:
        order = group_rules.in_order(rules)
    except Invalid:  # setting a rule refuses rings; should one be there, people's changes still go through
        log.error("licence %s: its groups' rules name each other in a ring; they were not followed", licence_id)
        return 0
    moved = 0
    for group_id in order:
        picks = group_rules.clause(rules[group_id], seat=Seat, membership=Membership, today=today, zone=zone,
                                   kinds=kinds)
        wanted = (
            select(Seat.person_id)
            .join(Membership, and_(Membership.person_id == Seat.person_id,
                                   Membership.organisation_id == organisation_id))
            .where(Seat.licence_id == licence_id, staff_seat(), picks)
        )
        held = select(StaffGroupMember.person_id).where(StaffGroupMember.group_id == group_id)
        joiners = wanted.where(Seat.person_id.not_in(held))
        leavers = held.where(StaffGroupMember.person_id.not_in(wanted))
        joined = list((await uow.session.execute(joiners)).scalars())
        left = list((await uow.session.execute(leavers)).scalars())
        if not joined and not left:
            continue
        group = await uow.session.get_one(StaffGroup, group_id)
        # Told while the group still reaches them, and by subqueries, not lists of ids,
        # however many move.
        if left:
            await outbox.members_changed(uow, organisation_id, group, leavers)
            await uow.session.execute(delete(StaffGroupMember).where(
                StaffGroupMember.group_id == group_id, StaffGroupMember.person_id.not_in(wanted)))
        if joined:
            await outbox.members_changed(uow, organisation_id, group, joiners)
            # Another transaction following the same rule at the same moment may have put them in.
            await uow.session.execute(conflict_insert(uow.session, StaffGroupMember).from_select(
                # (A WHERE, which SQLite needs to read the ON CONFLICT that follows.)
                ["group_id", "person_id"], select(literal(group_id), joiners.subquery().c.person_id).where(true()))
                .on_conflict_do_nothing(index_elements=["group_id", "person_id"]))
        await uow.audit(AuditAction.GROUP_RULE_FOLLOWED, target=group, organisation_id=organisation_id,
                        licence_id=licence_id, staff_group_id=group_id,
                        what=f"found {len(joined)} joining and {len(left)} leaving {by_id[group_id].name} by its "
                        f"rule, {reason}", after={"joined": sorted(joined), "left": sorted(left)})
        moved += len(joined) + len(left)
    return moved


async def follow_day(db: Database, principal: Principal, organisation_id: int, day: date) -> int:
    """A school's rule-based groups on `day`, the school-local day about to be planned:
    rules about dates (joined within, leaving within) move with the days. How many moved."""
    async with unit_of_work(db, principal) as uow:
        school = (await uow.session.execute(
            select(Licence.id, Organisation.time_zone).join(Organisation, Organisation.id == Licence.organisation_id)
            .where(Licence.organisation_id == organisation_id))).first()
        # A missed day caught up is judged as today: following an older day would undo
        # what today's changes already followed.
        on = None if school is None else max(day, local_today(school.time_zone))
        moved = 0 if school is None else await sync(uow, school.id, organisation_id, on, school.time_zone,
                                                     f"on {on.isoformat()}, a new school day")
        if not moved:
            uow.nothing_changed()
    return moved
