"""The Mutation root. Each mutation is one transaction with its audit event, and
answers a payload union: its success type, or an error saying why nothing changed.

Mutations are declared SIGNED_IN so that a caller without the right answers the
union's typed ForbiddenError; the resolver asks the policy for the specific right."""

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import strawberry

from domain.errors import DomainError
from permissions.policy import Ability
from resolvers import licences as licence_resolvers
from resolvers import members as member_resolvers
from resolvers import organisations as organisation_resolvers
from schema import errors
from schema.ids import decode, global_id
from schema.nodes import Licence, Membership, MembershipRole, Organisation, OrganisationKind, Seat, SubscriptionKind
from schema.permission import mutation

T = TypeVar("T")


async def attempt(work: Callable[[], Awaitable[T]], wrap: Callable[[T], Any]) -> Any:
    """Run one unit of work; an expected failure becomes its typed error (the unit of
    work has already rolled back)."""
    try:
        return wrap(await work())
    except DomainError as error:
        return errors.from_domain(error)


@strawberry.type
class MembershipPayload:
    membership: Membership


@strawberry.type
class RemoveMemberPayload:
    removed_membership_id: strawberry.ID
    organisation: Organisation


@strawberry.type
class SeatPayload:
    seat: Seat


@strawberry.type
class OrganisationPayload:
    organisation: Organisation


@strawberry.type
class LicencePayload:
    licence: Licence


@strawberry.input
class AddMemberInput:
    organisation_id: strawberry.ID
    email: str
    display_name: str
    role: MembershipRole = MembershipRole.MEMBER


@strawberry.input
class MembershipInput:
    membership_id: strawberry.ID


@strawberry.input
class AddSeatInput:
    licence_id: strawberry.ID
    person_id: strawberry.ID
    subscription: SubscriptionKind = SubscriptionKind.ALL_ACCESS_PASS_PLUS


@strawberry.input
class SeatInput:
    seat_id: strawberry.ID


@strawberry.input
class CreateOrganisationInput:
    kind: OrganisationKind
    name: str
    designation: str | None = None
    time_zone: str = "Europe/London"


@strawberry.input
class CreateLicenceInput:
    organisation_id: strawberry.ID
    owner_email: str
    owner_display_name: str


@strawberry.input
class SetDesignationInput:
    organisation_id: strawberry.ID
    designation: str | None = strawberry.field(description="null clears it.")


@strawberry.input
class TransferOwnershipInput:
    licence_id: strawberry.ID
    new_owner_id: strawberry.ID = strawberry.field(description="A Person who is a member of the school.")


def _membership(row: Any) -> MembershipPayload:
    return MembershipPayload(membership=Membership.from_row(row))


def _seat(row: Any) -> SeatPayload:
    return SeatPayload(seat=Seat.from_row(row))


def _organisation(row: Any) -> OrganisationPayload:
    return OrganisationPayload(organisation=Organisation.from_row(row))


def _licence(row: Any) -> LicencePayload:
    return LicencePayload(licence=Licence.from_row(row))


@strawberry.type
class OrganisationMutations:
    @mutation(Ability.SIGNED_IN, description="Add a person to an organisation by email. Administrators only.")
    async def add_member(
        self, info: strawberry.Info, input: AddMemberInput
    ) -> errors.result("addMember", MembershipPayload):
        return await attempt(
            lambda: member_resolvers.add_member(
                info.context,
                organisation_id=decode(input.organisation_id, "Organisation", "organisationId"),
                email=input.email,
                display_name=input.display_name,
                role=input.role,
            ),
            _membership,
        )

    @mutation(Ability.SIGNED_IN, description="Make a member an Administrator (in a school, a full licence "
              "administrator). Any Administrator may; no one else.")
    async def promote_member(
        self, info: strawberry.Info, input: MembershipInput
    ) -> errors.result("promoteMember", MembershipPayload):
        return await attempt(
            lambda: member_resolvers.change_role(
                info.context,
                membership_id=decode(input.membership_id, "Membership", "membershipId"),
                role=MembershipRole.ADMINISTRATOR,
            ),
            _membership,
        )

    @mutation(Ability.SIGNED_IN, description="Make an Administrator a Member again. The licence owner and "
              "the last Administrator cannot be demoted.")
    async def demote_member(
        self, info: strawberry.Info, input: MembershipInput
    ) -> errors.result("demoteMember", MembershipPayload):
        return await attempt(
            lambda: member_resolvers.change_role(
                info.context,
                membership_id=decode(input.membership_id, "Membership", "membershipId"),
                role=MembershipRole.MEMBER,
            ),
            _membership,
        )

    @mutation(Ability.SIGNED_IN, description="Take a person out of an organisation; their seat there is "
              "deactivated, their progress kept. Never the owner or the last Administrator.")
    async def remove_member(
        self, info: strawberry.Info, input: MembershipInput
    ) -> errors.result("removeMember", RemoveMemberPayload):
        async def work() -> Any:
            membership_id = decode(input.membership_id, "Membership", "membershipId")
            removed = await member_resolvers.remove_member(info.context, membership_id=membership_id)
            row = await info.context.loaders.by_id(Organisation.model).load(removed.organisation_id)
            return removed, row

        return await attempt(
            work,
            lambda pair: RemoveMemberPayload(
                removed_membership_id=global_id("Membership", pair[0].id),
                organisation=Organisation.from_row(pair[1]),
            ),
        )

    @mutation(Ability.SIGNED_IN, description="Give a member of the school a seat on its licence.")
    async def add_seat(self, info: strawberry.Info, input: AddSeatInput) -> errors.result("addSeat", SeatPayload):
        return await attempt(
            lambda: licence_resolvers.add_seat(
                info.context,
                licence_id=decode(input.licence_id, "Licence", "licenceId"),
                person_id=decode(input.person_id, "Person", "personId"),
                subscription=input.subscription,
            ),
            _seat,
        )

    @mutation(Ability.SIGNED_IN, description="Deactivate a seat: its holder stops being staff of the licence.")
    async def deactivate_seat(
        self, info: strawberry.Info, input: SeatInput
    ) -> errors.result("deactivateSeat", SeatPayload):
        return await attempt(
            lambda: licence_resolvers.set_seat_active(
                info.context, seat_id=decode(input.seat_id, "Seat", "seatId"), active=False
            ),
            _seat,
        )

    @mutation(Ability.SIGNED_IN, description="Reactivate a deactivated seat.")
    async def reactivate_seat(
        self, info: strawberry.Info, input: SeatInput
    ) -> errors.result("reactivateSeat", SeatPayload):
        return await attempt(
            lambda: licence_resolvers.set_seat_active(
                info.context, seat_id=decode(input.seat_id, "Seat", "seatId"), active=True
            ),
            _seat,
        )

    @mutation(Ability.SIGNED_IN, description="Create a school or a trust. Platform support only.")
    async def create_organisation(
        self, info: strawberry.Info, input: CreateOrganisationInput
    ) -> errors.result("createOrganisation", OrganisationPayload):
        return await attempt(
            lambda: organisation_resolvers.create_organisation(
                info.context, kind=input.kind, name=input.name, designation=input.designation,
                time_zone=input.time_zone,
            ),
            _organisation,
        )

    @mutation(Ability.SIGNED_IN, description="Set or clear an organisation's designation, such as "
              "'Academies'. Platform support only.")
    async def set_designation(
        self, info: strawberry.Info, input: SetDesignationInput
    ) -> errors.result("setDesignation", OrganisationPayload):
        return await attempt(
            lambda: organisation_resolvers.set_designation(
                info.context,
                organisation_id=decode(input.organisation_id, "Organisation", "organisationId"),
                designation=input.designation,
            ),
            _organisation,
        )

    @mutation(Ability.SIGNED_IN, description="Create a school's licence. The owner (found or created "
              "by email) becomes an Administrator and takes the first seat. Platform support only.")
    async def create_licence(
        self, info: strawberry.Info, input: CreateLicenceInput
    ) -> errors.result("createLicence", LicencePayload):
        return await attempt(
            lambda: licence_resolvers.create_licence(
                info.context,
                organisation_id=decode(input.organisation_id, "Organisation", "organisationId"),
                owner_email=input.owner_email,
                owner_display_name=input.owner_display_name,
            ),
            _licence,
        )

    @mutation(Ability.SIGNED_IN, description="Give a licence a new owner, a member of its school. "
              "Platform support only.")
    async def transfer_ownership(
        self, info: strawberry.Info, input: TransferOwnershipInput
    ) -> errors.result("transferOwnership", LicencePayload):
        return await attempt(
            lambda: licence_resolvers.transfer_ownership(
                info.context,
                licence_id=decode(input.licence_id, "Licence", "licenceId"),
                new_owner_id=decode(input.new_owner_id, "Person", "newOwnerId"),
            ),
            _licence,
        )
