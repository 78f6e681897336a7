"""What resolvers need from a request, and finding objects the caller may see."""

from collections.abc import Callable
from typing import Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from infra.database import Database
from infra.settings import Settings
from domain.errors import NotFound
from permissions import policy
from permissions.policy import Ability
from permissions.principal import Principal
from resolvers.loaders import Loaders

Row = TypeVar("Row", bound=SQLModel)


class RequestContext(Protocol):
    db: Database
    principal: Principal
    settings: Settings
    loaders: Loaders


async def find(
    session: AsyncSession,
    principal: Principal,
    model: type[Row],
    pk: int,
    *,
    ability: Ability,
    field: str,
    organisation_of: Callable[[Row], int | None] = lambda row: row.organisation_id,
    lock: bool = False,
) -> Row:
    """The row, if it exists and the policy lets the caller see it; NOT_FOUND alike otherwise,
    so an id never tells whether something the caller may not see exists."""
    stmt = select(model).where(model.id == pk)
    row = (await session.execute(stmt.with_for_update() if lock else stmt)).scalar_one_or_none()
    if row is None or not policy.can(principal, ability, organisation_of(row)):
        raise NotFound(f"Nothing with that {field} was found.", field)
    return row
