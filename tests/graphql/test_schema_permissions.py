"""Fail closed: a root field, a node type or a field handing out objects without a declared
ability would be a hole in the policy, so the built schema is walked and every one must
declare what it needs, truly; and nodes are made in one place only."""

import ast
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import pytest
import strawberry
from graphql import GraphQLObjectType
from strawberry import relay
from strawberry.types.base import StrawberryList, StrawberryOptional
from strawberry.types.lazy_type import LazyType

from infra.settings import Settings
from permissions.policy import GLOBAL, Ability, Subject
from permissions.principal import ANONYMOUS
from schema.access import SecuredNode, about
from schema.build import build_schema
from schema.execution import strawberry_fields
from schema.permission import Declared, declared_ability, field, is_connection, is_node, returned

ROOT = Path(__file__).resolve().parents[2]

ROOTS = ("Query", "Mutation", "Subscription")


def root_fields(schema: strawberry.Schema) -> dict[str, Any]:
    """Every field of the root types, by 'Type.graphqlName', as strawberry fields."""
    found = {}
    for root in ROOTS:
        definition = schema.get_type_by_name(root)
        if definition is None:
            continue
        for strawberry_field in definition.fields:
            found[f"{root}.{schema.config.name_converter.get_graphql_name(strawberry_field)}"] = strawberry_field
    return found


def undeclared_fields(schema: strawberry.Schema) -> list[str]:
    return sorted(name for name, f in root_fields(schema).items() if declared_ability(f) is None)


def node_types(schema: strawberry.Schema) -> dict[str, Any]:
    """Every object type the schema says implements Node, i.e. anything `node(id:)` can reach."""
    return {
        name: schema.get_type_by_name(name).origin
        for name, graphql_type in schema._schema.type_map.items()
        if isinstance(graphql_type, GraphQLObjectType) and any(i.name == "Node" for i in graphql_type.interfaces)
    }


def unsecured_nodes(schema: strawberry.Schema) -> list[str]:
    problems = []
    for name, origin in sorted(node_types(schema).items()):
        if not (isinstance(origin, type) and issubclass(origin, SecuredNode)):
            problems.append(f"{name}: not a SecuredNode")
        elif not isinstance(getattr(origin, "ability", None), Ability):
            problems.append(f"{name}: no `ability` ClassVar holding an Ability")
    return problems


@pytest.fixture(scope="module")
def trellis_schema() -> strawberry.Schema:
    return build_schema(Settings())


def test_every_query_and_mutation_field_declares_an_ability(trellis_schema: strawberry.Schema) -> None:
    fields = root_fields(trellis_schema)
    assert any(name.startswith("Query.") for name in fields) and any(name.startswith("Mutation.") for name in fields)
    missing = undeclared_fields(trellis_schema)
    assert not missing, f"root fields without a declared ability (use schema.permission.field/mutation): {missing}"


def test_every_node_type_is_a_secured_node_with_an_ability(trellis_schema: strawberry.Schema) -> None:
    nodes = node_types(trellis_schema)
    assert {"Organisation", "Person", "Membership", "Licence", "Seat", "Course", "AuditEvent"} <= set(nodes)
    problems = unsecured_nodes(trellis_schema)
    assert not problems, f"node types reachable by id that the policy does not guard: {problems}"


def test_only_me_is_public(trellis_schema: strawberry.Schema) -> None:
    """Without a token only `me` (null) answers; anything else public would leak to the world."""
    public = [name for name, f in root_fields(trellis_schema).items() if declared_ability(f) == Ability.PUBLIC]
    assert public == ["Query.me"]


def test_the_description_names_the_declared_ability(trellis_schema: strawberry.Schema) -> None:
    """README: each field's description ends with the ability it requires, and it must be the true one."""
    wrong = [
        name for name, f in root_fields(trellis_schema).items()
        if not (f.description or "").rstrip().endswith(f"Requires: `{declared_ability(f)}`.")
    ]
    assert not wrong, wrong


# --- The checkers themselves must bite -------------------------------------------------


def test_the_field_checker_reports_an_undeclared_field() -> None:
    @strawberry.type
    class Query:
        @field(Ability.PUBLIC, description="Declared.")
        def declared(self) -> int:
            return 1

        @strawberry.field
        def forgotten_field(self) -> int:
            return 2

    @strawberry.type
    class Mutation:
        @strawberry.mutation
        def forgotten_mutation(self) -> int:
            return 3

    schema = strawberry.Schema(query=Query, mutation=Mutation)
    assert undeclared_fields(schema) == ["Mutation.forgottenMutation", "Query.forgottenField"]


def test_the_node_checker_reports_an_unguarded_node() -> None:
    @strawberry.type
    class Plain(relay.Node):
        id: relay.NodeID[int]

    @strawberry.type
    class NoAbility(SecuredNode):
        id: relay.NodeID[int]

    @strawberry.type
    class NotAnAbility(SecuredNode):
        ability: ClassVar[str] = "view_everything"
        id: relay.NodeID[int]

    @strawberry.type
    class Guarded(SecuredNode):
        ability: ClassVar[Ability] = Ability.VIEW_AUDIT
        id: relay.NodeID[int]

    @strawberry.type
    class Query:
        plain: Plain | None = None
        no_ability: NoAbility | None = None
        not_an_ability: NotAnAbility | None = None
        guarded: Guarded | None = None

    schema = strawberry.Schema(query=Query)
    assert unsecured_nodes(schema) == [
        "NoAbility: no `ability` ClassVar holding an Ability",
        "NotAnAbility: no `ability` ClassVar holding an Ability",
        "Plain: not a SecuredNode",
    ]


# --- Every object, list and connection anywhere ----------------------------------------


def _plumbing(name: str, origin: Any) -> bool:
    """Pagination's own types and the mutation payloads: their fields are filled by the
    declared field or mutation that returns them, through schema/access.py."""
    return (name == "PageInfo" or name.endswith(("Edge", "Connection", "Error"))
            or name.endswith("Payload") or not isinstance(origin, type))


def guarded_fields(schema: strawberry.Schema) -> dict[str, Any]:
    """Fields of every object type that return a node, a list of objects or a connection."""
    found = {}
    for name, graphql_type in schema._schema.type_map.items():
        if not isinstance(graphql_type, GraphQLObjectType) or name.startswith("__") or name in ROOTS:
            continue
        definition = schema.get_type_by_name(name)
        if _plumbing(name, getattr(definition, "origin", None)):
            continue
        for strawberry_field in definition.fields:
            kind = returned(strawberry_field)
            inner = returned_item(kind)
            if is_node(kind) or is_connection(kind) or (isinstance(kind, StrawberryList) and _is_object(inner)):
                found[f"{name}.{schema.config.name_converter.get_graphql_name(strawberry_field)}"] = strawberry_field
    return found


def returned_item(kind: Any) -> Any:
    while isinstance(kind, StrawberryList | StrawberryOptional):
        kind = kind.of_type
    return kind.resolve_type() if isinstance(kind, LazyType) else kind


def _is_object(kind: Any) -> bool:
    definition = getattr(kind, "__strawberry_definition__", None)
    return definition is not None and not getattr(definition, "is_input", False) and hasattr(definition, "fields")


def unguarded(schema: strawberry.Schema) -> list[str]:
    problems = []
    for name, f in sorted(guarded_fields(schema).items()):
        ability = declared_ability(f)
        kind = returned(f)
        if ability is None:
            problems.append(f"{name}: declares no ability")
        elif not (f.description or "").rstrip().endswith(f"Requires: `{ability}`."):
            problems.append(f"{name}: its description does not end with its ability")
        elif is_node(kind) and ability != kind.ability:
            problems.append(f"{name}: declares {ability} but {kind.__name__} needs {kind.ability}")
    return problems


def signed_in_mutations(schema: strawberry.Schema) -> list[str]:
    return sorted(name for name, f in root_fields(schema).items()
                  if name.startswith("Mutation.") and declared_ability(f) in (Ability.SIGNED_IN, Ability.PUBLIC))


def test_every_object_list_and_connection_field_declares_its_true_ability(trellis_schema: strawberry.Schema) -> None:
    fields = guarded_fields(trellis_schema)
    assert {"Membership.person", "Licence.seats", "StaffGroup.members", "Seat.licence"} <= set(fields)
    problems = unguarded(trellis_schema)
    assert not problems, problems


def test_no_mutation_declares_less_than_it_needs(trellis_schema: strawberry.Schema) -> None:
    """SIGNED_IN would tell a front end that any caller may try; a mutation names the ability
    the policy really decides on."""
    assert signed_in_mutations(trellis_schema) == []


def test_only_schema_access_makes_nodes() -> None:
    """The unchecked constructor `_from_row` is called in schema/access.py alone."""
    callers = []
    for path in sorted((ROOT / "schema").rglob("*.py")) + sorted((ROOT / "app").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr == "_from_row" and path.name != "access.py":
                callers.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert callers == []


@strawberry.type
class Thing(SecuredNode):
    """Deliberately unguarded fields, for the walk to catch (a module-level type, so its
    own name resolves)."""

    ability: ClassVar[Ability] = Ability.VIEW_AUDIT
    id: relay.NodeID[int]

    @strawberry.field
    def sibling(self) -> "Thing | None":
        return None

    @strawberry.field
    def many(self) -> list["Thing"]:
        return []

    @field(Ability.VIEW_ORGANISATION, description="Declared, but not what Thing needs.")
    def wrong(self) -> "Thing | None":
        return None

    @field(Ability.VIEW_AUDIT, description="Declared right.")
    def right(self) -> "Thing | None":
        return None

    @strawberry.field(description="Declared without saying so.", extensions=[Declared(Ability.VIEW_AUDIT)])
    def unsaid(self) -> list["Thing"]:
        return []


def test_the_walk_reports_unguarded_fields_and_signed_in_mutations() -> None:
    """A deliberately unguarded object field, list and mutation, each caught."""

    @strawberry.type
    class Query:
        @field(Ability.PUBLIC, description="Declared.")
        def thing(self) -> Thing | None:
            return None

    @strawberry.type
    class Mutation:
        @field(Ability.SIGNED_IN, description="Anyone signed in, it says.")
        def do_it(self) -> int:
            return 1

    schema = strawberry.Schema(query=Query, mutation=Mutation)
    assert unguarded(schema) == [
        "Thing.many: declares no ability",
        "Thing.sibling: declares no ability",
        "Thing.unsaid: its description does not end with its ability",
        "Thing.wrong: declares view_organisation but Thing needs view_audit",
    ]
    assert signed_in_mutations(schema) == ["Mutation.doIt"]


def directly_resolved(schema: strawberry.Schema) -> dict[str, tuple[Any, Declared]]:
    """Fields whose declaration runs without strawberry's extension chain (run_directly):
    'Type.field' -> (graphql-core's resolver, the declaration)."""
    return {
        f"{name}.{field_name}": (graphql_field.resolve, definition.extensions[0])
        for name, field_name, graphql_field, definition in strawberry_fields(schema._schema)
        if getattr(graphql_field.resolve, "__qualname__", "").startswith("Declared.attribute")
    }


class Anything:
    """An object with every attribute, the object a field sits in."""

    def __getattr__(self, name: str) -> str:
        return "hidden"


def test_a_field_resolved_directly_refuses_what_its_declaration_refuses(trellis_schema: strawberry.Schema) -> None:
    """Without a token, a platform-wide ability is UNAUTHENTICATED; an ability on the object
    the field sits in gives the field's empty answer, never the attribute. (A field handing
    out a node is decided where the node is made, with the node's own ability.)"""
    fields = directly_resolved(trellis_schema)
    assert {"SchoolEnrolment.course", "TrustProgressAccess.administrators", "LearningPath.items"} <= set(fields)
    info = SimpleNamespace(context=SimpleNamespace(principal=ANONYMOUS))
    decided_here = 0
    for name, (resolve, declared) in fields.items():
        source = about(Anything(), Subject(organisation_id=1, person_id=2))
        if declared.ability in GLOBAL:
            with pytest.raises(Exception, match="(?i)token"):
                resolve(source, info)
        elif declared.about_parent:
            decided_here += 1
            assert resolve(source, info) in (None, []), f"{name} handed out what {declared.ability} refuses"
        else:
            assert resolve(source, info) == "hidden"
    assert decided_here >= 10
