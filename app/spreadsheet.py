"""CSV the way spreadsheets read it.

- UTF-8 with a byte-order mark: without it Excel guesses a legacy code page and garbles
  accented names.
- OWASP's CSV-injection guidance: a text cell starting with `=`, `+`, `-`, `@`, a tab or
  a carriage return would be run as a formula, so it is prefixed with `'` and stays text.
- Dates in ISO 8601, numbers as numbers, nothing as an empty cell; each column one type.
"""

import csv
import io
from collections.abc import Iterable
from datetime import date

BOM = "\ufeff"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> object:
    """One value as the text a spreadsheet will read back as that value."""
    if value is None:
        return ""
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


class Sheet:
    """Rows in, CSV text out a row at a time, so a long export streams; the first row
    carries the byte-order mark."""

    def __init__(self) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer)
        self._started = False

    def row(self, values: Iterable[object]) -> str:
        self._writer.writerow([cell(value) for value in values])
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        if not self._started:
            self._started = True
            return BOM + text
        return text
