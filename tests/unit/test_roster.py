"""What a roster CSV says, and what it would change (domain/roster.py): plain values, no database."""

from datetime import date

import pytest

from domain.errors import Invalid
from domain.roster import Change, ChangeKind, Held, parse, plan

TODAY = date(2026, 9, 1)
HEADER = "name,email,seat,groups,leaving_date\n"


def test_a_spreadsheets_csv_with_a_byte_order_mark_and_loose_headers_is_read() -> None:
    text = ("\ufeffName,E-mail,Seat,Groups,Leaving Date\r\n"
            "Ada Lane,ADA@x.example,all_access_pass_plus,ES1; Year 2 ;,\r\n\r\n")
    with pytest.raises(Invalid, match="column e_mail"):
        parse(text)
    (row,) = parse(text.replace("E-mail", "Email"))
    assert (row.row, row.name, row.email, row.seat, row.groups, row.leaving_on) == (
        2, "Ada Lane", "ada@x.example", "ALL_ACCESS_PASS_PLUS", ("ES1", "Year 2"), None)


@pytest.mark.parametrize(("text", "message"), [
    ("", "The CSV is empty"),
    ("name,email\nA,a@x.example\n", "Row 1, column seat: the column is missing"),
    (HEADER + "A,a@x.example,ALL_ACCESS_PASS_PLUS,,\nB,not-an-email,ALL_ACCESS_PASS_PLUS,,\n",
     "Row 3, column email: 'not-an-email' is not an email address."),
    (HEADER + "A,a@x.example,STAFF,,\n", "Row 2, column seat: 'STAFF' is not a seat"),
    (HEADER + "A,a@x.example,ALL_ACCESS_PASS_PLUS,,31/07/2027\n", "Row 2, column leaving_date: '31/07/2027'"),
    (HEADER + "A,a@x.example,ALL_ACCESS_PASS_PLUS,,\nB,A@x.example,ALL_ACCESS_PASS,,\n",
     "Row 3, column email: a@x.example is on row 2 already."),
    (HEADER + ",a@x.example,ALL_ACCESS_PASS_PLUS,,\n", "Row 2, column name: name must not be empty."),
])
def test_a_bad_file_names_the_row_and_column(text: str, message: str) -> None:
    with pytest.raises(Invalid) as raised:
        parse(text)
    assert raised.value.field == "csv"
    assert message in raised.value.message


def _plan(text: str, held: dict[str, Held] | None = None) -> list[tuple[str, ChangeKind, str]]:
    changes = plan(parse(HEADER + text), held or {}, {"ES1", "Year 2"}, TODAY, "Ashdown")
    return [(c.email, c.kind, c.detail) for c in changes]


def test_a_newcomer_is_added_seated_and_grouped() -> None:
    assert _plan("Ada Lane,ada@x.example,ALL_ACCESS_PASS_PLUS,ES1,\n") == [
        ("ada@x.example", ChangeKind.PERSON_ADDED, "Ada Lane"), ("ada@x.example", ChangeKind.MEMBER_ADDED, ""),
        ("ada@x.example", ChangeKind.SEAT_ADDED, "ALL_ACCESS_PASS_PLUS"),
        ("ada@x.example", ChangeKind.GROUP_JOINED, "ES1"),
    ]


def test_someone_who_already_matches_changes_nothing() -> None:
    held = {"ada@x.example": Held(1, "MEMBER", "ALL_ACCESS_PASS_PLUS", True, frozenset({"ES1"}))}
    assert _plan("Ada,ada@x.example,ALL_ACCESS_PASS_PLUS,ES1,\n", held) == []


def test_seats_change_and_groups_named_are_the_whole_list() -> None:
    held = {"ada@x.example": Held(1, "MEMBER", "ALL_ACCESS_PASS", False, frozenset({"ES1"}))}
    assert _plan("Ada,ada@x.example,ALL_ACCESS_PASS_PLUS,Year 2,\n", held) == [
        ("ada@x.example", ChangeKind.SEAT_REACTIVATED, ""),
        ("ada@x.example", ChangeKind.SEAT_CHANGED, "ALL_ACCESS_PASS -> ALL_ACCESS_PASS_PLUS"),
        ("ada@x.example", ChangeKind.GROUP_JOINED, "Year 2"), ("ada@x.example", ChangeKind.GROUP_LEFT, "ES1"),
    ]


def test_without_a_groups_column_groups_are_left_alone() -> None:
    held = {"ada@x.example": Held(1, "MEMBER", "ALL_ACCESS_PASS_PLUS", True, frozenset({"ES1"}))}
    changes = plan(parse("name,email,seat\nAda,ada@x.example,ALL_ACCESS_PASS_PLUS\n"), held, {"ES1"}, TODAY, "A")
    assert changes == []


@pytest.mark.parametrize(("leaving", "expected"), [
    ("2026-09-01", [("ada@x.example", ChangeKind.SEAT_ENDED, "left on 2026-09-01")]),  # on the day
    ("2026-08-31", [("ada@x.example", ChangeKind.SEAT_ENDED, "left on 2026-08-31")]),
    ("2026-09-02", [("ada@x.example", ChangeKind.LEAVING_SET, "2026-09-02")]),  # not yet: kept for the day
])
def test_a_leavers_seat_ends_on_and_after_their_leaving_date(
    leaving: str, expected: list[tuple[str, ChangeKind, str]]
) -> None:
    held = {"ada@x.example": Held(1, "MEMBER", "ALL_ACCESS_PASS_PLUS", True, frozenset({"ES1"}))}
    assert _plan(f"Ada,ada@x.example,ALL_ACCESS_PASS_PLUS,ES1,{leaving}\n", held) == expected


def test_a_kept_leaving_date_changes_only_when_the_file_says_otherwise() -> None:
    """Kept 2026-12-31: the same date changes nothing, another moves it, a blank cell
    clears it; a file without the column leaves it alone."""
    held = {"ada@x.example": Held(1, "MEMBER", "ALL_ACCESS_PASS_PLUS", True, frozenset({"ES1"}),
                                  leaves_on=date(2026, 12, 31))}
    assert _plan("Ada,ada@x.example,ALL_ACCESS_PASS_PLUS,ES1,2026-12-31\n", held) == []
    assert _plan("Ada,ada@x.example,ALL_ACCESS_PASS_PLUS,ES1,2027-01-31\n", held) == [
        ("ada@x.example", ChangeKind.LEAVING_SET, "2027-01-31")]
    assert _plan("Ada,ada@x.example,ALL_ACCESS_PASS_PLUS,ES1,\n", held) == [
        ("ada@x.example", ChangeKind.LEAVING_CLEARED, "2026-12-31")]
    assert plan(parse("name,email,seat\nAda,ada@x.example,ALL_ACCESS_PASS_PLUS\n"), held, {"ES1"}, TODAY, "A") == []


def test_a_leaver_whose_seat_comes_back_loses_the_date_already_past() -> None:
    """Ended on 2026-08-31 and back in a file without a leaving_date column: reactivated,
    and the past date goes, or the scheduler would end the seat again."""
    held = {"ada@x.example": Held(1, "MEMBER", "ALL_ACCESS_PASS_PLUS", False, frozenset(),
                                  leaves_on=date(2026, 8, 31))}
    assert plan(parse("name,email,seat\nAda,ada@x.example,ALL_ACCESS_PASS_PLUS\n"), held, set(), TODAY, "A") == [
        Change(2, "ada@x.example", ChangeKind.SEAT_REACTIVATED, ""),
        Change(2, "ada@x.example", ChangeKind.LEAVING_CLEARED, "2026-08-31")]


def test_a_leaver_unknown_to_the_school_is_not_added() -> None:
    assert _plan("Ada,ada@x.example,ALL_ACCESS_PASS_PLUS,ES1,2026-07-20\n") == []


@pytest.mark.parametrize(("row", "message"), [
    ("Ada,ada@x.example,ALL_ACCESS_PASS_PLUS,ES1;Year 9,\n",
     "Row 2, column groups: Ashdown has no staff group 'Year 9'"),
    ("Ada,ada@x.example,ALL_ACCESS_PASS_PLUS,All Staff,\n", "Row 2, column groups: All Staff follows the seats"),
    ("Ada,ada@x.example,ALL_ACCESS_PASS,ES1,\n", "Row 2, column groups: only staff"),
])
def test_a_row_that_cannot_be_applied_names_its_row_and_column(row: str, message: str) -> None:
    with pytest.raises(Invalid, match=message):
        _plan(row)


def test_a_learner_is_not_given_a_seat() -> None:
    with pytest.raises(Invalid, match="Row 2, column email: ada@x.example is a Learner of Ashdown"):
        _plan("Ada,ada@x.example,ALL_ACCESS_PASS_PLUS,,\n", {"ada@x.example": Held(1, "LEARNER")})


def test_a_change_reads_as_a_line() -> None:
    assert str(Change(4, "a@x.example", ChangeKind.GROUP_JOINED, "ES1")) == "row 4: a@x.example: group joined (ES1)"
