"""The policy matrix, without a database: every (principal, ability) pair, in each
organisation, against the table below, written from DOMAIN.md ('Who may do what') and the
seeds, not from the policy's code. Deny by default: a cell not listed is a refusal."""

import pytest
from sqlalchemy import column

from domain.errors import ErrorCode, Forbidden
from domain.models import MembershipRole
from permissions import policy
from permissions.policy import Ability, Scope
from permissions.principal import ANONYMOUS, Principal

A = Ability
ADMIN, MEMBER = MembershipRole.ADMINISTRATOR, MembershipRole.MEMBER
ORGANISATIONS = (1, 2, None)  # None: a question about no organisation in particular

PRINCIPALS = {
    "anonymous": ANONYMOUS,
    "platform support": Principal(person_id=1, display_name="Support", token_id=1, is_platform_support=True),
    "owner of 1": Principal(person_id=2, token_id=2, roles={1: ADMIN}, owned_licences=frozenset({10})),
    "administrator of 1": Principal(person_id=3, token_id=3, roles={1: ADMIN}),
    "member of 1": Principal(person_id=4, token_id=4, roles={1: MEMBER}),
    "administrator of 2": Principal(person_id=5, token_id=5, roles={2: ADMIN}),
    "member of 1, administrator of 2": Principal(person_id=6, token_id=6, roles={1: MEMBER, 2: ADMIN}),
    "external system of 1": Principal(token_id=7, display_name="MIS", system_organisation_id=1),
}

# Any valid token: `me`, `node`, lists scoped by organisation, and the platform-wide catalogue.
SIGNED_IN = {A.PUBLIC, A.SIGNED_IN, A.VIEW_CATALOGUE}
# Owner and full administrators: everything in their school (owner and administrator alike;
# the owner differs only in never being removed or demoted, which is a rule, not an ability).
ADMINISTRATOR = {
    A.VIEW_ORGANISATION, A.VIEW_MEMBERS, A.MANAGE_MEMBERS, A.VIEW_LICENCE, A.VIEW_SEATS, A.MANAGE_SEATS, A.VIEW_AUDIT,
}
# A member sees their school's profile and its 'My colleagues' list (seed 001) and licence;
# they manage nothing and see no audit log.
MEMBER_OF = {A.VIEW_ORGANISATION, A.VIEW_MEMBERS, A.VIEW_LICENCE}
# Support reads every organisation so it can do its acts, but runs no school's business.
SUPPORT = SIGNED_IN | {
    A.PLATFORM_SUPPORT, A.VIEW_ORGANISATION, A.VIEW_MEMBERS, A.VIEW_LICENCE, A.VIEW_SEATS, A.VIEW_AUDIT,
}
# An external system identifies its own school, nothing more (workflow records are not built yet).
SYSTEM_OF = {A.VIEW_ORGANISATION}

EXPECTED: dict[str, dict[int | None, set[Ability]]] = {
    "anonymous": {1: {A.PUBLIC}, 2: {A.PUBLIC}, None: {A.PUBLIC}},
    "platform support": {1: SUPPORT, 2: SUPPORT, None: SUPPORT},
    "owner of 1": {1: SIGNED_IN | ADMINISTRATOR, 2: SIGNED_IN, None: SIGNED_IN},
    "administrator of 1": {1: SIGNED_IN | ADMINISTRATOR, 2: SIGNED_IN, None: SIGNED_IN},
    "member of 1": {1: SIGNED_IN | MEMBER_OF, 2: SIGNED_IN, None: SIGNED_IN},
    "administrator of 2": {1: SIGNED_IN, 2: SIGNED_IN | ADMINISTRATOR, None: SIGNED_IN},
    "member of 1, administrator of 2": {1: SIGNED_IN | MEMBER_OF, 2: SIGNED_IN | ADMINISTRATOR, None: SIGNED_IN},
    "external system of 1": {1: SIGNED_IN | SYSTEM_OF, 2: SIGNED_IN, None: SIGNED_IN},
}

PAIRS = [(who, ability) for who in PRINCIPALS for ability in Ability]
ORGANISATION_LEVEL = [a for a in Ability if a not in policy.GLOBAL]


def test_the_table_covers_every_principal_and_organisation() -> None:
    assert set(EXPECTED) == set(PRINCIPALS)
    assert all(set(row) == set(ORGANISATIONS) for row in EXPECTED.values())


@pytest.mark.parametrize(("who", "ability"), PAIRS)
def test_can(who: str, ability: Ability) -> None:
    principal = PRINCIPALS[who]
    decided = {org: policy.can(principal, ability, org) for org in ORGANISATIONS}
    expected = {org: ability in EXPECTED[who][org] for org in ORGANISATIONS}
    assert decided == expected


@pytest.mark.parametrize(("who", "ability"), PAIRS)
def test_authorize_raises_forbidden_exactly_when_can_is_false(who: str, ability: Ability) -> None:
    principal = PRINCIPALS[who]
    for org in ORGANISATIONS:
        if ability in EXPECTED[who][org]:
            assert policy.authorize(principal, ability, org) is None
        else:
            with pytest.raises(Forbidden) as refused:
                policy.authorize(principal, ability, org)
            assert refused.value.code == ErrorCode.FORBIDDEN


@pytest.mark.parametrize(("who", "ability"), [(w, a) for w in PRINCIPALS for a in ORGANISATION_LEVEL])
def test_scope(who: str, ability: Ability) -> None:
    """The organisations a list is filtered to: exactly those where the ability is held."""
    scope = policy.scope(PRINCIPALS[who], ability)
    if who == "platform support" and ability in SUPPORT:
        assert scope.everything
    else:
        assert scope.ids == frozenset(o for o in (1, 2) if ability in EXPECTED[who][o])
    for org in (1, 2, 3):
        assert scope.allows(org) == policy.can(PRINCIPALS[who], ability, org)


def test_an_empty_scope_matches_no_row_and_everything_matches_every_row() -> None:
    """Deny by default reaches SQL too: an empty scope must not turn into 'no filter'."""
    col = column("organisation_id")

    def sql(scope: Scope) -> str:
        return str(scope.clause(col).compile(compile_kwargs={"literal_binds": True}))

    assert sql(Scope(frozenset())) == "false"
    assert sql(Scope(None)) == "true"
    assert sql(Scope(frozenset({2, 1}))) == "organisation_id IN (1, 2)"


@pytest.mark.parametrize(
    ("who", "organisations", "sees"),
    [
        ("anonymous", [1], False),
        ("platform support", [2], True),
        ("member of 1", [1], True),
        ("member of 1", [2], False),
        ("administrator of 2", [1], False),
        ("administrator of 2", [1, 2], True),
        ("external system of 1", [1], False),
        ("member of 1", [], False),
    ],
)
def test_people_are_seen_through_a_members_list_one_may_see(who: str, organisations: list[int], sees: bool) -> None:
    assert policy.can_see_person(PRINCIPALS[who], organisations) is sees
