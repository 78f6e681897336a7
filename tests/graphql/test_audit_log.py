"""The audit log (seed 000): every change leaves an event written in the change's own
transaction, the log reads newest first, filters narrow it, and the policy decides who
sees which events."""

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import MetaData, func, select

from infra.database import Database
from domain.audit import AuditAction
from domain.models import (
    AuditEvent,
    Membership,
    MembershipRole,
    NotificationDelivery,
    NotificationPlan,
    Organisation,
    OrganisationKind,
    Person,
)
from resolvers.unit_of_work import UnitOfWork
from schema.ids import global_id
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
PROMOTE = """
mutation($id: ID!) { promoteMember(input: {membershipId: $id}) {
  __typename ... on MembershipPayload { membership { role } } ... on Error { code message field } } }
"""
DEMOTE = PROMOTE.replace("promoteMember", "demoteMember")
ROLE = "query($id: ID!) { node(id: $id) { ... on Membership { role } } }"
CREATE_ORGANISATION = """
mutation($name: String!) { createOrganisation(input: {kind: SCHOOL, name: $name}) {
  __typename ... on OrganisationPayload { organisation { id } } ... on Error { code message } } }
"""


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


Setup = Callable[[Any, World, Database], Awaitable[tuple[str, dict[str, Any], str, str]]]


async def _add_member(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    query = """mutation($org: ID!) { addMember(input: {organisationId: $org, email: "new@example.org",
      displayName: "New Person"}) { __typename } }"""
    return query, {"org": world.org("ashdown")}, world["owner"].token, "addMember"


async def _promote(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    return PROMOTE, {"id": world["staff"].membership("ashdown")}, world["owner"].token, "promoteMember"


async def _demote(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    return DEMOTE, {"id": world["admin"].membership("ashdown")}, world["owner"].token, "demoteMember"


async def _remove(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    query = "mutation($id: ID!) { removeMember(input: {membershipId: $id}) { __typename } }"
    return query, {"id": world["staff"].membership("ashdown")}, world["owner"].token, "removeMember"


async def _unseated_member(db: Database, world: World) -> int:
    async with db.write() as session:
        person = Person(email="unseated@example.org", display_name="Unseated")
        session.add(person)
        await session.flush()
        session.add(Membership(organisation_id=world.organisations["ashdown"], person_id=person.id,
                               role=MembershipRole.MEMBER))
        return person.id


async def _add_seat(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    person_id = await _unseated_member(db, world)
    query = "mutation($l: ID!, $p: ID!) { addSeat(input: {licenceId: $l, personId: $p}) { __typename } }"
    return query, {"l": world.licence("ashdown"), "p": global_id("Person", person_id)}, world["owner"].token, "addSeat"


SEAT = "mutation($id: ID!) { %s(input: {seatId: $id}) { __typename } }"


async def _deactivate_seat(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    return SEAT % "deactivateSeat", {"id": world.seat("staff")}, world["owner"].token, "deactivateSeat"


async def _reactivate_seat(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    await gql(SEAT % "deactivateSeat", {"id": world.seat("staff")}, token=world["owner"].token)
    return SEAT % "reactivateSeat", {"id": world.seat("staff")}, world["owner"].token, "reactivateSeat"


async def _create_organisation(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    return CREATE_ORGANISATION, {"name": "Dunmore School"}, world["support"].token, "createOrganisation"


async def _set_designation(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    query = """mutation($org: ID!) { setDesignation(input: {organisationId: $org, designation: null}) {
      __typename } }"""
    return query, {"org": world.org("birchwood")}, world["support"].token, "setDesignation"


async def _create_licence(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    async with db.write() as session:
        school = Organisation(kind=OrganisationKind.SCHOOL, name="Elmfield", time_zone="Europe/London")
        session.add(school)
        await session.flush()
        school_id = school.id
    query = """mutation($org: ID!) { createLicence(input: {organisationId: $org, ownerEmail: "head@elm.org",
      ownerDisplayName: "Head Teacher"}) { __typename } }"""
    return query, {"org": global_id("Organisation", school_id)}, world["support"].token, "createLicence"


async def _transfer_ownership(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    query = """mutation($l: ID!, $p: ID!) { transferOwnership(input: {licenceId: $l, newOwnerId: $p}) {
      __typename } }"""
    return query, {"l": world.licence("ashdown"), "p": world["admin"].gid}, world["support"].token, "transferOwnership"


# --- Staff groups, delegates and target lists (seed 000) -------------------------------
# Each setup builds what its mutation needs through the API (those events happen before
# the count starts), then names the one mutation under test.

CREATE_GROUP = """
mutation($l: ID!, $name: String!, $members: [ID!]!) {
  createStaffGroup(input: {licenceId: $l, name: $name, memberIds: $members}) {
    __typename ... on StaffGroupPayload { staffGroup { id } } ... on Error { code message } } }
"""
CREATE_LIST = """
mutation($g: ID!, $name: String!, $courses: [TargetInput!]!) {
  createTargetList(input: {groupId: $g, name: $name, courses: $courses}) {
    __typename ... on TargetListPayload { targetList { id } } ... on Error { code message } } }
"""
DELEGATE = """mutation($g: ID!, $p: ID!) { %s(input: {groupId: $g, personId: $p}) {
  __typename ... on Error { code message } } }"""


def course(world: World, index: int) -> str:
    return global_id("Course", world.courses[index])


async def _group(gql, world: World, members: tuple[str, ...] = ("staff",)) -> str:  # type: ignore[no-untyped-def]
    data = await gql(CREATE_GROUP, {"l": world.licence("ashdown"), "name": "ES1",
                                     "members": [world[m].gid for m in members]}, token=world["owner"].token)
    return data["createStaffGroup"]["staffGroup"]["id"]


async def _list(gql, world: World) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """A group holding a list of the world's first two courses: (group id, list id)."""
    group = await _group(gql, world)
    data = await gql(CREATE_LIST, {"g": group, "name": "Phonics",
                                    "courses": [{"courseId": course(world, 0)}, {"courseId": course(world, 1)}]},
                     token=world["owner"].token)
    return group, data["createTargetList"]["targetList"]["id"]


async def _create_staff_group(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    variables = {"l": world.licence("ashdown"), "name": "Early Career Teachers", "members": [world["staff"].gid]}
    return CREATE_GROUP, variables, world["owner"].token, "createStaffGroup"


async def _rename_staff_group(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    query = """mutation($g: ID!) { renameStaffGroup(input: {groupId: $g, name: "Stage 1"}) { __typename } }"""
    return query, {"g": await _group(gql, world)}, world["admin"].token, "renameStaffGroup"


MEMBERS = """mutation($g: ID!, $p: [ID!]!) { %s(input: {groupId: $g, personIds: $p}) { __typename } }"""


async def _add_staff_group_members(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    variables = {"g": await _group(gql, world), "p": [world["staff2"].gid]}
    return MEMBERS % "addStaffGroupMembers", variables, world["owner"].token, "addStaffGroupMembers"


async def _remove_staff_group_members(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    variables = {"g": await _group(gql, world, ("staff", "staff2")), "p": [world["staff2"].gid]}
    return MEMBERS % "removeStaffGroupMembers", variables, world["owner"].token, "removeStaffGroupMembers"


async def _delete_staff_group(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    group, _ = await _list(gql, world)
    query = """mutation($g: ID!) { deleteStaffGroup(input: {groupId: $g, confirmation: "YES"}) { __typename } }"""
    return query, {"g": group}, world["owner"].token, "deleteStaffGroup"


async def _add_group_delegate(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    variables = {"g": await _group(gql, world), "p": world["staff2"].gid}
    return DELEGATE % "addGroupDelegate", variables, world["admin"].token, "addGroupDelegate"


async def _remove_group_delegate(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    variables = {"g": await _group(gql, world), "p": world["staff2"].gid}
    added = await gql(DELEGATE % "addGroupDelegate", variables, token=world["owner"].token)
    assert added["addGroupDelegate"]["__typename"] == "StaffGroupPayload", added
    return DELEGATE % "removeGroupDelegate", variables, world["owner"].token, "removeGroupDelegate"


async def _create_target_list(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    variables = {"g": await _group(gql, world), "name": "Phonics",
                 "courses": [{"courseId": course(world, 0), "dueOn": "2030-03-01"}, {"courseId": course(world, 2)}]}
    return CREATE_LIST, variables, world["owner"].token, "createTargetList"


async def _rename_target_list(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    _, target_list = await _list(gql, world)
    query = """mutation($t: ID!) { renameTargetList(input: {targetListId: $t, name: "Reading"}) { __typename } }"""
    return query, {"t": target_list}, world["owner"].token, "renameTargetList"


async def _add_target_courses(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    _, target_list = await _list(gql, world)
    query = """mutation($t: ID!, $c: [TargetInput!]!) { addTargetCourses(input: {targetListId: $t, courses: $c}) {
      __typename } }"""
    return query, {"t": target_list, "c": [{"courseId": course(world, 2)}]}, world["owner"].token, "addTargetCourses"


async def _remove_target_course(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    _, target_list = await _list(gql, world)
    query = """mutation($t: ID!, $c: ID!) { removeTargetCourse(input: {targetListId: $t, courseId: $c}) {
      __typename } }"""
    return query, {"t": target_list, "c": course(world, 0)}, world["owner"].token, "removeTargetCourse"


async def _reorder_target_list(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    _, target_list = await _list(gql, world)
    query = """mutation($t: ID!, $c: [ID!]!) { reorderTargetList(input: {targetListId: $t, courseIds: $c}) {
      __typename } }"""
    variables = {"t": target_list, "c": [course(world, 1), course(world, 0)]}
    return query, variables, world["owner"].token, "reorderTargetList"


async def _set_target_due_date(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    _, target_list = await _list(gql, world)
    query = """mutation($t: ID!, $c: ID!) { setTargetDueDate(input: {targetListId: $t, courseId: $c,
      dueOn: "2030-03-01"}) { __typename } }"""
    return query, {"t": target_list, "c": course(world, 1)}, world["owner"].token, "setTargetDueDate"


async def _delete_target_list(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    _, target_list = await _list(gql, world)
    query = """mutation($t: ID!) { deleteTargetList(input: {targetListId: $t, confirmation: "YES"}) {
      __typename } }"""
    return query, {"t": target_list}, world["owner"].token, "deleteTargetList"


# --- Progress and the catalogue ---------------------------------------------------------


async def _record_course_progress(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    query = """mutation($p: ID!, $c: ID!) { recordCourseProgress(input: {personId: $p, courseId: $c,
      idempotencyKey: "call-1", progressPercent: 40, secondsSpent: 600}) { __typename } }"""
    return query, {"p": world["staff"].gid, "c": course(world, 0)}, world["staff"].token, "recordCourseProgress"


async def _add_course(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    query = """mutation { addCourse(input: {code: "PH7", title: "Phonics 7"}) { __typename } }"""
    return query, {}, world["support"].token, "addCourse"


async def _rename_course(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    query = """mutation($c: ID!) { renameCourse(input: {courseId: $c, title: "Phonics, revised"}) { __typename } }"""
    return query, {"c": course(world, 0)}, world["support"].token, "renameCourse"


async def _retire_course(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    query = """mutation($c: ID!) { retireCourse(input: {courseId: $c}) { __typename } }"""
    return query, {"c": course(world, 0)}, world["support"].token, "retireCourse"


# --- Trusts ------------------------------------------------------------------------------

GRANT = """mutation($s: ID!, $t: ID!) { grantTrustAccess(input: {schoolId: $s, trustId: $t}) { __typename } }"""


async def _grant_trust_access(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    return GRANT, {"s": world.org("ashdown"), "t": world.org("trust")}, world["admin"].token, "grantTrustAccess"


async def _withdraw_trust_access(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    granted = await gql(GRANT, {"s": world.org("ashdown"), "t": world.org("trust")}, token=world["owner"].token)
    assert granted["grantTrustAccess"]["__typename"] == "TrustGrantPayload", granted
    query = """mutation($s: ID!) { withdrawTrustAccess(input: {schoolId: $s}) { __typename } }"""
    return query, {"s": world.org("ashdown")}, world["admin"].token, "withdrawTrustAccess"


async def _update_notification_settings(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    query = """mutation($o: ID!) { updateNotificationSettings(input: {organisationId: $o, dueSoonDays: 7}) {
      __typename } }"""
    return query, {"o": world.org("ashdown")}, world["admin"].token, "updateNotificationSettings"


async def _retry_notification(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    async with db.write() as session:
        plan = NotificationPlan(organisation_id=world.organisations["ashdown"], local_date=date(2026, 3, 6))
        session.add(plan)
        await session.flush()
        delivery = NotificationDelivery(
            person_id=world["staff"].person_id, organisation_id=world.organisations["ashdown"], plan_id=plan.id,
            local_date=date(2026, 3, 6), status="FAILED", attempts=5, last_error="SMTPServerDisconnected",
        )
        session.add(delivery)
        await session.flush()
    query = """mutation($d: ID!) { retryNotification(input: {deliveryId: $d}) { __typename } }"""
    return query, {"d": global_id("NotificationDelivery", delivery.id)}, world["support"].token, "retryNotification"


# Granting and withdrawing are written in the school's log and in the trust's.
EVENTS_WRITTEN = {"grantTrustAccess": 2, "withdrawTrustAccess": 2}

MUTATIONS: dict[str, tuple[Setup, str, str]] = {
    # name: (setup, expected action, expected payload type)
    "addMember": (_add_member, "MEMBER_ADDED", "MembershipPayload"),
    "promoteMember": (_promote, "MEMBER_PROMOTED", "MembershipPayload"),
    "demoteMember": (_demote, "MEMBER_DEMOTED", "MembershipPayload"),
    "removeMember": (_remove, "MEMBER_REMOVED", "RemoveMemberPayload"),
    "addSeat": (_add_seat, "SEAT_ADDED", "SeatPayload"),
    "deactivateSeat": (_deactivate_seat, "SEAT_DEACTIVATED", "SeatPayload"),
    "reactivateSeat": (_reactivate_seat, "SEAT_REACTIVATED", "SeatPayload"),
    "createOrganisation": (_create_organisation, "ORGANISATION_CREATED", "OrganisationPayload"),
    "setDesignation": (_set_designation, "DESIGNATION_SET", "OrganisationPayload"),
    "createLicence": (_create_licence, "LICENCE_CREATED", "LicencePayload"),
    "transferOwnership": (_transfer_ownership, "OWNERSHIP_TRANSFERRED", "LicencePayload"),
    "createStaffGroup": (_create_staff_group, "GROUP_CREATED", "StaffGroupPayload"),
    "renameStaffGroup": (_rename_staff_group, "GROUP_RENAMED", "StaffGroupPayload"),
    "addStaffGroupMembers": (_add_staff_group_members, "GROUP_MEMBERS_ADDED", "StaffGroupPayload"),
    "removeStaffGroupMembers": (_remove_staff_group_members, "GROUP_MEMBERS_REMOVED", "StaffGroupPayload"),
    "deleteStaffGroup": (_delete_staff_group, "GROUP_DELETED", "DeletedPayload"),
    "addGroupDelegate": (_add_group_delegate, "DELEGATE_ADDED", "StaffGroupPayload"),
    "removeGroupDelegate": (_remove_group_delegate, "DELEGATE_REMOVED", "StaffGroupPayload"),
    "createTargetList": (_create_target_list, "TARGET_LIST_CREATED", "TargetListPayload"),
    "renameTargetList": (_rename_target_list, "TARGET_LIST_RENAMED", "TargetListPayload"),
    "addTargetCourses": (_add_target_courses, "TARGET_COURSES_ADDED", "TargetListPayload"),
    "removeTargetCourse": (_remove_target_course, "TARGET_COURSE_REMOVED", "TargetListPayload"),
    "reorderTargetList": (_reorder_target_list, "TARGET_LIST_REORDERED", "TargetListPayload"),
    "setTargetDueDate": (_set_target_due_date, "TARGET_DUE_DATE_SET", "TargetListPayload"),
    "deleteTargetList": (_delete_target_list, "TARGET_LIST_DELETED", "DeletedPayload"),
    "recordCourseProgress": (_record_course_progress, "PROGRESS_RECORDED", "CourseEnrolmentPayload"),
    "addCourse": (_add_course, "COURSE_ADDED", "CoursePayload"),
    "renameCourse": (_rename_course, "COURSE_RENAMED", "CoursePayload"),
    "retireCourse": (_retire_course, "COURSE_RETIRED", "CoursePayload"),
    "grantTrustAccess": (_grant_trust_access, "TRUST_GRANTED", "TrustGrantPayload"),
    "withdrawTrustAccess": (_withdraw_trust_access, "TRUST_WITHDRAWN", "TrustGrantPayload"),
    "updateNotificationSettings": (
        _update_notification_settings, "NOTIFICATION_SETTINGS_UPDATED", "NotificationSettingsPayload"
    ),
    "retryNotification": (_retry_notification, "NOTIFICATION_RETRIED", "NotificationDeliveryPayload"),
}


# --- Workflow, records and supervisors (seed 002) ---------------------------------------

from tests.workflow_world import IN_AUTUMN, build_workflow_world  # noqa: E402

RECORD_ATTENDANCE = """mutation($c: ID!, $l: ID!, $d: Date!) { recordAttendance(input: {courseId: $c, learnerId: $l,
  sessionDate: $d, code: "/"}) { __typename } }"""


async def _configure_workflow_phase(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    query = """mutation($s: ID!) { configureWorkflowPhase(input: {schoolId: $s, area: ATTENDANCE,
      phase: GROUP_REGISTRATION, learner: true, parent: true, responsible: MENTOR}) { __typename } }"""
    return query, {"s": world.org("ashdown")}, world["owner"].token, "configureWorkflowPhase"


async def _record_attendance(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    w = await build_workflow_world(db, world)
    variables = {"c": w.course("maths"), "l": w["learner"].gid, "d": IN_AUTUMN.isoformat()}
    return RECORD_ATTENDANCE, variables, w["teacher"].token, "recordAttendance"


async def _advance_registration(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    query, variables, token, _ = await _record_attendance(gql, world, db)
    await gql(query, variables, token=token)
    scopes = await gql('query($s: ID!) { registrationScopes(schoolId: $s) { nodes { id } } }',
                       {"s": world.org("ashdown")}, token=token)
    query = """mutation($id: ID!) { advanceRegistration(input: {scopeId: $id, fromPhase: COURSE_REGISTRATION}) {
      __typename } }"""
    return query, {"id": scopes["registrationScopes"]["nodes"][0]["id"]}, token, "advanceRegistration"


async def _add_behaviour_note(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    w = await build_workflow_world(db, world)
    query = """mutation($s: ID!, $l: ID!) { addBehaviourNote(input: {schoolId: $s, learnerId: $l,
      notedOn: "2026-10-05", positive: true, type: "Helpfulness", weight: 2, text: "Tidied up"}) { __typename } }"""
    return query, {"s": world.org("ashdown"), "l": w["learner"].gid}, w["mentor"].token, "addBehaviourNote"


async def _record_assessment(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    w = await build_workflow_world(db, world)
    query = """mutation($c: ID!, $l: ID!, $t: ID!) { recordAssessment(input: {courseId: $c, learnerId: $l,
      termId: $t, result: "Secure", comment: "Good"}) { __typename } }"""
    variables = {"c": w.course("maths"), "l": w["learner"].gid, "t": w.term("autumn")}
    return query, variables, w["teacher"].token, "recordAssessment"


def _role_setup(name: str, school_field: str, person: str):  # type: ignore[no-untyped-def]
    async def setup(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
        w = await build_workflow_world(db, world)
        query = f"""mutation($o: ID!, $p: ID!) {{ {name}(input: {{{school_field}: $o, personId: $p}}) {{
          __typename }} }}"""
        return query, {"o": world.org("ashdown"), "p": w[person].gid}, world["owner"].token, name

    return setup


async def _assign_learners(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    w = await build_workflow_world(db, world)
    query = """mutation($s: ID!, $m: ID!, $c: ID!) { assignLearners(input: {schoolId: $s, mentorId: $m,
      courseIds: [$c]}) { __typename } }"""
    return query, {"s": world.org("ashdown"), "m": w["mentor"].gid, "c": w.course("maths")}, world["owner"].token, \
        "assignLearners"


async def _unassign_learners(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    w = await build_workflow_world(db, world)
    query = """mutation($s: ID!, $m: ID!, $l: ID!) { unassignLearners(input: {schoolId: $s, mentorId: $m,
      learnerIds: [$l]}) { __typename } }"""
    return query, {"s": world.org("ashdown"), "m": w["mentor"].gid, "l": w["learner"].gid}, \
        world["owner"].token, "unassignLearners"


async def _rename_supervisor_labels(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    query = """mutation($s: ID!) { renameSupervisorLabels(input: {schoolId: $s, mentorLabel: "Tutor",
      headteacherLabel: "Principal"}) { __typename } }"""
    return query, {"s": world.org("ashdown")}, world["admin"].token, "renameSupervisorLabels"


MUTATIONS |= {
    "configureWorkflowPhase": (_configure_workflow_phase, "WORKFLOW_PHASE_CONFIGURED", "WorkflowPhasePayload"),
    "advanceRegistration": (_advance_registration, "REGISTRATION_ADVANCED", "RegistrationScopePayload"),
    "recordAttendance": (_record_attendance, "ATTENDANCE_RECORDED", "AttendanceRecordPayload"),
    "addBehaviourNote": (_add_behaviour_note, "BEHAVIOUR_NOTED", "BehaviourNotePayload"),
    "recordAssessment": (_record_assessment, "ASSESSMENT_RECORDED", "AssessmentPayload"),
    "addMentor": (_role_setup("addMentor", "schoolId", "teacher"), "MENTOR_ADDED", "SupervisorPayload"),
    "removeMentor": (_role_setup("removeMentor", "schoolId", "mentor"), "MENTOR_REMOVED", "SupervisorPayload"),
    "addHeadteacher": (_role_setup("addHeadteacher", "organisationId", "teacher"), "HEADTEACHER_ADDED",
                       "SupervisorPayload"),
    "removeHeadteacher": (_role_setup("removeHeadteacher", "organisationId", "headteacher"), "HEADTEACHER_REMOVED",
                          "SupervisorPayload"),
    "assignLearners": (_assign_learners, "LEARNERS_ASSIGNED", "MentorLearnersPayload"),
    "unassignLearners": (_unassign_learners, "LEARNERS_UNASSIGNED", "MentorLearnersPayload"),
    "renameSupervisorLabels": (_rename_supervisor_labels, "SUPERVISOR_LABELS_RENAMED", "SupervisorLabelsPayload"),
}


# --- Keeping the site (seed 002) ---------------------------------------------------------


def _site_setup(name: str, query: str, variables):  # type: ignore[no-untyped-def]
    """A site mutation by the school's owner, on the workflow world; `variables(w)`."""
    async def setup(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
        w = await build_workflow_world(db, world)
        return query, variables(w), world["owner"].token, name

    return setup


SITE = {
    "createTerm": ("""mutation($s: ID!) { createTerm(input: {schoolId: $s, name: "Summer 2027",
      startsOn: "2027-04-20", endsOn: "2027-07-20"}) { __typename } }""",
                   lambda w: {"s": w.base.org("ashdown")}, "TERM_CREATED", "TermPayload"),
    "updateTerm": ("""mutation($t: ID!) { updateTerm(input: {termId: $t, name: "Autumn"}) { __typename } }""",
                   lambda w: {"t": w.term("autumn")}, "TERM_UPDATED", "TermPayload"),
    "createSchoolCourse": ("""mutation($s: ID!, $t: ID!, $l: ID!) { createSchoolCourse(input: {schoolId: $s,
      title: "5A Science", teacherIds: [$t], learnerIds: [$l]}) { __typename } }""",
                           lambda w: {"s": w.base.org("ashdown"), "t": w["teacher"].gid, "l": w["learner"].gid},
                           "SCHOOL_COURSE_CREATED", "SchoolCoursePayload"),
    "addCourseParticipants": ("""mutation($c: ID!, $p: ID!) { addCourseParticipants(input: {courseId: $c,
      role: LEARNER, personIds: [$p]}) { __typename } }""",
                              lambda w: {"c": w.course("art"), "p": w["learner"].gid},
                              "COURSE_PARTICIPANTS_ADDED", "SchoolCoursePayload"),
    "removeCourseParticipants": ("""mutation($c: ID!, $p: ID!) { removeCourseParticipants(input: {courseId: $c,
      role: LEARNER, personIds: [$p]}) { __typename } }""",
                                 lambda w: {"c": w.course("art"), "p": w["learner2"].gid},
                                 "COURSE_PARTICIPANTS_REMOVED", "SchoolCoursePayload"),
    "linkParent": ("""mutation($s: ID!, $p: ID!, $l: ID!) { linkParent(input: {schoolId: $s, parentId: $p,
      learnerId: $l}) { __typename } }""",
                   lambda w: {"s": w.base.org("ashdown"), "p": w["parent"].gid, "l": w["learner2"].gid},
                   "PARENT_LINKED", "ParentLinkPayload"),
    "unlinkParent": ("""mutation($s: ID!, $p: ID!, $l: ID!) { unlinkParent(input: {schoolId: $s, parentId: $p,
      learnerId: $l}) { __typename } }""",
                     lambda w: {"s": w.base.org("ashdown"), "p": w["parent"].gid, "l": w["learner"].gid},
                     "PARENT_UNLINKED", "ParentLinkPayload"),
    "addAttendanceCode": ("""mutation($s: ID!) { addAttendanceCode(input: {schoolId: $s, code: "S",
      name: "Sports fixture", category: "APPROVED_ACTIVITY"}) { __typename } }""",
                          lambda w: {"s": w.base.org("ashdown")}, "ATTENDANCE_CODE_ADDED", "AttendanceCodePayload"),
    "updateAttendanceCode": ("""mutation($s: ID!) { updateAttendanceCode(input: {schoolId: $s, code: "M",
      name: "Medical or dental"}) { __typename } }""",
                             lambda w: {"s": w.base.org("ashdown")}, "ATTENDANCE_CODE_UPDATED",
                             "AttendanceCodePayload"),
    "retireAttendanceCode": ("""mutation($s: ID!) { retireAttendanceCode(input: {schoolId: $s, code: "V"}) {
      __typename } }""", lambda w: {"s": w.base.org("ashdown")}, "ATTENDANCE_CODE_RETIRED", "AttendanceCodePayload"),
}
MUTATIONS |= {name: (_site_setup(name, query, variables), action, payload)
              for name, (query, variables, action, payload) in SITE.items()}


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
    if action.startswith(("GROUP_", "DELEGATE_", "TARGET_")):
        # Filed under its group and licence, so the group's delegates and the school see it.
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


async def database_state(db: Database) -> dict[str, list[tuple]]:
    """Every row of every table, as the database holds them (reflected, so no model can hide one)."""
    def reflect(connection):  # type: ignore[no-untyped-def]
        metadata = MetaData()
        metadata.reflect(connection)
        return metadata

    async with db.read() as session:
        metadata = await (await session.connection()).run_sync(reflect)
        state = {}
        for table in metadata.sorted_tables:
            if table.name == "alembic_version":
                continue
            rows = await session.execute(select(table).order_by(*table.primary_key.columns))
            state[table.name] = [tuple(row) for row in rows]
    return state


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

