"""GraphQL enums over the rules' own Python enums (domain/ knows nothing of strawberry), each
value described for the docs pane."""

from collections.abc import Mapping
from enum import Enum
from typing import Any

import strawberry


def described(cls: type[Enum], values: Mapping[Any, str], *, description: str, name: str | None = None) -> Any:
    """`cls` as a GraphQL enum, with `values` saying what each member means. A member left
    without a description, or a key that is not a member, fails at import."""
    missing = [member.name for member in cls if not (values.get(member) or "").strip()]
    foreign = [key for key in values if not isinstance(key, cls)]
    if missing or foreign:
        raise TypeError(f"{name or cls.__name__}: describe every member once (missing {missing}, not members "
                        f"{foreign})")
    made = strawberry.enum(cls, name=name, description=description)
    for value in made.__strawberry_definition__.values:
        value.description = values[cls(value.value)]
    return made
