"""Organisations: listing what the caller may see, and platform support's acts."""

from sqlalchemy import select

from domain import validation
from domain.audit import AuditAction, snapshot
from domain.models import Organisation, OrganisationKind
from permissions import policy
from permissions.policy import Ability
from resolvers.context import RequestContext
from resolvers.pagination import Order, Page, Window, paginate
from resolvers.search import searched
from resolvers.unit_of_work import UnitOfWork


async def list_organisations(
    ctx: RequestContext, *, window: Window, kind: OrganisationKind | None, search: str | None
) -> Page[Organisation]:
    stmt = select(Organisation).where(
        policy.scope(ctx.principal, Ability.VIEW_ORGANISATION).clause(Organisation.id)
    )
    if kind is not None:
        stmt = stmt.where(Organisation.kind == kind)
    stmt = searched(stmt, search, Organisation.name)
    return await paginate(ctx, stmt, [Order(Organisation.name), Order(Organisation.id)], window)


async def create_organisation(
    uow: UnitOfWork, *, kind: OrganisationKind, name: str, designation: str | None, time_zone: str
) -> Organisation:
    organisation = Organisation(
        kind=kind,
        name=validation.name(name, "name"),
        designation=validation.name(designation, "designation", 100) if designation is not None else None,
        time_zone=validation.time_zone(time_zone),
    )
    uow.session.add(organisation)
    await uow.session.flush()
    await uow.audit(AuditAction.ORGANISATION_CREATED, target=organisation, organisation_id=organisation.id,
                    what=f"created the {kind.lower()} {organisation.name}", after=snapshot(organisation))
    return organisation


async def set_designation(uow: UnitOfWork, organisation: Organisation, *, designation: str | None) -> Organisation:
    cleaned = validation.name(designation, "designation", 100) if designation is not None else None
    before = snapshot(organisation)
    organisation.designation = cleaned
    await uow.audit(AuditAction.DESIGNATION_SET, target=organisation, organisation_id=organisation.id,
                    what=f"set the designation of {organisation.name} to {cleaned or '(none)'}", before=before,
                    after=snapshot(organisation))
    return organisation
