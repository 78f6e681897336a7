"""A person's calendar feed: made the first time they ask for it, shown again after,
rotated by a mutation, and served at `GET /calendar/<secret>.ics` to whoever holds the URL."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select

from domain import calendar, tokens
from domain.audit import AuditAction, snapshot
from domain.errors import Conflict
from domain.models import CalendarFeed, Person, utcnow
from infra.database import Database
from infra.settings import Settings
from permissions import policy
from permissions.policy import Ability, Subject
from resolvers.context import RequestContext
from resolvers.learning_paths import due_dates
from resolvers.tokens import audit_scope
from resolvers.unit_of_work import UnitOfWork, unit_of_work

PATH = "/calendar/{secret}.ics"
HIDDEN = {"salt", "secret_hash"}  # never in the audit log: with FEED_KEY they make the URL


@dataclass(frozen=True)
class Feed:
    url: str
    created_at: datetime
    rotated_at: datetime | None


def shown(settings: Settings, origin: str, feed: CalendarFeed) -> Feed:
    """The feed with its URL, on PUBLIC_URL or else the address the request came in on."""
    secret = calendar.secret(settings.calendar_key, feed.person_id, feed.salt)
    url = (settings.public_url or origin.rstrip("/")) + PATH.format(secret=secret)
    return Feed(url=url, created_at=feed.created_at, rotated_at=feed.rotated_at)


def _salted(settings: Settings, feed: CalendarFeed) -> None:
    """A new salt, and the digest of the secret it makes."""
    feed.salt = calendar.new_salt()
    feed.secret_hash = _digest(settings, feed)


def _digest(settings: Settings, feed: CalendarFeed) -> str:
    """What the feed's row keeps of the secret its URL carries under the current FEED_KEY."""
    return tokens.digest(calendar.secret(settings.calendar_key, feed.person_id, feed.salt))


def _of(person_id: int) -> Select:
    return select(CalendarFeed).where(CalendarFeed.person_id == person_id)


async def own(ctx: RequestContext, origin: str) -> Feed | None:
    """The caller's feed, made now if they have none; None for an external system."""
    person_id = ctx.principal.person_id
    if not policy.can_on(ctx.principal, Ability.OWN_CALENDAR_FEED, Subject(person_id=person_id)):
        return None
    assert person_id is not None
    async with ctx.db.read() as session:
        feed = (await session.execute(_of(person_id))).scalar()
    if feed is None or not _opens(ctx.settings, feed):
        try:
            feed = await _made_or_renewed(ctx, person_id)
        except Conflict:  # made by a request at the same moment (or an alias of this one): theirs stands
            # A fresh transaction: the request's shared read may predate that feed (SQLite).
            async with ctx.db.write() as session:
                feed = (await session.execute(_of(person_id))).scalar_one()
    return shown(ctx.settings, origin, feed)


def _opens(settings: Settings, feed: CalendarFeed) -> bool:
    """Does the URL shown for this feed open it? Not once FEED_KEY has changed."""
    return _digest(settings, feed) == feed.secret_hash


async def _made_or_renewed(ctx: RequestContext, person_id: int) -> CalendarFeed:
    """The feed made, or given a working address after FEED_KEY changed, as read in the
    write transaction itself (another request may have got there first)."""
    async with unit_of_work(ctx.db, ctx.principal) as uow:
        feed = (await uow.session.execute(_of(person_id))).scalar()
        if feed is not None and _opens(ctx.settings, feed):
            return feed
        return await _salted_anew(uow, ctx.settings, person_id, feed,
                                  "got a new calendar feed address: the service's feed key had changed")


async def rotate(uow: UnitOfWork, person: Person, *, settings: Settings) -> CalendarFeed:
    """A new URL for the person's feed (made if they had none): the old one finds nothing."""
    feed = (await uow.session.execute(_of(person.id).with_for_update())).scalar()
    return await _salted_anew(uow, settings, person.id, feed, "gave their calendar feed a new address")


async def _salted_anew(uow: UnitOfWork, settings: Settings, person_id: int, feed: CalendarFeed | None,
                       why: str) -> CalendarFeed:
    """The person's feed made (`feed` None) or given a new address (`why`), and audited."""
    organisation, licence = await audit_scope(uow.session, person_id, None)
    if feed is None:
        feed = CalendarFeed(person_id=person_id)
        _salted(settings, feed)
        uow.session.add(feed)
        await uow.audit(AuditAction.CALENDAR_FEED_CREATED, target=feed, organisation_id=organisation,
                        licence_id=licence, what="made their calendar feed", after=snapshot(feed, exclude=HIDDEN))
        return feed
    before = snapshot(feed, exclude=HIDDEN)
    feed.rotated_at = utcnow()
    _salted(settings, feed)
    await uow.audit(AuditAction.CALENDAR_FEED_ROTATED, target=feed, organisation_id=organisation, licence_id=licence,
                    what=why, before=before, after=snapshot(feed, exclude=HIDDEN))
    return feed


async def served(db: Database, secret: str, domain: str) -> bytes | None:
    """The feed whose secret this is, as an iCalendar file with its events' UIDs in
    `domain` (the service's host); None for anything else."""
    if not calendar.well_formed(secret):
        return None
    async with db.read() as session:
        person = (
            await session.execute(
                select(Person.id, Person.display_name)
                .join(CalendarFeed, CalendarFeed.person_id == Person.id)
                .where(CalendarFeed.secret_hash == tokens.digest(secret))
            )
        ).first()
        if person is None:
            return None
        items, zone = await due_dates(await session.connection(), person.id)
    return calendar.ics(items, name=f"Learning targets: {person.display_name}", stamp=utcnow(), zone=zone,
                        domain=domain)
