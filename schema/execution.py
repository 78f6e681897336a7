"""Four short ways through graphql-core's execution, for long lists.

- A field without a resolver of its own, a scalar or enum read off its object, is one
  attribute read and one coercion. graphql-core runs every field the same way: a path, a
  resolve info (which strawberry widens), the resolver strawberry made to read the
  attribute, then completion through the non-null and leaf branches; on a page of 500
  enrolments that is some 5,000 plain fields, and most of the page's time.
- One object met again under the same selection (the course of each of 500 enrolments,
  the school of each row of a summary) is completed once: the answer is the same, as
  resolvers below the root depend on the object and the request and change nothing (a
  mutation's change is its root field's, done before its payload is completed).
- An object a field holds as an attribute (an edge's node, an enrolment's course), behind
  at most its declared ability, is completed straight away: no resolve info, no resolver
  call, and errors below it land as graphql-core lands them.
- A list item whose whole selection is plain fields, relay ids, `__typename` and held
  objects with selections of the same kind (a page's edges: a cursor, and a node of plain fields and
  its course's id) is answered by one loop over a plan made once per selection, not by
  graphql-core's half a dozen calls per object; an item in which any field would need
  more (or makes an error) goes the standard way, whole.

Anything out of the ordinary (a null where the schema promises a value, a value the type
cannot coerce or still to be awaited, middleware, a completion in a request that has had
an error or one still awaited, a schema with @defer) goes the standard way, so answers and
errors are graphql-core's own."""

from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any, NamedTuple

from graphql import (
    GraphQLField, GraphQLObjectType, GraphQLSchema, Undefined, get_nullable_type, is_leaf_type, is_non_null_type,
)
from graphql.pyutils import Path, gather_with_cancel
from strawberry import relay
from strawberry.relay import GlobalID
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField


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


def strawberry_fields(schema: GraphQLSchema) -> Iterator[tuple[str, str, GraphQLField, StrawberryField]]:
    """(type, field, graphql-core's field, strawberry's) for every field of the schema's own
    object types that strawberry made."""
    for type_name, named in schema.type_map.items():
        if not isinstance(named, GraphQLObjectType) or type_name.startswith("__"):
            continue
        for field_name, field in named.fields.items():
            definition = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
            if isinstance(definition, StrawberryField):
                yield type_name, field_name, field, definition


class Held(NamedTuple):
    """A field answering an object it holds as an attribute, perhaps behind a declared
    ability (schema/permission.py's Declared, or None)."""

    attribute: str
    gate: Any
    return_type: Any  # the field's type, non-null or not
    object_type: GraphQLObjectType


def held_objects(schema: GraphQLSchema) -> dict[tuple[str, str], Held]:
    """(type, field) of every object field read off its object as an attribute (no resolver
    and no argument; no extension but a declared ability), whose type is an object type."""
    found = {}
    for type_name, field_name, field, definition in strawberry_fields(schema):
        extensions = definition.extensions
        gate = extensions[0] if len(extensions) == 1 and hasattr(extensions[0], "denies") else None
        object_type = get_nullable_type(field.type)
        if (
            isinstance(object_type, GraphQLObjectType)
            and definition.base_resolver is None
            and definition.default_resolver is getattr
            and not field.args
            and (not extensions or gate is not None)
        ):
            found[type_name, field_name] = Held(definition.python_name, gate, field.type, object_type)
    return found


def plain_fields(schema: GraphQLSchema) -> dict[tuple[str, str], Plain]:
    """(type, field) of every object field strawberry reads as a bare attribute
    (`getattr`, no resolver, no extension, no permission, no argument) and whose type is a
    leaf."""
    found = {}
    for type_name, field_name, field, definition in strawberry_fields(schema):
        leaf = get_nullable_type(field.type)
        if (
            getattr(field.resolve, "_is_default", False)
            and not definition.extensions  # strawberry marks a field with extensions default too
            and definition.default_resolver is getattr
            and not field.args
            and is_leaf_type(leaf)
        ):
            found[type_name, field_name] = Plain(definition.python_name, leaf, is_non_null_type(field.type),
                                                 _names(leaf))
    return found


class NodeId(NamedTuple):
    """A node's `id` as strawberry's relay makes it, for objects of exactly `cls`: the
    global id of the object type's name and the `attribute` its NodeID is read from."""

    cls: type
    attribute: str
    leaf: Any  # the ID scalar


def node_ids(schema: GraphQLSchema) -> dict[tuple[str, str], NodeId]:
    """(type, field) of every relay `id` left as strawberry's Node makes it: no extension,
    and the type's own id and type name resolved the Node way."""
    made = relay.Node.__dict__["_id"].__func__
    found = {}
    for type_name, field_name, field, definition in strawberry_fields(schema):
        resolver = getattr(definition.base_resolver, "wrapped_func", None)
        cls = getattr(resolver, "__self__", None)
        if (
            getattr(resolver, "__func__", None) is made
            and not definition.extensions
            and cls.resolve_id.__func__ is relay.Node.resolve_id.__func__
            and cls.resolve_typename.__func__ is relay.Node.resolve_typename.__func__
        ):
            found[type_name, field_name] = NodeId(cls, cls.resolve_id_attr(), get_nullable_type(field.type))
    return found


class Flat(NamedTuple):
    """How to answer an object whose selection is all plain fields, relay ids, its type's
    name and held objects, in the selection's order: (PLAIN, name, Plain), (TYPENAME, name,
    the type's name), (NODE_ID, name, NodeId) or (HELD, name, Held, its selection, its
    Flat)."""

    type_name: str
    # strawberry's own check that an object is of the type (its interfaces' or its own
    # class), which reads nothing of the resolve info; None where the type has none.
    is_type_of: Callable[[Any, Any], bool] | None
    entries: tuple[tuple[Any, ...], ...]


def _own_is_type_of(object_type: GraphQLObjectType) -> bool:
    """The type's is_type_of, if any, is the one strawberry makes, not the schema's own."""
    definition = object_type.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    return object_type.is_type_of is None or (definition is not None and definition.is_type_of is None)


PLAIN, TYPENAME, NODE_ID, HELD = range(4)


class Executor(StrawberryGraphQLCoreExecutionContext):
    """strawberry's executor, with plain fields and repeated objects taken the short way."""

    plain: dict[tuple[str, str], Plain] = {}
    held: dict[tuple[str, str], Held] = {}
    ids: dict[tuple[str, str], NodeId] = {}
    # Objects met again are completed once unless the schema offers @defer: a deferred part
    # of the object's selection is delivered per path, so each path needs its own.
    reuses = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # id(object), id(selection) -> (object, selection, completed): holding both keeps
        # their ids from being reused by others during the request.
        self.completed: dict[tuple[int, int], tuple[Any, Any, Any]] = {}
        self.flats: dict[tuple[Any, int], tuple[Any, Flat | None]] = {}
        # What a declared ability reads of a field's info: the request's context.
        self.gate_info = SimpleNamespace(context=self.context_value)

    def execute_fields(self, parent_type, source_value, path, grouped_field_set, position_context):  # type: ignore[no-untyped-def]
        """graphql-core's, with each plain field answered in the loop itself: no path, no
        call, unless it needs the standard way."""
        if getattr(self.middleware_manager, "middlewares", None):
            return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)
        results: dict[str, Any] = {}
        awaitable_fields: list[str] = []
        type_name = parent_type.name
        reusing = self.reuses and position_context is None
        try:
            for response_name, field_details_list in grouped_field_set.items():
                key = (type_name, field_details_list[0].node.name.value)
                plain = self.plain.get(key)
                if plain is not None:
                    value = _read(plain, source_value, self.is_awaitable)
                    if value is not _STANDARD:
                        results[response_name] = value
                        continue
                held = self.held.get(key) if reusing else None
                if held is not None:
                    value = self._held(held, source_value, field_details_list, Path(path, response_name, type_name))
                    if value is not _STANDARD:
                        results[response_name] = value
                        if self.is_awaitable(value):
                            awaitable_fields.append(response_name)
                        continue
                result = self.execute_field(parent_type, source_value, field_details_list,
                                            Path(path, response_name, type_name), position_context)
                if result is not Undefined:
                    results[response_name] = result
                    if self.is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise
        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            if len(awaitable_fields) == 1:
                results[awaitable_fields[0]] = await results[awaitable_fields[0]]
            else:
                awaited = await gather_with_cancel(*(results[field] for field in awaitable_fields))
                results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()

    def holding(self, held: Held, source: Any) -> Any:
        """The object `held` reads off `source`, or _STANDARD where its declared ability
        refuses it, reading it fails, or it is null, an error or still to be awaited."""
        try:
            if held.gate is not None and held.gate.denies(source, self.gate_info):
                return _STANDARD
            value = getattr(source, held.attribute)
        except Exception:  # noqa: BLE001 - the standard way raises it where graphql-core does
            return _STANDARD
        if value is None or isinstance(value, Exception) or self.is_awaitable(value):
            return _STANDARD
        return value

    def _held(self, held: Held, source: Any, field_details_list: Any, path: Path) -> Any:
        """A held object completed straight away: the completion already made under this
        selection (the course of the 499 enrolments after the first), or its fields
        executed now, with no resolve info and no resolver call. Errors land as
        graphql-core's execute_field lands them. A refusal, a null, an error or a value
        still to be awaited goes the standard way."""
        value = self.holding(held, source)
        if value is _STANDARD:
            return _STANDARD
        known = self.completed.get((id(value), id(field_details_list)))
        if known is not None:
            return known[2]
        if not _own_is_type_of(held.object_type):  # the schema's own check may read the resolve info
            return _STANDARD
        try:
            completed = self.complete_object_value(held.object_type, field_details_list, None, path, value, None)
        except Exception as raw_error:
            self.handle_field_error(raw_error, held.return_type, field_details_list, path)
            return None
        if not self.is_awaitable(completed):
            return completed

        async def await_completed() -> Any:
            try:
                return await completed
            except Exception as raw_error:
                self.handle_field_error(raw_error, held.return_type, field_details_list, path)
                return None

        return await_completed()

    def complete_list_item_value(self, item, complete_results, item_type, field_details_list, info, item_path,  # type: ignore[no-untyped-def]
                                 position_context):
        """graphql-core's, but an item a flat plan answers whole is answered by it."""
        if position_context is None and item is not None:  # a plan makes no error: it gives way
            flat = self._flat(get_nullable_type(item_type), field_details_list)
            if flat is not None:
                row = flat_row(self, flat, item)
                if row is not _STANDARD:
                    complete_results.append(row)
                    return False
        return super().complete_list_item_value(item, complete_results, item_type, field_details_list, info,
                                                item_path, position_context)

    def _flat(self, object_type: Any, field_details_list: Any) -> Flat | None:
        """The plan for this selection of this type, made once per request, or None where
        some field of it (or below) needs more than a plain read or a held object."""
        key = (object_type, id(field_details_list))
        if key in self.flats:
            return self.flats[key][1]
        flat = None
        if (self.reuses and isinstance(object_type, GraphQLObjectType) and _own_is_type_of(object_type)
                and not getattr(self.middleware_manager, "middlewares", None)):
            grouped, defers, _ = self.collect_subfields(object_type, field_details_list)
            entries: list[Any] = []
            for name, selection in grouped.items():
                field_key = (object_type.name, selection[0].node.name.value)
                held = self.held.get(field_key)
                if field_key[1] == "__typename":  # Apollo Client's caches ask for it in every selection
                    entries.append((TYPENAME, name, object_type.name))
                elif field_key in self.plain:
                    entries.append((PLAIN, name, self.plain[field_key]))
                elif field_key in self.ids:
                    entries.append((NODE_ID, name, self.ids[field_key]))
                elif held and (below := self._flat(get_nullable_type(held.return_type), selection)) is not None:
                    entries.append((HELD, name, held, selection, below))
                else:
                    break
            else:
                flat = None if defers else Flat(object_type.name, object_type.is_type_of, tuple(entries))
        self.flats[key] = (field_details_list, flat)  # the selection kept: its id is not reused
        return flat

    def complete_object_value(self, return_type, field_details_list, info, path, result, position_context):  # type: ignore[no-untyped-def]
        if not self.reuses or position_context is not None:
            return super().complete_object_value(return_type, field_details_list, info, path, result,
                                                 position_context)
        key = (id(result), id(field_details_list))
        known = self.completed.get(key)
        if known is not None:
            return known[2]
        completed = super().complete_object_value(return_type, field_details_list, info, path, result,
                                                  position_context)
        # Kept only while the request has no error at all: an error under a position already
        # nulled is dropped, so no count of errors tells whether this completion had one.
        if not self.is_awaitable(completed) and not self.collected_errors.errors:
            self.completed[key] = (result, field_details_list, completed)
        return completed


_STANDARD = object()  # _read's answer when a field must go the standard way


def flat_row(executor: Executor, flat: Flat, source: Any) -> Any:
    """The object's answer by `flat`, or _STANDARD where any field needs more. A held
    object met again under the same selection is the answer made the first time."""
    if flat.is_type_of is not None and not flat.is_type_of(source, None):
        return _STANDARD
    row: dict[str, Any] = {}
    for entry in flat.entries:
        if entry[0] == PLAIN:
            value = _read(entry[2], source, executor.is_awaitable)
            if value is _STANDARD:
                return _STANDARD
            row[entry[1]] = value
            continue
        if entry[0] == TYPENAME:
            row[entry[1]] = entry[2]
            continue
        if entry[0] == NODE_ID:
            node_id = entry[2]
            value = getattr(source, node_id.attribute, None) if type(source) is node_id.cls else None
            if value is None:
                return _STANDARD
            row[entry[1]] = node_id.leaf.coerce_output_value(GlobalID(type_name=flat.type_name, node_id=str(value)))
            continue
        _kind, name, held, selection, below = entry
        value = executor.holding(held, source)
        if value is _STANDARD:
            return _STANDARD
        known = executor.completed.get((id(value), id(selection)))
        if known is not None:
            row[name] = known[2]
            continue
        answered = flat_row(executor, below, value)
        if answered is _STANDARD:
            return _STANDARD
        executor.completed[id(value), id(selection)] = (value, selection, answered)
        row[name] = answered
    return row


def _read(plain: Plain, source: Any, is_awaitable: Callable[[Any], bool]) -> Any:
    """A plain field's answer, or _STANDARD when graphql-core must give it (or its error)."""
    try:
        value = getattr(source, plain.attribute)
        if value is None:
            return _STANDARD if plain.non_null else None
        if plain.names is not None and value in plain.names:
            return plain.names[value]
        if isinstance(value, Exception) or is_awaitable(value):
            return _STANDARD
        coerced = plain.leaf.coerce_output_value(value)
    except Exception:  # noqa: BLE001 - the standard way raises it where graphql-core does
        return _STANDARD
    return _STANDARD if coerced is None or coerced is Undefined else coerced


def executor_for(schema: GraphQLSchema) -> type[Executor]:
    """An executor class that knows this schema's plain fields (worked out once, at build)."""
    return type("Executor", (Executor,), {"plain": plain_fields(schema), "held": held_objects(schema),
                                          "ids": node_ids(schema),
                                          "reuses": schema.get_directive("defer") is None})
