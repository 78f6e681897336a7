"""THE policy: every authorization decision in Trellis is made here and only here.

Deny by default. The GraphQL layer declares the ability a field or a type needs; list
resolvers ask `scope()` for the organisations to filter by in SQL; node resolvers and
mutations ask `can()` / `authorize()` about one organisation.
"""

from enum import StrEnum

from collections.abc import Iterable

from sqlalchemy import ColumnElement, false, true

from domain.errors import Forbidden
from permissions.principal import Principal


class Ability(StrEnum):
    # Field-level: held or not regardless of organisation.
    PUBLIC = "public"  # anyone, token or not: `me` and introspection
    SIGNED_IN = "signed_in"  # any valid token; the resolver then scopes by organisation
    PLATFORM_SUPPORT = "platform_support"  # create organisations and licences, designations, ownership
    # Organisation-level.
    VIEW_ORGANISATION = "view_organisation"
    VIEW_MEMBERS = "view_members"
    MANAGE_MEMBERS = "manage_members"  # add, remove, promote and demote members
    VIEW_LICENCE = "view_licence"
    VIEW_SEATS = "view_seats"  # other people's seats
    MANAGE_SEATS = "manage_seats"
    VIEW_AUDIT = "view_audit"
    VIEW_CATALOGUE = "view_catalogue"


GLOBAL = frozenset({Ability.PUBLIC, Ability.SIGNED_IN, Ability.PLATFORM_SUPPORT, Ability.VIEW_CATALOGUE})

# Organisation abilities held by each standing. Administrators of a school are its
# full licence administrators (DOMAIN.md), so one role answers for both.
_ADMINISTRATOR = frozenset({
    Ability.VIEW_ORGANISATION, Ability.VIEW_MEMBERS, Ability.MANAGE_MEMBERS,
    Ability.VIEW_LICENCE, Ability.VIEW_SEATS, Ability.MANAGE_SEATS, Ability.VIEW_AUDIT,
})
_MEMBER = frozenset({Ability.VIEW_ORGANISATION, Ability.VIEW_MEMBERS, Ability.VIEW_LICENCE})
_EXTERNAL_SYSTEM = frozenset({Ability.VIEW_ORGANISATION})
# Platform support reads everything so it can do its acts, but runs no school's business.
_SUPPORT_READS = frozenset({
    Ability.VIEW_ORGANISATION, Ability.VIEW_MEMBERS, Ability.VIEW_LICENCE, Ability.VIEW_SEATS, Ability.VIEW_AUDIT,
})


def _holds_globally(principal: Principal, ability: Ability) -> bool:
    match ability:
        case Ability.PUBLIC:
            return True
        case Ability.SIGNED_IN:
            return principal.authenticated
        case Ability.PLATFORM_SUPPORT:
            return principal.is_platform_support
        case Ability.VIEW_CATALOGUE:
            return principal.authenticated
    return False


def can(principal: Principal, ability: Ability, organisation_id: int | None = None) -> bool:
    if ability in GLOBAL:
        return _holds_globally(principal, ability)
    if not principal.authenticated:
        return False
    if principal.is_platform_support and ability in _SUPPORT_READS:
        return True
    if organisation_id is None:
        return False
    if principal.system_organisation_id is not None:
        return principal.system_organisation_id == organisation_id and ability in _EXTERNAL_SYSTEM
    role = principal.roles.get(organisation_id)
    if role is None:
        return False
    return ability in (_ADMINISTRATOR if principal.is_administrator(organisation_id) else _MEMBER)


def authorize(principal: Principal, ability: Ability, organisation_id: int | None = None) -> None:
    if not can(principal, ability, organisation_id):
        raise Forbidden("You do not have permission to do this.")


class Scope:
    """The organisations in which an ability holds: every one, or a set of ids."""

    def __init__(self, ids: frozenset[int] | None) -> None:
        self.ids = ids  # None means every organisation

    @property
    def everything(self) -> bool:
        return self.ids is None

    def allows(self, organisation_id: int | None) -> bool:
        return self.ids is None or organisation_id in self.ids

    def clause(self, column: ColumnElement) -> ColumnElement[bool]:
        if self.ids is None:
            return true()
        return column.in_(sorted(self.ids)) if self.ids else false()


def scope(principal: Principal, ability: Ability) -> Scope:
    if not principal.authenticated:
        return Scope(frozenset())
    if principal.is_platform_support and ability in _SUPPORT_READS:
        return Scope(None)
    if principal.system_organisation_id is not None:
        held = ability in _EXTERNAL_SYSTEM
        return Scope(frozenset({principal.system_organisation_id}) if held else frozenset())
    return Scope(frozenset(o for o in principal.roles if can(principal, ability, o)))


def can_see_person(principal: Principal, organisation_ids: Iterable[int]) -> bool:
    """People are visible to themselves and to whoever may see a members list they are on."""
    return any(can(principal, Ability.VIEW_MEMBERS, o) for o in organisation_ids)
