"""The one way a mutation is written: its input, its ability, the object it acts on, its
use case and its payload, and nothing else.

    deactivate_seat = mutation(
        "deactivateSeat", SeatInput, SeatPayload, ability=Ability.MANAGE_SEATS, target=Seat,
        use=licences.deactivate_seat, description="...",
    )

What runs, in this order, in one transaction (resolvers/unit_of_work.py):
1. the target's id (the input field that refers to the `target` type) is decoded;
2. the target is read with its facts and the policy decides (resolvers/targets.py):
   NOT_FOUND when the caller may not see it, exactly as for an id that never existed;
   FORBIDDEN when they may see it but not do `ability` to it. A mutation with no
   target needs `ability` itself (platform support's, say);
3. only then is the rest of the input decoded and handed to the use case, which checks
   its content (VALIDATION naming the field), changes what it changes and writes the
   audit event; a use case that writes none fails, and nothing is kept;
4. the school's rule-based groups follow any change to its people (resolvers/group_rules.py);
5. the payload is made from what the use case returns, through schema/access.py. Asked
   with `preview: true`, a previewable mutation instead answers what steps 3 and 4 did to
   people's learning paths and next digests (resolvers/previews.py), and is rolled back.

An expected failure at any step is the union's typed error, and nothing changed.
"""

import inspect
from collections.abc import Awaitable, Callable
from types import SimpleNamespace
from typing import Annotated, Any

import strawberry
from strawberry.utils.str_converters import to_camel_case, to_snake_case

from domain.errors import DomainError
from permissions import policy
from permissions.policy import GLOBAL, Ability
from resolvers import group_rules, previews, targets
from resolvers.unit_of_work import unit_of_work
from schema import access, errors
from schema.access import SecuredNode
from schema.ids import acted_on, decode, refers_to
from schema.permission import Declared, describe
from schema.previews import ChangePreview
from schema.problems import unauthenticated

UseCase = Callable[..., Awaitable[Any]]


def _fields(input_type: type) -> list[Any]:
    return list(input_type.__strawberry_definition__.fields)


def _target_field(name: str, input_type: type, target: type[SecuredNode] | None) -> Any:
    if target is None:
        return None
    found = [f for f in _fields(input_type) if refers_to(f) == target.__name__]
    if len(found) > 1:
        found = [f for f in found if acted_on(f)]
    if len(found) != 1:
        raise TypeError(f"{name}: {input_type.__name__} must have exactly one field referring to {target.__name__}")
    return found[0]


def _is_input(value: Any) -> bool:
    definition = getattr(value, "__strawberry_definition__", None)
    return getattr(definition, "is_input", False)


def decoded(value: Any, field: Any, name: str) -> Any:
    """An input value with its global ids decoded (VALIDATION naming `name` for a bad one)
    and nested inputs made plain."""
    type_name = refers_to(field) if field is not None else None
    if value is None:
        return None
    if isinstance(value, list):
        return [decoded(item, field, name) for item in value]
    if type_name is not None:
        return decode(value, type_name, name)
    if _is_input(value):
        return SimpleNamespace(**values_of(value, parent=name))
    return value


def values_of(value: Any, *, skip: Any = None, parent: str | None = None) -> dict[str, Any]:
    """The input's fields by Python name, decoded. Errors name a top-level field by its
    GraphQL name, and a nested one by its parent's."""
    out = {}
    for field in _fields(type(value)):
        if field is skip:
            continue
        name = parent or to_camel_case(field.python_name)
        out[field.python_name] = decoded(getattr(value, field.python_name), field, name)
    return out


def mutation(
    name: str,
    input_type: type,
    payload: type,
    *,
    ability: Ability,
    use: UseCase,
    description: str,
    target: type[SecuredNode] | None = None,
    lock: bool = False,
    settings: bool = False,
    previewable: bool = False,
    preview_digests: bool = False,
) -> Any:
    """A Mutation field: see the module's docstring. `lock` reads the target FOR UPDATE;
    with `settings` the use case is also handed the service's settings. A `previewable`
    one takes `preview: true` and then answers the change it would make
    (schema/previews.py) and keeps nothing; with `preview_digests`, for a change that
    alters digests rather than paths, the people whose next digest it changes."""
    if ability in (Ability.PUBLIC, Ability.SIGNED_IN):
        raise TypeError(f"{name} must declare the ability it really needs, not {ability}")
    if target is None and ability not in GLOBAL:
        raise TypeError(f"{name} needs {ability} on an object: name its target")
    target_field = _target_field(name, input_type, target)
    if previewable and target is None:
        raise TypeError(f"{name}: a preview needs the school's object it acts on")

    async def run(info: strawberry.Info, input: Any, preview: bool) -> Any:  # noqa: A002 - GraphQL's name
        ctx = info.context
        if not ctx.principal.authenticated:
            raise unauthenticated()
        try:
            async with unit_of_work(ctx.db, ctx.principal) as uow:
                acted_on: list[Any] = []
                if target is not None and target_field is not None:
                    field_name = to_camel_case(target_field.python_name)
                    pk = decode(getattr(input, target_field.python_name), target.__name__, field_name)
                    acted_on.append(await targets.authorized(
                        uow.session, ctx.principal, target.model, pk, read=target.ability, act=ability,
                        field=field_name, lock=lock,
                    ))
                else:
                    policy.authorize(ctx.principal, ability)
                given = {"settings": ctx.settings} if settings else {}
                capture = None
                if preview:
                    licence_id, school_id, zone = await previews.school_of(uow.session, acted_on[0])
                    policy.authorize_preview(ctx.principal, school_id,
                                             of_group=target.__name__ in ("StaffGroup", "TargetList"))
                    capture = await previews.begin(uow.session, licence_id, school_id, zone,
                                                   next_send=ctx.next_send if preview_digests else None)
                result = await use(uow, *acted_on, **values_of(input, skip=target_field), **given)
                uow.require_audit(name)
                await group_rules.follow(uow)
                if capture is not None:
                    raise previews.Previewed(await previews.finish(uow.session, capture, ctx.next_send))
            return await payload.of(info, result)
        except previews.Previewed as previewed:  # rolled back: nothing of the change is kept
            return ChangePreview.of(previewed.preview)
        except DomainError as error:
            return errors.from_domain(error)

    if previewable:
        async def resolve(self: Any, info: strawberry.Info, input: Any, preview: bool = False) -> Any:  # noqa: A002
            return await run(info, input, preview)
    else:
        async def resolve(self: Any, info: strawberry.Info, input: Any) -> Any:  # noqa: A002
            return await run(info, input, False)

    resolve.__name__ = name
    # The one argument reads as what it is: its input type's description.
    argument = strawberry.argument(description=input_type.__strawberry_definition__.description)
    resolve.__annotations__ = {
        "info": strawberry.Info, "input": Annotated[input_type, argument],
        "return": errors.result(name, payload, *([ChangePreview] if previewable else [])),
    }
    if previewable:
        resolve.__annotations__["preview"] = Annotated[bool, strawberry.argument(
            description="True: change nothing, and answer what the change would do (a ChangePreview).")]
    made = strawberry.mutation(
        resolver=resolve, description=describe(ability, description), extensions=[Declared(ability, gate=False)],
    )
    # What it acts on, for tools and tests: the type and the input field naming it.
    made.acts_on = (target.__name__, to_camel_case(target_field.python_name)) if target and target_field else None
    return made


def payload(name: str, kind: type, description: str, make: Callable[[strawberry.Info, Any], Any]) -> type:
    """A payload of one field, named for its type in lower camel case (`staffGroup` for a
    StaffGroup), made by `make(info, what the use case returned)`. `description` says what
    the field holds ("The seat as it now is."); the type reads "Success: the seat as it now is."."""
    field_name = to_snake_case(kind.__name__)

    async def of(cls: type, info: strawberry.Info, result: Any) -> Any:
        made = make(info, result)
        return cls(**{field_name: await made if inspect.isawaitable(made) else made})

    namespace = {
        "__annotations__": {field_name: kind}, field_name: strawberry.field(description=description),
        "of": classmethod(of), "__module__": __name__,
    }
    success = f"Success: {description[:1].lower()}{description[1:]}"
    return strawberry.type(type(name, (), namespace), description=success)


def node_payload(name: str, node: type[SecuredNode], description: str) -> type:
    """A payload holding the one node a mutation acted on, made through schema/access.py."""
    return payload(name, node, description, lambda info, row: access.shown(info, node, row))
