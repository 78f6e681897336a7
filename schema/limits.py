"""What a document may ask for, judged before graphql-core validates it and before any
SQL runs: its depth, aliases, field count, estimated cost and the length of every
string it carries, and which operation it names.

One walk of the document: each fragment is measured once and its figures reused at every
spread, so a document whose fragments each spread the one below twice costs no more to
measure than its own length (the figures it yields may be huge, and are refused).

The cost estimates the size of the answer, as GitHub's node limit does: every field counts
one, and a connection multiplies what it selects by the page asked for (`first` or `last`,
the default page size otherwise). Lists that are not connections are short by design (a
person's memberships, a group's lists) and count their fields once. It is reported in
every answer's `extensions.cost`.
"""

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from graphql import (
    DocumentNode, FieldNode, FragmentDefinitionNode, FragmentSpreadNode, GraphQLError, GraphQLNamedType,
    GraphQLObjectType, GraphQLSchema, InlineFragmentNode, IntValueNode, ListValueNode, ObjectValueNode,
    OperationDefinitionNode, SelectionSetNode, StringValueNode, VariableNode, get_named_type,
)
from graphql.type.definition import GraphQLInterfaceType
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from domain.errors import ErrorCode
from infra.settings import Settings

VALIDATED_DOCUMENTS = 1000  # distinct query texts whose parse and validation are kept
SEARCH_LENGTH = 200  # a search is a few words, and SQLite's LIKE refuses patterns past 50,000 bytes
# Input fields that carry a whole file: bounded by the request body (MAX_BODY_BYTES) alone.
FILE_FIELDS = frozenset({"csv"})  # importRoster's roster
OPERATION_NAME_REQUIRED = "OPERATION_NAME_REQUIRED"


@dataclass
class Measure:
    depth: int = 0
    aliases: int = 0
    cost: int = 0


@dataclass
class _Walk:
    schema: GraphQLSchema
    fragments: dict[str, FragmentDefinitionNode]
    variables: dict[str, Any]
    page_size: int
    measured: dict[str, Measure] = field(default_factory=dict)
    visiting: set[str] = field(default_factory=set)

    def selection_set(self, selections: SelectionSetNode | None, parent: GraphQLNamedType | None) -> Measure:
        total = Measure()
        if selections is None:
            return total
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                part = self.field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                part = self.selection_set(selection.selection_set, inner)
            elif isinstance(selection, FragmentSpreadNode):
                part = self.fragment(selection.name.value)
            else:
                continue
            total.depth = max(total.depth, part.depth)
            total.aliases += part.aliases
            total.cost += part.cost
        return total

    def fragment(self, name: str) -> Measure:
        if name in self.measured:
            return self.measured[name]
        definition = self.fragments.get(name)
        if definition is None or name in self.visiting:
            return Measure()  # unknown or cyclic: validation reports it
        self.visiting.add(name)
        measure = self.selection_set(definition.selection_set, self.schema.get_type(definition.type_condition.name.value))
        self.visiting.discard(name)
        self.measured[name] = measure
        return measure

    def field(self, node: FieldNode, parent: GraphQLNamedType | None) -> Measure:
        name = node.name.value
        alias = 1 if node.alias else 0
        definition = parent.fields.get(name) if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType) else None
        returned = definition.type if definition else None
        inner = self.selection_set(node.selection_set, get_named_type(returned) if returned else None)
        if name.startswith("__"):
            # Introspection: counted, never multiplied, and not deep by being introspection.
            return Measure(depth=0, aliases=alias + inner.aliases, cost=1 + inner.cost)
        # A connection multiplies what its page holds; its own nodes and edges do not again.
        times = 1 if parent is not None and parent.name.endswith("Connection") else self.times(node, returned)
        return Measure(depth=1 + inner.depth, aliases=alias + inner.aliases, cost=1 + times * inner.cost)

    def times(self, node: FieldNode, returned: Any) -> int:
        named = get_named_type(returned) if returned is not None else None
        if named is not None and named.name.endswith("Connection"):
            for argument in node.arguments or ():
                if argument.name.value in ("first", "last"):
                    value = self.value(argument.value)
                    if isinstance(value, int) and value > 0:
                        return value
            return self.page_size
        return 1

    def value(self, node: Any) -> Any:
        if isinstance(node, VariableNode):
            return self.variables.get(node.name.value)
        if isinstance(node, IntValueNode):
            return int(node.value)
        return None


def _operations(document: DocumentNode) -> list[OperationDefinitionNode]:
    return [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]


def measure(document: DocumentNode, schema: GraphQLSchema, variables: dict[str, Any], operation_name: str | None,
            page_size: int) -> Measure:
    """The figures of the operation that will run (the largest, if none is named)."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    walk = _Walk(schema, fragments, variables, page_size)
    result = Measure()
    for operation in _operations(document):
        if operation_name is not None and (operation.name is None or operation.name.value != operation_name):
            continue
        root = schema.get_root_type(operation.operation)
        part = walk.selection_set(operation.selection_set, root)
        result = Measure(max(result.depth, part.depth), max(result.aliases, part.aliases), max(result.cost, part.cost))
    return result


def count_fields(document: DocumentNode) -> int:
    """Field selections as written (not expanded): graphql-core compares the fields of a
    selection set pairwise, so their number must be bounded before it validates."""
    count = 0
    stack: list[Any] = list(document.definitions)
    while stack:
        node = stack.pop()
        if isinstance(node, FieldNode):
            count += 1
        selections = getattr(node, "selection_set", None)
        if selections is not None:
            stack.extend(selections.selections)
    return count


def _error(message: str, code: str, field: str | None = None) -> GraphQLError:
    extensions: dict[str, Any] = {"code": code}
    if field:
        extensions["field"] = field
    return GraphQLError(message, extensions=extensions)


def _arguments(document: DocumentNode) -> list[Any]:
    """Every argument written in the document, in its operations and fragments."""
    found: list[Any] = []
    stack: list[Any] = list(document.definitions)
    while stack:
        node = stack.pop()
        found.extend(getattr(node, "arguments", None) or ())
        selections = getattr(node, "selection_set", None)
        if selections is not None:
            stack.extend(selections.selections)
    return found


def _file_variables(arguments: list[Any]) -> set[str]:
    """The variables given straight to a file's input field (`csv: $roster`)."""
    names: set[str] = set()
    stack = [argument.value for argument in arguments]
    while stack:
        node = stack.pop()
        if isinstance(node, ObjectValueNode):
            for item in node.fields:
                if item.name.value in FILE_FIELDS and isinstance(item.value, VariableNode):
                    names.add(item.value.name.value)
                stack.append(item.value)
        elif isinstance(node, ListValueNode):
            stack.extend(node.values)
    return names


def too_long(document: DocumentNode, schema: GraphQLSchema, variables: dict[str, Any], limit: int,
             file_limit: int) -> GraphQLError | None:
    """The first string input (literal or variable) longer than its limit: a search takes a
    few words, a file's input field (FILE_FIELDS) `file_limit` characters, anything else
    `limit`. Only the input field decides, never what a variable is called."""
    arguments = _arguments(document)
    files = _file_variables(arguments)
    for name, value in variables.items():
        found = _long_value(value, name, file_limit if name in files else limit, file_limit)
        if found:
            return found
    for argument in arguments:
        maximum = SEARCH_LENGTH if argument.name.value == "search" else limit
        found = _long_literal(argument.value, argument.name.value, maximum, file_limit)
        if found:
            return found
        if isinstance(argument.value, VariableNode) and argument.name.value == "search":
            value = variables.get(argument.value.name.value)
            if isinstance(value, str) and len(value) > SEARCH_LENGTH:
                return _long(argument.name.value, SEARCH_LENGTH)
    return None


def _long(path: str, maximum: int) -> GraphQLError:
    return _error(f"{path} is too long: at most {maximum} characters.", ErrorCode.VALIDATION, path)


def _field_limit(name: str, inherited: int, file_limit: int) -> int:
    """An input field's own limit: a file's, or the one it sits in."""
    return file_limit if name in FILE_FIELDS else inherited


def _long_value(value: Any, path: str, maximum: int, file_limit: int) -> GraphQLError | None:
    if isinstance(value, str):
        return _long(path, maximum) if len(value) > maximum else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _long_value(item, f"{path}.{key}", _field_limit(key, maximum, file_limit), file_limit)
            if found:
                return found
    if isinstance(value, list):
        for item in value:
            found = _long_value(item, path, maximum, file_limit)
            if found:
                return found
    return None


def _long_literal(node: Any, path: str, maximum: int, file_limit: int) -> GraphQLError | None:
    if isinstance(node, StringValueNode):
        return _long(path, maximum) if len(node.value) > maximum else None
    if isinstance(node, ObjectValueNode):
        for item in node.fields:
            name = item.name.value
            found = _long_literal(item.value, f"{path}.{name}", _field_limit(name, maximum, file_limit), file_limit)
            if found:
                return found
    if isinstance(node, ListValueNode):
        for item in node.values:
            found = _long_literal(item, path, maximum, file_limit)
            if found:
                return found
    return None


# graphql-core's verdict on a document depends on the document alone: the same query text
# (parsed once by the ParserCache into the same document) is validated once.
_validated = lru_cache(maxsize=VALIDATED_DOCUMENTS)(validate_document)


class RequestLimits(SchemaExtension):
    """Refuses, before validation and before any SQL, a document past any limit; then
    validates the document (once per distinct query text); reports every answer's
    estimated cost."""

    def __init__(self, *, settings: Settings) -> None:
        self.settings = settings
        self.cost: int | None = None

    def on_validate(self):  # type: ignore[no-untyped-def]
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.pre_execution_errors is None:
            # The name the caller gave: strawberry's own falls back to the first operation.
            named = context._provided_operation_name
            problems = self.check(document, context.schema._schema, context.variables or {}, named)
            context.pre_execution_errors = problems or _validated(
                context.schema._schema, document, context.validation_rules
            )
        yield

    def check(self, document: DocumentNode, schema: GraphQLSchema, variables: dict[str, Any],
              operation_name: str | None) -> list[GraphQLError]:
        s = self.settings
        if operation_name is None and len(_operations(document)) > 1:
            return [_error("This document holds several operations: name the one to run in operationName.",
                           OPERATION_NAME_REQUIRED)]
        fields = count_fields(document)
        if fields > s.max_fields:
            return [_error(f"The document selects {fields} fields; at most {s.max_fields} are allowed.",
                           "QUERY_TOO_LARGE")]
        long = too_long(document, schema, variables, s.max_string_length, s.max_body_bytes)
        if long is not None:
            return [long]
        found = measure(document, schema, variables, operation_name, s.default_page_size)
        self.cost = found.cost
        depth = found.depth - 1  # the root fields are depth 0
        if depth > s.max_query_depth:
            return [_error(f"The query's depth is {depth} levels; at most {s.max_query_depth} are allowed.",
                           "QUERY_TOO_DEEP")]
        if found.aliases > s.max_aliases:
            return [_error(f"The query uses {found.aliases} aliases; at most {s.max_aliases} are allowed.",
                           "QUERY_TOO_LARGE")]
        if found.cost > s.max_query_cost:
            return [_error(f"The query would cost {found.cost}; at most {s.max_query_cost} is allowed. Ask for "
                           "smaller pages (first) or fewer nested connections.", "QUERY_TOO_COSTLY")]
        return []

    def get_results(self) -> dict[str, Any]:
        if self.cost is None:
            return {}
        return {"cost": {"requested": self.cost, "limit": self.settings.max_query_cost}}
