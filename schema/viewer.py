"""`me`: who is asking, what they belong to and what they hold. Each list declares the
ability it takes to see its items, and each item is made through schema/access.py."""

from typing import Annotated

import strawberry

from permissions import policy
from permissions.policy import Ability
from resolvers import calendar as calendar_resolvers
from resolvers import groups as group_resolvers
from resolvers import learning_paths as path_resolvers
from resolvers import supervisors as supervisor_resolvers
from resolvers import targets
from resolvers import viewer as viewer_resolvers
from resolvers.pagination import Window
from schema import access
from schema import notifications as notification_schema
from schema.calendar import CalendarFeed
from schema.connection import After, Before, Connection, First, Last
from schema.digests import NotificationDelivery
from schema.groups import JudgedOn, LearningPath, StaffGroup
from schema.ids import decode
from schema.nodes import Licence, Membership, Organisation, Person, Seat
from schema.permission import field
from schema.supervisors import SupervisorEntry


@strawberry.type(description="One licence of the caller's schools, and the caller's part in it.")
class ViewerLicence:
    licence: Licence = field(Ability.VIEW_LICENCE, description="The licence.")
    is_owner: bool = strawberry.field(description="The caller owns the licence.")
    is_full_administrator: bool = strawberry.field(description="The caller is one of its full administrators, as "
                                                   "its owner always is.")
    seat: Seat | None = field(Ability.VIEW_SEAT, description="The caller's own seat, if they hold one.")

    @field(Ability.VIEW_PATH, description="The caller's learning path in this licence.")
    async def learning_path(self, info: strawberry.Info, on: JudgedOn = None) -> LearningPath | None:
        result = await path_resolvers.path(
            info.context, licence_id=self.licence.id, person_id=info.context.principal.person_id, on=on
        )
        return LearningPath.from_result(result) if result else None


@strawberry.type(description="Who is asking: a person, or a school's external system.")
class Viewer:
    person_id: strawberry.Private[int | None]
    system_organisation_id: strawberry.Private[int | None]
    is_platform_support: bool = strawberry.field(description="The caller is Trellis's platform support.")

    @field(Ability.VIEW_PERSON, description="The caller, when a person.")
    async def person(self, info: strawberry.Info) -> Person | None:
        return await access.node(info, Person, self.person_id)

    @field(Ability.VIEW_ORGANISATION, description="The school whose external system this token is, for system "
           "tokens.")
    async def external_system_of(self, info: strawberry.Info) -> Organisation | None:
        return await access.node(info, Organisation, self.system_organisation_id)

    @field(Ability.VIEW_MEMBERSHIP, description="The caller's organisations, with their role in each.")
    async def memberships(self, info: strawberry.Info) -> list[Membership]:
        rows = [m for m, _ in await viewer_resolvers.own_memberships(info.context)]
        return [m for m in await access.rows(info, Membership, rows) if m is not None]

    @field(Ability.VIEW_LICENCE, description="Licences of the caller's schools.")
    async def licences(self, info: strawberry.Info) -> list[ViewerLicence]:
        principal = info.context.principal
        found = await viewer_resolvers.own_licences(info.context)
        licences = await access.rows(info, Licence, [licence for licence, _ in found])
        seats = await access.rows(info, Seat, [seat for _, seat in found if seat is not None])
        seat_of = {s.licence_id: s for s in seats if s is not None}
        return [
            ViewerLicence(
                licence=licence, is_owner=licence.id in principal.owned_licences,
                is_full_administrator=policy.administers(principal, licence.organisation_id),
                seat=seat_of.get(licence.id),
            )
            for licence in licences if licence is not None
        ]

    @field(Ability.VIEW_PATH, description="The caller's own learning path; null for an external system, in a "
           "licence not theirs, or with none to default to.")
    async def learning_path(
        self,
        info: strawberry.Info,
        licence_id: Annotated[strawberry.ID | None, strawberry.argument(
            description="The licence; left out, the first where the caller holds an active seat."
        )] = None,
        on: JudgedOn = None,
    ) -> LearningPath | None:
        if self.person_id is None:
            return None
        licence = decode(licence_id, "Licence", "licenceId") if licence_id else None
        result = await path_resolvers.path(info.context, licence_id=licence, person_id=self.person_id, on=on)
        return LearningPath.from_result(result) if result else None

    @field(Ability.VIEW_DELIVERY, description="The notification digests sent to the caller, newest first.")
    async def notifications(
        self, info: strawberry.Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[NotificationDelivery]:
        return await notification_schema.own_log(info, Window(first, after, last, before))

    @field(Ability.OWN_CALENDAR_FEED, description="The caller's private calendar feed, made the first time they "
           "ask; null for an external system.")
    async def calendar_feed(self, info: strawberry.Info) -> CalendarFeed | None:
        feed = await calendar_resolvers.own(info.context, info.context.origin)
        return CalendarFeed.of(feed) if feed else None

    @field(Ability.VIEW_GROUP, description="Every staff group the caller may see, All Staff groups first, then by "
           "name, with `viewerCan` on each.")
    async def staff_groups(
        self, info: strawberry.Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[StaffGroup]:
        page = await group_resolvers.list_groups(
            info.context, licence_id=None, window=Window(first, after, last, before)
        )
        return await access.connection(info, StaffGroup, page, row_of=targets.group_with_facts)

    @field(Ability.VIEW_ORGANISATION, description="Which supervisor entry to show in each organisation where the "
           "caller is a mentor or a headteacher, under the site's labels: SUPERVISOR for someone who is both.")
    async def supervisor_entries(self, info: strawberry.Info) -> list[SupervisorEntry]:
        entries = await supervisor_resolvers.entries(info.context)
        organisations = await access.rows(info, Organisation, [e.organisation for e in entries])
        return [SupervisorEntry.from_entry(e, o) for e, o in zip(entries, organisations, strict=True) if o]
