"""Workflow rules (seed 002), without a database: the default phases from itslearning's help,
transitions that only the named current phase may leave, who may still edit, and the
supervisor entry a front end shows."""

from datetime import date

import pytest

from domain import records, workflow
from domain.errors import ErrorCode, Invalid
from domain.workflow import Area, EntryKind, PhaseKind, Role

P = PhaseKind


def test_attendance_and_assessment_start_with_the_teacher_and_behaviour_with_the_mentor() -> None:
    teacher_first = [
        (P.COURSE_REGISTRATION, Role.TEACHER), (P.GROUP_REGISTRATION, Role.MENTOR),
        (P.ORGANISATION_APPROVAL, Role.HEADTEACHER), (P.COMPLETED, None),
    ]
    for area in (Area.ATTENDANCE, Area.ASSESSMENT):
        assert [(p.kind, p.responsible) for p in workflow.default_phases(area)] == teacher_first
    assert [(p.kind, p.responsible) for p in workflow.default_phases(Area.BEHAVIOUR)] == teacher_first[1:]


@pytest.mark.parametrize("area", list(Area))
def test_no_audience_sees_anything_by_default(area: Area) -> None:
    for phase in workflow.default_phases(area):
        assert not any(phase.sees(a) for a in workflow.Audience)


def test_course_areas_are_kept_per_course_and_behaviour_per_mentor_group() -> None:
    assert workflow.scope_kind(Area.ATTENDANCE) == workflow.ScopeKind.COURSE
    assert workflow.scope_kind(Area.ASSESSMENT) == workflow.ScopeKind.COURSE
    assert workflow.scope_kind(Area.BEHAVIOUR) == workflow.ScopeKind.MENTOR_GROUP


KINDS = [p.kind for p in workflow.default_phases(Area.ATTENDANCE)]


@pytest.mark.parametrize(("current", "following"), list(zip(KINDS, KINDS[1:], strict=False)))
def test_a_scope_moves_to_the_next_phase_only(current: PhaseKind, following: PhaseKind) -> None:
    assert workflow.transition(KINDS, current, current) == following


@pytest.mark.parametrize("current", KINDS)
@pytest.mark.parametrize("claimed", KINDS)
def test_a_transition_from_a_phase_the_scope_is_not_in_is_refused(current: PhaseKind, claimed: PhaseKind) -> None:
    if current == claimed:
        return
    with pytest.raises(Invalid) as refused:
        workflow.transition(KINDS, current, claimed)
    assert refused.value.field == "fromPhase"


def test_completed_is_the_end() -> None:
    with pytest.raises(Exception) as refused:
        workflow.transition(KINDS, P.COMPLETED, P.COMPLETED)
    assert refused.value.code == ErrorCode.CONFLICT  # type: ignore[attr-defined]


def test_the_responsible_role_edits_and_in_organisation_approval_the_mentor_still_can() -> None:
    phases = {p.kind: p for p in workflow.default_phases(Area.ATTENDANCE)}
    assert workflow.editors(phases[P.COURSE_REGISTRATION]) == {Role.TEACHER}
    assert workflow.editors(phases[P.GROUP_REGISTRATION]) == {Role.MENTOR}
    assert workflow.editors(phases[P.ORGANISATION_APPROVAL]) == {Role.HEADTEACHER, Role.MENTOR}
    assert workflow.editors(phases[P.COMPLETED]) == set()


@pytest.mark.parametrize(
    ("kind", "responsible", "ok"),
    [(P.COMPLETED, None, True), (P.COMPLETED, Role.HEADTEACHER, False), (P.GROUP_REGISTRATION, None, False),
     (P.COURSE_REGISTRATION, Role.MENTOR, True)],
)
def test_only_a_completed_phase_has_no_responsible_role(kind: PhaseKind, responsible: Role | None, ok: bool) -> None:
    if ok:
        workflow.check_responsible(kind, responsible)
    else:
        with pytest.raises(Invalid):
            workflow.check_responsible(kind, responsible)


@pytest.mark.parametrize(
    ("mentor", "headteacher", "entry"),
    [(True, True, EntryKind.SUPERVISOR), (True, False, EntryKind.MENTOR), (False, True, EntryKind.HEADTEACHER),
     (False, False, None)],
)
def test_someone_who_is_both_sees_one_supervisor_entry(mentor: bool, headteacher: bool, entry: EntryKind | None) -> None:
    assert workflow.entry_kind(mentor, headteacher) == entry


@pytest.mark.parametrize(("value", "ok"), [("Tutor", True), ("  Head  of  Year ", True), ("", False), ("x" * 51, False)])
def test_labels(value: str, ok: bool) -> None:
    if ok:
        assert workflow.label(value, "mentorLabel") == " ".join(value.split())
    else:
        with pytest.raises(Invalid):
            workflow.label(value, "mentorLabel")


TERMS = [records.TermDates(1, date(2026, 9, 1), date(2026, 12, 18)),
         records.TermDates(2, date(2027, 1, 5), date(2027, 3, 31))]


@pytest.mark.parametrize(
    ("day", "term"),
    [(date(2026, 9, 1), 1), (date(2026, 12, 18), 1), (date(2027, 1, 5), 2), (date(2026, 12, 25), None)],
)
def test_a_date_falls_in_its_term_both_ends_included(day: date, term: int | None) -> None:
    if term is None:
        with pytest.raises(Invalid) as refused:
            records.term_of(day, TERMS, "sessionDate")
        assert refused.value.field == "sessionDate"
    else:
        assert records.term_of(day, TERMS, "sessionDate") == term


def test_the_default_codes_cover_every_category_once_each_code() -> None:
    codes = [c.code for c in records.DEFAULT_CODES]
    assert len(codes) == len(set(codes))
    assert {c.category for c in records.DEFAULT_CODES} == set(records.AttendanceCategory)


@pytest.mark.parametrize(("weight", "ok"), [(0, False), (1, True), (5, True), (6, False)])
def test_weight(weight: int, ok: bool) -> None:
    if ok:
        assert records.weight(weight) == weight
    else:
        with pytest.raises(Invalid):
            records.weight(weight)
