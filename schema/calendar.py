"""A person's calendar feed: `me { calendarFeed }` and `rotateCalendarFeed`."""

from datetime import datetime
from typing import Self

import strawberry

from permissions.policy import Ability
from resolvers import calendar as calendar_resolvers
from schema.ids import ref
from schema.mutation import mutation, payload
from schema.nodes import Person


@strawberry.type(description="The caller's private iCalendar feed: their dated targets still to complete, in "
                 "every school where they hold a seat, as all-day events on the school's dates. Anyone with the URL "
                 "can read it; rotateCalendarFeed gives it a new one and ends the old.")
class CalendarFeed:
    url: str = strawberry.field(description="The address to subscribe to in a calendar application.")
    created_at: datetime = strawberry.field(description="When the feed was made.")
    rotated_at: datetime | None = strawberry.field(description="When its address last changed; null if never.")

    @classmethod
    def of(cls, feed: calendar_resolvers.Feed) -> Self:
        return cls(url=feed.url, created_at=feed.created_at, rotated_at=feed.rotated_at)


@strawberry.input(description="Whose calendar feed gets a new address: the caller's own.")
class RotateCalendarFeedInput:
    person_id: strawberry.ID = ref("Person", description="The caller themself (`me { person { id } }`).")


RotateCalendarFeedPayload = payload(
    "RotateCalendarFeedPayload", CalendarFeed, "The feed at its new address.",
    lambda info, row: CalendarFeed.of(calendar_resolvers.shown(info.context.settings, info.context.origin, row)),
)


@strawberry.type
class CalendarMutations:
    rotate_calendar_feed = mutation(
        "rotateCalendarFeed", RotateCalendarFeedInput, RotateCalendarFeedPayload, ability=Ability.OWN_CALENDAR_FEED,
        target=Person, lock=True, use=calendar_resolvers.rotate, settings=True,
        description="Give the caller's calendar feed a new address (making the feed if they had none): the old "
        "address then answers 404. The person themself only.",
    )
