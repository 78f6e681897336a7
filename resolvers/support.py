"""Platform support's people, made by an operator from the command line: the first one on
an empty database, or another."""

from enum import StrEnum

from sqlalchemy import select

from domain import validation
from domain.audit import AuditAction, snapshot
from domain.models import Person
from infra.database import Database
from permissions.principal import Principal
from resolvers.tokens import OPERATOR
from resolvers.unit_of_work import unit_of_work


class Appointed(StrEnum):
    CREATED = "created"  # a new person, made platform support
    PROMOTED = "promoted"  # a person already in Trellis, now platform support too
    ALREADY = "already"  # nothing changed: they were platform support already


async def appoint(
    db: Database, *, email: str, display_name: str, principal: Principal = OPERATOR
) -> tuple[Person, Appointed]:
    """Make the person with this email platform support, creating them if they are new.
    Running it again for the same email changes nothing. Audited as the operator's act."""
    email = validation.email(email)
    display_name = validation.name(display_name, "name")
    async with unit_of_work(db, principal) as uow:
        person = (await uow.session.execute(select(Person).where(Person.email == email))).scalar_one_or_none()
        if person is not None and person.is_platform_support:
            uow.nothing_changed()
            return person, Appointed.ALREADY
        before = snapshot(person)
        outcome = Appointed.PROMOTED if person is not None else Appointed.CREATED
        if person is None:
            person = Person(email=email, display_name=display_name)
            uow.session.add(person)
        person.is_platform_support = True
        await uow.session.flush()
        await uow.audit(AuditAction.SUPPORT_APPOINTED, target=person,
                        what=f"made {person.display_name} platform support", before=before, after=snapshot(person))
    return person, outcome
