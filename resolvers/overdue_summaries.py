"""A full administrator's or group delegate's own overdue summary in one school: daily,
weekly on a weekday, or off (domain/notifications.py says what it holds)."""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy import select

from domain import notifications as rules
from domain.audit import AuditAction, snapshot
from domain.errors import Invalid
from domain.models import Licence, Organisation, OverdueSummary, utcnow
from domain.notifications import SummaryFrequency
from resolvers.context import RequestContext
from resolvers.unit_of_work import UnitOfWork


class Choice(StrEnum):
    """What a person asks for: a summary's frequency, or none."""

    DAILY = SummaryFrequency.DAILY.value
    WEEKLY = SummaryFrequency.WEEKLY.value
    OFF = "OFF"


@dataclass(frozen=True)
class Setting:
    school: Organisation | None  # left out when the caller asked about it from the school
    frequency: Choice
    weekday: int
    last_sent_on: date | None


async def own(ctx: RequestContext, school_id: int) -> Setting:
    """The caller's, batched across the schools a request asks about."""
    return _setting(None, await ctx.loaders.own_overdue_summary.load(school_id))


def _setting(school: Organisation | None, row: OverdueSummary | None) -> Setting:
    if row is None:
        return Setting(school, Choice.OFF, 1, None)
    return Setting(school, Choice(row.frequency), row.weekday, row.last_sent_on)


async def set_summary(uow: UnitOfWork, school: Organisation, *, frequency: Choice, weekday: int = 1) -> Setting:
    """Opt in (DAILY, or WEEKLY on `weekday`) or out (OFF). What counts as new is kept
    across a change of frequency."""
    if (await uow.session.execute(select(Licence.id).where(Licence.organisation_id == school.id))).first() is None:
        raise Invalid("schoolId must be a school with a licence: summaries are of its staff.", "schoolId")
    rules.check_weekday(weekday, "weekday")
    person_id = uow.principal.person_id
    row = (await uow.session.execute(
        select(OverdueSummary)
        .where(OverdueSummary.organisation_id == school.id, OverdueSummary.person_id == person_id)
        .with_for_update()
    )).scalar()
    before = snapshot(row, exclude={"updated_at"})
    if frequency == Choice.OFF:
        if row is None:
            uow.nothing_changed()
            return _setting(school, None)
        await uow.session.delete(row)
        await uow.audit(AuditAction.OVERDUE_SUMMARY_SET, target=row, organisation_id=school.id,
                        what="stopped their overdue summary", before=before, after=None)
        return _setting(school, None)
    if row is not None and (row.frequency, row.weekday) == (frequency, weekday):
        uow.nothing_changed()  # asked again: as it was
        return _setting(school, row)
    if row is None:
        row = OverdueSummary(organisation_id=school.id, person_id=person_id, frequency=frequency)
        uow.session.add(row)
    row.frequency, row.weekday, row.updated_at = SummaryFrequency(frequency), weekday, utcnow()
    when = "daily" if frequency == Choice.DAILY else f"weekly on ISO weekday {weekday}"
    await uow.audit(AuditAction.OVERDUE_SUMMARY_SET, target=row, organisation_id=school.id,
                    what=f"asked for an overdue summary {when}", before=before,
                    after=snapshot(row, exclude={"updated_at"}))
    return _setting(school, row)
