"""Notification rules as plain functions (domain/notifications.py): which reminder a
target is due on a given day, which school-local day a tick plans (around the send hour
and across daylight-saving changes), and which kind names the email."""

from datetime import UTC, date, datetime, timedelta
from itertools import combinations
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import Invalid
from domain.notifications import (
    SUBJECTS, NotificationKind, Rules, check_days, check_hour, check_overdue_days, day_to_plan, reminder, subject,
)

K = NotificationKind
DUE = date(2031, 3, 20)


def on(offset: int) -> date:
    """The day `offset` days from DUE."""
    return DUE + timedelta(days=offset)


# --- reminder() ---------------------------------------------------------------------


@pytest.mark.parametrize(("offset", "expected"), [
    (-30, None),
    (-15, None),  # 15 days before: not yet
    (-14, K.DUE_SOON),  # 14 days before: the first 'due soon' day
    (-1, K.DUE_SOON),
    (0, K.DUE_TODAY),
    (1, K.OVERDUE),  # the day after
    (40, K.OVERDUE),
])
def test_default_reminders_at_the_boundaries(offset: int, expected: K | None) -> None:
    assert reminder(DUE, on(offset), Rules()) == expected


@pytest.mark.parametrize(("offset", "expected"), [(1, None), (2, None), (3, K.OVERDUE), (4, K.OVERDUE)])
def test_overdue_days_moves_the_first_overdue_day(offset: int, expected: K | None) -> None:
    assert reminder(DUE, on(offset), Rules(overdue_days=3)) == expected


@pytest.mark.parametrize(("offset", "expected"), [(-8, None), (-7, K.DUE_SOON), (0, K.DUE_TODAY)])
def test_due_soon_days_moves_the_first_due_soon_day(offset: int, expected: K | None) -> None:
    assert reminder(DUE, on(offset), Rules(due_soon_days=7)) == expected


def test_zero_due_soon_days_means_no_due_soon() -> None:
    assert [reminder(DUE, on(o), Rules(due_soon_days=0)) for o in (-2, -1, 0)] == [None, None, K.DUE_TODAY]


@pytest.mark.parametrize("off", [K.DUE_SOON, K.DUE_TODAY, K.OVERDUE])
def test_a_kind_switched_off_is_never_due_and_the_others_still_are(off: K) -> None:
    rules = Rules(enabled=frozenset(NotificationKind) - {off})
    kinds = {offset: reminder(DUE, on(offset), rules) for offset in (-14, -1, 0, 1, 5)}
    expected = {-14: K.DUE_SOON, -1: K.DUE_SOON, 0: K.DUE_TODAY, 1: K.OVERDUE, 5: K.OVERDUE}
    assert kinds == {o: (None if k == off else k) for o, k in expected.items()}


@pytest.mark.parametrize("offset", [-400, -14, 0, 1, 400])
def test_an_undated_target_has_no_reminder(offset: int) -> None:
    assert reminder(None, on(offset), Rules()) is None


@given(
    due=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
    soon=st.integers(0, 365),
    overdue=st.integers(1, 365),
)
def test_each_kind_covers_exactly_its_window(due: date, soon: int, overdue: int) -> None:
    """Walking day by day past a due date: 'due soon' on exactly the `soon` days before,
    'due today' on the day alone, 'overdue' from `overdue` days after, nothing else."""
    rules = Rules(due_soon_days=soon, overdue_days=overdue)
    for offset in range(-soon - 2, overdue + 2):
        got = reminder(due, due + timedelta(days=offset), rules)
        if -soon <= offset < 0:
            assert got == K.DUE_SOON, offset
        elif offset == 0:
            assert got == K.DUE_TODAY
        elif offset >= overdue:
            assert got == K.OVERDUE, offset
        else:
            assert got is None, offset


# --- day_to_plan() ------------------------------------------------------------------


def at(zone: str, year: int, month: int, day: int, hour: int, minute: int = 0, fold: int = 0) -> datetime:
    """A school-local wall time, as the UTC instant a scheduler would see."""
    return datetime(year, month, day, hour, minute, fold=fold, tzinfo=ZoneInfo(zone)).astimezone(UTC)


@pytest.mark.parametrize("zone", ["Europe/London", "Australia/Sydney"])
@pytest.mark.parametrize(("hour", "minute", "planned"), [
    (0, 0, date(2031, 6, 9)),
    (6, 59, date(2031, 6, 9)),  # before the send hour: yesterday
    (7, 0, date(2031, 6, 10)),  # from the send hour: today
    (23, 59, date(2031, 6, 10)),
])
def test_the_day_turns_at_the_local_send_hour(zone: str, hour: int, minute: int, planned: date) -> None:
    assert day_to_plan(at(zone, 2031, 6, 10, hour, minute), zone, 7) == planned


@pytest.mark.parametrize(("zone", "now", "send_hour", "planned"), [
    # London: the same 06:30 UTC is 06:30 GMT on the Saturday, 07:30 BST on the Sunday.
    ("Europe/London", datetime(2031, 3, 29, 6, 30, tzinfo=UTC), 7, date(2031, 3, 28)),
    ("Europe/London", datetime(2031, 3, 30, 6, 30, tzinfo=UTC), 7, date(2031, 3, 30)),
    # ... and back in October: 06:30 UTC is 07:30 BST on Saturday, 06:30 GMT on Sunday.
    ("Europe/London", datetime(2031, 10, 25, 6, 30, tzinfo=UTC), 7, date(2031, 10, 25)),
    ("Europe/London", datetime(2031, 10, 26, 6, 30, tzinfo=UTC), 7, date(2031, 10, 25)),
    # A send hour the clocks skip (01:00 on 30 March in London) arrives at 02:00 BST.
    ("Europe/London", datetime(2031, 3, 30, 0, 59, tzinfo=UTC), 1, date(2031, 3, 29)),
    ("Europe/London", datetime(2031, 3, 30, 1, 0, tzinfo=UTC), 1, date(2031, 3, 30)),
    # A send hour that happens twice (01:00 on 26 October in London): the first time counts.
    ("Europe/London", at("Europe/London", 2031, 10, 26, 0, 59), 1, date(2031, 10, 25)),
    ("Europe/London", at("Europe/London", 2031, 10, 26, 1, 0, fold=0), 1, date(2031, 10, 26)),
    ("Europe/London", at("Europe/London", 2031, 10, 26, 1, 0, fold=1), 1, date(2031, 10, 26)),
    # Sydney leaves daylight saving early on 6 April: 20:30 UTC is 07:30 AEDT on the 5th,
    # 06:30 AEST on the 6th.
    ("Australia/Sydney", datetime(2031, 4, 4, 20, 30, tzinfo=UTC), 7, date(2031, 4, 5)),
    ("Australia/Sydney", datetime(2031, 4, 5, 20, 30, tzinfo=UTC), 7, date(2031, 4, 5)),
    ("Australia/Sydney", datetime(2031, 4, 5, 21, 0, tzinfo=UTC), 7, date(2031, 4, 6)),
    # ... and enters it on 5 October, when 02:00 AEST becomes 03:00 AEDT: a send hour of
    # 02:00 never shows on the clock, and the day turns at 03:00.
    ("Australia/Sydney", datetime(2031, 10, 4, 15, 59, tzinfo=UTC), 2, date(2031, 10, 4)),
    ("Australia/Sydney", datetime(2031, 10, 4, 16, 0, tzinfo=UTC), 2, date(2031, 10, 5)),
])
def test_daylight_saving_changes(zone: str, now: datetime, send_hour: int, planned: date) -> None:
    assert day_to_plan(now, zone, send_hour) == planned


@pytest.mark.parametrize("zone", ["Europe/London", "Australia/Sydney"])
@pytest.mark.parametrize("send_hour", [0, 1, 2, 3, 7, 23])
def test_ticking_every_hour_for_a_year_plans_every_day_once_in_order(zone: str, send_hour: int) -> None:
    """Across both daylight-saving changes no local day is skipped, and the day to plan
    never goes backwards: a scheduler ticking hourly plans each day exactly once."""
    start = datetime(2031, 1, 1, tzinfo=UTC)
    days = [day_to_plan(start + timedelta(hours=h), zone, send_hour) for h in range(366 * 24)]
    steps = {(b - a).days for a, b in zip(days, days[1:], strict=False)}
    assert steps == {0, 1}
    assert len(set(days)) == (days[-1] - days[0]).days + 1 >= 365


# --- subject() ----------------------------------------------------------------------

PRESSING = [K.OVERDUE, K.DUE_TODAY, K.DUE_SOON, K.ASSIGNED, K.REMOVED]


@pytest.mark.parametrize(("kinds", "expected"), [
    ({K.ASSIGNED}, "Your learning targets were updated — Ashdown Primary"),
    ({K.REMOVED}, "Your learning targets were removed — Ashdown Primary"),
    ({K.DUE_SOON, K.ASSIGNED}, "Learning targets due soon and more — Ashdown Primary"),
    ({K.DUE_SOON, K.DUE_TODAY}, "Learning targets due today and more — Ashdown Primary"),
    ({K.ASSIGNED, K.DUE_SOON, K.DUE_TODAY, K.OVERDUE}, "Learning targets overdue and more — Ashdown Primary"),
])
def test_the_subject_names_the_most_pressing_kind(kinds: set[K], expected: str) -> None:
    assert subject(kinds, "Ashdown Primary") == expected


@pytest.mark.parametrize("kinds", [set(c) for n in range(1, 6) for c in combinations(PRESSING, n)])
def test_every_mix_of_kinds_is_named_by_its_most_pressing(kinds: set[K]) -> None:
    first = next(k for k in PRESSING if k in kinds)
    more = " and more" if len(kinds) > 1 else ""
    assert subject(kinds, "Birchwood Academy") == f"{SUBJECTS[first]}{more} — Birchwood Academy"


def test_a_digest_without_kinds_has_no_subject() -> None:
    with pytest.raises(ValueError):
        subject(set(), "Ashdown Primary")


# --- bounds on settings -------------------------------------------------------------


@pytest.mark.parametrize(("check", "good", "bad"), [
    (check_days, [0, 14, 365], [-1, 366]),
    (check_overdue_days, [1, 365], [0, -1, 366]),
    (check_hour, [0, 7, 23], [-1, 24]),
])
def test_settings_bounds(check, good: list[int], bad: list[int]) -> None:  # type: ignore[no-untyped-def]
    assert [check(v, "f") for v in good] == good
    for value in bad:
        with pytest.raises(Invalid) as refused:
            check(value, "dueSoonDays")
        assert refused.value.field == "dueSoonDays"
