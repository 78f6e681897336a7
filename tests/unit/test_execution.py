"""schema/execution.py's short ways answer exactly as graphql-core's long one: the same data
and the same errors at the same paths, for plain fields, enums, nulls where the schema
promises a value, objects met again, and objects whose completion fails."""

import asyncio
import enum
from datetime import UTC, datetime

import pytest
import strawberry
from strawberry import relay
from strawberry.extensions import FieldExtension
from strawberry.scalars import JSON
from strawberry.schema.config import StrawberryConfig

from schema.execution import executor_for


@strawberry.enum
class Mood(enum.Enum):
    CALM = "calm"
    BUSY = "busy"


SHOUTED: list[str] = []


@strawberry.type
class Tag:
    name: str

    @strawberry.field
    def shout(self) -> str | None:
        SHOUTED.append(self.name)
        if self.name == "broken":
            raise ValueError("no shouting")
        return self.name.upper()


@strawberry.type
class Row:
    title: str
    count: int
    mood: Mood
    at: datetime
    note: str | None
    missing: str  # None in some rows: an error, as graphql-core raises it
    tag: Tag


def rows() -> list[Row]:
    plain, broken = Tag(name="plain"), Tag(name="broken")
    made = []
    for i in range(6):
        made.append(Row(
            title=f"row {i}", count=i, mood=Mood.BUSY if i % 2 else Mood.CALM,
            at=datetime(2026, 12, 2, 9, i, tzinfo=UTC), note=None if i % 3 else "noted",
            missing=None if i == 4 else "here",  # type: ignore[arg-type]
            tag=broken if i in (1, 3) else plain,
        ))
    return made


@strawberry.type
class Query:
    @strawberry.field
    def rows(self) -> list[Row | None]:
        return rows()  # type: ignore[return-value]


QUERY = "{ rows { title count mood at note missing tag { name shout } again: tag { shout } } }"


def answers(executor: type | None, query: str = QUERY) -> tuple[object, list[tuple[str, tuple]]]:
    schema = strawberry.Schema(query=Query)
    if executor is not None:
        schema.execution_context_class = executor(schema._schema)
    result = schema.execute_sync(query)
    return result.data, sorted((e.message, tuple(e.path or ())) for e in result.errors or [])


def test_the_short_ways_answer_as_graphql_core_does() -> None:
    expected = answers(None)
    data, errors = expected
    assert data["rows"][0]["mood"] == "CALM" and data["rows"][0]["at"] == "2026-12-02T09:00:00+00:00"
    assert data["rows"][4] is None  # `missing` is null there, so its row is
    assert ("no shouting", ("rows", 1, "tag", "shout")) in errors
    assert ("no shouting", ("rows", 3, "again", "shout")) in errors, "each path of a failing object has its error"
    assert answers(executor_for) == expected


def test_plain_fields_are_found_and_a_repeated_object_is_completed_once() -> None:
    plain = executor_for(strawberry.Schema(query=Query)._schema).plain
    assert {"title", "count", "mood", "at", "note", "missing"} == {f for t, f in plain if t == "Row"}
    assert ("Tag", "shout") not in plain, "a field with a resolver of its own is not plain"
    assert ("Tag", "name") in plain

    SHOUTED.clear()
    answers(None, "{ rows { tag { shout } } }")
    assert SHOUTED.count("plain") == 4
    SHOUTED.clear()
    answers(executor_for, "{ rows { tag { shout } } }")
    assert SHOUTED.count("plain") == 1, "the tag four rows share is completed once"
    assert SHOUTED.count("broken") == 2, "a completion that failed is not kept"




def test_a_held_object_is_completed_without_running_its_field() -> None:
    """An object a field holds as an attribute (the tag of each row) is completed straight
    away, once per distinct object: no resolve info, no resolver call."""
    schema = strawberry.Schema(query=Query)
    made = executor_for(schema._schema)
    assert ("Row", "tag") in made.held
    ran: list[str] = []

    class Counting(made):  # type: ignore[valid-type, misc]
        def execute_field(self, parent_type, source, field_details_list, path, position_context=None):  # type: ignore[no-untyped-def]
            ran.append(f"{parent_type.name}.{field_details_list[0].node.name.value}")
            return super().execute_field(parent_type, source, field_details_list, path, position_context)

    schema.execution_context_class = Counting
    result = schema.execute_sync("{ rows { tag { name } } }")
    assert not result.errors and [r["tag"]["name"] for r in result.data["rows"]] == [
        "plain", "broken", "plain", "broken", "plain", "plain"]
    assert "Row.tag" not in ran


@strawberry.type
class Strict:
    fails: bool

    @strawberry.field
    def must(self) -> str:
        if self.fails:
            raise ValueError("must fails")
        return "fine"

    @strawberry.field
    async def later(self) -> str:
        if self.fails:
            raise ValueError("later fails")
        return "fine"


@strawberry.type
class Holder:
    strict: Strict
    maybe: Strict | None


@strawberry.type
class StrictQuery:
    @strawberry.field
    def holders(self) -> list[Holder | None]:
        return [Holder(strict=Strict(fails=i == 1), maybe=Strict(fails=i == 2)) for i in range(4)]


@pytest.mark.parametrize("query", [
    "{ holders { maybe { must } strict { must } } }",
    "{ holders { maybe { later } strict { later } } }",
    "{ holders { strict { must later } maybe { later must } } }",
])
async def test_a_held_object_whose_fields_fail_answers_as_graphql_core_does(query: str) -> None:
    async def run(executor: type | None) -> tuple[object, list[tuple[str, tuple]]]:
        schema = strawberry.Schema(query=StrictQuery)
        if executor is not None:
            schema.execution_context_class = executor(schema._schema)
        result = await schema.execute(query)
        return result.data, sorted((e.message, tuple(e.path or ())) for e in result.errors or [])

    expected = await run(None)
    assert expected[1], "the query has errors to compare"
    assert await run(executor_for) == expected


class Deny(FieldExtension):
    def resolve(self, next_, source, info, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError("denied by extension")


async def later(value: object) -> object:
    await asyncio.sleep(0)
    return value


@strawberry.type
class Odd:
    hidden: str = strawberry.field(extensions=[Deny()])


@strawberry.type
class Pending:
    value: JSON | None  # holds an awaitable: graphql-core awaits it before coercing


SHARED_TAG = Tag(name="plain")


@strawberry.type
class Half:
    index: int

    @strawberry.field
    async def tag(self) -> Tag:
        await asyncio.sleep(0 if self.index == 0 else 0.01)
        return SHARED_TAG

    @strawberry.field
    def fails(self) -> str:
        if self.index == 0:
            raise RuntimeError("failed first")
        return "fine"


@strawberry.type
class OddQuery:
    @strawberry.field
    def odd(self) -> Odd:
        return Odd(hidden="secret")

    @strawberry.field
    def pending(self) -> Pending:
        return Pending(value=later({"awaited": True}))  # type: ignore[arg-type]

    @strawberry.field
    def halves(self) -> list[Half | None]:
        return [Half(index=0), Half(index=1)]


async def odd_answers(executor: type | None, query: str) -> tuple[object, list[tuple[str, tuple]]]:
    schema = strawberry.Schema(query=OddQuery)
    if executor is not None:
        schema.execution_context_class = executor(schema._schema)
    result = await schema.execute(query)
    await asyncio.sleep(0.05)  # let work left in the background settle, as graphql-core does
    return result.data, sorted((e.message, tuple(e.path or ())) for e in result.errors or [])


@pytest.mark.parametrize("query", [
    "{ odd { hidden } }",  # a field with an extension is not plain: the extension runs
    "{ pending { value } }",  # an awaitable value is awaited before it is coerced
    # The shared tag is completed at halves.1 while halves.0, already nulled by `fails`,
    # drops its error: nothing completed then may be reused without its error.
    "{ halves { tag { name shout } fails } }",
])
async def test_unusual_fields_and_failed_requests_go_the_standard_way(query: str) -> None:
    assert await odd_answers(executor_for, query) == await odd_answers(None, query)


def test_a_schema_with_defer_completes_each_path_itself() -> None:
    plain = strawberry.Schema(query=Query)
    deferring = strawberry.Schema(query=Query, config=StrawberryConfig(enable_experimental_incremental_execution=True))
    assert executor_for(plain._schema).reuses
    assert not executor_for(deferring._schema).reuses


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Place(relay.Node, Named):
    """A node with an interface: strawberry checks each object is of the type, and the
    id is its relay global id."""

    code: relay.NodeID[int]
    tag: Tag


@strawberry.type
class Checked:
    """A type with a check of its own, which reads the resolve info."""

    name: str

    @classmethod
    def is_type_of(cls, obj: object, info: object) -> bool:
        CHECKED.append(info)
        return isinstance(obj, cls)


CHECKED: list[object] = []


@strawberry.type
class FlatQuery:
    @strawberry.field
    def rows(self) -> list[Row | None]:
        return rows()  # type: ignore[return-value]

    @strawberry.field
    def places(self) -> list[Place]:
        return [Place(code=i, name=f"place {i}", tag=SHARED_TAG) for i in range(3)]

    @strawberry.field
    def checked(self) -> list[Checked]:
        return [Checked(name="one"), Checked(name="two")]


def flat_answers(executor: type | None, query: str) -> tuple[object, list[tuple[str, tuple]], list[str]]:
    """Data, errors, and the objects graphql-core's own completion was asked for."""
    schema = strawberry.Schema(query=FlatQuery)
    completed: list[str] = []
    if executor is not None:
        made = executor(schema._schema)

        class Counting(made):  # type: ignore[valid-type, misc]
            def collect_and_execute_subfields(self, return_type, *args):  # type: ignore[no-untyped-def]
                completed.append(return_type.name)
                return super().collect_and_execute_subfields(return_type, *args)

        schema.execution_context_class = Counting
    result = schema.execute_sync(query)
    return result.data, sorted((e.message, tuple(e.path or ())) for e in result.errors or []), completed


@pytest.mark.parametrize("query", [
    "{ rows { title count mood at note missing tag { name } } }",
    "{ rows { tag { name } title } places { id name tag { name } } }",
    "{ places { __typename id } checked { name } }",
    "{ places { kind: __typename tag { __typename name } } }",
])
def test_a_list_of_flat_objects_answers_as_graphql_core_does(query: str) -> None:
    data, errors, _ = flat_answers(None, query)
    assert data is not None
    assert flat_answers(executor_for, query)[:2] == (data, errors)


def test_a_list_of_flat_objects_is_answered_without_completing_each_object() -> None:
    """Rows whose every field is plain, a relay id or a held object are answered by the
    plan: graphql-core completes only the row it must (a null where the schema promises a
    value) and the objects above the list."""
    data, errors, completed = flat_answers(
        executor_for, "{ rows { title missing tag { name } } places { __typename id } }")
    assert data["rows"][4] is None and errors == [
        ("Cannot return null for non-nullable field Row.missing.", ("rows", 4, "missing"))]
    assert data["places"] == [{"__typename": "Place", "id": str(relay.GlobalID("Place", str(i)))} for i in range(3)]
    assert completed.count("Row") == 1 and "Place" not in completed and "Tag" not in completed
    CHECKED.clear()
    _data, _errors, completed = flat_answers(executor_for, "{ checked { name } }")
    assert completed.count("Checked") == 2 and len(CHECKED) == 2 and all(CHECKED), "its own check runs, with info"
