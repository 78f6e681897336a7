"""The policy matrix, without a database: every (principal, ability) pair, in each
organisation, against the table below, written from DOMAIN.md ('Who may do what') and the
seeds, not from the policy's code. Deny by default: a cell not listed is a refusal."""

from dataclasses import replace

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, column, create_engine, insert, select

from domain.errors import ErrorCode, Forbidden, NotFound
from domain.models import MembershipRole
from permissions import policy
from permissions.policy import Ability, Scope, Subject, can_on
from permissions.principal import ANONYMOUS, Principal, is_full_administrator

A = Ability
ADMIN, MEMBER = MembershipRole.ADMINISTRATOR, MembershipRole.MEMBER
LEARNER, PARENT = MembershipRole.LEARNER, MembershipRole.PARENT
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
    # Put in charge of staff group 7 of school 1 by its administrators: a member otherwise.
    "delegate of group 7 in 1": Principal(person_id=8, token_id=8, roles={1: MEMBER}, delegations={7: 1}),
    # Supervisors (seed 002): roles a site administrator gives members of the school.
    "headteacher of 1": Principal(person_id=10, token_id=10, roles={1: MEMBER}, headteacher_of=frozenset({1})),
    "mentor in 1": Principal(person_id=11, token_id=11, roles={1: MEMBER}, mentor_of=frozenset({1})),
    # Seed 002's learners and parents belong to the school but are not its staff.
    "learner of 1": Principal(person_id=12, token_id=12, roles={1: LEARNER}),
    "parent in 1": Principal(person_id=13, token_id=13, roles={1: PARENT}),
    "learner of 1, member of 2": Principal(person_id=14, token_id=14, roles={1: LEARNER, 2: MEMBER}),
}

# Any valid token: `me`, `node`, lists scoped by organisation, and the platform-wide catalogue.
SIGNED_IN = {A.PUBLIC, A.SIGNED_IN, A.VIEW_CATALOGUE}
# Owner and full administrators: everything in their school (owner and administrator alike;
# the owner differs only in never being removed or demoted, which is a rule, not an ability).
# That includes creating staff groups, every staff member's learning path, completion
# reporting per course and per person, recording progress for their staff, every group
# ability on every group of their school (seed 000: 'full control of all groups'), and
# choosing the school's Multi Academy Trust (seed 001), and its email notification settings
# and delivery log (seed 000: 'school wide notification settings').
GROUP_ABILITIES = {A.VIEW_GROUP, A.EDIT_GROUP, A.DELETE_GROUP, A.DELEGATE_GROUP, A.VIEW_GROUP_REPORT,
                   A.EXTEND_TARGETS, A.SET_GROUP_RULE}
ADMINISTRATOR = {
    A.VIEW_ORGANISATION, A.VIEW_MEMBERS, A.MANAGE_MEMBERS, A.VIEW_LICENCE, A.VIEW_SEATS, A.MANAGE_SEATS, A.VIEW_AUDIT,
    A.IMPORT_ROSTER, A.CREATE_GROUP, A.VIEW_PATHS, A.VIEW_REPORTS, A.RECORD_PROGRESS, A.GRANT_TRUST,
    A.MANAGE_NOTIFICATIONS,
} | GROUP_ABILITIES | {
    # Seed 002: site administrators hold 'Supervisor management' and set the workflow; DOMAIN.md
    # gives them everything in their school, its records and overviews included.
    A.MANAGE_SUPERVISORS, A.CONFIGURE_WORKFLOW, A.VIEW_RECORDS, A.VIEW_SUPERVISION,
    # ...and keep the site: its terms, courses and their people, parent links and attendance codes.
    A.MANAGE_SITE,
}
# A headteacher monitors their organisation's mentors: its records and the overviews.
HEADTEACHER = {A.VIEW_RECORDS, A.VIEW_SUPERVISION}
# A member sees their school's profile and its 'My colleagues' list (seed 001) and licence;
# they manage nothing, see no audit log, no group and no one else's learning path.
MEMBER_OF = {A.VIEW_ORGANISATION, A.VIEW_MEMBERS, A.VIEW_LICENCE}
# A learner or a parent sees that their school exists, nothing of its staff, members or licence:
# the records they see are decided per record by the phase (records_clause).
LEARNER_OR_PARENT = {A.VIEW_ORGANISATION}
# Support reads every organisation (and can look at its groups) so it can do its acts, but runs
# no school's business: no group changes, no learning paths. It brings a school's staff in
# from its roster (a first day in production).
SUPPORT = SIGNED_IN | {
    A.PLATFORM_SUPPORT, A.VIEW_ORGANISATION, A.VIEW_MEMBERS, A.VIEW_LICENCE, A.VIEW_SEATS, A.VIEW_AUDIT,
    A.VIEW_GROUP, A.IMPORT_ROSTER,
}
# An external system identifies its own school, and (as a course player or learning system)
# records its people's course progress: the progress issue names "an external system token
# of the school" among those who may; DOMAIN.md's table names only workflow records.
SYSTEM_OF = {A.VIEW_ORGANISATION, A.RECORD_PROGRESS}

EXPECTED: dict[str, dict[int | None, set[Ability]]] = {
    "anonymous": {1: {A.PUBLIC}, 2: {A.PUBLIC}, None: {A.PUBLIC}},
    "platform support": {1: SUPPORT, 2: SUPPORT, None: SUPPORT},
    "owner of 1": {1: SIGNED_IN | ADMINISTRATOR, 2: SIGNED_IN, None: SIGNED_IN},
    "administrator of 1": {1: SIGNED_IN | ADMINISTRATOR, 2: SIGNED_IN, None: SIGNED_IN},
    "member of 1": {1: SIGNED_IN | MEMBER_OF, 2: SIGNED_IN, None: SIGNED_IN},
    "administrator of 2": {1: SIGNED_IN, 2: SIGNED_IN | ADMINISTRATOR, None: SIGNED_IN},
    "member of 1, administrator of 2": {1: SIGNED_IN | MEMBER_OF, 2: SIGNED_IN | ADMINISTRATOR, None: SIGNED_IN},
    "external system of 1": {1: SIGNED_IN | SYSTEM_OF, 2: SIGNED_IN, None: SIGNED_IN},
    # A delegation is about one group (asked with can_on_group): it adds nothing school-wide.
    "delegate of group 7 in 1": {1: SIGNED_IN | MEMBER_OF, 2: SIGNED_IN, None: SIGNED_IN},
    "headteacher of 1": {1: SIGNED_IN | MEMBER_OF | HEADTEACHER, 2: SIGNED_IN, None: SIGNED_IN},
    # A mentor's reach is their learners, decided per record: nothing school-wide.
    "mentor in 1": {1: SIGNED_IN | MEMBER_OF, 2: SIGNED_IN, None: SIGNED_IN},
    "learner of 1": {1: SIGNED_IN | LEARNER_OR_PARENT, 2: SIGNED_IN, None: SIGNED_IN},
    "parent in 1": {1: SIGNED_IN | LEARNER_OR_PARENT, 2: SIGNED_IN, None: SIGNED_IN},
    "learner of 1, member of 2": {1: SIGNED_IN | LEARNER_OR_PARENT, 2: SIGNED_IN | MEMBER_OF, None: SIGNED_IN},
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
        ("delegate of group 7 in 1", [1], True),
    ],
)
def test_people_are_seen_through_a_members_list_one_may_see(who: str, organisations: list[int], sees: bool) -> None:
    subject = Subject(person_id=999, organisations=frozenset(organisations))
    assert policy.can_on(PRINCIPALS[who], A.VIEW_PERSON, subject) is sees


@pytest.mark.parametrize("who", [w for w in PRINCIPALS if PRINCIPALS[w].person_id is not None])
def test_a_person_always_sees_themself(who: str) -> None:
    principal = PRINCIPALS[who]
    assert policy.can_on(principal, A.VIEW_PERSON, Subject(person_id=principal.person_id)) is True


@pytest.mark.parametrize(
    ("who", "holder", "organisation", "sees"),
    [
        ("member of 1", 4, 1, True),  # their own seat, while in the school
        ("member of 1", 4, 2, False),  # their own seat in a school they left
        ("member of 1", 999, 1, False),  # a colleague's seat
        ("administrator of 1", 999, 1, True),
        ("platform support", 999, 2, True),
        ("external system of 1", 999, 1, False),
    ],
)
def test_seats_are_seen_by_their_holder_and_those_who_see_the_licences_seats(
    who: str, holder: int, organisation: int, sees: bool
) -> None:
    assert policy.can_on(PRINCIPALS[who], A.VIEW_SEAT, Subject(organisation_id=organisation, person_id=holder)) is sees


@pytest.mark.parametrize(
    ("who", "organisation", "group", "sees"),
    [
        ("administrator of 1", 1, None, True),
        ("member of 1", 1, None, False),
        ("delegate of group 7 in 1", 1, 7, True),
        ("delegate of group 7 in 1", 1, 8, False),
        ("delegate of group 7 in 1", 1, None, False),
        ("platform support", None, None, True),
    ],
)
def test_audit_events_are_seen_as_the_audit_clause_says(who: str, organisation: int | None, group: int | None,
                                                         sees: bool) -> None:
    subject = Subject(organisation_id=organisation, group_id=group)
    assert policy.can_on(PRINCIPALS[who], A.VIEW_AUDIT_EVENT, subject) is sees


# --- Group abilities ------------------------------------------------------------------
# Staff groups 7 and 8 belong to school 1, group 9 to school 2. Written from seed 000:
# full administrators hold everything on every group of their school; a delegate manages
# the members and lists of their own group and sees its report, but never deletes it or
# adds delegates; support may look; everyone else holds nothing. Issue 17: a delegate gives
# their group's people later dates for its lists' courses.
GROUPS = {7: 1, 8: 1, 9: 2}
DELEGATE_SHARE = {A.VIEW_GROUP, A.EDIT_GROUP, A.VIEW_GROUP_REPORT, A.EXTEND_TARGETS}

GROUP_EXPECTED: dict[str, dict[int, set[Ability]]] = {
    "anonymous": {7: set(), 8: set(), 9: set()},
    "platform support": {7: {A.VIEW_GROUP}, 8: {A.VIEW_GROUP}, 9: {A.VIEW_GROUP}},
    "owner of 1": {7: GROUP_ABILITIES, 8: GROUP_ABILITIES, 9: set()},
    "administrator of 1": {7: GROUP_ABILITIES, 8: GROUP_ABILITIES, 9: set()},
    "member of 1": {7: set(), 8: set(), 9: set()},
    "administrator of 2": {7: set(), 8: set(), 9: GROUP_ABILITIES},
    "member of 1, administrator of 2": {7: set(), 8: set(), 9: GROUP_ABILITIES},
    "external system of 1": {7: set(), 8: set(), 9: set()},
    "delegate of group 7 in 1": {7: DELEGATE_SHARE, 8: set(), 9: set()},
    "headteacher of 1": {7: set(), 8: set(), 9: set()},
    "mentor in 1": {7: set(), 8: set(), 9: set()},
    "learner of 1": {7: set(), 8: set(), 9: set()},
    "parent in 1": {7: set(), 8: set(), 9: set()},
    "learner of 1, member of 2": {7: set(), 8: set(), 9: set()},
}
GROUP_LEVEL = sorted(GROUP_ABILITIES)


def test_the_group_table_covers_every_principal_and_group() -> None:
    assert set(GROUP_EXPECTED) == set(PRINCIPALS)
    assert all(set(row) == set(GROUPS) for row in GROUP_EXPECTED.values())


@pytest.mark.parametrize(("who", "ability"), [(w, a) for w in PRINCIPALS for a in GROUP_LEVEL])
def test_can_on_group(who: str, ability: Ability) -> None:
    principal = PRINCIPALS[who]
    decided = {g: policy.can_on_group(principal, ability, g, org) for g, org in GROUPS.items()}
    assert decided == {g: ability in GROUP_EXPECTED[who][g] for g in GROUPS}


@pytest.mark.parametrize(("who", "ability"), [(w, a) for w in PRINCIPALS for a in GROUP_LEVEL])
def test_can_on_a_group_is_can_on_group(who: str, ability: Ability) -> None:
    """The one object check asks a group's facts exactly as the group table says."""
    principal = PRINCIPALS[who]
    decided = {g: policy.can_on(principal, ability, Subject(organisation_id=org, group_id=g))
               for g, org in GROUPS.items()}
    assert decided == {g: ability in GROUP_EXPECTED[who][g] for g in GROUPS}


@pytest.mark.parametrize(("who", "ability"), [(w, a) for w in PRINCIPALS for a in sorted(GROUP_ABILITIES - {A.VIEW_GROUP})])
def test_a_refusal_is_not_found_unless_the_caller_may_see_the_object(who: str, ability: Ability) -> None:
    """authorize_on: acting is allowed exactly when can_on allows it; otherwise FORBIDDEN if
    the caller may see the object, and NOT_FOUND (as for an id that never existed) if not."""
    principal = PRINCIPALS[who]
    for group, org in GROUPS.items():
        subject = Subject(organisation_id=org, group_id=group)
        if ability in GROUP_EXPECTED[who][group]:
            assert policy.authorize_on(principal, subject, read=A.VIEW_GROUP, act=ability, field="groupId") is None
            continue
        with pytest.raises((Forbidden, NotFound)) as refused:
            policy.authorize_on(principal, subject, read=A.VIEW_GROUP, act=ability, field="groupId")
        sees = A.VIEW_GROUP in GROUP_EXPECTED[who][group]
        assert refused.value.code == (ErrorCode.FORBIDDEN if sees else ErrorCode.NOT_FOUND)
        if not sees:
            assert refused.value.field == "groupId"


def test_nothing_at_all_is_not_found_for_everyone() -> None:
    for principal in PRINCIPALS.values():
        with pytest.raises(NotFound):
            policy.authorize_on(principal, None, read=A.VIEW_GROUP, act=A.VIEW_GROUP, field="groupId")


@pytest.mark.parametrize("ability", GROUP_LEVEL)
def test_a_delegation_names_its_school_too(ability: Ability) -> None:
    """Group 7 asked about as if it were in school 2 is not the delegated group: a delegation
    never reaches across schools, whatever the ids."""
    delegate = PRINCIPALS["delegate of group 7 in 1"]
    assert policy.can_on_group(delegate, ability, 7, 2) is False


@pytest.mark.parametrize("ability", sorted(set(ORGANISATION_LEVEL) - GROUP_ABILITIES))
def test_a_delegation_grants_no_school_wide_ability_through_its_group(ability: Ability) -> None:
    """Asking can_on_group about creating groups, paths, seats or the audit log gives a delegate
    no more than `can` gives a member."""
    delegate = PRINCIPALS["delegate of group 7 in 1"]
    assert policy.can_on_group(delegate, ability, 7, 1) == (ability in MEMBER_OF)


@pytest.mark.parametrize(
    ("role", "full"), [(MembershipRole.ADMINISTRATOR, True), (MembershipRole.MEMBER, False), ("OWNER", False), ("", False)]
)
def test_only_a_school_administrator_is_a_full_administrator(role: str, full: bool) -> None:
    """Full administrators cannot be delegates: this decides who counts as one."""
    assert is_full_administrator(role) is full


# --- Learning paths -------------------------------------------------------------------
# Person 4 ("member of 1") is in groups 7 (All Staff, say) and 8 of school 1.


@pytest.mark.parametrize(
    ("who", "person", "organisation", "group_ids", "sees"),
    [
        ("member of 1", 4, 1, [7, 8], True),  # their own path
        ("member of 1", 4, 1, [], True),  # their own, even with nothing on it
        ("member of 1", 4, 2, [], False),  # not while they are not a member of that school
        ("owner of 1", 4, 1, [7, 8], True),
        ("administrator of 1", 4, 1, [], True),
        ("administrator of 1", 4, 2, [9], False),  # another school's person
        ("administrator of 2", 4, 1, [7, 8], False),
        ("member of 1, administrator of 2", 99, 1, [7], False),  # a colleague's path
        ("delegate of group 7 in 1", 4, 1, [7, 8], True),  # the person is in their group
        ("delegate of group 7 in 1", 4, 1, [8], False),  # a group they do not run
        ("delegate of group 7 in 1", 4, 2, [7], False),  # ids from another school
        ("delegate of group 7 in 1", 4, 1, [], False),
        ("platform support", 4, 1, [7, 8], False),
        ("external system of 1", 4, 1, [7, 8], False),
        ("anonymous", 4, 1, [7, 8], False),
    ],
)
def test_a_path_is_seen_by_its_owner_the_schools_administrators_and_its_groups_delegates(who: str, person: int, organisation: int, group_ids: list[int], sees: bool) -> None:
    subject = Subject(organisation_id=organisation, person_id=person, groups=frozenset(group_ids))
    assert policy.can_on(PRINCIPALS[who], A.VIEW_PATH, subject) is sees


# --- The same decisions in SQL --------------------------------------------------------
# Evaluated on real rows in an in-memory SQLite database, so a clause that renders but
# selects the wrong rows (or every row) fails here.

_metadata = MetaData()
_groups = Table("groups", _metadata, Column("id", Integer, primary_key=True), Column("organisation_id", Integer))
_events = Table(
    "events", _metadata, Column("id", Integer, primary_key=True),
    Column("organisation_id", Integer, nullable=True), Column("staff_group_id", Integer, nullable=True),
)
# (event id, organisation, group): school-wide events, group events, and a platform event of no school.
EVENTS = [(1, 1, None), (2, 1, 7), (3, 1, 8), (4, 2, None), (5, 2, 9), (6, 3, None), (7, None, None)]


@pytest.fixture(scope="module")
def tables():  # type: ignore[no-untyped-def]
    engine = create_engine("sqlite://")
    _metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(_groups), [{"id": g, "organisation_id": o} for g, o in (*GROUPS.items(), (10, 3))])
        conn.execute(insert(_events), [{"id": e, "organisation_id": o, "staff_group_id": g} for e, o, g in EVENTS])
    yield engine
    engine.dispose()


def _ids(engine, table: Table, clause) -> set[int]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return set(conn.execute(select(table.c.id).where(clause)).scalars())


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", set()),
        ("platform support", {7, 8, 9, 10}),
        ("owner of 1", {7, 8}),
        ("administrator of 1", {7, 8}),
        ("member of 1", set()),
        ("administrator of 2", {9}),
        ("member of 1, administrator of 2", {9}),
        ("external system of 1", set()),
        ("delegate of group 7 in 1", {7}),
    ],
)
def test_groups_clause_selects_the_groups_one_may_see(tables, who: str, expected: set[int]) -> None:  # type: ignore[no-untyped-def]
    clause = policy.groups_clause(PRINCIPALS[who], _groups.c.id, _groups.c.organisation_id)
    assert _ids(tables, _groups, clause) == expected


def test_groups_clause_adds_delegated_groups_to_administered_schools(tables) -> None:  # type: ignore[no-untyped-def]
    """Administrator of one school, delegate in another: both sets, nothing more."""
    principal = Principal(person_id=9, token_id=9, roles={1: MEMBER, 2: ADMIN}, delegations={7: 1})
    clause = policy.groups_clause(principal, _groups.c.id, _groups.c.organisation_id)
    assert _ids(tables, _groups, clause) == {7, 9}


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", set()),
        ("platform support", {1, 2, 3, 4, 5, 6, 7}),
        ("owner of 1", {1, 2, 3}),
        ("administrator of 1", {1, 2, 3}),
        ("member of 1", set()),
        ("administrator of 2", {4, 5}),
        ("member of 1, administrator of 2", {4, 5}),
        ("external system of 1", set()),
        ("delegate of group 7 in 1", {2}),  # their group's events, not the school's
    ],
)
def test_audit_clause_selects_the_events_one_may_read(tables, who: str, expected: set[int]) -> None:  # type: ignore[no-untyped-def]
    clause = policy.audit_clause(PRINCIPALS[who], _events.c.organisation_id, _events.c.staff_group_id)
    assert _ids(tables, _events, clause) == expected


@pytest.mark.parametrize(
    ("who", "groups", "events"),
    [
        ("member of 1", "false", "false"),
        ("anonymous", "false", "false"),
        ("platform support", "true", "true"),
        ("administrator of 1", "organisation_id IN (1)", "organisation_id IN (1)"),
        ("delegate of group 7 in 1", "id IN (7)", "staff_group_id IN (7)"),
    ],
)
def test_the_clauses_render_as_plain_sql(who: str, groups: str, events: str) -> None:
    """Deny by default in SQL: no delegation and no school is `false`, never 'no filter'."""
    def sql(clause) -> str:  # type: ignore[no-untyped-def]
        return str(clause.compile(compile_kwargs={"literal_binds": True}))

    principal = PRINCIPALS[who]
    assert sql(policy.groups_clause(principal, column("id"), column("organisation_id"))) == groups
    assert sql(policy.audit_clause(principal, column("organisation_id"), column("staff_group_id"))) == events


# --- Workflow, records and supervisors (seed 002) -----------------------------------------
# Acting on a phase: only its responsible role, whatever else the caller holds.

from domain.records import CourseRole  # noqa: E402
from domain.workflow import Area, PhaseKind, Role, default_phases  # noqa: E402

# Who is asking about a scope of school 1: (principal, teaches its course, mentors its learners).
ACTORS = {
    "teacher of the course": (Principal(person_id=20, token_id=20, roles={1: MEMBER}), True, False),
    "mentor of its learners": (PRINCIPALS["mentor in 1"], False, True),
    "mentor of other learners": (PRINCIPALS["mentor in 1"], False, False),
    # Assigned learners once, but no longer a mentor of the school.
    "former mentor": (Principal(person_id=21, token_id=21, roles={1: MEMBER}), False, True),
    "headteacher of 1": (PRINCIPALS["headteacher of 1"], False, False),
    "headteacher of 2": (Principal(person_id=22, token_id=22, roles={2: MEMBER}, headteacher_of=frozenset({2})),
                         False, False),
    "administrator of 1": (PRINCIPALS["administrator of 1"], False, False),
    "platform support": (PRINCIPALS["platform support"], False, False),
    "external system of 1": (PRINCIPALS["external system of 1"], False, False),
    "anonymous": (ANONYMOUS, False, False),
}
MOVERS = {Role.TEACHER: {"teacher of the course"}, Role.MENTOR: {"mentor of its learners"},
          Role.HEADTEACHER: {"headteacher of 1"}, None: set()}


@pytest.mark.parametrize("responsible", [Role.TEACHER, Role.MENTOR, Role.HEADTEACHER, None])
@pytest.mark.parametrize("who", sorted(ACTORS))
def test_only_the_responsible_role_moves_a_phase_on(responsible: Role | None, who: str) -> None:
    principal, teaches, mentors = ACTORS[who]
    allowed = policy.can_move_on(principal, responsible, 1, teaches=teaches, mentors=mentors)
    assert allowed is (who in MOVERS[responsible])
    # The mutation's declared ability asks the same question of the scope's facts.
    subject = Subject(organisation_id=1, teaches=teaches, mentors=mentors, responsible=responsible)
    assert policy.can_on(principal, A.MOVE_ON, subject) is allowed


EDITORS = {
    PhaseKind.COURSE_REGISTRATION: {"teacher of the course"},
    PhaseKind.GROUP_REGISTRATION: {"mentor of its learners"},
    PhaseKind.ORGANISATION_APPROVAL: {"headteacher of 1", "mentor of its learners"},  # the mentor can still edit
    PhaseKind.COMPLETED: set(),
}


@pytest.mark.parametrize("phase", default_phases(Area.ATTENDANCE), ids=lambda p: p.kind)
@pytest.mark.parametrize("who", sorted(ACTORS))
def test_who_may_change_records_in_each_phase(phase, who: str) -> None:  # type: ignore[no-untyped-def]
    principal, teaches, mentors = ACTORS[who]
    allowed = policy.can_edit_records(principal, phase, 1, teaches=teaches, mentors=mentors)
    assert allowed is (who in EDITORS[phase.kind])


# Visibility of records, evaluated on real rows. Every record is in school 1 or 2, of a
# learner, maybe of a course, with its phase's three ticks.

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402

from domain.models import CourseParticipant, MentorLearner, ParentLink  # noqa: E402

_records = Table(
    "records", _metadata, Column("id", Integer, primary_key=True), Column("organisation_id", Integer),
    Column("learner_id", Integer), Column("course_id", Integer, nullable=True),
    Column("learner_sees", Integer), Column("parent_sees", Integer), Column("external_sees", Integer),
)
LEARNER, CHILD, PARENT, TEACHER, MENTOR = 30, 31, 32, 20, 11
WORKFLOW_PRINCIPALS = {
    "learner": Principal(person_id=LEARNER, token_id=30),
    "parent": Principal(person_id=PARENT, token_id=32),
    "teacher": Principal(person_id=TEACHER, token_id=20, roles={1: MEMBER}),
    "mentor": PRINCIPALS["mentor in 1"],
    "headteacher": PRINCIPALS["headteacher of 1"],
    "administrator": PRINCIPALS["administrator of 1"],
    "external system": PRINCIPALS["external system of 1"],
    "member": PRINCIPALS["member of 1"],
    "platform support": PRINCIPALS["platform support"],
    "anonymous": ANONYMOUS,
}


def expected_sight(who: str, row: dict) -> bool:
    """Written from DOMAIN.md's table, row by row. Course 100 of school 1 is taught by the
    teacher; the mentor has the learner assigned in school 1; the parent's child is CHILD."""
    in_1 = row["organisation_id"] == 1
    return {
        "learner": row["learner_id"] == LEARNER and row["learner_sees"],
        "parent": row["learner_id"] == CHILD and row["parent_sees"],
        "teacher": row["course_id"] == 100,
        "mentor": in_1 and row["learner_id"] == LEARNER,
        "headteacher": in_1,
        "administrator": in_1,
        "external system": in_1 and row["external_sees"],
    }.get(who, False)


@pytest.fixture(scope="module")
def workflow_tables():  # type: ignore[no-untyped-def]
    engine = create_engine("sqlite://")
    _metadata.create_all(engine, tables=[_records])
    SQLModel.metadata.create_all(
        engine, tables=[CourseParticipant.__table__, MentorLearner.__table__, ParentLink.__table__]
    )
    with engine.begin() as conn:
        conn.execute(insert(CourseParticipant), [
            {"course_id": 100, "person_id": TEACHER, "role": CourseRole.TEACHER},
            {"course_id": 100, "person_id": LEARNER, "role": CourseRole.LEARNER},
            {"course_id": 200, "person_id": TEACHER, "role": CourseRole.LEARNER},  # learning is not teaching
        ])
        conn.execute(insert(MentorLearner), [
            {"organisation_id": 1, "mentor_id": MENTOR, "learner_id": LEARNER},
            {"organisation_id": 2, "mentor_id": MENTOR, "learner_id": CHILD},  # not a mentor of school 2
        ])
        conn.execute(insert(ParentLink), [{"parent_id": PARENT, "learner_id": CHILD}])
    yield engine
    engine.dispose()


_row = st.fixed_dictionaries({
    "organisation_id": st.sampled_from([1, 2]),
    "learner_id": st.sampled_from([LEARNER, CHILD, 99]),
    "course_id": st.sampled_from([None, 100, 200]),
    "learner_sees": st.booleans(), "parent_sees": st.booleans(), "external_sees": st.booleans(),
})


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(_row, min_size=1, max_size=12))
def test_records_clause_selects_exactly_the_records_domain_md_allows(workflow_tables, rows: list[dict]) -> None:  # type: ignore[no-untyped-def]
    with workflow_tables.begin() as conn:
        conn.execute(_records.delete())
        conn.execute(insert(_records), [{"id": i, **r} for i, r in enumerate(rows, 1)])
    for who, principal in WORKFLOW_PRINCIPALS.items():
        clause = policy.records_clause(
            principal, organisation_id=_records.c.organisation_id, learner_id=_records.c.learner_id,
            course_id=_records.c.course_id, learner_sees=_records.c.learner_sees,
            parent_sees=_records.c.parent_sees, external_sees=_records.c.external_sees,
        )
        expected = {i for i, r in enumerate(rows, 1) if expected_sight(who, r)}
        assert _ids(workflow_tables, _records, clause) == expected, who


# --- Decisions about one object (can_on), from its facts ------------------------------
# Each row: an ability, the facts of one object in school 1, and exactly who may. Written
# from DOMAIN.md's 'Who may do what' and the seeds; every principal not named is refused.
ADMINS_OF_1 = {"owner of 1", "administrator of 1"}
OBJECT_CASES = [
    # A membership of person 4 ("member of 1"): its holder and whoever sees the members list.
    (A.VIEW_MEMBERSHIP, Subject(organisation_id=1, person_id=4),
     ADMINS_OF_1 | {"platform support", "member of 1", "member of 1, administrator of 2",
                    "delegate of group 7 in 1", "headteacher of 1", "mentor in 1"}),
    # A learner's own membership: they see it though they see no members list.
    (A.VIEW_MEMBERSHIP, Subject(organisation_id=1, person_id=12),
     ADMINS_OF_1 | {"platform support", "member of 1", "member of 1, administrator of 2",
                    "delegate of group 7 in 1", "headteacher of 1", "mentor in 1", "learner of 1"}),
    # Person 4's digest: the recipient, the school's notification managers, platform support.
    (A.VIEW_DELIVERY, Subject(organisation_id=1, person_id=4), ADMINS_OF_1 | {"platform support", "member of 1"}),
    # Person 4's completion report: themself and the school's full administrators.
    (A.VIEW_PERSON_REPORT, Subject(organisation_id=1, person_id=4), ADMINS_OF_1 | {"member of 1"}),
    # Recording person 4's progress: themself, their school's administrators and its system.
    (A.RECORD_PROGRESS, Subject(person_id=4, organisations=frozenset({1})),
     ADMINS_OF_1 | {"member of 1", "external system of 1"}),
    # A school course the caller neither teaches nor mentors: only headteachers keep its records.
    (A.KEEP_RECORDS, Subject(organisation_id=1), {"headteacher of 1"}),
    # ...one they teach (or whose learners they mentor): they keep them too.
    (A.KEEP_RECORDS, Subject(organisation_id=1, teaches=True),
     {p for p, principal in PRINCIPALS.items() if principal.person_id is not None}),
    # Behaviour notes go into the writer's own mentor group.
    (A.KEEP_BEHAVIOUR, Subject(organisation_id=1), {"mentor in 1"}),
    # A registration scope of school 1 the caller has no part in: its supervision.
    (A.VIEW_SCOPE, Subject(organisation_id=1), ADMINS_OF_1 | {"headteacher of 1"}),
    # A trust's view: only Administrators of trusts that schools granted (none here).
    (A.VIEW_TRUST_PROGRESS, Subject(organisation_id=3), set()),
]


@pytest.mark.parametrize(("ability", "subject", "allowed"), OBJECT_CASES,
                         ids=[f"{a}-{i}" for i, (a, _, _) in enumerate(OBJECT_CASES)])
def test_each_principal_against_each_object_decision(ability: Ability, subject: Subject, allowed: set[str]) -> None:
    decided = {who for who, principal in PRINCIPALS.items() if policy.can_on(principal, ability, subject)}
    assert decided == allowed


def test_a_trust_administrator_views_the_progress_of_the_trust_schools_granted() -> None:
    viewer = Principal(person_id=30, token_id=30, roles={3: ADMIN}, trust_schools={1: 3, 2: 3})
    assert policy.can_on(viewer, A.VIEW_TRUST_PROGRESS, Subject(organisation_id=3))
    assert not policy.can_on(viewer, A.VIEW_TRUST_PROGRESS, Subject(organisation_id=4))


# --- Issue 17: extensions in force, and overdue summaries --------------------------------
SCHOOLS = frozenset({1, 2})


@pytest.mark.parametrize("who, group, reaches, may", [
    ("administrator of 1", None, frozenset(), True),  # every target: full administrators
    ("administrator of 1", 7, frozenset({7}), True),
    ("delegate of group 7 in 1", 7, frozenset({7}), True),  # given through their group
    ("delegate of group 7 in 1", 7, frozenset(), False),  # the person has left that group
    ("delegate of group 7 in 1", None, frozenset({7}), False),  # every target: not theirs
    ("delegate of group 7 in 1", 8, frozenset({7, 8}), False),  # another group's
    ("member of 1", 7, frozenset({7}), False),
    ("administrator of 2", 7, frozenset({7}), False),
])
def test_an_extension_is_ended_by_an_administrator_or_its_groups_delegate(who: str, group: int | None,
                                                                          reaches: frozenset[int], may: bool) -> None:
    extension = Subject(organisation_id=1, group_id=group, person_id=99, groups=reaches)
    assert can_on(PRINCIPALS[who], Ability.EXTEND_TARGETS, extension) is may


@pytest.mark.parametrize("who, organisation, may", [
    ("administrator of 1", 1, True), ("delegate of group 7 in 1", 1, True), ("member of 1", 1, False),
    ("administrator of 2", 1, False), ("platform support", 1, False),
    ("administrator of 1", 3, False),  # an administrator of an organisation that is not a school: a trust
])
def test_overdue_summaries_are_for_a_schools_administrators_and_delegates(who: str, organisation: int,
                                                                          may: bool) -> None:
    principal = replace(PRINCIPALS[who], school_ids=SCHOOLS & frozenset(PRINCIPALS[who].roles))
    if organisation == 3:
        principal = replace(principal, roles={3: ADMIN})
    assert can_on(principal, Ability.OVERDUE_SUMMARY, Subject(organisation_id=organisation)) is may
