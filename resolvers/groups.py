"""Staff groups: creating, renaming, membership, delegates and deleting (seed 000)."""

from sqlalchemy import delete, select

from domain import group_rules, targets, validation
from domain.audit import AuditAction, snapshot
from domain.errors import Conflict, Invalid
from domain.models import (
    GroupDelegate, GroupKind, Licence, Membership, Person, StaffGroup, StaffGroupMember, TargetList, TargetListItem,
)
from permissions import policy
from permissions.principal import is_full_administrator
from resolvers import outbox, staff
from resolvers.context import RequestContext
from resolvers.pagination import Order, Page, Window, paginate
from resolvers.search import searched
from resolvers.targets import GroupInSchool
from resolvers.unit_of_work import UnitOfWork


async def check_available(uow: UnitOfWork, licence: Licence) -> None:
    targets.check_targets_available(await staff.individuals(uow.session, licence.id))


def _fixed(group: StaffGroup, what: str) -> None:
    if group.kind == GroupKind.ALL_STAFF:
        raise Conflict(f"All Staff follows the licence's seats: {what}.", "groupId")


def _by_rule(group: StaffGroup) -> None:
    _fixed(group, "its members cannot be edited by hand")
    if group.rule is not None:
        raise Conflict(f"{group.name}'s members follow its rule: change the rule, or clear it to pick them by hand.",
                       "groupId")


async def _people(uow: UnitOfWork, person_ids: list[int]) -> dict[int, Person]:
    rows = await uow.session.execute(select(Person).where(Person.id.in_(person_ids)))
    return {p.id: p for p in rows.scalars()}


async def _require_staff(uow: UnitOfWork, licence: Licence, person_ids: list[int], field: str) -> None:
    found = await staff.staff_among(uow.session, licence.id, person_ids)
    if len(found) != len(set(person_ids)):
        raise Invalid(
            f"{len(set(person_ids) - found)} of these people hold no active All Access Pass PLUS seat on "
            "this licence; only staff can be in a group.",
            field,
        )


async def group_content(uow: UnitOfWork, group: StaffGroup) -> dict:
    """Everything a group holds, for the audit log of its deletion."""
    members = (
        await uow.session.execute(select(StaffGroupMember.person_id).where(StaffGroupMember.group_id == group.id))
    ).scalars().all()
    delegates = (
        await uow.session.execute(select(GroupDelegate.person_id).where(GroupDelegate.group_id == group.id))
    ).scalars().all()
    lists = (await uow.session.execute(select(TargetList).where(TargetList.group_id == group.id))).scalars().all()
    items = await _items_of(uow, [t.id for t in lists])
    return snapshot(
        group,
        member_ids=sorted(members),
        delegate_ids=sorted(delegates),
        target_lists=[_list_snapshot(t, items.get(t.id, [])) for t in lists],
    )


async def _items_of(uow: UnitOfWork, list_ids: list[int]) -> dict[int, list[TargetListItem]]:
    """The items of several lists in one statement, in list order."""
    found: dict[int, list[TargetListItem]] = {}
    if list_ids:
        rows = await uow.session.execute(
            select(TargetListItem).where(TargetListItem.list_id.in_(list_ids)).order_by(TargetListItem.position)
        )
        for item in rows.scalars():
            found.setdefault(item.list_id, []).append(item)
    return found


def _list_snapshot(target_list: TargetList, items: list[TargetListItem]) -> dict:
    return snapshot(target_list, items=[snapshot(item, exclude={"id", "list_id"}) for item in items])


async def list_content(uow: UnitOfWork, target_list: TargetList) -> dict:
    """A target list with its items, for the audit log."""
    items = await _items_of(uow, [target_list.id])
    return _list_snapshot(target_list, items.get(target_list.id, []))


async def list_groups(
    ctx: RequestContext, *, licence_id: int | None, window: Window
) -> Page[tuple[StaffGroup, int]]:
    """Groups the caller may see (all of a licence's, for its full administrators; their
    own, for delegates): All Staff first, then by name, each with its school's id."""
    stmt = (
        select(StaffGroup, Licence.organisation_id)
        .join(Licence, Licence.id == StaffGroup.licence_id)
        .where(policy.groups_clause(ctx.principal, StaffGroup.id, Licence.organisation_id))
    )
    if licence_id is not None:
        stmt = stmt.where(StaffGroup.licence_id == licence_id)
    return await paginate(ctx, stmt, [Order(StaffGroup.kind), Order(StaffGroup.name), Order(StaffGroup.id)], window)


async def list_members(
    ctx: RequestContext, group: StaffGroup, *, window: Window, search: str | None
) -> Page[Person]:
    stmt = select(Person).where(Person.id.in_(staff.members_of_group(group)))
    stmt = searched(stmt, search, Person.display_name)
    return await paginate(ctx, stmt, [Order(Person.display_name), Order(Person.id)], window)


async def create_group(uow: UnitOfWork, licence: Licence, *, name: str, member_ids: list[int]) -> StaffGroup:
    """Step one of the seed's three: a name and its staff."""
    await check_available(uow, licence)
    name = validation.name(name, "name")
    member_ids = list(dict.fromkeys(member_ids))
    await _require_staff(uow, licence, member_ids, "memberIds")
    group = StaffGroup(licence_id=licence.id, name=name, kind=GroupKind.STAFF)
    uow.session.add(group)
    await uow.session.flush()
    uow.session.add_all(StaffGroupMember(group_id=group.id, person_id=p) for p in member_ids)
    await uow.audit(AuditAction.GROUP_CREATED, target=group, organisation_id=licence.organisation_id,
                    licence_id=licence.id, staff_group_id=group.id,
                    what=f"created the staff group {name} with {len(member_ids)} staff",
                    after=snapshot(group, member_ids=member_ids))
    return group


async def rename_group(uow: UnitOfWork, found: GroupInSchool, *, name: str) -> StaffGroup:
    _fixed(found.group, "its name cannot change")
    await check_available(uow, found.licence)
    name = validation.name(name, "name")
    before = snapshot(found.group)
    old, found.group.name = found.group.name, name
    await uow.audit(AuditAction.GROUP_RENAMED, target=found.group, **found.filed_under,
                    what=f"renamed the staff group {old} to {name}", before=before, after=snapshot(found.group))
    return found.group


async def change_members(uow: UnitOfWork, found: GroupInSchool, *, person_ids: list[int], add: bool) -> StaffGroup:
    _by_rule(found.group)
    await check_available(uow, found.licence)
    person_ids = list(dict.fromkeys(person_ids))
    if not person_ids:
        raise Invalid("Name at least one person.", "personIds")
    current = set(
        (
            await uow.session.execute(
                select(StaffGroupMember.person_id).where(
                    StaffGroupMember.group_id == found.group.id, StaffGroupMember.person_id.in_(person_ids)
                )
            )
        ).scalars()
    )
    if add:
        await _require_staff(uow, found.licence, person_ids, "personIds")
        changed = [p for p in person_ids if p not in current]
        if not changed:
            raise Conflict("Everyone named is already in this group.", "personIds")
        uow.session.add_all(StaffGroupMember(group_id=found.group.id, person_id=p) for p in changed)
        await uow.session.flush()
        await outbox.members_changed(uow, found.school.id, found.group, changed)
    else:
        changed = [p for p in person_ids if p in current]
        if not changed:
            raise Conflict("No one named is in this group.", "personIds")
        await outbox.members_changed(uow, found.school.id, found.group, changed)
        await uow.session.execute(
            delete(StaffGroupMember).where(
                StaffGroupMember.group_id == found.group.id, StaffGroupMember.person_id.in_(changed)
            )
        )
    people = await _people(uow, changed)
    names = ", ".join(sorted(people[p].display_name for p in changed))
    await uow.audit(AuditAction.GROUP_MEMBERS_ADDED if add else AuditAction.GROUP_MEMBERS_REMOVED, target=found.group,
                    **found.filed_under,
                    what=f"{'added' if add else 'removed'} {names} {'to' if add else 'from'} {found.group.name}",
                    before={"member_ids": sorted(current)},
                    after={"member_ids": sorted(current | set(changed)) if add else sorted(current - set(changed))})
    return found.group


async def delete_group(uow: UnitOfWork, found: GroupInSchool, *, confirmation: str) -> StaffGroup:
    """Deletes the group and its target lists. Progress is untouched; the audit event
    keeps everything that was deleted, since there is no undo."""
    _fixed(found.group, "it cannot be deleted")
    targets.check_confirmation(confirmation)
    rules = await uow.session.execute(select(StaffGroup.name, StaffGroup.rule).where(
        StaffGroup.licence_id == found.licence.id, StaffGroup.id != found.group.id))
    naming = sorted(name for name, rule in rules if rule and found.group.id in group_rules.groups_named(rule))
    if naming:
        raise Conflict(f"The rules of {', '.join(naming)} name this group: change them first.", "groupId")
    content = await group_content(uow, found.group)
    await outbox.group_changed(uow, found.school.id, found.group)
    await uow.session.delete(found.group)
    await uow.audit(
        AuditAction.GROUP_DELETED,
        target=found.group, **found.filed_under,
        what=f"deleted the staff group {found.group.name} "
             f"and its {len(content['target_lists'])} target list(s)",
        before=content,
    )
    return found.group


async def change_delegate(uow: UnitOfWork, found: GroupInSchool, *, person_id: int, add: bool) -> StaffGroup:
    """Only full administrators delegate. A full administrator already manages every
    group, so cannot be made a delegate."""
    await check_available(uow, found.licence)
    membership = (
        await uow.session.execute(
            select(Membership).where(
                Membership.organisation_id == found.school.id, Membership.person_id == person_id
            )
        )
    ).scalar_one_or_none()
    if membership is None:
        raise Invalid(f"A delegate must be a member of {found.school.name}.", "personId")
    person = await uow.session.get_one(Person, person_id)
    existing = (
        await uow.session.execute(
            select(GroupDelegate).where(GroupDelegate.group_id == found.group.id, GroupDelegate.person_id == person_id)
        )
    ).scalar_one_or_none()
    if add:
        if is_full_administrator(membership.role):
            raise Conflict(
                f"{person.display_name} is a full administrator and already manages every group; "
                "a full administrator cannot be a group delegate.",
                "personId",
            )
        if existing is not None:
            raise Conflict(f"{person.display_name} is already a delegate of this group.", "personId")
        if not await staff.staff_among(uow.session, found.licence.id, [person_id]):
            raise Invalid(
                f"{person.display_name} holds no active All Access Pass PLUS seat; a delegate is a staff member.",
                "personId",
            )
        uow.session.add(GroupDelegate(group_id=found.group.id, person_id=person_id))
    else:
        if existing is None:
            raise Conflict(f"{person.display_name} is not a delegate of this group.", "personId")
        await uow.session.delete(existing)
    await uow.audit(
        AuditAction.DELEGATE_ADDED if add else AuditAction.DELEGATE_REMOVED,
        target=found.group, **found.filed_under,
        what=f"{'made' if add else 'removed'} {person.display_name} "
             f"{'a delegate of' if add else 'as a delegate of'} {found.group.name}",
        before=None if add else {"delegate_id": person_id},
        after={"delegate_id": person_id} if add else None,
    )
    return found.group


def _groups_in_school(organisation_id: int):  # type: ignore[no-untyped-def]
    return (
        select(StaffGroup.id)
        .join(Licence, Licence.id == StaffGroup.licence_id)
        .where(Licence.organisation_id == organisation_id)
    )


async def end_delegations(uow: UnitOfWork, organisation_id: int, person_id: int) -> list[int]:
    """Remove a person's delegations in one school (they became a full administrator,
    or left it). Returns the groups' ids, for the audit event."""
    ended = await uow.session.execute(
        delete(GroupDelegate)
        .where(GroupDelegate.person_id == person_id, GroupDelegate.group_id.in_(_groups_in_school(organisation_id)))
        .returning(GroupDelegate.group_id)
    )
    return sorted(ended.scalars())


async def leave_groups(uow: UnitOfWork, organisation_id: int, person_id: int) -> list[int]:
    """Take someone who left a school out of its groups. Their progress stays."""
    left = await uow.session.execute(
        delete(StaffGroupMember)
        .where(
            StaffGroupMember.person_id == person_id,
            StaffGroupMember.group_id.in_(_groups_in_school(organisation_id)),
        )
        .returning(StaffGroupMember.group_id)
    )
    return sorted(left.scalars())
