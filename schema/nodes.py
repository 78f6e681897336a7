"""The Relay node types of organisations, people and licences, and the audit log. Each
declares the ability it takes to see one (schema/access.py makes them); fetched by id,
a node the caller may not see answers null, exactly like one that does not exist."""

from datetime import date, datetime
from typing import Annotated, ClassVar, Self

import strawberry
from sqlmodel import SQLModel
from strawberry import relay
from strawberry.scalars import JSON

from domain import models
from domain.audit import AuditAction
from permissions.policy import Ability, Subject
from resolvers import groups as group_resolvers
from resolvers import licences as licence_resolvers
from resolvers import members as member_resolvers
from resolvers import notifications as notification_resolvers
from resolvers import overdue_summaries as summary_resolvers
from resolvers import targets
from resolvers import trusts as trust_resolvers
from resolvers.pagination import Window
from schema import access
from schema.access import SecuredNode
from schema.connection import After, Before, Connection, First, Last, SearchNameOrEmail
from schema.digests import DeliveryStatusEnum, NotificationDelivery, NotificationSettings, OverdueSummary
from schema.enums import described
from schema.ids import global_id
from schema.permission import field, targeted

CREATED_AT = "When it was created."

OrganisationKind = described(models.OrganisationKind, {
    models.OrganisationKind.SCHOOL: "A school: it may hold a licence, and grant one trust access to its progress.",
    models.OrganisationKind.TRUST: "A multi-academy trust: once designated 'Academies', its Administrators see the "
    "progress of schools that grant it.",
}, description="A school, or a trust of schools.")
MembershipRole = described(models.MembershipRole, {
    models.MembershipRole.ADMINISTRATOR: "Runs the organisation and makes other members Administrators; in a "
    "school, a full licence administrator.",
    models.MembershipRole.MEMBER: "Belongs without running it: in a school, staff; in a trust, someone who sees "
    "none of its schools' progress.",
    models.MembershipRole.LEARNER: "A learner of the school: not staff, and sees neither its members nor its "
    "licence.",
    models.MembershipRole.PARENT: "A parent at the school: not staff, and sees neither its members nor its licence.",
}, description="A person's standing in an organisation.")
SubscriptionKind = described(models.SubscriptionKind, {
    models.SubscriptionKind.ALL_ACCESS_PASS_PLUS: "Makes its holder staff while the seat is active: in All Staff "
    "and groups, with learning targets.",
    models.SubscriptionKind.ALL_ACCESS_PASS: "Counts its holder among the licence's individuals, but not as staff.",
}, description="A seat's subscription.")
AuditActionEnum = described(AuditAction, {
    AuditAction.ORGANISATION_CREATED: "Platform support created a school or a trust.",
    AuditAction.DESIGNATION_SET: "Platform support set or cleared an organisation's designation.",
    AuditAction.MEMBER_ADDED: "A person was added to an organisation.",
    AuditAction.ADMINISTRATOR_APPOINTED: "Platform support made a person the first Administrator of an "
    "organisation that had none.",
    AuditAction.MEMBER_REMOVED: "A person was taken out of an organisation; `after` lists the seats, groups, "
    "delegations, course places, mentor assignments and parent links that ended with it.",
    AuditAction.MEMBER_PROMOTED: "A member was made an Administrator; any group delegations they held ended.",
    AuditAction.MEMBER_DEMOTED: "An Administrator was made a Member again.",
    AuditAction.LICENCE_CREATED: "Platform support created a school's licence, with its owner and first seat.",
    AuditAction.OWNERSHIP_TRANSFERRED: "Platform support gave a licence a new owner.",
    AuditAction.SEAT_ADDED: "A member of the school was given a seat.",
    AuditAction.SEAT_DEACTIVATED: "A seat was deactivated.",
    AuditAction.SEAT_REACTIVATED: "A deactivated seat was made active again.",
    AuditAction.SEAT_CHANGED: "A seat's subscription was changed (by a roster import).",
    AuditAction.ROSTER_IMPORTED: "A roster CSV was imported into a school; `after` lists every change it made, each "
    "also logged on its own.",
    AuditAction.GROUP_CREATED: "A staff group was created with its first staff.",
    AuditAction.GROUP_RENAMED: "A staff group was renamed.",
    AuditAction.GROUP_MEMBERS_ADDED: "Staff were added to a group.",
    AuditAction.GROUP_MEMBERS_REMOVED: "Staff were taken out of a group.",
    AuditAction.GROUP_DELETED: "A staff group was deleted with its target lists; `before` keeps all it held.",
    AuditAction.GROUP_RULE_SET: "A staff group's rule was set or cleared.",
    AuditAction.GROUP_RULE_FOLLOWED: "People joined or left a rule-based staff group as its rule says, with why.",
    AuditAction.DELEGATE_ADDED: "A staff member was put in charge of a group.",
    AuditAction.DELEGATE_REMOVED: "A delegate's charge of a group ended.",
    AuditAction.TARGET_LIST_CREATED: "A target list was added to a group.",
    AuditAction.TARGET_LIST_RENAMED: "A target list was renamed.",
    AuditAction.TARGET_COURSES_ADDED: "Courses were added at the end of a target list.",
    AuditAction.TARGET_COURSE_REMOVED: "A course was taken off a target list.",
    AuditAction.TARGET_LIST_REORDERED: "A target list's courses were put in a new order.",
    AuditAction.TARGET_DUE_DATE_SET: "A course's date on a target list was set or cleared.",
    AuditAction.TARGET_RENEWAL_SET: "A course's renewal period on a target list was set or cleared.",
    AuditAction.TARGET_LIST_DELETED: "A target list was deleted; `before` keeps its courses and dates.",
    AuditAction.TARGET_EXTENDED: "A staff member was given a later due date (extendTarget, extendAllTargets); `before` "
    "holds the extension it replaced, if any.",
    AuditAction.TARGET_EXTENSION_ENDED: "An extension was ended: the dates their lists set apply again.",
    AuditAction.TRUST_GRANTED: "A school granted a trust access to its course progress (in both their logs).",
    AuditAction.TRUST_WITHDRAWN: "A school withdrew its trust's access, or chose another trust (in both their "
    "logs).",
    AuditAction.PROGRESS_RECORDED: "Progress in a course was recorded for a person.",
    AuditAction.COURSE_ADDED: "Platform support added a course to the catalogue.",
    AuditAction.COURSE_RENAMED: "Platform support renamed a catalogue course.",
    AuditAction.COURSE_RETIRED: "Platform support retired a catalogue course.",
    AuditAction.SUPPORT_APPOINTED: "An operator made a person platform support, from the command line.",
    AuditAction.TOKEN_CREATED: "An API token was issued, for a person or a school's external system.",
    AuditAction.TOKEN_REVOKED: "An API token was revoked.",
    AuditAction.CALENDAR_FEED_CREATED: "A person asked for their calendar feed for the first time, which made it.",
    AuditAction.CALENDAR_FEED_ROTATED: "A person gave their calendar feed a new address; the old one stopped working.",
    AuditAction.NOTIFICATION_SETTINGS_UPDATED: "A school's email notification settings were changed.",
    AuditAction.OVERDUE_SUMMARY_SET: "Someone opted in to, changed or stopped their own overdue summary.",
    AuditAction.NOTIFICATION_RETRIED: "Platform support queued a failed digest to be sent again.",
    AuditAction.WORKFLOW_PHASE_CONFIGURED: "A phase of a school's workflow was set: who sees it, who moves it on.",
    AuditAction.REGISTRATION_ADVANCED: "A registration scope was moved on to its next phase.",
    AuditAction.ATTENDANCE_RECORDED: "A learner's attendance at a session was recorded or changed.",
    AuditAction.BEHAVIOUR_NOTED: "A note on a learner's behaviour was written.",
    AuditAction.ASSESSMENT_RECORDED: "A learner's result for a term was recorded or changed.",
    AuditAction.MENTOR_ADDED: "A member of a school was made a mentor.",
    AuditAction.MENTOR_REMOVED: "A person stopped being a mentor; their learners were unassigned.",
    AuditAction.LEARNERS_ASSIGNED: "Learners were assigned to a mentor.",
    AuditAction.LEARNERS_UNASSIGNED: "Learners were taken off a mentor.",
    AuditAction.HEADTEACHER_ADDED: "A person was made headteacher of an organisation.",
    AuditAction.HEADTEACHER_REMOVED: "A person stopped being headteacher of an organisation.",
    AuditAction.SUPERVISOR_LABELS_RENAMED: "A site renamed its 'Mentor' and 'Headteacher' labels.",
    AuditAction.TERM_CREATED: "A term was added to a school.",
    AuditAction.TERM_UPDATED: "A term was renamed or its dates moved.",
    AuditAction.SCHOOL_COURSE_CREATED: "A course the school teaches was added, with its teachers and learners.",
    AuditAction.COURSE_PARTICIPANTS_ADDED: "Teachers or learners were added to a school's course.",
    AuditAction.COURSE_PARTICIPANTS_REMOVED: "Teachers or learners were taken off a school's course.",
    AuditAction.PARENT_LINKED: "A parent was linked to a learner.",
    AuditAction.PARENT_UNLINKED: "A parent was unlinked from a learner.",
    AuditAction.ATTENDANCE_CODE_ADDED: "An attendance code was added to a school.",
    AuditAction.ATTENDANCE_CODE_UPDATED: "An attendance code was renamed or moved to another category.",
    AuditAction.ATTENDANCE_CODE_RETIRED: "An attendance code was retired.",
}, name="AuditAction", description="What an audit event records.")


@strawberry.type(description="A trust as listed for schools choosing theirs.")
class TrustListing:
    id: strawberry.ID = strawberry.field(description="The trust's Organisation id: pass it to grantTrustAccess.")
    name: str = strawberry.field(description="The trust's name.")
    designation: str | None = strawberry.field(description="Such as 'Academies'; null when it has none.")

    @classmethod
    def from_row(cls, row: models.Organisation) -> Self:
        return cls(id=global_id("Organisation", row.id), name=row.name, designation=row.designation)


@strawberry.type(description="The trust a school has chosen as its Multi Academy Trust.")
class TrustGrant:
    trust: TrustListing = field(Ability.GRANT_TRUST, description="The chosen trust.")
    granted_at: datetime = strawberry.field(description="When the school chose it.")


@strawberry.type(description="A school or a trust.")
class Organisation(SecuredNode):
    ability: ClassVar[Ability] = Ability.VIEW_ORGANISATION
    model: ClassVar[type[SQLModel]] = models.Organisation

    id: relay.NodeID[int]
    kind: OrganisationKind = strawberry.field(description="A school or a trust.")
    name: str = strawberry.field(description="Its name, up to 200 characters.")
    designation: str | None = strawberry.field(
        description="The organisation's type, such as 'Academies'. Only a trust designated "
        "'Academies' can see the progress of schools that grant it."
    )
    time_zone: str = strawberry.field(description="IANA time zone: the organisation's days are local days.")
    created_at: datetime = strawberry.field(description=CREATED_AT)

    @classmethod
    def _from_row(cls, row: models.Organisation) -> Self:
        return cls(
            id=row.id, kind=OrganisationKind(row.kind), name=row.name, designation=row.designation,
            time_zone=row.time_zone, created_at=row.created_at,
        )

    @strawberry.field(description="The caller's own standing here, if they belong.")
    def viewer_role(self, info: strawberry.Info) -> MembershipRole | None:
        role = info.context.principal.roles.get(self.id)
        return MembershipRole(role) if role else None

    @field(Ability.VIEW_MEMBERS, description="Members, by name. Empty for callers who may not see them.")
    async def members(
        self,
        info: strawberry.Info,
        first: First = None, after: After = None, last: Last = None, before: Before = None,
        role: Annotated[MembershipRole | None, strawberry.argument(description="Only this standing.")] = None,
        search: SearchNameOrEmail = None,
    ) -> Connection["Membership"]:
        page = await member_resolvers.list_members(
            info.context, self.id, window=Window(first, after, last, before), role=role, search=search
        )
        return await access.connection(info, Membership, page, row_of=lambda pair: pair[0])

    @field(Ability.GRANT_TRUST, description="The school's chosen Multi Academy Trust, for its Administrators.")
    async def trust_grant(self, info: strawberry.Info) -> TrustGrant | None:
        found = await trust_resolvers.current_grant(info.context, self.id)
        if found is None:
            return None
        grant, trust = found
        return access.about(TrustGrant(trust=TrustListing.from_row(trust), granted_at=grant.granted_at),
                            access.subject_of(self))

    @field(Ability.MANAGE_NOTIFICATIONS, description="The school's email notification settings, for its full "
           "administrators.")
    async def notification_settings(self, info: strawberry.Info) -> NotificationSettings | None:
        if self.kind != OrganisationKind.SCHOOL:
            return None
        row = await notification_resolvers.settings_of(info.context, self.id)
        return NotificationSettings.from_row(row, self.time_zone)

    @field(Ability.OVERDUE_SUMMARY, description="The caller's own summary of their people's overdue targets here, "
           "for the school's full administrators and group delegates.")
    async def overdue_summary(self, info: strawberry.Info) -> OverdueSummary | None:
        if self.kind != OrganisationKind.SCHOOL:
            return None
        return OverdueSummary.of(await summary_resolvers.own(info.context, self.id))

    @field(Ability.MANAGE_NOTIFICATIONS, description="The school's delivery log, newest first: who was sent what "
           "on which day, and whether it went. Empty unless the caller manages its notifications.")
    async def notification_deliveries(
        self,
        info: strawberry.Info,
        first: First = None, after: After = None, last: Last = None, before: Before = None,
        status: Annotated[
            DeliveryStatusEnum | None, strawberry.argument(description="Only digests in this status.")
        ] = None,
        on: Annotated[date | None, strawberry.argument(description="One school-local day.")] = None,
    ) -> Connection[NotificationDelivery]:
        page = await notification_resolvers.school_deliveries(
            info.context, school_id=self.id, status=status, on=on, window=Window(first, after, last, before)
        )
        return await access.connection(info, NotificationDelivery, page)

    @field(Ability.VIEW_LICENCE, description="The school's licence, for those who may see it.")
    async def licence(self, info: strawberry.Info) -> "Licence | None":
        if self.kind != OrganisationKind.SCHOOL:
            return None
        row = await info.context.loaders.licence_of_organisation.load(self.id)
        return await access.node(info, Licence, row.id if row else None)


@strawberry.type(description="A person with a Trellis account.")
class Person(SecuredNode):
    ability: ClassVar[Ability] = Ability.VIEW_PERSON
    model: ClassVar[type[SQLModel]] = models.Person

    id: relay.NodeID[int]
    display_name: str = strawberry.field(description="Their name, as shown everywhere.")
    email: str = strawberry.field(description="Their sign-in address, in lower case; unique in Trellis.")

    @classmethod
    def _from_row(cls, row: models.Person) -> Self:
        return cls(id=row.id, display_name=row.display_name, email=row.email)


async def organisation_of_kind(
    info: strawberry.Info, value: str, name: str, kind: models.OrganisationKind
) -> tuple[Organisation, Subject] | None:
    """The organisation the argument `name` names, if it is of `kind` and the caller holds
    the field's ability on it; None otherwise, as if it did not exist."""
    found = await targeted(info, Organisation, value, name)
    if found is None or found.row.kind != kind:
        return None
    return await access.shown(info, Organisation, found.row), found.subject


@strawberry.type(description="A person's standing in one organisation.")
class Membership(SecuredNode):
    ability: ClassVar[Ability] = Ability.VIEW_MEMBERSHIP
    model: ClassVar[type[SQLModel]] = models.Membership

    id: relay.NodeID[int]
    role: MembershipRole = strawberry.field(description="Their standing there.")
    created_at: datetime = strawberry.field(description="When they joined.")
    organisation_id: strawberry.Private[int]
    person_id: strawberry.Private[int]

    @classmethod
    def _from_row(cls, row: models.Membership) -> Self:
        return cls(
            id=row.id, role=MembershipRole(row.role), created_at=row.created_at,
            organisation_id=row.organisation_id, person_id=row.person_id,
        )

    @field(Ability.VIEW_PERSON, description="The member.")
    async def person(self, info: strawberry.Info) -> Person | None:
        return await access.node(info, Person, self.person_id)

    @field(Ability.VIEW_ORGANISATION, description="Where they belong.")
    async def organisation(self, info: strawberry.Info) -> Organisation | None:
        return await access.node(info, Organisation, self.organisation_id)

    @strawberry.field(description="Whether this person owns the organisation's licence.")
    async def is_owner(self, info: strawberry.Info) -> bool:
        licence = await info.context.loaders.licence_of_organisation.load(self.organisation_id)
        return licence is not None and licence.owner_id == self.person_id


@strawberry.type(description="A school's subscription: its owner and its seats.")
class Licence(SecuredNode):
    ability: ClassVar[Ability] = Ability.VIEW_LICENCE
    model: ClassVar[type[SQLModel]] = models.Licence

    id: relay.NodeID[int]
    created_at: datetime = strawberry.field(description=CREATED_AT)
    organisation_id: strawberry.Private[int]
    owner_id: strawberry.Private[int]
    row: strawberry.Private[models.Licence]

    @classmethod
    def _from_row(cls, row: models.Licence) -> Self:
        return cls(id=row.id, created_at=row.created_at, organisation_id=row.organisation_id, owner_id=row.owner_id,
                   row=row)

    @field(Ability.VIEW_ORGANISATION, description="The school it belongs to.")
    async def organisation(self, info: strawberry.Info) -> Organisation | None:
        return await access.node(info, Organisation, self.organisation_id)

    @field(Ability.VIEW_PERSON, description="The owner: a full administrator who can never be removed or demoted.")
    async def owner(self, info: strawberry.Info) -> Person | None:
        return await access.node(info, Person, self.owner_id)

    @strawberry.field(description="How many seats are active: the licence's individuals.")
    async def active_seat_count(self, info: strawberry.Info) -> int:
        return await info.context.loaders.active_seats.load(self.id)

    @field(Ability.VIEW_LICENCE, description="Staff groups the caller may see: all for full administrators, their "
           "own for delegates. All Staff first, then by name.")
    async def staff_groups(
        self, info: strawberry.Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[Annotated["StaffGroup", strawberry.lazy("schema.groups")]]:
        page = await group_resolvers.list_groups(
            info.context, licence_id=self.id, window=Window(first, after, last, before)
        )
        return await access.connection(info, "StaffGroup", page, row_of=targets.group_with_facts)

    @field(Ability.VIEW_SEATS, description="Seats, by holder's name. Empty for callers who may not see them.")
    async def seats(
        self, info: strawberry.Info, first: First = None, after: After = None, last: Last = None, before: Before = None,
        active: Annotated[bool | None, strawberry.argument(description="Only active seats (true) or only "
                                                           "deactivated ones (false); left out, both.")] = None,
    ) -> Connection["Seat"]:
        page = await licence_resolvers.list_seats(
            info.context, self.row, window=Window(first, after, last, before), active=active
        )
        return await access.connection(info, Seat, page)


@strawberry.type(description="A person's place on a licence.")
class Seat(SecuredNode):
    ability: ClassVar[Ability] = Ability.VIEW_SEAT
    model: ClassVar[type[SQLModel]] = models.Seat

    id: relay.NodeID[int]
    subscription: SubscriptionKind = strawberry.field(description="What the seat gives its holder.")
    active: bool = strawberry.field(description="False once deactivated: the holder is then neither staff nor one "
                                    "of the licence's individuals.")
    created_at: datetime = strawberry.field(description=CREATED_AT)
    leaves_on: date | None = strawberry.field(description="The school-local day a roster import said the holder "
                                              "leaves: the seat ends on it. Null for none.")
    job_title: str | None = strawberry.field(description="The holder's job in the school, as its roster names it "
                                             "(the job_title column); null for none.")
    licence_id: strawberry.Private[int]
    person_id: strawberry.Private[int]

    @classmethod
    def _from_row(cls, row: models.Seat) -> Self:
        return cls(
            id=row.id, subscription=SubscriptionKind(row.subscription), active=row.active,
            created_at=row.created_at, leaves_on=row.leaves_on, job_title=row.job_title, licence_id=row.licence_id,
            person_id=row.person_id,
        )

    @field(Ability.VIEW_PERSON, description="Its holder.")
    async def person(self, info: strawberry.Info) -> Person | None:
        return await access.node(info, Person, self.person_id)

    @field(Ability.VIEW_LICENCE, description="The licence it is on.")
    async def licence(self, info: strawberry.Info) -> Licence | None:
        return await access.node(info, Licence, self.licence_id)


@strawberry.type(description="A course of the platform's catalogue.")
class Course(SecuredNode):
    ability: ClassVar[Ability] = Ability.VIEW_CATALOGUE
    model: ClassVar[type[SQLModel]] = models.Course

    id: relay.NodeID[int]
    code: str = strawberry.field(description="Its catalogue code, in capitals; unique.")
    title: str = strawberry.field(description="Its title, up to 200 characters.")
    retired_at: datetime | None = strawberry.field(description="When it was retired: it stays in history and "
                                                   "reports but cannot become a new target. Null while current.")

    @classmethod
    def _from_row(cls, row: models.Course) -> Self:
        return cls(id=row.id, code=row.code, title=row.title, retired_at=row.retired_at)


@strawberry.type
class OfCourse:
    """Something about one course of the catalogue: its `course`, for those who may see it."""

    course_id: strawberry.Private[int]

    @field(Ability.VIEW_CATALOGUE, description="The course.")
    def course(self, info: strawberry.Info) -> Course | None:
        # Not async: a path's courses are in hand already, and an awaited field per item
        # costs graphql-core more than the rest of the item.
        return access.node_soon(info, Course, self.course_id)  # type: ignore[return-value]


@strawberry.type(description="One change: who made it, when, where, and the record before and after.")
class AuditEvent(SecuredNode):
    ability: ClassVar[Ability] = Ability.VIEW_AUDIT_EVENT
    model: ClassVar[type[SQLModel]] = models.AuditEvent

    id: relay.NodeID[int]
    occurred_at: datetime = strawberry.field(description="When the change was made.")
    action: AuditActionEnum = strawberry.field(description="What kind of change it was.")
    actor_name: str = strawberry.field(description="The actor's name as it was at the time.")
    summary: str = strawberry.field(description="One line for the log's summary view.")
    target_type: str = strawberry.field(description="The kind of object changed, such as StaffGroup or Seat; "
                                        "`targetId` is its global id.")
    target_id: strawberry.ID = strawberry.field(description="The global id of what changed.")
    before: JSON | None = strawberry.field(description="The full record before the change (null if created).")
    after: JSON | None = strawberry.field(description="The full record after the change (null if deleted).")
    actor_id: strawberry.Private[int | None]
    organisation_id: strawberry.Private[int | None]
    licence_id: strawberry.Private[int | None]
    group_pk: strawberry.Private[int | None]

    @classmethod
    def _from_row(cls, row: models.AuditEvent) -> Self:
        return cls(
            id=row.id, occurred_at=row.occurred_at, action=AuditAction(row.action), actor_name=row.actor_name,
            summary=row.summary, target_type=row.target_type, target_id=global_id(row.target_type, row.target_id),
            before=row.before, after=row.after, actor_id=row.actor_id, organisation_id=row.organisation_id,
            licence_id=row.licence_id, group_pk=row.staff_group_id,
        )

    @field(Ability.VIEW_PERSON, description="The actor, when the caller may see them.")
    async def actor(self, info: strawberry.Info) -> Person | None:
        return await access.node(info, Person, self.actor_id)

    @field(Ability.VIEW_ORGANISATION, description="Where it happened, if anywhere in particular.")
    async def organisation(self, info: strawberry.Info) -> Organisation | None:
        return await access.node(info, Organisation, self.organisation_id)

    @field(Ability.VIEW_LICENCE, description="The licence concerned, if any.")
    async def licence(self, info: strawberry.Info) -> Licence | None:
        return await access.node(info, Licence, self.licence_id)

    @strawberry.field(description="The staff group's global id, when the event concerns one (it may since have "
                      "been deleted).")
    def staff_group_id(self) -> strawberry.ID | None:
        return global_id("StaffGroup", self.group_pk) if self.group_pk is not None else None
