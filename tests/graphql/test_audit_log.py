"""The audit log (seed 000): every change leaves an event written in the change's own
transaction, the log reads newest first, filters narrow it, and the policy decides who
sees which events."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from infra.database import Database
from domain.audit import AuditAction
from domain.models import AuditEvent, Person
from resolvers.unit_of_work import UnitOfWork
from schema.ids import global_id
from tests.databases import database_state
from tests.mutation_cases import CREATE_ORGANISATION, DEMOTE, EVENTS_WRITTEN, MUTATIONS, PROMOTE
from tests.world import World

LOG = """
query($filter: AuditLogFilter, $first: Int, $after: String) {
  auditLog(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id action actorName summary targetType targetId before after occurredAt staffGroupId
      licence { id }
      actor { id displayName }
      organisation { id name }
    }
  }
}
"""
ROLE = "query($id: ID!) { node(id: $id) { ... on Membership { role } } }"


async def audit_log(gql, token: str, first: int = 50, after: str | None = None, **where: Any) -> dict[str, Any]:
    data = await gql(LOG, {"filter": where or None, "first": first, "after": after}, token=token)
    return data["auditLog"]


async def event_count(db: Database) -> int:
    """Straight from the table, so nothing the API hides can hide an event from the test."""
    async with db.read() as session:
        return (await session.execute(select(func.count()).select_from(AuditEvent))).scalar_one()


async def insert_events(db: Database, world: World, when: list[datetime], org: str = "ashdown") -> list[int]:
    """Events with chosen instants, written directly, for filters that depend on time."""
    async with db.write() as session:
        rows = [
            AuditEvent(
                occurred_at=at, actor_id=world["owner"].person_id, actor_name=world["owner"].name,
                action=AuditAction.DESIGNATION_SET, target_type="Organisation",
                target_id=world.organisations[org], organisation_id=world.organisations[org],
                summary=f"event at {at.isoformat()}",
            )
            for at in when
        ]
        session.add_all(rows)
        await session.flush()
        return [row.id for row in rows]


# --- Each mutation writes its event ---------------------------------------------------


async def test_promotion_is_recorded_with_actor_target_summary_and_before_after(
    gql, world: World, db: Database
) -> None:
    """The log must let an administrator answer: who made Staff an Administrator, when, and from what."""
    async with db.write() as session:  # names no other word of a summary could contain
        for key, name in (("admin", "Grace Hopper"), ("staff", "Ada Lovelace")):
            (await session.get_one(Person, world[key].person_id)).display_name = name
            world[key].name = name
    result = await gql(PROMOTE, {"id": world["staff"].membership("ashdown")}, token=world["admin"].token)
    assert result["promoteMember"]["__typename"] == "MembershipPayload"

    log = await audit_log(gql, world["owner"].token)
    newest = log["nodes"][0]
    assert newest["action"] == "MEMBER_PROMOTED"
    assert newest["actor"] == {"id": world["admin"].gid, "displayName": world["admin"].name}
    assert newest["actorName"] == world["admin"].name
    assert newest["targetType"] == "Membership"
    assert newest["targetId"] == world["staff"].membership("ashdown")
    assert newest["organisation"] == {"id": world.org("ashdown"), "name": "Ashdown Primary"}
    assert "\n" not in newest["summary"]
    assert world["admin"].name in newest["summary"] and world["staff"].name in newest["summary"]
    assert newest["before"]["role"] == "MEMBER"
    assert newest["after"]["role"] == "ADMINISTRATOR"






def test_every_mutation_of_the_schema_is_covered_here() -> None:
    """A new mutation must join the table below, or its audit event goes untested."""
    from infra.settings import Settings
    from schema.build import build_schema

    mutation = build_schema(Settings())._schema.mutation_type
    assert sorted(mutation.fields) == sorted(MUTATIONS)


@pytest.mark.parametrize("name", sorted(MUTATIONS))
async def test_each_successful_mutation_writes_exactly_one_event(gql, world: World, db: Database, name: str) -> None:
    """'Every mutation writes its AuditEvent' (README): one change, one event of the right kind
    (two where the change belongs in two organisations' logs)."""
    setup, action, payload = MUTATIONS[name]
    query, variables, token, field = await setup(gql, world, db)
    before = await event_count(db)
    data = await gql(query, variables, token=token)
    assert data[field]["__typename"] == payload, data
    assert await event_count(db) == before + EVENTS_WRITTEN.get(name, 1)
    newest = (await audit_log(gql, world["support"].token, first=1))["nodes"][0]
    assert newest["action"] == action
    if action.startswith(("GROUP_", "DELEGATE_", "TARGET_")) and name != "extendAllTargets":
        # Filed under its group and licence, so the group's delegates and the school see it
        # (an extension of every target is given by full administrators, through no group).
        assert newest["staffGroupId"] is not None and newest["licence"] == {"id": world.licence("ashdown")}, newest


REFUSALS = {
    # name: (query, variables(world), actor, expected code)
    "forbidden": (PROMOTE, lambda w: {"id": w["staff2"].membership("ashdown")}, "staff", "FORBIDDEN"),
    "not found": (PROMOTE, lambda w: {"id": w["staff"].membership("ashdown")}, "owner_b", "NOT_FOUND"),
    "conflict": (DEMOTE, lambda w: {"id": w["owner"].membership("ashdown")}, "admin", "CONFLICT"),
    "validation": (
        """mutation($org: ID!) { addMember(input: {organisationId: $org, email: "not-an-email",
          displayName: "X"}) { __typename ... on Error { code message field } } }""",
        lambda w: {"org": w.org("ashdown")}, "owner", "VALIDATION",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
async def test_a_refused_mutation_writes_no_event(gql, world: World, db: Database, case: str) -> None:
    """An error means nothing changed, and that includes the log."""
    query, variables, actor, code = REFUSALS[case]
    data = await gql(query, variables(world), token=world[actor].token)
    (answer,) = data.values()
    assert answer["code"] == code, answer
    assert await event_count(db) == 0
    assert (await audit_log(gql, world["support"].token))["totalCount"] == 0


# --- Atomicity ------------------------------------------------------------------------


async def _refuse_to_audit(self: UnitOfWork, *args: Any, **kwargs: Any) -> None:
    raise RuntimeError("audit store unavailable")


def _fail_after_auditing(original: Callable[..., Awaitable[AuditEvent]]) -> Callable[..., Awaitable[None]]:
    async def audit(self: UnitOfWork, *args: Any, **kwargs: Any) -> None:
        await original(self, *args, **kwargs)  # the event is flushed into the transaction...
        raise RuntimeError("failed after the audit event was written")  # ...which then fails

    return audit


@pytest.mark.parametrize("failure", ["before the event is written", "after the event is written"])
async def test_a_change_whose_audit_fails_is_not_persisted(
    gql, world: World, db: Database, monkeypatch: pytest.MonkeyPatch, failure: str
) -> None:
    """Change and event commit together or not at all: no unlogged change, no event for a change
    that never happened. The caller gets a masked internal error, not the exception's text."""
    replacement = _refuse_to_audit if failure.startswith("before") else _fail_after_auditing(UnitOfWork.audit)
    monkeypatch.setattr(UnitOfWork, "audit", replacement)

    response = await gql.raw(PROMOTE, {"id": world["staff"].membership("ashdown")}, token=world["admin"].token)
    body = response.json()
    assert body["data"] is None or body["data"].get("promoteMember") is None, body
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "INTERNAL"
    assert "RuntimeError" not in error["message"] and "audit" not in error["message"]

    monkeypatch.undo()
    role = await gql(ROLE, {"id": world["staff"].membership("ashdown")}, token=world["owner"].token)
    assert role["node"]["role"] == "MEMBER"
    assert await event_count(db) == 0


@pytest.mark.parametrize("name", sorted(MUTATIONS))
async def test_no_mutation_keeps_a_change_whose_audit_event_fails(
    gql, world: World, db: Database, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """Each mutation writes its event in its own transaction: when the transaction fails after the
    event is written, neither the change nor the event remains, in any table."""
    setup, _, _ = MUTATIONS[name]
    query, variables, token, field = await setup(gql, world, db)
    before = await database_state(db)
    monkeypatch.setattr(UnitOfWork, "audit", _fail_after_auditing(UnitOfWork.audit))

    response = await gql.raw(query, variables, token=token)
    body = response.json()
    assert body["data"] is None or body["data"].get(field) is None, body
    assert [e["extensions"]["code"] for e in body["errors"]] == ["INTERNAL"], body

    monkeypatch.undo()
    assert await database_state(db) == before


# --- Reading the log ------------------------------------------------------------------


async def test_the_log_is_newest_first(gql, world: World) -> None:
    """The summary view starts with what just happened."""
    token = world["owner"].token
    await gql(PROMOTE, {"id": world["staff"].membership("ashdown")}, token=token)
    await gql(DEMOTE, {"id": world["staff"].membership("ashdown")}, token=token)
    await gql(PROMOTE, {"id": world["staff2"].membership("ashdown")}, token=token)

    nodes = (await audit_log(gql, token))["nodes"]
    assert [(n["action"], n["targetId"]) for n in nodes] == [
        ("MEMBER_PROMOTED", world["staff2"].membership("ashdown")),
        ("MEMBER_DEMOTED", world["staff"].membership("ashdown")),
        ("MEMBER_PROMOTED", world["staff"].membership("ashdown")),
    ]
    instants = [datetime.fromisoformat(n["occurredAt"]) for n in nodes]
    assert instants == sorted(instants, reverse=True)


async def test_pages_cover_the_log_once_each_with_a_stable_total(gql, world: World, db: Database) -> None:
    """Paging through with first/after sees every event exactly once, in order."""
    start = datetime(2030, 1, 1, tzinfo=UTC)
    await insert_events(db, world, [start + timedelta(hours=i) for i in range(7)])
    token = world["owner"].token
    everything = [n["id"] for n in (await audit_log(gql, token))["nodes"]]
    assert len(everything) == 7

    seen: list[str] = []
    after = None
    pages = []
    while True:
        page = await audit_log(gql, token, first=3, after=after)
        assert page["totalCount"] == 7
        pages.append(len(page["nodes"]))
        seen += [n["id"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert pages == [3, 3, 1]
    assert seen == everything


@pytest.fixture
async def busy_log(gql, world: World) -> World:
    """Two events in each school and in the trust, and one in a new organisation, by several actors.
    Everyone promoted is demoted again, so members stay members."""
    await gql(PROMOTE, {"id": world["staff"].membership("ashdown")}, token=world["owner"].token)
    await gql(DEMOTE, {"id": world["staff"].membership("ashdown")}, token=world["admin"].token)
    for key, org, actor in (("staff_b", "birchwood", "owner_b"), ("trust_member", "trust", "trust_admin")):
        await gql(PROMOTE, {"id": world[key].membership(org)}, token=world[actor].token)
        await gql(DEMOTE, {"id": world[key].membership(org)}, token=world[actor].token)
    created = await gql(CREATE_ORGANISATION, {"name": "Dunmore School"}, token=world["support"].token)
    assert created["createOrganisation"]["__typename"] == "OrganisationPayload"
    return world


async def test_filter_by_actor(gql, busy_log: World) -> None:
    world = busy_log
    log = await audit_log(gql, world["support"].token, actorId=world["admin"].gid)
    assert log["totalCount"] == 1
    assert [(n["action"], n["actor"]["id"]) for n in log["nodes"]] == [("MEMBER_DEMOTED", world["admin"].gid)]


@pytest.mark.parametrize(
    ("actions", "expected"),
    [
        (["MEMBER_DEMOTED"], ["MEMBER_DEMOTED"] * 3),
        (["MEMBER_PROMOTED"], ["MEMBER_PROMOTED"] * 3),
        (["MEMBER_DEMOTED", "ORGANISATION_CREATED"], ["ORGANISATION_CREATED"] + ["MEMBER_DEMOTED"] * 3),
        (["SEAT_ADDED"], []),
    ],
)
async def test_filter_by_actions(gql, busy_log: World, actions: list[str], expected: list[str]) -> None:
    log = await audit_log(gql, busy_log["support"].token, actions=actions)
    assert [n["action"] for n in log["nodes"]] == expected
    assert log["totalCount"] == len(expected)


async def test_filter_by_target(gql, busy_log: World) -> None:
    """Expanding one object's history: both changes to Staff's membership, nothing else."""
    world = busy_log
    target = world["staff"].membership("ashdown")
    log = await audit_log(gql, world["support"].token, targetId=target)
    assert [(n["action"], n["targetId"]) for n in log["nodes"]] == [
        ("MEMBER_DEMOTED", target), ("MEMBER_PROMOTED", target),
    ]


async def test_filter_by_target_does_not_confuse_types_sharing_a_number(gql, world: World, db: Database) -> None:
    """A global id names a type: Organisation 1 and Membership 1 are different targets."""
    await gql(PROMOTE, {"id": world["staff"].membership("ashdown")}, token=world["owner"].token)
    membership_pk = world["staff"].membership_ids["ashdown"]
    log = await audit_log(gql, world["support"].token, targetId=global_id("Person", membership_pk))
    assert log["totalCount"] == 0


async def test_filter_by_organisation(gql, busy_log: World) -> None:
    world = busy_log
    log = await audit_log(gql, world["support"].token, organisationId=world.org("birchwood"))
    assert log["totalCount"] == 2
    assert [n["organisation"]["id"] for n in log["nodes"]] == [world.org("birchwood")] * 2


async def test_filters_combine(gql, busy_log: World) -> None:
    """Every condition given must hold."""
    world = busy_log
    log = await audit_log(gql, world["support"].token, actions=["MEMBER_PROMOTED"], organisationId=world.org("ashdown"))
    assert [(n["action"], n["targetId"]) for n in log["nodes"]] == [
        ("MEMBER_PROMOTED", world["staff"].membership("ashdown"))
    ]


@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [
        # since is inclusive, until exclusive.
        ("2030-01-02T00:00:00+00:00", "2030-01-03T00:00:00+00:00", [1]),
        ("2030-01-02T00:00:00+00:00", None, [3, 2, 1]),
        (None, "2030-01-02T00:00:00+00:00", [0]),
        ("2030-01-01T12:00:00+00:00", "2030-01-03T12:00:00+00:00", [2, 1]),
        # Another offset, the same instant as 2030-01-02T00:00Z.
        ("2030-01-02T11:00:00+11:00", "2030-01-02T11:00:01+11:00", [1]),
    ],
)
async def test_filter_by_period(
    gql, world: World, db: Database, since: str | None, until: str | None, expected: list[int]
) -> None:
    start = datetime(2030, 1, 1, tzinfo=UTC)
    ids = await insert_events(db, world, [start + timedelta(days=i) for i in range(4)])
    where = {k: v for k, v in (("since", since), ("until", until)) if v is not None}
    log = await audit_log(gql, world["owner"].token, **where)
    assert [n["id"] for n in log["nodes"]] == [global_id("AuditEvent", ids[i]) for i in expected]
    assert log["totalCount"] == len(expected)


@pytest.mark.parametrize("until", ["2030-01-02T00:00:00+00:00", "2030-01-01T00:00:00+00:00"])
async def test_a_period_that_ends_before_it_starts_is_a_validation_error(gql, world: World, until: str) -> None:
    errors = await gql.errors(
        LOG, {"filter": {"since": "2030-01-02T00:00:00+00:00", "until": until}}, token=world["owner"].token
    )
    assert errors[0]["extensions"]["code"] == "VALIDATION"
    assert errors[0]["extensions"]["field"] == "filter.until"  # the end is what comes too soon


@pytest.mark.parametrize(
    "period",
    [
        {"since": "2030-01-02T00:00:00"},
        {"until": "2030-01-02T00:00:00"},
        {"since": "2030-01-01T00:00:00", "until": "2030-01-02T00:00:00+00:00"},
    ],
)
async def test_an_instant_without_offset_is_not_an_internal_error(gql, world: World, period: dict[str, str]) -> None:
    """A client forgetting the offset deserves an answer or a VALIDATION error, not a masked crash."""
    response = await gql.raw(LOG, {"filter": period}, token=world["owner"].token)
    body = response.json()
    codes = [e.get("extensions", {}).get("code") for e in body.get("errors") or []]
    assert "INTERNAL" not in codes, body


# --- Who sees which events ------------------------------------------------------------


@pytest.mark.parametrize(
    ("viewer", "organisations"),
    [
        ("owner", {"ashdown"}),
        ("admin", {"ashdown"}),
        ("owner_b", {"birchwood"}),
        ("trust_admin", {"trust"}),
        ("staff", set()),
        ("staff_b", set()),
        ("trust_member", set()),
    ],
)
async def test_each_administrator_sees_only_their_organisations_events(
    gql, busy_log: World, viewer: str, organisations: set[str]
) -> None:
    """Full administrators see the audit log of their licence (DOMAIN.md); members see none of it."""
    world = busy_log
    log = await audit_log(gql, world[viewer].token)
    expected_ids = {world.org(o) for o in organisations}
    assert {n["organisation"]["id"] for n in log["nodes"]} == expected_ids
    assert log["totalCount"] == len(log["nodes"]) == 2 * len(organisations)


async def test_an_external_system_sees_no_events(gql, busy_log: World) -> None:
    log = await audit_log(gql, busy_log.system_token)
    assert log == {"totalCount": 0, "pageInfo": {"hasNextPage": False, "endCursor": None}, "nodes": []}


async def test_platform_support_sees_every_event(gql, busy_log: World, db: Database) -> None:
    log = await audit_log(gql, busy_log["support"].token)
    assert log["totalCount"] == len(log["nodes"]) == await event_count(db) == 7


async def test_another_schools_event_stays_invisible_to_a_school_administrator(gql, busy_log: World) -> None:
    """Not in the list, not by filter or count, not by its node id."""
    world = busy_log
    birchwood = await audit_log(gql, world["support"].token, organisationId=world.org("birchwood"))
    event_ids = {n["id"] for n in birchwood["nodes"]}
    assert len(event_ids) == 2

    token = world["owner"].token
    assert not event_ids & {n["id"] for n in (await audit_log(gql, token))["nodes"]}
    assert (await audit_log(gql, token, organisationId=world.org("birchwood")))["totalCount"] == 0
    assert (await audit_log(gql, token, actorId=world["owner_b"].gid))["totalCount"] == 0
    node = "query($id: ID!) { node(id: $id) { ... on AuditEvent { summary } } }"
    event_id = min(event_ids)
    assert (await gql(node, {"id": event_id}, token=token))["node"] is None
    assert (await gql(node, {"id": event_id}, token=world["owner_b"].token))["node"] is not None


async def test_signed_out_callers_cannot_read_the_log(gql, busy_log: World) -> None:
    errors = await gql.errors(LOG, {})
    assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"

