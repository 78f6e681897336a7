"""Email notifications: a school's settings, the digests sent, and the delivery log."""

from datetime import date, datetime
from typing import Any, Self

import strawberry

from domain import models
from domain.notifications import DeliveryStatus, NotificationKind
from permissions.policy import Ability
from resolvers import notifications as notification_resolvers
from schema import errors, ids
from schema.connection import Connection, connection, page_size
from schema.mutations import attempt
from schema.nodes import Organisation
from schema.permission import mutation

NotificationKindEnum = strawberry.enum(NotificationKind, name="NotificationKind", description=(
    "ASSIGNED: targets assigned or updated; REMOVED: all targets removed; DUE_SOON, DUE_TODAY and OVERDUE: "
    "reminders judged by the effective due date."
))
DeliveryStatusEnum = strawberry.enum(DeliveryStatus, name="DeliveryStatus", description=(
    "PENDING: planned, waiting for a worker; SENDING: being sent; SENT; RETRYING: the mail server failed and a "
    "retry is scheduled; FAILED: retries exhausted (platform support can retry it)."
))


@strawberry.type(description="A school's email notification settings. Days are the school's local days.")
class NotificationSettings:
    due_soon_days: int = strawberry.field(description="'Due soon' reminders start this many days before.")
    overdue_days: int = strawberry.field(description="'Overdue' reminders go this many days after the date.")
    send_hour: int = strawberry.field(description="The local hour (0-23) at which the day's digest goes out.")
    time_zone: str
    assigned: bool = strawberry.field(description="Tell staff when targets are assigned or updated.")
    removed: bool = strawberry.field(description="Tell staff when all their targets are removed.")
    due_soon: bool
    due_today: bool
    overdue: bool

    @classmethod
    def from_row(cls, row: models.NotificationSettings, time_zone: str) -> Self:
        return cls(
            due_soon_days=row.due_soon_days, overdue_days=row.overdue_days, send_hour=row.send_hour,
            time_zone=time_zone, assigned=row.assigned, removed=row.removed, due_soon=row.due_soon,
            due_today=row.due_today, overdue=row.overdue,
        )


@strawberry.type(description="One line of a digest, as it was sent.")
class NotificationLine:
    kind: NotificationKindEnum
    course_title: str | None
    list_names: str | None = strawberry.field(description="The target lists the course came from.")
    due_on: date | None = strawberry.field(description="The effective due date, a school-local date.")


@strawberry.type(description="One day's digest to one person: at most one per person per school-local day.")
class NotificationDelivery:
    id: strawberry.ID
    row: strawberry.Private[models.NotificationDelivery]
    person_name: str
    person_email: str
    school_name: str
    local_date: date
    status: DeliveryStatusEnum
    attempts: int
    sent_at: datetime | None

    @classmethod
    def from_rows(cls, rows: Any) -> Self:
        delivery, person, school_name = rows
        return cls(
            id=ids.global_id("NotificationDelivery", delivery.id), row=delivery, person_name=person.display_name,
            person_email=person.email, school_name=school_name, local_date=delivery.local_date,
            status=DeliveryStatus(delivery.status),
            attempts=delivery.attempts, sent_at=delivery.sent_at,
        )

    @strawberry.field(description="The last mail server error, while retrying or failed.")
    def last_error(self) -> str | None:
        return self.row.last_error if self.row.status != DeliveryStatus.SENT else None

    @strawberry.field(description="Everything the digest says.")
    async def lines(self, info: strawberry.Info) -> list[NotificationLine]:
        items = await info.context.loaders.lines_of_delivery.load(self.row.id)
        return [NotificationLine(kind=NotificationKind(i.kind), course_title=i.course_title,
                                 list_names=i.list_names, due_on=i.due_on) for i in items]

    @strawberry.field(description="The kinds of news it holds.")
    async def kinds(self, info: strawberry.Info) -> list[NotificationKindEnum]:
        items = await info.context.loaders.lines_of_delivery.load(self.row.id)
        present = {i.kind for i in items}
        return [kind for kind in NotificationKind if kind in present]


async def settings_of(info: strawberry.Info, school: Organisation) -> NotificationSettings | None:
    row = await notification_resolvers.settings_of(info.context, school.id, school.kind)
    return NotificationSettings.from_row(row, school.time_zone) if row else None


async def school_log(info: strawberry.Info, school_id: int, status: DeliveryStatus | None, on: date | None,
                     first: int | None, after: str | None) -> Connection[NotificationDelivery]:
    page = await notification_resolvers.school_deliveries(
        info.context, school_id=school_id, status=status, on=on, first=page_size(info, first), after=after
    )
    return connection(page, NotificationDelivery.from_rows)


async def own_log(info: strawberry.Info, first: int | None, after: str | None) -> Connection[NotificationDelivery]:
    page = await notification_resolvers.own_deliveries(info.context, first=page_size(info, first), after=after)
    return connection(page, NotificationDelivery.from_rows)


async def failed_log(info: strawberry.Info, first: int | None, after: str | None) -> Connection[NotificationDelivery]:
    page = await notification_resolvers.failed_deliveries(info.context, first=page_size(info, first), after=after)
    return connection(page, NotificationDelivery.from_rows)


@strawberry.input(description="The settings to change; fields left out keep their values.")
class UpdateNotificationSettingsInput:
    organisation_id: strawberry.ID
    due_soon_days: int | None = strawberry.field(default=None, description="0 to 365.")
    overdue_days: int | None = strawberry.field(default=None, description="1 to 365.")
    send_hour: int | None = strawberry.field(default=None, description="0 to 23, school-local.")
    time_zone: str | None = strawberry.field(default=None, description="The school's IANA time zone.")
    assigned: bool | None = None
    removed: bool | None = None
    due_soon: bool | None = None
    due_today: bool | None = None
    overdue: bool | None = None


@strawberry.input
class RetryNotificationInput:
    delivery_id: strawberry.ID


@strawberry.type
class NotificationSettingsPayload:
    organisation: Organisation
    notification_settings: NotificationSettings


@strawberry.type
class NotificationDeliveryPayload:
    delivery_id: strawberry.ID
    status: DeliveryStatusEnum


@strawberry.type
class NotificationMutations:
    @mutation(Ability.SIGNED_IN, description="Change the school's email notification settings. Full "
              "administrators only.")
    async def update_notification_settings(
        self, info: strawberry.Info, input: UpdateNotificationSettingsInput
    ) -> errors.result("updateNotificationSettings", NotificationSettingsPayload):
        async def work() -> Any:
            change = notification_resolvers.SettingsChange(**{
                name: getattr(input, name) for name in notification_resolvers.SettingsChange.__dataclass_fields__
            })
            school, row = await notification_resolvers.update_settings(
                info.context, organisation_id=ids.decode(input.organisation_id, "Organisation", "organisationId"),
                change=change,
            )
            return NotificationSettingsPayload(
                organisation=Organisation.from_row(school),
                notification_settings=NotificationSettings.from_row(row, school.time_zone),
            )

        return await attempt(work, lambda payload: payload)

    @mutation(Ability.SIGNED_IN, description="Send a failed digest again, once. Platform support only.")
    async def retry_notification(
        self, info: strawberry.Info, input: RetryNotificationInput
    ) -> errors.result("retryNotification", NotificationDeliveryPayload):
        async def work() -> Any:
            delivery = await notification_resolvers.retry(
                info.context, delivery_id=ids.decode(input.delivery_id, "NotificationDelivery", "deliveryId")
            )
            return NotificationDeliveryPayload(delivery_id=input.delivery_id, status=DeliveryStatus(delivery.status))

        return await attempt(work, lambda payload: payload)
