"""`me`: who is asking, what they belong to and what they hold."""

import strawberry

from domain import models
from resolvers import viewer as viewer_resolvers
from schema.nodes import Licence, Membership, Organisation, Person, Seat


@strawberry.type(description="One licence of the caller's schools, and the caller's part in it.")
class ViewerLicence:
    licence: Licence
    is_owner: bool
    is_full_administrator: bool
    seat: Seat | None = strawberry.field(description="The caller's own seat, if they hold one.")


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
