"""The learning path rule (domain/learning_paths.py), without a database."""

from datetime import date, timedelta
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.learning_paths import (
    ListItem, Progress, Status, TargetListIn, Urgency, effective_due_dates, learning_path, order,
)

TODAY = date(2026, 11, 22)
P1, P2, P3, P4, P5, P6 = 1, 2, 3, 4, 5, 6


def courses(path) -> list[int]:  # type: ignore[no-untyped-def]
    return [item.course_id for item in path]


def test_the_seeds_phonics_example_keeps_the_dragged_order() -> None:
    """Phonics 6 dragged above Phonics 5 gives 1, 2, 3, 4, 6, 5."""
    phonics = TargetListIn(1, [ListItem(c) for c in (P1, P2, P3, P4, P6, P5)])
    assert courses(learning_path([phonics], {}, TODAY)) == [P1, P2, P3, P4, P6, P5]


def test_a_date_on_phonics_4_makes_phonics_1_to_4_due_by_then() -> None:
    due = TODAY + timedelta(days=30)
    phonics = TargetListIn(1, [ListItem(P1), ListItem(P2), ListItem(P3), ListItem(P4, due), ListItem(P6), ListItem(P5)])
    path = learning_path([phonics], {}, TODAY)
    assert [i.effective_due_on for i in path] == [due, due, due, due, None, None]
    assert [i.own_due_on for i in path] == [None, None, None, due, None, None]
    assert effective_due_dates(phonics.items) == [due, due, due, due, None, None]


def test_a_course_on_several_lists_appears_once_naming_every_list() -> None:
    a = TargetListIn(10, [ListItem(P1), ListItem(P2)])
    b = TargetListIn(20, [ListItem(P2), ListItem(P3)])
    path = learning_path([a, b], {}, TODAY)
    assert courses(path) == [P1, P2, P3]
    assert path[1].list_ids == (10, 20)


def test_a_date_in_one_list_carries_to_courses_before_it_in_another() -> None:
    """List B puts P3 after P2, list A puts P2 after P1; a date on P3 binds all three."""
    due = TODAY + timedelta(days=40)
    a = TargetListIn(1, [ListItem(P1), ListItem(P2)])
    b = TargetListIn(2, [ListItem(P2), ListItem(P3, due)])
    path = learning_path([a, b], {}, TODAY)
    assert [(i.course_id, i.effective_due_on) for i in path] == [(P1, due), (P2, due), (P3, due)]


def test_among_free_courses_the_earliest_due_goes_first_and_undated_last() -> None:
    soon, later = TODAY + timedelta(days=5), TODAY + timedelta(days=50)
    lists = [TargetListIn(1, [ListItem(P1)]), TargetListIn(2, [ListItem(P2, later)]), TargetListIn(3, [ListItem(P3, soon)])]
    assert courses(learning_path(lists, {}, TODAY)) == [P3, P2, P1]


def test_ties_go_to_the_course_higher_in_its_list_then_the_lower_id() -> None:
    lists = [TargetListIn(1, [ListItem(P5), ListItem(P6)]), TargetListIn(2, [ListItem(P4)]), TargetListIn(3, [ListItem(P2)])]
    assert courses(learning_path(lists, {}, TODAY)) == [P2, P4, P5, P6]


def test_conflicting_orders_are_broken_deterministically_not_by_an_error() -> None:
    a = TargetListIn(1, [ListItem(P1), ListItem(P2), ListItem(P3)])
    b = TargetListIn(2, [ListItem(P3), ListItem(P1)])
    first = courses(learning_path([a, b], {}, TODAY))
    assert sorted(first) == [P1, P2, P3]
    assert courses(learning_path([b, a], {}, TODAY)) == first


def test_a_conflict_does_not_let_courses_outside_it_jump_their_queue() -> None:
    """P1/P2 conflict; P3 comes after P2 in a list and must stay after it."""
    a = TargetListIn(1, [ListItem(P1), ListItem(P2), ListItem(P3, TODAY)])
    b = TargetListIn(2, [ListItem(P2), ListItem(P1)])
    path = courses(learning_path([a, b], {}, TODAY))
    assert path.index(P3) > path.index(P2)


def test_status_and_urgency_by_the_local_date() -> None:
    lists = [TargetListIn(1, [
        ListItem(P1, TODAY - timedelta(days=1)), ListItem(P2, TODAY), ListItem(P3, TODAY + timedelta(days=14)),
        ListItem(P4, TODAY + timedelta(days=15)), ListItem(P5),
    ])]
    path = {i.course_id: i for i in learning_path(lists, {P5: Progress(started=True)}, TODAY)}
    assert path[P1].urgency == Urgency.OVERDUE
    assert path[P2].urgency == Urgency.DUE_TODAY
    assert path[P3].urgency == Urgency.DUE_SOON
    assert path[P4].urgency is None
    assert path[P5].status == Status.IN_PROGRESS and path[P4].status == Status.NOT_STARTED


def test_completed_courses_stay_on_the_path_and_are_never_due() -> None:
    done = TODAY - timedelta(days=3)
    lists = [TargetListIn(1, [ListItem(P1, TODAY - timedelta(days=10)), ListItem(P2)])]
    path = learning_path(lists, {P1: Progress(started=True, completed_on=done)}, TODAY)
    assert (path[0].status, path[0].completed_on, path[0].urgency) == (Status.COMPLETED, done, None)


def test_the_path_on_a_future_date_ignores_completions_after_it() -> None:
    """`completed_on` later than the day asked about is not yet a completion."""
    lists = [TargetListIn(1, [ListItem(P1)])]
    path = learning_path(lists, {P1: Progress(started=True, completed_on=TODAY)}, TODAY - timedelta(days=1))
    assert path[0].status == Status.IN_PROGRESS


# Property tests: random lists of up to 8 courses drawn from 10, some dated.
dates = st.one_of(st.none(), st.dates(min_value=TODAY, max_value=TODAY + timedelta(days=60)))


@st.composite
def target_lists(draw) -> list[TargetListIn]:  # type: ignore[no-untyped-def]
    count = draw(st.integers(1, 4))
    result = []
    for list_id in range(1, count + 1):
        ids = draw(st.lists(st.integers(1, 10), min_size=1, max_size=8, unique=True))
        result.append(TargetListIn(list_id, [ListItem(c, draw(dates)) for c in ids]))
    return result


def _conflict_free(lists: list[TargetListIn]) -> bool:
    """True when the lists' orders can all hold at once (their union has no cycle)."""
    edges = {(a.course_id, b.course_id) for lst in lists for a, b in pairwise(lst.items)}
    nodes = {c for e in edges for c in e}
    indegree = {n: 0 for n in nodes}
    for _, b in edges:
        indegree[b] += 1
    ready = [n for n, d in indegree.items() if d == 0]
    seen = 0
    while ready:
        n = ready.pop()
        seen += 1
        for a, b in edges:
            if a == n:
                indegree[b] -= 1
                if indegree[b] == 0:
                    ready.append(b)
    return seen == len(nodes)


@settings(max_examples=300, deadline=None)
@given(target_lists())
def test_every_lists_order_is_kept_unless_lists_conflict(lists: list[TargetListIn]) -> None:
    position = {c: i for i, (c, *_rest) in enumerate(order(lists))}
    if _conflict_free(lists):
        for lst in lists:
            assert [position[i.course_id] for i in lst.items] == sorted(position[i.course_id] for i in lst.items)


@settings(max_examples=300, deadline=None)
@given(target_lists())
def test_no_effective_date_is_later_than_anything_after_it_in_its_lists(lists: list[TargetListIn]) -> None:
    effective = {c: eff for c, _own, eff, _lists in order(lists)}
    for lst in lists:
        for a, b in pairwise(lst.items):
            if effective[b.course_id] is not None:
                assert effective[a.course_id] is not None and effective[a.course_id] <= effective[b.course_id]


@settings(max_examples=300, deadline=None)
@given(target_lists(), st.randoms(use_true_random=False))
def test_the_path_does_not_depend_on_the_order_lists_arrive_in(lists: list[TargetListIn], rnd) -> None:  # type: ignore[no-untyped-def]
    shuffled = list(lists)
    rnd.shuffle(shuffled)
    assert order(shuffled) == order(lists)
