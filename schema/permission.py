"""How a field declares the ability it needs. The decision itself is the policy's.

Every Query and Mutation field is made with `field()` or `mutation()` below; a test
walks the schema and fails on any that is not.
"""

from collections.abc import Callable
from typing import Any

import strawberry
from strawberry.permission import BasePermission, PermissionExtension

from permissions import policy
from permissions.policy import Ability
from schema.problems import forbidden, unauthenticated


class Requires(BasePermission):
    def __init__(self, ability: Ability) -> None:
        self.ability = ability

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        principal = info.context.principal
        if policy.can(principal, self.ability):
            return True
        raise unauthenticated() if not principal.authenticated else forbidden()


def declared_ability(field: Any) -> Ability | None:
    """The ability a strawberry field declares, if any."""
    for extension in getattr(field, "extensions", None) or ():
        if isinstance(extension, PermissionExtension):
            for permission in extension.permissions:
                if isinstance(permission, Requires):
                    return permission.ability
    return None


def _describe(ability: Ability, description: str) -> str:
    return f"{description}\n\nRequires: `{ability}`."


def field(ability: Ability, *, description: str, **kwargs: Any) -> Any:
    return strawberry.field(
        description=_describe(ability, description),
        extensions=[PermissionExtension([Requires(ability)], use_directives=False)],
        **kwargs,
    )


def mutation(ability: Ability, *, description: str, **kwargs: Any) -> Callable[..., Any]:
    return strawberry.mutation(
        description=_describe(ability, description),
        extensions=[PermissionExtension([Requires(ability)], use_directives=False)],
        **kwargs,
    )
