"""Workflow (seed 002): per school and per information area, an ordered list of phases.
Each phase names the role that moves it on and the audiences that may see the area's
records while a registration scope sits in it. Phases never advance by themselves.

Plain rules over plain values; the tables are in domain.models, the decisions about a
particular caller in permissions.policy."""

from dataclasses import dataclass
from enum import StrEnum

from domain.errors import Conflict, Invalid


class Area(StrEnum):
    ATTENDANCE = "ATTENDANCE"
    BEHAVIOUR = "BEHAVIOUR"
    ASSESSMENT = "ASSESSMENT"


class PhaseKind(StrEnum):
    COURSE_REGISTRATION = "COURSE_REGISTRATION"
    GROUP_REGISTRATION = "GROUP_REGISTRATION"
    ORGANISATION_APPROVAL = "ORGANISATION_APPROVAL"
    COMPLETED = "COMPLETED"


class Role(StrEnum):
    """Who keeps records and moves phases on: course, group and organisation level."""

    TEACHER = "TEACHER"
    MENTOR = "MENTOR"
    HEADTEACHER = "HEADTEACHER"


class Audience(StrEnum):
    LEARNER = "LEARNER"
    PARENT = "PARENT"
    EXTERNAL_SYSTEM = "EXTERNAL_SYSTEM"


class ScopeKind(StrEnum):
    COURSE = "COURSE"  # a course's records for a term
    MENTOR_GROUP = "MENTOR_GROUP"  # a mentor's group for a term


class EntryKind(StrEnum):
    """Which supervisor entry a front end shows (seed 002)."""

    MENTOR = "MENTOR"
    HEADTEACHER = "HEADTEACHER"
    SUPERVISOR = "SUPERVISOR"


PHASE_NAMES = {
    PhaseKind.COURSE_REGISTRATION: "Course registration",
    PhaseKind.GROUP_REGISTRATION: "Group registration",
    PhaseKind.ORGANISATION_APPROVAL: "Organisation approval",
    PhaseKind.COMPLETED: "Completed",
}

# What the responsible role's action is called when it moves a scope out of a phase.
ACTIONS = {
    PhaseKind.COURSE_REGISTRATION: "submitted to the mentor",
    PhaseKind.GROUP_REGISTRATION: "submitted",
    PhaseKind.ORGANISATION_APPROVAL: "completed",
}

DEFAULT_LABELS = {Role.MENTOR: "Mentor", Role.HEADTEACHER: "Headteacher"}
SUPERVISOR_LABEL = "Supervisor"


@dataclass(frozen=True)
class Phase:
    kind: PhaseKind
    responsible: Role | None
    learner: bool = False
    parent: bool = False
    external_systems: bool = False

    def sees(self, audience: Audience) -> bool:
        return {
            Audience.LEARNER: self.learner, Audience.PARENT: self.parent,
            Audience.EXTERNAL_SYSTEM: self.external_systems,
        }[audience]


_GROUP_ON = [
    Phase(PhaseKind.GROUP_REGISTRATION, Role.MENTOR),
    Phase(PhaseKind.ORGANISATION_APPROVAL, Role.HEADTEACHER),
    Phase(PhaseKind.COMPLETED, None),
]
# itslearning's defaults: nothing is visible to learners, parents or external systems
# until a site ticks them.
_DEFAULTS = {
    Area.ATTENDANCE: [Phase(PhaseKind.COURSE_REGISTRATION, Role.TEACHER), *_GROUP_ON],
    Area.ASSESSMENT: [Phase(PhaseKind.COURSE_REGISTRATION, Role.TEACHER), *_GROUP_ON],
    Area.BEHAVIOUR: list(_GROUP_ON),
}


def default_phases(area: Area) -> list[Phase]:
    return list(_DEFAULTS[area])


def scope_kind(area: Area) -> ScopeKind:
    """Areas that start at course registration are kept per course and term; behaviour,
    which starts at the group, per mentor's group and term."""
    return ScopeKind.COURSE if _DEFAULTS[area][0].kind == PhaseKind.COURSE_REGISTRATION else ScopeKind.MENTOR_GROUP


def first_phase(area: Area) -> PhaseKind:
    return _DEFAULTS[area][0].kind


def transition(phases: list[PhaseKind], current: PhaseKind, from_phase: PhaseKind) -> PhaseKind:
    """The phase after `current`. The caller names the phase it moves the scope out of,
    so an action taken on a stale screen changes nothing."""
    if from_phase != current:
        raise Invalid(
            f"This registration is in {PHASE_NAMES[current].lower()}, not {PHASE_NAMES[from_phase].lower()}.",
            "fromPhase",
        )
    position = phases.index(current)
    if position == len(phases) - 1:
        raise Conflict("This registration is completed; it moves no further.", "fromPhase")
    return phases[position + 1]


def editors(phase: Phase) -> frozenset[Role]:
    """Who may still change a scope's records in a phase: its responsible role, and in
    organisation approval the mentor too. Completed records are final."""
    if phase.kind == PhaseKind.COMPLETED or phase.responsible is None:
        return frozenset()
    found = {phase.responsible}
    if phase.kind == PhaseKind.ORGANISATION_APPROVAL:
        found.add(Role.MENTOR)
    return frozenset(found)


def check_responsible(kind: PhaseKind, responsible: Role | None) -> None:
    """A completed phase has no one to move it on; every other phase needs someone."""
    if kind == PhaseKind.COMPLETED and responsible is not None:
        raise Invalid("A completed phase has no responsible role.", "responsible")
    if kind != PhaseKind.COMPLETED and responsible is None:
        raise Invalid(f"{PHASE_NAMES[kind]} needs a responsible role.", "responsible")


def entry_kind(is_mentor: bool, is_headteacher: bool) -> EntryKind | None:
    """Someone who is both sees one combined Supervisor entry instead of two."""
    if is_mentor and is_headteacher:
        return EntryKind.SUPERVISOR
    if is_mentor:
        return EntryKind.MENTOR
    if is_headteacher:
        return EntryKind.HEADTEACHER
    return None


def label(value: str, field: str) -> str:
    cleaned = " ".join(value.split())
    if not cleaned:
        raise Invalid(f"{field} must not be empty.", field)
    if len(cleaned) > 50:
        raise Invalid(f"{field} must be at most 50 characters.", field)
    return cleaned
