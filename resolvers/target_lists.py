"""Target lists: the seed's 'learning target groups', ordered courses with optional dates."""

from collections.abc import Callable, Sequence
from datetime import date
from typing import Protocol

from sqlalchemy import delete, select

from domain import targets, validation
from domain.audit import AuditAction
from domain.errors import Invalid, NotFound
from domain.models import Course, TargetList, TargetListItem
from resolvers import outbox
from resolvers.groups import check_available, list_content
from resolvers.targets import GroupInSchool, ListInSchool
from resolvers.unit_of_work import UnitOfWork


class Target(Protocol):
    """A course for a list, with its date and renewal period if it has them."""

    course_id: int
    due_on: date | None
    renew_months: int | None


async def _check_courses(uow: UnitOfWork, courses: Sequence[Target], field: str) -> dict[int, Course]:
    course_ids = [t.course_id for t in courses]
    targets.check_no_duplicates(course_ids, field)
    for i, t in enumerate(courses):
        targets.check_renewal(t.renew_months, f"{field}[{i}].renewMonths")
    rows = await uow.session.execute(select(Course).where(Course.id.in_(course_ids)))
    found = {c.id: c for c in rows.scalars()}
    unknown = [c for c in course_ids if c not in found]
    if unknown:
        raise Invalid(f"{len(unknown)} of these courses are not in the catalogue.", field)
    retired = [found[c].title for c in course_ids if found[c].retired_at is not None]
    if retired:
        raise Invalid(f"Retired courses cannot be targets: {', '.join(retired)}.", field)
    return found


async def _items(uow: UnitOfWork, list_id: int) -> list[TargetListItem]:
    stmt = select(TargetListItem).where(TargetListItem.list_id == list_id).order_by(TargetListItem.position)
    return list((await uow.session.execute(stmt)).scalars())


async def _audit(uow: UnitOfWork, found: ListInSchool, action: AuditAction, what: str,
                 before: dict | None, after: dict | None) -> None:
    await uow.audit(action, target=found.target_list, **found.filed_under, what=what, before=before, after=after)


async def create_list(uow: UnitOfWork, found: GroupInSchool, *, name: str, courses: Sequence[Target]) -> TargetList:
    """Steps two and three of the seed's: the target courses, in order, with any dates.
    The courses can also come later."""
    await check_available(uow, found.licence)
    name = validation.name(name, "name")
    await _check_courses(uow, courses, "courses")
    target_list = TargetList(group_id=found.group.id, name=name)
    uow.session.add(target_list)
    await uow.session.flush()
    uow.session.add_all(
        TargetListItem(list_id=target_list.id, course_id=t.course_id, position=i, due_on=t.due_on,
                       renew_months=t.renew_months)
        for i, t in enumerate(courses)
    )
    await uow.session.flush()
    await outbox.group_changed(uow, found.school.id, found.group)
    await uow.audit(AuditAction.TARGET_LIST_CREATED, target=target_list, **found.filed_under,
                    what=f"created the target list {name} with {len(courses)} course(s) in {found.group.name}",
                    after=await list_content(uow, target_list))
    return target_list


async def rename_list(uow: UnitOfWork, found: ListInSchool, *, name: str) -> TargetList:
    await check_available(uow, found.licence)
    name = validation.name(name, "name")
    old = found.target_list.name
    found.target_list.name = name
    await outbox.group_changed(uow, found.school.id, found.group)
    await _audit(uow, found, AuditAction.TARGET_LIST_RENAMED, f"renamed the target list {old} to {name}",
                 {"name": old}, {"name": name})
    return found.target_list


async def add_courses(uow: UnitOfWork, found: ListInSchool, *, courses: Sequence[Target]) -> TargetList:
    """New courses go to the end of the list; reorder to move them."""
    await check_available(uow, found.licence)
    if not courses:
        raise Invalid("Name at least one course.", "courses")
    items = await _items(uow, found.target_list.id)
    on_list = {i.course_id for i in items}
    added = await _check_courses(uow, courses, "courses")
    if on_list & set(added):
        raise Invalid("A course appears at most once in a target list; it is already on it.", "courses")
    before = await list_content(uow, found.target_list)
    uow.session.add_all(
        TargetListItem(list_id=found.target_list.id, course_id=t.course_id, position=len(items) + i, due_on=t.due_on,
                       renew_months=t.renew_months)
        for i, t in enumerate(courses)
    )
    await uow.session.flush()
    await outbox.group_changed(uow, found.school.id, found.group)
    titles = ", ".join(added[t.course_id].title for t in courses)
    await _audit(uow, found, AuditAction.TARGET_COURSES_ADDED, f"added {titles} to {found.target_list.name}",
                 before, await list_content(uow, found.target_list))
    return found.target_list


async def _item(uow: UnitOfWork, list_id: int, course_id: int) -> TargetListItem:
    stmt = select(TargetListItem).where(TargetListItem.list_id == list_id, TargetListItem.course_id == course_id)
    item = (await uow.session.execute(stmt)).scalar_one_or_none()
    if item is None:
        raise NotFound("That course is not on this target list.", "courseId")
    return item


async def remove_course(uow: UnitOfWork, found: ListInSchool, *, course_id: int) -> TargetList:
    """Progress in the course is untouched."""
    await check_available(uow, found.licence)
    item = await _item(uow, found.target_list.id, course_id)
    before = await list_content(uow, found.target_list)
    await outbox.group_changed(uow, found.school.id, found.group)
    await uow.session.delete(item)
    for position, rest in enumerate(i for i in await _items(uow, found.target_list.id) if i.id != item.id):
        rest.position = position
    await uow.session.flush()
    title = (await uow.session.get_one(Course, course_id)).title
    await _audit(uow, found, AuditAction.TARGET_COURSE_REMOVED,
                 f"removed {title} from {found.target_list.name}", before,
                 await list_content(uow, found.target_list))
    return found.target_list


async def reorder(uow: UnitOfWork, found: ListInSchool, *, course_ids: list[int]) -> TargetList:
    """One call takes the whole new order, naming every course once."""
    await check_available(uow, found.licence)
    items = await _items(uow, found.target_list.id)
    targets.check_new_order([i.course_id for i in items], course_ids)
    before = await list_content(uow, found.target_list)
    position = {course: i for i, course in enumerate(course_ids)}
    for item in items:
        item.position = position[item.course_id]
    await uow.session.flush()
    await outbox.group_changed(uow, found.school.id, found.group)
    await _audit(uow, found, AuditAction.TARGET_LIST_REORDERED, f"reordered {found.target_list.name}",
                 before, await list_content(uow, found.target_list))
    return found.target_list


async def _set_on_item(uow: UnitOfWork, found: ListInSchool, course_id: int, field: str, value: object,
                       action: AuditAction, what: Callable[[str], str]) -> TargetList:
    """One setting of one course of the list, audited as `what` says of the course's title."""
    await check_available(uow, found.licence)
    item = await _item(uow, found.target_list.id, course_id)
    before = await list_content(uow, found.target_list)
    setattr(item, field, value)
    await uow.session.flush()
    await outbox.group_changed(uow, found.school.id, found.group)
    title = (await uow.session.get_one(Course, course_id)).title
    await _audit(uow, found, action, f"{what(title)} in {found.target_list.name}",
                 before, await list_content(uow, found.target_list))
    return found.target_list


async def set_due_date(uow: UnitOfWork, found: ListInSchool, *, course_id: int, due_on: date | None) -> TargetList:
    return await _set_on_item(
        uow, found, course_id, "due_on", due_on, AuditAction.TARGET_DUE_DATE_SET,
        lambda title: f"set {title} due on {due_on.isoformat()}" if due_on else f"cleared the date of {title}")


async def set_renewal(uow: UnitOfWork, found: ListInSchool, *, course_id: int,
                      renew_months: int | None) -> TargetList:
    """How long a completion of one course of the list holds before it is due again."""
    targets.check_renewal(renew_months, "renewMonths")
    return await _set_on_item(
        uow, found, course_id, "renew_months", renew_months, AuditAction.TARGET_RENEWAL_SET,
        lambda title: f"set {title} to renew every {renew_months} month(s)" if renew_months
        else f"set {title} not to renew")


async def delete_list(uow: UnitOfWork, found: ListInSchool, *, confirmation: str) -> TargetList:
    targets.check_confirmation(confirmation)
    content = await list_content(uow, found.target_list)
    await outbox.group_changed(uow, found.school.id, found.group)
    await uow.session.execute(delete(TargetListItem).where(TargetListItem.list_id == found.target_list.id))
    await uow.session.delete(found.target_list)
    await _audit(uow, found, AuditAction.TARGET_LIST_DELETED,
                 f"deleted the target list {found.target_list.name} from {found.group.name}", content, None)
    return found.target_list
