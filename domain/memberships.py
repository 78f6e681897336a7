"""Rules about Administrators, Members and licence owners (seeds 000 and 001)."""

from domain.errors import Conflict, Invalid
from domain.models import STAFF_ROLES, MembershipRole, OrganisationKind


def check_role_change(
    *, current: str, new: MembershipRole, is_owner: bool, administrators: int
) -> None:
    """Refuse a change of role that would demote the owner or the last Administrator. Only
    staff move between Member and Administrator: a learner or a parent never does."""
    if current not in STAFF_ROLES:
        raise Conflict(f"This person is a {current.title()}: only staff become or stop being Administrators.",
                       "membershipId")
    if current == new:
        raise Conflict(f"This person is already {'an Administrator' if new == MembershipRole.ADMINISTRATOR else 'a Member'}.", "membershipId")
    if new == MembershipRole.MEMBER:
        check_may_lose_administrator(current=current, is_owner=is_owner, administrators=administrators)


def check_may_lose_administrator(*, current: str, is_owner: bool, administrators: int) -> None:
    """The owner is always an Administrator; an organisation never runs out of them."""
    if current != MembershipRole.ADMINISTRATOR:
        return
    if is_owner:
        raise Conflict(
            "The licence owner cannot be demoted or removed; platform support can transfer ownership.",
            "membershipId",
        )
    if administrators <= 1:
        raise Conflict("The last Administrator cannot be demoted or removed.", "membershipId")


def check_removal(*, current: str, is_owner: bool, administrators: int) -> None:
    if is_owner:
        raise Conflict(
            "The licence owner cannot be removed; platform support can transfer ownership.",
            "membershipId",
        )
    check_may_lose_administrator(current=current, is_owner=is_owner, administrators=administrators)


def check_staff(role: str, field: str, what: str) -> None:
    """Seats, licence ownership and supervisor roles are for staff, not learners or parents."""
    if role not in STAFF_ROLES:
        raise Invalid(f"A {role.title()} cannot {what}; only staff can.", field)


def check_standing(role: MembershipRole, kind: str) -> None:
    """Learners and parents belong to schools, never to trusts."""
    if role not in STAFF_ROLES and kind != OrganisationKind.SCHOOL:
        raise Invalid(f"Only a school has {role.title().lower()}s.", "role")
