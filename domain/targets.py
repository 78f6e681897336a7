"""Rules for staff groups and target lists (seed 000), as plain functions."""

from collections import Counter
from collections.abc import Sequence

from domain.errors import ConfirmationRequired, Invalid, NotAvailable

CONFIRMATION = "YES"
MINIMUM_INDIVIDUALS = 2
# Statutory training renews yearly to every few years; ten years is past any cycle.
MAX_RENEW_MONTHS = 120


def check_confirmation(value: str) -> None:
    """Deleting has no undo, so only `YES`, exactly, in capitals, goes ahead."""
    if value != CONFIRMATION:
        raise ConfirmationRequired(
            f"Type {CONFIRMATION} in capitals to confirm; there is no undo.", "confirmation"
        )


def check_targets_available(individuals: int) -> None:
    """Learning targets need two or more individuals on the licence."""
    if individuals < MINIMUM_INDIVIDUALS:
        raise NotAvailable(
            f"Learning targets are not available yet: the licence needs at least {MINIMUM_INDIVIDUALS} "
            f"individuals with active seats (it has {individuals})."
        )


def check_new_order(current: Sequence[int], proposed: Sequence[int], field: str = "courseIds") -> None:
    """A reorder names every course of the list exactly once."""
    repeated = sorted(c for c, n in Counter(proposed).items() if n > 1)
    if repeated:
        raise Invalid(f"{field} repeats {len(repeated)} course(s); name each course once.", field)
    missing, extra = set(current) - set(proposed), set(proposed) - set(current)
    if missing:
        raise Invalid(f"{field} leaves out {len(missing)} course(s) of the list; name every course.", field)
    if extra:
        raise Invalid(f"{field} names {len(extra)} course(s) not on the list; add them first.", field)


def check_no_duplicates(course_ids: Sequence[int], field: str = "courses") -> None:
    if len(set(course_ids)) != len(course_ids):
        raise Invalid("A course appears at most once in a target list.", field)


def check_renewal(months: int | None, field: str) -> None:
    """A renewal period is whole months, from one to MAX_RENEW_MONTHS; null renews never."""
    if months is not None and not 1 <= months <= MAX_RENEW_MONTHS:
        raise Invalid(f"{field} must be between 1 and {MAX_RENEW_MONTHS} months, or null for none.", field)
