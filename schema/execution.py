"""Two short ways through graphql-core's execution, for long lists.

- A field without a resolver of its own, a scalar or enum read off its object, is one
  attribute read and one coercion. graphql-core runs every field the same way: a path, a
  resolve info (which strawberry widens), the resolver strawberry made to read the
  attribute, then completion through the non-null and leaf branches; on a page of 500
  enrolments that is some 5,000 plain fields, and most of the page's time.
- One object met again under the same selection (the course of each of 500 enrolments,
  the school of each row of a summary) is completed once: the answer is the same, as
  resolvers below the root depend on the object and the request and change nothing (a
  mutation's change is its root field's, done before its payload is completed).

Anything out of the ordinary (a null where the schema promises a value, a value the type
cannot coerce, middleware, a completion that raised an error or is still awaited,
@defer) goes the standard way, so answers and errors are graphql-core's own."""

from typing import Any, NamedTuple

from graphql import (
    GraphQLObjectType, GraphQLSchema, Undefined, get_nullable_type, is_leaf_type, is_non_null_type,
)
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter


class Plain(NamedTuple):
    attribute: str
    leaf: Any  # GraphQLScalarType | GraphQLEnumType
    non_null: bool
    # An enum's members by their names: strawberry's coercion looks for each member's
    # name among all of them, a tenth of a long list's time.
    names: dict[Any, str] | None


def _names(leaf: Any) -> dict[Any, str] | None:
    members = getattr(leaf, "wrapped_cls", None)
    if members is None:
        return None
    return {member: leaf.coerce_output_value(member) for member in members}


def plain_fields(schema: GraphQLSchema) -> dict[tuple[str, str], Plain]:
    """(type, field) of every object field strawberry reads as a bare attribute
    (`getattr`, no resolver, no extension, no argument) and whose type is a leaf."""
    found = {}
    for type_name, named in schema.type_map.items():
        if not isinstance(named, GraphQLObjectType) or type_name.startswith("__"):
            continue
        for field_name, field in named.fields.items():
            definition = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
            leaf = get_nullable_type(field.type)
            if (
                getattr(field.resolve, "_is_default", False)
                and definition is not None
                and definition.default_resolver is getattr
                and not field.args
                and is_leaf_type(leaf)
            ):
                found[type_name, field_name] = Plain(definition.python_name, leaf, is_non_null_type(field.type),
                                                     _names(leaf))
    return found


class Executor(StrawberryGraphQLCoreExecutionContext):
    """strawberry's executor, with plain fields and repeated objects taken the short way."""

    plain: dict[tuple[str, str], Plain] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # id(object), id(selection) -> (object, selection, completed): holding both keeps
        # their ids from being reused by others during the request.
        self.completed: dict[tuple[int, int], tuple[Any, Any, Any]] = {}

    def execute_field(self, parent_type, source, field_details_list, path, position_context):  # type: ignore[no-untyped-def]
        plain = self.plain.get((parent_type.name, field_details_list[0].node.name.value))
        if plain is not None and not getattr(self.middleware_manager, "middlewares", None):
            try:
                value = getattr(source, plain.attribute)
                if value is None:
                    if not plain.non_null:
                        return None
                elif plain.names is not None and value in plain.names:
                    return plain.names[value]
                elif not isinstance(value, Exception):
                    coerced = plain.leaf.coerce_output_value(value)
                    if coerced is not None and coerced is not Undefined:
                        return coerced
            except Exception:  # noqa: BLE001 - the standard way below raises it where graphql-core does
                pass
        return super().execute_field(parent_type, source, field_details_list, path, position_context)

    def complete_object_value(self, return_type, field_details_list, info, path, result, position_context):  # type: ignore[no-untyped-def]
        if position_context is not None:
            return super().complete_object_value(return_type, field_details_list, info, path, result,
                                                 position_context)
        key = (id(result), id(field_details_list))
        known = self.completed.get(key)
        if known is not None:
            return known[2]
        errors = len(self.collected_errors.errors)
        completed = super().complete_object_value(return_type, field_details_list, info, path, result,
                                                  position_context)
        if not self.is_awaitable(completed) and len(self.collected_errors.errors) == errors:
            self.completed[key] = (result, field_details_list, completed)
        return completed


def executor_for(schema: GraphQLSchema) -> type[Executor]:
    """An executor class that knows this schema's plain fields (worked out once, at build)."""
    return type("Executor", (Executor,), {"plain": plain_fields(schema)})
