"""CSV cells a spreadsheet will not run: a cell that could be read as a formula gets a `'` first.

A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula (or the start of
one) to Excel, LibreOffice and Google Sheets; every CSV the app offers for download goes through
`safe_cell` (or `safe_table`), so a value edited into a file on disk never runs as a formula.
Numbers are kept as they are: a negative number is a number, not a formula.
"""

from __future__ import annotations

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """`value` with a `'` in front if it is text a spreadsheet could run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_table(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of `table` whose text cells (and column names) are `safe_cell`."""
    safe = table.map(safe_cell)
    safe.columns = [safe_cell(name) for name in table.columns]
    return safe
