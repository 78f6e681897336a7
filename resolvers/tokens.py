"""Issuing and revoking API tokens (from the command line)."""

from datetime import timedelta

from sqlalchemy import select

from infra.database import Database
from domain import tokens, validation
from domain.audit import AuditAction, snapshot
from domain.errors import Conflict, Invalid, NotFound
from domain.models import ApiToken, Licence, Membership, Organisation, OrganisationKind, Person, utcnow
from permissions.principal import Principal
from resolvers.unit_of_work import unit_of_work

OPERATOR = Principal(display_name="Operator (command line)")


async def audit_scope(session, person_id: int | None, organisation_id: int | None) -> tuple[int | None, int | None]:  # type: ignore[no-untyped-def]
    """The organisation (and licence) whose log records a token or another thing of a
    person's own: the system's school, or the person's first organisation."""
    if organisation_id is None and person_id is not None:
        organisation_id = (
            await session.execute(
                select(Membership.organisation_id).where(Membership.person_id == person_id).order_by(Membership.id)
            )
        ).scalars().first()
    licence_id = None
    if organisation_id is not None:
        licence_id = (
            await session.execute(select(Licence.id).where(Licence.organisation_id == organisation_id))
        ).scalar_one_or_none()
    return organisation_id, licence_id


async def issue(
    db: Database,
    *,
    name: str,
    days: int,
    email: str | None = None,
    organisation_id: int | None = None,
    principal: Principal = OPERATOR,
) -> tuple[ApiToken, str]:
    """A new token for a person (by email) or a school's external system. The plain
    token is returned once and never stored."""
    if (email is None) == (organisation_id is None):
        raise Invalid("A token belongs to a person or to an organisation's external system: give one.", "email")
    if not 1 <= days <= 3650:
        raise Invalid("days must be between 1 and 3650.", "days")
    name = validation.name(name, "name")
    plain = tokens.new_token()
    async with unit_of_work(db, principal) as uow:
        person = None
        if email is not None:
            person = (
                await uow.session.execute(select(Person).where(Person.email == validation.email(email)))
            ).scalar_one_or_none()
            if person is None:
                raise NotFound(f"No person with email {email}.", "email")
        else:
            school = await uow.session.get(Organisation, organisation_id)
            if school is None or school.kind != OrganisationKind.SCHOOL:
                raise NotFound(f"No school with id {organisation_id}.", "organisationId")
        token = ApiToken(
            token_hash=tokens.digest(plain),
            name=name,
            person_id=person.id if person else None,
            organisation_id=organisation_id,
            expires_at=utcnow() + timedelta(days=days),
        )
        uow.session.add(token)
        await uow.session.flush()
        org, licence = await audit_scope(uow.session, person.id if person else None, organisation_id)
        owner = person.display_name if person else "the external system"
        await uow.audit(AuditAction.TOKEN_CREATED, target=token, organisation_id=org, licence_id=licence,
                        what=f"issued the token '{name}' for {owner}", after=snapshot(token, exclude={"token_hash"}))
    return token, plain


async def revoke(db: Database, token_id: int, principal: Principal = OPERATOR) -> ApiToken:
    async with unit_of_work(db, principal) as uow:
        token = await uow.session.get(ApiToken, token_id)
        if token is None:
            raise NotFound(f"No token with id {token_id}.", "id")
        if token.revoked_at is not None:
            raise Conflict("That token is already revoked.", "id")
        before = snapshot(token, exclude={"token_hash"})
        token.revoked_at = utcnow()
        person = await uow.session.get(Person, token.person_id) if token.person_id else None
        org, licence = await audit_scope(uow.session, person.id if person else None, token.organisation_id)
        await uow.audit(AuditAction.TOKEN_REVOKED, target=token, organisation_id=org, licence_id=licence,
                        what=f"revoked the token '{token.name}'", before=before,
                        after=snapshot(token, exclude={"token_hash"}))
    return token
