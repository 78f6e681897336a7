"""Refusals tell nothing: every mutation, tried by every kind of caller of the test world.
A caller who may not see the mutation's target gets exactly the answer an id that never
existed gets; one who may see it but not act gets FORBIDDEN; and a refused call changes
nothing, not a row, not the audit log. Whether the caller may see the target is asked of
`node(id:)`, so a mutation can never tell more than the node query would."""

from typing import Any

import pytest
from graphql import parse
from graphql.language import ArgumentNode, ObjectValueNode, OperationDefinitionNode, VariableNode
from sqlalchemy import text

from infra.database import Database
from infra.settings import Settings
from schema.build import build_schema
from schema.ids import decode_any, global_id
from tests.mutation_cases import MUTATIONS
from tests.refusals import expected_refusal
from tests.world import PEOPLE, World

_SCHEMA = build_schema(Settings())
ACTS_ON = {
    _SCHEMA.config.name_converter.get_graphql_name(f): getattr(f, "acts_on", None)
    for f in _SCHEMA.get_type_by_name("Mutation").fields
}
CALLERS = [*PEOPLE, "system"]
ERROR = " ... on Error { code message field }"


def _acts_on_variable(query: str, name: str, field: str) -> str | None:
    """The variable the query passes as the input field naming the target."""
    (operation,) = [d for d in parse(query).definitions if isinstance(d, OperationDefinitionNode)]
    (selection,) = operation.selection_set.selections
    (argument,) = [a for a in selection.arguments if isinstance(a, ArgumentNode) and a.name.value == "input"]
    assert isinstance(argument.value, ObjectValueNode), f"{name}: its case must pass input fields one by one"
    for input_field in argument.value.fields:
        if input_field.name.value == field and isinstance(input_field.value, VariableNode):
            return input_field.value.name.value
    return None


async def _rows(db: Database) -> dict[str, int]:
    """Rows per table, one statement: a refused call must leave every count as it was."""
    async with db.read() as session:
        dialect = session.bind.dialect.name
        listing = ("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                   if dialect == "sqlite" else "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = [t for t in (await session.execute(text(listing))).scalars() if t != "alembic_version"]
        union = " UNION ALL ".join(f"SELECT '{t}', COUNT(*) FROM \"{t}\"" for t in tables)
        return dict((await session.execute(text(union))).all())


def _token(world: World, who: str) -> str:
    return world.system_token if who == "system" else world[who].token


def test_every_mutation_names_what_it_acts_on_or_needs_no_object() -> None:
    """Only platform support's creations act on nothing that exists yet."""
    assert sorted(n for n, acts in ACTS_ON.items() if acts is None) == ["addCourse", "createOrganisation"]


@pytest.mark.parametrize("name", sorted(MUTATIONS))
async def test_a_caller_who_may_not_see_the_target_learns_nothing_and_nothing_changes(
    gql, world: World, db: Database, name: str
) -> None:
    setup, _, _ = MUTATIONS[name]
    query, variables, allowed_token, field = await setup(gql, world, db)
    query = query.replace("__typename", "__typename" + ERROR, 1) if ERROR not in query else query
    acts_on = ACTS_ON[name]
    variable = _acts_on_variable(query, name, acts_on[1]) if acts_on else None
    target = variables[variable] if variable else None
    if target is not None:
        type_name, _ = decode_any(target, "id")
        made_up = {**variables, variable: global_id(type_name, 987_654_321)}
    refused = 0
    for who in CALLERS:
        token = _token(world, who)
        if token == allowed_token:
            continue
        async with db.undone():  # a caller who may do it too changes nothing for the next
            before = await _rows(db)
            answer = (await gql(query, variables, token=token))[field]
            if answer["__typename"] not in ("ForbiddenError", "NotFoundError"):
                continue  # allowed: it succeeded, or its input was checked
            refused += 1
            assert answer["__typename"] == await expected_refusal(gql, token, target), (who, answer)
            assert await _rows(db) == before, who
            if answer["__typename"] == "NotFoundError":
                never = (await gql(query, made_up, token=token))[field]
                assert never == answer, (who, answer, never)
    assert refused, f"no caller of the test world was refused {name}"
