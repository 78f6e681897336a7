"""What `me` shows: the caller's own organisations, roles and licences."""

from sqlalchemy import select

from domain.models import Licence, Membership, Organisation, Seat
from permissions import policy
from permissions.policy import Ability
from resolvers.context import RequestContext


async def own_memberships(ctx: RequestContext) -> list[tuple[Membership, Organisation]]:
    person_id = ctx.principal.person_id
    if person_id is None:
        return []
    async with ctx.db.read() as session:
        rows = await session.execute(
            select(Membership, Organisation)
            .join(Organisation, Organisation.id == Membership.organisation_id)
            .where(Membership.person_id == person_id)
            .order_by(Organisation.name, Organisation.id)
        )
        return [tuple(row) for row in rows]


async def own_licences(ctx: RequestContext) -> list[tuple[Licence, Seat | None]]:
    """Licences of the caller's schools, with the caller's seat on each if they hold one;
    not those of schools where they are a learner or a parent."""
    person_id = ctx.principal.person_id
    if person_id is None:
        return []
    async with ctx.db.read() as session:
        rows = await session.execute(
            select(Licence, Seat)
            .join(Membership, Membership.organisation_id == Licence.organisation_id)
            .outerjoin(Seat, (Seat.licence_id == Licence.id) & (Seat.person_id == person_id))
            .where(Membership.person_id == person_id,
                   policy.scope(ctx.principal, Ability.VIEW_LICENCE).clause(Licence.organisation_id))
            .order_by(Licence.id)
        )
        return [tuple(row) for row in rows]
