"""How a field declares the ability it needs, and how that declaration is what runs.

Every field of Query and Mutation, and every field anywhere that returns an object, a
list or a connection, is made with `field()` here or `mutation()` (schema/mutation.py);
a test walks the schema and fails on any that is not, and on any description that does
not end with the ability. The declaration runs as a field extension (or, for a field
that is only its declaration over an attribute, as the field's resolver: run_directly):

- a platform-wide ability (PUBLIC, SIGNED_IN, PLATFORM_SUPPORT, VIEW_CATALOGUE) is a
  gate: a caller without it gets UNAUTHENTICATED or FORBIDDEN;
- an ability on an object, on a field nested in that object, is asked of the policy
  about it (its facts came with it through schema/access.py); a caller without it gets
  the field's empty answer (null, an empty list or connection), as if nothing were there;
- an ability on an object named by an argument is asked by `access.target()` in the
  resolver, which reads the ability from this declaration;
- what the field hands out is made by schema/access.py, which asks the policy about each
  object with its type's own ability.
"""

from typing import Any

import strawberry
from graphql import GraphQLSchema
from strawberry.extensions import FieldExtension
from strawberry.types.base import StrawberryList, StrawberryOptional
from strawberry.types.field import StrawberryField
from strawberry.types.lazy_type import LazyType

from permissions import policy
from permissions.policy import GLOBAL, Ability
from schema.access import SecuredNode, subject_of
from schema.execution import strawberry_fields
from schema.connection import Connection, empty_connection
from schema.ids import decode
from schema.problems import forbidden, unauthenticated


class Declared(FieldExtension):
    """A field's ability. With `gate` off the declaration is enforced by what made the
    field (a mutation's own steps, schema/mutation.py), so its refusals stay typed."""

    def __init__(self, ability: Ability, *, gate: bool = True) -> None:
        self.ability = ability
        self.gate = gate
        self.empty: Any = None
        self.about_parent = True

    def apply(self, field: StrawberryField) -> None:
        kind = returned(field)
        # A field handing out one node is decided about that node, with its type's own
        # ability (schema/access.py); any other field about the object it is nested in.
        self.about_parent = not is_node(kind)
        if isinstance(kind, StrawberryList):
            self.empty = list
        elif is_connection(kind):
            self.empty = empty_connection

    def denies(self, source: Any, info: strawberry.Info) -> bool:
        """The declaration's own check (the executor's short ways ask it too): True when
        the caller gets the field's empty answer; raises for a missing platform ability."""
        if not self.gate:
            return False
        principal = info.context.principal
        if self.ability in GLOBAL:
            if policy.can(principal, self.ability):
                return False
            raise unauthenticated() if not principal.authenticated else forbidden()
        if source is None and not principal.authenticated:
            raise unauthenticated()  # every root field but PUBLIC ones needs a token
        subject = subject_of(source) if self.about_parent else None
        return subject is not None and not policy.can_on(principal, self.ability, subject)

    def _empty(self) -> Any:
        return self.empty() if callable(self.empty) else None

    def resolve(self, next_: Any, source: Any, info: strawberry.Info, **kwargs: Any) -> Any:
        if self.denies(source, info):
            return self._empty()
        return next_(source, info, **kwargs)

    async def resolve_async(self, next_: Any, source: Any, info: strawberry.Info, **kwargs: Any) -> Any:
        if self.denies(source, info):
            return self._empty()
        return await next_(source, info, **kwargs)

    def attribute(self, name: str) -> Any:
        """The whole of a field that has no resolver of its own and no other extension:
        this declaration, then the attribute (what strawberry's extension chain does, in
        one call instead of some ten per item of a long list)."""

        def resolve(source: Any, info: Any) -> Any:
            return self._empty() if self.denies(source, info) else getattr(source, name)

        return resolve


def run_directly(schema: GraphQLSchema) -> None:
    """Each field that is only its declaration over an attribute resolves by
    Declared.attribute. `info` there is graphql-core's: the declaration reads only its
    context."""
    for _, _, graphql_field, definition in strawberry_fields(schema):
        if (
            definition.base_resolver is None
            and definition.default_resolver is getattr
            and len(definition.extensions) == 1
            and isinstance(definition.extensions[0], Declared)
            and not graphql_field.args
        ):
            graphql_field.resolve = definition.extensions[0].attribute(definition.python_name)


def returned(field: StrawberryField) -> Any:
    """The type a field returns, without its nullability and resolved if lazy."""
    kind = field.type
    while True:
        if isinstance(kind, StrawberryOptional):
            kind = kind.of_type
        elif isinstance(kind, LazyType):
            kind = kind.resolve_type()
        else:
            return kind


def is_node(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, SecuredNode)


def is_connection(kind: Any) -> bool:
    definition = getattr(kind, "__strawberry_definition__", None)
    origin = getattr(definition, "origin", kind)
    return isinstance(origin, type) and issubclass(origin, Connection)


def declared_ability(field: Any) -> Ability | None:
    """The ability a strawberry field declares, if any."""
    for extension in getattr(field, "extensions", None) or ():
        if isinstance(extension, Declared):
            return extension.ability
    return None


def current_ability(info: strawberry.Info) -> Ability:
    """The ability the field being resolved declares."""
    ability = declared_ability(info._field)
    if ability is None:
        raise RuntimeError(f"{info.field_name} declares no ability")
    return ability


def describe(ability: Ability, description: str) -> str:
    return f"{description}\n\nRequires: `{ability}`."


def field(ability: Ability, *, description: str, **kwargs: Any) -> Any:
    return strawberry.field(description=describe(ability, description), extensions=[Declared(ability)], **kwargs)


async def targeted(info: strawberry.Info, cls: type[SecuredNode], value: str | None, name: str) -> Any | None:
    """What an argument names (a resolvers.targets target), if the caller holds the
    ability this field declares on it; None otherwise, as if it did not exist. A
    malformed id is VALIDATION naming the argument."""
    if value is None:
        return None
    found = await info.context.loaders.targets(cls.model).load(decode(value, cls.__name__, name))
    if found is None or not policy.can_on(info.context.principal, current_ability(info), found.subject):
        return None
    return found
