"""Email digests as the API shows them: a school's notification settings, and each digest
with its lines (the caller's own, a school's delivery log, platform support's failures)."""

from datetime import date, datetime
from typing import Any, ClassVar, Self

import strawberry
from sqlmodel import SQLModel
from strawberry import relay

from domain import models
from domain.notifications import DeliveryStatus, NotificationKind
from permissions.policy import Ability
from resolvers import overdue_summaries as summary_resolvers
from schema.access import SecuredNode
from schema.enums import described
from schema.permission import field

NotificationKindEnum = described(NotificationKind, {
    NotificationKind.ASSIGNED: "Targets were assigned or updated: one line per course on the person's path not yet "
    "completed.",
    NotificationKind.REMOVED: "All the person's targets were removed; the line names no course.",
    NotificationKind.DUE_SOON: "A target falls due within the school's due-soon days.",
    NotificationKind.DUE_TODAY: "A target is due today.",
    NotificationKind.OVERDUE: "A target is past its date by the school's overdue days or more.",
    NotificationKind.NEWLY_OVERDUE: "Overdue summary: one of the recipient's people (personName) is past a target's "
    "date, and that person and course were not in the recipient's last summary.",
    NotificationKind.STILL_OVERDUE: "Overdue summary: one of the recipient's people (personName) is past a target's "
    "date, as in the recipient's last summary.",
}, name="NotificationKind", description="What a digest line is about. Reminders go by the effective due date, "
    "never for a completed course, and each once.")
DeliveryStatusEnum = described(DeliveryStatus, {
    DeliveryStatus.PENDING: "Planned, waiting for a worker.",
    DeliveryStatus.SENDING: "Claimed by a worker and being sent.",
    DeliveryStatus.SENT: "Accepted by the mail server.",
    DeliveryStatus.RETRYING: "The mail server failed; another attempt is scheduled.",
    DeliveryStatus.FAILED: "Retries exhausted; platform support may send it again (retryNotification).",
}, name="DeliveryStatus", description="Where a digest's sending stands.")

# Which news a school sends: the settings and the input that changes them say it alike.
SENDS = {
    "assigned": "Tell staff when targets are assigned or updated.",
    "removed": "Tell staff when all their targets are removed.",
    "due_soon": "Remind staff of targets due soon.",
    "due_today": "Remind staff of targets due today.",
    "overdue": "Remind staff of overdue targets.",
}


@strawberry.type(description="A school's email notification settings. Days are the school's local days.")
class NotificationSettings:
    due_soon_days: int = strawberry.field(description="'Due soon' reminders start this many days before.")
    overdue_days: int = strawberry.field(description="'Overdue' reminders go this many days after the date.")
    send_hour: int = strawberry.field(description="The local hour (0-23) at which the day's digest goes out.")
    time_zone: str = strawberry.field(description="The school's IANA time zone, such as Europe/London.")
    assigned: bool = strawberry.field(description=SENDS["assigned"])
    removed: bool = strawberry.field(description=SENDS["removed"])
    due_soon: bool = strawberry.field(description=SENDS["due_soon"])
    due_today: bool = strawberry.field(description=SENDS["due_today"])
    overdue: bool = strawberry.field(description=SENDS["overdue"])

    @classmethod
    def from_row(cls, row: models.NotificationSettings, time_zone: str) -> Self:
        return cls(
            due_soon_days=row.due_soon_days, overdue_days=row.overdue_days, send_hour=row.send_hour,
            time_zone=time_zone, assigned=row.assigned, removed=row.removed, due_soon=row.due_soon,
            due_today=row.due_today, overdue=row.overdue,
        )


@strawberry.type(description="One line of a digest, as it was sent.")
class NotificationLine:
    kind: NotificationKindEnum = strawberry.field(description="What the line is about.")
    course_title: str | None = strawberry.field(description="The course, titled as when the digest was planned; "
                                                "null on a REMOVED line.")
    list_names: str | None = strawberry.field(description="The target lists the course came from, comma-separated.")
    due_on: date | None = strawberry.field(description="The effective due date, a school-local date; null when "
                                           "there is none.")
    person_name: str | None = strawberry.field(description="On an overdue summary's line, whose target it is; "
                                               "null on the recipient's own lines.")

    @classmethod
    def of(cls, item: Any) -> Self:
        """A line from a NotificationItem, or a row with its columns."""
        return cls(kind=NotificationKind(item.kind), course_title=item.course_title, list_names=item.list_names,
                   due_on=item.due_on, person_name=item.about_name)


@strawberry.type(description="One day's digest to one person: at most one per person per school-local day.")
class NotificationDelivery(SecuredNode):
    ability: ClassVar[Ability] = Ability.VIEW_DELIVERY
    model: ClassVar[type[SQLModel]] = models.NotificationDelivery

    id: relay.NodeID[int]
    local_date: date = strawberry.field(description="The school-local day it is for.")
    status: DeliveryStatusEnum = strawberry.field(description="Where its sending stands.")
    attempts: int = strawberry.field(description="How many times it was handed to the mail server (0 again after a "
                                     "retry by platform support).")
    sent_at: datetime | None = strawberry.field(description="When the mail server accepted it; null until then.")
    row: strawberry.Private[models.NotificationDelivery]

    @classmethod
    def _from_row(cls, row: models.NotificationDelivery) -> Self:
        return cls(id=row.id, row=row, local_date=row.local_date, status=DeliveryStatus(row.status),
                   attempts=row.attempts, sent_at=row.sent_at)

    @strawberry.field(description="Who it is for.")
    async def person_name(self, info: strawberry.Info) -> str:
        return (await info.context.loaders.by_id(models.Person).load(self.row.person_id)).display_name

    @strawberry.field(description="Their address.")
    async def person_email(self, info: strawberry.Info) -> str:
        return (await info.context.loaders.by_id(models.Person).load(self.row.person_id)).email

    @strawberry.field(description="The school it is from.")
    async def school_name(self, info: strawberry.Info) -> str:
        return (await info.context.loaders.by_id(models.Organisation).load(self.row.organisation_id)).name

    @strawberry.field(description="The last mail server error, while retrying or failed.")
    def last_error(self) -> str | None:
        return self.row.last_error if self.row.status != DeliveryStatus.SENT else None

    @field(Ability.VIEW_DELIVERY, description="Everything the digest says: dated lines first, soonest first.")
    async def lines(self, info: strawberry.Info) -> list[NotificationLine]:
        items = await info.context.loaders.lines_of_delivery.load(self.row.id)
        return [NotificationLine.of(item) for item in items]

    @strawberry.field(description="The kinds of news it holds.")
    async def kinds(self, info: strawberry.Info) -> list[NotificationKindEnum]:
        items = await info.context.loaders.lines_of_delivery.load(self.row.id)
        present = {i.kind for i in items}
        return [kind for kind in NotificationKind if kind in present]


OverdueSummaryChoice = described(summary_resolvers.Choice, {
    summary_resolvers.Choice.DAILY: "In every day's digest.",
    summary_resolvers.Choice.WEEKLY: "In the digest of one weekday (`weekday`).",
    summary_resolvers.Choice.OFF: "None.",
}, name="OverdueSummaryFrequency", description="How often a full administrator or group delegate hears of their "
    "people's overdue targets.")


@strawberry.type(description="The caller's own summary of their people's overdue targets in one school: a full "
                 "administrator's covers every staff member, a delegate's their groups' members. It is part of that "
                 "day's one digest: overdue since the last summary first, then still overdue, with links to the group "
                 "reports.")
class OverdueSummary:
    frequency: OverdueSummaryChoice = strawberry.field(description="How often; OFF for none.")
    weekday: int = strawberry.field(description="For WEEKLY, the ISO weekday: 1 is Monday, 7 Sunday.")
    last_sent_on: date | None = strawberry.field(description="The school-local day of the last summary planned; "
                                                 "what became overdue since is new in the next.")

    @classmethod
    def of(cls, setting: summary_resolvers.Setting) -> Self:
        return cls(frequency=setting.frequency, weekday=setting.weekday, last_sent_on=setting.last_sent_on)
