"""Rules as plain functions (no database, no server): who may lose Administrator standing,
and how user input is cleaned or refused."""

import pytest

from domain import memberships, validation
from domain.errors import Conflict, ErrorCode, Invalid
from domain.models import MembershipRole

ADMIN, MEMBER = MembershipRole.ADMINISTRATOR, MembershipRole.MEMBER


# --- Administrators and the owner (seeds 000 and 001) ----------------------------------


@pytest.mark.parametrize("administrators", [1, 2, 5])
def test_the_owner_cannot_be_demoted(administrators: int) -> None:
    with pytest.raises(Conflict, match="owner") as refused:
        memberships.check_role_change(current=ADMIN, new=MEMBER, is_owner=True, administrators=administrators)
    assert refused.value.code == ErrorCode.CONFLICT and refused.value.field == "membershipId"


@pytest.mark.parametrize("administrators", [1, 2, 5])
def test_the_owner_cannot_be_removed(administrators: int) -> None:
    with pytest.raises(Conflict, match="owner"):
        memberships.check_removal(current=ADMIN, is_owner=True, administrators=administrators)


def test_the_last_administrator_cannot_be_demoted() -> None:
    with pytest.raises(Conflict, match="last Administrator"):
        memberships.check_role_change(current=ADMIN, new=MEMBER, is_owner=False, administrators=1)


def test_the_last_administrator_cannot_be_removed() -> None:
    with pytest.raises(Conflict, match="last Administrator"):
        memberships.check_removal(current=ADMIN, is_owner=False, administrators=1)


@pytest.mark.parametrize(
    ("current", "new", "is_owner"),
    [(ADMIN, ADMIN, False), (ADMIN, ADMIN, True), (MEMBER, MEMBER, False)],
    ids=["promote an Administrator", "promote the owner", "demote a Member"],
)
def test_a_change_to_the_role_one_already_has_is_a_conflict(current: str, new: MembershipRole, is_owner: bool) -> None:
    """Promoting an Administrator or demoting a Member changes nothing, and says so."""
    with pytest.raises(Conflict, match="already"):
        memberships.check_role_change(current=current, new=new, is_owner=is_owner, administrators=3)


@pytest.mark.parametrize("administrators", [2, 3])
def test_an_administrator_who_is_not_the_owner_nor_the_last_may_be_demoted_or_removed(administrators: int) -> None:
    memberships.check_role_change(current=ADMIN, new=MEMBER, is_owner=False, administrators=administrators)
    memberships.check_removal(current=ADMIN, is_owner=False, administrators=administrators)


@pytest.mark.parametrize("administrators", [1, 2])
def test_a_member_may_be_promoted_or_removed(administrators: int) -> None:
    """The Administrator count guards Administrators only; Members come and go freely."""
    memberships.check_role_change(current=MEMBER, new=ADMIN, is_owner=False, administrators=administrators)
    memberships.check_removal(current=MEMBER, is_owner=False, administrators=administrators)


# --- Names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("Ada Lovelace", "Ada Lovelace"),
        ("  Ada   Lovelace \n", "Ada Lovelace"),
        ("\tAda\u00a0\u00a0Lovelace", "Ada Lovelace"),
        ("x" * 200, "x" * 200),
        ("a" + " " * 400 + "b", "a b"),
    ],
)
def test_a_name_is_trimmed_and_its_whitespace_collapsed(raw: str, cleaned: str) -> None:
    assert validation.name(raw, "displayName") == cleaned


@pytest.mark.parametrize("raw", ["", "   ", "\n\t "])
def test_an_empty_name_is_refused_naming_the_field(raw: str) -> None:
    with pytest.raises(Invalid) as refused:
        validation.name(raw, "displayName")
    assert refused.value.code == ErrorCode.VALIDATION
    assert refused.value.field == "displayName"
    assert "displayName" in refused.value.message


@pytest.mark.parametrize(("raw", "limit"), [("x" * 201, 200), ("ab cd", 4), ("a " * 150, 200)])
def test_an_over_long_name_is_refused_naming_the_field_and_the_limit(raw: str, limit: int) -> None:
    with pytest.raises(Invalid) as refused:
        validation.name(raw, "designation", limit)
    assert refused.value.field == "designation"
    assert "designation" in refused.value.message and str(limit) in refused.value.message


# --- Emails --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("ada@example.org", "ada@example.org"),
        ("  Ada.Lovelace@Example.ORG ", "ada.lovelace@example.org"),
        ("o'brien+staff@school.sch.uk", "o'brien+staff@school.sch.uk"),
    ],
)
def test_an_email_is_trimmed_and_lower_cased(raw: str, cleaned: str) -> None:
    assert validation.email(raw) == cleaned


@pytest.mark.parametrize(
    "raw",
    ["", "ada", "ada@", "@example.org", "ada@example", "ada lovelace@example.org", "ada@@example.org",
     "ada@exa mple.org", "a" * 250 + "@example.org"],
)
def test_a_bad_email_is_refused_naming_the_field(raw: str) -> None:
    with pytest.raises(Invalid) as refused:
        validation.email(raw, "ownerEmail")
    assert refused.value.field == "ownerEmail"
    assert "ownerEmail" in refused.value.message


# --- Time zones ----------------------------------------------------------------------


@pytest.mark.parametrize("zone", ["Europe/London", "Australia/Sydney"])
def test_an_iana_time_zone_is_accepted(zone: str) -> None:
    assert validation.time_zone(zone) == zone


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "London", "../../etc/passwd", "Europe/London "])
def test_anything_else_is_refused_naming_the_field(zone: str) -> None:
    with pytest.raises(Invalid) as refused:
        validation.time_zone(zone)
    assert refused.value.field == "timeZone"
    assert "Europe/London" in refused.value.message
