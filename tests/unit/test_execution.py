"""schema/execution.py's short ways answer exactly as graphql-core's long one: the same data
and the same errors at the same paths, for plain fields, enums, nulls where the schema
promises a value, objects met again, and objects whose completion fails."""

import enum
from datetime import UTC, datetime

import strawberry

from schema.execution import Executor, executor_for


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

