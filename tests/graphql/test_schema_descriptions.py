"""GraphiQL's docs pane is the API's manual: the built schema is walked, and every type,
field, argument, input field and enum value must say what it is. A description that only
names the ability a field requires (schema/permission.py) says nothing of the value."""

import re

import pytest
import strawberry
from graphql import (
    GraphQLEnumType, GraphQLInputObjectType, GraphQLInterfaceType, GraphQLObjectType, GraphQLSchema,
    specified_scalar_types,
)

from infra.settings import Settings
from schema.build import build_schema
from schema.enums import described

REQUIRES = re.compile(r"Requires: `[^`]*`\.\s*$")


def said(description: str | None) -> bool:
    return bool(REQUIRES.sub("", description or "").strip())


def undescribed(schema: GraphQLSchema) -> list[str]:
    """Every element without a description: `Type`, `Type.field`, `Type.field(argument)`,
    `Input.field` and `Enum.VALUE`. Built-in scalars and introspection types are the spec's."""
    missing = []
    for name, kind in sorted(schema.type_map.items()):
        if name.startswith("__") or name in specified_scalar_types:
            continue
        if not said(kind.description):
            missing.append(name)
        if isinstance(kind, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for field_name, field in kind.fields.items():
                if not said(field.description):
                    missing.append(f"{name}.{field_name}")
                for argument_name, argument in getattr(field, "args", {}).items():
                    if not said(argument.description):
                        missing.append(f"{name}.{field_name}({argument_name})")
        if isinstance(kind, GraphQLEnumType):
            missing += [f"{name}.{value}" for value, v in kind.values.items() if not said(v.description)]
    return missing


def test_every_element_of_the_schema_is_described() -> None:
    missing = undescribed(build_schema(Settings())._schema)
    assert not missing, f"{len(missing)} elements without a description: {missing}"


# --- The walk must bite ------------------------------------------------------------------


def test_the_walk_reports_each_kind_of_element() -> None:
    from enum import StrEnum

    class Colour(StrEnum):
        RED = "RED"

    described_colour = strawberry.enum(Colour, description="A colour.")

    @strawberry.input
    class Paint:
        colour: described_colour  # type: ignore[valid-type]

    @strawberry.type(description="The root.")
    class Query:
        @strawberry.field(description="Paints.\n\nRequires: `public`.")
        def paint(self, how: Paint) -> int:
            return 1

        @strawberry.field(description="\n\nRequires: `public`.")
        def said_nothing(self) -> int:
            return 2

    assert undescribed(strawberry.Schema(query=Query)._schema) == [
        "Colour.RED", "Paint", "Paint.colour", "Query.paint(how)", "Query.saidNothing",
    ]


def test_an_enum_member_without_a_description_fails_at_import() -> None:
    from enum import StrEnum

    class Mood(StrEnum):
        GLAD = "GLAD"
        SAD = "SAD"

    with pytest.raises(TypeError, match=r"missing \['SAD'\]"):
        described(Mood, {Mood.GLAD: "Glad."}, description="A mood.")
