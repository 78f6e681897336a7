"""What `me` shows: the caller's own organisations, roles and licences."""

from collections.abc import Callable
from typing import Any

from sqlalchemy import Select, select

from domain.models import Licence, Membership, Organisation, Seat
from permissions import policy
from permissions.policy import Ability
from resolvers.context import RequestContext


async def _own(ctx: RequestContext, stmt: Callable[[int], Select]) -> list[tuple[Any, ...]]:
    """The rows `stmt(person_id)` selects for the calling person; none for a system."""
    person_id = ctx.principal.person_id
    if person_id is None:
        return []
    async with ctx.db.read() as session:
        return [tuple(row) for row in await session.execute(stmt(person_id))]


async def own_memberships(ctx: RequestContext) -> list[tuple[Membership, Organisation]]:
    return await _own(ctx, lambda me: (
        select(Membership, Organisation)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Membership.person_id == me)
        .order_by(Organisation.name, Organisation.id)
    ))


async def own_licences(ctx: RequestContext) -> list[tuple[Licence, Seat | None]]:
    """Licences of the caller's schools, with the caller's seat on each if they hold one;
    not those of schools where they are a learner or a parent."""
    scope = policy.scope(ctx.principal, Ability.VIEW_LICENCE)
    return await _own(ctx, lambda me: (
        select(Licence, Seat)
        .join(Membership, Membership.organisation_id == Licence.organisation_id)
        .outerjoin(Seat, (Seat.licence_id == Licence.id) & (Seat.person_id == me))
        .where(Membership.person_id == me, scope.clause(Licence.organisation_id))
        .order_by(Licence.id)
    ))
