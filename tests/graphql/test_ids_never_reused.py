"""Ids are never handed out twice, on either engine: an object deleted and one created
after it never share an id, so a saved id cannot open the new object and the audit log of
the old one never reaches whoever is given the new one."""

from datetime import date

from sqlalchemy import delete, select

from domain.models import ApiToken, Term
from infra.database import Database
from resolvers import tokens
from schema.ids import global_id
from tests.world import World

CREATE_GROUP = """mutation($l: ID!, $name: String!, $m: [ID!]!) { createStaffGroup(input: {licenceId: $l,
  name: $name, memberIds: $m}) { ... on StaffGroupPayload { staffGroup { id } } } }"""
DELETE_GROUP = """mutation($g: ID!) { deleteStaffGroup(input: {groupId: $g, confirmation: "YES"}) {
  __typename } }"""
DELEGATE = """mutation($g: ID!, $p: ID!) { addGroupDelegate(input: {groupId: $g, personId: $p}) { __typename } }"""
CREATE_LIST = """mutation($g: ID!, $name: String!) { createTargetList(input: {groupId: $g, name: $name}) {
  ... on TargetListPayload { targetList { id } } } }"""
DELETE_LIST = """mutation($t: ID!) { deleteTargetList(input: {targetListId: $t, confirmation: "YES"}) {
  __typename } }"""
LOG = "{ auditLog(first: 100) { nodes { action targetId staffGroupId } } }"
NODE = "query($id: ID!) { node(id: $id) { id ... on StaffGroup { name } } }"


async def test_a_group_deleted_then_another_created_never_share_an_id(gql, world: World) -> None:
    owner = world["owner"].token
    members = [world["staff"].gid, world["staff2"].gid]
    old = (await gql(CREATE_GROUP, {"l": world.licence("ashdown"), "name": "Old Team", "m": members},
                     token=owner))["createStaffGroup"]["staffGroup"]["id"]
    await gql(DELETE_GROUP, {"g": old}, token=owner)
    new = (await gql(CREATE_GROUP, {"l": world.licence("ashdown"), "name": "New Team", "m": members},
                     token=owner))["createStaffGroup"]["staffGroup"]["id"]
    assert new != old
    assert (await gql(NODE, {"id": old}, token=owner))["node"] is None
    assert (await gql(NODE, {"id": new}, token=owner))["node"]["name"] == "New Team"

    await gql(DELEGATE, {"g": new, "p": world["staff"].gid}, token=owner)
    seen = (await gql(LOG, token=world["staff"].token))["auditLog"]["nodes"]
    assert seen and {event["staffGroupId"] for event in seen} == {new}
    assert "GROUP_DELETED" not in {event["action"] for event in seen}


async def test_a_target_list_deleted_then_another_created_never_share_an_id(gql, world: World) -> None:
    owner = world["owner"].token
    group = world.all_staff_group("ashdown")
    old = (await gql(CREATE_LIST, {"g": group, "name": "Old"}, token=owner))["createTargetList"]["targetList"]["id"]
    await gql(DELETE_LIST, {"t": old}, token=owner)
    new = (await gql(CREATE_LIST, {"g": group, "name": "New"}, token=owner))["createTargetList"]["targetList"]["id"]
    assert new != old


async def test_a_token_and_a_term_removed_then_made_again_get_new_ids(db: Database, world: World) -> None:
    """Neither is deleted by Trellis today; their tables must not reuse ids if one ever is."""
    first, _ = await tokens.issue(db, name="one", days=30, email=world["owner"].email)
    async with db.write() as session:
        term = Term(organisation_id=world.organisations["ashdown"], name="Autumn", starts_on=date(2026, 9, 1),
                    ends_on=date(2026, 12, 18))
        session.add(term)
        await session.flush()
        old_term = term.id
        await session.execute(delete(ApiToken).where(ApiToken.id == first.id))
        await session.execute(delete(Term).where(Term.id == old_term))
    second, _ = await tokens.issue(db, name="two", days=30, email=world["owner"].email)
    async with db.write() as session:
        session.add(Term(organisation_id=world.organisations["ashdown"], name="Autumn", starts_on=date(2026, 9, 1),
                         ends_on=date(2026, 12, 18)))
        await session.flush()
        new_term = (await session.execute(select(Term.id))).scalar_one()
    assert second.id != first.id and second.id > first.id
    assert new_term != old_term
    assert global_id("Term", new_term) != global_id("Term", old_term)
