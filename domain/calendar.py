"""Calendar feeds: the secret in a feed's URL, and the iCalendar file the URL serves.

The secret is an HMAC of the person's id and the feed's salt under the service's FEED_KEY: the person
can be shown their URL again, while the database keeps only the secret's SHA-256 (as it
does a token's), so a copy of the database opens no feed.
"""

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from icalendar import Calendar, Event

# An HMAC-SHA-256 in unpadded base64url: exactly this long, of these characters.
SECRET_LENGTH = 43
_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def new_salt() -> str:
    return secrets.token_urlsafe(24)


def secret(key: bytes, person_id: int, salt: str) -> str:
    mac = hmac.new(key, f"calendar-feed:{person_id}:{salt}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def well_formed(candidate: str) -> bool:
    """Could this be a secret at all? Anything else is refused before a lookup."""
    return len(candidate) == SECRET_LENGTH and set(candidate) <= _ALPHABET


@dataclass(frozen=True)
class DueDate:
    """One dated target on a person's path: an all-day event on its school-local date."""

    person_id: int
    licence_id: int
    course_id: int
    on: date
    title: str
    school: str
    lists: str
    renewal: bool = False  # completed, and due again on `on` when the completion lapses


def uid(item: DueDate, domain: str) -> str:
    """Stable while the target stays on the path, so a moved date updates the event; in
    the service's own domain, so two services' events never share one."""
    return f"target-{item.person_id}-{item.licence_id}-{item.course_id}@{domain}"


def ics(items: Iterable[DueDate], *, name: str, stamp: datetime, zone: str | None, domain: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Trellis//Learning targets//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    if zone:
        calendar.add("x-wr-timezone", zone)
    for item in items:
        event = Event()
        event.add("uid", uid(item, domain))
        event.add("dtstamp", stamp)
        event.add("dtstart", item.on)
        event.add("dtend", item.on + timedelta(days=1))
        event.add("summary", f"{'Due again' if item.renewal else 'Due'}: {item.title}")
        event.add("description", f"{item.school}, target list: {item.lists}.")
        event.add("transp", "TRANSPARENT")  # a deadline, not time taken out of the day
        calendar.add_component(event)
    return calendar.to_ical()
