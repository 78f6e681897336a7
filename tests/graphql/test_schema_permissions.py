"""Fail closed: a root field or a node type without a declared ability would be a hole in
the policy, so the built schema is walked and every one must declare what it needs."""

from typing import Any, ClassVar

import pytest
import strawberry
from graphql import GraphQLObjectType
from strawberry import relay

from infra.settings import Settings
from permissions.policy import Ability
from schema.build import build_schema
from schema.nodes import SecuredNode
from schema.permission import declared_ability, field

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
