"""`me`: who is asking, what they belong to and what they hold."""

from datetime import date

import strawberry

from domain import models
from resolvers import groups as group_resolvers
from resolvers import learning_paths as path_resolvers
from resolvers import supervisors as supervisor_resolvers
from resolvers import viewer as viewer_resolvers
from schema import notifications as notification_schema
from schema.connection import Connection, connection, page_size
from schema.groups import LearningPath, StaffGroup
from schema.ids import decode
from schema.nodes import Licence, Membership, Organisation, Person, Seat
from schema.notifications import NotificationDelivery
from schema.supervisors import SupervisorEntry


@strawberry.type(description="One licence of the caller's schools, and the caller's part in it.")
class ViewerLicence:
    licence: Licence
    is_owner: bool
    is_full_administrator: bool
    seat: Seat | None = strawberry.field(description="The caller's own seat, if they hold one.")

    @strawberry.field(description="The caller's learning path in this licence.")
    async def learning_path(self, info: strawberry.Info, on: date | None = None) -> LearningPath | None:
        result = await path_resolvers.path(
            info.context, licence_id=self.licence.id, person_id=info.context.principal.person_id, on=on
        )
        return LearningPath.from_result(result) if result else None


@strawberry.type(description="Who is asking: a person, or a school's external system.")
class Viewer:
    person_id: strawberry.Private[int | None]
    system_organisation_id: strawberry.Private[int | None]
    is_platform_support: bool

    @strawberry.field
    async def person(self, info: strawberry.Info) -> Person | None:
        if self.person_id is None:
            return None
        return Person.from_row(await info.context.loaders.by_id(models.Person).load(self.person_id))

    @strawberry.field(description="The school whose external system this token is, for system tokens.")
    async def external_system_of(self, info: strawberry.Info) -> Organisation | None:
        if self.system_organisation_id is None:
            return None
        row = await info.context.loaders.by_id(models.Organisation).load(self.system_organisation_id)
        return Organisation.from_row(row)

    @strawberry.field(description="The caller's organisations, with their role in each.")
    async def memberships(self, info: strawberry.Info) -> list[Membership]:
        return [Membership.from_row(m) for m, _ in await viewer_resolvers.own_memberships(info.context)]

    @strawberry.field(description="Licences of the caller's schools.")
    async def licences(self, info: strawberry.Info) -> list[ViewerLicence]:
        principal = info.context.principal
        return [
            ViewerLicence(
                licence=Licence.from_row(licence),
                is_owner=licence.id in principal.owned_licences,
                is_full_administrator=principal.is_administrator(licence.organisation_id),
                seat=Seat.from_row(seat) if seat else None,
            )
            for licence, seat in await viewer_resolvers.own_licences(info.context)
        ]

    @strawberry.field(description="The caller's learning path: in the given licence, or else the first "
                      "where they hold an active seat. `on` judges it on another school-local date.")
    async def learning_path(
        self, info: strawberry.Info, licence_id: strawberry.ID | None = None, on: date | None = None
    ) -> LearningPath | None:
        if self.person_id is None:
            return None
        licence = (
            decode(licence_id, "Licence", "licenceId") if licence_id
            else await path_resolvers.default_licence(info.context)
        )
        if licence is None:
            return None
        result = await path_resolvers.path(info.context, licence_id=licence, person_id=self.person_id, on=on)
        return LearningPath.from_result(result) if result else None

    @strawberry.field(description="The notification digests sent to the caller, newest first.")
    async def notifications(
        self, info: strawberry.Info, first: int | None = None, after: str | None = None
    ) -> Connection[NotificationDelivery]:
        return await notification_schema.own_log(info, first, after)

    @strawberry.field(description="Every staff group the caller may see, with `viewerCan` on each.")
    async def staff_groups(
        self, info: strawberry.Info, first: int | None = None, after: str | None = None
    ) -> Connection[StaffGroup]:
        page = await group_resolvers.list_groups(
            info.context, licence_id=None, first=page_size(info, first), after=after
        )
        return connection(page, StaffGroup.from_row)

    @strawberry.field(description="Which supervisor entry to show in each organisation where the caller is a "
                      "mentor or a headteacher, under the site's labels: SUPERVISOR for someone who is both.")
    async def supervisor_entries(self, info: strawberry.Info) -> list[SupervisorEntry]:
        return [SupervisorEntry.from_entry(e) for e in await supervisor_resolvers.entries(info.context)]
