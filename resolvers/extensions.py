"""Extensions (issue 17): one staff member given a later due date, for one course of a
list (by a full administrator or the list's group's delegate) or for every dated target
(by a full administrator), with a reason. Granting one where one is in force for the
same course (or for every target) ends that one. The rule they follow is
domain/learning_paths.py's."""

from datetime import date, timedelta

from sqlalchemy import literal, select

from domain import validation
from domain.audit import AuditAction, snapshot
from domain.errors import Forbidden, Invalid
from domain.learning_paths import PathItem, Status
from domain.learning_paths_sql import in_force
from domain.models import Course, Licence, Person, Seat, TargetExtension, TargetListItem, utcnow
from permissions import policy
from permissions.policy import Ability
from resolvers import outbox, staff, targets
from resolvers.learning_paths import today_and_items
from resolvers.targets import ExtensionInSchool, ListInSchool
from resolvers.unit_of_work import UnitOfWork

REASON_LENGTH = 500
HORIZON = timedelta(days=5 * 366)  # a date further off is taken for a typing slip


async def extend_target(uow: UnitOfWork, found: ListInSchool, *, person_id: int, course_id: int, due_on: date,
                        reason: str) -> TargetExtension:
    """A later date for one course of the list, for a staff member its group reaches."""
    reason = validation.name(reason, "reason", REASON_LENGTH)
    on_list = await uow.session.execute(
        select(TargetListItem.id).where(TargetListItem.list_id == found.target_list.id,
                                        TargetListItem.course_id == course_id)
    )
    if on_list.first() is None:
        raise Invalid("courseId must be a course on this target list.", "courseId")
    reached = await uow.session.execute(staff.members_of_group(found.group).where(Seat.person_id == person_id))
    if reached.first() is None:
        raise Invalid("personId must be a staff member this list's group reaches.", "personId")
    today, items = await _path(uow, found.licence.id, person_id)
    item = next((i for i in items if i.course_id == course_id), None)
    held_to = item and item.unextended_due_on
    if item is None or held_to is None:
        raise Invalid("courseId has no due date on their learning path, so there is none to extend.", "courseId")
    if due_on <= held_to:
        raise Invalid(f"dueOn must be after {held_to.isoformat()}, the date their target lists or its renewal "
                      "set.", "dueOn")
    _within_reach(due_on, max(today, held_to))
    return await _grant(uow, found.licence, person_id, course_id, found.group.id, due_on, reason)


async def extend_all_targets(uow: UnitOfWork, licence: Licence, *, person_id: int, due_on: date,
                             reason: str) -> TargetExtension:
    """A later date for every dated target of a staff member due before it: a period of
    absence, a late start."""
    reason = validation.name(reason, "reason", REASON_LENGTH)
    seated = await uow.session.execute(staff.staff_seats(licence.id).where(Seat.person_id == person_id))
    if seated.first() is None:
        raise Invalid("personId must be a staff member of the school.", "personId")
    today, items = await _path(uow, licence.id, person_id)
    moved = [item.unextended_due_on for item in items if _moves(item, due_on)]
    if not moved:
        raise Invalid("dueOn moves none of their dated targets still to complete: each is already due on or after "
                      "it.", "dueOn")
    _within_reach(due_on, max(today, min(moved)))
    return await _grant(uow, licence, person_id, None, None, due_on, reason)


async def end_extension(uow: UnitOfWork, found: ExtensionInSchool) -> TargetExtension:
    """The dates the lists set apply again. Ending an ended one changes nothing."""
    extension = found.extension
    if extension.ended_at is not None:
        uow.nothing_changed()
        return extension
    before = snapshot(extension)
    extension.ended_at, extension.ended_by_id = utcnow(), uow.principal.person_id
    await outbox.reach_changed(uow, found.licence.organisation_id, found.licence.id, extension.person_id)
    whose, what = await _named(uow, extension.person_id, extension.course_id)
    await uow.audit(AuditAction.TARGET_EXTENSION_ENDED, target=extension, **found.filed_under,
                    what=f"ended {whose}'s extension until {extension.due_on.isoformat()} for {what}",
                    before=before, after=snapshot(extension))
    return extension


async def _named(uow: UnitOfWork, person_id: int, course_id: int | None) -> tuple[str, str]:
    """The person's name, and the course's title (or "every dated target"), for the log."""
    title = select(Course.title).where(Course.id == course_id).scalar_subquery() if course_id is not None \
        else literal("every dated target")
    name, what = (await uow.session.execute(select(Person.display_name, title).where(Person.id == person_id))).one()
    return name, what


def _moves(item: PathItem, due_on: date) -> bool:
    held_to = item.unextended_due_on
    return item.status != Status.COMPLETED and held_to is not None and held_to < due_on


def _within_reach(due_on: date, since: date) -> None:
    """At most five years later than today or the date it moves, whichever is later."""
    if due_on > since + HORIZON:
        raise Invalid("dueOn must be within five years of the date it moves.", "dueOn")


async def _path(uow: UnitOfWork, licence_id: int, person_id: int) -> tuple[date, list[PathItem]]:
    found = await today_and_items(await uow.session.connection(), licence_id, person_id)
    if found is None:  # a staff seat without membership: nothing reaches them
        raise Invalid("personId must be a staff member of the school.", "personId")
    return found


async def _grant(uow: UnitOfWork, licence: Licence, person_id: int, course_id: int | None, group_id: int | None,
                 due_on: date, reason: str) -> TargetExtension:
    same = TargetExtension.course_id == course_id if course_id is not None else TargetExtension.course_id.is_(None)
    replaced = (await uow.session.execute(
        select(TargetExtension).where(in_force(licence.id, person_id), same).with_for_update()
    )).scalar()
    before = None
    if replaced is not None:
        # Replacing ends it: only for whoever may end it (a delegate may not end a full
        # administrator's extension for every target, say).
        subject = (await targets.find(uow.session, uow.principal, TargetExtension, [replaced.id]))[replaced.id].subject
        if not policy.can_on(uow.principal, Ability.EXTEND_TARGETS, subject):
            raise Forbidden("An extension you may not end is in force for this; a full administrator can replace it.")
        before = snapshot(replaced)
        replaced.ended_at, replaced.ended_by_id = utcnow(), uow.principal.person_id
        await uow.session.flush()  # out of force before the new one takes its place
    extension = TargetExtension(licence_id=licence.id, person_id=person_id, course_id=course_id, group_id=group_id,
                                due_on=due_on, reason=reason, granted_by_id=uow.principal.person_id)
    uow.session.add(extension)
    await outbox.reach_changed(uow, licence.organisation_id, licence.id, person_id)
    whose, what = await _named(uow, person_id, course_id)
    await uow.audit(AuditAction.TARGET_EXTENDED, target=extension, organisation_id=licence.organisation_id,
                    licence_id=licence.id, staff_group_id=group_id,
                    what=f"gave {whose} until {due_on.isoformat()} for {what}: {reason}",
                    before=before, after=snapshot(extension))
    return extension
