"""One case per mutation of the schema: a setup that makes the world it needs and returns
(query, variables, the token of a caller allowed to run it, the mutation's field), with the
audit action it writes and its success payload. Shared by the audit tests and the refusal
tests; a test fails when the schema gains a mutation missing here."""

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from domain.models import (
    Membership, MembershipRole, NotificationDelivery, NotificationPlan, Organisation, OrganisationKind, Person,
)
from infra.database import Database
from schema.ids import global_id
from tests.workflow_world import IN_AUTUMN, build_workflow_world
from tests.world import World

PROMOTE = """
mutation($id: ID!) { promoteMember(input: {membershipId: $id}) {
  __typename ... on MembershipPayload { membership { role } } ... on Error { code message field } } }
"""
DEMOTE = PROMOTE.replace("promoteMember", "demoteMember")
CREATE_ORGANISATION = """
mutation($name: String!) { createOrganisation(input: {kind: SCHOOL, name: $name}) {
  __typename ... on OrganisationPayload { organisation { id } } ... on Error { code message } } }
"""
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


async def _appoint_first_administrator(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    async with db.write() as session:
        trust = Organisation(kind=OrganisationKind.TRUST, name="Rowan Trust", time_zone="Europe/London")
        session.add(trust)
        await session.flush()
        trust_id = trust.id
    query = """mutation($org: ID!) { appointFirstAdministrator(input: {organisationId: $org,
      email: "ceo@rowan.org", displayName: "Chief Executive"}) { __typename } }"""
    return query, {"org": global_id("Organisation", trust_id)}, world["support"].token, "appointFirstAdministrator"


async def _create_licence(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    async with db.write() as session:
        school = Organisation(kind=OrganisationKind.SCHOOL, name="Elmfield", time_zone="Europe/London")
        session.add(school)
        await session.flush()
        school_id = school.id
    query = """mutation($org: ID!) { createLicence(input: {organisationId: $org, ownerEmail: "head@elm.org",
      ownerDisplayName: "Head Teacher"}) { __typename } }"""
    return query, {"org": global_id("Organisation", school_id)}, world["support"].token, "createLicence"


async def _import_roster(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    query = """mutation($school: ID!, $csv: String!) { importRoster(input: {schoolId: $school, csv: $csv}) {
      __typename } }"""
    csv = "name,email,seat\nNew Teacher,new.teacher@example.org,ALL_ACCESS_PASS_PLUS\n"
    return query, {"school": world.org("ashdown"), "csv": csv}, world["owner"].token, "importRoster"


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


async def _set_group_rule(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    query = """mutation($g: ID!) { setGroupRule(input: {groupId: $g, rule: {role: MEMBER}}) { __typename } }"""
    return query, {"g": await _group(gql, world)}, world["owner"].token, "setGroupRule"


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


async def _set_target_renewal(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    _, target_list = await _list(gql, world)
    query = """mutation($t: ID!, $c: ID!) { setTargetRenewal(input: {targetListId: $t, courseId: $c,
      renewMonths: 12}) { __typename } }"""
    return query, {"t": target_list, "c": course(world, 1)}, world["owner"].token, "setTargetRenewal"


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


async def _retry_failed_notifications(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    await _retry_notification(gql, world, db)  # one FAILED digest of Ashdown's 6 March
    query = """mutation($s: ID!) { retryFailedNotifications(input: {schoolId: $s, day: "2026-03-06"}) {
      __typename } }"""
    return query, {"s": world.org("ashdown")}, world["support"].token, "retryFailedNotifications"


async def _rotate_calendar_feed(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    await gql("{ me { calendarFeed { url } } }", token=world["staff"].token)  # the feed to rotate
    query = """mutation($p: ID!) { rotateCalendarFeed(input: {personId: $p}) { __typename } }"""
    return query, {"p": world["staff"].gid}, world["staff"].token, "rotateCalendarFeed"


EXTEND = """mutation($l: ID!, $p: ID!, $c: ID!) { extendTarget(input: {targetListId: $l, personId: $p, courseId: $c,
  dueOn: "2099-01-31", reason: "A long absence"}) {
  __typename ... on TargetExtensionPayload { targetExtension { id } } ... on Error { code message field } } }"""


async def _dated_list(gql, world: World) -> str:  # type: ignore[no-untyped-def]
    """A group of the staff member holding a list with the world's first course due 2099-01-01."""
    group = await _group(gql, world)
    data = await gql(CREATE_LIST, {"g": group, "name": "Dated",
                                    "courses": [{"courseId": course(world, 0), "dueOn": "2099-01-01"}]},
                     token=world["owner"].token)
    return data["createTargetList"]["targetList"]["id"]


async def _extend_target(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    variables = {"l": await _dated_list(gql, world), "p": world["staff"].gid, "c": course(world, 0)}
    return EXTEND, variables, world["admin"].token, "extendTarget"


async def _extend_all_targets(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    await _dated_list(gql, world)
    query = """mutation($l: ID!, $p: ID!) { extendAllTargets(input: {licenceId: $l, personId: $p,
      dueOn: "2099-02-01", reason: "A late start"}) { __typename } }"""
    return query, {"l": world.licence("ashdown"), "p": world["staff"].gid}, world["admin"].token, "extendAllTargets"


async def _end_target_extension(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    query, variables, token, _ = await _extend_target(gql, world, db)
    extension = (await gql(query, variables, token=token))["extendTarget"]["targetExtension"]["id"]
    query = """mutation($e: ID!) { endTargetExtension(input: {extensionId: $e}) { __typename } }"""
    return query, {"e": extension}, world["owner"].token, "endTargetExtension"


async def _set_overdue_summary(gql, world: World, db: Database):  # type: ignore[no-untyped-def]
    query = """mutation($s: ID!) { setOverdueSummary(input: {schoolId: $s, frequency: WEEKLY, weekday: 1}) {
      __typename } }"""
    return query, {"s": world.org("ashdown")}, world["admin"].token, "setOverdueSummary"


# Granting and withdrawing are written in the school's log and in the trust's.
# An import writes an event per change (here a member and a seat) and one for itself.
# setGroupRule: its own event, and the one of the people its rule brings in.
EVENTS_WRITTEN = {"grantTrustAccess": 2, "withdrawTrustAccess": 2, "importRoster": 3, "setGroupRule": 2}

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
    "appointFirstAdministrator": (_appoint_first_administrator, "ADMINISTRATOR_APPOINTED", "MembershipPayload"),
    "createLicence": (_create_licence, "LICENCE_CREATED", "LicencePayload"),
    "importRoster": (_import_roster, "ROSTER_IMPORTED", "ImportRosterPayload"),
    "transferOwnership": (_transfer_ownership, "OWNERSHIP_TRANSFERRED", "LicencePayload"),
    "createStaffGroup": (_create_staff_group, "GROUP_CREATED", "StaffGroupPayload"),
    "renameStaffGroup": (_rename_staff_group, "GROUP_RENAMED", "StaffGroupPayload"),
    "addStaffGroupMembers": (_add_staff_group_members, "GROUP_MEMBERS_ADDED", "StaffGroupPayload"),
    "removeStaffGroupMembers": (_remove_staff_group_members, "GROUP_MEMBERS_REMOVED", "StaffGroupPayload"),
    "deleteStaffGroup": (_delete_staff_group, "GROUP_DELETED", "DeletedPayload"),
    "setGroupRule": (_set_group_rule, "GROUP_RULE_SET", "StaffGroupPayload"),
    "addGroupDelegate": (_add_group_delegate, "DELEGATE_ADDED", "StaffGroupPayload"),
    "removeGroupDelegate": (_remove_group_delegate, "DELEGATE_REMOVED", "StaffGroupPayload"),
    "createTargetList": (_create_target_list, "TARGET_LIST_CREATED", "TargetListPayload"),
    "renameTargetList": (_rename_target_list, "TARGET_LIST_RENAMED", "TargetListPayload"),
    "addTargetCourses": (_add_target_courses, "TARGET_COURSES_ADDED", "TargetListPayload"),
    "removeTargetCourse": (_remove_target_course, "TARGET_COURSE_REMOVED", "TargetListPayload"),
    "reorderTargetList": (_reorder_target_list, "TARGET_LIST_REORDERED", "TargetListPayload"),
    "setTargetDueDate": (_set_target_due_date, "TARGET_DUE_DATE_SET", "TargetListPayload"),
    "setTargetRenewal": (_set_target_renewal, "TARGET_RENEWAL_SET", "TargetListPayload"),
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
    "retryFailedNotifications": (
        _retry_failed_notifications, "NOTIFICATION_RETRIED", "RetryFailedNotificationsPayload"
    ),
    "rotateCalendarFeed": (_rotate_calendar_feed, "CALENDAR_FEED_ROTATED", "RotateCalendarFeedPayload"),
    "extendTarget": (_extend_target, "TARGET_EXTENDED", "TargetExtensionPayload"),
    "extendAllTargets": (_extend_all_targets, "TARGET_EXTENDED", "TargetExtensionPayload"),
    "endTargetExtension": (_end_target_extension, "TARGET_EXTENSION_ENDED", "TargetExtensionPayload"),
    "setOverdueSummary": (_set_overdue_summary, "OVERDUE_SUMMARY_SET", "OverdueSummaryPayload"),
}


# --- Workflow, records and supervisors (seed 002) ---------------------------------------


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
