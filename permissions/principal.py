"""The principal: who is asking and what they hold, loaded once per request."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from typing import Any

from sqlalchemy import bindparam, case, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import (
    ACADEMIES, ApiToken, GroupDelegate, Licence, Membership, MembershipRole, Organisation, OrganisationKind, Person,
    StaffGroup, TrustGrant,
)
from domain.tokens import digest
from infra.gathered import gathered, split


@dataclass(frozen=True)
class Principal:
    person_id: int | None = None
    display_name: str = ""
    token_id: int | None = None
    is_platform_support: bool = False
    # An external system's token acts for one school and holds no person.
    system_organisation_id: int | None = None
    roles: Mapping[int, str] = field(default_factory=dict)  # organisation id -> role
    school_ids: frozenset[int] = frozenset()  # which of those organisations are schools
    owned_licences: frozenset[int] = frozenset()
    delegations: Mapping[int, int] = field(default_factory=dict)  # staff group id -> organisation id
    # Schools whose progress this person may see as a trust viewer: school id -> trust id.
    # Loaded per request, so a withdrawn grant or a changed designation ends access at once.
    trust_schools: Mapping[int, int] = field(default_factory=dict)
    # Supervisor roles (seed 002): schools where the person mentors learners, and
    # organisations they are headteacher of.
    mentor_of: frozenset[int] = frozenset()
    headteacher_of: frozenset[int] = frozenset()

    @property
    def authenticated(self) -> bool:
        return self.token_id is not None

    def is_member(self, organisation_id: int) -> bool:
        return organisation_id in self.roles

    @property
    def organisation_ids(self) -> frozenset[int]:
        return frozenset(self.roles)


ANONYMOUS = Principal()


def is_full_administrator(role: Any) -> Any:
    """In a school, an Administrator is a full licence administrator: one role. Every
    test of 'is an administrator' in Trellis is this one: of a role, or of a role column
    as SQL."""
    return role == MembershipRole.ADMINISTRATOR


class InvalidToken(Exception):
    """The bearer token is unknown, expired or revoked."""


def _principal_statement() -> Any:
    """The token, its person and everything they hold, in one statement: their standing in
    each organisation (with its licence and kind, and their supervisor roles), the groups
    they were put in charge of, and the schools that granted each trust they administer
    (only a trust designated 'Academies' sees school progress)."""
    person = ApiToken.person_id
    grants = gathered(
        select(Membership.id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .outerjoin(Licence, Licence.organisation_id == Membership.organisation_id)
        .where(Membership.person_id == person),
        Membership.organisation_id, Membership.role, Licence.id, Licence.owner_id, Organisation.kind,
        case((Membership.is_mentor, 1), else_=0), case((Membership.is_headteacher, 1), else_=0),
    )
    delegations = gathered(
        select(GroupDelegate.id)
        .join(StaffGroup, StaffGroup.id == GroupDelegate.group_id)
        .join(Licence, Licence.id == StaffGroup.licence_id)
        .where(GroupDelegate.person_id == person),
        GroupDelegate.group_id, Licence.organisation_id,
    )
    administered = select(Membership.organisation_id).where(
        Membership.person_id == person, Membership.role == MembershipRole.ADMINISTRATOR
    ).correlate(ApiToken)  # two levels down, the token is the outer statement's
    trust_schools = gathered(
        select(TrustGrant.id)
        .join(Organisation, Organisation.id == TrustGrant.trust_id)
        .where(TrustGrant.trust_id.in_(administered), Organisation.kind == OrganisationKind.TRUST,
               Organisation.designation == ACADEMIES),
        TrustGrant.school_id, TrustGrant.trust_id,
    )
    return (
        select(ApiToken.id, ApiToken.name, ApiToken.organisation_id, ApiToken.revoked_at, ApiToken.expires_at,
               Person.id.label("person_id"), Person.display_name, Person.is_platform_support,
               grants.label("grants"), delegations.label("delegations"), trust_schools.label("trust_schools"))
        .outerjoin(Person, Person.id == ApiToken.person_id)
        .where(ApiToken.token_hash == bindparam("token_hash"))
    )


# Built once: composing it took milliseconds, on every request.
PRINCIPAL = _principal_statement()


async def load_principal(session: AsyncSession, token: str, now: datetime) -> Principal:
    """Who a bearer token is, read in one statement (a plain row: every request pays for it)."""
    connection = await session.connection()
    row = (await connection.execute(PRINCIPAL, {"token_hash": digest(token)})).first()
    if row is None:
        raise InvalidToken("unknown token")
    if row.revoked_at is not None:
        raise InvalidToken("revoked token")
    if row.expires_at <= now:
        raise InvalidToken("expired token")
    if row.person_id is None:
        return Principal(token_id=row.id, display_name=row.name, system_organisation_id=row.organisation_id)
    person_id = row.person_id
    grants = [(int(org), role, int(lic) if lic else None, int(owner) if owner else None, kind, mentor == "1",
               head == "1") for org, role, lic, owner, kind, mentor, head in split(row.grants)]
    return Principal(
        person_id=person_id,
        display_name=row.display_name,
        token_id=row.id,
        is_platform_support=row.is_platform_support,
        roles={org: role for org, role, *_ in grants},
        school_ids=frozenset(org for org, _, _, _, kind, *_ in grants if kind == OrganisationKind.SCHOOL),
        owned_licences=frozenset(lic for _, _, lic, owner, *_ in grants if lic is not None and owner == person_id),
        delegations={int(group): int(org) for group, org in split(row.delegations)},
        trust_schools={int(school): int(trust) for school, trust in split(row.trust_schools)},
        mentor_of=frozenset(org for org, *_, mentor, _ in grants if mentor),
        headteacher_of=frozenset(org for org, *_, head in grants if head),
    )
