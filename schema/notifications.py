"""Email notifications: the mutations on a school's settings and on failed digests, and
the logs' connections (the types are in schema/digests.py)."""

from datetime import date
from typing import Any, Self

import strawberry

from domain.notifications import DeliveryStatus
from permissions.policy import Ability
from resolvers import notifications as notification_resolvers
from resolvers import overdue_summaries as summary_resolvers
from resolvers.pagination import Window
from schema import access
from schema.connection import Connection
from schema.digests import (
    SENDS, DeliveryStatusEnum, NotificationDelivery, NotificationSettings, OverdueSummary, OverdueSummaryChoice,
)
from schema.ids import global_id, ref
from schema.mutation import mutation
from schema.nodes import Organisation
from schema.permission import field


async def own_log(info: strawberry.Info, window: Window) -> Connection[NotificationDelivery]:
    page = await notification_resolvers.own_deliveries(info.context, window=window)
    return await access.connection(info, NotificationDelivery, page)


async def failed_log(info: strawberry.Info, window: Window) -> Connection[NotificationDelivery]:
    page = await notification_resolvers.failed_deliveries(info.context, window=window)
    return await access.connection(info, NotificationDelivery, page)


@strawberry.input(description="The settings to change; fields left out keep their values.")
class UpdateNotificationSettingsInput:
    organisation_id: strawberry.ID = ref("Organisation", description="The school.")
    due_soon_days: int | None = strawberry.field(default=None, description="0 to 365.")
    overdue_days: int | None = strawberry.field(default=None, description="1 to 365.")
    send_hour: int | None = strawberry.field(default=None, description="0 to 23, school-local.")
    time_zone: str | None = strawberry.field(default=None, description="The school's IANA time zone.")
    assigned: bool | None = strawberry.field(default=None, description=SENDS["assigned"])
    removed: bool | None = strawberry.field(default=None, description=SENDS["removed"])
    due_soon: bool | None = strawberry.field(default=None, description=SENDS["due_soon"])
    due_today: bool | None = strawberry.field(default=None, description=SENDS["due_today"])
    overdue: bool | None = strawberry.field(default=None, description=SENDS["overdue"])


@strawberry.input(description="A failed digest to send again.")
class RetryNotificationInput:
    delivery_id: strawberry.ID = ref("NotificationDelivery", description="The digest.")


@strawberry.input(description="A school's failed digests of one day, to send again.")
class RetryFailedNotificationsInput:
    school_id: strawberry.ID = ref("Organisation", description="The school.")
    day: date = strawberry.field(description="The school-local day the digests were for.")


@strawberry.type(description="The digests sent again, each now PENDING.")
class RetryFailedNotificationsPayload:
    organisation: Organisation = strawberry.field(description="The school.")
    retried: int = strawberry.field(description="How many FAILED digests of that day are to be sent again; 0 when "
                                    "none had failed (or all were already retried).")
    deliveries: list[NotificationDelivery] = field(Ability.VIEW_DELIVERY, description="Those digests.")

    @classmethod
    async def of(cls, info: strawberry.Info, found: Any) -> Self:
        school, rows = found
        return cls(organisation=await access.shown(info, Organisation, school), retried=len(rows),
                   deliveries=[d for d in await access.rows(info, NotificationDelivery, rows) if d is not None])


@strawberry.type(description="The school and its settings as they now are.")
class NotificationSettingsPayload:
    organisation: Organisation = strawberry.field(description="The school.")
    notification_settings: NotificationSettings = strawberry.field(description="Its settings as they now are.")

    @classmethod
    async def of(cls, info: strawberry.Info, found: Any) -> Self:
        school, row = found
        return cls(organisation=await access.shown(info, Organisation, school),
                   notification_settings=NotificationSettings.from_row(row, school.time_zone))


@strawberry.type(description="The digest and where it now stands.")
class NotificationDeliveryPayload:
    delivery_id: strawberry.ID = strawberry.field(description="The digest's id.")
    status: DeliveryStatusEnum = strawberry.field(description="Now PENDING: a worker sends it after the "
                                                  "scheduler's next tick.")
    delivery: NotificationDelivery = field(Ability.VIEW_DELIVERY, description="The digest.")

    @classmethod
    async def of(cls, info: strawberry.Info, row: Any) -> Self:
        return cls(delivery_id=global_id("NotificationDelivery", row.id), status=DeliveryStatus(row.status),
                   delivery=await access.shown(info, NotificationDelivery, row))


@strawberry.type
class NotificationMutations:
    update_notification_settings = mutation(
        "updateNotificationSettings", UpdateNotificationSettingsInput, NotificationSettingsPayload,
        ability=Ability.MANAGE_NOTIFICATIONS, target=Organisation, use=notification_resolvers.update_settings,
        previewable=True, preview_digests=True,
        description="Change the school's email notification settings. Full administrators only. With preview: true, "
        "the people whose next digest the change alters are listed, each with that digest as it would be.",
    )
    retry_notification = mutation(
        "retryNotification", RetryNotificationInput, NotificationDeliveryPayload, ability=Ability.PLATFORM_SUPPORT,
        target=NotificationDelivery, lock=True, use=notification_resolvers.retry,
        description="Send a failed digest again, once. Platform support only.",
    )
    retry_failed_notifications = mutation(
        "retryFailedNotifications", RetryFailedNotificationsInput, RetryFailedNotificationsPayload,
        ability=Ability.PLATFORM_SUPPORT, target=Organisation, lock=True,
        use=notification_resolvers.retry_failed_school_day,
        description="Send every FAILED digest of one school-local day at one school again, each once and audited "
        "as retryNotification is (after a mail server outage, say). Platform support only.",
    )


@strawberry.input(description="The caller's own overdue summary in one school.")
class SetOverdueSummaryInput:
    school_id: strawberry.ID = ref("Organisation", description="A school where the caller is a full administrator or "
                                   "delegates a group.")
    frequency: OverdueSummaryChoice = strawberry.field(description="DAILY, WEEKLY or OFF.")
    weekday: int = strawberry.field(default=1, description="For WEEKLY: 1 (Monday) to 7 (Sunday).")


@strawberry.type(description="The school and the caller's summary as it now is.")
class OverdueSummaryPayload:
    organisation: Organisation = strawberry.field(description="The school.")
    overdue_summary: OverdueSummary = strawberry.field(description="The caller's summary as it now is.")

    @classmethod
    async def of(cls, info: strawberry.Info, setting: summary_resolvers.Setting) -> Self:
        return cls(organisation=await access.shown(info, Organisation, setting.school),
                   overdue_summary=OverdueSummary.of(setting))


@strawberry.type
class OverdueSummaryMutations:
    set_overdue_summary = mutation(
        "setOverdueSummary", SetOverdueSummaryInput, OverdueSummaryPayload, ability=Ability.OVERDUE_SUMMARY,
        target=Organisation, use=summary_resolvers.set_summary,
        description="Opt in to, change or stop the caller's own summary of their people's overdue targets. Full "
        "administrators and group delegates of the school.",
    )
