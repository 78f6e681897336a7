"""Notification settings, the caller's own digests, a school's delivery log, and the
failed deliveries platform support may retry."""

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Select, select

from domain import notifications as rules
from domain import validation
from domain.audit import AuditAction, snapshot
from domain.errors import Conflict, Invalid
from domain.models import NotificationDelivery, NotificationSettings, Organisation, OrganisationKind, Person, utcnow
from domain.notifications import DeliveryStatus
from resolvers.context import RequestContext
from resolvers.pagination import Page, Window, by_id
from resolvers.unit_of_work import UnitOfWork


def defaults(organisation_id: int) -> NotificationSettings:
    return NotificationSettings(organisation_id=organisation_id)


async def settings_of(ctx: RequestContext, school_id: int) -> NotificationSettings:
    return await ctx.loaders.notification_settings.load(school_id) or defaults(school_id)


async def update_settings(
    uow: UnitOfWork, school: Organisation, *, due_soon_days: int | None = None, overdue_days: int | None = None,
    send_hour: int | None = None, time_zone: str | None = None, assigned: bool | None = None,
    removed: bool | None = None, due_soon: bool | None = None, due_today: bool | None = None,
    overdue: bool | None = None,
) -> tuple[Organisation, NotificationSettings]:
    """Every field given is checked before anything is written (who may was asked
    first). Fields left out keep their values. The time zone is the school's own: its
    days are local days."""
    change = {"due_soon_days": due_soon_days, "overdue_days": overdue_days, "send_hour": send_hour,
              "time_zone": time_zone, "assigned": assigned, "removed": removed, "due_soon": due_soon,
              "due_today": due_today, "overdue": overdue}
    if school.kind != OrganisationKind.SCHOOL:
        raise Invalid("Only a school has email notification settings.", "organisationId")
    if due_soon_days is not None:
        rules.check_days(due_soon_days, "dueSoonDays")
    if overdue_days is not None:
        rules.check_overdue_days(overdue_days, "overdueDays")
    if send_hour is not None:
        rules.check_hour(send_hour, "sendHour")
    if time_zone is not None:
        validation.time_zone(time_zone, "timeZone")
    row = await uow.session.get(NotificationSettings, school.id)
    if row is None:
        row = defaults(school.id)
        uow.session.add(row)
    before = snapshot(row, exclude={"updated_at"}, time_zone=school.time_zone)
    for name, value in change.items():
        if value is None:
            continue
        if name == "time_zone":
            school.time_zone = value
        else:
            setattr(row, name, value)
    after = snapshot(row, exclude={"updated_at"}, time_zone=school.time_zone)
    if after == before:
        raise Conflict("These are the settings already; nothing to change.")
    row.updated_at = utcnow()
    changed = ", ".join(k for k in after if after[k] != before[k])
    await uow.audit(AuditAction.NOTIFICATION_SETTINGS_UPDATED, target=school, target_type="NotificationSettings",
                    organisation_id=school.id,
                    what=f"changed the email notification settings of {school.name} ({changed})", before=before,
                    after=after)
    return school, row


def _logged() -> Select:
    return select(NotificationDelivery)


async def own_deliveries(ctx: RequestContext, *, window: Window) -> Page[NotificationDelivery]:
    """What was sent to the caller, newest first."""
    person_id = ctx.principal.person_id
    if person_id is None:
        return Page.empty()
    stmt = _logged().where(
        NotificationDelivery.person_id == person_id, NotificationDelivery.status == DeliveryStatus.SENT
    )
    return await by_id(ctx, stmt, NotificationDelivery.id, window)


async def school_deliveries(
    ctx: RequestContext, *, school_id: int, status: DeliveryStatus | None, on: date | None, window: Window,
) -> Page[NotificationDelivery]:
    """A school's delivery log, newest first."""
    stmt = _logged().where(NotificationDelivery.organisation_id == school_id)
    if status is not None:
        stmt = stmt.where(NotificationDelivery.status == status)
    if on is not None:
        stmt = stmt.where(NotificationDelivery.local_date == on)
    return await by_id(ctx, stmt, NotificationDelivery.id, window)


async def failed_deliveries(ctx: RequestContext, *, window: Window) -> Page[NotificationDelivery]:
    """Digests whose retries are exhausted, across every school, oldest first: platform
    support's list."""
    stmt = _logged().where(NotificationDelivery.status == DeliveryStatus.FAILED)
    return await by_id(ctx, stmt, NotificationDelivery.id, window, newest_first=False)


async def retry(uow: UnitOfWork, delivery: NotificationDelivery) -> NotificationDelivery:
    """Platform support sends a failed digest again: it waits for the next scheduler
    tick, and is claimed like any other, so it still goes out once."""
    if delivery.status != DeliveryStatus.FAILED:
        raise Conflict(f"Only a failed digest can be retried; this one is {delivery.status}.", "deliveryId")
    before = snapshot(delivery)
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    delivery.enqueued_at = None
    delivery.retry_at = None
    person = await uow.session.get_one(Person, delivery.person_id)
    await uow.audit(AuditAction.NOTIFICATION_RETRIED, target=delivery, organisation_id=delivery.organisation_id,
                    what=f"retried the {delivery.local_date.isoformat()} digest to {person.display_name}",
                    before=before, after=snapshot(delivery))
    return delivery


async def retry_failed_day(uow: UnitOfWork, day: date, school_ids: Sequence[int]) -> list[NotificationDelivery]:
    """Every FAILED digest of one school-local day at these schools sent again, each as
    `retry` sends one (and audited so). Once waiting, a digest is FAILED no longer, so
    running this again re-sends only what has failed since."""
    failed = await uow.session.execute(
        select(NotificationDelivery)
        .where(NotificationDelivery.status == DeliveryStatus.FAILED, NotificationDelivery.local_date == day,
               NotificationDelivery.organisation_id.in_(list(school_ids)))
        .order_by(NotificationDelivery.id)
    )
    return [await retry(uow, delivery) for delivery in failed.scalars().all()]


async def retry_failed_school_day(
    uow: UnitOfWork, school: Organisation, *, day: date
) -> tuple[Organisation, list[NotificationDelivery]]:
    """A school's FAILED digests of one school-local day, each sent again once."""
    retried = await retry_failed_day(uow, day, [school.id])
    if not retried:
        uow.nothing_changed()
    return school, retried
