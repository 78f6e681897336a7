"""Mutations on organisations, their members, licences and seats. Each is written the one
way (schema/mutation.py): one transaction with its audit event, answering a payload
union of its success type or an error saying why nothing changed."""

from functools import partial
from typing import Any, Self

import strawberry

from domain.models import MembershipRole as Role
from domain.roster import ChangeKind
from permissions.policy import Ability
from resolvers import licences as licence_resolvers
from resolvers import members as member_resolvers
from resolvers import organisations as organisation_resolvers
from resolvers import roster as roster_resolvers
from schema import access
from schema.enums import described
from schema.ids import global_id, ref
from schema.mutation import mutation, node_payload
from schema.nodes import Licence, Membership, MembershipRole, Organisation, OrganisationKind, Seat, SubscriptionKind


MembershipPayload = node_payload("MembershipPayload", Membership, "The membership as it now is.")


@strawberry.type(description="Who left, and the organisation they left.")
class RemoveMemberPayload:
    removed_membership_id: strawberry.ID = strawberry.field(description="The id the membership had.")
    organisation: Organisation = strawberry.field(description="The organisation they left.")

    @classmethod
    async def of(cls, info: strawberry.Info, found: Any) -> Self:
        membership, organisation = found
        return cls(removed_membership_id=global_id("Membership", membership.id),
                   organisation=await access.shown(info, Organisation, organisation))


SeatPayload = node_payload("SeatPayload", Seat, "The seat as it now is.")


OrganisationPayload = node_payload("OrganisationPayload", Organisation, "The organisation as it now is.")


LicencePayload = node_payload("LicencePayload", Licence, "The licence as it now is.")


RosterChangeKind = described(ChangeKind, {
    ChangeKind.PERSON_ADDED: "A person new to Trellis, added under the row's name.",
    ChangeKind.MEMBER_ADDED: "The person joins the school as a Member.",
    ChangeKind.SEAT_ADDED: "A seat of the row's kind on the school's licence.",
    ChangeKind.SEAT_CHANGED: "The seat's subscription changes to the row's.",
    ChangeKind.SEAT_REACTIVATED: "A deactivated seat is made active again.",
    ChangeKind.SEAT_ENDED: "A leaver's seat is deactivated; their progress, groups and membership are kept.",
    ChangeKind.LEAVING_SET: "A leaving date to come is kept on the seat (`detail`); the seat ends on that day.",
    ChangeKind.LEAVING_CLEARED: "A kept leaving date is cleared: a blank cell, or a seat that came back.",
    ChangeKind.GROUP_JOINED: "The person joins the staff group named in `detail`.",
    ChangeKind.GROUP_LEFT: "The person leaves the staff group named in `detail`.",
    ChangeKind.JOB_TITLE_SET: "The seat's job title becomes `detail`; cleared when it is empty.",
}, description="What one row of a roster changes.", name="RosterChangeKind")


@strawberry.type(description="One change a roster import makes, or would make.")
class RosterChange:
    row: int = strawberry.field(description="The spreadsheet's row number (the header is row 1).")
    email: str = strawberry.field(description="The row's person.")
    kind: RosterChangeKind = strawberry.field(description="What changes.")
    detail: str = strawberry.field(description="The seat kind, `OLD -> NEW`, a group's name, or empty.")


@strawberry.type(description="Success: what the roster import changed, or with dryRun would change.")
class ImportRosterPayload:
    school: Organisation = strawberry.field(description="The school.")
    rows: int = strawberry.field(description="The file's rows of people.")
    dry_run: bool = strawberry.field(description="Nothing was written: the changes are what would be made.")
    changed: bool = strawberry.field(description="Changes were written, each in the audit log.")
    changes: list[RosterChange] = strawberry.field(
        description="Every change, in the order applied; none when the school already matches the file."
    )

    @classmethod
    async def of(cls, info: strawberry.Info, done: Any) -> Self:
        return cls(
            school=await access.shown(info, Organisation, done.school), rows=done.rows, dry_run=done.dry_run,
            changed=done.applied,
            changes=[RosterChange(row=c.row, email=c.email, kind=c.kind, detail=c.detail) for c in done.changes],
        )


@strawberry.input(description="A school's staff roster, as a CSV, to bring its people, seats and groups in line "
                  "with.")
class ImportRosterInput:
    school_id: strawberry.ID = ref("Organisation", description="The school, which holds a licence.")
    csv: str = strawberry.field(description="The CSV text: a header row naming name, email, seat and optionally "
                                "groups (separated by `;`), job_title and leaving_date (YYYY-MM-DD), then one row "
                                "per person.")
    dry_run: bool = strawberry.field(default=False, description="Only say what would change; write nothing.")


@strawberry.input(description="Someone to add to an organisation, found or created by email.")
class AddMemberInput:
    organisation_id: strawberry.ID = ref("Organisation", description="The school or trust.")
    email: str = strawberry.field(description="Their email address; matched without regard to case.")
    display_name: str = strawberry.field(description="Their name, used only when the person is new to Trellis.")
    role: MembershipRole = strawberry.field(default=MembershipRole.MEMBER, description="Their standing.")


@strawberry.input(description="The first Administrator of an organisation that has none, found or created by "
                  "email.")
class AppointFirstAdministratorInput:
    organisation_id: strawberry.ID = ref("Organisation", description="The trust or school.")
    email: str = strawberry.field(description="Their email address; matched without regard to case.")
    display_name: str = strawberry.field(description="Their name, used only when the person is new to Trellis.")


@strawberry.input(description="One membership.")
class MembershipInput:
    membership_id: strawberry.ID = ref("Membership", description="The membership.")


@strawberry.input(description="A member of the school to give a seat.")
class AddSeatInput:
    licence_id: strawberry.ID = ref("Licence", description="The school's licence.")
    person_id: strawberry.ID = ref("Person", description="A staff member of the school.")
    subscription: SubscriptionKind = strawberry.field(
        default=SubscriptionKind.ALL_ACCESS_PASS_PLUS, description="ALL_ACCESS_PASS_PLUS makes its holder staff."
    )


@strawberry.input(description="One seat.")
class SeatInput:
    seat_id: strawberry.ID = ref("Seat", description="The seat.")


@strawberry.input(description="A new school or trust.")
class CreateOrganisationInput:
    kind: OrganisationKind = strawberry.field(description="SCHOOL or TRUST.")
    name: str = strawberry.field(description="Up to 200 characters.")
    designation: str | None = strawberry.field(default=None, description="Such as 'Academies' for a trust.")
    time_zone: str = strawberry.field(default="Europe/London", description="An IANA time zone: its days are "
                                      "local days.")


@strawberry.input(description="A school to sell a licence to, and its owner.")
class CreateLicenceInput:
    organisation_id: strawberry.ID = ref("Organisation", description="The school.")
    owner_email: str = strawberry.field(description="The owner's email; found, or created as a new person.")
    owner_display_name: str = strawberry.field(description="The owner's name, if they are new to Trellis.")


@strawberry.input(description="An organisation's designation.")
class SetDesignationInput:
    organisation_id: strawberry.ID = ref("Organisation", description="The organisation.")
    designation: str | None = strawberry.field(description="Such as 'Academies'; null clears it.")


@strawberry.input(description="A licence and its new owner.")
class TransferOwnershipInput:
    licence_id: strawberry.ID = ref("Licence", description="The licence.")
    new_owner_id: strawberry.ID = ref("Person", description="A staff member of the school.")


@strawberry.type
class OrganisationMutations:
    add_member = mutation(
        "addMember", AddMemberInput, MembershipPayload, ability=Ability.MANAGE_MEMBERS, target=Organisation,
        use=member_resolvers.add_member,
        description="Add a person to an organisation by email. Administrators only.",
    )
    promote_member = mutation(
        "promoteMember", MembershipInput, MembershipPayload, ability=Ability.MANAGE_MEMBERS, target=Membership,
        use=partial(member_resolvers.change_role, role=Role.ADMINISTRATOR),
        description="Make a member an Administrator (in a school, a full licence administrator). Any "
        "Administrator may; no one else.",
    )
    demote_member = mutation(
        "demoteMember", MembershipInput, MembershipPayload, ability=Ability.MANAGE_MEMBERS, target=Membership,
        use=partial(member_resolvers.change_role, role=Role.MEMBER),
        description="Make an Administrator a Member again. The licence owner and the last Administrator cannot be "
        "demoted.",
    )
    remove_member = mutation(
        "removeMember", MembershipInput, RemoveMemberPayload, ability=Ability.MANAGE_MEMBERS, target=Membership,
        previewable=True, use=member_resolvers.remove_member,
        description="Take a person out of an organisation; their seat there is deactivated, their progress kept. "
        "Never the owner or the last Administrator.",
    )
    add_seat = mutation(
        "addSeat", AddSeatInput, SeatPayload, ability=Ability.MANAGE_SEATS, target=Licence,
        previewable=True, use=licence_resolvers.add_seat,
        description="Give a member of the school a seat on its licence.",
    )
    deactivate_seat = mutation(
        "deactivateSeat", SeatInput, SeatPayload, ability=Ability.MANAGE_SEATS, target=Seat,
        previewable=True, use=partial(licence_resolvers.set_seat_active, active=False),
        description="Deactivate a seat: its holder stops being staff of the licence.",
    )
    reactivate_seat = mutation(
        "reactivateSeat", SeatInput, SeatPayload, ability=Ability.MANAGE_SEATS, target=Seat,
        previewable=True, use=partial(licence_resolvers.set_seat_active, active=True),
        description="Reactivate a deactivated seat.",
    )
    create_organisation = mutation(
        "createOrganisation", CreateOrganisationInput, OrganisationPayload, ability=Ability.PLATFORM_SUPPORT,
        use=organisation_resolvers.create_organisation, description="Create a school or a trust. Platform support "
        "only.",
    )
    set_designation = mutation(
        "setDesignation", SetDesignationInput, OrganisationPayload, ability=Ability.PLATFORM_SUPPORT,
        target=Organisation, use=organisation_resolvers.set_designation,
        description="Set or clear an organisation's designation, such as 'Academies'. Platform support only.",
    )
    appoint_first_administrator = mutation(
        "appointFirstAdministrator", AppointFirstAdministratorInput, MembershipPayload,
        ability=Ability.PLATFORM_SUPPORT, target=Organisation, use=member_resolvers.appoint_first_administrator,
        description="Make a person the first Administrator of an organisation with none, such as a new trust; "
        "its Administrators add the rest. A school's licence owner is its first when the licence is created. "
        "Platform support only.",
    )
    create_licence = mutation(
        "createLicence", CreateLicenceInput, LicencePayload, ability=Ability.PLATFORM_SUPPORT, target=Organisation,
        use=licence_resolvers.create_licence,
        description="Create a school's licence. The owner (found or created by email) becomes an Administrator "
        "and takes the first seat. Platform support only.",
    )
    import_roster = mutation(
        "importRoster", ImportRosterInput, ImportRosterPayload, ability=Ability.IMPORT_ROSTER, target=Organisation,
        previewable=True, use=roster_resolvers.import_roster,
        description="Bring a school's staff in line with its roster CSV, all of it or nothing: people added, seats "
        "added, changed or ended for leavers (progress kept), staff group joins and leaves, each audited. A bad "
        "row is VALIDATION naming its row and column. Run again with the same file, it changes nothing. Platform "
        "support and the school's Administrators.",
    )
    transfer_ownership = mutation(
        "transferOwnership", TransferOwnershipInput, LicencePayload, ability=Ability.PLATFORM_SUPPORT,
        target=Licence, use=licence_resolvers.transfer_ownership,
        description="Give a licence a new owner, a member of its school. Platform support only.",
    )
