"""How a refused mutation must answer: the same as for an id that never existed to a
caller for whom `node(id:)` shows nothing of its target, FORBIDDEN to one who sees it."""

from typing import Any

NODE = "query Seen($id: ID!) { node(id: $id) { id } }"


async def expected_refusal(gql: Any, token: str, target_id: str | None) -> str:
    """The union member a refusal must be, judged by what `node(id:)` tells the caller."""
    if target_id is None:
        return "ForbiddenError"
    seen = (await gql(NODE, {"id": target_id}, token=token))["node"]
    return "ForbiddenError" if seen else "NotFoundError"


async def assert_refused(gql: Any, token: str, query: str, variables: dict[str, Any], name: str,
                         target_id: str | None) -> dict[str, Any]:
    expected = await expected_refusal(gql, token, target_id)
    answer = (await gql(query, variables, token=token))[name]
    assert answer["__typename"] == expected, answer
    assert answer["code"] == {"ForbiddenError": "FORBIDDEN", "NotFoundError": "NOT_FOUND"}[expected], answer
    return answer
