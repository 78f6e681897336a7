"""SQLite under real load: two uvicorn worker processes take 50 simultaneous writes.

Within one process writes queue on a lock; across processes only SQLite's busy
timeout and BEGIN IMMEDIATE (app/db.py) keep a writer from failing with
"database is locked". Every write must land, each with its audit event.
"""

import asyncio
from collections.abc import Callable

import httpx
import pytest

from infra.database import Database, create_engine
from tests.world import build_world

pytestmark = pytest.mark.live

WRITES = 50
ADD_MEMBER = """
mutation($org: ID!, $email: String!, $name: String!) {
  addMember(input: {organisationId: $org, email: $email, displayName: $name}) {
    __typename ... on MembershipPayload { membership { person { email } } } ... on Error { code message } } }
"""
COUNTS = """
query($org: ID!) {
  node(id: $org) { ... on Organisation { members(first: 100) { totalCount nodes { person { email } } } } }
  auditLog(filter: {organisationId: $org}) { totalCount }
  added: auditLog(filter: {organisationId: $org, actions: [MEMBER_ADDED]}) { totalCount }
}
"""


def _added(response: httpx.Response) -> bool:
    """HTTP 200, no GraphQL errors, and addMember's success payload."""
    if response.status_code != 200:
        return False
    body = response.json()
    payload = (body.get("data") or {}).get("addMember") or {}
    return not body.get("errors") and payload.get("__typename") == "MembershipPayload"


async def test_fifty_concurrent_writes_across_two_workers_all_succeed(
    sqlite_url: str, serve: Callable[..., str]
) -> None:
    seeding = Database(create_engine(sqlite_url))
    try:
        world = await build_world(seeding)
    finally:
        await seeding.dispose()
    base_url = serve(sqlite_url, workers=2)
    org = world.org("ashdown")
    headers = {"Authorization": f"Bearer {world['owner'].token}"}
    emails = [f"newcomer{i}@example.org" for i in range(WRITES)]

    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=120) as http:
        async def counts() -> dict:
            response = await http.post("/graphql", json={"query": COUNTS, "variables": {"org": org}})
            assert response.status_code == 200 and "errors" not in response.json(), response.text
            return response.json()["data"]

        before = await counts()
        responses = await asyncio.gather(*(
            http.post("/graphql", json={"query": ADD_MEMBER,
                                        "variables": {"org": org, "email": email, "name": f"Newcomer {i}"}})
            for i, email in enumerate(emails)
        ))
        after = await counts()

    failed = [r.text for r in responses if not _added(r)]
    assert not failed, f"{len(failed)} of {WRITES} writes failed, e.g. {failed[:3]}"
    assert not [r.text for r in responses if "database is locked" in r.text.lower()]

    members_before, members_after = before["node"]["members"], after["node"]["members"]
    assert members_after["totalCount"] == members_before["totalCount"] + WRITES
    new_emails = {n["person"]["email"] for n in members_after["nodes"]} - {
        n["person"]["email"] for n in members_before["nodes"]}
    assert new_emails == set(emails)
    assert after["auditLog"]["totalCount"] == before["auditLog"]["totalCount"] + WRITES
    assert after["added"]["totalCount"] == before["added"]["totalCount"] + WRITES
