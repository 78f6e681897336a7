"""CSV cells as a spreadsheet reads them back (app/spreadsheet.py)."""

import csv
import io
from datetime import date, datetime, timezone

import pytest

from app.spreadsheet import BOM, Sheet, cell


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_text_a_spreadsheet_would_run_as_a_formula_is_quoted(text: str) -> None:
    assert cell(text) == "'" + text


def test_other_values_keep_their_type() -> None:
    assert cell("Ms O'Brien") == "Ms O'Brien"
    assert cell(-3) == -3 and cell(0.25) == 0.25  # numbers are numbers, negative ones too
    assert cell(date(2026, 9, 1)) == "2026-09-01"
    assert cell(datetime(2026, 9, 1, 8, 30, tzinfo=timezone.utc)) == "2026-09-01T08:30:00+00:00"
    assert cell(None) == ""


def test_the_sheet_starts_with_a_byte_order_mark_once() -> None:
    sheet = Sheet()
    text = sheet.row(["Name", "Due"]) + sheet.row(["Zoë, \"Z\"", date(2026, 9, 1)])
    assert text.startswith(BOM) and text.count(BOM) == 1
    assert list(csv.reader(io.StringIO(text.encode("utf-8").decode("utf-8-sig")))) == [
        ["Name", "Due"], ['Zoë, "Z"', "2026-09-01"]]
