"""Leaving dates: a seat whose kept leaving date (from a roster import) has come in its
school's local day is ended at the scheduler's next tick, as an Administrator would end it:
progress, groups and membership kept, the change audited, the leaver's reach updated."""

import logging
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import select

from domain.local_time import local_date
from domain.models import Licence, Organisation, Seat
from infra.database import Database
from permissions.principal import Principal
from resolvers import group_rules
from resolvers.licences import set_seat_active
from resolvers.targets import SeatOnLicence
from resolvers.unit_of_work import unit_of_work

log = logging.getLogger("trellis.jobs")

SCHEDULER = Principal(display_name="Trellis (leaving dates)")


async def end_leavers(db: Database, now: datetime, schools: Sequence[int] | None = None) -> int:
    """End every active seat whose leaving date has come (in `schools`, or all); one
    transaction per school. How many seats were ended. Run again, it finds none."""
    # No school's local day is more than a day ahead of UTC's: a cheap bound in SQL, the
    # exact day per school below.
    async with db.read() as session:
        due = (await session.execute(
            select(Licence.organisation_id, Organisation.time_zone)
            .join(Organisation, Organisation.id == Licence.organisation_id)
            .join(Seat, Seat.licence_id == Licence.id)
            .where(Seat.active, Seat.leaves_on <= now.date() + timedelta(days=1),
                   *([Licence.organisation_id.in_(schools)] if schools is not None else []))
            .group_by(Licence.organisation_id, Organisation.time_zone)
            .order_by(Licence.organisation_id)
        )).all()
    ended = 0
    for school_id, zone in due:
        try:
            ended += await _end_at(db, school_id, local_date(now, zone))
        except Exception:  # one school's failure must not keep the others' leavers on
            log.exception("school %s: ending the seats of leavers failed; the next tick tries again", school_id)
    return ended


async def _end_at(db: Database, school_id: int, today: date) -> int:
    async with unit_of_work(db, SCHEDULER) as uow:
        rows = (await uow.session.execute(
            select(Seat, Licence).join(Licence, Licence.id == Seat.licence_id)
            .where(Licence.organisation_id == school_id, Seat.active, Seat.leaves_on <= today)
            .order_by(Seat.id).with_for_update(of=Seat)
        )).all()
        for seat, licence in rows:
            await set_seat_active(uow, SeatOnLicence(seat, licence), active=False,
                                  reason=f", leaving on {seat.leaves_on} (leaving date reached)")
        await group_rules.follow(uow)
        if not rows:
            uow.nothing_changed()
    if rows:
        log.info("school %s: ended %d seat(s) whose leaving date has come", school_id, len(rows))
    return len(rows)
